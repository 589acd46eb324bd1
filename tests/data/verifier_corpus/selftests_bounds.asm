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

=== selftests_bounds/zext_mov32_of_neg
maps: m=hash(8,256,1)
desc: w1 = -1 zero-extends to 0xffffffff: shifted right by 24 it is 255, inside the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    w1 = -1
    r1 >>= 24
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/zext_mov32_shift_in_range
maps: m=hash(8,256,1)
desc: 0xffffffff >> 25 is 127: inside 256 bytes
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    w1 = -1
    r1 >>= 25
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/sext_mov_of_neg
maps: m=hash(8,256,1)
desc: r1 = -1 (64-bit) >> 56 is 255: inside
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = -1
    r1 >>= 56
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/sext_mov_of_neg_arsh
maps: m=hash(8,256,1)
desc: r1 = -1 s>> 56 stays -1: the offset is negative
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = -1
    r1 s>>= 56
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/reg_off_plus_var_off
maps: m=hash(8,256,1)
desc: a byte plus a constant 0x7fff0000 moved back by the same constant on the pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 += 0x7fff0000
    r0 += -0x7fff0000
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/trunc_no_boundary_cross
maps: m=hash(8,256,1)
desc: a byte + 0xffff_ff80 truncated to 32 bits then minus 0xffff_ff80: 0..255 again
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 += 0x7fffff80
    r1 += 0x7fffff80
    w1 = w1
    r1 += -0x7fffff80
    r1 += -0x7fffff80
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/trunc_boundary_cross
maps: m=hash(8,256,1)
desc: a byte + 0xffff_ffc0 crosses 2^32 before the truncation: the range is lost
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 += 0x7fffffe0
    r1 += 0x7fffffe0
    w1 = w1
    r1 += -0x7fffffe0
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/wrap_32bit_add
maps: m=hash(8,256,1)
desc: a 32-bit add that wraps: w1 = byte + 0xffffff00 is not small
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    w1 += -256
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/wrap_32bit_add_back
maps: m=hash(8,256,1)
desc: a 32-bit add that wraps and comes back: w1 = (w1 + 0x80000000) + 0x80000000
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    w1 += 0x80000000
    w1 += 0x80000000
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/rsh_of_maybe_negative
maps: m=hash(8,256,1)
desc: a signed byte load shifted right: may be huge
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(s8 *)(r0 + 0)
    r1 >>= 1
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/rsh32_of_64bit_input
maps: m=hash(8,256,1)
desc: a 64-bit unknown shifted right by 24 in 32 bits: at most 255
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    w1 >>= 24
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/rsh32_of_64bit_input_short_shift
maps: m=hash(8,256,1)
desc: the same shifted by 23: up to 511
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    w1 >>= 23
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/off_plus_size_s32_overflow
maps: m=hash(8,256,1)
desc: a constant offset near S32_MAX added to a value pointer, then a load
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 0x7ffffffe
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/off_plus_size_two_adds
maps: m=hash(8,256,1)
desc: two large constant adds to a value pointer
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

=== selftests_bounds/off_minus_large
maps: m=hash(8,256,1)
desc: a value pointer moved back by a large constant
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += -0x1fffffff
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/mixed_32_64_arith
maps: m=hash(8,256,1)
desc: a u32 checked then used in 64-bit arithmetic with a 32-bit add in between
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    if r1 > 100 goto out
    w1 += 100
    r1 += 50
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/mixed_32_64_arith_bad
maps: m=hash(8,256,1)
desc: the same with a 64-bit constant that carries past the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    if r1 > 100 goto out
    w1 += 100
    r1 += 60
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/w_zero_copied
maps: m=hash(8,256,1)
desc: wA = 0, wB = wA: 32-bit bounds carried to 64 bits
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    w2 = 0
    w1 = w2
    r1 += 200
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/xor_of_zero
maps: m=hash(8,256,1)
desc: 0 ^ 1 is 1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0
    r1 ^= 1
    r1 += 254
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/xor32_of_zero
maps: m=hash(8,256,1)
desc: w1 = 0 ^ 1 in 32 bits
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    w1 = 0
    w1 ^= 1
    r1 += 254
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/xor_of_known
maps: m=hash(8,256,1)
desc: 2 ^ 3 is 1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 2
    r1 ^= 3
    r1 += 254
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/xor_of_byte
maps: m=hash(8,256,1)
desc: a byte ^ 3 is still a byte
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 ^= 3
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/xor_of_byte_bad
maps: m=hash(8,256,1)
desc: a byte ^ 0x100 reaches 511
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 ^= 0x100
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/xor32_of_positive
maps: m=hash(8,256,1)
desc: a positive s32 checked below 100, xor 3
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    if w1 s< 0 goto out
    if w1 > 100 goto out
    w1 ^= 3
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/jne_edge
maps: m=hash(8,256,1)
desc: if r1 != 255 after r1 <= 255: the fall-through is exactly 255
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    if r1 > 255 goto out
    if r1 != 255 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/jne32_edge
maps: m=hash(8,256,1)
desc: the same with 32-bit comparisons on a 64-bit load: the upper half stays unknown
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if w1 > 255 goto out
    if w1 != 255 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds/crossing_64_signed_boundary
type: socket_filter
desc: a value in [S64_MAX-1, S64_MIN+1] crossing the signed boundary: == 0 impossible
    call bpf_get_prandom_u32
    r1 = 0x7ffffffffffffffe ll
    r0 &= 3
    r1 += r0
    if r1 == 0 goto bad
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_bounds/crossing_32_signed_boundary
type: socket_filter
desc: a 32-bit value around S32_MAX crossing into negative: w1 == 0 impossible
    call bpf_get_prandom_u32
    w1 = 0x7ffffffe
    w0 &= 3
    w1 += w0
    if w1 == 0 goto bad
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_bounds/bound_above_u32_max
type: socket_filter
desc: a value known above U32_MAX: its 64-bit value is never below 2^32
    call bpf_get_prandom_u32
    r1 = 1
    r1 <<= 32
    r1 |= r0
    if r1 < 0x7fffffff goto bad
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_bounds/jeq_disagreeing_tnums
type: socket_filter
desc: r0 | 1 is odd: == 2 never holds
    call bpf_get_prandom_u32
    r0 |= 1
    if r0 == 2 goto bad
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_bounds/jne_disagreeing_tnums
type: socket_filter
desc: r0 & ~1 is even: != 3 always holds, the fall-through is dead
    call bpf_get_prandom_u32
    r0 &= -2
    if r0 != 3 goto good
    goto bad
good:
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_bounds/tnum_refines_umax
type: socket_filter
desc: umax 0x1ff with bit 8 known clear: at most 0xff, > 0xff never
    call bpf_get_prandom_u32
    r0 &= 0x1ff
    if r0 > 0x1ff goto bad
    r0 &= 0xff
    if r0 > 0xff goto bad
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_bounds/tnum_refines_umin
type: socket_filter
desc: low bits set: at least 0x10 after | 0x10, < 0x10 never
    call bpf_get_prandom_u32
    r0 |= 0x10
    if r0 < 0x10 goto bad
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_bounds/same_register_jump
type: socket_filter
desc: if r0 > r0: Linux 6.18 does not decide a comparison of a register with itself, the store is walked
    call bpf_get_prandom_u32
    if r0 > r0 goto bad
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_bounds/same_register_jump_taken
type: socket_filter
desc: if r0 >= r0: not decided either, the fall-through store is walked
    call bpf_get_prandom_u32
    if r0 >= r0 goto good
    goto bad
good:
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_bounds/sign_cross_positive_overlap
type: socket_filter
desc: r0 in [-2, 5] (s64) compared u< 6 leaves [0, 5]: s< 0 never
    call bpf_get_prandom_u32
    r0 &= 7
    r0 += -2
    if r0 > 5 goto out
    if r0 s< 0 goto bad
out:
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_bounds/mult_may_overflow
type: socket_filter
desc: a 32-bit value times 2^33 can be 0: == 0 is possible
    call bpf_get_prandom_u32
    r1 = 1
    r1 <<= 33
    r0 *= r1
    if r0 == 0 goto bad
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit
