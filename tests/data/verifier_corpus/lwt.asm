# Theme: lightweight-tunnel programs (LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL): lwt_is_valid_access (which
# __sk_buff fields, which writes), direct packet access (read only for in/out/seg6local, writable for xmit:
# may_access_direct_pkt_data), the helper sets of lwt_{in,out,xmit}_func_proto, and any return value.

=== lwt/in_packet_read
type: lwt_in
desc: the IPv4 protocol byte read after the data_end check
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 20
    r0 = 0
    if r4 > r3 goto +1
    r0 = *(u8 *)(r2 + 9)
    exit

=== lwt/in_packet_read_unchecked
type: lwt_in
desc: a packet read before the data_end check
    r2 = *(u32 *)(r1 + 76)
    r0 = *(u8 *)(r2 + 9)
    exit

=== lwt/in_packet_read_past_check
type: lwt_out
desc: a read one byte past the checked range
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 20
    r0 = 0
    if r4 > r3 goto +1
    r0 = *(u32 *)(r2 + 17)
    exit

=== lwt/in_packet_write
type: lwt_in
desc: LWT_IN may not write the packet
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 20
    if r4 > r3 goto +2
    r5 = 1
    *(u8 *)(r2 + 8) = r5
    r0 = 0
    exit

=== lwt/out_packet_write
type: lwt_out
desc: LWT_OUT may not write the packet
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 20
    if r4 > r3 goto +2
    r5 = 1
    *(u8 *)(r2 + 8) = r5
    r0 = 0
    exit

=== lwt/xmit_packet_write
type: lwt_xmit
desc: LWT_XMIT writes the TTL after the data_end check
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 20
    if r4 > r3 goto +2
    r5 = 1
    *(u8 *)(r2 + 8) = r5
    r0 = 0
    exit

=== lwt/xmit_packet_write_unchecked
type: lwt_xmit
desc: LWT_XMIT writes the packet without the data_end check
    r2 = *(u32 *)(r1 + 76)
    r5 = 1
    *(u8 *)(r2 + 8) = r5
    r0 = 0
    exit

=== lwt/data_meta
type: lwt_xmit
desc: data_meta is out of reach of LWT programs
    r0 = *(u32 *)(r1 + 140)
    exit

=== lwt/tc_classid
type: lwt_in
desc: tc_classid is out of reach of LWT programs
    r0 = *(u32 *)(r1 + 72)
    exit

=== lwt/tstamp
type: lwt_out
desc: tstamp is out of reach of LWT programs
    r0 = *(u64 *)(r1 + 152)
    exit

=== lwt/family
type: lwt_xmit
desc: the socket fields are out of reach of LWT programs
    r0 = *(u32 *)(r1 + 88)
    exit

=== lwt/wire_len
type: lwt_in
desc: wire_len is out of reach of LWT programs
    r0 = *(u32 *)(r1 + 160)
    exit

=== lwt/data_end_u64
type: lwt_in
desc: data_end read as 8 bytes
    r0 = *(u64 *)(r1 + 80)
    r0 = 0
    exit

=== lwt/narrow_reads
type: lwt_out
desc: narrow reads of len, protocol and the hash
    r0 = *(u8 *)(r1 + 0)
    r2 = *(u16 *)(r1 + 18)
    r0 += r2
    r2 = *(u8 *)(r1 + 71)
    r0 += r2
    exit

=== lwt/mark_priority_cb_write
type: lwt_xmit
desc: mark, priority and cb[] are writable
    r2 = 1
    *(u32 *)(r1 + 8) = r2
    *(u32 *)(r1 + 32) = r2
    *(u64 *)(r1 + 56) = r2
    *(u8 *)(r1 + 67) = 7
    r0 = 0
    exit

=== lwt/tc_index_write
type: lwt_xmit
desc: tc_index is read-only for LWT programs
    r2 = 1
    *(u32 *)(r1 + 44) = r2
    r0 = 0
    exit

=== lwt/ingress_ifindex_write
type: lwt_out
desc: ingress_ifindex is read-only
    r2 = 1
    *(u32 *)(r1 + 36) = r2
    r0 = 0
    exit

=== lwt/queue_mapping_write
type: lwt_in
desc: queue_mapping is read-only for LWT programs
    r2 = 1
    *(u32 *)(r1 + 12) = r2
    r0 = 0
    exit

=== lwt/sk_read
type: lwt_in
desc: the sk pointer of __sk_buff
    r2 = *(u64 *)(r1 + 168)
    r0 = 0
    exit

=== lwt/in_push_encap
type: lwt_in
desc: LWT_IN may call bpf_lwt_push_encap
    r2 = 1
    r3 = r10
    r3 += -8
    r4 = 0
    *(u64 *)(r10 - 8) = r4
    r4 = 8
    call 73
    r0 = 0
    exit

=== lwt/out_push_encap
type: lwt_out
desc: LWT_OUT may not call bpf_lwt_push_encap
    r2 = 1
    r3 = r10
    r3 += -8
    r4 = 0
    *(u64 *)(r10 - 8) = r4
    r4 = 8
    call 73
    r0 = 0
    exit

=== lwt/in_store_bytes
type: lwt_in
desc: LWT_IN may not call bpf_skb_store_bytes
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r3 = r10
    r3 += -4
    r4 = 4
    r5 = 0
    call 9
    r0 = 0
    exit

=== lwt/xmit_store_bytes
type: lwt_xmit
desc: LWT_XMIT may call bpf_skb_store_bytes
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r3 = r10
    r3 += -4
    r4 = 4
    r5 = 0
    call 9
    r0 = 0
    exit

=== lwt/xmit_redirect
type: lwt_xmit
desc: LWT_XMIT may redirect
    r1 = 1
    r2 = 0
    call 23
    exit

=== lwt/out_redirect
type: lwt_out
desc: LWT_OUT may not redirect
    r1 = 1
    r2 = 0
    call 23
    exit

=== lwt/load_bytes_packet_pointer
type: lwt_out
desc: a packet pointer as bpf_skb_load_bytes's destination (not a pkt_access helper)
    r6 = r1
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 8
    r0 = 0
    if r4 > r3 goto +5
    r1 = r6
    r3 = r2
    r2 = 0
    r4 = 8
    call 26
    exit

=== lwt/csum_diff_packet
type: lwt_in
desc: bpf_csum_diff reads the packet (pkt_access)
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 8
    r0 = 0
    if r4 > r3 goto +6
    r1 = r2
    r2 = 8
    r3 = 0
    r4 = 0
    r5 = 0
    call 28
    exit

=== lwt/ld_abs
type: lwt_in
desc: LD_ABS is for socket filters and tc only
    r6 = r1
    r0 = *(u8 *)skb[0]
    exit

=== lwt/return_pointer
type: lwt_xmit
desc: any return value: r0 may even be the ctx pointer
    r0 = r1
    exit

=== lwt/return_large
type: lwt_out
desc: a return value far outside BPF_OK .. BPF_REDIRECT
    r0 = 123456
    exit

=== lwt/sk_deref_unchecked
type: lwt_out
desc: the sk pointer read without the NULL check
    r2 = *(u64 *)(r1 + 168)
    r0 = *(u32 *)(r2 + 4)
    exit

=== lwt/sk_deref_checked
type: lwt_xmit
desc: the sk pointer's family after the NULL check
    r2 = *(u64 *)(r1 + 168)
    r0 = 0
    if r2 == 0 goto +1
    r0 = *(u32 *)(r2 + 4)
    exit

=== lwt/seg6local_packet_read
type: lwt_seg6local
desc: an SRv6 End.BPF program reads the packet after the data_end check
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 40
    r0 = 0
    if r4 > r3 goto +1
    r0 = *(u8 *)(r2 + 6)
    exit

=== lwt/seg6local_packet_write
type: lwt_seg6local
desc: LWT_SEG6LOCAL may not write the packet
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 40
    if r4 > r3 goto +2
    r5 = 1
    *(u8 *)(r2 + 7) = r5
    r0 = 0
    exit

=== lwt/seg6local_mark_write
type: lwt_seg6local
desc: LWT_SEG6LOCAL writes mark and cb[]
    r2 = 1
    *(u32 *)(r1 + 8) = r2
    *(u32 *)(r1 + 52) = r2
    r0 = 0
    exit

=== lwt/seg6local_seg6_action
type: lwt_seg6local
desc: bpf_lwt_seg6_action needs CONFIG_IPV6_SEG6_BPF (the measured kernel has none)
    r2 = 1
    r3 = r10
    r3 += -8
    r4 = 0
    *(u64 *)(r10 - 8) = r4
    r4 = 8
    call 76
    r0 = 0
    exit

=== lwt/seg6local_sk_null_check
type: lwt_seg6local
desc: the sk pointer's family after the NULL check
    r2 = *(u64 *)(r1 + 168)
    r0 = 0
    if r2 == 0 goto +1
    r0 = *(u32 *)(r2 + 4)
    exit
