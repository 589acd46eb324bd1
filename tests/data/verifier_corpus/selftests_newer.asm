
=== selftests_newer/pkt_at_end_then_sub_const
type: sched_cls
desc: data + 64 >= data_end marks the pointer AT_PKT_END; moving it back by a constant drops that mark, so data < data_end proves nothing and the read is refused
    r9 = *(u32 *)(r1 + 76)
    r8 = *(u32 *)(r1 + 80)
    r9 += 64
    if r9 >= r8 goto at_end
    r0 = 0
    exit
at_end:
    r9 -= 64
    if r9 < r8 goto read
    r0 = 0
    exit
read:
    r0 = *(u8 *)(r9 + 0)
    r0 = 0
    exit

=== selftests_newer/pkt_at_end_then_add_const
type: xdp
desc: the same mark dropped by adding a constant: data - 8 + 8 < data_end is not a proven byte
    r9 = *(u32 *)(r1 + 0)
    r8 = *(u32 *)(r1 + 4)
    r9 += 16
    if r8 <= r9 goto at_end
    r0 = 0
    exit
at_end:
    r9 += 8
    r9 += -24
    if r8 > r9 goto read
    r0 = 0
    exit
read:
    r0 = *(u8 *)(r9 + 0)
    r0 = 0
    exit

=== selftests_newer/pkt_range_kept_after_add_const
type: xdp
desc: a proven range survives adding a constant (the offset accumulates): data + 4 after data + 8 <= data_end reads its byte
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r2 += 4
    r0 = *(u8 *)(r2 + 3)
out:
    r0 = 2
    exit

=== selftests_newer/pkt_range_after_sub_nonneg_var
type: xdp
desc: subtracting a non-negative variable from a checked packet pointer: is the range kept?
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 16
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    r5 &= 7
    r4 -= r5
    r0 = *(u8 *)(r4 - 1)
out:
    r0 = 2
    exit

=== selftests_newer/pkt_range_after_add_var
type: xdp
desc: adding a variable to a checked packet pointer clears its range: the read is refused
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 16
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    r5 &= 7
    r2 += r5
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_newer/zero_size_helper_var_stack_past_frame
type: socket_filter
desc: a zero-byte helper write through a stack pointer whose variable offset may reach past fp: still checked against the frame (EINVAL)
    r0 = 0
    *(u64 *)(r10 - 16) = r0
    *(u64 *)(r10 - 8) = r0
    r1 = *(u32 *)(r1 + 0)
    r1 &= 31
    r1 += -24
    r1 += r10
    r2 = 0
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_newer/zero_size_helper_var_stack_inside
type: socket_filter
desc: the same zero-byte write with a variable offset that stays below fp: accepted
    r0 = 0
    *(u64 *)(r10 - 16) = r0
    *(u64 *)(r10 - 8) = r0
    r1 = *(u32 *)(r1 + 0)
    r1 &= 7
    r1 += -16
    r1 += r10
    r2 = 0
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_newer/zero_size_helper_const_stack_at_fp
type: socket_filter
desc: a zero-byte helper write at fp+0 (a constant offset just past the frame)
    r1 = r10
    r2 = 0
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_newer/zero_size_helper_const_stack_below_frame
type: socket_filter
desc: a zero-byte helper write at fp-520, below the 512-byte frame
    r1 = r10
    r1 += -520
    r2 = 0
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_newer/zero_size_helper_var_size_stack_past_frame
type: socket_filter
desc: a size register of 0 or 1 (zero allowed) with a variable stack offset reaching fp: the range check uses the largest size
    r0 = 0
    *(u64 *)(r10 - 8) = r0
    r6 = *(u32 *)(r1 + 0)
    r6 &= 7
    r2 = *(u32 *)(r1 + 4)
    r2 &= 1
    r1 = r10
    r1 += -8
    r1 += r6
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_newer/zero_size_helper_null
type: socket_filter
desc: a NULL pointer with a zero size where the helper allows it
    r1 = 0
    r2 = 0
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_newer/global_int_arg_from_task_field
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
btf: global_subprogs
proto: int f1(int *p)
desc: a global function's writable int * argument given a trusted task_struct field: the callee may write it, which a kernel struct refuses (only read is supported)
    call bpf_get_current_task_btf
    r1 = r0
    r1 += offsetof(task_struct, prio)
    call f
    r0 = 0
    exit
f:
    if r1 == 0 goto out
    r2 = 42
    *(u32 *)(r1 + 0) = r2
out:
    r0 = 0
    exit

