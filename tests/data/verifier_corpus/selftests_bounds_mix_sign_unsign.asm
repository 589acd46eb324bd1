# Theme: mixing signed and unsigned comparisons (the kernel's verifier_bounds_mix_sign_unsign
# selftests, written afresh): a value bounded one way only, then used as an offset; which
# combinations give a usable range.

=== selftests_bounds_mix_sign_unsign/unsigned_upper_signed_lower
maps: m=hash(8,16,1)
desc: r1 < 8 unsigned already implies 0 <= r1 signed
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if r1 > 7 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_mix_sign_unsign/signed_upper_only
maps: m=hash(8,16,1)
desc: r1 s< 8 alone leaves negatives
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if r1 s> 7 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_mix_sign_unsign/signed_upper_unsigned_lower_nonneg
maps: m=hash(8,16,1)
desc: r1 s<= 7 and r1 >= 0 unsigned (no information): still negatives
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if r1 s> 7 goto out
    if r1 < 0 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_mix_sign_unsign/signed_upper_then_unsigned_upper
maps: m=hash(8,16,1)
desc: r1 s<= 7 then r1 <= 15 unsigned: the negatives are gone
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if r1 s> 7 goto out
    if r1 > 15 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_mix_sign_unsign/unsigned_ge_huge_then_signed
maps: m=hash(8,16,1)
desc: r1 >= 0x8000000000000000 is negative as signed: s>= -4 leaves [-4,-1]
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r2 = 0x8000000000000000 ll
    if r1 < r2 goto out
    if r1 s< -4 goto out
    r0 += 8
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_mix_sign_unsign/signed_range_crossing_zero_unsigned
maps: m=hash(8,16,1)
desc: -4 <= r1 <= 4 signed is huge unsigned: adding it to a pointer fails the minimum
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if r1 s> 4 goto out
    if r1 s< -4 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_mix_sign_unsign/signed_range_crossing_zero_offset
maps: m=hash(8,16,1)
desc: -4 <= r1 <= 4 added to value + 8: within the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if r1 s> 4 goto out
    if r1 s< -4 goto out
    r0 += 8
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_mix_sign_unsign/jsgt_register_unknown_sign
maps: m=hash(8,16,1)
desc: r1 s< r2 with r2 = 8: like a signed constant bound, negatives remain
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r2 = 8
    if r1 s>= r2 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_mix_sign_unsign/jlt_register_bounds_both
maps: m=hash(8,16,1)
desc: r1 < r2 with r2 = 8 unsigned: r1 in [0,7]
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r2 = 8
    if r1 >= r2 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_mix_sign_unsign/w_signed_then_zext
maps: m=hash(8,16,1)
desc: w1 s<= 7 and w1 s>= 0 bound the 32-bit value; a u32 load zero-extends
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    if w1 s> 7 goto out
    if w1 s< 0 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_mix_sign_unsign/w_signed_upper_only_zext
maps: m=hash(8,16,1)
desc: w1 s<= 7 alone on a u32: as 64-bit unsigned it may be up to 0xffffffff
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    if w1 s> 7 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit
