# Theme: comparisons of a register with itself or with an equal copy (the kernel's
# verifier_reg_equal selftests, written afresh): r1 == r1 is always taken, copies compared with
# each other, a branch on equality of two registers that share an id.

=== selftests_reg_equal/self_jeq_always
desc: if r1 == r1 on an unknown: 6.18 does not decide it from identity, the fall-through is walked
    call bpf_get_prandom_u32
    r1 = r0
    if r1 == r1 goto fine
    r0 = *(u64 *)(r9 + 0)
fine:
    r0 = 0
    exit

=== selftests_reg_equal/self_jne_never
desc: if r1 != r1 on an unknown: 6.18 walks the branch as well
    call bpf_get_prandom_u32
    r1 = r0
    if r1 != r1 goto dead
    r0 = 0
    exit
dead:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_reg_equal/copies_jeq
desc: r2 = r1 then if r1 == r2: a copy with the same id (6.18 does not decide this from ids)
    call bpf_get_prandom_u32
    r1 = r0
    r2 = r1
    if r1 == r2 goto fine
    r0 = *(u64 *)(r9 + 0)
fine:
    r0 = 0
    exit

=== selftests_reg_equal/copies_jgt
desc: r2 = r1 then if r1 > r2: 6.18 does not use the shared id here, the branch is walked
    call bpf_get_prandom_u32
    r1 = r0
    r2 = r1
    if r1 > r2 goto dead
    r0 = 0
    exit
dead:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_reg_equal/jeq_two_unknowns_refines
maps: m=hash(8,16,1)
desc: if r1 == r2 where r2 <= 7: r1 learns the bound on the taken branch
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
    r2 &= 7
    if r1 != r2 goto out
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_reg_equal/jeq_two_unknowns_wrong_branch
maps: m=hash(8,16,1)
desc: if r1 == r2 where r2 <= 7: the not-equal branch learns nothing
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
    r2 &= 7
    if r1 == r2 goto out
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_reg_equal/jeq32_refines_subreg
maps: m=hash(8,16,1)
desc: if w1 == w2 on a u32 r1 and small r2: r1 is bounded
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u32 *)(r6 + 0)
    r2 = *(u8 *)(r6 + 8)
    r2 &= 7
    if w1 != w2 goto out
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_reg_equal/ptr_equal_self
desc: comparing the frame pointer with a copy of it: not decided, the fall-through is walked
    r1 = r10
    if r1 == r10 goto fine
    r0 = *(u64 *)(r9 + 0)
fine:
    r0 = 0
    exit
