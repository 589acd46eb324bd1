# Theme: register-allocation shapes as the kernel's verifier_regalloc selftests probe them,
# written afresh: a bound learned on one register reaches its copies (sync_linked_regs), copies
# made before and after the check, a copy moved by a constant, a bound compared through a 32-bit
# copy, and the spill/fill of a bounded value, each used as an offset into a map value.

=== selftests_regalloc/copy_before_check
maps: m=array(4,48,1)
desc: r7 = r2 before "r2 <= 20": r7 shares the bound
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r2 = *(u32 *)(r6 + 12)
    r7 = r2
    if r2 > 20 goto out
    r0 += r7
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_regalloc/copy_before_check_too_big
maps: m=array(4,20,1)
desc: the shared bound 20 is past a 20-byte value
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r2 = *(u32 *)(r6 + 12)
    r7 = r2
    if r2 > 20 goto out
    r0 += r7
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_regalloc/copy_overwritten
maps: m=array(4,48,1)
desc: the copy was overwritten before the check: no bound
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r2 = *(u32 *)(r6 + 12)
    r7 = r2
    r7 = *(u32 *)(r6 + 16)
    if r2 > 20 goto out
    r0 += r7
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_regalloc/copy_plus_const
maps: m=array(4,48,1)
desc: r7 = r2 + 10 before "r2 <= 20": r7 is at most 30
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r2 = *(u32 *)(r6 + 12)
    r7 = r2
    r7 += 10
    if r2 > 20 goto out
    r0 += r7
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_regalloc/copy_plus_const_too_big
maps: m=array(4,30,1)
desc: r7 = r2 + 10, r2 <= 20: 30 is past a 30-byte value
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r2 = *(u32 *)(r6 + 12)
    r7 = r2
    r7 += 10
    if r2 > 20 goto out
    r0 += r7
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_regalloc/lower_bound_on_copy
maps: m=array(4,48,1)
desc: "r2 s< 0" rejected on the copy, upper bound on the original
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    call bpf_get_prandom_u32
    r2 = r0
    r7 = r0
    r0 = *(u64 *)(r10 - 16)
    if r7 s< 0 goto out
    if r2 s> 20 goto out
    r0 = 2
    exit
out:
    r0 = 2
    exit

=== selftests_regalloc/spill_fill_bound
maps: m=array(4,48,1)
desc: a bounded value spilled and filled keeps its bound
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r2 = *(u32 *)(r6 + 12)
    if r2 > 40 goto out
    *(u64 *)(r10 - 16) = r2
    r3 = *(u64 *)(r10 - 16)
    r0 += r3
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_regalloc/spill_then_check_fill
maps: m=array(4,48,1)
desc: spilled before the check, the spill is linked and filled after it
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r2 = *(u32 *)(r6 + 12)
    *(u64 *)(r10 - 16) = r2
    if r2 > 40 goto out
    r3 = *(u64 *)(r10 - 16)
    r0 += r3
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_regalloc/w_copy_check
maps: m=array(4,48,1)
desc: w7 = w2 of a u32 value keeps the link (its upper half is zero): "w7 <= 20" bounds r2 too
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r2 = *(u32 *)(r6 + 12)
    w7 = w2
    if w7 > 20 goto out
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_regalloc/three_copies
maps: m=array(4,48,1)
desc: three copies, the check on the last, the first used
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r2 = *(u32 *)(r6 + 12)
    r7 = r2
    r8 = r7
    r9 = r8
    if r9 > 40 goto out
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_regalloc/copy_across_call
maps: m=array(4,48,1)
desc: a copy in r7 survives a helper call; the bound is learned after it
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r2 = *(u32 *)(r6 + 12)
    r7 = r2
    *(u64 *)(r10 - 16) = r2
    call bpf_ktime_get_ns
    r2 = *(u64 *)(r10 - 16)
    if r2 > 40 goto out
    r8 += r7
    r0 = *(u8 *)(r8 + 0)
out:
    r0 = 2
    exit
