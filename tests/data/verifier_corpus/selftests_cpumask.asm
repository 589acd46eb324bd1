# Theme: the cpumask kfuncs of kernel/bpf/cpumask.c (selftests cpumask_success.c / cpumask_failure.c give
# the ideas; written afresh): created masks queried, changed, combined, populated from memory, acquired
# and released; what the verifier refuses (NULL, scalars, moved pointers, leaks, use after release,
# a const struct cpumask such as task->cpus_ptr where a struct bpf_cpumask is wanted, populate's
# memory and size); and the program types whose kfunc sets hold them (tracing, LSM, struct_ops,
# syscall); a struct of scalars (struct cpumask, struct bpf_cpumask) given as plain memory.
# tests/kfuncs/test_cpumask.py runs the kfuncs themselves against the kernel.

=== selftests_cpumask/set_test_weight
type: syscall
flags: sleepable
desc: a created mask set, tested and weighed, then released
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    r2 = r6
    call kfunc(bpf_cpumask_set_cpu)
    r1 = 1
    r2 = r6
    call kfunc(bpf_cpumask_test_cpu)
    r1 = r6
    call kfunc(bpf_cpumask_weight)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/every_query
type: syscall
flags: sleepable
desc: first, first_zero, empty, full, any_distribute on one mask
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    call kfunc(bpf_cpumask_first)
    r1 = r6
    call kfunc(bpf_cpumask_first_zero)
    r1 = r6
    call kfunc(bpf_cpumask_empty)
    r1 = r6
    call kfunc(bpf_cpumask_full)
    r1 = r6
    call kfunc(bpf_cpumask_any_distribute)
    r1 = r6
    call kfunc(bpf_cpumask_setall)
    r1 = r6
    call kfunc(bpf_cpumask_clear)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/two_mask_ops
type: syscall
flags: sleepable
desc: and/or/xor/copy/equal/intersects/subset/first_and/any_and_distribute on one mask as every operand
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r2 = r6
    r3 = r6
    call kfunc(bpf_cpumask_and)
    r1 = r6
    r2 = r6
    r3 = r6
    call kfunc(bpf_cpumask_or)
    r1 = r6
    r2 = r6
    r3 = r6
    call kfunc(bpf_cpumask_xor)
    r1 = r6
    r2 = r6
    call kfunc(bpf_cpumask_copy)
    r1 = r6
    r2 = r6
    call kfunc(bpf_cpumask_equal)
    r1 = r6
    r2 = r6
    call kfunc(bpf_cpumask_intersects)
    r1 = r6
    r2 = r6
    call kfunc(bpf_cpumask_subset)
    r1 = r6
    r2 = r6
    call kfunc(bpf_cpumask_first_and)
    r1 = r6
    r2 = r6
    call kfunc(bpf_cpumask_any_and_distribute)
    r1 = 0
    r2 = r6
    call kfunc(bpf_cpumask_test_and_set_cpu)
    r1 = 0
    r2 = r6
    call kfunc(bpf_cpumask_test_and_clear_cpu)
    r1 = 0
    r2 = r6
    call kfunc(bpf_cpumask_clear_cpu)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/bool_result_is_scalar
type: syscall
flags: sleepable
desc: a bool result is a scalar: compared and returned
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    call kfunc(bpf_cpumask_empty)
    r7 = r0
    r1 = r6
    call kfunc(bpf_cpumask_release)
    r0 = r7
    exit
out:
    r0 = 0
    exit

=== selftests_cpumask/void_result_unreadable
type: syscall
flags: sleepable
desc: set_cpu returns void: r0 may not be read
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    r2 = r6
    call kfunc(bpf_cpumask_set_cpu)
    r7 = r0
    r1 = r6
    call kfunc(bpf_cpumask_release)
    r0 = r7
    exit
out:
    r0 = 0
    exit

=== selftests_cpumask/leak
type: syscall
flags: sleepable
desc: a created mask never released
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cpumask_weight)
out:
    r0 = 0
    exit

=== selftests_cpumask/null_unchecked
type: syscall
flags: sleepable
desc: the mask used before its NULL check
    call kfunc(bpf_cpumask_create)
    r6 = r0
    r1 = 0
    r2 = r6
    call kfunc(bpf_cpumask_set_cpu)
    r1 = r6
    call kfunc(bpf_cpumask_release)
    r0 = 0
    exit

=== selftests_cpumask/null_constant
type: syscall
flags: sleepable
desc: NULL given for a const struct cpumask
    r1 = 0
    call kfunc(bpf_cpumask_empty)
    r0 = 0
    exit

=== selftests_cpumask/scalar_as_mask
type: syscall
flags: sleepable
desc: a scalar given as the mask
    r1 = 4096
    call kfunc(bpf_cpumask_weight)
    r0 = 0
    exit

=== selftests_cpumask/stack_as_mask
type: syscall
flags: sleepable
desc: a stack pointer given as the mask
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    call kfunc(bpf_cpumask_weight)
    r0 = 0
    exit

=== selftests_cpumask/pointer_as_cpu
type: syscall
flags: sleepable
desc: a pointer given as the CPU
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r2 = r6
    call kfunc(bpf_cpumask_test_cpu)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/use_after_release
type: syscall
flags: sleepable
desc: the mask set after it was released
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    call kfunc(bpf_cpumask_release)
    r1 = 0
    r2 = r6
    call kfunc(bpf_cpumask_set_cpu)
out:
    r0 = 0
    exit

=== selftests_cpumask/double_release
type: syscall
flags: sleepable
desc: the mask released twice
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    call kfunc(bpf_cpumask_release)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/offset_to_query
type: syscall
flags: sleepable
desc: a mask pointer moved 8 bytes given to a query (inside its bits)
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 8
    call kfunc(bpf_cpumask_weight)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/offset_to_release
type: syscall
flags: sleepable
desc: a mask pointer moved 8 bytes given to release
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 8
    call kfunc(bpf_cpumask_release)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/acquire_release
type: syscall
flags: sleepable
desc: a second reference by acquire, both released
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    call kfunc(bpf_cpumask_acquire)
    r1 = r0
    call kfunc(bpf_cpumask_release)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/acquire_leaked
type: syscall
flags: sleepable
desc: the reference acquire gives never released
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    call kfunc(bpf_cpumask_acquire)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/mask_to_cgroup_release
type: syscall
flags: sleepable
desc: a cpumask given to bpf_cgroup_release
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/read_words_and_usage
type: syscall
flags: sleepable
desc: the mask's first word and refcount read
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 + 0)
    r1 = *(u32 *)(r6 + 32)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/read_past_struct
type: syscall
flags: sleepable
desc: a read past struct bpf_cpumask
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 + 40)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/write_word
type: syscall
flags: sleepable
desc: a store into the mask
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    *(u64 *)(r6 + 0) = r1
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/populate_stack
type: syscall
flags: sleepable
desc: populate from 8 initialised stack bytes
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = -1
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -8
    r3 = 8
    call kfunc(bpf_cpumask_populate)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/populate_bounded_size
type: syscall
flags: sleepable
desc: populate with a size known only to be at most 15, from 16 stack bytes
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    call bpf_get_prandom_u32
    r3 = r0
    r3 &= 15
    r1 = r6
    r2 = r10
    r2 += -16
    call kfunc(bpf_cpumask_populate)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/populate_size_too_big
type: syscall
flags: sleepable
desc: populate with a size past the stack buffer
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -8
    r3 = 16
    call kfunc(bpf_cpumask_populate)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/populate_unbounded_size
type: syscall
flags: sleepable
desc: populate with an unbounded size
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    call bpf_get_prandom_u32
    r3 = r0
    r1 = r6
    r2 = r10
    r2 += -8
    call kfunc(bpf_cpumask_populate)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/populate_uninit_stack
type: syscall
flags: sleepable
desc: populate from stack bytes never written
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r2 = r10
    r2 += -8
    r3 = 8
    call kfunc(bpf_cpumask_populate)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/populate_null_src
type: syscall
flags: sleepable
desc: populate from NULL
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r2 = 0
    r3 = 8
    call kfunc(bpf_cpumask_populate)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/populate_zero_size
type: syscall
flags: sleepable
desc: populate with size 0
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -8
    r3 = 0
    call kfunc(bpf_cpumask_populate)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/populate_scalar_src
type: syscall
flags: sleepable
desc: populate from a scalar address
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r2 = 4096
    r3 = 8
    call kfunc(bpf_cpumask_populate)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/populate_map_value
type: syscall
flags: sleepable
maps: m=array(4,16,1)
desc: populate from a map value
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r2 = map_value(m, 0) ll
    r3 = 16
    call kfunc(bpf_cpumask_populate)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/populate_map_value_past_end
type: syscall
flags: sleepable
maps: m=array(4,16,1)
desc: populate from a map value, 8 bytes past its end
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r2 = map_value(m, 8) ll
    r3 = 16
    call kfunc(bpf_cpumask_populate)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/task_cpus_ptr_query
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: task->cpus_ptr, an RCU struct cpumask, given to the KF_RCU queries
    call bpf_get_current_task_btf
    r7 = *(u64 *)(r0 + offsetof(task_struct, cpus_ptr))
    r1 = r7
    call kfunc(bpf_cpumask_weight)
    r1 = 0
    r2 = r7
    call kfunc(bpf_cpumask_test_cpu)
    r1 = r7
    r2 = r7
    call kfunc(bpf_cpumask_equal)
    r0 = 0
    exit

=== selftests_cpumask/task_cpus_ptr_set_cpu
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: task->cpus_ptr cast to a bpf_cpumask and changed
    call bpf_get_current_task_btf
    r7 = *(u64 *)(r0 + offsetof(task_struct, cpus_ptr))
    r1 = 0
    r2 = r7
    call kfunc(bpf_cpumask_set_cpu)
    r0 = 0
    exit

=== selftests_cpumask/task_cpus_ptr_acquire
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: task->cpus_ptr cast to a bpf_cpumask and acquired
    call bpf_get_current_task_btf
    r7 = *(u64 *)(r0 + offsetof(task_struct, cpus_ptr))
    r1 = r7
    call kfunc(bpf_cpumask_acquire)
    r0 = 0
    exit

