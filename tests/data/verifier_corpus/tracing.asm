# BPF_PROG_TYPE_TRACING programs attached by BTF id (tp_btf and iterators: the kernel loads them;
# fentry/fexit/fmod_ret and LSM programs, which the measuring kernel refuses with EPERM before
# verifying, and the refusals whose log names a vmlinux type id are in
# tests/progtypes/test_btf_tracing.py).

=== tracing/tp_btf_trusted_task_pid
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: sched_switch's next task read directly: a trusted task_struct pointer
    r2 = *(u64 *)(r1 + 16)
    r0 = *(u32 *)(r2 + offsetof(task_struct, pid))
    r0 = 0
    exit

=== tracing/tp_btf_bool_argument_byte
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: the bool argument read as one byte: a scalar of 8 bits
    r2 = *(u8 *)(r1 + 0)
    r0 = r2
    exit

=== tracing/tp_btf_pointer_argument_narrow
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: a pointer argument read with a 4-byte load: "size 4 must be 8"
    r2 = *(u32 *)(r1 + 8)
    r0 = 0
    exit

=== tracing/tp_btf_offset_not_multiple_of_8
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: the upper half of the prev_state argument
    r2 = *(u32 *)(r1 + 28)
    r0 = 0
    exit

=== tracing/tp_btf_argument_past_the_last
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: sched_switch has 4 arguments: "doesn't have 5-th argument"
    r2 = *(u64 *)(r1 + 32)
    r0 = 0
    exit

=== tracing/tp_btf_argument_far_past
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: an offset past the return slot: "doesn't have 7-th argument"
    r2 = *(u64 *)(r1 + 48)
    r0 = 0
    exit

=== tracing/tp_btf_ctx_write
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: tracing programs never write their arguments
    r2 = 0
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit

=== tracing/tp_btf_ctx_past_12_args
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: offsets from 96 are refused before the prototype is looked at
    r2 = *(u64 *)(r1 + 96)
    r0 = 0
    exit

=== tracing/tp_btf_task_member_walk
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_wakeup
desc: p->real_parent->tgid through the trusted argument (an RCU pointer in a non-sleepable program)
    r2 = *(u64 *)(r1 + 0)
    r2 = *(u64 *)(r2 + offsetof(task_struct, real_parent))
    r0 = *(u32 *)(r2 + offsetof(task_struct, tgid))
    r0 = 0
    exit

=== tracing/tp_btf_task_write_refused
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_wakeup
desc: a kernel struct is read only
    r2 = *(u64 *)(r1 + 0)
    r3 = 0
    *(u32 *)(r2 + offsetof(task_struct, pid)) = r3
    r0 = 0
    exit

=== tracing/tp_btf_task_past_end
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_wakeup
desc: a read past the end of task_struct
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u64 *)(r2 + 32000)
    r0 = 0
    exit

=== tracing/tp_btf_task_into_map
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
maps: start=hash(4,8,1024)
desc: runqlat's shape: the next task's pid as the key of a timestamp map
    r6 = *(u64 *)(r1 + 16)
    r1 = *(u32 *)(r6 + offsetof(task_struct, pid))
    *(u32 *)(r10 - 4) = r1
    call 5
    *(u64 *)(r10 - 16) = r0
    r1 = map_fd(start)
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call 2
    r0 = 0
    exit

=== tracing/tp_btf_pointer_leak_into_map
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
maps: start=hash(4,8,1024)
desc: the task pointer itself stored as a map value (a root loader may leak pointers)
    r6 = *(u64 *)(r1 + 16)
    *(u32 *)(r10 - 4) = 0
    *(u64 *)(r10 - 16) = r6
    r1 = map_fd(start)
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call 2
    r0 = 0
    exit

=== tracing/tp_btf_any_return
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: tp_btf programs may return any value
    r0 = -7
    exit

=== tracing/tp_btf_get_func_ip
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: bpf_get_func_ip needs a trampoline: ENOTSUPP
    call 173
    r0 = 0
    exit

=== tracing/tp_btf_get_func_arg
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: bpf_get_func_arg_cnt is not offered to tp_btf programs
    call 185
    r0 = 0
    exit

=== tracing/tp_btf_no_btf_id
type: tracing
attach: trace_raw_tp
desc: no attach_btf_id: "Tracing programs must provide btf_id"
    r0 = 0
    exit

=== tracing/tp_btf_sleepable
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
flags: sleepable
desc: tp_btf programs cannot sleep
    r0 = 0
    exit

=== tracing/iter_task_checked
type: tracing
attach: trace_iter
attach_btf: bpf_iter_task
desc: the task iterator's task may be NULL: checked first
    r2 = *(u64 *)(r1 + 8)
    if r2 == 0 goto out
    r0 = *(u32 *)(r2 + offsetof(task_struct, pid))
out:
    r0 = 0
    exit

=== tracing/iter_task_unchecked
type: tracing
attach: trace_iter
attach_btf: bpf_iter_task
desc: the task read without the NULL check
    r2 = *(u64 *)(r1 + 8)
    r0 = *(u32 *)(r2 + offsetof(task_struct, pid))
    r0 = 0
    exit

=== tracing/iter_task_seq_printf
type: tracing
attach: trace_iter
attach_btf: bpf_iter_task
desc: the seq_file from the meta, written with bpf_seq_write
    r2 = *(u64 *)(r1 + 0)
    r1 = *(u64 *)(r2 + 0)
    *(u64 *)(r10 - 8) = 0
    r2 = r10
    r2 += -8
    r3 = 8
    call 127
    r0 = 0
    exit

=== tracing/iter_return_two
type: tracing
attach: trace_iter
attach_btf: bpf_iter_task
desc: iterators return 0 or 1
    r0 = 2
    exit

=== tracing/iter_unknown_target
type: tracing
attach: trace_iter
attach_btf: bpf_fentry_test1
desc: a FUNC that is no iterator target: EINVAL, nothing logged
    r0 = 0
    exit

=== tracing/iter_bpf_prog_untrusted
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_prog
desc: the bpf_prog iterator's program (untrusted, maybe NULL) read at offset 0: a bitfield member
    r2 = *(u64 *)(r1 + 8)
    if r2 == 0 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 0
    exit

=== tracing/tracing_no_attach_type
type: tracing
attach_btf: vfs_read
desc: a tracing program with expected_attach_type 0: EINVAL, nothing logged
    r0 = 0
    exit
