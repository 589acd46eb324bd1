# Theme: trusted and referenced kernel pointers handed to the task and cgroup kfuncs, on the themes of
# the kernel's selftests progs/task_kfunc_failure.c, cgrp_kfunc_failure.c, nested_trust_failure.c,
# rcu_read_lock.c and cb_refs.c (written afresh; fentry/LSM cases rewritten for tp_btf programs,
# task_newtask and cgroup_mkdir, whose pointer arguments are trusted): acquire/release pairing,
# NULL checks, pointers that are untrusted (walked), moved or of another type, references across
# static subprograms and across callbacks (bpf_loop, bpf_for_each_map_elem).

=== selftests_trusted_args/task_acquire_release
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: the tracepoint's trusted task acquired, checked and released
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/task_acquire_leak
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: the acquired task is never released
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_acquire)
    r0 = 0
    exit

=== selftests_trusted_args/task_acquire_leak_on_one_path
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: the acquired task is released on one path only
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    if r0 > 7 goto out
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/task_release_unacquired
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: releasing the tracepoint's own task, which holds no reference
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_release)
    r0 = 0
    exit

=== selftests_trusted_args/task_release_unchecked
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: the acquired task released without the NULL check
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_acquire)
    r1 = r0
    call kfunc(bpf_task_release)
    r0 = 0
    exit

=== selftests_trusted_args/task_acquire_stack
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: a stack pointer handed to bpf_task_acquire
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    call kfunc(bpf_task_acquire)
    r0 = 0
    exit

=== selftests_trusted_args/task_acquire_null
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: NULL handed to bpf_task_acquire
    r1 = 0
    call kfunc(bpf_task_acquire)
    r0 = 0
    exit

=== selftests_trusted_args/task_acquire_scalar
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: a scalar handed to bpf_task_acquire
    call bpf_get_prandom_u32
    r1 = r0
    call kfunc(bpf_task_acquire)
    r0 = 0
    exit

=== selftests_trusted_args/task_acquire_moved
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: the task pointer moved by 8 bytes before bpf_task_acquire
    r1 = *(u64 *)(r1 + 0)
    r1 += 8
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/task_acquire_untrusted_walk
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: a task read from a member that is neither trusted nor RCU (last_wakee): untrusted
    r1 = *(u64 *)(r1 + 0)
    r1 = *(u64 *)(r1 + offsetof(task_struct, last_wakee))
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/task_acquire_rcu_walk
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: real_parent is an RCU pointer: acquired after the NULL check in a non-sleepable program
    r1 = *(u64 *)(r1 + 0)
    r1 = *(u64 *)(r1 + offsetof(task_struct, real_parent))
    if r1 == 0 goto out
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/task_release_twice
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: the acquired task released twice through two copies
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r6 = r0
    r7 = r0
    r1 = r6
    call kfunc(bpf_task_release)
    r1 = r7
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/task_read_after_release
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: a field of the acquired task read after its release
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_task_release)
    r0 = *(u32 *)(r6 + offsetof(task_struct, pid))
out:
    r0 = 0
    exit

=== selftests_trusted_args/task_acquired_write
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: a store into the acquired task
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u32 *)(r6 + offsetof(task_struct, pid)) = r1
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/task_spilled_then_released
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: the acquired task spilled to the stack, filled and released
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    *(u64 *)(r10 - 8) = r0
    r0 = 0
    r1 = *(u64 *)(r10 - 8)
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/task_spill_overwritten
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: the only copy of the acquired task is a spill, then overwritten: leaked
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    *(u64 *)(r10 - 8) = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
out:
    r0 = 0
    exit

=== selftests_trusted_args/task_from_pid_unchecked
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: bpf_task_from_pid's result may be NULL: released without the check
    r1 = 1
    call kfunc(bpf_task_from_pid)
    r1 = r0
    call kfunc(bpf_task_release)
    r0 = 0
    exit

=== selftests_trusted_args/task_from_pid_checked
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: bpf_task_from_pid's result checked and released
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/task_from_pid_read_unchecked
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: a field of bpf_task_from_pid's result read without the NULL check
    r1 = 1
    call kfunc(bpf_task_from_pid)
    r6 = r0
    r0 = *(u32 *)(r6 + offsetof(task_struct, pid))
    r0 = 0
    exit

=== selftests_trusted_args/task_as_cgroup
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: a task handed to bpf_cgroup_acquire
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_cgroup_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/task_released_as_cgroup
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: an acquired task handed to bpf_cgroup_release
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/subprog_returns_acquired
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
btf: func_info
desc: a static subprogram acquires the task and returns it; the caller releases
    r1 = *(u64 *)(r1 + 0)
    call get
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit
get:
    call kfunc(bpf_task_acquire)
    exit

=== selftests_trusted_args/subprog_releases_callers
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
btf: func_info
desc: a static subprogram releases the task its caller acquired
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call put
out:
    r0 = 0
    exit
put:
    call kfunc(bpf_task_release)
    r0 = 0
    exit

=== selftests_trusted_args/subprog_releases_then_caller_reads
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
btf: func_info
desc: a static subprogram releases the caller's task; the caller then reads it
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call put
    r0 = *(u32 *)(r6 + offsetof(task_struct, pid))
out:
    r0 = 0
    exit
put:
    call kfunc(bpf_task_release)
    r0 = 0
    exit

=== selftests_trusted_args/cgrp_acquire_release
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_cgroup_mkdir
desc: the tracepoint's trusted cgroup acquired, checked and released
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_cgroup_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/cgrp_acquire_leak
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_cgroup_mkdir
desc: the acquired cgroup is never released
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_cgroup_acquire)
    r0 = 0
    exit

=== selftests_trusted_args/cgrp_release_unacquired
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_cgroup_mkdir
desc: releasing the tracepoint's own cgroup
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_cgroup_release)
    r0 = 0
    exit

=== selftests_trusted_args/cgrp_from_id_unchecked
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_cgroup_mkdir
desc: bpf_cgroup_from_id's result released without the NULL check
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    r1 = r0
    call kfunc(bpf_cgroup_release)
    r0 = 0
    exit

=== selftests_trusted_args/cgrp_from_id_checked
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_cgroup_mkdir
desc: bpf_cgroup_from_id's result checked and released
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/cgrp_css_as_cgroup
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_cgroup_mkdir
desc: the cgroup's self.parent (a cgroup_subsys_state) handed to bpf_cgroup_acquire
    r1 = *(u64 *)(r1 + 0)
    r1 = *(u64 *)(r1 + offsetof(cgroup, self.parent))
    if r1 == 0 goto out
    call kfunc(bpf_cgroup_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/cgrp_acquire_path_arg
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_cgroup_mkdir
desc: the tracepoint's second argument (a char pointer) handed to bpf_cgroup_acquire
    r1 = *(u64 *)(r1 + 8)
    call kfunc(bpf_cgroup_acquire)
    r0 = 0
    exit

=== selftests_trusted_args/cgrp_dfl_of_task
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: current->cgroups->dfl_cgrp acquired in a non-sleepable program (RCU walk)
    r1 = *(u64 *)(r1 + 0)
    r1 = *(u64 *)(r1 + offsetof(task_struct, cgroups))
    if r1 == 0 goto out
    r1 = *(u64 *)(r1 + offsetof(css_set, dfl_cgrp))
    if r1 == 0 goto out
    call kfunc(bpf_cgroup_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/cgrp_dfl_no_null_check
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: current->cgroups->dfl_cgrp acquired without NULL checks of the RCU pointers
    r1 = *(u64 *)(r1 + 0)
    r1 = *(u64 *)(r1 + offsetof(task_struct, cgroups))
    r1 = *(u64 *)(r1 + offsetof(css_set, dfl_cgrp))
    call kfunc(bpf_cgroup_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_trusted_args/cb_releases_callers_task
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
btf: func_info
desc: a bpf_loop callback releases a task its caller acquired and spilled
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    *(u64 *)(r10 - 8) = r0
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
out:
    r0 = 0
    exit
cb:
    r1 = *(u64 *)(r2 + 0)
    call kfunc(bpf_task_release)
    r0 = 0
    exit

=== selftests_trusted_args/cb_acquires_and_releases
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
btf: func_info
desc: a bpf_loop callback acquires and releases its own task
    r1 = 3
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto done
    r1 = r0
    call kfunc(bpf_task_release)
done:
    r0 = 0
    exit

=== selftests_trusted_args/cb_acquires_and_leaks
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
btf: func_info
desc: a bpf_loop callback acquires a task and returns holding it
    r1 = 3
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = 1
    call kfunc(bpf_task_from_pid)
    r0 = 0
    exit

=== selftests_trusted_args/cb_acquires_into_callers_stack
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
btf: func_info
desc: a bpf_loop callback acquires a task and stores it in the caller's stack
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r1 = *(u64 *)(r10 - 8)
    if r1 == 0 goto out
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit
cb:
    r6 = r2
    r1 = 1
    call kfunc(bpf_task_from_pid)
    *(u64 *)(r6 + 0) = r0
    r0 = 0
    exit

=== selftests_trusted_args/cb_ringbuf_record_of_caller
type: sched_cls
btf: func_info
maps: rb=ringbuf(0,0,4096)
desc: a bpf_loop callback submits the ring-buffer record its caller reserved
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    *(u64 *)(r10 - 8) = r0
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
out:
    r0 = 0
    exit
cb:
    r1 = *(u64 *)(r2 + 0)
    r2 = 0
    call bpf_ringbuf_submit
    r0 = 0
    exit

=== selftests_trusted_args/cb_ringbuf_own_record
type: sched_cls
btf: func_info
maps: rb=ringbuf(0,0,4096)
desc: a bpf_loop callback reserves and submits its own record
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto done
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
done:
    r0 = 0
    exit

=== selftests_trusted_args/cb_for_each_releases_callers
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
btf: func_info
maps: m=array(4,8,2)
desc: a bpf_for_each_map_elem callback releases the caller's task through ctx
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    *(u64 *)(r10 - 8) = r0
    r1 = map_fd(m) ll
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_for_each_map_elem
out:
    r0 = 0
    exit
cb:
    r1 = *(u64 *)(r4 + 0)
    call kfunc(bpf_task_release)
    r0 = 0
    exit