=== selftests_cpumask/task_cpus_ptr_release
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: task->cpus_ptr released
    call bpf_get_current_task_btf
    r7 = *(u64 *)(r0 + offsetof(task_struct, cpus_ptr))
    r1 = r7
    call kfunc(bpf_cpumask_release)
    r0 = 0
    exit

=== selftests_cpumask/task_cpus_ptr_copy
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: task->cpus_ptr copied into a created mask
    call bpf_get_current_task_btf
    r7 = *(u64 *)(r0 + offsetof(task_struct, cpus_ptr))
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r2 = r7
    call kfunc(bpf_cpumask_copy)
    r1 = r6
    r2 = r7
    r3 = r6
    call kfunc(bpf_cpumask_and)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/task_cpus_ptr_populate
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: task->cpus_ptr (a struct cpumask *) populated
    call bpf_get_current_task_btf
    r7 = *(u64 *)(r0 + offsetof(task_struct, cpus_ptr))
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r7
    r2 = r10
    r2 += -8
    r3 = 8
    call kfunc(bpf_cpumask_populate)
    r0 = 0
    exit

=== selftests_cpumask/task_cpus_mask_member
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: &task->cpus_mask, a trusted struct cpumask inside the task, queried
    call bpf_get_current_task_btf
    r1 = r0
    r1 += offsetof(task_struct, cpus_mask)
    call kfunc(bpf_cpumask_weight)
    r0 = 0
    exit

=== selftests_cpumask/task_itself_as_mask
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: the task itself given as a cpumask
    call bpf_get_current_task_btf
    r1 = r0
    call kfunc(bpf_cpumask_weight)
    r0 = 0
    exit

=== selftests_cpumask/tracing_create_release
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: a tp_btf program creates and releases a mask
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    call kfunc(bpf_cpumask_setall)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/weight_xdp
type: xdp
desc: bpf_cpumask_weight in a xdp program: not in its kfunc sets
    r1 = 0
    call kfunc(bpf_cpumask_weight)
    r0 = 2
    exit

=== selftests_cpumask/weight_sched_cls
type: sched_cls
desc: bpf_cpumask_weight in a sched_cls program: not in its kfunc sets
    r1 = 0
    call kfunc(bpf_cpumask_weight)
    r0 = 0
    exit

=== selftests_cpumask/weight_raw_tracepoint
type: raw_tracepoint
desc: bpf_cpumask_weight in a raw_tracepoint program: not in its kfunc sets
    r1 = 0
    call kfunc(bpf_cpumask_weight)
    r0 = 0
    exit

=== selftests_cpumask/weight_kprobe
type: kprobe
desc: bpf_cpumask_weight in a kprobe program: not in its kfunc sets
    r1 = 0
    call kfunc(bpf_cpumask_weight)
    r0 = 0
    exit

=== selftests_cpumask/weight_socket_filter
type: socket_filter
desc: bpf_cpumask_weight in a socket_filter program: not in its kfunc sets
    r1 = 0
    call kfunc(bpf_cpumask_weight)
    r0 = 0
    exit

=== selftests_cpumask/struct_ops_create_release
type: struct_ops
attach: 1
attach_btf: tcp_congestion_ops
desc: a tcp_congestion_ops cong_avoid creates, fills and releases a mask
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    call kfunc(bpf_cpumask_setall)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_cpumask/mem_release_stack
type: syscall
flags: sleepable
desc: 40 stack bytes given to bpf_cpumask_release: memory is never trusted
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = r10
    r1 += -40
    call kfunc(bpf_cpumask_release)
    r0 = 0
    exit

=== selftests_cpumask/mem_acquire_scalar
type: syscall
flags: sleepable
desc: a scalar given to bpf_cpumask_acquire (KF_TRUSTED_ARGS)
    r1 = 4096
    call kfunc(bpf_cpumask_acquire)
    r0 = 0
    exit

=== selftests_cpumask/mem_setall_stack
type: syscall
flags: sleepable
desc: 40 stack bytes given to bpf_cpumask_setall: a struct of scalars taken as memory
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = r10
    r1 += -40
    call kfunc(bpf_cpumask_setall)
    r0 = 0
    exit

=== selftests_cpumask/mem_weight_stack32
type: syscall
flags: sleepable
desc: 32 stack bytes given to bpf_cpumask_weight as a struct cpumask
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    r1 = r10
    r1 += -32
    call kfunc(bpf_cpumask_weight)
    r0 = 0
    exit

=== selftests_cpumask/mem_weight_ctx
type: syscall
flags: sleepable
desc: the syscall ctx given to bpf_cpumask_weight as memory
    call kfunc(bpf_cpumask_weight)
    r0 = 0
    exit

=== selftests_cpumask/mem_populate_stack_mask
type: syscall
flags: sleepable
desc: 32 stack bytes given to bpf_cpumask_populate, whose mask is a 40-byte bpf_cpumask
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    r1 = r10
    r1 += -32
    r2 = r10
    r2 += -8
    r3 = 8
    call kfunc(bpf_cpumask_populate)
    r0 = 0
    exit
