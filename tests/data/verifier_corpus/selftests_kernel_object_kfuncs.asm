# Theme: kfuncs on kernel objects (kernel/bpf/helpers.c's generic and common sets, kernel/bpf/map_iter.c,
# fs/bpf_fs_kfuncs.c), written afresh: bpf_task_from_vpid, bpf_task_under_cgroup, bpf_cgroup_ancestor,
# bpf_task_get_cgroup1, bpf_send_signal_task, bpf_map_sum_elem_count (a map pointer as a struct
# bpf_map), bpf_get_kmem_cache (an untrusted result) and the LSM-only file kfuncs: the program types
# that may call them, references, RCU and trusted arguments.

=== selftests_kernel_object_kfuncs/task_from_vpid_syscall
type: syscall
flags: sleepable
desc: bpf_task_from_vpid looked up and released
    r1 = 1
    call kfunc(bpf_task_from_vpid)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/task_from_vpid_tp_btf
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: bpf_task_from_vpid in a tp_btf program
    r1 = 1
    call kfunc(bpf_task_from_vpid)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/task_from_vpid_xdp
type: xdp
desc: bpf_task_from_vpid in XDP (generic set)
    r1 = 1
    call kfunc(bpf_task_from_vpid)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/task_from_vpid_socket_filter
type: socket_filter
desc: bpf_task_from_vpid in a socket filter: not in its sets
    r1 = 1
    call kfunc(bpf_task_from_vpid)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/task_from_vpid_raw_tracepoint
type: raw_tracepoint
desc: bpf_task_from_vpid in a raw tracepoint: not in its sets
    r1 = 1
    call kfunc(bpf_task_from_vpid)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/task_from_vpid_leak
type: syscall
flags: sleepable
desc: the task bpf_task_from_vpid found never released
    r1 = 1
    call kfunc(bpf_task_from_vpid)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/task_from_vpid_pointer_arg
type: syscall
flags: sleepable
desc: a pointer as the vpid
    r1 = r10
    call kfunc(bpf_task_from_vpid)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/task_under_cgroup_current
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: the current task under a cgroup from bpf_cgroup_from_id
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r7 = r0
    call bpf_get_current_task_btf
    r1 = r0
    r2 = r7
    call kfunc(bpf_task_under_cgroup)
    r1 = r7
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/task_under_cgroup_rcu_cgroup
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: task->cgroups->dfl_cgrp (RCU) as the ancestor: KF_RCU
    call bpf_get_current_task_btf
    r6 = r0
    r2 = *(u64 *)(r0 + offsetof(task_struct, cgroups))
    r2 = *(u64 *)(r2 + offsetof(css_set, dfl_cgrp))
    r1 = r6
    call kfunc(bpf_task_under_cgroup)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/task_under_cgroup_syscall
type: syscall
flags: sleepable
desc: bpf_task_under_cgroup in a syscall program with the current task
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r7 = r0
    call bpf_get_current_task_btf
    r1 = r0
    r2 = r7
    call kfunc(bpf_task_under_cgroup)
    r1 = r7
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/task_under_cgroup_swapped
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: the cgroup and the task swapped
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r7 = r0
    call bpf_get_current_task_btf
    r2 = r0
    r1 = r7
    call kfunc(bpf_task_under_cgroup)
    r1 = r7
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/task_under_cgroup_null_cgroup
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: a NULL cgroup
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 0
    call kfunc(bpf_task_under_cgroup)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/cgroup_ancestor_release
type: syscall
flags: sleepable
desc: the root ancestor of a cgroup, both released
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 0
    call kfunc(bpf_cgroup_ancestor)
    if r0 == 0 goto release
    r1 = r0
    call kfunc(bpf_cgroup_release)
release:
    r1 = r7
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/cgroup_ancestor_leak
type: syscall
flags: sleepable
desc: the ancestor never released
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 0
    call kfunc(bpf_cgroup_ancestor)
    r1 = r7
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/cgroup_ancestor_unchecked_arg
type: syscall
flags: sleepable
desc: bpf_cgroup_from_id's result given before its NULL check
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    r7 = r0
    r1 = r0
    r2 = 0
    call kfunc(bpf_cgroup_ancestor)
    r1 = r7
    call kfunc(bpf_cgroup_release)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/cgroup_ancestor_rcu
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: an RCU cgroup (task->cgroups->dfl_cgrp) given to bpf_cgroup_ancestor
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, cgroups))
    r1 = *(u64 *)(r1 + offsetof(css_set, dfl_cgrp))
    r2 = 1
    call kfunc(bpf_cgroup_ancestor)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/cgroup_ancestor_task
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: a task given to bpf_cgroup_ancestor
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 0
    call kfunc(bpf_cgroup_ancestor)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/task_get_cgroup1
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: bpf_task_get_cgroup1 of the current task, released
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 1
    call kfunc(bpf_task_get_cgroup1)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/task_get_cgroup1_unchecked
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: bpf_task_get_cgroup1's result released without its NULL check
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 1
    call kfunc(bpf_task_get_cgroup1)
    r1 = r0
    call kfunc(bpf_cgroup_release)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/send_signal_task_current
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: bpf_send_signal_task to the current task
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 0
    r3 = 0
    r4 = 0
    call kfunc(bpf_send_signal_task)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/send_signal_task_syscall
type: syscall
flags: sleepable
desc: bpf_send_signal_task in a syscall program
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 0
    r3 = 1
    r4 = 7
    call kfunc(bpf_send_signal_task)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/send_signal_task_rcu_parent
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: an RCU task (real_parent) given to bpf_send_signal_task (KF_TRUSTED_ARGS)
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    r2 = 0
    r3 = 0
    r4 = 0
    call kfunc(bpf_send_signal_task)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/send_signal_task_pointer_sig
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: a pointer as the signal
    call bpf_get_current_task_btf
    r1 = r0
    r2 = r10
    r3 = 0
    r4 = 0
    call kfunc(bpf_send_signal_task)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/send_signal_task_looked_up
type: syscall
flags: sleepable
desc: a task bpf_task_from_pid found, signalled, released
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    r2 = 0
    r3 = 0
    r4 = 0
    call kfunc(bpf_send_signal_task)
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/map_sum_elem_count_syscall
type: syscall
flags: sleepable
maps: m=hash(4,8,16)
desc: bpf_map_sum_elem_count of a hash map in a syscall program (every type)
    r1 = map_fd(m) ll
    call kfunc(bpf_map_sum_elem_count)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/map_sum_elem_count_xdp
type: xdp
maps: m=hash(4,8,16)
desc: bpf_map_sum_elem_count of a hash map in a xdp program (every type)
    r1 = map_fd(m) ll
    call kfunc(bpf_map_sum_elem_count)
    r0 = 2
    exit

=== selftests_kernel_object_kfuncs/map_sum_elem_count_socket_filter
type: socket_filter
maps: m=hash(4,8,16)
desc: bpf_map_sum_elem_count of a hash map in a socket_filter program (every type)
    r1 = map_fd(m) ll
    call kfunc(bpf_map_sum_elem_count)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/map_sum_elem_count_raw_tracepoint
type: raw_tracepoint
maps: m=hash(4,8,16)
desc: bpf_map_sum_elem_count of a hash map in a raw_tracepoint program (every type)
    r1 = map_fd(m) ll
    call kfunc(bpf_map_sum_elem_count)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/map_sum_elem_count_kprobe
type: kprobe
maps: m=hash(4,8,16)
desc: bpf_map_sum_elem_count of a hash map in a kprobe program (every type)
    r1 = map_fd(m) ll
    call kfunc(bpf_map_sum_elem_count)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/map_sum_elem_count_value
type: syscall
flags: sleepable
maps: m=array(4,8,1)
desc: a map value given as the map
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_map_sum_elem_count)
out:
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/map_sum_elem_count_null
type: syscall
flags: sleepable
desc: NULL as the map
    r1 = 0
    call kfunc(bpf_map_sum_elem_count)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/map_sum_elem_count_task
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: a task as the map
    call bpf_get_current_task_btf
    r1 = r0
    call kfunc(bpf_map_sum_elem_count)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/map_to_task_release
type: syscall
flags: sleepable
maps: m=hash(4,8,16)
desc: a map pointer given to bpf_task_release
    r1 = map_fd(m) ll
    call kfunc(bpf_task_release)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/get_kmem_cache_read
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: bpf_get_kmem_cache's untrusted result read
    call bpf_get_current_task_btf
    r1 = r0
    call kfunc(bpf_get_kmem_cache)
    r0 = *(u32 *)(r0 + 0)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/get_kmem_cache_to_kfunc
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: bpf_get_kmem_cache's untrusted result given to a trusted kfunc
    r1 = 0
    call kfunc(bpf_get_kmem_cache)
    r1 = r0
    call kfunc(bpf_task_release)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/get_kmem_cache_xdp
type: xdp
desc: bpf_get_kmem_cache in XDP (common set)
    r1 = 0
    call kfunc(bpf_get_kmem_cache)
    r0 = 2
    exit

=== selftests_kernel_object_kfuncs/get_task_exe_file_tp_btf
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: bpf_get_task_exe_file outside LSM programs (fs/bpf_fs_kfuncs.c: LSM only)
    r1 = 0
    call kfunc(bpf_get_task_exe_file)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/put_file_tp_btf
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: bpf_put_file outside LSM programs (fs/bpf_fs_kfuncs.c: LSM only)
    r1 = 0
    call kfunc(bpf_put_file)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/path_d_path_tp_btf
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: bpf_path_d_path outside LSM programs (fs/bpf_fs_kfuncs.c: LSM only)
    r1 = 0
    call kfunc(bpf_path_d_path)
    r0 = 0
    exit

=== selftests_kernel_object_kfuncs/get_kmem_cache_result_read
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: bpf_get_kmem_cache's untrusted (never NULL-marked) result read through
    r1 = 4096
    call kfunc(bpf_get_kmem_cache)
    r0 = *(u32 *)(r0 + 0)
    r0 = 0
    exit
