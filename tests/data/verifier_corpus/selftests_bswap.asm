# Theme: byte swaps (the kernel's verifier_bswap selftests, written afresh): bswap16/32/64 and
# le/be conversions of constants and ranges; what a swap leaves known.

=== selftests_bswap/bswap16_const
desc: bswap16 of 0x1234 is 0x3412, a constant
    r0 = 0x1234
    r0 = bswap16 r0
    r0 -= 0x3412
    exit

=== selftests_bswap/bswap32_const_offset
maps: m=hash(8,16,1)
desc: bswap32 of 0x08000000 is 8: a valid offset
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0x08000000
    r1 = bswap32 r1
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bswap/bswap64_const_offset
maps: m=hash(8,16,1)
desc: bswap64 of 0x0c00000000000000 is 12
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0x0c00000000000000 ll
    r1 = bswap64 r1
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bswap/bswap16_of_byte_range
maps: m=hash(8,16,1)
desc: bswap16 of a byte moves it to bits 8..15: too big
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 = bswap16 r1
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bswap/bswap16_twice
maps: m=hash(8,16,1)
desc: bswap16 twice of (u8 & 7): the tnum comes back to [0,7]
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 7
    r1 = bswap16 r1
    r1 = bswap16 r1
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bswap/be16_of_u16_masked
maps: m=hash(8,16,1)
desc: be16 of (u16 & 0x0f00) is at most 0x0f
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u16 *)(r0 + 0)
    r1 &= 0x0f00
    r1 = be16 r1
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bswap/le16_truncates
maps: m=hash(8,16,1)
desc: le16 on a little-endian machine truncates to 16 bits: (x << 16 | 3) becomes 3
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 <<= 16
    r1 |= 3
    r1 = le16 r1
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bswap/le64_keeps
maps: m=hash(8,16,1)
desc: le64 is a no-op: (u8 & 7) stays bounded
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 7
    r1 = le64 r1
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bswap/bswap_pointer
maps: m=hash(8,16,1)
desc: byte-swapping a pointer (root: the register becomes an unknown scalar)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = bswap64 r0
    r0 = 0
    exit
out:
    r0 = 0
    exit

=== selftests_bswap/bswap32_upper_zero
maps: m=hash(8,16,1)
desc: bswap32 clears the upper half: >> 32 is 0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r0 <<= 20
    r0 = bswap32 r0
    r0 >>= 32
    r6 += r0
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit
