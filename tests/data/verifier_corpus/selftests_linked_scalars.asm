# Theme: scalars linked by a copy and a constant offset, as the kernel's verifier_linked_scalars
# selftests probe them, written afresh: a range learned on ``r1 = r0 + k`` reaches r0 (and every
# other copy) with the offset taken off, successive comparisons keep refining the same link, a
# 32-bit add of a constant and a wrap around the 64- or 32-bit boundary, links that a later write
# breaks, and dead code the linked bounds prove unreachable (sync_linked_regs, BPF_ADD_CONST,
# find_equal_scalars, regs_refine_cond_op).

=== selftests_linked_scalars/offset_link_refines_source
type: socket_filter
desc: r1 = r0 + 5 checked below 20: r0 is below 15, the division by zero after r0 >= 15 is dead
    call bpf_get_prandom_u32
    r0 &= 0x3f
    r1 = r0
    r1 += 5
    if r1 >= 20 goto out
    if r0 < 15 goto out
    r0 /= 0
out:
    r0 = 0
    exit

=== selftests_linked_scalars/offset_link_wrong_bound
type: socket_filter
desc: the same with r0 < 14 as the second test: r0 == 14 reaches the division
    call bpf_get_prandom_u32
    r0 &= 0x3f
    r1 = r0
    r1 += 5
    if r1 >= 20 goto out
    if r0 < 14 goto out
    r0 /= 0
out:
    r0 = 0
    exit

=== selftests_linked_scalars/link_kept_through_two_checks
type: socket_filter
desc: two lower-bound checks on the offset copy: each refines r0, a third copy sees both
    call bpf_get_prandom_u32
    r0 &= 0xff
    r1 = r0
    r1 += 3
    if r1 < 8 goto out
    r2 = r0
    if r1 < 12 goto out
    if r2 >= 9 goto out
    r0 /= 0
out:
    r0 = 0
    exit

=== selftests_linked_scalars/link_kept_bad
type: socket_filter
desc: the same with r2 >= 10: r2 == 9 reaches the division
    call bpf_get_prandom_u32
    r0 &= 0xff
    r1 = r0
    r1 += 3
    if r1 < 8 goto out
    r2 = r0
    if r1 < 12 goto out
    if r2 >= 10 goto out
    r0 /= 0
out:
    r0 = 0
    exit

=== selftests_linked_scalars/negative_offset_link
type: socket_filter
desc: r1 = r0 - 4 checked s< 0 on the fall-through: r0 at least 4
    call bpf_get_prandom_u32
    r0 &= 0xf
    r1 = r0
    r1 += -4
    if r1 s< 0 goto out
    if r0 >= 4 goto out
    r0 /= 0
out:
    r0 = 0
    exit

=== selftests_linked_scalars/link_broken_by_write
type: socket_filter
desc: r1 rewritten after the copy: its check says nothing about r0
    call bpf_get_prandom_u32
    r0 &= 0x3f
    r1 = r0
    r1 += 5
    r1 *= 1
    if r1 >= 20 goto out
    if r0 < 15 goto out
    r0 /= 0
out:
    r0 = 0
    exit

=== selftests_linked_scalars/link_via_spill
type: socket_filter
desc: the linked copy spilled, filled and checked (Linux 6.18: the bound does not reach r0)
    call bpf_get_prandom_u32
    r0 &= 0x3f
    r1 = r0
    r1 += 2
    *(u64 *)(r10 - 8) = r1
    r3 = *(u64 *)(r10 - 8)
    if r3 > 10 goto out
    if r0 <= 8 goto out
    r0 /= 0
out:
    r0 = 0
    exit

=== selftests_linked_scalars/alu32_offset_link
type: socket_filter
desc: w1 = w0 + 3 on a 32-bit value: the 32-bit link refines r0
    call bpf_get_prandom_u32
    w0 &= 0xff
    w1 = w0
    w1 += 3
    if w1 > 10 goto out
    if w0 <= 7 goto out
    r0 /= 0
out:
    r0 = 0
    exit

=== selftests_linked_scalars/wrap_u32_link
type: socket_filter
desc: an offset that wraps the 32-bit value (0x80000001 + 0x7fffffff): a large linked constant times fp
    r0 = 0
    r1 = 0x80000001 ll
    r1 /= 1
    r2 = r1
    r4 = r1
    w2 += 0x7ffffffe
    w4 += 0
    if r2 == 0 goto use
    exit
use:
    r4 >>= 63
    r3 = 1
    r3 -= r4
    r3 *= 0x7ffffffe
    r3 += r10
    *(u8 *)(r3 - 1) = r0
    exit

=== selftests_linked_scalars/wrap_u32_link_exact
type: socket_filter
desc: the offset that does wrap to 0 (0x80000001 + 0x7fffffff): the branch is taken, r4 is known
    r0 = 0
    r1 = 0x80000001 ll
    r1 /= 1
    r2 = r1
    r4 = r1
    w2 += 0x7fffffff
    w4 += 0
    if r2 == 0 goto use
    exit
use:
    r4 >>= 63
    r3 = 1
    r3 -= r4
    r3 *= 0x7fffffff
    r3 += r10
    *(u8 *)(r3 - 1) = r0
    exit

=== selftests_linked_scalars/link_to_value_offset
type: socket_filter
maps: m=hash(8,16,1)
desc: a linked check bounds the offset into a 16-byte value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u32 *)(r0 + 0)
    r7 = r6
    r7 += 4
    if r7 > 16 goto out
    r0 += r6
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_linked_scalars/link_to_value_offset_bad
type: socket_filter
maps: m=hash(8,16,1)
desc: the same with r7 > 17: r6 up to 13 reads past 16 bytes
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u32 *)(r0 + 0)
    r7 = r6
    r7 += 4
    if r7 > 17 goto out
    r0 += r6
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_linked_scalars/two_offsets_same_source
type: socket_filter
desc: r1 = r0 + 1 and r2 = r0 + 2: bounds of r1 reach r2 through r0
    call bpf_get_prandom_u32
    r0 &= 0x7f
    r1 = r0
    r1 += 1
    r2 = r0
    r2 += 2
    if r1 > 5 goto out
    if r2 <= 6 goto out
    r0 /= 0
out:
    r0 = 0
    exit
