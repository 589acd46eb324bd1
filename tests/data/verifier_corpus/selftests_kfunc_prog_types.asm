# Theme: which program types may call which kfuncs, as the kernel's verifier_kfunc_prog_types
# selftests probe it, written afresh for the program types the corpus loads: the task and cgroup
# kfuncs (kernel/bpf/helpers.c's generic set: XDP, tc, syscall ... but not raw tracepoints or
# socket filters) and the cpumask kfuncs (kernel/bpf/cpumask.c: syscall, tracing, LSM, struct_ops),
# each family looked up or created, acquired and released; elsewhere "calling kernel function %s
# is not allowed".  Then the references they hand out: leaked, released unchecked, twice, or to
# the wrong kind of object.

=== selftests_kfunc_prog_types/task_raw_tracepoint
type: raw_tracepoint
desc: the task lookup, acquire and release kfuncs in a raw tracepoint program
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto release
    r1 = r0
    call kfunc(bpf_task_release)
release:
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_kfunc_prog_types/task_syscall
type: syscall
flags: sleepable
desc: the task lookup, acquire and release kfuncs in a syscall program
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto release
    r1 = r0
    call kfunc(bpf_task_release)
release:
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_kfunc_prog_types/task_xdp
type: xdp
desc: the task lookup, acquire and release kfuncs in a xdp program
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto release
    r1 = r0
    call kfunc(bpf_task_release)
release:
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 2
    exit

=== selftests_kfunc_prog_types/task_sched_cls
type: sched_cls
desc: the task lookup, acquire and release kfuncs in a sched cls program
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto release
    r1 = r0
    call kfunc(bpf_task_release)
release:
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_kfunc_prog_types/task_socket_filter
type: socket_filter
desc: the task lookup, acquire and release kfuncs in a socket filter program
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto release
    r1 = r0
    call kfunc(bpf_task_release)
release:
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_kfunc_prog_types/cgroup_raw_tracepoint
type: raw_tracepoint
desc: the cgroup lookup, acquire and release kfuncs in a raw tracepoint program
    r1 = 0
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_cgroup_acquire)
    if r0 == 0 goto release
    r1 = r0
    call kfunc(bpf_cgroup_release)
release:
    r1 = r6
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_kfunc_prog_types/cgroup_syscall
type: syscall
flags: sleepable
desc: the cgroup lookup, acquire and release kfuncs in a syscall program
    r1 = 0
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_cgroup_acquire)
    if r0 == 0 goto release
    r1 = r0
    call kfunc(bpf_cgroup_release)
release:
    r1 = r6
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_kfunc_prog_types/cgroup_xdp
type: xdp
desc: the cgroup lookup, acquire and release kfuncs in a xdp program
    r1 = 0
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_cgroup_acquire)
    if r0 == 0 goto release
    r1 = r0
    call kfunc(bpf_cgroup_release)
release:
    r1 = r6
    call kfunc(bpf_cgroup_release)
out:
    r0 = 2
    exit

=== selftests_kfunc_prog_types/cgroup_sched_cls
type: sched_cls
desc: the cgroup lookup, acquire and release kfuncs in a sched cls program
    r1 = 0
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_cgroup_acquire)
    if r0 == 0 goto release
    r1 = r0
    call kfunc(bpf_cgroup_release)
release:
    r1 = r6
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_kfunc_prog_types/cgroup_socket_filter
type: socket_filter
desc: the cgroup lookup, acquire and release kfuncs in a socket filter program
    r1 = 0
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_cgroup_acquire)
    if r0 == 0 goto release
    r1 = r0
    call kfunc(bpf_cgroup_release)
release:
    r1 = r6
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_kfunc_prog_types/cpumask_raw_tracepoint
type: raw_tracepoint
desc: the cpumask create, acquire and release kfuncs in a raw tracepoint program
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_cpumask_acquire)
    r1 = r0
    call kfunc(bpf_cpumask_release)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_kfunc_prog_types/cpumask_syscall
type: syscall
flags: sleepable
desc: the cpumask create, acquire and release kfuncs in a syscall program
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_cpumask_acquire)
    r1 = r0
    call kfunc(bpf_cpumask_release)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_kfunc_prog_types/cpumask_xdp
type: xdp
desc: the cpumask create, acquire and release kfuncs in a xdp program
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_cpumask_acquire)
    r1 = r0
    call kfunc(bpf_cpumask_release)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 2
    exit

=== selftests_kfunc_prog_types/cpumask_sched_cls
type: sched_cls
desc: the cpumask create, acquire and release kfuncs in a sched cls program
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_cpumask_acquire)
    r1 = r0
    call kfunc(bpf_cpumask_release)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_kfunc_prog_types/cpumask_socket_filter
type: socket_filter
desc: the cpumask create, acquire and release kfuncs in a socket filter program
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_cpumask_acquire)
    r1 = r0
    call kfunc(bpf_cpumask_release)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== selftests_kfunc_prog_types/task_leak_syscall
type: syscall
flags: sleepable
desc: a task from bpf_task_from_pid never released
    r1 = 1
    call kfunc(bpf_task_from_pid)
    r0 = 0
    exit

=== selftests_kfunc_prog_types/task_release_unchecked_syscall
type: syscall
flags: sleepable
desc: bpf_task_release of bpf_task_from_pid's result before its NULL check
    r1 = 1
    call kfunc(bpf_task_from_pid)
    r1 = r0
    call kfunc(bpf_task_release)
    r0 = 0
    exit

=== selftests_kfunc_prog_types/cgroup_release_twice_syscall
type: syscall
flags: sleepable
desc: one cgroup released twice
    r1 = 0
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_cgroup_release)
    r1 = r6
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_kfunc_prog_types/cpumask_release_task_syscall
type: syscall
flags: sleepable
desc: a task handed to bpf_cpumask_release
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit
