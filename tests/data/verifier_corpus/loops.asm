# Theme: loops.  check_cfg() refuses a back-edge to the same instruction state it is exploring
# ("infinite loop detected"); do_check() walks bounded loops iteration by iteration until the exit
# condition is known, and gives up after 1,000,000 processed instructions (E2BIG).  may_goto
# (Linux 6.9+) bounds any loop.

=== loops/bounded_count_up
desc: a counter to 50
    r0 = 0
    r1 = 0
loop:
    r0 += r1
    r1 += 1
    if r1 < 50 goto loop
    exit

=== loops/bounded_count_down
desc: a counter down from 100
    r0 = 0
    r1 = 100
loop:
    r0 += 1
    r1 -= 1
    if r1 != 0 goto loop
    exit

=== loops/bounded_jmp32
desc: a 32-bit counter to 20
    r0 = 0
    w1 = 0
loop:
    w0 += 3
    w1 += 1
    if w1 < 20 goto loop
    exit

=== loops/bounded_by_ctx
desc: an unknown count of at most 255
    r2 = *(u32 *)(r1 + 12)
    r2 &= 255
    r0 = 0
loop:
    if r2 == 0 goto done
    r2 -= 1
    r0 += 1
    goto loop
done:
    exit

=== loops/unbounded_by_ctx
desc: an unknown count up to 2^32: too many instructions
    r2 = *(u32 *)(r1 + 12)
    r0 = 0
loop:
    if r2 == 0 goto done
    r2 -= 1
    r0 += 1
    goto loop
done:
    exit

=== loops/infinite_goto
heavy: a million processed instructions
desc: an unconditional back-edge: never exits
    r0 = 0
loop:
    r0 += 1
    goto loop

=== loops/infinite_same_state
desc: a loop whose state does not change
    r0 = 0
    r1 = 0
loop:
    r1 &= 1
    if r1 == 0 goto loop
    exit

=== loops/infinite_two_regs
desc: r0 stays 0: the loop never exits
    r0 = 0
    r1 = 0
loop:
    r0 = r1
    if r0 == 0 goto loop
    exit

=== loops/loop_over_stack
desc: zeroes 64 stack bytes at a variable offset
    r1 = 0
loop:
    r2 = r10
    r2 += -64
    r2 += r1
    *(u8 *)(r2 + 0) = 0
    r1 += 1
    if r1 < 64 goto loop
    r0 = *(u64 *)(r10 - 8)
    exit

=== loops/loop_over_stack_overflow
desc: one byte too many: writes at r10 + 0
    r1 = 0
loop:
    r2 = r10
    r2 += -64
    r2 += r1
    *(u8 *)(r2 + 0) = 0
    r1 += 1
    if r1 <= 64 goto loop
    r0 = 0
    exit

=== loops/loop_over_packet
desc: sums the first 32 packet bytes, each checked
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 0
    r4 = 0
loop:
    r5 = r2
    r5 += r4
    r6 = r5
    r6 += 1
    if r6 > r3 goto done
    r7 = *(u8 *)(r5 + 0)
    r0 += r7
    r4 += 1
    if r4 < 32 goto loop
done:
    r0 = 2
    exit

=== loops/loop_over_map_value
maps: m=hash(4,16,4)
desc: reads each byte of a 16-byte value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0
loop:
    r2 = r0
    r2 += r1
    r3 = *(u8 *)(r2 + 0)
    r1 += 1
    if r1 < 16 goto loop
out:
    r0 = 0
    exit

=== loops/loop_over_map_value_past
maps: m=hash(4,16,4)
desc: one byte past the 16-byte value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0
loop:
    r2 = r0
    r2 += r1
    r3 = *(u8 *)(r2 + 0)
    r1 += 1
    if r1 < 17 goto loop
out:
    r0 = 0
    exit

=== loops/nested_loops
desc: 10 x 10 iterations
    r0 = 0
    r1 = 0
outer:
    r2 = 0
inner:
    r0 += 1
    r2 += 1
    if r2 < 10 goto inner
    r1 += 1
    if r1 < 10 goto outer
    exit

=== loops/huge_bounded_loop
heavy: a million processed instructions
desc: 400,000 iterations: more than 1M processed instructions
    r0 = 0
    r1 = 0
loop:
    r0 += r1
    r1 += 1
    if r1 < 400000 goto loop
    exit

=== loops/may_goto_loop
desc: may_goto bounds an otherwise endless loop (6.9+): the counter widened, a state within an ancestor's ends it
    r0 = 0
loop:
    may_goto +2
    r0 += 1
    goto loop
    exit

=== loops/may_goto_empty
desc: a may_goto loop whose body changes nothing: its second visit equals the first at depth 1
    r0 = 0
loop:
    may_goto out
    goto loop
out:
    exit

=== loops/may_goto_nested
desc: a may_goto loop inside another, each with its own counter
    r0 = 0
    r6 = 0
outer:
    may_goto out
    r6 += 1
    r7 = 0
inner:
    may_goto next
    r7 += 2
    r0 += r7
    goto inner
next:
    goto outer
out:
    r0 = 0
    exit

=== loops/may_goto_call
desc: a may_goto loop calling a subprogram that masks its argument
    r6 = 0
loop:
    may_goto out
    r1 = r6
    call f
    r6 += r0
    goto loop
out:
    r0 = 0
    exit
f:
    r0 = r1
    r0 &= 7
    exit

=== loops/may_goto_in_subprog
desc: the may_goto loop in a subprogram (its loop visit is named by the call site)
    r1 = 3
    call f
    r0 = 0
    exit
f:
    r0 = r1
loop:
    may_goto out
    r0 += 1
    goto loop
out:
    exit

=== loops/may_goto_spilled_counter
desc: the loop counter lives in a stack slot (a spilled scalar is widened too)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
loop:
    may_goto out
    r1 = *(u64 *)(r10 - 8)
    r1 += 1
    *(u64 *)(r10 - 8) = r1
    goto loop
out:
    r0 = 0
    exit

=== loops/may_goto_unknown_return
desc: the widened counter returned by an XDP program: an unknown scalar is a valid return value
    r6 = 0
loop:
    may_goto out
    r6 += 1
    goto loop
out:
    r0 = r6
    exit

=== loops/may_goto_precise_index
desc: a counter indexing the stack is precise, so it is never widened: the loop runs to its bound
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r6 = 0
loop:
    may_goto out
    if r6 > 6 goto out
    r1 = r10
    r1 += -8
    r1 += r6
    r3 = *(u8 *)(r1 + 0)
    r6 += 1
    goto loop
out:
    r0 = 0
    exit

=== loops/may_goto_index_past_stack
desc: may_goto does not bound a stack index: the read past the 8 initialised bytes is refused
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r6 = 0
loop:
    may_goto out
    r1 = r10
    r1 += -8
    r1 += r6
    r3 = *(u8 *)(r1 + 0)
    r6 += 1
    goto loop
out:
    r0 = 0
    exit

=== loops/may_goto_packet_walk
desc: a packet pointer advanced each iteration is never widened: 8192 pending branches (E2BIG)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 0
loop:
    may_goto out
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    r2 += 1
    goto loop
out:
    r0 = 2
    exit

=== loops/bpf_loop_callback
desc: bpf_loop with a callback returning 0
    r1 = 10
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== loops/bpf_loop_callback_bad_ret
desc: a bpf_loop callback must return 0 or 1
    r1 = 10
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 5
    exit

=== loops/loop_with_bounds_check_inside
desc: a loop bounded by a constant and an unknown
    r6 = *(u32 *)(r1 + 12)
    r0 = 0
    r1 = 0
loop:
    if r1 > r6 goto done
    r0 += 1
    r1 += 1
    if r1 < 8 goto loop
done:
    exit

=== loops/switch_parser_8x2
desc: a loop over 8 packet bytes with a 2-case switch advancing by 1 or 2 (a checkpoint the kernel evicts must not prune)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 0
    r4 = 0
loop:
    r5 = r2
    r5 += r4
    r6 = r5
    r6 += 8
    if r6 > r3 goto out
    r7 = *(u8 *)(r5 + 0)
    if r7 == 1 goto case0
    if r7 == 4 goto case1
    r4 += 1
    goto next
case0:
    r8 = *(u8 *)(r5 + 0)
    r4 += 1
    goto next
case1:
    r8 = *(u8 *)(r5 + 1)
    r4 += 2
    goto next
next:
    if r4 < 8 goto loop
out:
    r0 = 2
    exit

=== loops/switch_parser_16x4
desc: a loop over 16 packet bytes with a 4-case switch advancing by 1 to 4
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 0
    r4 = 0
loop:
    r5 = r2
    r5 += r4
    r6 = r5
    r6 += 8
    if r6 > r3 goto out
    r7 = *(u8 *)(r5 + 0)
    if r7 == 1 goto case0
    if r7 == 4 goto case1
    if r7 == 7 goto case2
    if r7 == 10 goto case3
    r4 += 1
    goto next
case0:
    r8 = *(u8 *)(r5 + 0)
    r4 += 1
    goto next
case1:
    r8 = *(u8 *)(r5 + 1)
    r4 += 2
    goto next
case2:
    r8 = *(u8 *)(r5 + 2)
    r4 += 3
    goto next
case3:
    r8 = *(u8 *)(r5 + 3)
    r4 += 4
    goto next
next:
    if r4 < 16 goto loop
out:
    r0 = 2
    exit

=== loops/switch_parser_32x8
desc: a loop over 32 packet bytes with an 8-case switch advancing by 1 to 4
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 0
    r4 = 0
loop:
    r5 = r2
    r5 += r4
    r6 = r5
    r6 += 8
    if r6 > r3 goto out
    r7 = *(u8 *)(r5 + 0)
    if r7 == 1 goto case0
    if r7 == 4 goto case1
    if r7 == 7 goto case2
    if r7 == 10 goto case3
    if r7 == 13 goto case4
    if r7 == 16 goto case5
    if r7 == 19 goto case6
    if r7 == 22 goto case7
    r4 += 1
    goto next
case0:
    r8 = *(u8 *)(r5 + 0)
    r4 += 1
    goto next
case1:
    r8 = *(u8 *)(r5 + 1)
    r4 += 2
    goto next
case2:
    r8 = *(u8 *)(r5 + 2)
    r4 += 3
    goto next
case3:
    r8 = *(u8 *)(r5 + 3)
    r4 += 4
    goto next
case4:
    r8 = *(u8 *)(r5 + 4)
    r4 += 1
    goto next
case5:
    r8 = *(u8 *)(r5 + 5)
    r4 += 2
    goto next
case6:
    r8 = *(u8 *)(r5 + 6)
    r4 += 3
    goto next
case7:
    r8 = *(u8 *)(r5 + 7)
    r4 += 4
    goto next
next:
    if r4 < 32 goto loop
out:
    r0 = 2
    exit

=== loops/switch_parser_reads_past_check_at_offset_6
desc: the 2-case parser reading past the checked 8 bytes when the offset is exactly 6: the offset is relied on exactly inside the loop
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 0
    r4 = 0
loop:
    r5 = r2
    r5 += r4
    r6 = r5
    r6 += 8
    if r6 > r3 goto out
    r7 = *(u8 *)(r5 + 0)
    if r4 != 6 goto +1
    r8 = *(u8 *)(r5 + 8)
    if r7 == 1 goto case0
    if r7 == 4 goto case1
    r4 += 1
    goto next
case0:
    r8 = *(u8 *)(r5 + 0)
    r4 += 1
    goto next
case1:
    r8 = *(u8 *)(r5 + 1)
    r4 += 2
    goto next
next:
    if r4 < 8 goto loop
out:
    r0 = 2
    exit

=== loops/switch_parser_reads_past_check_at_offset_13
desc: the 4-case parser reading past the checked bytes when the offset is exactly 13 (reached only through some switch paths)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 0
    r4 = 0
loop:
    r5 = r2
    r5 += r4
    r6 = r5
    r6 += 8
    if r6 > r3 goto out
    r7 = *(u8 *)(r5 + 0)
    if r4 != 13 goto +1
    r8 = *(u8 *)(r5 + 8)
    if r7 == 1 goto case0
    if r7 == 4 goto case1
    if r7 == 7 goto case2
    if r7 == 10 goto case3
    r4 += 1
    goto next
case0:
    r8 = *(u8 *)(r5 + 0)
    r4 += 1
    goto next
case1:
    r8 = *(u8 *)(r5 + 1)
    r4 += 2
    goto next
case2:
    r8 = *(u8 *)(r5 + 2)
    r4 += 3
    goto next
case3:
    r8 = *(u8 *)(r5 + 3)
    r4 += 4
    goto next
next:
    if r4 < 16 goto loop
out:
    r0 = 2
    exit

=== loops/state_freq_counted_loop
flags: test_state_freq
desc: BPF_F_TEST_STATE_FREQ: a checkpoint at every iteration of a counted loop
    r1 = 0
    r2 = 0
loop:
    r2 += r1
    r1 += 1
    if r1 < 10 goto loop
    r0 = 0
    exit
