# Theme: bounded loops as the kernel's verifier_loops1 selftests probe them, written afresh:
# counting up and down to constants, loops whose bound is a 32-bit or signed comparison, a loop
# bound from a masked value, an endless loop, nested loops, a loop whose exit is never taken
# (infinite loop detected by state equality), and back-edges to the first instruction.

=== selftests_loops1/count_up_4
desc: for (i = 0; i < 4; i++)
    r0 = 0
    r1 = 0
loop:
    r0 += r1
    r1 += 1
    if r1 < 4 goto loop
    exit

=== selftests_loops1/count_down_signed
desc: for (i = 10; i s> 0; i--)
    r0 = 0
    r1 = 10
loop:
    r0 += 1
    r1 += -1
    if r1 s> 0 goto loop
    exit

=== selftests_loops1/count_up_w
desc: a 32-bit counter compared with w
    r0 = 0
    w1 = 0
loop:
    w1 += 1
    if w1 < 20 goto loop
    r0 = 2
    exit

=== selftests_loops1/count_by_three_ne
desc: i += 3 until i == 9
    r1 = 0
loop:
    r1 += 3
    if r1 != 9 goto loop
    r0 = 2
    exit

=== selftests_loops1/count_by_two_misses
heavy: a million processed instructions
desc: i += 2 until i == 9: never equal, the counter wraps only after 2^63 steps
    r1 = 0
loop:
    r1 += 2
    if r1 != 9 goto loop
    r0 = 2
    exit

=== selftests_loops1/bound_from_ctx_masked
desc: the bound is a masked ctx field (at most 15)
    r2 = *(u32 *)(r1 + 12)
    r2 &= 15
    r1 = 0
loop:
    r1 += 1
    if r1 < r2 goto loop
    r0 = 2
    exit

=== selftests_loops1/bound_from_ctx_unmasked
heavy: a million processed instructions
desc: the bound is an unmasked u32 ctx field
    r2 = *(u32 *)(r1 + 12)
    r1 = 0
loop:
    r1 += 1
    if r1 < r2 goto loop
    r0 = 2
    exit

=== selftests_loops1/endless
heavy: a million processed instructions
desc: a loop without an exit condition
    r0 = 2
loop:
    r0 += 1
    goto loop

=== selftests_loops1/endless_no_progress
desc: the counter never changes: the same state comes back
    r1 = 0
loop:
    r0 = 2
    if r1 < 4 goto loop
    exit

=== selftests_loops1/nested
desc: two nested loops of 4 rounds
    r0 = 0
    r1 = 0
outer:
    r2 = 0
inner:
    r0 += 1
    r2 += 1
    if r2 < 4 goto inner
    r1 += 1
    if r1 < 4 goto outer
    exit

=== selftests_loops1/loop_to_first_insn
desc: a back-edge to instruction 0 moving the ctx pointer in r1 (the kernel reports an infinite loop)
    r1 += 1
    if r1 < 4 goto -2
    r0 = 2
    if r0 < 4 goto -2
    exit

=== selftests_loops1/loop_to_first_insn_uninit
desc: a back-edge to instruction 0 reading r0 before it is set
    r0 += 1
    if r0 < 4 goto -2
    exit

=== selftests_loops1/loop_stack_writes
desc: a loop filling 4 stack slots with a variable offset
    r1 = 0
loop:
    r2 = r10
    r2 += -32
    r3 = r1
    r3 <<= 3
    r2 += r3
    r4 = 0
    *(u64 *)(r2 + 0) = r4
    r1 += 1
    if r1 < 4 goto loop
    r0 = *(u64 *)(r10 - 8)
    r0 = 2
    exit

=== selftests_loops1/loop_stack_writes_overrun
desc: the same loop running 5 rounds writes past fp
    r1 = 0
loop:
    r2 = r10
    r2 += -32
    r3 = r1
    r3 <<= 3
    r2 += r3
    r4 = 0
    *(u64 *)(r2 + 0) = r4
    r1 += 1
    if r1 < 5 goto loop
    r0 = 2
    exit

=== selftests_loops1/loop_sum_in_range
desc: the loop's sum used as a value offset: at most 0+1+2+3 = 6
maps: m=array(4,8,1)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0
    r2 = 0
loop:
    r2 += r1
    r1 += 1
    if r1 < 4 goto loop
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_loops1/loop_sum_past_value
desc: the loop's sum 0+..+4 = 10 past an 8-byte value
maps: m=array(4,8,1)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0
    r2 = 0
loop:
    r2 += r1
    r1 += 1
    if r1 < 5 goto loop
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_loops1/loop_with_call
desc: a subprogram called in a bounded loop
    r6 = 0
loop:
    r1 = r6
    call f
    r6 += 1
    if r6 < 3 goto loop
    r0 = 2
    exit
f:
    r0 = r1
    exit

=== selftests_loops1/loop_helper_in_body
desc: a helper called in each of 8 rounds
    r6 = 0
loop:
    call bpf_get_prandom_u32
    r6 += 1
    if r6 < 8 goto loop
    r0 = 2
    exit

=== selftests_loops1/count_up_25
type: socket_filter
desc: a counter to 25 with the sum of the counter kept in r0
    r0 = 0
    r1 = 0
loop:
    r0 += r1
    r1 += 1
    if r1 < 25 goto loop
    exit

=== selftests_loops1/start_unknown_nonneg
type: socket_filter
desc: the counter starts from a non-negative u16 read from the skb and counts up to 6
    r0 = 0
    r1 = *(u16 *)(r1 + 0)
    if r1 s< 0 goto out
loop:
    r1 += 1
    if r1 < 6 goto loop
out:
    exit

=== selftests_loops1/start_totally_unknown
type: socket_filter
desc: the counter starts from any 64-bit value (a helper's result) and counts up to 6 (26 instructions: the unknown start converges at once)
    call bpf_get_prandom_u32
    r1 = r0
    r1 <<= 32
    r1 |= r0
    r0 = 0
loop:
    r1 += 1
    if r1 < 6 goto loop
    exit

=== selftests_loops1/count_up_eq
type: socket_filter
desc: the loop exits when the counter equals 5
    r0 = 0
    r1 = 0
loop:
    r1 += 1
    if r1 == 5 goto done
    goto loop
done:
    exit

=== selftests_loops1/enter_in_the_middle
type: socket_filter
desc: a jump into the middle of the loop body on the first round
    r0 = 0
    r1 = 0
    goto middle
loop:
    r0 += 2
middle:
    r1 += 1
    if r1 < 5 goto loop
    exit

=== selftests_loops1/forward_jump_in_body
type: socket_filter
desc: a forward jump inside the body skips one step on some rounds
    r0 = 0
    r1 = 0
loop:
    r1 += 1
    if r1 == 3 goto skip
    r0 += 1
skip:
    if r1 < 7 goto loop
    exit

=== selftests_loops1/exit_from_the_middle
type: socket_filter
desc: the loop leaves from the middle of the body once the counter passes 3
    r0 = 0
    r1 = 0
loop:
    r1 += 1
    if r1 > 3 goto done
    r0 += 1
    goto loop
done:
    exit

=== selftests_loops1/infinite_after_branch
type: socket_filter
heavy: a million processed instructions
desc: a conditional jump then a loop that never changes its exit condition's register in range
    r0 = 0
    if r0 == 0 goto spin
    exit
spin:
    r0 += 1
    if r0 != 0 goto spin
    exit

=== selftests_loops1/two_jump_cycle
type: socket_filter
desc: two unconditional jumps that go to each other
    r0 = 0
    if r0 < 4 goto a
    exit
a:
    goto b
b:
    goto a

=== selftests_loops1/three_jump_trick
type: socket_filter
desc: a counter masked to 1 bit, three jumps that never let it reach 2
    r0 = 0
a:
    r0 += 1
    r0 &= 1
    if r0 < 2 goto b
    exit
b:
    goto a

=== selftests_loops1/back_to_first_not_taken
type: socket_filter
desc: a back-edge to instruction 0 guarded by a test that fails on the first round
    r0 = 5
    if r0 < 4 goto -2
    exit

=== selftests_loops1/back_to_first_taken_then_exit
type: socket_filter
desc: a back-edge to instruction 1 that is taken until the counter reaches 4
    r0 = 0
    r0 += 1
    if r0 < 4 goto -2
    exit

=== selftests_loops1/large_u32_bound
type: socket_filter
heavy: a million processed instructions
desc: a 32-bit counter compared with a bound near 2^32: far too many rounds
    w0 = 0
loop:
    w0 += 1
    if w0 < 0xfffffff0 goto loop
    r0 = 0
    exit

=== selftests_loops1/recursion_bounded_by_counter
type: socket_filter
desc: a subprogram calling itself while a counter in r1 is below 4
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r1 += 1
    if r1 >= 4 goto done
    call f
done:
    r0 = 0
    exit
