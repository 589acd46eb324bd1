# Theme: 32-bit subregisters (the kernel's verifier_subreg selftests, written afresh): every
# ALU32 operation zero-extends its result, so the upper half is known zero and a following
# 64-bit right shift by 32 gives 0; ALU64 operations keep the upper half.

=== selftests_subreg/add32_zero_extends
maps: m=hash(8,16,1)
desc: w1 = w0 + 1 (w0 unknown): r1 >> 32 is 0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = r0
    r1 <<= 32
    w1 += 1
    r1 >>= 32
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/add64_keeps_upper
maps: m=hash(8,16,1)
desc: r1 = (rand << 32) + 1 in 64 bits: the upper half stays unknown
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = r0
    r1 <<= 32
    r1 += 1
    r1 >>= 32
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/sub32_zero_extends
maps: m=hash(8,16,1)
desc: w1 -= 1 zero-extends
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = r0
    r1 <<= 32
    w1 -= 1
    r1 >>= 32
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/mul32_zero_extends
maps: m=hash(8,16,1)
desc: w1 *= 3 zero-extends
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = r0
    r1 <<= 32
    w1 *= 3
    r1 >>= 32
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/div32_zero_extends
maps: m=hash(8,16,1)
desc: w1 /= 3: 6.18 does not track division, the result is unknown in all 64 bits
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = r0
    r1 <<= 32
    w1 /= 3
    r1 >>= 32
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/mod32_zero_extends
maps: m=hash(8,16,1)
desc: w1 %= 3: 6.18 does not track modulo, the result is unknown in all 64 bits
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = r0
    r1 <<= 32
    w1 %= 3
    r1 >>= 32
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/or32_zero_extends
maps: m=hash(8,16,1)
desc: w1 |= 1 zero-extends
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = r0
    r1 <<= 32
    w1 |= 1
    r1 >>= 32
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/and32_zero_extends
maps: m=hash(8,16,1)
desc: w1 &= -1 zero-extends
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = r0
    r1 <<= 32
    w1 &= -1
    r1 >>= 32
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/xor32_zero_extends
maps: m=hash(8,16,1)
desc: w1 ^= 5 zero-extends
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = r0
    r1 <<= 32
    w1 ^= 5
    r1 >>= 32
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/lsh32_zero_extends
maps: m=hash(8,16,1)
desc: w1 <<= 1 zero-extends
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = r0
    r1 <<= 32
    w1 <<= 1
    r1 >>= 32
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/arsh32_zero_extends
maps: m=hash(8,16,1)
desc: w1 s>>= 1 zero-extends
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = r0
    r1 <<= 32
    w1 s>>= 1
    r1 >>= 32
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/neg32_zero_extends
maps: m=hash(8,16,1)
desc: w1 = -w1 zero-extends
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = r0
    r1 <<= 32
    w1 = -w1
    r1 >>= 32
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/mov32_reg_zero_extends
maps: m=hash(8,16,1)
desc: w1 = w2 with r2 having an unknown upper half: r1 >> 32 is 0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r2 = r0
    r2 <<= 32
    r2 |= 3
    w1 = w2
    r1 >>= 32
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/mov64_reg_keeps_upper
maps: m=hash(8,16,1)
desc: r1 = r2 keeps the unknown upper half
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r2 = r0
    r2 <<= 32
    r1 = r2
    r1 >>= 32
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/helper_return_u32_upper_unknown
maps: m=hash(8,16,1)
desc: bpf_get_prandom_u32's r0 is a full 64-bit unknown to the verifier (its prototype says RET_INTEGER)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r0 >>= 32
    r6 += r0
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/w_compare_does_not_bound_upper
maps: m=hash(8,16,1)
desc: if w1 < 8 on a 64-bit unknown: the upper half stays unknown
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if w1 > 7 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_subreg/w_compare_then_mov32
maps: m=hash(8,16,1)
desc: if w1 < 8, then w1 = w1 clears the upper half: within the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if w1 > 7 goto out
    w1 = w1
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit
