# Theme: call and jump encodings the kernel's verifier_call_large_imm and verifier_gotox selftests
# touch, written afresh: helper ids out of range or negative, kfunc and pseudo-call fields, the
# reserved fields of BPF_CALL and BPF_EXIT, an indirect jump (BPF_JA | BPF_X: gotox, which Linux
# 6.18 does not know), and calls whose target lies outside the program.

=== selftests_call_insn/helper_id_huge
type: socket_filter
desc: a helper call with imm 0x7fffffff
    .insn 0x85, 0, 0, 0, 0x7fffffff
    r0 = 0
    exit

=== selftests_call_insn/helper_id_negative
type: socket_filter
desc: a helper call with imm -1
    .insn 0x85, 0, 0, 0, -1
    r0 = 0
    exit

=== selftests_call_insn/helper_id_past_last
type: socket_filter
desc: a helper call with imm 300
    .insn 0x85, 0, 0, 0, 300
    r0 = 0
    exit

=== selftests_call_insn/helper_id_zero
type: socket_filter
desc: a helper call with imm 0 (bpf_unspec)
    .insn 0x85, 0, 0, 0, 0
    r0 = 0
    exit

=== selftests_call_insn/helper_call_dst_set
type: socket_filter
desc: a helper call with a destination register
    .insn 0x85, 1, 0, 0, 7
    r0 = 0
    exit

=== selftests_call_insn/helper_call_off_set
type: socket_filter
desc: a helper call with an offset
    .insn 0x85, 0, 0, 1, 7
    r0 = 0
    exit

=== selftests_call_insn/pseudo_call_src_3
type: socket_filter
desc: a call with source register 3
    .insn 0x85, 0, 3, 0, 1
    r0 = 0
    exit

=== selftests_call_insn/pseudo_call_out_of_range
type: socket_filter
desc: a bpf-to-bpf call past the end
    .insn 0x85, 0, 1, 0, 100
    r0 = 0
    exit

=== selftests_call_insn/pseudo_call_negative
type: socket_filter
desc: a bpf-to-bpf call before the start
    r0 = 0
    .insn 0x85, 0, 1, 0, -3
    exit

=== selftests_call_insn/pseudo_call_self
type: socket_filter
desc: a bpf-to-bpf call to itself
    r0 = 0
    .insn 0x85, 0, 1, 0, -1
    exit

=== selftests_call_insn/pseudo_call_imm_large
type: socket_filter
desc: a bpf-to-bpf call with imm 0x7fffffff
    .insn 0x85, 0, 1, 0, 0x7fffffff
    r0 = 0
    exit

=== selftests_call_insn/kfunc_call_btf_id_0
type: sched_cls
desc: a kfunc call with BTF id 0
    .insn 0x85, 0, 2, 0, 0
    r0 = 0
    exit

=== selftests_call_insn/kfunc_call_btf_id_huge
type: sched_cls
desc: a kfunc call with BTF id 0x7fffffff
    .insn 0x85, 0, 2, 0, 0x7fffffff
    r0 = 0
    exit

=== selftests_call_insn/kfunc_call_not_func
type: sched_cls
desc: a kfunc call whose id names a struct
    .insn 0x85, 0, 2, 0, btf_type(sk_buff)
    r0 = 0
    exit

=== selftests_call_insn/exit_reserved_imm
type: socket_filter
desc: an exit with an immediate
    r0 = 0
    .insn 0x95, 0, 0, 0, 1

=== selftests_call_insn/exit_reserved_src
type: socket_filter
desc: an exit with a source register
    r0 = 0
    .insn 0x95, 0, 1, 0, 0

=== selftests_call_insn/call_jmp32_class
type: socket_filter
desc: BPF_CALL in the JMP32 class
    .insn 0x86, 0, 0, 0, 7
    r0 = 0
    exit

=== selftests_call_insn/exit_jmp32_class
type: socket_filter
desc: BPF_EXIT in the JMP32 class
    r0 = 0
    .insn 0x96, 0, 0, 0, 0

=== selftests_call_insn/gotox_reg
type: socket_filter
desc: an indirect jump through a register (BPF_JA | BPF_X)
    r1 = 0
    .insn 0x0d, 1, 0, 0, 0
    r0 = 0
    exit

=== selftests_call_insn/gotox_jmp32
type: socket_filter
desc: BPF_JA | BPF_X in the JMP32 class
    r1 = 0
    .insn 0x0e, 1, 0, 0, 0
    r0 = 0
    exit

=== selftests_call_insn/ja_reserved_src
type: socket_filter
desc: a goto with a source register
    .insn 0x05, 0, 1, 0, 0
    r0 = 0
    exit

=== selftests_call_insn/ja_reserved_imm
type: socket_filter
desc: a goto with an immediate and an offset
    .insn 0x05, 0, 0, 0, 1
    r0 = 0
    exit

=== selftests_call_insn/gotol_with_off
type: socket_filter
desc: a gotol (JMP32 JA) with an offset
    .insn 0x06, 0, 0, 1, 0
    r0 = 0
    exit

=== selftests_call_insn/ja_out_of_range
type: socket_filter
desc: a goto past the end
    .insn 0x05, 0, 0, 5, 0
    r0 = 0
    exit
