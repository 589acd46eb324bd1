# Theme: the cgroup program types, each under its expected attach types (header ``attach``):
# CGROUP_SKB (the return range, [0, 3] on egress; the __sk_buff fields cg_skb_is_valid_access() hides
# or lets be written; packet reads, never writes; ctx->sk and its NULL check; the socket fields),
# CGROUP_SOCK (what the create, release and post-bind hooks may read and write of struct bpf_sock),
# CGROUP_SOCK_ADDR (the address fields per hook, narrow reads and wide stores, ctx->sk a socket, the
# return ranges of bind and recvmsg, bpf_bind and the retval helpers per hook), SOCK_OPS (reply and
# sk_txhash, the u64 fields, ctx->sk maybe NULL, the skb's packet read-only), CGROUP_DEVICE,
# CGROUP_SYSCTL and CGROUP_SOCKOPT (retval, level and optname per hook, the option buffer as a
# writable packet).

=== cgroup/skb_pass
type: cgroup_skb
desc: returns 1 (allow)
    r0 = 1
    exit

=== cgroup/skb_ret2_ingress
type: cgroup_skb
desc: 2 is outside ingress's [0, 1]
    r0 = 2
    exit

=== cgroup/skb_ret3_egress
type: cgroup_skb
attach: cgroup_inet_egress
desc: egress may return 3 (drop with congestion notification)
    r0 = 3
    exit

=== cgroup/skb_ret4_egress
type: cgroup_skb
attach: cgroup_inet_egress
desc: 4 is outside egress's [0, 3]
    r0 = 4
    exit

=== cgroup/skb_ret_negative
type: cgroup_skb
desc: -1 as the verdict
    r0 = -1
    exit

=== cgroup/skb_ret_unbounded
type: cgroup_skb
desc: skb->len returned as it is
    r0 = *(u32 *)(r1 + 0)
    exit

=== cgroup/skb_ret_masked
type: cgroup_skb
desc: skb->len & 1 is within [0, 1]
    r0 = *(u32 *)(r1 + 0)
    r0 &= 1
    exit

=== cgroup/skb_ret_pointer
type: cgroup_skb
desc: a pointer as the verdict
    r0 = r1
    exit

=== cgroup/skb_ret_unset
type: cgroup_skb
desc: r0 never written
    exit

=== cgroup/skb_ret_branches
type: cgroup_skb
attach: cgroup_inet_egress
desc: 0 or 3 depending on the mark
    r2 = *(u32 *)(r1 + 8)
    r0 = 0
    if r2 != 5 goto +1
    r0 = 3
    exit

=== cgroup/skb_write_mark
type: cgroup_skb
desc: mark is writable
    r2 = 7
    *(u32 *)(r1 + 8) = r2
    r0 = 1
    exit

=== cgroup/skb_write_priority
type: cgroup_skb
desc: priority is writable
    *(u32 *)(r1 + 32) = 3
    r0 = 1
    exit

=== cgroup/skb_write_cb
type: cgroup_skb
desc: cb[4] is writable, as a u16 too
    r2 = 1
    *(u16 *)(r1 + 64) = r2
    r0 = 1
    exit

=== cgroup/skb_write_tstamp
type: cgroup_skb
desc: tstamp is writable (CAP_SYS_ADMIN)
    r2 = 1000
    *(u64 *)(r1 + 152) = r2
    r0 = 1
    exit

=== cgroup/skb_write_len
type: cgroup_skb
desc: len is read-only
    r2 = 7
    *(u32 *)(r1 + 0) = r2
    r0 = 1
    exit

=== cgroup/skb_write_tc_index
type: cgroup_skb
desc: tc_index is writable for tc only
    r2 = 7
    *(u32 *)(r1 + 44) = r2
    r0 = 1
    exit

=== cgroup/skb_write_queue_mapping
type: cgroup_skb
desc: queue_mapping is writable for tc only
    r2 = 7
    *(u32 *)(r1 + 12) = r2
    r0 = 1
    exit

=== cgroup/skb_read_tc_classid
type: cgroup_skb
desc: tc_classid is hidden from cgroup programs
    r0 = *(u32 *)(r1 + 72)
    r0 = 1
    exit

=== cgroup/skb_read_data_meta
type: cgroup_skb
desc: data_meta is hidden from cgroup programs
    r0 = *(u32 *)(r1 + 140)
    r0 = 1
    exit

=== cgroup/skb_read_wire_len
type: cgroup_skb
desc: wire_len is hidden from cgroup programs
    r0 = *(u32 *)(r1 + 148)
    r0 = 1
    exit

=== cgroup/skb_read_hwtstamp
type: cgroup_skb
desc: hwtstamp as a u64
    r0 = *(u64 *)(r1 + 184)
    r0 = 1
    exit

=== cgroup/skb_read_past_end
type: cgroup_skb
desc: past the end of __sk_buff
    r0 = *(u32 *)(r1 + 192)
    r0 = 1
    exit

=== cgroup/skb_read_family_narrow
type: cgroup_skb
desc: family read as one byte
    r0 = *(u8 *)(r1 + 88)
    r0 = 1
    exit

=== cgroup/skb_read_ports
type: cgroup_skb
desc: remote_port and local_port, narrow too
    r2 = *(u32 *)(r1 + 132)
    r3 = *(u16 *)(r1 + 136)
    r4 = *(u8 *)(r1 + 133)
    r0 = 1
    exit

=== cgroup/skb_read_remote_ip4_narrow
type: cgroup_skb
desc: remote_ip4 only as a whole word
    r0 = *(u16 *)(r1 + 92)
    r0 = 1
    exit

=== cgroup/skb_read_local_ip6
type: cgroup_skb
desc: local_ip6[3]
    r0 = *(u32 *)(r1 + 128)
    r0 = 1
    exit

=== cgroup/skb_packet_checked
type: cgroup_skb
desc: the first byte of the packet after the data_end check
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 20
    r0 = 1
    if r4 > r3 goto +2
    r0 = *(u8 *)(r2 + 9)
    r0 &= 1
    exit

=== cgroup/skb_packet_unchecked
type: cgroup_skb
desc: a packet byte read without the data_end check
    r2 = *(u32 *)(r1 + 76)
    r0 = *(u8 *)(r2 + 0)
    r0 &= 1
    exit

=== cgroup/skb_packet_past_check
type: cgroup_skb
desc: a read one byte past the checked range
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 20
    r0 = 1
    if r4 > r3 goto +2
    r0 = *(u8 *)(r2 + 20)
    r0 &= 1
    exit

=== cgroup/skb_packet_write
type: cgroup_skb
desc: cgroup programs cannot write the packet
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 20
    r0 = 1
    if r4 > r3 goto +1
    *(u8 *)(r2 + 0) = 0
    exit

=== cgroup/skb_data_u64
type: cgroup_skb
desc: data read as a u64
    r2 = *(u64 *)(r1 + 76)
    r0 = 1
    exit

=== cgroup/skb_sk_checked
type: cgroup_skb
desc: ctx->sk after its NULL check: the socket's family
    r2 = *(u64 *)(r1 + 168)
    r0 = 0
    if r2 == 0 goto +2
    r0 = *(u32 *)(r2 + 4)
    r0 &= 1
    exit

=== cgroup/skb_sk_unchecked
type: cgroup_skb
desc: ctx->sk read through without the NULL check
    r2 = *(u64 *)(r1 + 168)
    r0 = *(u32 *)(r2 + 4)
    r0 &= 1
    exit

=== cgroup/skb_sk_mark
type: cgroup_skb
desc: a sock_common has no mark
    r2 = *(u64 *)(r1 + 168)
    r0 = 0
    if r2 == 0 goto +2
    r0 = *(u32 *)(r2 + 16)
    r0 &= 1
    exit

=== cgroup/skb_sk_fullsock
type: cgroup_skb
desc: bpf_sk_fullsock on ctx->sk, then its mark
    r1 = *(u64 *)(r1 + 168)
    r0 = 0
    if r1 == 0 goto +4
    call bpf_sk_fullsock
    if r0 == 0 goto +2
    r0 = *(u32 *)(r0 + 16)
    r0 &= 1
    exit

=== cgroup/skb_sk_write
type: cgroup_skb
desc: a socket is never written
    r2 = *(u64 *)(r1 + 168)
    r0 = 0
    if r2 == 0 goto +2
    r3 = 1
    *(u32 *)(r2 + 16) = r3
    exit

=== cgroup/skb_load_bytes
type: cgroup_skb
desc: bpf_skb_load_bytes of the IP header's first 8 bytes
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call bpf_skb_load_bytes
    r0 &= 1
    exit

=== cgroup/skb_load_bytes_relative
type: cgroup_skb
desc: bpf_skb_load_bytes_relative from the network header
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 1
    call bpf_skb_load_bytes_relative
    r0 = 1
    exit

=== cgroup/skb_store_bytes
type: cgroup_skb
desc: bpf_skb_store_bytes is not for cgroup programs
    r2 = 0
    r3 = r10
    r3 += -8
    *(u64 *)(r10 - 8) = 0
    r4 = 8
    r5 = 0
    call bpf_skb_store_bytes
    r0 = 1
    exit

=== cgroup/skb_redirect
type: cgroup_skb
desc: bpf_redirect is for tc and xdp
    r1 = 1
    r2 = 0
    call bpf_redirect
    r0 = 1
    exit

=== cgroup/skb_cgroup_id
type: cgroup_skb
desc: bpf_skb_cgroup_id
    call bpf_skb_cgroup_id
    r0 &= 1
    exit

=== cgroup/skb_local_storage_no_map
type: cgroup_skb
desc: bpf_get_local_storage without a cgroup storage map
    r1 = 0
    r2 = 0
    call bpf_get_local_storage
    r0 = 1
    exit

=== cgroup/skb_perf_event_output
type: cgroup_skb
maps: ev=perf_event_array(4,4,4)
desc: bpf_perf_event_output of 8 bytes of the stack
    *(u64 *)(r10 - 8) = 0
    r2 = map_fd(ev)
    r3 = 0xffffffff ll
    r4 = r10
    r4 += -8
    r5 = 8
    call bpf_perf_event_output
    r0 = 1
    exit

=== cgroup/sock_create_set_mark
type: cgroup_sock
desc: the create hook sets the socket's mark and priority
    r2 = 7
    *(u32 *)(r1 + 16) = r2
    *(u32 *)(r1 + 20) = 1
    r0 = 1
    exit

=== cgroup/sock_create_default_attach
type: cgroup_sock
attach: cgroup_inet_sock_create
desc: the family and protocol as the verdict's source
    r2 = *(u32 *)(r1 + 4)
    r3 = *(u8 *)(r1 + 12)
    r0 = 1
    if r2 != 10 goto +1
    r0 = 0
    exit

=== cgroup/sock_release_bound_dev_if
type: cgroup_sock
attach: cgroup_inet_sock_release
desc: the release hook reads bound_dev_if
    r0 = *(u32 *)(r1 + 0)
    r0 &= 1
    exit

=== cgroup/sock_create_write_family
type: cgroup_sock
desc: family is read-only
    r2 = 2
    *(u32 *)(r1 + 4) = r2
    r0 = 1
    exit

=== cgroup/sock_create_src_ip4
type: cgroup_sock
desc: src_ip4 is for the post-bind hooks
    r0 = *(u32 *)(r1 + 24)
    r0 = 1
    exit

=== cgroup/sock_post_bind4_src
type: cgroup_sock
attach: cgroup_inet4_post_bind
desc: the post-bind hook reads the bound address and port
    r2 = *(u32 *)(r1 + 24)
    r3 = *(u32 *)(r1 + 44)
    r0 = 1
    if r3 != 22 goto +1
    r0 = 0
    exit

=== cgroup/sock_post_bind4_src_ip6
type: cgroup_sock
attach: cgroup_inet4_post_bind
desc: an inet4 hook has no src_ip6
    r0 = *(u32 *)(r1 + 28)
    r0 = 1
    exit

=== cgroup/sock_post_bind6_src_ip6_narrow
type: cgroup_sock
attach: cgroup_inet6_post_bind
desc: one byte of src_ip6[3]
    r0 = *(u8 *)(r1 + 43)
    r0 &= 1
    exit

=== cgroup/sock_post_bind6_write_port
type: cgroup_sock
attach: cgroup_inet6_post_bind
desc: src_port is read-only
    r2 = 80
    *(u32 *)(r1 + 44) = r2
    r0 = 1
    exit

=== cgroup/sock_post_bind4_mark
type: cgroup_sock
attach: cgroup_inet4_post_bind
desc: a post-bind hook cannot see the mark
    r0 = *(u32 *)(r1 + 16)
    r0 = 1
    exit

=== cgroup/sock_dst_port_pad
type: cgroup_sock
desc: the padding after dst_port
    r0 = *(u16 *)(r1 + 50)
    r0 = 1
    exit

=== cgroup/sock_dst_port_u16
type: cgroup_sock
desc: dst_port as a u16
    r0 = *(u16 *)(r1 + 48)
    r0 = 1
    exit

=== cgroup/sock_past_end
type: cgroup_sock
desc: past the end of struct bpf_sock
    r0 = *(u32 *)(r1 + 80)
    r0 = 1
    exit

=== cgroup/sock_ret2
type: cgroup_sock
desc: 2 is outside [0, 1]
    r0 = 2
    exit

=== cgroup/sock_socket_cookie
type: cgroup_sock
desc: bpf_get_socket_cookie of the context
    call bpf_get_socket_cookie
    r0 &= 1
    exit

=== cgroup/sock_load_bytes
type: cgroup_sock
desc: no packet here: bpf_skb_load_bytes is refused
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call bpf_skb_load_bytes
    r0 = 1
    exit

=== cgroup/sock_ctx_pointer_arith
type: cgroup_sock
desc: a ctx access through a moved pointer
    r1 += 4
    r0 = *(u32 *)(r1 + 0)
    r0 = 1
    exit

=== cgroup/sock_addr_connect4_rewrite
type: cgroup_sock_addr
attach: cgroup_inet4_connect
desc: connect4 redirects 10.0.0.1:80 to 127.0.0.1:8080
    r2 = *(u32 *)(r1 + 4)
    if r2 != 0x0100000a goto +4
    r2 = 0x0100007f
    *(u32 *)(r1 + 4) = r2
    r2 = 0x901f
    *(u32 *)(r1 + 24) = r2
    r0 = 1
    exit

=== cgroup/sock_addr_connect4_ip6
type: cgroup_sock_addr
attach: cgroup_inet4_connect
desc: an inet4 hook has no user_ip6
    r0 = *(u32 *)(r1 + 8)
    r0 = 1
    exit

=== cgroup/sock_addr_connect6_wide_store
type: cgroup_sock_addr
attach: cgroup_inet6_connect
desc: user_ip6 written as two u64 halves
    r2 = 0
    *(u64 *)(r1 + 8) = r2
    r2 = 1
    *(u64 *)(r1 + 16) = r2
    r0 = 1
    exit

=== cgroup/sock_addr_connect6_unaligned_wide
type: cgroup_sock_addr
attach: cgroup_inet6_connect
desc: a u64 store at user_ip6[1] is not an aligned half
    r2 = 0
    *(u64 *)(r1 + 12) = r2
    r0 = 1
    exit

=== cgroup/sock_addr_connect6_narrow_read
type: cgroup_sock_addr
attach: cgroup_inet6_connect
desc: one byte of user_ip6[2]
    r0 = *(u8 *)(r1 + 17)
    r0 &= 1
    exit

=== cgroup/sock_addr_narrow_store
type: cgroup_sock_addr
attach: cgroup_inet4_connect
desc: user_ip4 is stored only as a whole word
    r2 = 1
    *(u8 *)(r1 + 4) = r2
    r0 = 1
    exit

=== cgroup/sock_addr_port_u16
type: cgroup_sock_addr
attach: cgroup_inet4_bind
desc: user_port read as a u16
    r2 = *(u16 *)(r1 + 24)
    r0 = 1
    exit

=== cgroup/sock_addr_write_family
type: cgroup_sock_addr
attach: cgroup_inet4_connect
desc: family is read-only
    r2 = 2
    *(u32 *)(r1 + 28) = r2
    r0 = 1
    exit

=== cgroup/sock_addr_type_narrow
type: cgroup_sock_addr
attach: cgroup_inet4_connect
desc: type only as a whole word
    r0 = *(u8 *)(r1 + 32)
    r0 = 1
    exit

=== cgroup/sock_addr_msg_src_sendmsg4
type: cgroup_sock_addr
attach: cgroup_udp4_sendmsg
desc: sendmsg4 sets the source address
    r2 = 0x0100007f
    *(u32 *)(r1 + 40) = r2
    r0 = 1
    exit

=== cgroup/sock_addr_msg_src_connect4
type: cgroup_sock_addr
attach: cgroup_inet4_connect
desc: msg_src_ip4 is for sendmsg4 only
    r0 = *(u32 *)(r1 + 40)
    r0 = 1
    exit

=== cgroup/sock_addr_unix_user_ip4
type: cgroup_sock_addr
attach: cgroup_unix_connect
desc: a unix hook has no user_ip4
    r0 = *(u32 *)(r1 + 4)
    r0 = 1
    exit

=== cgroup/sock_addr_sk_family
type: cgroup_sock_addr
attach: cgroup_inet6_connect
desc: ctx->sk is a socket (no NULL check needed): its family
    r2 = *(u64 *)(r1 + 64)
    r0 = *(u32 *)(r2 + 4)
    r0 &= 1
    exit

=== cgroup/sock_addr_sk_u32
type: cgroup_sock_addr
attach: cgroup_inet6_connect
desc: sk read as a u32
    r2 = *(u32 *)(r1 + 64)
    r0 = 1
    exit

=== cgroup/sock_addr_sk_write
type: cgroup_sock_addr
attach: cgroup_inet4_connect
desc: a socket is never written through
    r2 = *(u64 *)(r1 + 64)
    r3 = 1
    *(u32 *)(r2 + 16) = r3
    r0 = 1
    exit

=== cgroup/sock_addr_bind_ret3
type: cgroup_sock_addr
attach: cgroup_inet4_bind
desc: bind may return 3 (bypass the port capability check)
    r0 = 3
    exit

=== cgroup/sock_addr_recvmsg_ret0
type: cgroup_sock_addr
attach: cgroup_udp4_recvmsg
desc: recvmsg must return 1
    r0 = 0
    exit

=== cgroup/sock_addr_getsockname_ret1
type: cgroup_sock_addr
attach: cgroup_inet6_getsockname
desc: getsockname returns 1
    r0 = 1
    exit

=== cgroup/sock_addr_connect_ret2
type: cgroup_sock_addr
attach: cgroup_inet4_connect
desc: connect returns 0 or 1
    r0 = 2
    exit

=== cgroup/sock_addr_bind_helper
type: cgroup_sock_addr
attach: cgroup_inet4_connect
desc: bpf_bind from connect4 with a sockaddr on the stack
    r6 = r1
    *(u64 *)(r10 - 16) = 0
    *(u64 *)(r10 - 8) = 0
    r2 = r10
    r2 += -16
    r3 = 16
    call bpf_bind
    r0 = 1
    exit

=== cgroup/sock_addr_bind_helper_in_bind
type: cgroup_sock_addr
attach: cgroup_inet4_bind
desc: bpf_bind is for the connect hooks
    *(u64 *)(r10 - 16) = 0
    *(u64 *)(r10 - 8) = 0
    r2 = r10
    r2 += -16
    r3 = 16
    call bpf_bind
    r0 = 1
    exit

=== cgroup/sock_addr_set_retval_recvmsg
type: cgroup_sock_addr
attach: cgroup_udp6_recvmsg
desc: recvmsg hooks have no bpf_set_retval
    r1 = 0
    call bpf_set_retval
    r0 = 1
    exit

=== cgroup/sock_addr_set_retval_connect
type: cgroup_sock_addr
attach: cgroup_inet6_connect
desc: bpf_set_retval from connect6
    r1 = -1
    call bpf_set_retval
    r0 = 0
    exit

=== cgroup/sock_ops_reply
type: sock_ops
attach: cgroup_sock_ops
desc: reply with an initial RTO for BPF_SOCK_OPS_TIMEOUT_INIT
    r2 = *(u32 *)(r1 + 0)
    if r2 != 1 goto +2
    r2 = 10
    *(u32 *)(r1 + 4) = r2
    r0 = 1
    exit

=== cgroup/sock_ops_write_args1
type: sock_ops
attach: cgroup_sock_ops
desc: args[1] is read-only
    r2 = 10
    *(u32 *)(r1 + 8) = r2
    r0 = 1
    exit

=== cgroup/sock_ops_txhash
type: sock_ops
attach: cgroup_sock_ops
desc: sk_txhash is writable
    r2 = 0x1234
    *(u32 *)(r1 + 164) = r2
    r0 = 1
    exit

=== cgroup/sock_ops_bytes_acked_u32
type: sock_ops
attach: cgroup_sock_ops
desc: bytes_acked only as a u64
    r2 = *(u32 *)(r1 + 176)
    r0 = 1
    exit

=== cgroup/sock_ops_bytes_acked
type: sock_ops
attach: cgroup_sock_ops
desc: bytes_received and bytes_acked as u64s
    r2 = *(u64 *)(r1 + 168)
    r3 = *(u64 *)(r1 + 176)
    r0 = 1
    exit

=== cgroup/sock_ops_tcp_flags_narrow
type: sock_ops
attach: cgroup_sock_ops
desc: skb_tcp_flags read as a byte
    r2 = *(u8 *)(r1 + 212)
    r0 = 1
    exit

=== cgroup/sock_ops_family_narrow
type: sock_ops
attach: cgroup_sock_ops
desc: family only as a whole word
    r2 = *(u8 *)(r1 + 20)
    r0 = 1
    exit

=== cgroup/sock_ops_sk_checked
type: sock_ops
attach: cgroup_sock_ops
desc: ctx->sk after its NULL check
    r2 = *(u64 *)(r1 + 184)
    r0 = 1
    if r2 == 0 goto +2
    r0 = *(u32 *)(r2 + 16)
    r0 &= 1
    exit

=== cgroup/sock_ops_sk_unchecked
type: sock_ops
attach: cgroup_sock_ops
desc: ctx->sk may be NULL
    r2 = *(u64 *)(r1 + 184)
    r0 = *(u32 *)(r2 + 16)
    r0 &= 1
    exit

=== cgroup/sock_ops_tcp_sock
type: sock_ops
attach: cgroup_sock_ops
desc: bpf_tcp_sock on ctx->sk, then snd_cwnd
    r1 = *(u64 *)(r1 + 184)
    r0 = 1
    if r1 == 0 goto +4
    call bpf_tcp_sock
    if r0 == 0 goto +2
    r0 = *(u32 *)(r0 + 4)
    r0 &= 1
    exit

=== cgroup/sock_ops_packet_checked
type: sock_ops
attach: cgroup_sock_ops
desc: the TCP header's flags byte through skb_data after the skb_data_end check
    r2 = *(u64 *)(r1 + 192)
    r3 = *(u64 *)(r1 + 200)
    r4 = r2
    r4 += 20
    r0 = 1
    if r4 > r3 goto +2
    r0 = *(u8 *)(r2 + 13)
    r0 &= 1
    exit

=== cgroup/sock_ops_packet_write
type: sock_ops
attach: cgroup_sock_ops
desc: sock_ops cannot write the packet
    r2 = *(u64 *)(r1 + 192)
    r3 = *(u64 *)(r1 + 200)
    r4 = r2
    r4 += 20
    r0 = 1
    if r4 > r3 goto +1
    *(u8 *)(r2 + 13) = 0
    exit

=== cgroup/sock_ops_cb_flags
type: sock_ops
attach: cgroup_sock_ops
desc: bpf_sock_ops_cb_flags_set on the ctx
    r2 = 7
    call bpf_sock_ops_cb_flags_set
    r0 = 1
    exit

=== cgroup/sock_ops_set_retval
type: sock_ops
attach: cgroup_sock_ops
desc: sock_ops hooks have no bpf_set_retval
    r1 = 0
    call bpf_set_retval
    r0 = 1
    exit

=== cgroup/sock_ops_ret2
type: sock_ops
attach: cgroup_sock_ops
desc: 2 is outside [0, 1]
    r0 = 2
    exit

