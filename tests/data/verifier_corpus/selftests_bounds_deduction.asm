# Theme: bounds deduction (the kernel's verifier_bounds_deduction selftests, written afresh):
# arithmetic between pointers and scalars whose sign is only partly known, pointer - pointer,
# scalar - pointer, and what the comparisons tell each side.

=== selftests_bounds_deduction/sub_pointer_from_scalar
maps: m=hash(8,16,1)
desc: scalar -= pointer is prohibited
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0
    r1 -= r0
    r0 = 0
    exit
out:
    r0 = 0
    exit

=== selftests_bounds_deduction/ptr_minus_ptr_is_scalar
desc: stack pointer minus stack pointer is a scalar, returned
    r1 = r10
    r2 = r10
    r2 += -8
    r1 -= r2
    r0 = r1
    exit

=== selftests_bounds_deduction/ptr_minus_ptr_then_deref
desc: fp - (fp-8) is a scalar: dereferencing it is refused
    r1 = r10
    r2 = r10
    r2 += -8
    r1 -= r2
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_bounds_deduction/negative_signed_bound_offset
maps: m=hash(8,16,1)
desc: an offset bounded s< 0 only: the pointer goes below the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if r1 s>= 0 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_deduction/offset_pinned_by_unsigned_then_signed
maps: m=hash(8,16,1)
desc: r1 < 8 unsigned then signed >= 0: within the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if r1 >= 8 goto out
    if r1 s< 0 goto out
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_deduction/pointer_minus_scalar
maps: m=hash(8,16,1)
desc: value + 8 - (u8 & 7): within the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 7
    r0 += 8
    r0 -= r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_deduction/pointer_minus_scalar_below
maps: m=hash(8,16,1)
desc: value + 4 - (u8 & 7) may go below the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 7
    r0 += 4
    r0 -= r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_deduction/scalar_plus_pointer
maps: m=hash(8,16,1)
desc: (u8 & 7) + value pointer: the pointer is in r1 after the add
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 7
    r1 += r0
    r0 = *(u8 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_deduction/scalar_plus_pointer_unbounded
maps: m=hash(8,16,1)
desc: an unbounded scalar plus a value pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 += r0
    r0 = *(u8 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_deduction/ptr_and_imm
maps: m=hash(8,16,1)
desc: bitwise AND on a value pointer is prohibited
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 &= -8
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_bounds_deduction/ptr32_add
maps: m=hash(8,16,1)
desc: 32-bit arithmetic on a pointer is prohibited
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    w0 += 4
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit
