# Theme: sign-extending moves (the kernel's verifier_movsx selftests, written afresh):
# r = (s8)/(s16)/(s32) r and w = (s8)/(s16) w, the ranges they give, and moves of pointers.

=== selftests_movsx/s8_of_small_byte
maps: m=hash(8,256,1)
desc: (s8) of a value in [0,127] stays in [0,127]
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 0x7f
    r2 = (s8)r1
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_movsx/s8_of_full_byte
maps: m=hash(8,256,1)
desc: (s8) of a value in [0,255] may be negative
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r2 = (s8)r1
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_movsx/s8_of_full_byte_checked
maps: m=hash(8,256,1)
desc: (s8) of a byte, checked s>= 0: within [0,127]
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r2 = (s8)r1
    if r2 s< 0 goto out
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_movsx/s16_of_u16_upper
maps: m=hash(8,256,1)
desc: (s16) of a u16 then >> 32: 0 or 0xffffffff, too big
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u16 *)(r0 + 0)
    r2 = (s16)r1
    r2 >>= 32
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_movsx/s32_of_small
maps: m=hash(8,256,1)
desc: (s32) of a value in [0,200] stays there
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    if r1 > 200 goto out
    r2 = (s32)r1
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_movsx/w_s8_zero_extends
maps: m=hash(8,256,1)
desc: w2 = (s8)w1 sign-extends into 32 bits and zero-extends: r2 >> 32 is 0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    w2 = (s8)w1
    r2 >>= 32
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_movsx/w_s16_of_small
maps: m=hash(8,256,1)
desc: w2 = (s16)w1 of a byte is the byte
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    w2 = (s16)w1
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_movsx/movsx_of_pointer
maps: m=hash(8,16,1)
desc: a sign-extending move of a pointer (root: the copy is an unknown scalar)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = (s32)r0
out:
    r0 = 0
    exit

=== selftests_movsx/movsx_const
desc: (s8) of 0x80 is -128, a known constant
    r1 = 0x80
    r0 = (s8)r1
    r0 += 128
    exit

=== selftests_movsx/movsx_copy_links
maps: m=hash(8,256,1)
desc: (s32) of a u32: the value need not fit, so no link and a range spanning negatives
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    r2 = (s32)r1
    if r1 > 100 goto out
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit
