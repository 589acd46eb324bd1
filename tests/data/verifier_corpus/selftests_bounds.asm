# Theme: scalar bounds (the kernel's verifier_bounds selftests, written afresh): ranges of map
# value bytes through subtraction, shifts and truncation, oversized shifts, pointer offsets that
# overflow, signed checks on unsigned values, bounds that cross the 32-bit boundary.

=== selftests_bounds/diff_of_bytes_checked_nonneg
maps: m=hash(8,256,1)
desc: u8 - u8 checked s>= 0 is within the 256-byte value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r3 = *(u8 *)(r0 + 1)
    r1 -= r3
    if r1 s< 0 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/diff_of_bytes_unchecked
maps: m=hash(8,256,1)
desc: u8 - u8 may be negative: the pointer's minimum goes below the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r3 = *(u8 *)(r0 + 1)
    r1 -= r3
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/byte_shifted_left_then_right
maps: m=hash(8,256,1)
desc: (u8 << 56) >> 56 is again at most 255
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 <<= 56
    r1 >>= 56
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/byte_shifted_left_arsh
maps: m=hash(8,256,1)
desc: (u8 << 56) s>> 56 may be negative
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 <<= 56
    r1 s>>= 56
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/shift_by_64_imm
desc: a 64-bit shift by 64 is refused before any tracking
    r0 = 1
    r0 <<= 64
    exit

=== selftests_bounds/shift32_by_32_imm
desc: a 32-bit shift by 32 is refused
    w0 = 1
    w0 >>= 32
    exit

=== selftests_bounds/shift_by_unknown_register
maps: m=hash(8,256,1)
desc: a shift by an unknown count makes the value unknown
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r2 = *(u8 *)(r0 + 1)
    r1 <<= r2
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/shift_by_bounded_register
maps: m=hash(8,256,1)
desc: 1 << (u8 & 7) is at most 128
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    r2 = *(u8 *)(r0 + 1)
    r2 &= 7
    r1 <<= r2
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/huge_imm_offset
maps: m=hash(8,256,1)
desc: adding 1<<29 to a value pointer is out of bounds at once
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 536870912
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/huge_imm_offset_negative
maps: m=hash(8,256,1)
desc: subtracting 1<<29 from a value pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += -536870912
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/two_large_adds_wrap
maps: m=hash(8,256,1)
desc: two adds of 0x1fffffff: each passes, the offset accumulates past the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 0x1fffffff
    r0 += 0x1fffffff
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/add_then_sub_back
maps: m=hash(8,256,1)
desc: +0x1000000 then -0x1000000 puts the pointer back
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 0x1000000
    r0 += -0x1000000
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/u32_unbounded_offset
maps: m=hash(8,256,1)
desc: a u32 offset is not bounded enough
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/u64_offset_unbounded
maps: m=hash(8,256,1)
desc: a u64 offset is unbounded
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/signed_check_only
maps: m=hash(8,256,1)
desc: an u64 bounded only above by a signed check may be negative
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if r1 s> 200 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/signed_both_sides
maps: m=hash(8,256,1)
desc: 0 <= r1 <= 200 signed on both sides
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if r1 s> 200 goto out
    if r1 s< 0 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/truncation_crosses_u32
maps: m=hash(8,256,1)
desc: a byte plus 0xffffff80 truncated to 32 bits wraps: the range is not small
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r2 = 0xffffff80 ll
    r1 += r2
    w1 = w1
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/truncation_no_wrap
maps: m=hash(8,256,1)
desc: a byte plus 0x100000000 truncated to 32 bits is the byte again
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r2 = 0x100000000 ll
    r1 += r2
    w1 = w1
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/multiply_bounded
maps: m=hash(8,256,1)
desc: (u8 & 15) * 16 is at most 240
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 15
    r1 *= 16
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/multiply_too_big
maps: m=hash(8,256,1)
desc: (u8 & 15) * 17 reaches 255 + 1 byte past a 255-sized read? no: 255 fits, the u16 read does not
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 15
    r1 *= 17
    r0 += r1
    r0 = *(u16 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/neg_of_bounded
maps: m=hash(8,256,1)
desc: -(u8) is not positive
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 = -r1
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/neg_twice
maps: m=hash(8,256,1)
desc: --(u8) loses the range (neg is tracked as unknown-ish)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 = -r1
    r1 = -r1
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/or_small_constants
maps: m=hash(8,256,1)
desc: (u8 & 0x70) | 0x0f is at most 0x7f
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 0x70
    r1 |= 0x0f
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit
