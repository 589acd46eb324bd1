# Theme: scalar ALU operations and their transfer functions on tnum and the signed/unsigned 64- and
# 32-bit bounds (adjust_scalar_min_max_vals): each program bounds an unknown ctx field, applies an
# operation and uses the result as an offset into a 16-byte map value, so the verdict depends on
# the bounds the operation leaves.  Also: division and shifts by constants the kernel refuses, reads
# of uninitialised registers, reserved fields.

=== alu/add_imm_in
maps: m=hash(4,16,4)
desc: 0..7 + 8 = 8..15
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r6 += 8
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

=== alu/add_imm_out
maps: m=hash(4,16,4)
desc: 0..7 + 9 reaches 16
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r6 += 9
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

=== alu/add_reg
maps: m=hash(4,16,4)
desc: x + x for x in 0..7
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r7 = r6
    r6 += r7
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

=== alu/add_reg_unknown
maps: m=hash(4,16,4)
desc: 0..7 + (0 or 8)
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r7 = *(u32 *)(r1 + 16)
    r7 &= 8
    r6 += r7
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

=== alu/sub_imm_negative
maps: m=hash(4,16,4)
desc: 0..7 - 1 may be -1
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r6 -= 1
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

=== alu/sub_reg_wrap
maps: m=hash(4,16,4)
desc: 8 - (0..7) = 1..8
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r7 = 8
    r7 -= r6
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

=== alu/sub_unknowns
maps: m=hash(4,16,4)
desc: difference of two 0..7 values: negative possible
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r7 = *(u32 *)(r1 + 16)
    r7 &= 7
    r6 -= r7
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

=== alu/mul_imm_in
maps: m=hash(4,16,4)
desc: 0..3 * 5 = 0..15
    r6 = *(u32 *)(r1 + 12)
    r6 &= 3
    r6 *= 5
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

=== alu/mul_imm_out
maps: m=hash(4,16,4)
desc: 0..3 * 6 reaches 18
    r6 = *(u32 *)(r1 + 12)
    r6 &= 3
    r6 *= 6
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

=== alu/mul_reg
maps: m=hash(4,16,4)
desc: x * x for x in 0..3
    r6 = *(u32 *)(r1 + 12)
    r6 &= 3
    r7 = r6
    r6 *= r7
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

=== alu/mul_negative
maps: m=hash(4,16,4)
desc: multiplied by -1
    r6 = *(u32 *)(r1 + 12)
    r6 &= 3
    r6 *= -1
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

=== alu/div_imm
maps: m=hash(4,16,4)
desc: 0..63 / 4 = 0..15
    r6 = *(u32 *)(r1 + 12)
    r6 &= 63
    r6 /= 4
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

=== alu/div_imm_small
maps: m=hash(4,16,4)
desc: 0..63 / 3 reaches 21
    r6 = *(u32 *)(r1 + 12)
    r6 &= 63
    r6 /= 3
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

=== alu/div_reg
maps: m=hash(4,16,4)
desc: divided by an unknown: the kernel forgets the bounds
    r6 = *(u32 *)(r1 + 12)
    r6 &= 15
    r7 = *(u32 *)(r1 + 16)
    r6 /= r7
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

=== alu/mod_imm
maps: m=hash(4,16,4)
desc: x % 16
    r6 = *(u32 *)(r1 + 12)
    r6 %= 16
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

=== alu/mod_reg
maps: m=hash(4,16,4)
desc: x % y with y <= 15 (y may be 0)
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u32 *)(r1 + 16)
    r7 &= 15
    r6 %= r7
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

=== alu/and_imm
maps: m=hash(4,16,4)
desc: masked to 0..15
    r6 = *(u32 *)(r1 + 12)
    r6 &= 15
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

=== alu/and_negative
maps: m=hash(4,16,4)
desc: masked with ~15
    r6 = *(u32 *)(r1 + 12)
    r6 &= -16
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

=== alu/or_imm_in
maps: m=hash(4,16,4)
desc: 0..7 | 8 = 8..15
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r6 |= 8
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

=== alu/or_imm_out
maps: m=hash(4,16,4)
desc: 0..7 | 16 = 16..23
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r6 |= 16
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

=== alu/xor_imm
maps: m=hash(4,16,4)
desc: 0..7 ^ 8 = 8..15
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r6 ^= 8
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

=== alu/xor_self
maps: m=hash(4,16,4)
desc: x ^ x = 0
    r6 = *(u32 *)(r1 + 12)
    r6 ^= r6
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

=== alu/lsh_imm
maps: m=hash(4,16,4)
desc: 0..3 << 2 = 0..12
    r6 = *(u32 *)(r1 + 12)
    r6 &= 3
    r6 <<= 2
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

=== alu/lsh_imm_out
maps: m=hash(4,16,4)
desc: 0..3 << 3 = 0..24
    r6 = *(u32 *)(r1 + 12)
    r6 &= 3
    r6 <<= 3
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

=== alu/lsh_reg
maps: m=hash(4,16,4)
desc: shift by a constant register
    r6 = *(u32 *)(r1 + 12)
    r6 &= 3
    r7 = 2
    r6 <<= r7
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

=== alu/lsh_reg_unknown
maps: m=hash(4,16,4)
desc: 0..1 << 0..3 = 0..8
    r6 = *(u32 *)(r1 + 12)
    r6 &= 1
    r7 = *(u32 *)(r1 + 16)
    r7 &= 3
    r6 <<= r7
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

=== alu/rsh_imm
maps: m=hash(4,16,4)
desc: a u32 >> 28 = 0..15
    r6 = *(u32 *)(r1 + 12)
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

=== alu/rsh_imm_out
maps: m=hash(4,16,4)
desc: a u32 >> 27 = 0..31
    r6 = *(u32 *)(r1 + 12)
    r6 >>= 27
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

=== alu/arsh_imm
maps: m=hash(4,16,4)
desc: a u32 (positive) s>> 28
    r6 = *(u32 *)(r1 + 12)
    r6 s>>= 28
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

=== alu/arsh_sign_extended
maps: m=hash(4,16,4)
desc: sign bits shifted in: -8..7
    r6 = *(u32 *)(r1 + 12)
    r6 <<= 32
    r6 s>>= 60
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

=== alu/neg
maps: m=hash(4,16,4)
desc: negated: -7..0
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r6 = -r6
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

=== alu/neg_twice
maps: m=hash(4,16,4)
desc: negated twice
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r6 = -r6
    r6 = -r6
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

=== alu/mov_const
maps: m=hash(4,16,4)
desc: a constant
    r6 = *(u32 *)(r1 + 12)
    r6 = 15
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

=== alu/mov_reg_keeps_bounds
maps: m=hash(4,16,4)
desc: a copy keeps the bounds
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r7 = r6
    r6 = r7
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

=== alu/be16
maps: m=hash(4,16,4)
desc: byte swap 16: 0..15 becomes 0..0xf00
    r6 = *(u32 *)(r1 + 12)
    r6 &= 15
    r6 = be16 r6
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

=== alu/le16
maps: m=hash(4,16,4)
desc: le16 truncates to 16 bits: stays 0..15
    r6 = *(u32 *)(r1 + 12)
    r6 &= 15
    r6 = le16 r6
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

=== alu/le64
maps: m=hash(4,16,4)
desc: le64 is a no-op on little-endian
    r6 = *(u32 *)(r1 + 12)
    r6 &= 15
    r6 = le64 r6
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

=== alu/bswap16
maps: m=hash(4,16,4)
desc: unconditional byte swap (cpu v4)
    r6 = *(u32 *)(r1 + 12)
    r6 &= 15
    r6 = bswap16 r6
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

=== alu/movsx8
maps: m=hash(4,16,4)
desc: sign-extension of a small value
    r6 = *(u32 *)(r1 + 12)
    r6 &= 15
    r6 = (s8)r6
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

=== alu/movsx8_negative
maps: m=hash(4,16,4)
desc: sign-extending 0..255 gives -128..127
    r6 = *(u32 *)(r1 + 12)
    r6 &= 255
    r6 = (s8)r6
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

=== alu/movsx16
maps: m=hash(4,16,4)
desc: (s16) of 0..15
    r6 = *(u32 *)(r1 + 12)
    r6 &= 0xf
    r6 = (s16)r6
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

=== alu/movsx32
maps: m=hash(4,16,4)
desc: (s32) of 0..15
    r6 = *(u32 *)(r1 + 12)
    r6 &= 0xf
    r6 = (s32)r6
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

=== alu/sdiv_imm
maps: m=hash(4,16,4)
desc: signed division (cpu v4)
    r6 = *(u32 *)(r1 + 12)
    r6 &= 63
    r6 s/= 4
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

=== alu/smod_imm
maps: m=hash(4,16,4)
desc: signed modulo: -15..15
    r6 = *(u32 *)(r1 + 12)
    r6 s%= 16
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

=== alu/alu32_add_wraps
maps: m=hash(4,16,4)
desc: a 32-bit add
    r6 = *(u32 *)(r1 + 12)
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

=== alu/alu32_and
maps: m=hash(4,16,4)
desc: a 32-bit AND zero-extends
    r6 = *(u32 *)(r1 + 12)
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

=== alu/div_by_zero_imm
desc: division by the constant 0
    r0 = 1
    r0 /= 0
    exit

=== alu/mod_by_zero_imm
desc: modulo by the constant 0
    r0 = 1
    r0 %= 0
    exit

=== alu/div32_by_zero_imm
desc: 32-bit division by the constant 0
    w0 = 1
    w0 /= 0
    exit

=== alu/div_by_zero_reg
desc: division by a register holding 0 (defined: 0)
    r0 = 1
    r1 = 0
    r0 /= r1
    exit

=== alu/mod_by_zero_reg
desc: modulo by a register holding 0 (defined: unchanged)
    r0 = 1
    r1 = 0
    r0 %= r1
    exit

=== alu/div_by_scalar
desc: division by an unknown scalar
    r0 = *(u32 *)(r1 + 12)
    r2 = *(u32 *)(r1 + 16)
    r0 /= r2
    exit

=== alu/shift_64
desc: a 64-bit shift by 64
    r0 = 1
    r0 <<= 64
    exit

=== alu/shift_63
desc: a 64-bit shift by 63
    r0 = 1
    r0 <<= 63
    exit

=== alu/shift32_by_32
desc: a 32-bit shift by 32
    w0 = 1
    w0 >>= 32
    exit

=== alu/arsh_negative_imm
desc: a shift by -1
    r0 = 1
    r0 s>>= -1
    exit

=== alu/shift_by_reg_large
desc: a shift by a register holding 70 (unknown result)
    r0 = 1
    r1 = 70
    r0 <<= r1
    exit

=== alu/uninit_src
desc: r2 is never written
    r0 = r2
    exit

=== alu/uninit_dst_add
desc: r3 read before being written
    r3 += 1
    r0 = 0
    exit

=== alu/mov_uninit_to_self
desc: r5 read before being written
    r0 = 0
    r0 += r5
    exit

=== alu/alu_reserved_off
desc: an ADD with a non-zero offset field
    .insn 0x07, 0, 0, 1, 1
    exit

=== alu/alu_reserved_src
desc: an ADD | K with a source register
    .insn 0x07, 0, 1, 0, 1
    exit

=== alu/neg_with_imm
desc: a NEG with a non-zero immediate
    r0 = 0
    .insn 0x87, 0, 0, 0, 1
    exit

=== alu/end_bad_imm
desc: le8: a byte swap of a width that does not exist
    r0 = 0
    .insn 0xd4, 0, 0, 0, 8
    exit

=== alu/mov32_imm_zero_ext
desc: a 32-bit move clears the upper half
    r0 = -1
    w0 = 5
    exit

=== alu/r0_from_ctx_u32
desc: returning an unknown scalar
    r0 = *(u32 *)(r1 + 12)
    exit

=== alu/be32
maps: m=hash(4,16,4)
desc: be32 of 0..15: 0..0x0f000000
    r6 = *(u32 *)(r1 + 12)
    r6 &= 15
    r6 = be32 r6
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

=== alu/be64
maps: m=hash(4,16,4)
desc: be64 of 0..15: the top byte
    r6 = *(u32 *)(r1 + 12)
    r6 &= 15
    r6 = be64 r6
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

=== alu/le32_upper_cleared
maps: m=hash(4,16,4)
desc: le32 clears the upper half: >> 28 is 0..15
    r6 = *(u32 *)(r1 + 12)
    r6 = *(u64 *)(r10 - 16)
    r6 = le32 r6
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

=== alu/bswap32_twice
maps: m=hash(4,16,4)
desc: a double byte swap gives 0..15 back
    r6 = *(u32 *)(r1 + 12)
    r6 &= 15
    r6 = bswap32 r6
    r6 = bswap32 r6
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

=== alu/bswap64_then_rsh
maps: m=hash(4,16,4)
desc: the low byte swapped to the top, then >> 60
    r6 = *(u32 *)(r1 + 12)
    r6 &= 0xff
    r6 = bswap64 r6
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

=== alu/movsx_w8
maps: m=hash(4,16,4)
desc: 32-bit (s8) of 0..15
    r6 = *(u32 *)(r1 + 12)
    w6 &= 0xf
    w6 = (s8)w6
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

=== alu/movsx_w16_negative
maps: m=hash(4,16,4)
desc: 32-bit (s16) of 0..0xffff zero-extended, >> 28
    r6 = *(u32 *)(r1 + 12)
    w6 &= 0xffff
    w6 = (s16)w6
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

=== alu/movsx32_negative_upper
maps: m=hash(4,16,4)
desc: (s32) of a u32: the upper half may be all ones
    r6 = *(u32 *)(r1 + 12)
    r6 = (s32)r6
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

=== alu/fork_arsh63_and
maps: m=hash(4,16,4)
desc: x s>> 63 is -1 or 0: followed as two paths, & 12 gives 12 or 0
    r6 = *(u32 *)(r1 + 12)
    r6 = *(u64 *)(r10 - 16)
    r6 s>>= 63
    r6 &= 12
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

=== alu/fork_arsh63_or
maps: m=hash(4,16,4)
desc: x s>> 63 | 12 is -1 or 12: the -1 path is out of bounds
    r6 = *(u32 *)(r1 + 12)
    r6 = *(u64 *)(r10 - 16)
    r6 s>>= 63
    r6 |= 12
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

=== alu/fork_w_arsh31_and
maps: m=hash(4,16,4)
desc: w s>> 31 & 15 is 15 or 0 (32-bit fork)
    r6 = *(u32 *)(r1 + 12)
    w6 s>>= 31
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

=== alu/fork_w_arsh31_or
maps: m=hash(4,16,4)
desc: w s>> 31 | 3 is 0xffffffff or 3
    r6 = *(u32 *)(r1 + 12)
    w6 s>>= 31
    w6 |= 3
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

=== alu/fork_not_for_xor
maps: m=hash(4,16,4)
desc: XOR does not fork: -1..0 ^ 3 stays a range
    r6 = *(u32 *)(r1 + 12)
    w6 s>>= 31
    w6 ^= 3
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

=== alu/mul32_fnv_step_knows_nothing
desc: w2 *= 16777619 on w2 in [0x811c9d00, 0x811c9dff] (an FNV-1a step): Linux 6.18's tnum_mul keeps no known bit of the 32-bit product
    call bpf_get_prandom_u32
    w0 &= 0xff
    w0 |= 0x811c9d00
    w0 *= 16777619
    r0 = 0
    exit

=== alu/mul64_tnum_from_range
desc: the same product in 64 bits: the tnum comes from the bounds (tnum_mul's is wider)
    call bpf_get_prandom_u32
    w0 &= 0xff
    w0 |= 0x811c9d00
    r0 *= 16777619
    r0 = 0
    exit

=== alu/mul64_tnum_union_keeps_a_bit
desc: [0x100, 0x1ff] * 0x1000193: tnum_union() over the unknown bits keeps bit 18 known
    call bpf_get_prandom_u32
    r0 &= 0xff
    r0 |= 0x100
    r0 *= 0x1000193
    r0 = 0
    exit
