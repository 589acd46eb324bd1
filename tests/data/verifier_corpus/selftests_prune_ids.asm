# Theme: state pruning that must keep paths apart, on the themes of the kernel's selftests
# iters_state_safety.c (stacksafe_should_not_conflate_*), verifier_scalar_ids.c and the id checks of
# refsafe()/regsafe() (check_ids() maps old ids to current ones one-to-one): registers that share an
# id on one path and not on the other (NULL checks, references, linked scalars), references swapped
# or aliased, lock and RCU/preemption state per path.  BPF_F_TEST_STATE_FREQ makes the verifier
# checkpoint at every jump, so that the join is compared against the first path.

=== selftests_prune_ids/or_null_shared_then_distinct
maps: m=array(4,8,2)
flags: test_state_freq
desc: first path: r6 and r7 the same lookup (one id); second: two lookups; after the join r6 is checked and r7 read
    call bpf_get_prandom_u32
    if r0 > 5 goto two
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    r7 = r6
    goto join
two:
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r7 = r0
join:
    if r6 == 0 goto out
    r0 = *(u64 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_prune_ids/or_null_distinct_then_shared
maps: m=array(4,8,2)
flags: test_state_freq
desc: the same with the paths swapped: both explored, the distinct ids refused either way
    call bpf_get_prandom_u32
    if r0 > 5 goto one
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r7 = r0
    goto join
one:
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    r7 = r6
join:
    if r6 == 0 goto out
    r0 = *(u64 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_prune_ids/or_null_shared_both
maps: m=array(4,8,2)
flags: test_state_freq
desc: both paths share one id between r6 and r7: the check of r6 covers r7
    call bpf_get_prandom_u32
    if r0 > 5 goto other
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    r7 = r6
    goto join
other:
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    r7 = r6
join:
    if r6 == 0 goto out
    r0 = *(u64 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_prune_ids/ref_distinct_then_shared
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
flags: test_state_freq
desc: first path: two references in r6 and r7; second: one reference in both; both released after the join
    r8 = *(u64 *)(r1 + 0)
    call bpf_get_prandom_u32
    if r0 > 5 goto one
    r1 = r8
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r6 = r0
    r1 = r8
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto drop6
    r7 = r0
    goto join
one:
    r1 = r8
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r6 = r0
    r7 = r0
join:
    r1 = r6
    call kfunc(bpf_task_release)
    r1 = r7
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit
drop6:
    r1 = r6
    call kfunc(bpf_task_release)
    r0 = 0
    exit

=== selftests_prune_ids/ref_shared_then_distinct
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
flags: test_state_freq
desc: first path: one reference in r6 and r7, released once; second: two references, r7's leaks
    r8 = *(u64 *)(r1 + 0)
    call bpf_get_prandom_u32
    if r0 > 5 goto two
    r1 = r8
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r6 = r0
    r7 = r0
    goto join
two:
    r1 = r8
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r6 = r0
    r1 = r8
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto drop6
    r7 = r0
join:
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit
drop6:
    r1 = r6
    call kfunc(bpf_task_release)
    r0 = 0
    exit

=== selftests_prune_ids/ref_held_on_one_path_only
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
flags: test_state_freq
desc: one path holds a reference in r6, the other a NULL r6: released when not NULL
    r8 = *(u64 *)(r1 + 0)
    call bpf_get_prandom_u32
    if r0 > 5 goto none
    r1 = r8
    call kfunc(bpf_task_acquire)
    r6 = r0
    goto join
none:
    r6 = 0
join:
    if r6 == 0 goto out
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_prune_ids/ref_spilled_vs_register
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
flags: test_state_freq
desc: one path keeps the reference spilled, the other in r6 with a stale copy spilled; the spill is released
    r8 = *(u64 *)(r1 + 0)
    r1 = r8
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r6 = r0
    *(u64 *)(r10 - 8) = r0
    call bpf_get_prandom_u32
    if r0 > 5 goto other
    goto join
other:
    r1 = r8
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto rel
    *(u64 *)(r10 - 8) = r0
join:
    r1 = *(u64 *)(r10 - 8)
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit
rel:
    r1 = r6
    call kfunc(bpf_task_release)
    r0 = 0
    exit

=== selftests_prune_ids/ringbuf_records_swapped
type: sched_cls
maps: rb=ringbuf(0,0,4096)
flags: test_state_freq
desc: two records; one path swaps r6 and r7, the other not; r6 is submitted and r7 discarded
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r6 = r0
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto drop6
    r7 = r0
    call bpf_get_prandom_u32
    if r0 > 5 goto join
    r1 = r6
    r6 = r7
    r7 = r1
join:
    r1 = r6
    r2 = 0
    call bpf_ringbuf_submit
    r1 = r7
    r2 = 0
    call bpf_ringbuf_discard
out:
    r0 = 0
    exit
drop6:
    r1 = r6
    r2 = 0
    call bpf_ringbuf_discard
    r0 = 0
    exit

=== selftests_prune_ids/ringbuf_records_aliased
type: sched_cls
maps: rb=ringbuf(0,0,4096)
flags: test_state_freq
desc: one path makes r7 a copy of r6 (the second record then only in the stack... lost): submitted and discarded
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r6 = r0
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto drop6
    r7 = r0
    *(u64 *)(r10 - 8) = r7
    call bpf_get_prandom_u32
    if r0 > 5 goto join
    r7 = r6
    r1 = *(u64 *)(r10 - 8)
    r2 = 0
    call bpf_ringbuf_discard
join:
    r1 = r6
    r2 = 0
    call bpf_ringbuf_submit
    r1 = r7
    r2 = 0
    call bpf_ringbuf_discard
out:
    r0 = 0
    exit
drop6:
    r1 = r6
    r2 = 0
    call bpf_ringbuf_discard
    r0 = 0
    exit

=== selftests_prune_ids/scalar_linked_then_independent
maps: m=array(4,16,1)
flags: test_state_freq
desc: first path: r7 = r6 (linked); second: r7 another unknown; r6 bounded after the join indexes by r7
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r9 = r0
    if r9 == 0 goto out
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    if r0 > 5 goto indep
    r7 = r6
    goto join
indep:
    call bpf_get_prandom_u32
    r7 = r0
join:
    if r6 > 15 goto out
    r1 = r9
    r1 += r7
    r0 = *(u8 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_prune_ids/scalar_linked_both
maps: m=array(4,16,1)
flags: test_state_freq
desc: both paths link r7 to r6 (by a move and by a spill/fill)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r9 = r0
    if r9 == 0 goto out
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    if r0 > 5 goto other
    r7 = r6
    goto join
other:
    *(u64 *)(r10 - 16) = r6
    r7 = *(u64 *)(r10 - 16)
join:
    if r6 > 15 goto out
    r1 = r9
    r1 += r7
    r0 = *(u8 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_prune_ids/scalar_linked_to_other
maps: m=array(4,16,1)
flags: test_state_freq
desc: first path links r7 to r6, second links r7 to r8; r6 is bounded
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r9 = r0
    if r9 == 0 goto out
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r8 = r0
    call bpf_get_prandom_u32
    if r0 > 5 goto other
    r7 = r6
    goto join
other:
    r7 = r8
join:
    if r6 > 15 goto out
    r1 = r9
    r1 += r7
    r0 = *(u8 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_prune_ids/scalar_linked_offset
maps: m=array(4,16,1)
flags: test_state_freq
desc: r7 = r6 + 4 on one path, r7 = r6 + 8 on the other: r6 <= 11 bounds r7 only on the first
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r9 = r0
    if r9 == 0 goto out
    call bpf_get_prandom_u32
    r6 = r0
    r6 &= 0xff
    call bpf_get_prandom_u32
    if r0 > 5 goto other
    r7 = r6
    r7 += 4
    goto join
other:
    r7 = r6
    r7 += 8
join:
    if r6 > 11 goto out
    r1 = r9
    r1 += r7
    r0 = *(u8 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_prune_ids/lock_held_on_one_path
maps: m=array(4,16,1,spin_lock)
btf: func_info
flags: test_state_freq
desc: the lock taken on one path only, released after the join
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    if r6 == 0 goto out
    call bpf_get_prandom_u32
    if r0 > 5 goto join
    r1 = r6
    r1 += 4
    call bpf_spin_lock
join:
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 0
    exit

=== selftests_prune_ids/lock_of_other_element
maps: m=array(4,16,2,spin_lock)
btf: func_info
flags: test_state_freq
desc: one path locks element 0, the other element 1; element 0's lock is released
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r6 = r0
    if r6 == 0 goto out
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r7 = r0
    if r7 == 0 goto out
    call bpf_get_prandom_u32
    if r0 > 5 goto other
    r1 = r6
    r1 += 4
    call bpf_spin_lock
    goto join
other:
    r1 = r7
    r1 += 4
    call bpf_spin_lock
join:
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 0
    exit

=== selftests_prune_ids/rcu_locked_on_one_path
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
flags: test_state_freq
desc: bpf_rcu_read_lock on one path only; the unlock after the join
    call bpf_get_prandom_u32
    if r0 > 5 goto join
    call kfunc(bpf_rcu_read_lock)
join:
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== selftests_prune_ids/preempt_depth_differs
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
flags: test_state_freq
desc: preemption disabled once on one path and twice on the other; enabled once after the join
    call kfunc(bpf_preempt_disable)
    call bpf_get_prandom_u32
    if r0 > 5 goto join
    call kfunc(bpf_preempt_disable)
join:
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit

=== selftests_prune_ids/preempt_depth_differs_second_path
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
flags: test_state_freq
desc: the same with the balanced path explored first: the path with the extra disable reaches the join later
    call kfunc(bpf_preempt_disable)
    call bpf_get_prandom_u32
    if r0 > 5 goto extra
join:
    call kfunc(bpf_preempt_enable)
    r0 = 0
    exit
extra:
    call kfunc(bpf_preempt_disable)
    goto join

=== selftests_prune_ids/iter_depth_vs_plain_slot
type: raw_tracepoint
flags: test_state_freq
desc: a live iterator on one path, a destroyed one (its slots now plain stack) on the other; destroyed after the join
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 3
    call kfunc(bpf_iter_num_new)
    call bpf_get_prandom_u32
    if r0 > 5 goto kill
join:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit
kill:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    goto join
