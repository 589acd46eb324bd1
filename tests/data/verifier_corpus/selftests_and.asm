# Theme: AND with constants and unknowns (the kernel's verifier_and selftests, written afresh):
# masks that bound an offset, masks on negative values, AND of two unknowns, 32-bit AND.

=== selftests_and/mask_bounds_offset
maps: m=hash(8,16,1)
desc: u64 & 15 indexes a 16-byte value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 &= 15
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_and/mask_too_wide
maps: m=hash(8,16,1)
desc: u64 & 16 may be 16: one past
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 &= 16
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_and/mask_negative_imm
maps: m=hash(8,16,1)
desc: & -16 keeps the upper bits unknown
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 &= -16
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_and/and_of_two_unknowns_one_small
maps: m=hash(8,16,1)
desc: u64 & (u8 & 7) is at most 7
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r2 = *(u8 *)(r0 + 8)
    r2 &= 7
    r1 &= r2
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_and/and32_mask_bounds
maps: m=hash(8,16,1)
desc: w1 &= 15 zero-extends and bounds
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    w1 &= 15
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_and/signed_range_and_mask
maps: m=hash(8,16,1)
desc: a value in [-8,7] signed, & 7: [0,7]
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if r1 s> 7 goto out
    if r1 s< -8 goto out
    r1 &= 7
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_and/and_then_or_high
maps: m=hash(8,16,1)
desc: (x & 7) | 8 is in [8,15]
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 &= 7
    r1 |= 8
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_and/and_then_or_too_high
maps: m=hash(8,16,1)
desc: (x & 7) | 16 is in [16,23]: past the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 &= 7
    r1 |= 16
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit
