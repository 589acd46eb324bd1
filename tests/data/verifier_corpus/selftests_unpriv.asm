# Theme: the kernel's verifier_unpriv selftests, written afresh and seen by a privileged loader
# (pybpf models CAP_SYS_ADMIN: allow_ptr_leaks, bypass_spec_v1, uninitialised stack reads, so the
# unprivileged refusals -- "leaks addr", "pointer comparison", "partial copy" -- do not apply): what
# root may do with pointers (return them, compare them, negate them, store them in maps and
# context, pass them to helpers, spill and refill them) and what no one may (pointer + pointer,
# writing r10, reading a spilled pointer in parts, one instruction used with two pointer types,
# spilled pointers corrupted by atomics) (check_alu_op, check_mem_access, check_stack_write,
# check_cond_jmp_op, save_aux_ptr_type).

=== selftests_unpriv/return_fp
type: socket_filter
desc: the frame pointer returned
    r0 = r10
    exit

=== selftests_unpriv/ctx_plus_const
type: socket_filter
desc: a constant added to the ctx pointer, not used
    r1 += 16
    r0 = 0
    exit

=== selftests_unpriv/ctx_plus_fp
type: socket_filter
desc: pointer += pointer
    r1 += r10
    r0 = 0
    exit

=== selftests_unpriv/neg_ctx
type: socket_filter
desc: negating the ctx pointer (root: the result is a scalar)
    r1 = -r1
    r0 = 0
    exit

=== selftests_unpriv/ctx_compared_with_zero
type: socket_filter
desc: the ctx pointer compared with 0
    if r1 != 0 goto out
out:
    r0 = 0
    exit

=== selftests_unpriv/ctx_compared_with_fp
type: socket_filter
desc: the ctx pointer compared with the frame pointer
    if r1 > r10 goto out
out:
    r0 = 0
    exit

=== selftests_unpriv/map_ptr_compared_with_zero
type: socket_filter
maps: m=hash(8,8,1)
desc: a map pointer compared with 0
    r1 = map_fd(m) ll
    if r1 == 0 goto out
out:
    r0 = 0
    exit

=== selftests_unpriv/printk_in_raw_tracepoint
type: raw_tracepoint
desc: bpf_trace_printk of an 8-byte stack string
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    call bpf_trace_printk
    r0 = 0
    exit

=== selftests_unpriv/pointer_as_update_flags
type: socket_filter
maps: m=hash(8,8,1)
desc: a stack pointer passed as bpf_map_update_elem's flags argument (root: any value)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r3 = r2
    r4 = r2
    r1 = map_fd(m) ll
    call bpf_map_update_elem
    r0 = 0
    exit

=== selftests_unpriv/pointer_spilled_as_key
type: socket_filter
maps: m=hash(8,8,1)
desc: the key on the stack is a spilled frame pointer
    *(u64 *)(r10 - 8) = r10
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_unpriv/spilled_fp_overwritten_u32
type: socket_filter
desc: a 4-byte store over a spilled frame pointer (root: the slot becomes data)
    *(u64 *)(r10 - 8) = r10
    r0 = 0
    *(u32 *)(r10 - 4) = r0
    exit

=== selftests_unpriv/spilled_fp_overwritten_u8
type: socket_filter
desc: a 1-byte store over a spilled frame pointer
    *(u64 *)(r10 - 8) = r10
    r0 = 0
    *(u8 *)(r10 - 8) = r0
    exit

=== selftests_unpriv/spilled_fp_read_u32
type: socket_filter
desc: the low half of a spilled frame pointer read back
    *(u64 *)(r10 - 16) = r10
    r0 = *(u32 *)(r10 - 16)
    r0 = 0
    exit

=== selftests_unpriv/spilled_fp_read_u16_high
type: socket_filter
desc: two bytes in the middle of a spilled frame pointer read back
    *(u64 *)(r10 - 16) = r10
    r0 = *(u16 *)(r10 - 12)
    r0 = 0
    exit

=== selftests_unpriv/ctx_written_with_itself
type: socket_filter
desc: the ctx pointer stored at ctx offset 0 (skb->len is read-only)
    *(u64 *)(r1 + 0) = r1
    r0 = 0
    exit

=== selftests_unpriv/ctx_spill_fill
type: socket_filter
desc: the ctx pointer spilled through a copy of fp and filled back
    r6 = r10
    r6 += -16
    *(u64 *)(r6 + 0) = r1
    r1 = *(u64 *)(r6 + 0)
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_unpriv/ctx_spill_fill_helper
type: sched_cls
desc: the filled ctx pointer passed to bpf_get_hash_recalc
    *(u64 *)(r10 - 8) = r1
    r1 = *(u64 *)(r10 - 8)
    call bpf_get_hash_recalc
    r0 = 0
    exit

=== selftests_unpriv/ctx_slot_overwritten_by_fp
type: sched_cls
desc: the ctx spill overwritten by the frame pointer: the helper gets fp
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 8) = r10
    r1 = *(u64 *)(r10 - 8)
    call bpf_get_hash_recalc
    r0 = 0
    exit

=== selftests_unpriv/ctx_slot_atomic_add
type: sched_cls
desc: an atomic add into the ctx spill: the fill is a scalar
    *(u64 *)(r10 - 8) = r1
    r0 = 1
    lock *(u64 *)(r10 - 8) += r0
    r1 = *(u64 *)(r10 - 8)
    call bpf_get_hash_recalc
    r0 = 0
    exit

=== selftests_unpriv/one_store_two_pointer_types
type: sched_cls
desc: the slot holds a stack pointer on one path and the ctx on the other; the store through the fill uses both
    r3 = 7
    r6 = r10
    r6 += -8
    if r1 == 0 goto skip
    r2 = r10
    r2 += -24
    *(u64 *)(r6 + 0) = r2
skip:
    if r1 != 0 goto join
    *(u64 *)(r6 + 0) = r1
join:
    r1 = *(u64 *)(r6 + 0)
    *(u32 *)(r1 + 8) = r3
    r0 = 0
    exit

=== selftests_unpriv/one_st_two_pointer_types
type: sched_cls
desc: the same with an immediate store (BPF_ST) through the fill
    r6 = r10
    r6 += -8
    if r1 == 0 goto skip
    r2 = r10
    r2 += -24
    *(u64 *)(r6 + 0) = r2
skip:
    if r1 != 0 goto join
    *(u64 *)(r6 + 0) = r1
join:
    r1 = *(u64 *)(r6 + 0)
    *(u32 *)(r1 + 8) = 7
    r0 = 0
    exit

=== selftests_unpriv/one_store_same_pointer_type
type: sched_cls
desc: the ctx stored on one path only; the kernel walks the path where r1 == 0 too, whose fill of the unwritten slot is a scalar: the store through it is refused before the pointer kinds are compared
    r3 = 7
    r6 = r10
    r6 += -8
    if r1 == 0 goto skip
    *(u64 *)(r6 + 0) = r1
skip:
    if r1 != 0 goto join
    *(u64 *)(r6 + 0) = r1
join:
    r1 = *(u64 *)(r6 + 0)
    *(u32 *)(r1 + 8) = r3
    r0 = 0
    exit

=== selftests_unpriv/value_pointer_into_its_value
type: socket_filter
maps: m=hash(8,8,1)
desc: a value pointer stored into its own value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r0
out:
    exit

=== selftests_unpriv/mov32_and_branch
type: socket_filter
desc: w7 = 0 & 1 copied to w0: the branch on r0 is decided, the load through r7 is dead
    w7 = 0
    w7 &= 1
    w0 = w7
    if r0 == 0 goto out
    r0 = *(u64 *)(r7 + 0)
out:
    exit

=== selftests_unpriv/partial_copy_of_fp
type: socket_filter
desc: the low 32 bits of the frame pointer copied (root: a scalar)
    w1 = w10
    r0 = 0
    exit

=== selftests_unpriv/ctx_as_tail_call_index
type: socket_filter
maps: pa=prog_array(4,4,4)
desc: the ctx pointer passed as bpf_tail_call's index
    r3 = r1
    r2 = map_fd(pa) ll
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_unpriv/write_r10
type: socket_filter
desc: a move into r10
    r10 = r1
    r0 = 0
    exit

=== selftests_unpriv/fill_into_r10
type: socket_filter
desc: a fill into r10
    *(u64 *)(r10 - 8) = r10
    r10 = *(u64 *)(r10 - 8)
    r0 = 0
    exit

=== selftests_unpriv/fp_plus_unknown
type: socket_filter
desc: the frame pointer moved by an unknown value, not used
    r1 = *(u32 *)(r1 + 0)
    r2 = r10
    r2 += r1
    r0 = 0
    exit

=== selftests_unpriv/fp_minus_fp
type: socket_filter
desc: the difference of two stack pointers is a scalar
    r1 = r10
    r1 += -16
    r2 = r10
    r2 -= r1
    r0 = r2
    exit

=== selftests_unpriv/cmp_value_pointers_of_two_lookups
type: socket_filter
maps: m=hash(8,8,1)
desc: two non-NULL value pointers compared with each other
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    if r0 > r6 goto out
    r0 = 1
out:
    r0 = 0
    exit
