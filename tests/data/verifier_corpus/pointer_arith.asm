# Theme: arithmetic on pointers (adjust_ptr_min_max_vals, adjust_reg_min_max_vals): which pointer
# types may move and by what, the operators allowed (only + and -), pointer +/- pointer, 32-bit
# arithmetic, subtraction from the stack pointer and from scalars, modified ctx pointers
# (check_ptr_off_reg), and copies of part of a pointer (allowed to a privileged loader).

=== pointer_arith/ctx_add_const_deref
desc: a ctx pointer moved by 4 then read
    r1 += 4
    r0 = *(u32 *)(r1 + 0)
    exit

=== pointer_arith/ctx_add_const_back
desc: a ctx pointer moved and moved back
    r1 += 4
    r1 += -4
    r0 = *(u32 *)(r1 + 0)
    exit

=== pointer_arith/ctx_add_var
desc: a ctx pointer moved by a variable
    r2 = *(u32 *)(r1 + 12)
    r2 &= 4
    r1 += r2
    r0 = *(u32 *)(r1 + 0)
    exit

=== pointer_arith/ctx_mul
desc: a ctx pointer multiplied
    r1 *= 2
    r0 = 0
    exit

=== pointer_arith/ctx_and
desc: a ctx pointer masked
    r1 &= -8
    r0 = 0
    exit

=== pointer_arith/ctx_or
desc: a ctx pointer OR-ed
    r1 |= 1
    r0 = 0
    exit

=== pointer_arith/ctx_xor
desc: a ctx pointer XOR-ed
    r1 ^= 1
    r0 = 0
    exit

=== pointer_arith/ctx_lsh
desc: a ctx pointer shifted left
    r1 <<= 1
    r0 = 0
    exit

=== pointer_arith/ctx_rsh
desc: a ctx pointer shifted right
    r1 >>= 1
    r0 = 0
    exit

=== pointer_arith/ctx_arsh
desc: a ctx pointer shifted arithmetically
    r1 s>>= 1
    r0 = 0
    exit

=== pointer_arith/ctx_div
desc: a ctx pointer divided
    r1 /= 2
    r0 = 0
    exit

=== pointer_arith/ctx_mod
desc: a ctx pointer modulo
    r1 %= 2
    r0 = 0
    exit

=== pointer_arith/ctx_neg
desc: a ctx pointer negated
    r1 = -r1
    r0 = 0
    exit

=== pointer_arith/ctx_neg_then_deref
desc: a negated ctx pointer is a scalar
    r1 = -r1
    r0 = *(u32 *)(r1 + 0)
    exit

=== pointer_arith/ctx_be16
desc: a byte-swapped ctx pointer is a scalar
    r1 = be16 r1
    r0 = *(u32 *)(r1 + 0)
    exit

=== pointer_arith/ctx_alu32_add
desc: 32-bit arithmetic on a pointer
    w1 += 4
    r0 = 0
    exit

=== pointer_arith/ctx_alu32_sub
desc: 32-bit subtraction on a pointer
    w1 -= 4
    r0 = 0
    exit

=== pointer_arith/ctx_mov32
desc: the low half of a pointer is a scalar
    w2 = w1
    r0 = *(u32 *)(r2 + 0)
    exit

=== pointer_arith/ctx_movsx
desc: a sign-extending move of a pointer
    r2 = (s32)r1
    r0 = 0
    exit

=== pointer_arith/ptr_plus_ptr
desc: pointer + pointer
    r2 = r1
    r2 += r1
    r0 = 0
    exit

=== pointer_arith/ptr_minus_ptr_same
desc: pointer - pointer: a scalar
    r2 = r1
    r2 -= r1
    r0 = r2
    exit

=== pointer_arith/ptr_minus_ptr_other
desc: stack pointer - ctx pointer
    r2 = r10
    r2 -= r1
    r0 = r2
    exit

=== pointer_arith/scalar_plus_ptr
desc: scalar + ctx pointer: a moved ctx pointer
    r2 = 4
    r2 += r1
    r0 = *(u32 *)(r2 + 0)
    exit

=== pointer_arith/scalar_plus_stack_ptr
desc: scalar + stack pointer: a stack pointer
    r2 = -8
    r2 += r10
    *(u64 *)(r2 + 0) = 0
    r0 = *(u64 *)(r10 - 8)
    exit

=== pointer_arith/scalar_minus_ptr
desc: scalar - pointer
    r2 = 4
    r2 -= r1
    r0 = r2
    exit

=== pointer_arith/stack_sub_var
desc: a variable subtracted from a stack pointer
    r2 = *(u32 *)(r1 + 12)
    r2 &= 7
    r3 = r10
    r3 -= r2
    r0 = 0
    exit

=== pointer_arith/stack_sub_const
desc: a constant subtracted from a stack pointer
    r3 = r10
    r3 -= 8
    *(u64 *)(r3 + 0) = 0
    r0 = 0
    exit

=== pointer_arith/map_ptr_add
maps: m=hash(4,8,4)
desc: arithmetic on a map pointer
    r1 = map_fd(m) ll
    r1 += 8
    r0 = 0
    exit

=== pointer_arith/map_ptr_add_zero
maps: m=hash(4,8,4)
desc: adding 0 to a map pointer
    r1 = map_fd(m) ll
    r1 += 0
    r0 = 0
    exit

=== pointer_arith/map_ptr_deref
maps: m=hash(4,8,4)
desc: a read through a map pointer
    r1 = map_fd(m) ll
    r0 = *(u64 *)(r1 + 0)
    exit

=== pointer_arith/map_ptr_sub
maps: m=hash(4,8,4)
desc: subtraction on a map pointer
    r1 = map_fd(m) ll
    r1 -= 8
    r0 = 0
    exit

=== pointer_arith/pkt_add_ok
desc: a packet pointer moved by a constant
    r2 = *(u32 *)(r1 + 0)
    r2 += 14
    r0 = 0
    exit

=== pointer_arith/pkt_mul
desc: a packet pointer multiplied
    r2 = *(u32 *)(r1 + 0)
    r2 *= 2
    r0 = 0
    exit

=== pointer_arith/pkt_meta_add
desc: a packet meta pointer moved
    r2 = *(u32 *)(r1 + 8)
    r2 += 4
    r0 = 0
    exit

=== pointer_arith/value_ptr_add_unknown_u64
maps: m=hash(4,8,4)
desc: an unbounded 64-bit scalar added to a value pointer
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r0 += r1
out:
    r0 = 0
    exit

=== pointer_arith/value_ptr_add_huge_const
maps: m=hash(4,8,4)
desc: 1 << 30 added through a register
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0x40000000
    r0 += r1
out:
    r0 = 0
    exit

=== pointer_arith/value_ptr_sub_neg
maps: m=hash(4,8,4)
desc: subtracting -8 moves forward
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 -= -8
    r1 = *(u8 *)(r0 - 1)
out:
    r0 = 0
    exit

=== pointer_arith/ctx_ptr_compared
desc: pointer comparisons are allowed to a privileged loader
    r2 = r1
    r2 += 8
    if r2 > r1 goto +1
    r0 = 0
    r0 = 0
    exit

=== pointer_arith/ptr_stored_to_stack_then_added
desc: a filled ctx pointer moved: modified ctx access
    *(u64 *)(r10 - 8) = r1
    r2 = *(u64 *)(r10 - 8)
    r2 += 4
    r0 = *(u32 *)(r2 - 4)
    exit

=== pointer_arith/r10_copy_add_var_read
desc: a variable known to be 0 added to r10
    *(u64 *)(r10 - 8) = 0
    r2 = *(u32 *)(r1 + 12)
    r2 &= 0
    r3 = r10
    r3 += r2
    r0 = *(u64 *)(r3 - 8)
    exit
