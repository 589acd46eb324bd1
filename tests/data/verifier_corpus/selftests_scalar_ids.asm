# Theme: scalar ids (the kernel's verifier_scalar_ids selftests, written afresh): register copies
# share an id so a bound learned on one reaches the others (sync_linked_regs); a "+const" copy
# stays linked; a spill keeps the link only for a plain copy: spilling a "+const" copy gives the
# register and the slot a fresh id (assign_scalar_id_before_mov in check_stack_write_fixed_off).

=== selftests_scalar_ids/copy_learns_bound
maps: m=hash(8,16,1)
desc: r7 = r6, then r6 <= 8 bounds r7 too
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u8 *)(r0 + 0)
    r7 = r6
    if r6 > 8 goto out
    r0 += r7
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_scalar_ids/copy_then_overwrite
maps: m=hash(8,16,1)
desc: the copy is overwritten before the check: no bound reaches it
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u8 *)(r0 + 0)
    r7 = r6
    r7 = *(u8 *)(r0 + 1)
    if r6 > 8 goto out
    r0 += r7
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_scalar_ids/plus_const_copy_learns_bound
maps: m=hash(8,16,1)
desc: r7 = r6 + 4 keeps a link: r6 <= 8 gives r7 <= 12
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u8 *)(r0 + 0)
    r7 = r6
    r7 += 4
    if r6 > 8 goto out
    r0 += r7
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_scalar_ids/plus_const_copy_too_far
maps: m=hash(8,16,1)
desc: r7 = r6 + 8 with r6 <= 8: r7 may be 16, past the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u8 *)(r0 + 0)
    r7 = r6
    r7 += 8
    if r6 > 8 goto out
    r0 += r7
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_scalar_ids/bound_on_plus_const_reaches_source
maps: m=hash(8,16,1)
desc: a bound learned on the +const copy reaches the source
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u8 *)(r0 + 0)
    r7 = r6
    r7 += 4
    if r7 > 12 goto out
    r0 += r6
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_scalar_ids/second_plus_const_breaks_link
maps: m=hash(8,16,1)
desc: a copy of a +const copy gets a fresh id: the first link is cut
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u8 *)(r0 + 0)
    r7 = r6
    r7 += 4
    r8 = r7
    if r6 > 8 goto out
    r0 += r7
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_scalar_ids/alu32_plus_const_link
maps: m=hash(8,16,1)
desc: w7 = w6 + 2 stays linked when the upper bits are known zero
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u8 *)(r0 + 0)
    w7 = w6
    w7 += 2
    if w6 > 10 goto out
    r0 += r7
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_scalar_ids/spill_plain_copy_keeps_link
maps: m=hash(8,16,1)
desc: a plain spill shares the register's id: the bound reaches the fill
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u8 *)(r0 + 0)
    *(u64 *)(r10 - 16) = r6
    if r6 > 8 goto out
    r8 = *(u64 *)(r10 - 16)
    r0 += r8
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_scalar_ids/spill_plus_const_fresh_id
maps: m=hash(8,16,1)
desc: spilling a +const copy cuts its link: the source's bound does not reach the fill
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u8 *)(r0 + 0)
    r7 = r6
    r7 += 4
    *(u64 *)(r10 - 16) = r7
    if r6 > 8 goto out
    r8 = *(u64 *)(r10 - 16)
    r0 += r8
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_scalar_ids/spill_plus_const_register_too
maps: m=hash(8,16,1)
desc: the spilled +const register itself loses the link as well
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u8 *)(r0 + 0)
    r7 = r6
    r7 += 4
    *(u64 *)(r10 - 16) = r7
    if r6 > 8 goto out
    r0 += r7
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_scalar_ids/spill_plus_const_fill_and_reg_linked
maps: m=hash(8,16,1)
desc: after the spill the register and the slot share the fresh id: a bound on one reaches the fill
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u8 *)(r0 + 0)
    r7 = r6
    r7 += 4
    *(u64 *)(r10 - 16) = r7
    if r7 > 12 goto out
    r8 = *(u64 *)(r10 - 16)
    r0 += r8
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_scalar_ids/spill_plus_const_stats
maps: m=hash(8,16,1)
desc: a +const spill: the cut link decides the branch on the fill (both paths walked)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u8 *)(r0 + 0)
    r7 = r6
    r7 += 4
    *(u64 *)(r10 - 16) = r7
    if r6 > 8 goto out
    r8 = *(u64 *)(r10 - 16)
    if r8 > 12 goto big
    r0 = 1
    exit
big:
    r0 = 2
    exit
out:
    r0 = 0
    exit

=== selftests_scalar_ids/narrow_spill_of_wide_value_no_link
maps: m=hash(8,16,1)
desc: a u16 value spilled in one byte loses the id: the bound does not reach the fill
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u16 *)(r0 + 0)
    *(u8 *)(r10 - 16) = r6
    if r6 > 8 goto out
    r8 = *(u8 *)(r10 - 16)
    r0 += r8
    r0 = *(u8 *)(r0 + 8)
out:
    r0 = 0
    exit

=== selftests_scalar_ids/narrow_spill_of_byte_keeps_link
maps: m=hash(8,16,1)
desc: a u8 value spilled in one byte keeps its id
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u8 *)(r0 + 0)
    *(u8 *)(r10 - 16) = r6
    if r6 > 8 goto out
    r8 = *(u8 *)(r10 - 16)
    r0 += r8
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_scalar_ids/equal_ids_both_bounded_by_jeq
maps: m=hash(8,16,1)
desc: r7 == r6 copies: checking r7 against a constant makes r6 known
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = *(u32 *)(r0 + 0)
    r7 = r6
    if r7 != 3 goto out
    r0 += r6
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit
