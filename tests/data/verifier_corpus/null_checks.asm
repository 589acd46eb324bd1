# Theme: map lookups return PTR_TO_MAP_VALUE_OR_NULL; a 64-bit JEQ/JNE against 0 turns it (and every
# copy sharing its id) into a map value pointer on one branch and a NULL scalar on the other
# (mark_ptr_or_null_regs in kernel/bpf/verifier.c).  Array lookups with a constant in-range key are
# not NULL (Linux 6.13+).

=== null_checks/missing_check
maps: m=hash(4,8,16)
desc: the lookup's result is read without a NULL check
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    exit

=== null_checks/checked_eq
maps: m=hash(4,8,16)
desc: the NULL case jumps over the read
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== null_checks/checked_ne
maps: m=hash(4,8,16)
desc: the non-NULL case is the jump target
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 != 0 goto +2
    r0 = 0
    exit
    r0 = *(u32 *)(r0 + 4)
    exit

=== null_checks/checked_ne_read_on_null_path
maps: m=hash(4,8,16)
desc: the read sits on the NULL path, where r0 is the scalar 0
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 != 0 goto +2
    r0 = *(u32 *)(r0 + 4)
    exit
    r0 = 0
    exit

=== null_checks/copy_resolved
maps: m=hash(4,8,16)
desc: a copy made before the check shares its id and is resolved too
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    if r0 == 0 goto out
    r1 = *(u64 *)(r6 + 0)
out:
    r0 = 0
    exit

=== null_checks/check_on_copy
maps: m=hash(4,8,16)
desc: the check is made on the copy, the read on the original
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    if r6 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== null_checks/copy_after_check_ok
maps: m=hash(4,8,16)
desc: a copy made after the check is a map value pointer
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 + 0)
out:
    r0 = 0
    exit

=== null_checks/jmp32_check
maps: m=hash(4,8,16)
desc: a 32-bit compare is not a NULL check
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if w0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== null_checks/check_against_one
maps: m=hash(4,8,16)
desc: comparing with 1 proves nothing
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 1 goto out
    r1 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== null_checks/check_gt_zero
maps: m=hash(4,8,16)
desc: an unsigned > 0 compare is not the kernel's NULL check
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 > 0 goto +2
    r0 = 0
    exit
    r1 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== null_checks/arith_before_check
maps: m=hash(4,8,16)
desc: pointer arithmetic before the NULL check
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 += 8
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== null_checks/arith_zero_before_check
maps: m=hash(4,8,16)
desc: adding 0 is still arithmetic on a maybe-NULL pointer
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 += 0
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== null_checks/spill_then_check
maps: m=hash(4,8,16)
desc: the spilled copy is resolved by the check on the register
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    *(u64 *)(r10 - 16) = r0
    if r0 == 0 goto out
    r2 = *(u64 *)(r10 - 16)
    r1 = *(u64 *)(r2 + 0)
out:
    r0 = 0
    exit

=== null_checks/spill_fill_unchecked
maps: m=hash(4,8,16)
desc: a filled maybe-NULL pointer is still maybe-NULL
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    *(u64 *)(r10 - 16) = r0
    r2 = *(u64 *)(r10 - 16)
    r1 = *(u64 *)(r2 + 0)
    r0 = 0
    exit

=== null_checks/two_lookups_one_check
maps: m=hash(4,8,16)
desc: checking one lookup's result says nothing of another's
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r7 = r0
    if r6 == 0 goto out
    r1 = *(u64 *)(r7 + 0)
out:
    r0 = 0
    exit

=== null_checks/two_lookups_both_checked
maps: m=hash(4,8,16)
desc: both results checked
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r7 = r0
    if r6 == 0 goto out
    if r7 == 0 goto out
    r1 = *(u64 *)(r7 + 0)
    r1 = *(u64 *)(r6 + 0)
out:
    r0 = 0
    exit

=== null_checks/array_const_key
maps: a=array(4,8,4)
desc: an array lookup with a constant in-range key is not NULL (6.13+)
    r1 = 2
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    exit

=== null_checks/array_key_out_of_range
maps: a=array(4,8,4)
desc: a constant key past max_entries may be NULL
    r1 = 4
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    exit

=== null_checks/array_variable_key
maps: a=array(4,8,4)
desc: an array lookup with a variable key may be NULL
    r6 = *(u32 *)(r1 + 12)
    r6 &= 3
    *(u32 *)(r10 - 4) = r6
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    exit

=== null_checks/hash_const_key
maps: m=hash(4,8,16)
desc: a hash lookup may be NULL whatever the key
    r1 = 1
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    exit

=== null_checks/percpu_array_const_key
maps: p=percpu_array(4,8,2)
desc: per-CPU arrays are arrays too
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(p) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    exit

=== null_checks/null_to_helper_value
maps: m=hash(4,8,16)
desc: a maybe-NULL pointer passed where the helper needs memory
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r7 = r0
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r3 = r7
    r4 = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_update_elem
    r0 = 0
    exit

=== null_checks/null_scalar_used
maps: m=hash(4,8,16)
desc: on the NULL path r0 is the scalar 0 and can be added to
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 != 0 goto out
    r0 += 1
    exit
out:
    r0 = 0
    exit

=== null_checks/return_maybe_null
maps: m=hash(4,8,16)
desc: the maybe-NULL pointer itself is returned
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    exit

=== null_checks/check_then_write
maps: m=hash(4,8,16)
desc: a checked value pointer may be written
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 7
    *(u64 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== null_checks/unchecked_write
maps: m=hash(4,8,16)
desc: writing through the unchecked result
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r1 = 7
    *(u64 *)(r0 + 0) = r1
    r0 = 0
    exit

=== null_checks/check_in_other_branch_only
maps: m=hash(4,8,16)
desc: the check is made on one path only
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = *(u32 *)(r10 - 4)
    if r6 == 0 goto skip
    if r0 == 0 goto out
skip:
    r1 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== null_checks/recheck_after_lookup_reuse
maps: m=hash(4,8,16)
desc: a checked pointer survives a later lookup in r6
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r1 = *(u64 *)(r6 + 0)
out:
    r0 = 0
    exit
