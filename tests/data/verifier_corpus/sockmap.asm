# Theme: sockmaps and sockhashes with their socket programs (sk_skb stream parser / verdict, sk_msg),
# and socket storage: which helpers take which map (check_map_func_compatibility), the programs that
# may update a sockmap (may_update_sockmap), the sk_skb and sk_msg contexts (sk_skb_is_valid_access,
# sk_msg_is_valid_access: packet pointers, read-only fields, the socket), and bpf_sk_storage_get's
# value pointer.

=== sockmap/skb_redirect_map
type: sk_skb
attach: sk_skb_stream_verdict
maps: sm=sockmap(4,4,4)
desc: a stream verdict redirects to a sockmap index
    r2 = map_fd(sm) ll
    r3 = 0
    r4 = 0
    call bpf_sk_redirect_map
    exit

=== sockmap/skb_redirect_hash
type: sk_skb
attach: sk_skb_stream_verdict
maps: sh=sockhash(4,4,4)
desc: a stream verdict redirects to a sockhash key on the stack
    r2 = 7
    *(u32 *)(r10 - 4) = r2
    r2 = map_fd(sh) ll
    r3 = r10
    r3 += -4
    r4 = 0
    call bpf_sk_redirect_hash
    exit

=== sockmap/skb_redirect_hash_short_key
type: sk_skb
maps: sh=sockhash(8,4,4)
desc: the sockhash key on the stack is shorter than key_size
    r2 = 7
    *(u32 *)(r10 - 4) = r2
    r2 = map_fd(sh) ll
    r3 = r10
    r3 += -4
    r4 = 0
    call bpf_sk_redirect_hash
    exit

=== sockmap/skb_redirect_map_to_sockhash
type: sk_skb
maps: sh=sockhash(4,4,4)
desc: bpf_sk_redirect_map takes only a sockmap
    r2 = map_fd(sh) ll
    r3 = 0
    r4 = 0
    call bpf_sk_redirect_map
    exit

=== sockmap/skb_redirect_map_to_hash
type: sk_skb
maps: h=hash(4,4,4)
desc: a plain hash map is no redirect target
    r2 = map_fd(h) ll
    r3 = 0
    r4 = 0
    call bpf_sk_redirect_map
    exit

=== sockmap/tc_redirect_map
type: sched_cls
maps: sm=sockmap(4,4,4)
desc: tc programs have no bpf_sk_redirect_map
    r2 = map_fd(sm) ll
    r3 = 0
    r4 = 0
    call bpf_sk_redirect_map
    exit

=== sockmap/skb_lookup_elem
type: sk_skb
maps: sm=sockmap(4,8,4)
desc: a sockmap lookup gives a referenced socket or NULL, released after the check
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    call bpf_sk_release
out:
    r0 = 1
    exit

=== sockmap/skb_lookup_elem_leak
type: sk_skb
maps: sm=sockmap(4,8,4)
desc: the socket a sockmap lookup returns must be released
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = 1
    exit

=== sockmap/skb_update_elem
type: sk_skb
maps: sm=sockmap(4,8,4)
desc: sk_skb programs may not update a sockmap (may_update_sockmap)
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    *(u64 *)(r10 - 16) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
    r0 = 1
    exit

=== sockmap/xdp_delete_elem
type: xdp
maps: sm=sockmap(4,8,4)
desc: XDP programs may delete from a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 2
    exit

=== sockmap/sock_map_update_in_skb
type: sk_skb
maps: sm=sockmap(4,8,4)
desc: bpf_sock_map_update belongs to sock_ops programs
    r2 = map_fd(sm) ll
    r3 = r10
    r3 += -4
    r4 = 0
    call bpf_sock_map_update
    exit

=== sockmap/skb_packet_read
type: sk_skb
attach: sk_skb_stream_parser
desc: a stream parser reads the packet after the data_end check
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
    exit
out:
    r0 = *(u32 *)(r1 + 0)
    exit

=== sockmap/skb_packet_read_unchecked
type: sk_skb
desc: a packet read without the data_end check
    r2 = *(u32 *)(r1 + 76)
    r0 = *(u32 *)(r2 + 0)
    exit

