# Theme: map value pointer arithmetic (the kernel's verifier_value_ptr_arith selftests, written
# afresh): known and unknown offsets on both sides, mixed signs, pointers from two paths with
# different offsets, arithmetic on a maybe-NULL value pointer.

=== selftests_value_ptr_arith/known_add_sub
maps: m=array(4,48,1)
desc: value + 40 - 32, read 8 bytes
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 40
    r0 += -32
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_value_ptr_arith/unknown_add_known_sub
maps: m=array(4,48,1)
desc: value + (u8 & 15) - 8: may go below the start
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 15
    r0 += r1
    r0 += -8
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_value_ptr_arith/unknown_add_known_sub_with_insn_off
maps: m=array(4,48,1)
desc: value + (u8 & 15) - 8, read at +8: within
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 15
    r0 += r1
    r0 += -8
    r0 = *(u8 *)(r0 + 8)
out:
    r0 = 0
    exit

=== selftests_value_ptr_arith/two_unknowns_added
maps: m=array(4,48,1)
desc: value + (a & 15) + (b & 15): up to 30 of 48
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 15
    r2 = *(u8 *)(r0 + 1)
    r2 &= 15
    r0 += r1
    r0 += r2
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_value_ptr_arith/two_unknowns_added_past
maps: m=array(4,48,1)
desc: value + (a & 31) + (b & 15): up to 46, a u64 ends past 48
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 31
    r2 = *(u8 *)(r0 + 1)
    r2 &= 15
    r0 += r1
    r0 += r2
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_value_ptr_arith/maybe_null_arith
maps: m=array(4,48,1)
desc: arithmetic on a maybe-NULL value pointer is refused
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 += 8
    if r0 == 0 goto out
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_value_ptr_arith/two_paths_different_offsets
maps: m=array(4,48,1)
desc: value + 8 or value + 44 joined, then a u64 read: the second fails
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u8 *)(r0 + 0)
    r6 += 8
    if r1 > 3 goto read
    r6 += 36
read:
    r0 = *(u64 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_value_ptr_arith/value_ptr_stored_to_map
maps: m=array(4,48,1)
desc: a value pointer written into the value (root: allowed, it leaks an address)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r0
out:
    r0 = 0
    exit

=== selftests_value_ptr_arith/value_ptr_xor
maps: m=array(4,48,1)
desc: xor on a value pointer is prohibited
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 ^= 1
out:
    r0 = 0
    exit

=== selftests_value_ptr_arith/value_ptr_negative_known
maps: m=array(4,48,1)
desc: value - 8 read: below the start
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += -8
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_value_ptr_arith/value_ptr_var_off_then_const_back
maps: m=array(4,48,1)
desc: value + 32 + (u8 & 7) - 32: within
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 7
    r0 += 32
    r0 += r1
    r0 += -32
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit
