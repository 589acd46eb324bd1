# Theme: map_value_or_null as the kernel's verifier_value_or_null and verifier_jeq_infer_not_null
# selftests probe it, written afresh: copies and spills share the NULL check through the id,
# arithmetic before the check, two lookups compared with each other, a check against a non-zero
# constant, and comparing the value pointer with itself or another pointer.

=== selftests_value_or_null/copy_checked
maps: m=hash(4,8,4)
desc: the check on the original resolves a copy made before it
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r4 = r0
    if r0 == 0 goto out
    r1 = 1
    *(u64 *)(r4 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_value_or_null/arith_before_check
maps: m=hash(4,8,4)
desc: arithmetic on a maybe-NULL value pointer
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 += 4
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_value_or_null/copy_moved_after_check
maps: m=hash(4,8,4)
desc: a copy moved after the NULL check, read at the end of the value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r4 = r0
    if r0 == 0 goto out
    r4 += 4
    r0 = *(u32 *)(r4 + 0)
out:
    r0 = 0
    exit

=== selftests_value_or_null/spill_checked_fill_used
maps: m=hash(4,8,4)
desc: a spilled copy is resolved by the check of the register
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    *(u64 *)(r10 - 16) = r0
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 16)
    r0 = *(u64 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_value_or_null/two_lookups_one_check
maps: m=hash(4,8,4)
desc: two lookups, only the first checked, the second used
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r7 = r0
    if r6 == 0 goto out
    r0 = *(u64 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_value_or_null/jne_const_not_null
maps: m=hash(4,8,4)
desc: comparing the value pointer with 1 does not check it
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 1 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_value_or_null/jne_check_inverted
maps: m=hash(4,8,4)
desc: "if r0 != 0" jumps to the read
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 != 0 goto read
    r0 = 0
    exit
read:
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== selftests_value_or_null/null_branch_read
maps: m=hash(4,8,4)
desc: the read is in the NULL branch
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 != 0 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_value_or_null/w_check
maps: m=hash(4,8,4)
desc: a 32-bit NULL check does not resolve the pointer
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if w0 == 0 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_value_or_null/jeq_two_maybe_null
maps: m=hash(4,8,4)
desc: two maybe-NULL values equal: checking one resolves neither (6.18 infers only with a non-NULL one)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r7 = r0
    if r6 != r7 goto out
    if r6 == 0 goto out
    r0 = *(u64 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_value_or_null/jeq_with_checked
maps: m=hash(4,8,4)
desc: a maybe-NULL value equal to a checked one is not NULL (jeq infer not null)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r7 = r0
    if r6 == 0 goto out
    if r6 != r7 goto out
    r0 = *(u64 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_value_or_null/jne_with_checked_taken
maps: m=hash(4,8,4)
desc: "r6 != r7" taken: r7 stays maybe-NULL there
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r7 = r0
    if r6 == 0 goto out
    if r6 != r7 goto use
    r0 = 0
    exit
use:
    r0 = *(u64 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_value_or_null/jeq_with_stack
maps: m=hash(4,8,4)
desc: "r0 != stack pointer" falls through: a stack pointer is not reg_not_null, nothing inferred
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r2 = r10
    r2 += -4
    if r0 != r2 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_value_or_null/jeq_with_ctx
maps: m=hash(4,8,4)
desc: a maybe-NULL value equal to the ctx pointer
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 != r6 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_value_or_null/array_const_key_no_check
maps: a=array(4,8,4)
desc: a constant key spilled by a 4-byte store is no spilled scalar of the key's slot: the check is still needed
    r1 = 2
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== selftests_value_or_null/array_const_key_out_of_range
maps: a=array(4,8,4)
desc: a constant key past max_entries: the lookup may fail
    r1 = 4
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== selftests_value_or_null/hash_const_key_needs_check
maps: m=hash(4,8,4)
desc: a hash lookup with a constant key still needs the check
    r1 = 2
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== selftests_value_or_null/percpu_array_const_key
maps: a=percpu_array(4,8,4)
desc: a per-CPU array with a zero key (STACK_ZERO bytes) in range needs no check (6.13+)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== selftests_value_or_null/array_key_variable
maps: a=array(4,8,4)
desc: a variable key in an array lookup: the check is needed
    r1 = *(u32 *)(r1 + 12)
    r1 &= 1
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== selftests_value_or_null/jeq_other_map_value
maps: m=hash(4,8,4), n=hash(4,16,4)
desc: a maybe-NULL value equal to a checked value of another map is not NULL
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    r2 = r10
    r2 += -4
    r1 = map_fd(n) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    if r6 != r0 goto out
    r0 = *(u64 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_value_or_null/jeq_stack_jeq
maps: m=hash(4,8,4)
desc: "r0 == stack pointer" taken: a stack pointer is not reg_not_null, nothing inferred
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r2 = r10
    r2 += -4
    if r0 == r2 goto use
    r0 = 0
    exit
use:
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== selftests_value_or_null/jeq_map_ptr
maps: m=hash(4,8,4)
desc: a maybe-NULL value equal to a map pointer (reg_not_null) is inferred not NULL
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r2 = map_fd(m) ll
    if r0 != r2 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_value_or_null/jeq_fp0
maps: m=hash(4,8,4)
desc: a maybe-NULL value equal to the frame pointer: nothing inferred
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r2 = r10
    if r0 != r2 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit
