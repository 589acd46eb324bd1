# Theme: malformed instructions as the kernel's verifier_junk_insn selftests probe them, written
# afresh with raw encodings (bpf_check's opcode and field checks, resolve_pseudo_ldimm64,
# check_alu_op's reserved fields): unknown opcodes, reserved source or offset fields, a lone
# second half of lddw, lddw with unknown pseudo sources, and out-of-range registers.

=== selftests_junk_insn/opcode_ff
desc: opcode 0xff
    r0 = 2
    .insn 0xff, 0, 0, 0, 0
    exit

=== selftests_junk_insn/opcode_zero
desc: an all-zero instruction (a lone lddw second half)
    r0 = 2
    .insn 0x00, 0, 0, 0, 0
    exit

=== selftests_junk_insn/alu_reserved_off
desc: an ALU64 add with a non-zero offset field
    r0 = 2
    .insn 0x07, 0, 0, 3, 1
    exit

=== selftests_junk_insn/alu_imm_reserved_src
desc: an ALU64 immediate add with a non-zero source register
    r0 = 2
    .insn 0x07, 0, 1, 0, 1
    exit

=== selftests_junk_insn/mov_reg_reserved_imm
desc: a register move with a non-zero immediate
    r0 = 2
    .insn 0xbf, 1, 0, 0, 5
    exit

=== selftests_junk_insn/dst_register_11
desc: destination register 11
    r0 = 2
    .insn 0xb7, 11, 0, 0, 1
    exit

=== selftests_junk_insn/src_register_12
desc: source register 12 of a register move
    r0 = 2
    .insn 0xbf, 1, 12, 0, 0
    exit

=== selftests_junk_insn/write_r10
desc: writing the frame pointer
    r0 = 2
    .insn 0xb7, 10, 0, 0, 0
    exit

=== selftests_junk_insn/lddw_unknown_pseudo
desc: lddw with source 7 (no such pseudo kind)
    .insn 0x18, 0, 7, 0, 0, 0
    r0 = 2
    exit

=== selftests_junk_insn/lddw_raw_then_add
desc: a raw lddw of the constant 1 (its second half written by the assembler) and a raw r0 += 0
    .insn 0x18, 0, 0, 0, 1
    .insn 0x07, 0, 0, 0, 0
    r0 = 2
    exit

=== selftests_junk_insn/lddw_truncated
desc: lddw as the last instruction
    r0 = 2
    exit
    .insn 0x18, 0, 0, 0, 1

=== selftests_junk_insn/exit_reserved_imm
desc: exit with a non-zero immediate
    r0 = 2
    .insn 0x95, 0, 0, 0, 1

=== selftests_junk_insn/ja_reserved_src
desc: a goto with a non-zero source register
    r0 = 2
    .insn 0x05, 0, 1, 0, 0
    exit

=== selftests_junk_insn/div_by_imm_zero
desc: a division by the immediate 0
    r0 = 2
    .insn 0x37, 0, 0, 0, 0
    exit

=== selftests_junk_insn/end_bad_imm
desc: a byte swap of width 24
    r0 = 2
    .insn 0xd4, 0, 0, 0, 24
    exit

=== selftests_junk_insn/ldx_reserved_imm
desc: a load with a non-zero immediate
    r0 = 2
    .insn 0x79, 1, 10, -8, 3
    exit

=== selftests_junk_insn/call_reserved_dst
desc: a helper call with a non-zero destination register
    .insn 0x85, 1, 0, 0, 7
    r0 = 2
    exit

=== selftests_junk_insn/atomic_bad_imm
desc: an atomic with operation code 0x10 (BPF_AND without fetch is 0x50)
    *(u64 *)(r10 - 8) = 0
    r1 = 1
    .insn 0xdb, 10, 1, -8, 0x10
    r0 = 2
    exit