=== cgroup/dev_allow_major
type: cgroup_device
attach: cgroup_device
desc: allow only major 1, by the access type's low half
    r2 = *(u16 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 0
    if r3 != 1 goto +1
    r0 = 1
    exit

=== cgroup/dev_write
type: cgroup_device
attach: cgroup_device
desc: the device context is read-only
    r2 = 1
    *(u32 *)(r1 + 4) = r2
    r0 = 1
    exit

=== cgroup/dev_minor_narrow
type: cgroup_device
attach: cgroup_device
desc: minor only as a whole word
    r0 = *(u8 *)(r1 + 8)
    r0 = 1
    exit

=== cgroup/dev_past_end
type: cgroup_device
attach: cgroup_device
desc: past the end of bpf_cgroup_dev_ctx
    r0 = *(u32 *)(r1 + 12)
    r0 = 1
    exit

=== cgroup/dev_ret_unbounded
type: cgroup_device
attach: cgroup_device
desc: the minor number as the verdict
    r0 = *(u32 *)(r1 + 8)
    exit

=== cgroup/sysctl_deny_writes
type: cgroup_sysctl
attach: cgroup_sysctl
desc: refuse writes, allow reads
    r2 = *(u32 *)(r1 + 0)
    r0 = 1
    if r2 == 0 goto +1
    r0 = 0
    exit

=== cgroup/sysctl_file_pos
type: cgroup_sysctl
attach: cgroup_sysctl
desc: file_pos read narrow and written
    r2 = *(u8 *)(r1 + 4)
    r2 = 0
    *(u32 *)(r1 + 4) = r2
    r0 = 1
    exit

=== cgroup/sysctl_write_write
type: cgroup_sysctl
attach: cgroup_sysctl
desc: the write flag is read-only
    r2 = 0
    *(u32 *)(r1 + 0) = r2
    r0 = 1
    exit

=== cgroup/sysctl_file_pos_u16_store
type: cgroup_sysctl
attach: cgroup_sysctl
desc: file_pos is written only as a word
    r2 = 0
    *(u16 *)(r1 + 4) = r2
    r0 = 1
    exit

=== cgroup/sysctl_get_name
type: cgroup_sysctl
attach: cgroup_sysctl
desc: bpf_sysctl_get_name into 16 bytes of stack
    *(u64 *)(r10 - 16) = 0
    *(u64 *)(r10 - 8) = 0
    r2 = r10
    r2 += -16
    r3 = 16
    r4 = 0
    call bpf_sysctl_get_name
    r0 = 1
    exit

=== cgroup/sysctl_get_name_in_dev
type: cgroup_device
attach: cgroup_device
desc: bpf_sysctl_get_name is for sysctl programs
    *(u64 *)(r10 - 16) = 0
    *(u64 *)(r10 - 8) = 0
    r2 = r10
    r2 += -16
    r3 = 16
    r4 = 0
    call bpf_sysctl_get_name
    r0 = 1
    exit

=== cgroup/sockopt_get_retval
type: cgroup_sockopt
attach: cgroup_getsockopt
desc: getsockopt clears the error and shortens the option
    r2 = 0
    *(u32 *)(r1 + 36) = r2
    r2 = 4
    *(u32 *)(r1 + 32) = r2
    r0 = 1
    exit

=== cgroup/sockopt_set_retval_ctx
type: cgroup_sockopt
attach: cgroup_setsockopt
desc: setsockopt hooks have no ctx retval
    r2 = *(u32 *)(r1 + 36)
    r0 = 1
    exit

=== cgroup/sockopt_set_level
type: cgroup_sockopt
attach: cgroup_setsockopt
desc: setsockopt rewrites the level and the name
    r2 = 6
    *(u32 *)(r1 + 24) = r2
    *(u32 *)(r1 + 28) = r2
    r0 = 1
    exit

=== cgroup/sockopt_get_level
type: cgroup_sockopt
attach: cgroup_getsockopt
desc: getsockopt hooks cannot rewrite the level
    r2 = 6
    *(u32 *)(r1 + 24) = r2
    r0 = 1
    exit

=== cgroup/sockopt_optval_write
type: cgroup_sockopt
attach: cgroup_setsockopt
desc: the option's first word written after the optval_end check
    r2 = *(u64 *)(r1 + 8)
    r3 = *(u64 *)(r1 + 16)
    r4 = r2
    r4 += 4
    r0 = 1
    if r4 > r3 goto +1
    *(u32 *)(r2 + 0) = 1
    exit

=== cgroup/sockopt_optval_unchecked
type: cgroup_sockopt
attach: cgroup_getsockopt
desc: the option read without the optval_end check
    r2 = *(u64 *)(r1 + 8)
    r0 = *(u8 *)(r2 + 0)
    r0 = 1
    exit

=== cgroup/sockopt_sk
type: cgroup_sockopt
attach: cgroup_getsockopt
desc: ctx->sk is a socket: its family
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u32 *)(r2 + 4)
    r0 &= 1
    exit

=== cgroup/sockopt_setsockopt_helper
type: cgroup_sockopt
attach: cgroup_getsockopt
desc: bpf_setsockopt is for setsockopt hooks
    r2 = *(u64 *)(r1 + 0)
    r1 = r2
    r2 = 1
    r3 = 2
    r4 = r10
    r4 += -8
    *(u64 *)(r10 - 8) = 0
    r5 = 4
    call bpf_setsockopt
    r0 = 1
    exit

=== cgroup/sockopt_optlen_narrow
type: cgroup_sockopt
attach: cgroup_getsockopt
desc: optlen only as a whole word
    r2 = *(u16 *)(r1 + 32)
    r0 = 1
    exit
