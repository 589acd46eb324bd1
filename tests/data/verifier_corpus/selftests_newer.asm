
=== selftests_newer/pkt_at_end_then_sub_const
type: sched_cls
desc: data + 64 >= data_end marks the pointer AT_PKT_END; moving it back by a constant drops that mark, so data < data_end proves nothing and the read is refused
    r9 = *(u32 *)(r1 + 76)
    r8 = *(u32 *)(r1 + 80)
    r9 += 64
    if r9 >= r8 goto at_end
    r0 = 0
    exit
at_end:
    r9 -= 64
    if r9 < r8 goto read
    r0 = 0
    exit
read:
    r0 = *(u8 *)(r9 + 0)
    r0 = 0
    exit

=== selftests_newer/pkt_at_end_then_add_const
type: xdp
desc: the same mark dropped by adding a constant: data - 8 + 8 < data_end is not a proven byte
    r9 = *(u32 *)(r1 + 0)
    r8 = *(u32 *)(r1 + 4)
    r9 += 16
    if r8 <= r9 goto at_end
    r0 = 0
    exit
at_end:
    r9 += 8
    r9 += -24
    if r8 > r9 goto read
    r0 = 0
    exit
read:
    r0 = *(u8 *)(r9 + 0)
    r0 = 0
    exit

=== selftests_newer/pkt_range_kept_after_add_const
type: xdp
desc: a proven range survives adding a constant (the offset accumulates): data + 4 after data + 8 <= data_end reads its byte
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r2 += 4
    r0 = *(u8 *)(r2 + 3)
out:
    r0 = 2
    exit

=== selftests_newer/pkt_range_after_sub_nonneg_var
type: xdp
desc: subtracting a non-negative variable from a checked packet pointer: is the range kept?
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 16
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    r5 &= 7
    r4 -= r5
    r0 = *(u8 *)(r4 - 1)
out:
    r0 = 2
    exit

=== selftests_newer/pkt_range_after_add_var
type: xdp
desc: adding a variable to a checked packet pointer clears its range: the read is refused
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 16
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    r5 &= 7
    r2 += r5
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit
