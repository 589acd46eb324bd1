# Theme: regions (RCU read sections, preemption disabled, spin locks) across frames, on the themes
# of the kernel's selftests progs/rcu_read_lock.c, preempt_lock.c, verifier_spin_lock.c and
# cb_refs.c (written afresh; selftests_kfunc_regions has the one-frame cases): regions opened or
# closed in bpf_loop callbacks, static and global subprograms, sleepable helpers reached through
# them, and calls made while a lock is held.

=== selftests_region_frames/rcu_open_in_callback
type: raw_tracepoint
btf: func_info
desc: a bpf_loop callback opens an RCU region and returns inside it
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit
cb:
    call kfunc(bpf_rcu_read_lock)
    r0 = 0
    exit

=== selftests_region_frames/rcu_closed_in_callback
type: raw_tracepoint
btf: func_info
desc: main opens an RCU region, the callback closes it
    call kfunc(bpf_rcu_read_lock)
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== selftests_region_frames/rcu_callback_inside_region
type: raw_tracepoint
btf: func_info
desc: bpf_loop called inside an RCU region; the callback opens and closes its own
    call kfunc(bpf_rcu_read_lock)
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit
cb:
    call kfunc(bpf_rcu_read_lock)
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== selftests_region_frames/preempt_disabled_in_callback
type: raw_tracepoint
btf: func_info
desc: a bpf_loop callback disables preemption and returns
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    call kfunc(bpf_preempt_enable)
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit
cb:
    call kfunc(bpf_preempt_disable)
    r0 = 0
    exit

=== selftests_region_frames/preempt_enabled_in_callback
type: raw_tracepoint
btf: func_info
desc: main disables preemption, the callback enables it
    call kfunc(bpf_preempt_disable)
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== selftests_region_frames/preempt_balanced_in_callback
type: raw_tracepoint
btf: func_info
desc: the callback disables and enables inside main's disabled region
    call kfunc(bpf_preempt_disable)
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit
cb:
    call kfunc(bpf_preempt_disable)
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== selftests_region_frames/rcu_open_in_static_subprog
type: raw_tracepoint
btf: func_info
desc: a static subprogram opens an RCU region; main closes it
    call sub
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit
sub:
    call kfunc(bpf_rcu_read_lock)
    r0 = 0
    exit

=== selftests_region_frames/rcu_global_inside_region
type: raw_tracepoint
btf: global_subprogs
desc: a global function called inside an RCU region
    call kfunc(bpf_rcu_read_lock)
    call f1
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit
f1:
    r0 = 0
    exit

=== selftests_region_frames/preempt_global_inside_region
type: raw_tracepoint
btf: global_subprogs
desc: a global function called with preemption disabled
    call kfunc(bpf_preempt_disable)
    call f1
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit
f1:
    r0 = 0
    exit

=== selftests_region_frames/rcu_open_in_global
type: raw_tracepoint
btf: global_subprogs
desc: a global function opens an RCU region and returns inside it
    call f1
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit
f1:
    call kfunc(bpf_rcu_read_lock)
    r0 = 0
    exit

=== selftests_region_frames/preempt_open_in_global
type: raw_tracepoint
btf: global_subprogs
desc: a global function disables preemption and returns
    call f1
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit
f1:
    call kfunc(bpf_preempt_disable)
    r0 = 0
    exit

=== selftests_region_frames/sleepable_helper_in_callback_in_rcu
type: syscall
flags: sleepable
btf: func_info
desc: a sleepable program: bpf_loop inside an RCU region, the callback calls bpf_copy_from_user
    call kfunc(bpf_rcu_read_lock)
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit
cb:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_region_frames/sleepable_helper_in_callback
type: syscall
flags: sleepable
btf: func_info
desc: a sleepable program's bpf_loop callback calls bpf_copy_from_user
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_region_frames/sleepable_helper_in_global_in_preempt
type: syscall
flags: sleepable
btf: global_subprogs
desc: a sleepable program calls a global function that calls bpf_copy_from_user, with preemption disabled
    call kfunc(bpf_preempt_disable)
    call f1
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit
f1:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_region_frames/sleepable_helper_in_global_in_rcu
type: syscall
flags: sleepable
btf: global_subprogs
desc: a sleepable program calls a global function that calls bpf_copy_from_user, inside an RCU region
    call kfunc(bpf_rcu_read_lock)
    call f1
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit
f1:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_region_frames/sleepable_helper_in_static_in_rcu
type: syscall
flags: sleepable
btf: func_info
desc: the same with a static subprogram
    call kfunc(bpf_rcu_read_lock)
    call sub
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit
sub:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_region_frames/rcu_unlock_in_global_of_callers_region
type: raw_tracepoint
btf: global_subprogs
desc: main opens an RCU region, a global function closes it
    call kfunc(bpf_rcu_read_lock)
    call f1
    r0 = 0
    exit
f1:
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== selftests_region_frames/lock_held_calls_loop
type: sched_cls
maps: m=array(4,16,1,spin_lock)
btf: func_info
desc: bpf_loop called while a spin lock is held
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 4
    call bpf_spin_lock
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== selftests_region_frames/lock_held_calls_static
type: sched_cls
maps: m=array(4,16,1,spin_lock)
btf: func_info
desc: a static subprogram called while a spin lock is held (it only computes)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 4
    call bpf_spin_lock
    r1 = 3
    call sub
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 0
    exit
sub:
    r0 = r1
    r0 += 1
    exit

=== selftests_region_frames/lock_released_in_static
type: sched_cls
maps: m=array(4,16,1,spin_lock)
btf: func_info
desc: main takes the lock, a static subprogram releases it
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 4
    call bpf_spin_lock
    r1 = r6
    call sub
out:
    r0 = 0
    exit
sub:
    r1 += 4
    call bpf_spin_unlock
    r0 = 0
    exit

=== selftests_region_frames/lock_taken_in_static
type: sched_cls
maps: m=array(4,16,1,spin_lock)
btf: func_info
desc: a static subprogram takes the lock and returns holding it; main releases
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    call sub
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 0
    exit
sub:
    r1 += 4
    call bpf_spin_lock
    r0 = 0
    exit

=== selftests_region_frames/lock_taken_in_callback
type: sched_cls
maps: m=array(4,16,1,spin_lock)
btf: func_info
desc: a bpf_loop callback takes the lock of a value reached through ctx and returns holding it
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r10 - 16) = r0
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_loop
out:
    r0 = 0
    exit
cb:
    r1 = *(u64 *)(r2 + 0)
    r1 += 4
    call bpf_spin_lock
    r0 = 0
    exit

=== selftests_region_frames/sleepable_helper_in_rcu
type: syscall
flags: sleepable
desc: a sleepable program calls bpf_copy_from_user inside an RCU region (one frame)
    call kfunc(bpf_rcu_read_lock)
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== selftests_region_frames/sleepable_helper_in_preempt
type: syscall
flags: sleepable
desc: a sleepable program calls bpf_copy_from_user with preemption disabled
    call kfunc(bpf_preempt_disable)
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== selftests_region_frames/sleepable_helper_after_rcu
type: syscall
flags: sleepable
desc: bpf_copy_from_user after the RCU region is closed
    call kfunc(bpf_rcu_read_lock)
    call kfunc(bpf_rcu_read_unlock)
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_region_frames/sleepable_helper_in_callback_in_preempt
type: syscall
flags: sleepable
btf: func_info
desc: bpf_loop with preemption disabled; its callback calls bpf_copy_from_user
    call kfunc(bpf_preempt_disable)
    r1 = 1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit
cb:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_region_frames/sleepable_global_after_rcu
type: syscall
flags: sleepable
btf: global_subprogs
desc: a global function that might sleep called after the RCU region is closed
    call kfunc(bpf_rcu_read_lock)
    call kfunc(bpf_rcu_read_unlock)
    call f1
    r0 = 0
    exit
f1:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit
