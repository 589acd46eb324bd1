# Theme: may_goto as the kernel's verifier_may_goto selftests probe it, written afresh: the
# instruction's encodings (offset 0 is a no-op, reserved fields), loops bounded only by may_goto,
# may_goto with the stack slot it needs (the hidden counter below the program's stack), and
# may_goto inside callbacks and subprograms.

=== selftests_may_goto/off_zero
desc: may_goto +0 (a no-op)
    .insn 0xe5, 0, 0, 0, 0
    r0 = 2
    exit

=== selftests_may_goto/reserved_imm
desc: may_goto with a non-zero immediate
    r0 = 1
    .insn 0xe5, 0, 0, 1, 1
    r0 = 2
    exit

=== selftests_may_goto/reserved_src
desc: may_goto with a non-zero source register
    r0 = 1
    .insn 0xe5, 0, 1, 1, 0
    r0 = 2
    exit

=== selftests_may_goto/reserved_src_state_freq
flags: test_state_freq
desc: may_goto with a non-zero source register is still a conditional jump to check_cfg(): a prune point (a checkpoint there)
    r0 = 1
    .insn 0xe5, 0, 1, 1, 0
    r0 = 2
    exit

=== selftests_may_goto/reserved_dst
desc: may_goto with a non-zero destination register
    r0 = 1
    .insn 0xe5, 1, 0, 1, 0
    r0 = 2
    exit

=== selftests_may_goto/skip_one
desc: may_goto over one instruction: both paths reach exit
    r0 = 1
    may_goto skip
    r0 = 2
skip:
    exit

=== selftests_may_goto/skip_uninit
desc: may_goto skips the only assignment of r0
    may_goto skip
    r0 = 2
skip:
    exit

=== selftests_may_goto/endless_loop_bounded
desc: a loop with no exit but may_goto
    r0 = 2
loop:
    may_goto out
    r0 += 1
    goto loop
out:
    r0 = 2
    exit

=== selftests_may_goto/loop_uses_full_stack
desc: a may_goto loop in a program that uses all 512 stack bytes (the counter needs 8 more)
    r1 = 0
    *(u64 *)(r10 - 512) = r1
loop:
    may_goto out
    r1 += 1
    goto loop
out:
    r0 = 2
    exit

=== selftests_may_goto/loop_index_into_value
maps: m=array(4,16,1)
desc: a may_goto loop counter used as a value offset: unbounded
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0
loop:
    may_goto out
    r2 = r0
    r2 += r1
    r3 = *(u8 *)(r2 + 0)
    r1 += 1
    goto loop
out:
    r0 = 2
    exit

=== selftests_may_goto/loop_index_checked
maps: m=array(4,16,1)
desc: a may_goto loop whose counter is checked against 16 before each read
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0
loop:
    may_goto out
    if r1 >= 16 goto out
    r2 = r0
    r2 += r1
    r3 = *(u8 *)(r2 + 0)
    r1 += 1
    goto loop
out:
    r0 = 2
    exit

=== selftests_may_goto/in_callback
btf: func_info
desc: a may_goto loop inside a bpf_loop callback
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 2
    exit
cb:
    r0 = 0
loop:
    may_goto done
    r0 += 1
    goto loop
done:
    r0 = 0
    exit

=== selftests_may_goto/two_in_sequence
desc: two may_goto loops one after the other
    r0 = 0
l1:
    may_goto m
    r0 += 1
    goto l1
m:
    may_goto out
    r0 += 1
    goto m
out:
    r0 = 2
    exit
