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

=== selftests_irq/subprog_saves_three
type: sched_cls
desc: a subprogram saves three flags through its caller's pointers, the caller restores them in reverse order
    r1 = r10
    r1 += -8
    r2 = r10
    r2 += -16
    r3 = r10
    r3 += -24
    call save3
    r1 = r10
    r1 += -24
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -16
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit
save3:
    r6 = r2
    r7 = r3
    call kfunc(bpf_local_irq_save)
    r1 = r6
    call kfunc(bpf_local_irq_save)
    r1 = r7
    call kfunc(bpf_local_irq_save)
    r0 = 0
    exit

=== selftests_irq/subprog_saves_three_restore_first
type: sched_cls
desc: the same, the caller restoring the first flag after the third: the second is still saved
    r1 = r10
    r1 += -8
    r2 = r10
    r2 += -16
    r3 = r10
    r3 += -24
    call save3
    r1 = r10
    r1 += -24
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -32
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -32
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit
save3:
    r6 = r2
    r7 = r3
    call kfunc(bpf_local_irq_save)
    r1 = r6
    call kfunc(bpf_local_irq_save)
    r1 = r7
    call kfunc(bpf_local_irq_save)
    r0 = 0
    exit

=== selftests_irq/subprog_own_flag_left
type: sched_cls
desc: a subprogram saves into its own frame and returns without restoring: the main program's exit is inside the region
    call f
    r0 = 0
    exit
f:
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r0 = 0
    exit

=== selftests_irq/subprog_nested_balanced
type: sched_cls
desc: nested regions in a subprogram called inside the caller's region, each closed where opened
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

=== selftests_irq/subprog_restores_outer
type: sched_cls
desc: a subprogram saves its own flag and restores the caller's, the outer region
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call f
    r0 = 0
    exit
f:
    r6 = r1
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r6
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/ooo_after_reopen
type: sched_cls
desc: save 1, save 2, restore 2, save 3, restore 1: the third region is the innermost
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
    r1 += -24
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -24
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/ooo_refs_kept_in_order
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a ring-buffer record released between the saves must not reorder the regions: restoring the middle one first is out of order
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 != 0 goto got
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit
got:
    r6 = r0
    r1 = r10
    r1 += -16
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -24
    call kfunc(bpf_local_irq_save)
    r1 = r6
    r2 = 0
    call bpf_ringbuf_discard
    r1 = r10
    r1 += -32
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -32
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -16
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -24
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/record_leaked_in_region
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: an exit inside the region that also holds a ring-buffer record: the leak is reported first
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    r0 = 0
    exit

=== selftests_irq/prune_same_save_both_branches
type: sched_cls
desc: each branch saves into the same slot, the paths join and restore once: the second path is pruned (ids map)
    call bpf_get_prandom_u32
    r6 = r0
    if r6 == 0 goto other
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    goto join
other:
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
join:
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/prune_other_slot
type: sched_cls
desc: the branches save into different slots, the join restores fp-8: wrong on one path
    call bpf_get_prandom_u32
    r6 = r0
    if r6 == 0 goto other
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    goto join
other:
    r1 = r10
    r1 += -16
    call kfunc(bpf_local_irq_save)
join:
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/prune_region_on_one_path
type: sched_cls
desc: one branch opens a region the other does not, the join exits: the open path is refused
    call bpf_get_prandom_u32
    r6 = r0
    if r6 == 0 goto join
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
join:
    r0 = 0
    exit

=== selftests_irq/prune_two_flags_swapped
type: sched_cls
desc: two regions opened in either order on the two branches, restored fp-16 then fp-8 after the join: out of order on one path
    call bpf_get_prandom_u32
    r6 = r0
    if r6 == 0 goto other
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -16
    call kfunc(bpf_local_irq_save)
    goto join
other:
    r1 = r10
    r1 += -16
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
join:
    r1 = r10
    r1 += -16
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/spill_over_flag
type: sched_cls
desc: a pointer spilled over the saved flag: the restore finds no flag
    r6 = r1
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    *(u64 *)(r10 - 8) = r6
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/byte_over_flag
type: sched_cls
desc: one byte of the saved flag overwritten
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = 255
    *(u8 *)(r10 - 7) = r1
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/var_off_write_over_flag
type: sched_cls
desc: a store at a variable offset that may hit the saved flag
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    call bpf_get_prandom_u32
    r0 &= 8
    r1 = r10
    r1 += -16
    r1 += r0
    r2 = 0
    *(u8 *)(r1 + 0) = r2
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/helper_reads_flag
type: sched_cls
maps: h=hash(8,8,4)
desc: the saved flag handed to a helper as a map key
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = map_fd(h) ll
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/helper_writes_flag
type: sched_cls
desc: a helper writes packet bytes over the saved flag (raw memory): the restore finds no flag
    r6 = r1
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call bpf_skb_load_bytes
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/save_over_iter
type: sched_cls
desc: a flag saved over a numeric iterator: the store scrubs it, its reference leaks
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 4
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/restore_iter
type: sched_cls
desc: a numeric iterator restored as a flag
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 4
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== selftests_irq/iter_over_flag
type: sched_cls
desc: an iterator created over the saved flag
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 4
    call kfunc(bpf_iter_num_new)
    r0 = 0
    exit

=== selftests_irq/save_over_spill
type: sched_cls
desc: a flag saved over a spilled pointer, then restored
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/restore_unallocated
type: sched_cls
desc: a restore of a slot past the allocated stack
    r1 = r10
    r1 += -64
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/var_off_flag
type: sched_cls
desc: the flag at a variable offset
    call bpf_get_prandom_u32
    r0 &= 8
    r1 = r10
    r1 += -16
    r1 += r0
    call kfunc(bpf_local_irq_save)
    r0 = 0
    exit

=== selftests_irq/scalar_arg
type: sched_cls
desc: a scalar passed as the flag
    r1 = 16
    call kfunc(bpf_local_irq_save)
    r0 = 0
    exit

=== selftests_irq/null_arg
type: sched_cls
desc: NULL passed as the flag
    r1 = 0
    call kfunc(bpf_local_irq_save)
    r0 = 0
    exit

=== selftests_irq/ctx_arg
type: sched_cls
desc: the context passed as the flag
    call kfunc(bpf_local_irq_save)
    r0 = 0
    exit

=== selftests_irq/save_in_spin_lock
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: a save while holding a spin lock
    r1 = 0
    *(u32 *)(r10 - 20) = r1
    r2 = r10
    r2 += -20
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 4
    call bpf_spin_lock
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
out:
    r0 = 0
    exit

=== selftests_irq/lock_crosses_region
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: a spin lock taken inside the region and still held at the restore
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
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 0
    exit

=== selftests_irq/exit_with_lock_and_flag
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: an exit holding a spin lock inside the region: the lock is reported
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
out:
    r0 = 0
    exit

=== selftests_irq/global_may_sleep_inside
type: syscall
flags: sleepable
btf: global_subprogs
desc: a global function that may sleep called inside the region of a sleepable program
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
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_irq/global_may_sleep_outside
type: syscall
flags: sleepable
btf: global_subprogs
desc: the same function called after the region
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    call f
    r0 = 0
    exit
f:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_irq/global_may_sleep_in_rcu
type: syscall
flags: sleepable
btf: global_subprogs
desc: the same function called inside an RCU read-side region
    call kfunc(bpf_rcu_read_lock)
    call f
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit
f:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_irq/sleepable_helper_in_rcu
type: syscall
flags: sleepable
desc: a sleepable helper inside an RCU read-side region
    call kfunc(bpf_rcu_read_lock)
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== selftests_irq/sleepable_helper_no_preempt
type: syscall
flags: sleepable
desc: a sleepable helper inside a non-preemptible region
    call kfunc(bpf_preempt_disable)
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== selftests_irq/sleepable_helper_rcu_and_irq
type: syscall
flags: sleepable
desc: a sleepable helper inside both an RCU and an IRQ region: the RCU region is named
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    call kfunc(bpf_rcu_read_lock)
    r1 = r10
    r1 += -16
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    call kfunc(bpf_rcu_read_unlock)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/callback_saves
type: sched_cls
btf: func_info
desc: a bpf_loop callback saves a flag in its own frame and returns with it saved
    r1 = 1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r0 = 0
    exit

=== selftests_irq/callback_restores_caller
type: sched_cls
btf: func_info
desc: a bpf_loop callback restores its caller's flag through the context pointer
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = r2
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/callback_balanced_in_region
type: sched_cls
btf: func_info
desc: a bpf_loop callback that saves and restores, called inside the caller's region
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit
cb:
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/xdp_save_restore
type: xdp
desc: a save and its restore in an XDP program
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 2
    exit

=== selftests_irq/kprobe_save_restore
type: kprobe
desc: a save and its restore in a kprobe program
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/ld_abs_inside
type: socket_filter
desc: a legacy packet load inside the region
    r6 = r1
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r0 = *(u8 *)skb[0]
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 0
    exit

=== selftests_irq/exit_in_irq_and_rcu
type: socket_filter
desc: an exit inside an IRQ-disabled and an RCU read-side region: the IRQ region is named
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    call kfunc(bpf_rcu_read_lock)
    r0 = 0
    exit

=== selftests_irq/exit_in_preempt_and_irq
type: socket_filter
desc: an exit inside a non-preemptible and an IRQ-disabled region: the IRQ region is named
    call kfunc(bpf_preempt_disable)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r0 = 0
    exit
