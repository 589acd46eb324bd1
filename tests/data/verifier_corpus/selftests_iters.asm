# Theme: open-coded iterators (kfuncs bpf_iter_num_new/next/destroy), on the themes of the kernel's
# selftests progs/iters.c and verifier_iterating_callbacks.c (written afresh): iterators on the stack,
# the forked iter_next call and its convergence, references that leak, misuse of the slots and the
# kfunc call itself.  Kfuncs are named (``call kfunc(NAME)``) and resolved against the kernel's BTF.

=== iters/sum_to_ten
desc: the sum of 0..9 through an open-coded iterator (bpf_for)
    r6 = 0
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
    r1 = *(u32 *)(r0 + 0)
    r6 += r1
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = r6
    exit

=== iters/empty_range
desc: start == end: the first next is NULL
    r1 = r10
    r1 += -8
    r2 = 5
    r3 = 5
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    r6 = r0
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    if r6 == 0 goto out
    r0 = 1
out:
    exit

=== iters/bad_range_still_destroyed
desc: start > end fails (-EINVAL) but the iterator must still be destroyed
    r1 = r10
    r1 += -8
    r2 = 10
    r3 = 0
    call kfunc(bpf_iter_num_new)
    r6 = r0
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 != 0 goto loop
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = r6
    r0 &= 1
    exit

=== iters/break_at_five
desc: leave the loop early on a value
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 100
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r1 = *(u32 *)(r0 + 0)
    if r1 == 5 goto done
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/repeat_without_value
desc: bpf_repeat: the value is never read
    r6 = 0
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 7
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r6 += 3
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/two_in_sequence
desc: one slot, two iterators one after the other
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 3
    call kfunc(bpf_iter_num_new)
l1:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 != 0 goto l1
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 4
    call kfunc(bpf_iter_num_new)
l2:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 != 0 goto l2
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/nested
desc: an inner iterator in an outer one's loop
    r6 = 0
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 3
    call kfunc(bpf_iter_num_new)
outer:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 4
    call kfunc(bpf_iter_num_new)
inner:
    r1 = r10
    r1 += -16
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto inner_done
    r6 += 1
    goto inner
inner_done:
    r1 = r10
    r1 += -16
    call kfunc(bpf_iter_num_destroy)
    goto outer
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/nested_three
desc: three levels of iterators
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
a:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto a_done
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
b:
    r1 = r10
    r1 += -16
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto b_done
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
c:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_num_next)
    if r0 != 0 goto c
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_num_destroy)
    goto b
b_done:
    r1 = r10
    r1 += -16
    call kfunc(bpf_iter_num_destroy)
    goto a
a_done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/value_indexes_stack
desc: the value, checked against the range, indexes a stack array
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    r6 = 0
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 16
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r1 = *(u32 *)(r0 + 0)
    if r1 > 15 goto loop
    r2 = r10
    r2 += -24
    r2 += r1
    r3 = *(u8 *)(r2 + 0)
    r6 += r3
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = r6
    exit

=== iters/value_unchecked_index
desc: the value indexes a stack array without a range check
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 8
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r1 = *(u32 *)(r0 + 0)
    r2 = r10
    r2 += -16
    r2 += r1
    r3 = *(u8 *)(r2 + 0)
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/imprecise_counter_converges
desc: a counter that no branch reads is widened: the loop converges
    r6 = 0
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 1000
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r6 += 1
    *(u64 *)(r10 - 16) = r6
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/spill_in_loop
desc: a pointer spilled and filled inside the loop
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 5
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    *(u64 *)(r10 - 16) = r0
    r1 = *(u64 *)(r10 - 16)
    r2 = *(u32 *)(r1 + 0)
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/in_subprog
desc: a subprogram creates, drains and destroys its own iterator
    call pc+2
    r0 = 0
    exit
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
    r0 = 0
    exit

=== iters/next_after_drained
desc: next on a drained iterator is allowed (NULL again)
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 != 0 goto loop
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    r6 = r0
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/deref_without_null_check
desc: the value pointer may be NULL
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    r6 = *(u32 *)(r0 + 0)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/write_through_value
desc: the value pointer is read-only
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r1 = 1
    *(u32 *)(r0 + 0) = r1
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/value_read_too_wide
desc: the value is 4 bytes
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r1 = *(u64 *)(r0 + 0)
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/value_after_destroy
desc: destroy invalidates the value pointers of the iterator
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r6 = r0
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r1 = *(u32 *)(r6 + 0)
    r0 = 0
    exit
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/leak_at_exit
desc: an iterator never destroyed
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r0 = 0
    exit

=== iters/leak_on_one_branch
desc: destroyed on one path only
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r6 = r0
    if r6 == 0 goto skip
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
skip:
    r0 = 0
    exit

=== iters/leak_in_loop
desc: a new iterator each round of a bounded loop, never destroyed
    r7 = 0
loop:
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 1
    call kfunc(bpf_iter_num_new)
    r7 += 1
    if r7 < 2 goto loop
    r1 = r10
    r1 += -16
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/new_twice
desc: an initialised iterator is created again
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 3
    call kfunc(bpf_iter_num_new)
    r0 = 0
    exit

=== iters/next_uninit
desc: next of a slot that holds no iterator
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    r0 = 0
    exit

=== iters/destroy_uninit
desc: destroy of a slot that holds no iterator
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/destroy_twice
desc: destroyed twice
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/next_after_destroy
desc: next after destroy
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    r0 = 0
    exit

=== iters/not_on_stack
desc: the iterator pointer is the context
    r2 = 0
    r3 = 1
    call kfunc(bpf_iter_num_new)
    r0 = 0
    exit

=== iters/scalar_as_iterator
desc: the iterator pointer is a number
    r1 = 0
    r2 = 0
    r3 = 1
    call kfunc(bpf_iter_num_new)
    r0 = 0
    exit

=== iters/unaligned
desc: an iterator at fp-12
    r1 = r10
    r1 += -12
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r0 = 0
    exit

=== iters/variable_offset
desc: an iterator at a variable offset
    r4 = *(u32 *)(r1 + 0)
    r4 &= 8
    r1 = r10
    r1 += -16
    r1 += r4
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r0 = 0
    exit

=== iters/read_iterator_bytes
desc: the iterator's bytes are no data
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r6 = *(u64 *)(r10 - 8)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/read_iterator_half
desc: nor are its upper four bytes
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r6 = *(u32 *)(r10 - 4)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/overwrite_then_destroy
desc: a store over the iterator turns it into data
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/overwrite_leaks
desc: a store over the iterator: its reference leaks
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r0 = 0
    exit

=== iters/pointer_start
desc: start is a pointer
    r1 = r10
    r1 += -8
    r2 = r10
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r0 = 0
    exit

=== iters/uninit_end
desc: end is not set
    r1 = r10
    r1 += -8
    r2 = 0
    call kfunc(bpf_iter_num_new)
    r0 = 0
    exit

=== iters/helper_reads_iterator
type: raw_tracepoint
desc: a helper may not read the iterator's bytes
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = r10
    r3 += -8
    call bpf_probe_read_kernel
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/non_gpl
license: Proprietary
desc: kfuncs need a GPL-compatible license
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/not_a_function
desc: BTF id 1 names no function
    call kfunc(1)
    r0 = 0
    exit

=== iters/module_offset_negative
desc: a negative BTF fd index
    call kfunc(bpf_iter_num_new, -1)
    r0 = 0
    exit

=== iters/module_offset_without_fd_array
desc: a module BTF index without fd_array
    call kfunc(bpf_iter_num_new, 2)
    r0 = 0
    exit

=== iters/zero_id_dead
desc: a kfunc call without id in dead code is fine
    r0 = 0
    if r0 == 0 goto out
    call kfunc(0)
out:
    exit

=== iters/zero_id_reached
desc: a reached kfunc call without id is refused after the walk
    call kfunc(0)
    r0 = 0
    exit

=== iters/socket_filter
type: socket_filter
desc: every program type may iterate
    r6 = 0
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 3
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r6 += 1
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/sched_cls
type: sched_cls
desc: every program type may iterate
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 3
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 != 0 goto loop
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/raw_tracepoint
type: raw_tracepoint
desc: every program type may iterate
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 3
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 != 0 goto loop
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/branch_on_value
desc: both branches on the value converge
    r6 = 0
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 20
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r1 = *(u32 *)(r0 + 0)
    r1 &= 1
    if r1 == 0 goto even
    r6 += 1
    goto loop
even:
    r6 += 2
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/range_from_ctx
desc: the end comes from the context
    r6 = *(u32 *)(r1 + 4)
    r6 &= 63
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = r6
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 != 0 goto loop
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/iterator_at_fp_minus_512
desc: the deepest slot
    r1 = r10
    r1 += -512
    r2 = 0
    r3 = 2
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -512
    call kfunc(bpf_iter_num_next)
    if r0 != 0 goto loop
    r1 = r10
    r1 += -512
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== iters/lock_free_loop_with_precise_ptr_offset
desc: the value (0..3) moves a stack pointer read after the loop
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r7 = -16
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
    r1 = *(u32 *)(r0 + 0)
    if r1 != 2 goto loop
    r7 = -12
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r1 = r10
    r1 += r7
    r0 = *(u32 *)(r1 + 0)
    exit

=== iters/bad_offset_found_late
desc: a stack offset changed in a later iteration reaches past the written bytes
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r7 = -16
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
    r1 = *(u32 *)(r0 + 0)
    if r1 != 2 goto loop
    r7 = -40
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r1 = r10
    r1 += r7
    r0 = *(u32 *)(r1 + 0)
    exit
