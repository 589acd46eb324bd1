# Theme: patterns the kernel's own verifier selftests exercise (tools/testing/selftests/bpf/progs/
# verifier_bounds.c, verifier_subreg.c, verifier_spill_fill.c ...), written afresh for this corpus:
# bytes of a map value as bounded scalars, subtraction and shifts of such values, truncation of
# ranges that cross a 32-bit boundary, oversized shift counts, offset overflow, XOR of constants and
# of unknowns, comparisons that cross the signed boundary, edges of the size of a helper's memory.

=== selftest_ideas/u8_minus_u8_shifted
maps: m=hash(8,8,1)
desc: the difference of two value bytes, shifted right by 56: up to 255
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
    r1 >>= 56
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftest_ideas/u8_minus_u8
maps: m=hash(8,8,1)
desc: the difference of two value bytes may be negative
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

=== selftest_ideas/zero_extended_mov
maps: m=hash(8,8,1)
desc: w2 = 0xffffffff zero-extends: >> 32 is 0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    w2 = -1
    r2 >>= 32
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftest_ideas/sign_extended_mov
maps: m=hash(8,8,1)
desc: r2 = -1 sign-extends: >> 32 is 0xffffffff
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r2 = -1
    r2 >>= 32
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftest_ideas/sign_extended_mov_36
maps: m=hash(8,8,1)
desc: -1 >> 36 is 0xfffffff: too large an offset
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r2 = -1
    r2 >>= 36
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftest_ideas/truncation_non_crossing
maps: m=hash(8,8,1)
desc: a range whose low half does not cross 2^32, truncated: 0..255 again
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r2 = 1
    r2 <<= 36
    r1 += r2
    r1 += 0x7fffffff
    w1 -= 0x7fffffff
    r1 >>= 8
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftest_ideas/truncation_crossing
maps: m=hash(8,8,1)
desc: a range crossing 2^32 truncated by a 32-bit add: huge bounds
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 += 0x7fffffc0
    r1 += 0x7fffffc0
    w1 += 0
    r1 -= 0x7fffffc0
    r1 -= 0x7fffffc0
    r0 += r1
out:
    r0 = 0
    exit

=== selftest_ideas/truncation_crossing_mov32
maps: m=hash(8,8,1)
desc: the same truncation through a 32-bit move
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 += 0x7fffffc0
    r1 += 0x7fffffc0
    w1 = w1
    r1 -= 0x7fffffc0
    r1 -= 0x7fffffc0
    r0 += r1
out:
    r0 = 0
    exit

=== selftest_ideas/wrapping_32_add
maps: m=hash(8,8,1)
desc: 0xfffffffe + 2 in 32 bits is 0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0x7fffffff
    r1 += 0x7fffffff
    w1 += 2
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftest_ideas/oversized_shift_count
maps: m=hash(8,8,1)
desc: a 32-bit shift by a register holding 32: the result is unknown
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r2 = 32
    r1 = 1
    w1 <<= w2
    r1 &= 0xffff
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftest_ideas/rsh_maybe_negative
maps: m=hash(8,8,1)
desc: -1..254 shifted right: 0 or a huge value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 -= 1
    r1 >>= 8
    r1 >>= 8
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftest_ideas/rsh32_of_64bit_input
maps: m=hash(8,8,1)
desc: 1 << 32 shifted right in 32 bits is 0; minus 2 is 0xfffffffe
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 2
    r1 <<= 31
    w1 >>= 31
    w1 -= 2
    r0 += r1
out:
    r0 = 0
    exit

=== selftest_ideas/off_overflow_const
maps: m=hash(8,8,1)
desc: a constant of almost 2^31 added to a value pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 != 0 goto +1
    exit
    r0 += 0x7ffffffe
    r0 = *(u64 *)(r0 + 0)
    exit

=== selftest_ideas/off_overflow_three_adds
maps: m=hash(8,8,1)
desc: three adds of 2^29 - 1: the fixed offset grows too far
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 != 0 goto +1
    exit
    r0 += 0x1fffffff
    r0 += 0x1fffffff
    r0 += 0x1fffffff
    r0 = *(u64 *)(r0 + 0)
    exit

=== selftest_ideas/off_overflow_two_subs
maps: m=hash(8,8,1)
desc: two subtractions of 2^29 - 1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 != 0 goto +1
    exit
    r0 -= 0x1fffffff
    r0 -= 0x1fffffff
    r0 = *(u64 *)(r0 + 2)
    exit

=== selftest_ideas/off_overflow_mul
maps: m=hash(8,8,1)
desc: 10^12 added to a value pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 != 0 goto +1
    exit
    r1 = 1000000
    r1 *= 1000000
    r0 += r1
    r0 = *(u64 *)(r0 + 2)
    exit

=== selftest_ideas/mixed_32_64_alu64_keeps_32
desc: an ALU64 add keeps the 32-bit bounds: the bad read is dead
    r0 = 0
    r1 = -1
    r1 <<= 32
    r1 += 1
    if w1 > 1 goto bad
    r1 += 1
    if w1 > 2 goto bad
    goto good
bad:
    r0 = *(u64 *)(r0 - 1)
good:
    exit

=== selftest_ideas/mixed_32_64_alu32_zext
desc: an ALU32 add zero-extends: r1 is 2, the bad read is dead
    r0 = 0
    r1 = -1
    r1 <<= 32
    r1 += 1
    r2 = 3
    w1 += 1
    if r1 > r2 goto bad
    goto good
bad:
    r0 = *(u64 *)(r0 - 1)
good:
    exit

=== selftest_ideas/xor_const_zero
maps: m=hash(8,8,1)
desc: 0 ^ 1 is 1: the bad read is dead
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0
    r1 ^= 1
    if r1 != 0 goto +1
    r0 = *(u64 *)(r0 + 8)
out:
    r0 = 0
    exit

=== selftest_ideas/xor32_const_zero
maps: m=hash(8,8,1)
desc: the same in 32 bits
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    w1 = 0
    w1 ^= 1
    if w1 != 0 goto +1
    r0 = *(u64 *)(r0 + 8)
out:
    r0 = 0
    exit

=== selftest_ideas/xor_const_2_3
maps: m=hash(8,8,1)
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
    if r1 > 0 goto +1
    r0 = *(u64 *)(r0 + 8)
out:
    r0 = 0
    exit

=== selftest_ideas/xor_unknown_3
maps: m=hash(8,8,1)
desc: an unknown ^ 3 may be 0: the bad read is live
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 ^= 3
    if r1 != 0 goto +1
    r0 = *(u64 *)(r0 + 8)
out:
    r0 = 0
    exit

=== selftest_ideas/xor_positive_3
maps: m=hash(8,8,1)
desc: unsigned >= 0 always holds: the bad read is dead
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if r1 <= 0 goto +2
    r1 ^= 3
    if r1 >= 0 goto +1
    r0 = *(u64 *)(r0 + 8)
out:
    r0 = 0
    exit

=== selftest_ideas/trunc32_then_cmp
maps: m=hash(8,8,1)
desc: a u32 from a value compared against 0x7fffffff
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    if r1 == 0 goto +1
    if r1 > 0x7fffffff goto +0
out:
    r0 = 0
    exit

=== selftest_ideas/jlt_crossing_signed_64
desc: a loop whose unsigned bound crosses the signed 64-bit boundary
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 1
    if r1 > r3 goto out
    r1 = *(u8 *)(r2 + 0)
    r0 = 0x7fffffffffffff10 ll
    r1 += r0
    r0 = 0x8000000000000000 ll
loop:
    r0 += 1
    if r0 < r1 goto loop
out:
    r0 = 0
    exit

=== selftest_ideas/loop_bound_above_u32
desc: a loop from 2^32 to 2^32 + a packet byte
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 1
    if r1 > r3 goto out
    r1 = *(u8 *)(r2 + 0)
    r0 = 0x100000000 ll
    r1 += r0
    r0 = 0x100000000 ll
loop:
    r0 += 1
    if r0 < r1 goto loop
out:
    r0 = 0
    exit

=== selftest_ideas/jlt32_crossing_signed
desc: a 32-bit loop crossing the signed 32-bit boundary
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 1
    if r1 > r3 goto out
    r1 = *(u8 *)(r2 + 0)
    w0 = 0x7fffff10
    w1 += w0
    w0 = 0x80000000
loop:
    w0 += 1
    if w0 < w1 goto loop
out:
    r0 = 0
    exit

=== selftest_ideas/jne_excludes_zero_size
type: sched_cls
desc: x & 7 != 0 leaves 1..7: a valid size for bpf_skb_store_bytes
    r6 = r1
    *(u64 *)(r10 - 8) = 0
    call bpf_get_prandom_u32
    r4 = r0
    r4 &= 7
    if r4 != 0 goto +2
    r0 = 0
    exit
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -8
    r5 = 0
    call bpf_skb_store_bytes
    r0 = 0
    exit

=== selftest_ideas/jeq_excludes_zero_size
type: sched_cls
desc: the zero size excluded by a JEQ
    r6 = r1
    *(u64 *)(r10 - 8) = 0
    call bpf_get_prandom_u32
    r4 = r0
    r4 &= 7
    if r4 == 0 goto +6
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -8
    r5 = 0
    call bpf_skb_store_bytes
    r0 = 0
    exit

=== selftest_ideas/zero_size_not_excluded
type: sched_cls
desc: a size of 0..7 where 0 is not allowed
    r6 = r1
    *(u64 *)(r10 - 8) = 0
    call bpf_get_prandom_u32
    r4 = r0
    r4 &= 7
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -8
    r5 = 0
    call bpf_skb_store_bytes
    r0 = 0
    exit

=== selftest_ideas/w_zero_then_mov32_pkt
type: sched_cls
desc: wA = 0, wB = wA: the 32-bit bounds reach 64 bits and the packet access is proven
    r8 = *(u32 *)(r1 + 80)
    r7 = *(u32 *)(r1 + 76)
    w9 = 0
    w2 = w9
    r6 = r7
    r6 += r2
    r3 = r6
    r3 += 8
    if r3 > r8 goto +1
    r5 = *(u32 *)(r6 + 0)
    r0 = 0
    exit

=== selftest_ideas/spill_u32_fill_u32_const
maps: m=hash(8,8,1)
desc: a 4-byte spill of a constant filled as 4 bytes
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 3
    *(u32 *)(r10 - 16) = r1
    r1 = *(u32 *)(r10 - 16)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftest_ideas/spill_u64_fill_u8_const
maps: m=hash(8,8,1)
desc: the low byte of a spilled constant
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 3
    *(u64 *)(r10 - 16) = r1
    r1 = *(u8 *)(r10 - 16)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftest_ideas/spill_u64_fill_high_u32
maps: m=hash(8,8,1)
desc: the upper half of a spilled constant: not tracked
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 3
    *(u64 *)(r10 - 16) = r1
    r1 = *(u32 *)(r10 - 12)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftest_ideas/spill_imm_store_fill
maps: m=hash(8,8,1)
desc: an immediate store of 5 filled back: a known constant
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r10 - 16) = 5
    r1 = *(u64 *)(r10 - 16)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftest_ideas/spill_imm_u32_store_fill
maps: m=hash(8,8,1)
desc: a 4-byte immediate store filled back
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u32 *)(r10 - 16) = 5
    r1 = *(u32 *)(r10 - 16)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit
