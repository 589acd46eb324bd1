# Theme: 32-bit subregisters: ALU32 results zero-extend (zext_32_to_64), 32-bit bounds live next to
# the 64-bit ones (__reg32_deduce_bounds, __reg_deduce_mixed_bounds), JMP32 refines only the low
# half, sign-extension tricks with shifts and movsx, and wrap-around of 32-bit arithmetic.  Each
# program ends by offsetting a 16-byte map value by r6.

=== bounds32/w_and_zero_extends
maps: m=hash(4,16,4)
desc: w6 &= 15 clears the unknown upper half
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    r6 = r7
    w6 &= 15
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/w_mov_zero_extends
maps: m=hash(4,16,4)
desc: w6 = w6 then a 32-bit bound
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    r6 = r7
    w6 = w6
    if w6 > 15 goto out
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/upper_half_unknown
maps: m=hash(4,16,4)
desc: a 32-bit bound on a 64-bit unknown
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    r6 = r7
    if w6 > 15 goto out
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/lsh_rsh_zero_extend
maps: m=hash(4,16,4)
desc: <<32 >>32 zero-extends
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    r6 = r7
    r6 <<= 32
    r6 >>= 32
    if w6 > 15 goto out
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/lsh_arsh_sign_extend
maps: m=hash(4,16,4)
desc: <<32 s>>32 sign-extends: w6 <= 15 says nothing of the upper half
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    r6 <<= 32
    r6 s>>= 32
    if w6 > 15 goto out
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/w_add_wraps
maps: m=hash(4,16,4)
desc: 0..15 - 16 + 16 in 32 bits: wraps back
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    w6 &= 15
    w6 += -16
    w6 += 16
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/w_sub_wraps
maps: m=hash(4,16,4)
desc: 0..15 - 1 in 32 bits: 0xffffffff possible
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    w6 &= 15
    w6 -= 1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/w_sub_then_jlt
maps: m=hash(4,16,4)
desc: a wrapped value bounded by a 32-bit compare
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    w6 -= 1
    if w6 < 15 goto +1
    goto out
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/r_add_u32_max
maps: m=hash(4,16,4)
desc: 64-bit add, 32-bit compare
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    r6 += 0x7fffffff
    if w6 > 15 goto out
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/jmp32_then_64_cmp
maps: m=hash(4,16,4)
desc: 32-bit and 64-bit bounds combined
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    r6 = r7
    if w6 > 15 goto out
    if r6 > 0xffffffff goto out
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/jmp32_signed_range
maps: m=hash(4,16,4)
desc: both 32-bit signed bounds on a zero-extended value
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    if w6 s> 15 goto out
    if w6 s< 0 goto out
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/movsx32_of_u32
maps: m=hash(4,16,4)
desc: sign-extend 32 then signed bounds
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    r6 = (s32)r6
    if r6 s> 15 goto out
    if r6 s< 0 goto out
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/movsx8_w
maps: m=hash(4,16,4)
desc: 32-bit (s8) then an unsigned 32-bit bound
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    w6 = (s8)w6
    if w6 > 15 goto out
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/movsx16_w_masked
maps: m=hash(4,16,4)
desc: (s16) of 0..127: unchanged
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    w6 &= 0x7f
    w6 = (s16)w6
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/u16_load
maps: m=hash(4,16,4)
desc: a u16 context field does not exist in xdp_md: load refused
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    r6 = *(u16 *)(r1 + 12)
    r6 >>= 12
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/u32_neg_w
maps: m=hash(4,16,4)
desc: 32-bit negation twice
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    w6 &= 15
    w6 = -w6
    w6 = -w6
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/w_mul_overflow
maps: m=hash(4,16,4)
desc: a 32-bit product, then the top nibble
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    w6 &= 0xffff
    w6 *= 0x10000
    w6 >>= 28
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/w_lsh_then_rsh
maps: m=hash(4,16,4)
desc: the low nibble isolated by 32-bit shifts
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    w6 <<= 28
    w6 >>= 28
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/w_arsh
maps: m=hash(4,16,4)
desc: a 32-bit arithmetic shift: -8..7 in 32 bits, zero-extended
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    w6 <<= 28
    w6 s>>= 28
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/w_arsh_then_bound
maps: m=hash(4,16,4)
desc: -8..7 then non-negative
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    w6 <<= 28
    w6 s>>= 28
    if w6 s< 0 goto out
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/w_or_high_bit
maps: m=hash(4,16,4)
desc: a high bit set then masked away
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    w6 &= 15
    w6 |= 0x80000000
    w6 &= 15
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/r_xor_upper
maps: m=hash(4,16,4)
desc: an upper-half bit XOR-ed in
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    w6 &= 15
    r8 = 0x100000000 ll
    r6 ^= r8
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/jmp32_eq_on_64
maps: m=hash(4,16,4)
desc: w6 == 3 with an unknown upper half
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    r6 = r7
    if w6 == 3 goto +1
    goto out
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/jmp32_eq_zero_extended
maps: m=hash(4,16,4)
desc: w6 == 3 on a zero-extended value
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    if w6 == 3 goto +1
    goto out
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/w_mov_imm_neg
maps: m=hash(4,16,4)
desc: w6 = -1 is 0xffffffff: >> 28 is 15
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    w6 = -1
    r6 >>= 28
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== bounds32/r_mov_imm_neg
maps: m=hash(4,16,4)
desc: r6 = -1 >> 60 is 15
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u64 *)(r10 - 16)
    r6 = -1
    r6 >>= 60
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit
