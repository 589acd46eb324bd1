# Theme: bounds of divisions and modulos, as the kernel's verifier_div_mod_bounds selftests probe
# them, written afresh: each program makes a division or modulo of a bounded value by a constant
# (or by a register known to be zero) and dereferences a scalar on the path where the result would
# leave its mathematical range.  Linux 6.18's adjust_scalar_min_max_vals() tracks no bounds through
# BPF_DIV and BPF_MOD (the result is an unknown scalar, even of two constants), so it walks those
# paths and refuses them; later releases that track the ranges accept most of them.

=== selftests_div_mod_bounds/udiv32_const
type: socket_filter
desc: w1 in {1, 9} divided by 3: is the quotient's bound (at most 3) known?
    call bpf_get_prandom_u32
    w1 = w0
    w1 &= 8
    w1 |= 1
    w1 /= 3
    if w1 > 3 goto bad
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/udiv64_const
type: socket_filter
desc: r1 in {1, 9} divided by 3
    call bpf_get_prandom_u32
    r1 = r0
    r1 &= 8
    r1 |= 1
    r1 /= 3
    if r1 > 3 goto bad
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/udiv32_by_zero_reg
type: socket_filter
desc: a division by a register known to be 0 gives 0
    call bpf_get_prandom_u32
    w1 = w0
    w1 &= 8
    w1 |= 1
    w2 = 0
    w1 /= w2
    if w1 != 0 goto bad
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/udiv64_by_zero_reg
type: socket_filter
desc: r1 / r2 with r2 = 0 gives 0
    call bpf_get_prandom_u32
    r1 = r0
    r1 &= 8
    r1 |= 1
    r2 = 0
    r1 /= r2
    if r1 != 0 goto bad
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/sdiv32_positive_range
type: socket_filter
desc: w1 in [8, 10] signed-divided by 3: is [2, 3] known?
    call bpf_get_prandom_u32
    w1 = w0
    if w1 s< 8 goto ok
    if w1 s> 10 goto ok
    w1 s/= 3
    if w1 s< 2 goto bad
    if w1 s> 3 goto bad
    ok:
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/sdiv64_negative_divisor
type: socket_filter
desc: r1 in [8, 10] signed-divided by -3: is [-3, -2] known?
    call bpf_get_prandom_u32
    r1 = r0
    if r1 s< 8 goto ok
    if r1 s> 10 goto ok
    r1 s/= -3
    if r1 s< -3 goto bad
    if r1 s> -2 goto bad
    ok:
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/sdiv64_by_zero_reg
type: socket_filter
desc: a signed division by a register known to be 0 gives 0
    call bpf_get_prandom_u32
    r1 = r0
    r1 &= 8
    r2 = 0
    r1 s/= r2
    if r1 != 0 goto bad
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/umod32_const
type: socket_filter
desc: w1 in {1, 9} modulo 3: below 3?
    call bpf_get_prandom_u32
    w1 = w0
    w1 &= 8
    w1 |= 1
    w1 %= 3
    if w1 > 2 goto bad
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/umod64_small_dividend
type: socket_filter
desc: r1 in {1, 9} modulo 10 is r1 itself
    call bpf_get_prandom_u32
    r1 = r0
    r1 &= 8
    r1 |= 1
    r1 %= 10
    if r1 < 1 goto bad
    if r1 > 9 goto bad
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/umod64_by_zero_reg
type: socket_filter
desc: r1 modulo a register known to be 0 is r1: bounds kept
    call bpf_get_prandom_u32
    r1 = r0
    r1 &= 8
    r1 |= 1
    r2 = 0
    r1 %= r2
    if r1 < 1 goto bad
    if r1 > 9 goto bad
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/umod32_by_zero_reg
type: socket_filter
desc: w1 modulo a zero register keeps w1
    call bpf_get_prandom_u32
    w1 = w0
    w1 &= 8
    w1 |= 1
    w2 = 0
    w1 %= w2
    if w1 > 9 goto bad
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/smod64_const
type: socket_filter
desc: r1 in [-8, 10] signed modulo 3: within [-2, 2]?
    call bpf_get_prandom_u32
    r1 = r0
    if r1 s< -8 goto ok
    if r1 s> 10 goto ok
    r1 s%= 3
    if r1 s< -2 goto bad
    if r1 s> 2 goto bad
    ok:
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/sdiv32_int_min_by_minus_one
type: socket_filter
desc: INT_MIN s/ -1 on constants is INT_MIN at run time, unknown to Linux 6.18's verifier
    w1 = -2147483648
    w1 s/= -1
    if w1 != -2147483648 goto bad
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/sdiv64_llong_min_by_minus_one
type: socket_filter
desc: LLONG_MIN s/ -1 on constants, unknown to Linux 6.18's verifier
    r1 = 0x8000000000000000 ll
    r1 s/= -1
    r2 = 0x8000000000000000 ll
    if r1 != r2 goto bad
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/udiv_const_const
type: socket_filter
desc: 14 / 4 on constants: not folded by Linux 6.18
    r1 = 14
    r1 /= 4
    if r1 != 3 goto bad
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/umod_const_const
type: socket_filter
desc: 14 % 4 on constants: not folded by Linux 6.18
    w1 = 14
    w1 %= 4
    if w1 != 2 goto bad
    r0 = 0
    exit
    bad:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_div_mod_bounds/div_result_as_offset
type: socket_filter
desc: an unknown u64 divided by 1024 added to the frame pointer: its bounds are unknown
    call bpf_get_prandom_u32
    r0 /= 1024
    r1 = r10
    r1 += r0
    r0 = *(u8 *)(r1 - 1)
    r0 = 0
    exit
