# Theme: division and modulo by zero (the kernel's verifier_div0 selftests, written afresh):
# immediate zero divisors are refused; register divisors that are zero are allowed (the result is
# defined: 0 for division, the dividend for modulo), 32- and 64-bit.

=== selftests_div0/div64_imm_zero
desc: r0 /= 0 by immediate
    r0 = 1
    r0 /= 0
    exit

=== selftests_div0/mod64_imm_zero
desc: r0 %= 0 by immediate
    r0 = 1
    r0 %= 0
    exit

=== selftests_div0/div32_imm_zero
desc: w0 /= 0 by immediate
    w0 = 1
    w0 /= 0
    exit

=== selftests_div0/mod32_imm_zero
desc: w0 %= 0 by immediate
    w0 = 1
    w0 %= 0
    exit

=== selftests_div0/div64_reg_zero
desc: r0 /= r1 with r1 = 0: allowed
    r0 = 1
    r1 = 0
    r0 /= r1
    exit

=== selftests_div0/mod32_reg_zero
desc: w0 %= w1 with w1 = 0: allowed
    w0 = 7
    w1 = 0
    w0 %= w1
    exit

=== selftests_div0/div_by_unknown
desc: division by an unknown register
    call bpf_get_prandom_u32
    r1 = r0
    r0 = 100
    r0 /= r1
    exit

=== selftests_div0/div_const_result_tracked
maps: m=hash(8,16,1)
desc: 40 / 4 of constants: 6.18 does not track division, the offset is unknown
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 40
    r1 /= 4
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_div0/mod_const_result_offset
maps: m=hash(8,16,1)
desc: 45 % 20 of constants: 6.18 does not track modulo, the offset is unknown
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 45
    r2 = 20
    r1 %= r2
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_div0/mod_by_zero_reg_keeps_dividend
maps: m=hash(8,16,1)
desc: 30 % r2 with r2 = 0: the verifier does not compute it (unknown offset)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 30
    r2 = 0
    r1 %= r2
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit
