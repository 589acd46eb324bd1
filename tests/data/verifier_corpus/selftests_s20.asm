# Theme: the kernel's verifier selftests of 6.12 and 7.2 where the running 6.18 answered otherwise than
# pybpf, or counted other statistics (written afresh): the register invariant check after a branch
# refines bounds into nothing, and state pruning of pointers compared by their exact numbers.

=== selftests_s20/tnums_equal_impossible_constant_invariants
flags: test_reg_invariants
desc: w5 == w7 where the tnums meet in a constant outside w7's s32 range: 6.18 reports the
desc: invariant violation of the fall-through branch and, with BPF_F_TEST_REG_INVARIANTS, fails
    call bpf_get_prandom_u32
    r5 = r0
    r5 &= -4
    r7 = r0
    r7 &= 0x1
    r7 += -43
    if w5 != w7 goto +1
    r10 = 0
    exit

=== selftests_s20/tnums_equal_impossible_constant
desc: the same without the flag: the violating register becomes unbounded and the walk goes on
    call bpf_get_prandom_u32
    r5 = r0
    r5 &= -4
    r7 = r0
    r7 &= 0x1
    r7 += -43
    if w5 != w7 goto +1
    r10 = 0
    exit

=== selftests_s20/ctx_pointer_variable_offset_not_pruned_by_range
type: kprobe
desc: (after verifier_search_pruning's short_loop1, bounded) a context pointer with a variable offset
desc: is pruned only by the very same numbers (regs_exact()): a checkpoint whose ctx offset range
desc: holds the current one does not cover it, so the kernel walks on where range_within() would stop
    r6 = 0
    r7 = *(u16 *)(r1 +0)
l1:
    r6 += 1
    if r6 > 300 goto out
    r7 += 0x1ab064b9
    if r7 & 0x702000 goto l1
    r7 &= 0x1ee60e
    r7 += r1
    if r7 s> 0x37d2 goto +0
out:
    r0 = 0
    exit
