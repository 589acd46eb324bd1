# Theme: the control-flow checks as the kernel's verifier_cfg selftests probe them, written
# afresh (check_cfg, visit_insn): unreachable instructions, jumps out of the program or into the
# middle of a 16-byte load, a program not ending in exit or a jump, a fall-through off the end,
# calls into the middle of lddw, and dead code after an exit.

=== selftests_cfg/unreachable_tail
desc: an instruction after the final exit that nothing reaches
    r0 = 2
    exit
    r0 = 1
    exit

=== selftests_cfg/unreachable_after_ja
desc: a goto that skips an instruction nothing else reaches
    r0 = 2
    goto +1
    r0 = 1
    exit

=== selftests_cfg/jump_out_of_range
desc: a jump past the last instruction
    r0 = 2
    if r0 == 0 goto +5
    exit

=== selftests_cfg/jump_before_start
desc: a jump before instruction 0
    r0 = 2
    if r0 == 0 goto -5
    exit

=== selftests_cfg/jump_into_lddw
desc: a jump into the second half of a 16-byte load
    r0 = 2
    if r0 == 0 goto +1
    r1 = 0x1122334455667788 ll
    exit

=== selftests_cfg/falls_off_end
desc: the last instruction is no exit or jump
    r0 = 2
    exit
    r0 = 1

=== selftests_cfg/cond_falls_off_end
desc: a conditional jump as the last instruction
    r0 = 2
    if r0 == 0 goto -2

=== selftests_cfg/ja_to_self
desc: goto -1: an infinite loop
    r0 = 2
    goto -1
    exit

=== selftests_cfg/back_edge_conditional_dead
desc: a back-edge whose condition is never true is still walked only once
    r0 = 2
    r1 = 0
    if r1 == 1 goto -2
    exit

=== selftests_cfg/dead_code_after_known_branch
desc: code after an always-taken branch is dead but reachable in the graph
    r0 = 2
    if r0 == 2 goto +2
    r1 = *(u64 *)(r5 + 0)
    exit
    exit

=== selftests_cfg/call_into_lddw
desc: a bpf-to-bpf call into the middle of lddw
    .insn 0x85, 0, 1, 0, 1
    r0 = 0x1 ll
    r0 = 2
    exit

=== selftests_cfg/call_out_of_range
desc: a bpf-to-bpf call past the end
    .insn 0x85, 0, 1, 0, 5
    r0 = 2
    exit

=== selftests_cfg/gotol_forward
desc: a 32-bit offset jump (gotol) over one instruction
    r0 = 2
    gotol +1
    r0 = 1
    exit

=== selftests_cfg/two_exits
desc: two exits on two branches
    r0 = *(u32 *)(r1 + 12)
    if r0 == 0 goto zero
    r0 = 2
    exit
zero:
    r0 = 1
    exit

=== selftests_cfg/empty_program_exit_only
desc: exit without setting r0
    exit
