# Theme: the kernel's verifier selftests of 6.12 and 7.2 where the running 6.18 answered otherwise than
# pybpf (written afresh): the register invariant check after a branch refines bounds into nothing,
# ...

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
