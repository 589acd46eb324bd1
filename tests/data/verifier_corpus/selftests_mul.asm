# Theme: multiplication's bounds as the kernel's verifier_mul selftest probes them, written afresh:
# scalar_min_max_mul / scalar32_min_max_mul (kernel/bpf/verifier.c: the product's unsigned and
# signed ranges, each kept only when it cannot overflow, and tnum_mul for the known bits), for
# 64- and 32-bit multiplies, by constants and by ranges, positive, negative and mixed; the product
# then bounds a map value access (value of 48 bytes), so a wrong bound changes the verdict.

=== selftests_mul/const_small
type: socket_filter
maps: a=array(4,48,1)
desc: a value in [0,7] times 4 indexes the value
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 7
    r6 *= 4
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/const_too_big
type: socket_filter
maps: a=array(4,48,1)
desc: a value in [0,15] times 4 runs past the value
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 15
    r6 *= 4
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/range_by_range
type: socket_filter
maps: a=array(4,48,1)
desc: [0,7] times [0,3]
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 7
    r7 &= 3
    r6 *= r7
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/range_by_range_past
type: socket_filter
maps: a=array(4,48,1)
desc: [0,15] times [0,3] (45 reaches past 44)
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 15
    r7 &= 3
    r6 *= r7
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/square
type: socket_filter
maps: a=array(4,48,1)
desc: a value in [0,6] squared
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 6
    r6 *= r6
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/by_zero
type: socket_filter
maps: a=array(4,48,1)
desc: anything times zero is a known zero
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 *= 0
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/by_zero_reg
type: socket_filter
maps: a=array(4,48,1)
desc: anything times a register known zero
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r7 = 0
    r6 *= r7
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/by_one
type: socket_filter
maps: a=array(4,48,1)
desc: [0,40] times one
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 31
    r6 *= 1
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/negative_const
type: socket_filter
maps: a=array(4,48,1)
desc: [0,7] times -4: negative offsets
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 7
    r6 *= -4
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/negative_const_back
type: socket_filter
maps: a=array(4,48,1)
desc: [0,7] times -4, negated back
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 7
    r6 *= -4
    r6 = -r6
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/negative_by_negative
type: socket_filter
maps: a=array(4,48,1)
desc: [-3,0] times [-3,0]
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 3
    r6 = -r6
    r7 &= 3
    r7 = -r7
    r6 *= r7
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/mixed_signs
type: socket_filter
maps: a=array(4,48,1)
desc: [-2,2] times 4: negative offsets possible
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 3
    r6 -= 2
    r6 *= 4
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/mixed_signs_squared
type: socket_filter
maps: a=array(4,48,1)
desc: [-2,2] times itself
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 3
    r6 -= 2
    r6 *= r6
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/mixed_signs_two_regs
type: socket_filter
maps: a=array(4,48,1)
desc: [-3,3] times [-3,3]
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 7
    r6 -= 3
    r7 &= 7
    r7 -= 3
    r6 *= r7
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/overflow_u64
type: socket_filter
maps: a=array(4,48,1)
desc: a 33-bit value squared may wrap: unknown
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 <<= 31
    r6 *= r6
    r6 &= 15
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/wide_no_overflow
type: socket_filter
maps: a=array(4,48,1)
desc: a 32-bit value times a small one stays bounded
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 0xffff
    r7 &= 0xffff
    r6 *= r7
    r6 >>= 28
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/alu32_small
type: socket_filter
maps: a=array(4,48,1)
desc: 32-bit [0,7] times 4
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    w6 &= 7
    w6 *= 4
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/alu32_wraps
type: socket_filter
maps: a=array(4,48,1)
desc: 32-bit [0,0x1ffff] squared wraps
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    w6 &= 0x1ffff
    w6 *= w6
    w6 &= 0xff
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/alu32_no_wrap
type: socket_filter
maps: a=array(4,48,1)
desc: 32-bit [0,0xffff] squared, shifted down
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    w6 &= 0xffff
    w6 *= w6
    w6 >>= 27
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/alu32_negative_const
type: socket_filter
maps: a=array(4,48,1)
desc: 32-bit [0,7] times -1: a large unsigned
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    w6 &= 7
    w6 *= -1
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/alu32_upper_cleared
type: socket_filter
maps: a=array(4,48,1)
desc: a 32-bit multiply zero-extends: the 64-bit value below 2^32
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    w6 *= w7
    r6 >>= 30
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/known_times_known
type: socket_filter
maps: a=array(4,48,1)
desc: 6 times 7
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 = 6
    r6 *= 7
    r6 -= 2
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/known_times_known_past
type: socket_filter
maps: a=array(4,48,1)
desc: 6 times 8 is the value's size
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 = 6
    r6 *= 8
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/tnum_even
type: socket_filter
maps: a=array(4,48,1)
desc: an even value times 2 keeps low bits known; masked
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 0xe
    r6 *= 2
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/smin_negative_range
type: socket_filter
maps: a=array(4,48,1)
desc: [-8,-1] times -4 is [4,32]
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r6 &= 7
    r6 += 1
    r6 = -r6
    r6 *= -4
    r8 += r6
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_mul/pointer_times
type: socket_filter
maps: a=array(4,48,1)
desc: a map value pointer multiplied
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_prandom_u32
    r7 = r0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r8 *= 2
    r8 += r6
    r0 = 0
out:
    r0 = 0
    exit

=== selftests_mul/ptr_mul_fp
type: socket_filter
desc: the frame pointer multiplied
    r1 = r10
    r1 *= 3
    r0 = 0
    exit

=== selftests_mul/ptr_mul32_ctx
type: socket_filter
desc: the ctx pointer multiplied in 32 bits
    w1 *= 3
    r0 = 0
    exit
