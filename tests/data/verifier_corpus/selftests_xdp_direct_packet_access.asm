# Theme: XDP direct packet access as the kernel's verifier_xdp_direct_packet_access selftests probe
# it, written afresh: a packet pointer moved forward and compared with data_end (or data_meta's
# pointer with data) in each of the eight operand orders and relations, the access that just fits
# the range the comparison proves, the access one byte past it, the access on the branch that
# proves nothing, and arithmetic on pkt_end (try_match_pkt_pointers, find_good_pkt_pointers,
# check_packet_access).

=== selftests_xdp_direct_packet_access/data_gt_fits
desc: if data+8 > data_end: reads exactly the proven bytes (8 bytes at data+8-8)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u64 *)(r4 - 8)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_gt_short
desc: if data+7 > data_end: reads one byte past the proven range (8 bytes at data+7-7)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 7
    if r4 > r3 goto out
    r0 = *(u64 *)(r4 - 7)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_gt_wrong
desc: if data+8 > data_end: reads on the branch that proves nothing (8 bytes at data+8-8)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u64 *)(r4 - 8)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_end_lt_fits
desc: if data_end < data+4: reads exactly the proven bytes (4 bytes at data+4-4)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r3 < r4 goto out
    r0 = *(u32 *)(r4 - 4)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_end_lt_short
desc: if data_end < data+3: reads one byte past the proven range (4 bytes at data+3-3)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 3
    if r3 < r4 goto out
    r0 = *(u32 *)(r4 - 3)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_end_lt_wrong
desc: if data_end < data+4: reads on the branch that proves nothing (4 bytes at data+4-4)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r3 < r4 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u32 *)(r4 - 4)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_end_gt_fits
desc: if data_end > data+3: reads exactly the proven bytes (4 bytes at data+3-3)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 3
    if r3 > r4 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u32 *)(r4 - 3)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_end_gt_short
desc: if data_end > data+2: reads one byte past the proven range (4 bytes at data+2-2)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 2
    if r3 > r4 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u32 *)(r4 - 2)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_end_gt_wrong
desc: if data_end > data+3: reads on the branch that proves nothing (4 bytes at data+3-3)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 3
    if r3 > r4 goto out
    r0 = *(u32 *)(r4 - 3)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_lt_fits
desc: if data+7 < data_end: reads exactly the proven bytes (8 bytes at data+7-7)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 7
    if r4 < r3 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u64 *)(r4 - 7)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_lt_short
desc: if data+6 < data_end: reads one byte past the proven range (8 bytes at data+6-6)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 6
    if r4 < r3 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u64 *)(r4 - 6)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_lt_wrong
desc: if data+7 < data_end: reads on the branch that proves nothing (8 bytes at data+7-7)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 7
    if r4 < r3 goto out
    r0 = *(u64 *)(r4 - 7)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_ge_fits
desc: if data+3 >= data_end: reads exactly the proven bytes (4 bytes at data+3-3)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 3
    if r4 >= r3 goto out
    r0 = *(u32 *)(r4 - 3)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_ge_short
desc: if data+2 >= data_end: reads one byte past the proven range (4 bytes at data+2-2)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 2
    if r4 >= r3 goto out
    r0 = *(u32 *)(r4 - 2)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_ge_wrong
desc: if data+3 >= data_end: reads on the branch that proves nothing (4 bytes at data+3-3)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 3
    if r4 >= r3 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u32 *)(r4 - 3)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_end_le_fits
desc: if data_end <= data+3: reads exactly the proven bytes (4 bytes at data+3-3)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 3
    if r3 <= r4 goto out
    r0 = *(u32 *)(r4 - 3)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_end_le_short
desc: if data_end <= data+2: reads one byte past the proven range (4 bytes at data+2-2)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 2
    if r3 <= r4 goto out
    r0 = *(u32 *)(r4 - 2)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_end_le_wrong
desc: if data_end <= data+3: reads on the branch that proves nothing (4 bytes at data+3-3)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 3
    if r3 <= r4 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u32 *)(r4 - 3)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_end_ge_fits
desc: if data_end >= data+8: reads exactly the proven bytes (8 bytes at data+8-8)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r3 >= r4 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u64 *)(r4 - 8)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_end_ge_short
desc: if data_end >= data+7: reads one byte past the proven range (8 bytes at data+7-7)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 7
    if r3 >= r4 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u64 *)(r4 - 7)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_end_ge_wrong
desc: if data_end >= data+8: reads on the branch that proves nothing (8 bytes at data+8-8)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r3 >= r4 goto out
    r0 = *(u64 *)(r4 - 8)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_le_fits
desc: if data+8 <= data_end: reads exactly the proven bytes (8 bytes at data+8-8)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 <= r3 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u64 *)(r4 - 8)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_le_short
desc: if data+7 <= data_end: reads one byte past the proven range (8 bytes at data+7-7)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 7
    if r4 <= r3 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u64 *)(r4 - 7)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/data_le_wrong
desc: if data+8 <= data_end: reads on the branch that proves nothing (8 bytes at data+8-8)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 <= r3 goto out
    r0 = *(u64 *)(r4 - 8)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_gt_fits
desc: if meta+8 > data: reads exactly the proven bytes (8 bytes at meta+8-8)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u64 *)(r4 - 8)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_gt_short
desc: if meta+7 > data: reads one byte past the proven range (8 bytes at meta+7-7)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 7
    if r4 > r3 goto out
    r0 = *(u64 *)(r4 - 7)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_gt_wrong
desc: if meta+8 > data: reads on the branch that proves nothing (8 bytes at meta+8-8)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 8
    if r4 > r3 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u64 *)(r4 - 8)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_end_lt_fits
desc: if data < meta+4: reads exactly the proven bytes (4 bytes at meta+4-4)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 4
    if r3 < r4 goto out
    r0 = *(u32 *)(r4 - 4)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_end_lt_short
desc: if data < meta+3: reads one byte past the proven range (4 bytes at meta+3-3)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 3
    if r3 < r4 goto out
    r0 = *(u32 *)(r4 - 3)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_end_lt_wrong
desc: if data < meta+4: reads on the branch that proves nothing (4 bytes at meta+4-4)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 4
    if r3 < r4 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u32 *)(r4 - 4)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_end_gt_fits
desc: if data > meta+3: reads exactly the proven bytes (4 bytes at meta+3-3)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 3
    if r3 > r4 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u32 *)(r4 - 3)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_end_gt_short
desc: if data > meta+2: reads one byte past the proven range (4 bytes at meta+2-2)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 2
    if r3 > r4 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u32 *)(r4 - 2)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_end_gt_wrong
desc: if data > meta+3: reads on the branch that proves nothing (4 bytes at meta+3-3)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 3
    if r3 > r4 goto out
    r0 = *(u32 *)(r4 - 3)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_lt_fits
desc: if meta+7 < data: reads exactly the proven bytes (8 bytes at meta+7-7)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 7
    if r4 < r3 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u64 *)(r4 - 7)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_lt_short
desc: if meta+6 < data: reads one byte past the proven range (8 bytes at meta+6-6)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 6
    if r4 < r3 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u64 *)(r4 - 6)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_lt_wrong
desc: if meta+7 < data: reads on the branch that proves nothing (8 bytes at meta+7-7)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 7
    if r4 < r3 goto out
    r0 = *(u64 *)(r4 - 7)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_ge_fits
desc: if meta+3 >= data: reads exactly the proven bytes (4 bytes at meta+3-3)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 3
    if r4 >= r3 goto out
    r0 = *(u32 *)(r4 - 3)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_ge_short
desc: if meta+2 >= data: reads one byte past the proven range (4 bytes at meta+2-2)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 2
    if r4 >= r3 goto out
    r0 = *(u32 *)(r4 - 2)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_ge_wrong
desc: if meta+3 >= data: reads on the branch that proves nothing (4 bytes at meta+3-3)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 3
    if r4 >= r3 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u32 *)(r4 - 3)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_end_le_fits
desc: if data <= meta+3: reads exactly the proven bytes (4 bytes at meta+3-3)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 3
    if r3 <= r4 goto out
    r0 = *(u32 *)(r4 - 3)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_end_le_short
desc: if data <= meta+2: reads one byte past the proven range (4 bytes at meta+2-2)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 2
    if r3 <= r4 goto out
    r0 = *(u32 *)(r4 - 2)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_end_le_wrong
desc: if data <= meta+3: reads on the branch that proves nothing (4 bytes at meta+3-3)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 3
    if r3 <= r4 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u32 *)(r4 - 3)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_end_ge_fits
desc: if data >= meta+8: reads exactly the proven bytes (8 bytes at meta+8-8)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 8
    if r3 >= r4 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u64 *)(r4 - 8)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_end_ge_short
desc: if data >= meta+7: reads one byte past the proven range (8 bytes at meta+7-7)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 7
    if r3 >= r4 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u64 *)(r4 - 7)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_end_ge_wrong
desc: if data >= meta+8: reads on the branch that proves nothing (8 bytes at meta+8-8)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 8
    if r3 >= r4 goto out
    r0 = *(u64 *)(r4 - 8)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_le_fits
desc: if meta+8 <= data: reads exactly the proven bytes (8 bytes at meta+8-8)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 8
    if r4 <= r3 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u64 *)(r4 - 8)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_le_short
desc: if meta+7 <= data: reads one byte past the proven range (8 bytes at meta+7-7)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 7
    if r4 <= r3 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u64 *)(r4 - 7)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/meta_le_wrong
desc: if meta+8 <= data: reads on the branch that proves nothing (8 bytes at meta+8-8)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 8
    if r4 <= r3 goto out
    r0 = *(u64 *)(r4 - 8)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/end_plus_const
desc: data_end moved by a constant before the comparison: pointer arithmetic on pkt_end
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    r3 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/end_minus_const
desc: data_end minus a constant: pointer arithmetic on pkt_end is refused as well
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r3 -= 16
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/end_copy_compared
desc: a copy of data_end compares as data_end
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r5 = r3
    r4 = r2
    r4 += 2
    if r4 > r5 goto out
    r0 = *(u16 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/end_spilled_compared
desc: data_end spilled to the stack and filled back compares as data_end
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    *(u64 *)(r10 - 8) = r3
    r4 = r2
    r4 += 2
    r5 = *(u64 *)(r10 - 8)
    if r4 > r5 goto out
    r0 = *(u16 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/end_read
desc: a load through data_end itself
    r3 = *(u32 *)(r1 + 4)
    r0 = *(u8 *)(r3 + 0)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/range_kept_by_copy_before_check
desc: a copy of data taken before the check gets the range too
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r6 = r2
    r4 = r2
    r4 += 6
    if r4 > r3 goto out
    r0 = *(u16 *)(r6 + 4)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/range_not_given_to_moved_copy
desc: a copy moved past the checked bytes before the check reads past the range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r6 = r2
    r6 += 4
    r4 = r2
    r4 += 6
    if r4 > r3 goto out
    r0 = *(u32 *)(r6 + 0)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/negative_offset_compare
desc: a pointer moved backwards compared with data_end proves nothing
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += -4
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/zero_offset_strict
desc: data itself strictly below data_end: one byte readable
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    if r2 < r3 goto ok
    r0 = 2
    exit
ok:
    r0 = *(u8 *)(r2 + 0)
    r0 = 2
    exit

=== selftests_xdp_direct_packet_access/zero_offset_nonstrict
desc: data at most data_end proves nothing: the byte read is past the range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    if r2 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit
