# Theme: kfuncs that open and close verifier regions -- bpf_preempt_disable/enable (counted, nested)
# and bpf_rcu_read_lock/unlock (one at a time) -- written afresh on the themes of the kernel's selftests
# progs/preempt_lock.c and rcu_read_lock.c: exits inside a region, unmatched closes, regions per path.

=== kfunc_regions/preempt_balanced
desc: disable, then enable
    call kfunc(bpf_preempt_disable)
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== kfunc_regions/preempt_nested
desc: two levels, both closed
    call kfunc(bpf_preempt_disable)
    call kfunc(bpf_preempt_disable)
    r6 = 1
    call kfunc(bpf_preempt_enable)
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== kfunc_regions/preempt_left_disabled
desc: exit with preemption disabled
    call kfunc(bpf_preempt_disable)
    r0 = 0
    exit

=== kfunc_regions/preempt_left_nested
desc: two disables, one enable
    call kfunc(bpf_preempt_disable)
    call kfunc(bpf_preempt_disable)
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== kfunc_regions/preempt_enable_unmatched
desc: enable without disable
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== kfunc_regions/preempt_enable_twice
desc: one disable, two enables
    call kfunc(bpf_preempt_disable)
    call kfunc(bpf_preempt_enable)
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== kfunc_regions/preempt_one_branch
desc: disabled on one path only
    r6 = *(u32 *)(r1 + 12)
    if r6 == 0 goto skip
    call kfunc(bpf_preempt_disable)
skip:
    r0 = 0
    if r6 == 0 goto out
    call kfunc(bpf_preempt_enable)
out:
    r7 = 1
    exit

=== kfunc_regions/preempt_region_follows_branch
desc: the region opens and closes under the same condition
    r6 = *(u32 *)(r1 + 12)
    if r6 == 0 goto skip
    call kfunc(bpf_preempt_disable)
skip:
    r0 = 0
    if r6 == 0 goto out
    call kfunc(bpf_preempt_enable)
out:
    r0 = 0
    exit

=== kfunc_regions/preempt_r0_clobbered
desc: the markers return nothing: r0 is not set after them
    r0 = 0
    call kfunc(bpf_preempt_disable)
    call kfunc(bpf_preempt_enable)
    exit

=== kfunc_regions/preempt_with_helper
desc: a helper that does not sleep inside the region
    call kfunc(bpf_preempt_disable)
    call bpf_ktime_get_ns
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== kfunc_regions/preempt_around_iterator
desc: an iterator loop inside the region
    call kfunc(bpf_preempt_disable)
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 4
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 != 0 goto loop
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== kfunc_regions/preempt_in_iterator_loop
desc: a balanced region in each round of an iterator loop
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 4
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    call kfunc(bpf_preempt_disable)
    call kfunc(bpf_preempt_enable)
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== kfunc_regions/preempt_opened_in_loop
desc: a round of the loop leaves its region open
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 4
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    call kfunc(bpf_preempt_disable)
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== kfunc_regions/preempt_subprog_returns_disabled
desc: a subprogram disables, its caller enables
    call pc+3
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit
    call kfunc(bpf_preempt_disable)
    r0 = 0
    exit

=== kfunc_regions/preempt_ld_abs
type: socket_filter
desc: LD_ABS inside the region
    r6 = r1
    call kfunc(bpf_preempt_disable)
    r0 = *(u8 *)skb[0]
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== kfunc_regions/rcu_balanced
desc: lock, then unlock
    call kfunc(bpf_rcu_read_lock)
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== kfunc_regions/rcu_nested
desc: a second lock while locked
    call kfunc(bpf_rcu_read_lock)
    call kfunc(bpf_rcu_read_lock)
    call kfunc(bpf_rcu_read_unlock)
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== kfunc_regions/rcu_left_locked
desc: exit inside the read-side region
    call kfunc(bpf_rcu_read_lock)
    r0 = 0
    exit

=== kfunc_regions/rcu_unlock_unmatched
desc: unlock without lock
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== kfunc_regions/rcu_one_branch
desc: locked on one path only
    r6 = *(u32 *)(r1 + 12)
    if r6 == 0 goto skip
    call kfunc(bpf_rcu_read_lock)
skip:
    r0 = 0
    exit

=== kfunc_regions/rcu_and_preempt_interleaved
desc: the two regions overlap
    call kfunc(bpf_rcu_read_lock)
    call kfunc(bpf_preempt_disable)
    call kfunc(bpf_rcu_read_unlock)
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== kfunc_regions/rcu_left_with_preempt_closed
desc: preemption enabled again, the read lock still held
    call kfunc(bpf_rcu_read_lock)
    call kfunc(bpf_preempt_disable)
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== kfunc_regions/rcu_around_iterator
desc: an iterator loop inside the read-side region
    call kfunc(bpf_rcu_read_lock)
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 4
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 != 0 goto loop
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== kfunc_regions/rcu_iterator_leak_first
desc: both an iterator and the region left open: the leak is reported first
    call kfunc(bpf_rcu_read_lock)
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 4
    call kfunc(bpf_iter_num_new)
    r0 = 0
    exit

=== kfunc_regions/regions_in_raw_tracepoint
type: raw_tracepoint
desc: every program type may use them
    call kfunc(bpf_rcu_read_lock)
    call kfunc(bpf_preempt_disable)
    call kfunc(bpf_preempt_enable)
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== kfunc_regions/regions_in_sched_cls
type: sched_cls
desc: every program type may use them
    call kfunc(bpf_rcu_read_lock)
    call kfunc(bpf_preempt_disable)
    call kfunc(bpf_preempt_enable)
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit
