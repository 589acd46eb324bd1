# Theme: cgroup programs (CGROUP_SKB first): the expected attach type's return range
# (check_return_code(): [0, 1], egress [0, 3]), the __sk_buff fields cg_skb_is_valid_access() hides or
# lets be written, packet reads through data/data_end (never writes), the ctx->sk socket and its NULL
# check, the socket fields of the __sk_buff itself, and the helpers cg_skb_func_proto() hands out.

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