=== sockmap/skb_packet_write
type: sk_skb
desc: sk_skb programs may write the packet (direct packet access)
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 2
    if r4 > r3 goto out
    r5 = 1
    *(u16 *)(r2 + 0) = r5
out:
    r0 = 1
    exit

=== sockmap/skb_mark_read
type: sk_skb
desc: skb->mark is out of reach of sk_skb programs
    r0 = *(u32 *)(r1 + 8)
    exit

=== sockmap/skb_priority_write
type: sk_skb
desc: sk_skb programs may write priority
    r2 = 3
    *(u32 *)(r1 + 32) = r2
    r0 = 1
    exit

=== sockmap/skb_cb_write
type: sk_skb
desc: cb[] is read-only to sk_skb programs
    r2 = 3
    *(u32 *)(r1 + 48) = r2
    r0 = 1
    exit

=== sockmap/skb_sk_null_check
type: sk_skb
desc: skb->sk may be NULL: checked, then a socket field read
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 + 4)
    exit
out:
    r0 = 0
    exit

=== sockmap/skb_sk_unchecked
type: sk_skb
desc: skb->sk read through without the NULL check
    r1 = *(u64 *)(r1 + 168)
    r0 = *(u32 *)(r1 + 4)
    exit

=== sockmap/skb_any_return
type: sk_skb
desc: sk_skb programs may return any value
    r0 = 7
    exit

=== sockmap/msg_redirect_map
type: sk_msg
attach: sk_msg_verdict
maps: sm=sockmap(4,4,4)
desc: an sk_msg verdict redirects to a sockmap index
    r2 = map_fd(sm) ll
    r3 = 1
    r4 = 1
    call bpf_msg_redirect_map
    exit

=== sockmap/msg_redirect_hash
type: sk_msg
maps: sh=sockhash(4,4,4)
desc: an sk_msg verdict redirects to a sockhash key
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r2 = map_fd(sh) ll
    r3 = r10
    r3 += -4
    r4 = 0
    call bpf_msg_redirect_hash
    exit

=== sockmap/msg_redirect_map_to_sockhash
type: sk_msg
maps: sh=sockhash(4,4,4)
desc: bpf_msg_redirect_map takes only a sockmap
    r2 = map_fd(sh) ll
    r3 = 0
    r4 = 0
    call bpf_msg_redirect_map
    exit

=== sockmap/msg_skb_redirect_map
type: sk_msg
maps: sm=sockmap(4,4,4)
desc: sk_msg programs have no bpf_sk_redirect_map
    r2 = map_fd(sm) ll
    r3 = 0
    r4 = 0
    call bpf_sk_redirect_map
    exit

=== sockmap/msg_packet_read
type: sk_msg
desc: an sk_msg program reads the message after the data_end check
    r2 = *(u64 *)(r1 + 0)
    r3 = *(u64 *)(r1 + 8)
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
    exit
out:
    r0 = 1
    exit

=== sockmap/msg_packet_write
type: sk_msg
desc: sk_msg programs may write the message (direct packet access)
    r2 = *(u64 *)(r1 + 0)
    r3 = *(u64 *)(r1 + 8)
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r5 = 0
    *(u8 *)(r2 + 0) = r5
out:
    r0 = 1
    exit

=== sockmap/msg_packet_unchecked
type: sk_msg
desc: a message read without the data_end check
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u8 *)(r2 + 0)
    exit

=== sockmap/msg_data_narrow
type: sk_msg
desc: sk_msg_md's data is read only as 8 bytes
    r2 = *(u32 *)(r1 + 0)
    r0 = 1
    exit

=== sockmap/msg_fields
type: sk_msg
desc: family, remote_port and size are 4-byte reads
    r2 = *(u32 *)(r1 + 16)
    r3 = *(u32 *)(r1 + 60)
    r0 = *(u32 *)(r1 + 68)
    exit

=== sockmap/msg_field_write
type: sk_msg
desc: sk_msg_md is read-only
    r2 = 0
    *(u32 *)(r1 + 68) = r2
    r0 = 1
    exit

=== sockmap/msg_sk_read
type: sk_msg
desc: sk_msg_md's sk is a socket, never NULL
    r1 = *(u64 *)(r1 + 72)
    r0 = *(u32 *)(r1 + 4)
    exit

=== sockmap/msg_sk_storage_get
type: sk_msg
maps: st=sk_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: socket storage of the message's socket: a value pointer or NULL
    r2 = *(u64 *)(r1 + 72)
    r1 = map_fd(st) ll
    r3 = 0
    r4 = 1
    call bpf_sk_storage_get
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 8)
out:
    r0 = 1
    exit

=== sockmap/msg_sk_storage_get_unchecked
type: sk_msg
maps: st=sk_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: bpf_sk_storage_get's value used without the NULL check
    r2 = *(u64 *)(r1 + 72)
    r1 = map_fd(st) ll
    r3 = 0
    r4 = 1
    call bpf_sk_storage_get
    r1 = *(u64 *)(r0 + 8)
    r0 = 1
    exit

=== sockmap/msg_sk_storage_get_past_value
type: sk_msg
maps: st=sk_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: a read past the storage's 16-byte value
    r2 = *(u64 *)(r1 + 72)
    r1 = map_fd(st) ll
    r3 = 0
    r4 = 1
    call bpf_sk_storage_get
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 16)
out:
    r0 = 1
    exit

=== sockmap/tc_sk_storage_get
type: sched_cls
maps: st=sk_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: socket storage of skb->sk after its NULL check
    r2 = *(u64 *)(r1 + 168)
    if r2 == 0 goto out
    r1 = map_fd(st) ll
    r3 = 0
    r4 = 0
    call bpf_sk_storage_get
out:
    r0 = 0
    exit

=== sockmap/tc_sk_storage_get_maybe_null_sk
type: sched_cls
maps: st=sk_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: skb->sk passed to bpf_sk_storage_get without its NULL check
    r2 = *(u64 *)(r1 + 168)
    r1 = map_fd(st) ll
    r3 = 0
    r4 = 0
    call bpf_sk_storage_get
    r0 = 0
    exit

=== sockmap/tc_sk_storage_delete
type: sched_cls
maps: st=sk_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: bpf_sk_storage_delete of skb->sk's storage
    r2 = *(u64 *)(r1 + 168)
    if r2 == 0 goto out
    r1 = map_fd(st) ll
    call bpf_sk_storage_delete
out:
    r0 = 0
    exit

=== sockmap/sk_storage_lookup_elem
type: sched_cls
maps: st=sk_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: socket storage is no map for bpf_map_lookup_elem
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(st) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== sockmap/sk_storage_get_on_hash
type: sched_cls
maps: h=hash(4,16,4)
desc: bpf_sk_storage_get takes only socket storage
    r2 = *(u64 *)(r1 + 168)
    if r2 == 0 goto out
    r1 = map_fd(h) ll
    r3 = 0
    r4 = 0
    call bpf_sk_storage_get
out:
    r0 = 0
    exit

=== sockmap/tc_lookup_sock_field
type: sched_cls
maps: sh=sockhash(4,8,4)
desc: a sockhash lookup's socket read after the NULL check, then released
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sh) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u32 *)(r0 + 4)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== sockmap/tc_lookup_read_before_check
type: sched_cls
maps: sm=sockmap(4,8,4)
desc: a sockmap lookup's result read before the NULL check
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r6 = *(u32 *)(r0 + 4)
    r0 = 0
    exit

=== sockmap/tc_lookup_checked_leak
type: sched_cls
maps: sm=sockmap(4,8,4)
desc: a checked sockmap lookup whose socket is never released
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u32 *)(r0 + 4)
out:
    r0 = 0
    exit

=== sockmap/xdp_update_stack_value
type: xdp
maps: sm=sockmap(4,8,4)
desc: the value a program writes into a sockmap is a socket, not stack memory
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    *(u64 *)(r10 - 16) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
    r0 = 2
    exit

=== sockmap/tc_update_looked_up_socket
type: sched_cls
maps: sm=sockmap(4,8,4)
desc: a socket from bpf_sk_lookup_tcp stored into a sockmap, then released
    r2 = 0
    *(u64 *)(r10 - 16) = r2
    *(u64 *)(r10 - 8) = r2
    r2 = r10
    r2 += -16
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r6 = r0
    r2 = 0
    *(u32 *)(r10 - 20) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -20
    r3 = r6
    r4 = 0
    call bpf_map_update_elem
    r1 = r6
    call bpf_sk_release
