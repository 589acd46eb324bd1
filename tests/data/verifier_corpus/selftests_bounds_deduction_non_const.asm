# Theme: bounds deduction from comparisons of two unknown registers (the kernel's
# verifier_bounds_deduction_non_const selftests, written afresh): is_branch_taken on ranges that
# do or do not overlap, for every jump opcode, 64- and 32-bit; the dead branch holds an invalid
# instruction (a division by an unknown zero would not do: we plant a read of r10-less memory).

=== selftests_bounds_deduction_non_const/jgt_ranges_disjoint
desc: r1 in [0,3], r2 in [8,15]: r1 > r2 never, so the dead branch is not walked
    call bpf_get_prandom_u32
    r1 = r0
    r1 &= 3
    r2 = r0
    r2 &= 7
    r2 += 8
    if r1 > r2 goto dead
    r0 = 0
    exit
dead:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bounds_deduction_non_const/jgt_ranges_overlap
desc: r1 in [0,8], r2 in [8,15]: r1 > r2 is possible only... never; r1 >= r2 may be
    call bpf_get_prandom_u32
    r1 = r0
    r1 &= 15
    r2 = r0
    r2 &= 7
    r2 += 8
    if r1 >= r2 goto dead
    r0 = 0
    exit
dead:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bounds_deduction_non_const/jlt_disjoint
desc: r1 in [16,31] < r2 in [0,15] never
    call bpf_get_prandom_u32
    r1 = r0
    r1 &= 15
    r1 += 16
    r2 = r0
    r2 &= 15
    if r1 < r2 goto dead
    r0 = 0
    exit
dead:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bounds_deduction_non_const/jle_equal_edge
desc: r1 in [16,31] <= r2 in [0,16]: equal at 16, the branch is live
    call bpf_get_prandom_u32
    r1 = r0
    r1 &= 15
    r1 += 16
    r2 = r0
    r2 &= 15
    r2 += 1
    if r1 <= r2 goto dead
    r0 = 0
    exit
dead:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bounds_deduction_non_const/jsgt_negative_vs_positive
desc: r1 in [-16,-1] s> r2 in [0,15] never
    call bpf_get_prandom_u32
    r1 = r0
    r1 &= 15
    r1 -= 16
    r2 = r0
    r2 &= 15
    if r1 s> r2 goto dead
    r0 = 0
    exit
dead:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bounds_deduction_non_const/jgt_negative_vs_positive_unsigned
desc: as unsigned, [-16,-1] is huge: r1 > r2 always, the fall-through is dead
    call bpf_get_prandom_u32
    r1 = r0
    r1 &= 15
    r1 -= 16
    r2 = r0
    r2 &= 15
    if r1 > r2 goto fine
    r0 = *(u64 *)(r9 + 0)
    exit
fine:
    r0 = 0
    exit

=== selftests_bounds_deduction_non_const/jsle32_disjoint
desc: w1 in [20,30] s<= w2 in [0,10] never (32-bit compare)
    call bpf_get_prandom_u32
    w1 = w0
    w1 &= 7
    w1 += 20
    w2 = w0
    w2 &= 7
    if w1 s<= w2 goto dead
    r0 = 0
    exit
dead:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bounds_deduction_non_const/jeq_disjoint
desc: ranges that do not meet are never equal
    call bpf_get_prandom_u32
    r1 = r0
    r1 &= 7
    r2 = r0
    r2 |= 8
    r2 &= 15
    if r1 == r2 goto dead
    r0 = 0
    exit
dead:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bounds_deduction_non_const/jne_two_same_constants
desc: two registers both known 5 are never different
    r1 = 5
    r2 = 5
    if r1 != r2 goto dead
    r0 = 0
    exit
dead:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bounds_deduction_non_const/jset_disjoint_bits
desc: r1 & r2 with no common possible bits: the jset branch is dead
    call bpf_get_prandom_u32
    r1 = r0
    r1 &= 0xf0
    r2 = r0
    r2 &= 0x0f
    if r1 & r2 goto dead
    r0 = 0
    exit
dead:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bounds_deduction_non_const/refine_other_register
maps: m=hash(8,16,1)
desc: r1 < r2 where r2 <= 15: r1 learns r1 <= 14 and indexes the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 + 0)
    r2 = *(u8 *)(r6 + 8)
    r2 &= 15
    if r1 >= r2 goto out
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_deduction_non_const/refine_other_register_le_edge
maps: m=hash(8,16,1)
desc: r1 <= r2 where r2 <= 16: r1 may be 16, one past
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 + 0)
    r2 = *(u8 *)(r6 + 8)
    r2 &= 15
    r2 += 1
    if r1 > r2 goto out
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit
