# Theme: interrupt-disabled regions (kfuncs bpf_local_irq_save / bpf_local_irq_restore of kernel/
# bpf/helpers.c's common set) as the kernel's irq selftest probes them, written afresh: the flag
# slot on the stack (uninitialised for save, a saved flag for restore, not overwritten while held),
# restores in the reverse order of the saves, no exit or sleeping call inside the region, and the
# region carried across subprogram calls.

=== selftests_irq/save_restore
type: socket_filter
desc: a save and its restore
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/nested_in_order
type: socket_filter
desc: two saves restored in reverse order
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -16
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -16
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/nested_out_of_order
type: socket_filter
desc: two saves restored in the order they were made
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -16
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -16
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/exit_inside
type: socket_filter
desc: an exit with interrupts disabled
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r0 = 0
    exit

=== selftests_irq/restore_unsaved
type: socket_filter
desc: a restore of a flag never saved
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/restore_twice
type: socket_filter
desc: a flag restored twice
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/save_twice_same_slot
type: socket_filter
desc: a second save into a held flag
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/overwrite_flag
type: socket_filter
desc: the held flag overwritten by a store
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/read_flag
type: socket_filter
desc: the held flag read
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r2 = *(u64 *)(r10 - 8)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/misaligned_flag
type: socket_filter
desc: the flag at fp-12
    r1 = r10
    r1 += -12
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -12
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/flag_in_map
type: socket_filter
maps: a=array(4,8,1)
desc: the flag in a map value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_local_irq_save)
out:
    r0 = 0
    exit

=== selftests_irq/helper_inside
type: socket_filter
desc: a plain helper inside the region
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    call bpf_get_prandom_u32
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/sleepable_helper_inside
type: syscall
flags: sleepable
desc: a sleepable helper inside the region of a sleepable program
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -32
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/sleepable_outside
type: syscall
flags: sleepable
desc: a sleepable helper after the region
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -32
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_irq/subprog_inside
type: socket_filter
desc: a static subprogram called inside the region
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    call f
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_irq/subprog_saves
type: socket_filter
desc: a subprogram saves into its caller's slot, the caller restores
    r1 = r10
    r1 += -8
    call f
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit
f:
    call kfunc(bpf_local_irq_save)
    r0 = 0
    exit

=== selftests_irq/subprog_restores
type: socket_filter
desc: the caller saves, a subprogram restores through a pointer
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call f
    r0 = 0
    exit
f:
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/global_inside
type: socket_filter
btf: global_subprogs
desc: a global function called inside the region
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = 0
    call f
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_irq/tail_call_inside
type: socket_filter
maps: pa=prog_array(4,4,2)
desc: a tail call inside the region
    r6 = r1
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r6
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/branch_unbalanced
type: socket_filter
desc: a restore on one branch only
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    call bpf_get_prandom_u32
    if r0 == 0 goto skip
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit
skip:
    r0 = 1
    exit

=== selftests_irq/branch_balanced
type: socket_filter
desc: a restore on each branch
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    call bpf_get_prandom_u32
    if r0 == 0 goto other
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit
other:
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 1
    exit

=== selftests_irq/with_preempt
type: socket_filter
desc: interrupts saved inside a preempt-disabled region
    call kfunc(bpf_preempt_disable)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== selftests_irq/preempt_crossing
type: socket_filter
desc: preemption enabled again inside the interrupt region
    call kfunc(bpf_preempt_disable)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    call kfunc(bpf_preempt_enable)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/rcu_inside
type: socket_filter
desc: an RCU read section inside the region
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    call kfunc(bpf_rcu_read_lock)
    call kfunc(bpf_rcu_read_unlock)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/in_loop
type: socket_filter
desc: a save and restore in each round of a bounded loop
    r6 = 0
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r6 += 1
    if r6 < 4 goto loop
    r0 = 0
    exit

=== selftests_irq/spin_lock_inside
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: a spin lock taken and released inside the region
    r1 = 0
    *(u32 *)(r10 - 20) = r1
    r2 = r10
    r2 += -20
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r6
    r1 += 4
    call bpf_spin_lock
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
out:
    r0 = 0
    exit
