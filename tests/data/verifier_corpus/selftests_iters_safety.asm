# Theme: open-coded iterators' state safety and loop convergence, on the themes of the kernel's
# selftests progs/iters_state_safety.c, iters_looping.c and iters.c (written afresh; selftests_iters
# has the basic cases): iterator slots written by helpers and by variable-offset stores, iterators
# across static and global subprograms, states that must not be pruned into each other, and values
# that go bad only on a later round of the loop.

=== selftests_iters_safety/helper_writes_iter_byte
type: raw_tracepoint
desc: bpf_probe_read_kernel overwrites the last byte of a live iterator, which is then destroyed
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -1
    r2 = 1
    r3 = 0
    call bpf_probe_read_kernel
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== selftests_iters_safety/helper_reads_into_iter_then_new
type: raw_tracepoint
desc: bpf_probe_read_kernel fills the slots, then an iterator is created there and destroyed
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_probe_read_kernel
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== selftests_iters_safety/leak_in_static_subprog
type: raw_tracepoint
btf: func_info
desc: a static subprogram creates an iterator in its frame and returns
    call sub
    r0 = 0
    exit
sub:
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
    r0 = 0
    exit

=== selftests_iters_safety/subprog_nexts_callers_iter
type: raw_tracepoint
btf: func_info
desc: a static subprogram advances the caller's iterator through a pointer
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call sub
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit
sub:
    call kfunc(bpf_iter_num_next)
    r0 = 0
    exit

=== selftests_iters_safety/subprog_destroys_callers_iter
type: raw_tracepoint
btf: func_info
desc: a static subprogram destroys the caller's iterator; the caller destroys it again
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call sub
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit
sub:
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== selftests_iters_safety/stack_reuse
type: raw_tracepoint
desc: an iterator destroyed and a new one created in the same slot
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== selftests_iters_safety/new_over_spilled_pointer
type: raw_tracepoint
desc: an iterator created over a slot holding a spilled stack pointer
    r1 = r10
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== selftests_iters_safety/spill_or_iter_joined
type: raw_tracepoint
flags: test_state_freq
desc: one path spills a scalar into the slot, the other creates an iterator there and overwrites it: the leak must not be pruned away
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    if r6 > r7 goto other
    *(u64 *)(r10 - 8) = r6
    goto join
other:
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
    *(u64 *)(r10 - 8) = r6
join:
    goto +0
    *(u64 *)(r10 - 8) = r6
    r0 = 0
    exit

=== selftests_iters_safety/index_changes_on_second_round
type: raw_tracepoint
maps: m=array(4,8,1)
desc: an offset valid on the first round is made invalid for the next one
    r1 = 0
    *(u32 *)(r10 - 12) = r1
    r2 = r10
    r2 += -12
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r7 = 0
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r1 = r9
    r1 += r7
    r0 = *(u8 *)(r1 + 0)
    r7 = 8
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
out:
    r0 = 0
    exit

=== selftests_iters_safety/index_changes_through_stack
type: raw_tracepoint
maps: m=array(4,8,1)
desc: the same, the offset kept in a stack slot between rounds
    r1 = 0
    *(u32 *)(r10 - 12) = r1
    r2 = r10
    r2 += -12
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r1 = 0
    *(u64 *)(r10 - 24) = r1
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r7 = *(u64 *)(r10 - 24)
    r1 = r9
    r1 += r7
    r0 = *(u8 *)(r1 + 0)
    r1 = 8
    *(u64 *)(r10 - 24) = r1
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
out:
    r0 = 0
    exit

=== selftests_iters_safety/index_changes_on_element
type: raw_tracepoint
maps: m=array(4,8,1)
desc: the offset becomes invalid only when the element is 5
    r1 = 0
    *(u32 *)(r10 - 12) = r1
    r2 = r10
    r2 += -12
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r7 = 0
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r2 = *(u32 *)(r0 + 0)
    r1 = r9
    r1 += r7
    r0 = *(u8 *)(r1 + 0)
    if r2 != 5 goto loop
    r7 = 8
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
out:
    r0 = 0
    exit

=== selftests_iters_safety/index_stays_valid
type: raw_tracepoint
maps: m=array(4,8,1)
desc: the offset alternates between 0 and 7: always inside the value
    r1 = 0
    *(u32 *)(r10 - 12) = r1
    r2 = r10
    r2 += -12
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r7 = 0
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r1 = r9
    r1 += r7
    r0 = *(u8 *)(r1 + 0)
    r7 ^= 7
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
out:
    r0 = 0
    exit

=== selftests_iters_safety/counter_as_index
type: raw_tracepoint
maps: m=array(4,16,1)
desc: a counter bumped every round indexes a 16-byte value: 10 rounds stay inside, but the verifier cannot know
    r1 = 0
    *(u32 *)(r10 - 12) = r1
    r2 = r10
    r2 += -12
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r7 = 0
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r1 = r9
    r1 += r7
    r0 = *(u8 *)(r1 + 0)
    r7 += 1
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
out:
    r0 = 0
    exit

=== selftests_iters_safety/counter_bounded_as_index
type: raw_tracepoint
maps: m=array(4,16,1)
desc: the counter is masked before it indexes the value
    r1 = 0
    *(u32 *)(r10 - 12) = r1
    r2 = r10
    r2 += -12
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r7 = 0
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r7 &= 15
    r1 = r9
    r1 += r7
    r0 = *(u8 *)(r1 + 0)
    r7 += 1
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
out:
    r0 = 0
    exit

=== selftests_iters_safety/element_as_index
type: raw_tracepoint
maps: m=array(4,16,1)
desc: the element of a 0..10 iterator indexes a 16-byte value (the element is not bounded by the range)
    r1 = 0
    *(u32 *)(r10 - 12) = r1
    r2 = r10
    r2 += -12
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r2 = *(u32 *)(r0 + 0)
    r1 = r9
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
out:
    r0 = 0
    exit

=== selftests_iters_safety/pointer_nulled_on_later_round
type: raw_tracepoint
maps: m=array(4,8,1)
desc: a map value pointer replaced by 0 after the first round and dereferenced on the next
    r1 = 0
    *(u32 *)(r10 - 12) = r1
    r2 = r10
    r2 += -12
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r0 = *(u64 *)(r9 + 0)
    r9 = 0
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
out:
    r0 = 0
    exit

=== selftests_iters_safety/destroy_inside_loop
type: raw_tracepoint
desc: the iterator destroyed inside the loop body; the loop head advances it again
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== selftests_iters_safety/inner_leak_on_one_outer_path
type: raw_tracepoint
desc: an inner iterator left undestroyed when the outer element is 3
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r6 = *(u32 *)(r0 + 0)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    if r6 == 3 goto loop
    r1 = r10
    r1 += -16
    call kfunc(bpf_iter_num_destroy)
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== selftests_iters_safety/var_off_store_in_loop
type: raw_tracepoint
desc: a variable-offset stack store that may hit the live iterator inside the loop
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r2 = *(u32 *)(r0 + 0)
    r2 &= 8
    r2 += -16
    r1 = r10
    r1 += r2
    r3 = 0
    *(u64 *)(r1 + 0) = r3
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== selftests_iters_safety/global_subprog_iter_arg
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct bpf_iter_num:8 *it)
desc: a global function's struct bpf_iter_num * argument is 8 bytes of nullable memory to Linux 6.18: the caller's live iterator is no such memory
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 10
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call f1
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit
f1:
    call kfunc(bpf_iter_num_next)
    r0 = 0
    exit

=== selftests_iters_safety/global_subprog_iter_arg_uninit
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct bpf_iter_num:8 *it)
desc: the same argument given uninitialised stack: inside, the possibly-NULL memory pointer goes to bpf_iter_num_next
    r1 = r10
    r1 += -8
    call f1
    r0 = 0
    exit
f1:
    call kfunc(bpf_iter_num_next)
    r0 = 0
    exit