=== selftests_newer/global_const_int_arg_from_task_field
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
btf: global_subprogs
proto: int f1(const int *p)
desc: the same field given to a const int * argument: refused alike (a global function's memory argument is checked for a read and for a write)
    call bpf_get_current_task_btf
    r1 = r0
    r1 += offsetof(task_struct, prio)
    call f
    r0 = 0
    exit
f:
    r0 = 0
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_newer/helper_writes_into_task_field
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: bpf_probe_read_kernel told to fill 4 bytes of a trusted task_struct: a helper's write to a kernel struct is refused
    call bpf_get_current_task_btf
    r1 = r0
    r1 += offsetof(task_struct, prio)
    r2 = 4
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_newer/helper_reads_task_field
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: a trusted task_struct field read by a helper (bpf_trace_printk's read-only format): allowed
    call bpf_get_current_task_btf
    r1 = r0
    r1 += offsetof(task_struct, comm)
    r2 = 4
    call bpf_trace_printk
    r0 = 0
    exit

=== selftests_newer/global_arg_struct_of_4g
btf: global_subprogs
proto: int f1(struct huge:4294967292 *p)
desc: a global function taking a pointer to a 4 GiB struct, given 4 bytes of stack: the size alone is refused (memory size is too large)
    r1 = 42
    *(u32 *)(r10 - 4) = r1
    r1 = r10
    r1 += -4
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_newer/global_arg_struct_of_2g
btf: global_subprogs
proto: int f1(struct huge:2147483648 *p)
desc: 2 GiB, one byte past S32_MAX: too large as well
    r1 = 42
    *(u32 *)(r10 - 4) = r1
    r1 = r10
    r1 += -4
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_newer/global_arg_struct_of_s32_max
btf: global_subprogs
proto: int f1(struct huge:2147483647 *p)
desc: S32_MAX bytes is not "too large": the stack access itself is refused
    r1 = 42
    *(u32 *)(r10 - 4) = r1
    r1 = r10
    r1 += -4
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_newer/global_arg_struct_of_4g_null
btf: global_subprogs
proto: int f1(struct huge:4294967292 *p)
desc: NULL for the 4 GiB struct pointer passes before the size is looked at
    r1 = 0
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_newer/may_goto_stack_of_main
type: raw_tracepoint
desc: a may_goto in the main program: 8 bytes of its own stack and the 16 of the expanded loop counter (stack depth 24)
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    may_goto skip
    r1 = 2
skip:
    r0 = *(u64 *)(r10 - 8)
    r0 = 0
    exit

=== selftests_newer/may_goto_stack_twice_in_main
type: raw_tracepoint
desc: two may_goto in one subprogram share one counter: 16 bytes once (stack depth 16+0 for no stack of its own)
    may_goto one
    r1 = 2
one:
    may_goto two
    r1 = 3
two:
    r0 = 0
    exit

=== selftests_newer/may_goto_stack_in_subprog
type: raw_tracepoint
desc: a may_goto in a static subprogram only: its depth grows, the caller's does not
    r1 = 7
    *(u64 *)(r10 - 16) = r1
    call f
    r0 = *(u64 *)(r10 - 16)
    r0 = 0
    exit
f:
    may_goto out
    r0 = 1
out:
    r0 = 0
    exit

=== selftests_newer/may_goto_stack_loop
type: raw_tracepoint
desc: a loop bounded by may_goto, counting in r6 (stack depth 16)
    r6 = 0
loop:
    may_goto done
    r6 += 1
    goto loop
done:
    r0 = 0
    exit

=== selftests_newer/may_goto_stack_with_fastcall_pair
type: raw_tracepoint
desc: a bpf_fastcall spill/fill pair around bpf_get_smp_processor_id (its stack left out) then a may_goto: 8 bytes of the program's and 16 of the counter
    r1 = 1
    *(u64 *)(r10 - 16) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 16)
    may_goto skip
    r1 = 2
skip:
    *(u64 *)(r10 - 8) = r1
    r0 = 0
    exit

=== selftests_newer/may_goto_stack_refused
type: raw_tracepoint
desc: a refused program with a may_goto never reaches the fixups: its depth is do_check's (8)
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    may_goto skip
    r1 = 2
skip:
    r0 = r3
    exit

=== selftests_newer/cond_jmp_fp_copy_not_precise
type: raw_tracepoint
desc: a copy of fp compared with a scalar, the scalar later made precise by a decided jump: the walk back marks only the scalar at the comparison (the stack pointer is recorded in the jump history)
    r0 = 0
    r2 = 0x1234567812345678 ll
    r3 = r10
    if r3 <= r2 goto skip
    if r2 <= 8 goto skip
    r0 = 1
skip:
    exit

=== selftests_newer/cond_jmp_scalar_vs_fp_not_precise
type: raw_tracepoint
desc: the scalar on the left and r10 itself on the right, then a decided jump on the scalar
    r0 = 0
    r2 = 0x7fffffff00000000 ll
    if r2 <= r10 goto skip
    if r2 <= 8 goto skip
    r0 = 1
skip:
    exit

=== selftests_newer/cond_jmp_fp_minus_const_not_precise
type: raw_tracepoint
desc: a stack pointer below fp (fp-16) against a scalar from a helper, then a decided jump on the scalar after it is bounded
    call bpf_get_prandom_u32
    r2 = r0
    r2 &= 0xff
    r3 = r10
    r3 += -16
    if r3 > r2 goto skip
    r0 = 0
skip:
    if r2 < 0x100 goto out
    r0 = 1
out:
    r0 = 0
    exit

=== selftests_newer/cond_jmp_two_scalars_both_precise
type: raw_tracepoint
desc: two scalars compared (no stack pointer): both are marked on the way back
    call bpf_get_prandom_u32
    r2 = r0
    r2 &= 0xff
    r3 = 0x1000
    if r3 <= r2 goto skip
    if r2 <= 0x1000 goto skip
    r0 = 1
skip:
    r0 = 0
    exit
