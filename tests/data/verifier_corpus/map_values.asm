# Theme: accesses through PTR_TO_MAP_VALUE: constant and variable offsets against value_size
# (check_map_access, check_mem_region_access), the map's BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG
# flags, frozen maps, direct value addresses (BPF_PSEUDO_MAP_VALUE) and the pointer arithmetic a
# value pointer allows.

=== map_values/read_u64_at_0
maps: m=hash(4,8,16)
desc: the whole 8-byte value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/read_u64_off_by_one
maps: m=hash(4,8,16)
desc: an 8-byte read one byte too far (off-by-one)
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 1)
out:
    r0 = 0
    exit

=== map_values/read_u8_last
maps: m=hash(4,8,16)
desc: the last byte
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 7)
out:
    r0 = 0
    exit

=== map_values/read_u8_past_end
maps: m=hash(4,8,16)
desc: the byte after the value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 8)
out:
    r0 = 0
    exit

=== map_values/read_u16_straddling
maps: m=hash(4,8,16)
desc: a 2-byte read straddling the end
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u16 *)(r0 + 7)
out:
    r0 = 0
    exit

=== map_values/read_u32_misaligned_inside
maps: m=hash(4,8,16)
desc: an unaligned read inside the value (no strict alignment)
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 3)
out:
    r0 = 0
    exit

=== map_values/read_negative
maps: m=hash(4,8,16)
desc: the byte before the value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 - 1)
out:
    r0 = 0
    exit

=== map_values/write_last_u32
maps: m=hash(4,8,16)
desc: a store of the value's last word
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    *(u32 *)(r0 + 4) = r1
out:
    r0 = 0
    exit

=== map_values/write_past_end
maps: m=hash(4,8,16)
desc: a store running past the value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    *(u32 *)(r0 + 6) = r1
out:
    r0 = 0
    exit

=== map_values/store_imm
maps: m=hash(4,8,16)
desc: an immediate store
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = 42
out:
    r0 = 0
    exit

=== map_values/ptr_add_const_then_read
maps: m=hash(4,8,16)
desc: a value pointer moved by a constant
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 4
    r1 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/ptr_add_const_past
maps: m=hash(4,8,16)
desc: moved to the end, then read
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 8
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/ptr_add_back_negative_off
maps: m=hash(4,8,16)
desc: moved past then read back inside
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 8
    r1 = *(u32 *)(r0 - 4)
out:
    r0 = 0
    exit

=== map_values/ptr_sub_const
maps: m=hash(4,8,16)
desc: moved back, read at +4: offset 0
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 -= 4
    r1 = *(u32 *)(r0 + 4)
out:
    r0 = 0
    exit

=== map_values/ptr_huge_const
maps: m=hash(4,8,16)
desc: a constant of 1 << 29 added to a value pointer
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 536870912
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/ptr_and_refused
maps: m=hash(4,8,16)
desc: a bitwise AND on a value pointer
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 &= 7
out:
    r0 = 0
    exit

=== map_values/ptr_minus_ptr
maps: m=hash(4,8,16)
desc: the difference of two value pointers is a scalar
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r1 += 4
    r1 -= r0
    r0 = r1
    exit
out:
    r0 = 0
    exit

=== map_values/var_masked_u8
maps: m=hash(4,8,16)
desc: a variable offset masked to 0..7, one byte read
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    r1 &= 7
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/var_masked_u16
maps: m=hash(4,8,16)
desc: masked to 0..7, two bytes read: max offset 9
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    r1 &= 7
    r0 += r1
    r1 = *(u16 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/var_masked_15
maps: m=hash(4,8,16)
desc: masked to 0..15 on an 8-byte value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    r1 &= 15
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/var_unbounded
maps: m=hash(4,8,16)
desc: an unbounded 32-bit offset
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/var_u64_unbounded
maps: m=hash(4,8,16)
desc: an unbounded 64-bit offset
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/var_jgt_bounded
maps: m=hash(4,8,16)
desc: bounded by if > 7
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    if r1 > 7 goto out
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/var_jgt_off_by_one
maps: m=hash(4,8,16)
desc: bounded by if > 8: one too many
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    if r1 > 8 goto out
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/var_signed_only
maps: m=hash(4,8,16)
desc: only an upper signed bound: may be negative
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if r1 s> 7 goto out
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/var_signed_both
maps: m=hash(4,8,16)
desc: signed bounds on both sides
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    if r1 s> 7 goto out
    if r1 s< 0 goto out
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/var_then_const
maps: m=hash(4,8,16)
desc: 0..3 plus 4, 4 bytes: reaches 11
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    r1 &= 3
    r0 += r1
    r1 = *(u32 *)(r0 + 4)
out:
    r0 = 0
    exit

=== map_values/var_shifted
maps: m=hash(4,16,16)
desc: an index scaled by 4 into a 16-byte value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    r1 &= 3
    r1 <<= 2
    r0 += r1
    r1 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/var_shifted_too_far
maps: m=hash(4,16,16)
desc: an index 0..7 scaled by 4 into 16 bytes
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    r1 &= 7
    r1 <<= 2
    r0 += r1
    r1 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/var_sub_scalar
maps: m=hash(4,16,16)
desc: a bounded scalar subtracted
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    r1 &= 3
    r0 += 8
    r0 -= r1
    r1 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/rdonly_prog_read
maps: r=hash(4,8,4,rdonly_prog)
desc: reading a BPF_F_RDONLY_PROG map
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(r) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/rdonly_prog_write
maps: r=hash(4,8,4,rdonly_prog)
desc: writing a BPF_F_RDONLY_PROG map
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(r) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== map_values/wronly_prog_read
maps: w=hash(4,8,4,wronly_prog)
desc: reading a BPF_F_WRONLY_PROG map
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(w) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/wronly_prog_write
maps: w=hash(4,8,4,wronly_prog)
desc: writing a BPF_F_WRONLY_PROG map
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(w) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== map_values/frozen_array_write
maps: f=array(4,8,1,frozen)
desc: a frozen map is still writable by programs
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(f) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== map_values/direct_value_read
maps: a=array(4,16,1)
desc: a direct value address read
    r1 = map_value(a, 0) ll
    r0 = *(u64 *)(r1 + 0)
    exit

=== map_values/direct_value_offset_read
maps: a=array(4,16,1)
desc: a direct value address at offset 8
    r1 = map_value(a, 8) ll
    r0 = *(u64 *)(r1 + 0)
    exit

=== map_values/direct_value_offset_past
maps: a=array(4,16,1)
desc: offset 12, 8 bytes: past the 16-byte value
    r1 = map_value(a, 12) ll
    r0 = *(u64 *)(r1 + 0)
    exit

=== map_values/direct_value_rdonly_write
maps: a=array(4,16,1,rdonly_prog)
desc: a store into a read-only (for programs) array
    r1 = map_value(a, 0) ll
    *(u64 *)(r1 + 0) = 1
    r0 = 0
    exit

=== map_values/direct_value_frozen_rdonly_read
maps: a=array(4,16,1,rdonly_prog,frozen)
desc: a frozen read-only array read
    r1 = map_value(a, 0) ll
    r0 = *(u64 *)(r1 + 0)
    exit

=== map_values/value_size_1_u16
maps: s=hash(4,1,4)
desc: a 2-byte read of a 1-byte value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(s) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u16 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/ptr_leaked_into_map
maps: m=hash(4,8,16)
desc: a pointer stored into the map's value (pointer leak, allowed when privileged)
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r0
out:
    r0 = 0
    exit

=== map_values/ctx_leaked_into_map
maps: m=hash(4,8,16)
desc: r6 never set: the store reads an uninitialised register
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r6
out:
    r0 = 0
    exit

=== map_values/ctx_saved_and_leaked
maps: m=hash(4,8,16)
desc: the context pointer stored into a map value
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r6
out:
    r0 = 0
    exit

=== map_values/read_u64_of_16_at_8
maps: m=hash(4,16,16)
desc: the second word of a 16-byte value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 8)
out:
    r0 = 0
    exit

=== map_values/percpu_value_read
maps: p=percpu_hash(4,8,4)
desc: a per-CPU hash value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(p) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_values/lru_value_past
maps: l=lru_hash(4,8,4)
desc: an LRU hash value read past its end
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(l) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 4)
out:
    r0 = 0
    exit
