# Theme: sign-extending loads (the kernel's verifier_ldsx selftests, written afresh): *(s8/s16/s32)
# from the stack, map values and the context, the range of the result, and where such loads are
# allowed.

=== selftests_ldsx/ldsx_s8_stack_const
desc: a 0xff byte on the stack loaded as s8 is -1
    r1 = 0xff
    *(u64 *)(r10 - 8) = r1
    r0 = *(s8 *)(r10 - 8)
    r0 += 1
    exit

=== selftests_ldsx/ldsx_s8_value_negative
maps: m=hash(8,256,1)
desc: an s8 from a map value may be negative
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(s8 *)(r0 + 0)
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_ldsx/ldsx_s8_value_checked
maps: m=hash(8,256,1)
desc: an s8 from a map value checked s>= 0 is within [0,127]
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(s8 *)(r0 + 0)
    if r1 s< 0 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_ldsx/ldsx_s16_value_range
maps: m=hash(8,256,1)
desc: an s16 plus 0x8000 is in [0,0xffff]: too big for the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(s16 *)(r0 + 0)
    r1 += 0x8000
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_ldsx/ldsx_s32_value_shift
maps: m=hash(8,256,1)
desc: an s32 shifted right by 63: 0 or 1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(s32 *)(r0 + 0)
    r1 >>= 63
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_ldsx/ldsx_past_value
maps: m=hash(8,16,1)
desc: an s32 at offset 14 of a 16-byte value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(s32 *)(r0 + 14)
out:
    r0 = 0
    exit

=== selftests_ldsx/ldsx_ctx_socket_filter
type: socket_filter
desc: a sign-extending load from __sk_buff
    r0 = *(s32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_ldsx/ldsx_ctx_xdp
desc: a sign-extending load from xdp_md
    r0 = *(s32 *)(r1 + 16)
    r0 = 0
    exit

=== selftests_ldsx/ldsx_spilled_pointer
maps: m=hash(8,16,1)
desc: an s32 load from a slot holding a spilled pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r10 - 16) = r0
    r1 = *(s32 *)(r10 - 16)
out:
    r0 = 0
    exit

=== selftests_ldsx/ldsx_packet
type: sched_cls
desc: an s8 load from the packet after the bounds check
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r0 = *(s8 *)(r2 + 0)
out:
    r0 = 0
    exit
