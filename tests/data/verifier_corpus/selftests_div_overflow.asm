# Theme: signed division overflow (the kernel's verifier_div_overflow selftests, written afresh):
# INT_MIN s/ -1 and INT_MIN s% -1, 32- and 64-bit, by immediate and by register: allowed (the
# result is defined), and their results as returns.

=== selftests_div_overflow/sdiv32_min_by_minus_one_imm
desc: INT32_MIN s/ -1 by immediate
    w0 = 0x80000000
    w0 s/= -1
    w0 = 0
    exit

=== selftests_div_overflow/sdiv32_min_by_minus_one_reg
desc: INT32_MIN s/ -1 by register
    w0 = 0x80000000
    w1 = -1
    w0 s/= w1
    w0 = 0
    exit

=== selftests_div_overflow/smod32_min_by_minus_one_reg
desc: INT32_MIN s% -1 by register
    w0 = 0x80000000
    w1 = -1
    w0 s%= w1
    w0 = 0
    exit

=== selftests_div_overflow/sdiv64_min_by_minus_one_imm
desc: INT64_MIN s/ -1 by immediate
    r0 = 0x8000000000000000 ll
    r0 s/= -1
    r0 = 0
    exit

=== selftests_div_overflow/smod64_min_by_minus_one_imm
desc: INT64_MIN s% -1 by immediate
    r0 = 0x8000000000000000 ll
    r0 s%= -1
    r0 = 0
    exit

=== selftests_div_overflow/udiv64_max_by_one
desc: U64_MAX / 1 unsigned
    r0 = -1
    r0 /= 1
    r0 = 0
    exit

=== selftests_div_overflow/sdiv_unknown_by_minus_one
desc: an unknown s/ -1 (register)
    call bpf_get_prandom_u32
    r1 = -1
    r0 s/= r1
    r0 = 0
    exit
