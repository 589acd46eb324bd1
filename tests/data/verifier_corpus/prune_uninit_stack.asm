# Pruning against a checkpoint whose 8-byte spilled scalar is, on the current path, uninitialised or
# only partly written stack: privileged, those bytes read as data (stacksafe() through
# scalar_reg_for_stack() / is_stack_all_misc() with allow_uninit_stack), an unknown scalar that an
# imprecise spilled scalar subsumes.  BPF_F_TEST_STATE_FREQ puts a checkpoint at every join.

=== prune_uninit_stack/slot_written_on_other_path
flags: test_state_freq
maps: m=hash(8,8,1)
desc: fp-16 spilled on the path seen first, left uninitialised on the other: pruned at the join (insn 14)
    r2 = r10
    r2 += -8
    r1 = 0
    *(u64 *)(r2 + 0) = r1
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r3 = *(u64 *)(r0 + 0)
    r4 = 0
    if r3 == 0x1234 goto other
    *(u64 *)(r10 - 16) = r4
    goto join
other:
    *(u64 *)(r10 - 24) = r4
join:
    call bpf_ktime_get_ns
    r5 = *(u64 *)(r10 - 16)
out:
    r0 = 0
    exit

=== prune_uninit_stack/u32_key_after_u64_spill
flags: test_state_freq
maps: m=hash(4,8,16)
desc: fp-8 a spilled zero on the path seen first, only its upper half (a u32 key at fp-4) on the other: pruned at the join
    call bpf_get_prandom_u32
    r6 = r0
    r7 = 0
    if r6 > 10 goto big
    *(u64 *)(r10 - 8) = r7
    goto join
big:
    *(u32 *)(r10 - 4) = r6
join:
    r1 = *(u64 *)(r10 - 8)
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== prune_uninit_stack/u32_key_over_u64_spill
flags: test_state_freq
maps: m=hash(4,8,16)
desc: a u32 key written over the upper half of a spilled zero on the path seen first (its bytes data now): the spill on the other pruned at the join
    call bpf_get_prandom_u32
    r6 = r0
    r7 = 0
    *(u64 *)(r10 - 8) = r7
    if r6 > 10 goto join
    *(u32 *)(r10 - 4) = r6
join:
    call bpf_ktime_get_ns
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = 0
    exit
