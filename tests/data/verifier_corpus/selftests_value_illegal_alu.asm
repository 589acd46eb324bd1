# Theme: ALU operations a map value pointer does not allow, as the kernel's
# verifier_value_illegal_alu selftests probe them, written afresh: bitwise and, or, xor, shifts,
# division, multiplication, 32-bit arithmetic and byte swaps on the pointer, the pointer
# disguised by an atomic add through a stack slot, and the operations it does allow
# (adjust_ptr_min_max_vals, check_alu_op, check_atomic).

=== selftests_value_illegal_alu/and_imm
type: socket_filter
maps: m=hash(8,48,1)
desc: r0 &= 8 on a value pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 &= 16
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    exit

=== selftests_value_illegal_alu/or_reg
type: socket_filter
maps: m=hash(8,48,1)
desc: r0 |= scalar register on a value pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r3 = 1
    r0 |= r3
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    exit

=== selftests_value_illegal_alu/xor_imm
type: socket_filter
maps: m=hash(8,48,1)
desc: r0 ^= 1 on a value pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 ^= 1
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    exit

=== selftests_value_illegal_alu/lsh_imm
type: socket_filter
maps: m=hash(8,48,1)
desc: a shift of a value pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 <<= 1
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    exit

=== selftests_value_illegal_alu/arsh_imm
type: socket_filter
maps: m=hash(8,48,1)
desc: an arithmetic right shift of a value pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 s>>= 2
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    exit

=== selftests_value_illegal_alu/add32
type: socket_filter
maps: m=hash(8,48,1)
desc: w0 += 4: 32-bit arithmetic on a value pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    w0 += 4
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    exit

=== selftests_value_illegal_alu/mov32
type: socket_filter
maps: m=hash(8,48,1)
desc: w3 = w0 truncates the pointer to a scalar; the store through it is refused
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    w3 = w0
    r1 = 1
    *(u64 *)(r3 + 0) = r1
out:
    exit

=== selftests_value_illegal_alu/div_imm
type: socket_filter
maps: m=hash(8,48,1)
desc: r0 /= 3 on a value pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 /= 3
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    exit

=== selftests_value_illegal_alu/mul_imm
type: socket_filter
maps: m=hash(8,48,1)
desc: r0 *= 2 on a value pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 *= 2
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    exit

=== selftests_value_illegal_alu/mod_imm
type: socket_filter
maps: m=hash(8,48,1)
desc: r0 %= 5 on a value pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 %= 5
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    exit

=== selftests_value_illegal_alu/bswap
type: socket_filter
maps: m=hash(8,48,1)
desc: a byte swap turns the pointer into a scalar: the store through it is refused
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = le64 r0
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    exit

=== selftests_value_illegal_alu/be32
type: socket_filter
maps: m=hash(8,48,1)
desc: a 32-bit byte swap of the pointer, then a store through it
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = be32 r0
    r1 = 1
    *(u32 *)(r0 + 0) = r1
out:
    exit

=== selftests_value_illegal_alu/neg
type: socket_filter
maps: m=hash(8,48,1)
desc: negating a value pointer (allowed for root: the result is a scalar), then a store through it
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = -r0
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    exit

=== selftests_value_illegal_alu/neg_unused
type: socket_filter
maps: m=hash(8,48,1)
desc: negating a copy of the value pointer that is not used afterwards
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r3 = r0
    r3 = -r3
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_value_illegal_alu/atomic_add_on_spilled
type: socket_filter
maps: m=hash(8,48,1)
desc: an atomic add into the slot holding the spilled pointer makes the fill a scalar
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r3 = 64
    *(u64 *)(r10 - 16) = r0
    lock *(u64 *)(r10 - 16) += r3
    r0 = *(u64 *)(r10 - 16)
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    exit

=== selftests_value_illegal_alu/sub_imm_allowed
type: socket_filter
maps: m=hash(8,48,1)
desc: add and sub of constants are the operations a value pointer allows
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 20
    r0 -= 12
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_value_illegal_alu/sub_pointers
type: socket_filter
maps: m=hash(8,48,1)
desc: the difference of two pointers into the same value is a scalar (root may subtract pointers)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r3 = r0
    r3 += 8
    r3 -= r0
    r0 = r3
out:
    exit

=== selftests_value_illegal_alu/scalar_minus_pointer
type: socket_filter
maps: m=hash(8,48,1)
desc: a scalar minus a pointer: the pointer is the subtrahend
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r3 = 100
    r3 -= r0
    r0 = 0
out:
    exit