out:
    r0 = 0
    exit

=== sockmap/xdp_pop_sockmap
type: xdp
maps: sm=sockmap(4,8,4)
desc: a helper writing a value out cannot take a sockmap
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -8
    call bpf_map_pop_elem
    r0 = 2
    exit

=== sockmap/reuseport_select
type: sk_reuseport
attach: sk_reuseport_select
maps: ra=reuseport_sockarray(4,8,4)
desc: a reuseport program selects the socket of an index
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r2 = map_fd(ra) ll
    r3 = r10
    r3 += -4
    r4 = 0
    call bpf_sk_select_reuseport
    r0 = 1
    exit

=== sockmap/reuseport_select_from_sockhash
type: sk_reuseport
attach: sk_reuseport_select_or_migrate
maps: sh=sockhash(4,8,4)
desc: bpf_sk_select_reuseport takes a sockhash too
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r2 = map_fd(sh) ll
    r3 = r10
    r3 += -4
    r4 = 0
    call bpf_sk_select_reuseport
    r0 = 1
    exit

=== sockmap/reuseport_select_from_hash
type: sk_reuseport
maps: h=hash(4,8,4)
desc: a hash map holds no sockets to select
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r2 = map_fd(h) ll
    r3 = r10
    r3 += -4
    r4 = 0
    call bpf_sk_select_reuseport
    r0 = 1
    exit

=== sockmap/reuseport_lookup_elem
type: sk_reuseport
maps: ra=reuseport_sockarray(4,8,4)
desc: a reuseport array is no map for bpf_map_lookup_elem
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(ra) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = 1
    exit

=== sockmap/reuseport_bad_attach
type: sk_reuseport
attach: sk_skb_stream_parser
desc: a reuseport program loaded with another program type's attach type
    r0 = 1
    exit

=== sockmap/reuseport_sk_field
type: sk_reuseport
desc: the md's sk is a socket, never NULL
    r1 = *(u64 *)(r1 + 40)
    r0 = *(u32 *)(r1 + 4)
    exit

=== sockmap/reuseport_migrating_sk_unchecked
type: sk_reuseport
desc: migrating_sk may be NULL
    r1 = *(u64 *)(r1 + 48)
    r0 = *(u32 *)(r1 + 4)
    exit

=== sockmap/reuseport_migrating_sk_checked
type: sk_reuseport
desc: migrating_sk read after its NULL check
    r1 = *(u64 *)(r1 + 48)
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 + 4)
    exit
out:
    r0 = 1
    exit

=== sockmap/reuseport_packet_read
type: sk_reuseport
desc: the packet read after the data_end check
    r2 = *(u64 *)(r1 + 0)
    r3 = *(u64 *)(r1 + 8)
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
    exit
out:
    r0 = 1
    exit

=== sockmap/reuseport_packet_write
type: sk_reuseport
desc: reuseport programs read the packet only
    r2 = *(u64 *)(r1 + 0)
    r3 = *(u64 *)(r1 + 8)
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r5 = 0
    *(u8 *)(r2 + 0) = r5
out:
    r0 = 1
    exit

=== sockmap/reuseport_narrow_fields
type: sk_reuseport
desc: len, eth_protocol (2 bytes), ip_protocol and bind_inany read narrower
    r2 = *(u8 *)(r1 + 16)
    r3 = *(u16 *)(r1 + 22)
    r4 = *(u8 *)(r1 + 24)
    r5 = *(u8 *)(r1 + 31)
    r0 = *(u32 *)(r1 + 32)
    exit

=== sockmap/reuseport_eth_protocol_byte
type: sk_reuseport
desc: eth_protocol is not read one byte at a time
    r0 = *(u8 *)(r1 + 20)
    exit

=== sockmap/reuseport_ctx_write
type: sk_reuseport
desc: sk_reuseport_md is read-only
    r2 = 0
    *(u32 *)(r1 + 32) = r2
    r0 = 1
    exit
