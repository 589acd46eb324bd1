# Theme: XDP contexts as the kernel's verifier_xdp and verifier_xdp_direct_packet_access selftests
# probe them, written afresh: xdp_md fields and their sizes, the read-only context, the rx_queue and
# ifindex fields, each comparison of data + N with data_end on both branches and in both operand
# orders, and the strict "greater or equal" edge (xdp_is_valid_access, try_match_pkt_pointers).

=== selftests_xdp/ingress_ifindex
desc: xdp_md->ingress_ifindex is readable
    r0 = *(u32 *)(r1 + 12)
    r0 = 2
    exit

=== selftests_xdp/rx_queue_index
desc: xdp_md->rx_queue_index is readable
    r0 = *(u32 *)(r1 + 16)
    r0 = 2
    exit

=== selftests_xdp/data_u8
desc: xdp_md->data read with one byte
    r0 = *(u8 *)(r1 + 0)
    r0 = 2
    exit

=== selftests_xdp/write_ifindex
desc: the XDP context is read-only
    r2 = 1
    *(u32 *)(r1 + 12) = r2
    r0 = 2
    exit

=== selftests_xdp/field_past_end
desc: an offset past the last xdp_md field
    r0 = *(u32 *)(r1 + 24)
    r0 = 2
    exit

=== selftests_xdp/gt_taken_read
desc: data + 8 > data_end taken: the branch where the packet is short reads it
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r1 > r3 goto bad
    r0 = 2
    exit
bad:
    r0 = *(u64 *)(r1 - 8)
    r0 = 2
    exit

=== selftests_xdp/gt_fall_read_via_moved
desc: data + 8 > data_end falls through: read via the moved pointer at -8
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r1 > r3 goto out
    r0 = *(u64 *)(r1 - 8)
out:
    r0 = 2
    exit

=== selftests_xdp/gt_fall_read_via_moved_off
desc: data + 8 > data_end falls through: read via the moved pointer at -9, before data
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r1 > r3 goto out
    r0 = *(u64 *)(r1 - 9)
out:
    r0 = 2
    exit

=== selftests_xdp/end_gt_taken_read
desc: data_end > data + 8 taken: more than 8 bytes, read 8
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r3 > r1 goto read
    r0 = 2
    exit
read:
    r0 = *(u64 *)(r1 - 8)
    r0 = 2
    exit

=== selftests_xdp/end_gt_fall_read
desc: data_end > data + 8 falls through: nothing proved
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r3 > r1 goto out
    r0 = *(u64 *)(r1 - 8)
out:
    r0 = 2
    exit

=== selftests_xdp/ge_fall_read_one_less
desc: data + 8 >= data_end falls through: fewer than 8 is known only as 7 plus the strictness
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r1 >= r3 goto out
    r0 = *(u64 *)(r1 - 8)
out:
    r0 = 2
    exit

=== selftests_xdp/ge_taken_read
desc: data + 8 >= data_end taken: no range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r1 >= r3 goto bad
    r0 = 2
    exit
bad:
    r0 = *(u32 *)(r1 - 8)
    r0 = 2
    exit

=== selftests_xdp/end_le_taken_read
desc: data_end <= data + 8 taken: no range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r3 <= r1 goto bad
    r0 = 2
    exit
bad:
    r0 = *(u32 *)(r1 - 8)
    r0 = 2
    exit

=== selftests_xdp/jne_end
desc: data + 8 != data_end teaches no range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r1 != r3 goto out
    r0 = *(u64 *)(r1 - 8)
out:
    r0 = 2
    exit

=== selftests_xdp/jeq_end
desc: data + 8 == data_end: equality teaches no range (try_match_pkt_pointers knows only <, <=, >, >=)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r1 == r3 goto read
    r0 = 2
    exit
read:
    r0 = *(u64 *)(r1 - 8)
    r0 = 2
    exit

=== selftests_xdp/signed_cmp_end
desc: a signed comparison with data_end teaches no range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r1 s> r3 goto out
    r0 = *(u64 *)(r1 - 8)
out:
    r0 = 2
    exit

=== selftests_xdp/w_cmp_end
desc: a 32-bit comparison of packet pointers
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if w1 > w3 goto out
    r0 = *(u64 *)(r1 - 8)
out:
    r0 = 2
    exit

=== selftests_xdp/beyond_end_decides_next_cmp
desc: data + 8 > data_end taken marks the pointer beyond the end: a second > is known taken there
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r1 > r3 goto short
    r0 = *(u64 *)(r2 + 0)
    r0 = 2
    exit
short:
    if r1 > r3 goto out
    r0 = *(u64 *)(r5 + 0)
out:
    r0 = 2
    exit

=== selftests_xdp/beyond_end_le_not_taken
desc: on the beyond-the-end branch "data + 8 <= data_end" is known false
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r1 > r3 goto short
    r0 = 2
    exit
short:
    if r1 <= r3 goto bad
    r0 = 2
    exit
bad:
    r0 = *(u64 *)(r5 + 0)
    exit

=== selftests_xdp/at_end_ge_taken
desc: data + 8 < data_end falls through at or past the end: ">=" is then known taken
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r1 < r3 goto long
    if r1 >= r3 goto out
    r0 = *(u64 *)(r5 + 0)
out:
    r0 = 2
    exit
long:
    r0 = *(u64 *)(r2 + 0)
    r0 = 2
    exit

=== selftests_xdp/at_end_gt_unknown
desc: at the end is not beyond it: a later ">" is not decided, its fall-through reads through an unset r5
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r1 >= r3 goto at
    r0 = 2
    exit
at:
    if r1 > r3 goto out
    r0 = *(u64 *)(r5 + 0)
out:
    r0 = 2
    exit

=== selftests_xdp/at_end_copy_not_marked
desc: mark_pkt_end marks only the compared register: a copy made before still reads as unchecked
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    r4 = r1
    if r1 > r3 goto short
    r0 = 2
    exit
short:
    r0 = *(u8 *)(r4 - 8)
    r0 = 2
    exit
