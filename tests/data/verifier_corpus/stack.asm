# Theme: the stack (check_stack_read/write, save_register_state, check_stack_range_initialized):
# 512 bytes below r10, aligned accesses, spilled registers restored with their full state, partial
# spills and fills of pointers refused, variable-offset accesses, uninitialised reads (allowed to a
# privileged loader), r10 read-only.

=== stack/uninit_read
desc: an uninitialised stack read (allowed with CAP_PERFMON)
    r0 = *(u64 *)(r10 - 8)
    exit

=== stack/uninit_read_then_deref
desc: an uninitialised slot holds a scalar, not a pointer
    r1 = *(u64 *)(r10 - 8)
    r0 = *(u8 *)(r1 + 0)
    exit

=== stack/write_then_read
desc: a store then a load
    r1 = 5
    *(u64 *)(r10 - 8) = r1
    r0 = *(u64 *)(r10 - 8)
    exit

=== stack/read_at_fp
desc: a read at r10 itself
    r0 = *(u64 *)(r10 + 0)
    exit

=== stack/write_above_fp
desc: a store above the frame
    *(u64 *)(r10 + 8) = 0
    r0 = 0
    exit

=== stack/deepest_slot
desc: the deepest 8 bytes of the 512
    *(u64 *)(r10 - 512) = 0
    r0 = *(u64 *)(r10 - 512)
    exit

=== stack/below_512
desc: a store below the 512 bytes
    *(u64 *)(r10 - 520) = 0
    r0 = 0
    exit

=== stack/below_512_read
desc: a read below the 512 bytes
    r0 = *(u8 *)(r10 - 513)
    exit

=== stack/misaligned_u64
desc: a misaligned 8-byte store
    *(u64 *)(r10 - 12) = 0
    r0 = 0
    exit

=== stack/misaligned_u16
desc: a misaligned 2-byte store
    *(u16 *)(r10 - 3) = 0
    r0 = 0
    exit

=== stack/u8_any_offset
desc: bytes need no alignment
    *(u8 *)(r10 - 3) = 1
    r0 = *(u8 *)(r10 - 3)
    exit

=== stack/spill_ctx_fill_use
desc: a spilled ctx pointer restored and used
    *(u64 *)(r10 - 8) = r1
    r2 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r2 + 0)
    exit

=== stack/spill_partial_ptr
desc: a 4-byte spill of a pointer
    *(u32 *)(r10 - 8) = r1
    r0 = 0
    exit

=== stack/fill_partial_ptr
desc: a 4-byte fill of a spilled pointer
    *(u64 *)(r10 - 8) = r1
    r0 = *(u32 *)(r10 - 8)
    exit

=== stack/fill_upper_half_ptr
desc: the upper half of a spilled pointer
    *(u64 *)(r10 - 8) = r1
    r0 = *(u32 *)(r10 - 4)
    exit

=== stack/overwrite_half_spilled_ptr
desc: half a spilled pointer overwritten, the rest filled and dereferenced
    *(u64 *)(r10 - 8) = r1
    *(u32 *)(r10 - 8) = 0
    r2 = *(u64 *)(r10 - 8)
    r0 = *(u8 *)(r2 + 0)
    exit

=== stack/spill_const_fill_bounds
maps: m=hash(4,8,4)
desc: a spilled constant keeps its value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 4
    *(u64 *)(r10 - 16) = r1
    r1 = *(u64 *)(r10 - 16)
    r0 += r1
    r1 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/spill_bounded_fill_bounds
maps: m=hash(4,8,4)
desc: a spilled bounded scalar keeps its bounds
    r6 = *(u32 *)(r1 + 12)
    r6 &= 3
    *(u64 *)(r10 - 16) = r6
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 16)
    r0 += r1
    r1 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/spill_bounded_narrow_fill
maps: m=hash(4,8,4)
desc: a 4-byte fill of a spilled small scalar
    r6 = *(u32 *)(r1 + 12)
    r6 &= 3
    *(u64 *)(r10 - 16) = r6
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r10 - 16)
    r0 += r1
    r1 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/spill_u32_scalar_fill_u64
maps: m=hash(4,8,4)
desc: a 4-byte spill filled as 8 bytes: the upper half is unknown
    r6 = *(u32 *)(r1 + 12)
    r6 &= 3
    *(u32 *)(r10 - 16) = r6
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 16)
    r0 += r1
    r1 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/bytes_stored_not_spill
desc: two bytes stored, read as a u16
    r6 = *(u32 *)(r1 + 12)
    *(u8 *)(r10 - 16) = 1
    *(u8 *)(r10 - 15) = 2
    r1 = *(u16 *)(r10 - 16)
    r0 = r1
    exit

=== stack/fp_write
desc: r10 is read-only
    r10 = 0
    r0 = 0
    exit

=== stack/fp_add
desc: r10 is read-only, even for arithmetic
    r10 += -8
    r0 = 0
    exit

=== stack/fp_copy_arith
desc: a copy of r10 moved and written through
    r1 = r10
    r1 += -16
    *(u64 *)(r1 + 8) = 0
    r0 = *(u64 *)(r10 - 8)
    exit

=== stack/fp_copy_below
desc: a copy of r10 moved past the frame
    r1 = r10
    r1 += -600
    *(u64 *)(r1 + 0) = 0
    r0 = 0
    exit

=== stack/var_offset_write
desc: a store at a variable offset inside the frame
    r2 = *(u32 *)(r1 + 12)
    r2 &= 7
    r3 = r10
    r3 += -16
    r3 += r2
    *(u8 *)(r3 + 0) = 0
    r0 = 0
    exit

=== stack/var_offset_read
desc: a load at a variable offset from initialised bytes
    *(u64 *)(r10 - 16) = 0
    *(u64 *)(r10 - 8) = 0
    r2 = *(u32 *)(r1 + 12)
    r2 &= 7
    r3 = r10
    r3 += -16
    r3 += r2
    r0 = *(u8 *)(r3 + 0)
    exit

=== stack/var_offset_out
desc: a variable offset that may reach above r10
    r2 = *(u32 *)(r1 + 12)
    r2 &= 31
    r3 = r10
    r3 += -16
    r3 += r2
    *(u8 *)(r3 + 0) = 0
    r0 = 0
    exit

=== stack/var_offset_unbounded
desc: an unbounded variable offset on the stack
    r2 = *(u32 *)(r1 + 12)
    r3 = r10
    r3 += r2
    *(u8 *)(r3 + 0) = 0
    r0 = 0
    exit

=== stack/spill_pkt_fill_scalar_use
desc: a spilled packet pointer with one byte overwritten
    r2 = *(u32 *)(r1 + 0)
    *(u64 *)(r10 - 8) = r2
    *(u8 *)(r10 - 8) = 0
    r2 = *(u64 *)(r10 - 8)
    r0 = *(u8 *)(r2 + 0)
    exit

=== stack/spill_fp_fill_write
desc: a spilled stack pointer restored and written through
    r1 = r10
    r1 += -16
    *(u64 *)(r10 - 8) = r1
    r2 = *(u64 *)(r10 - 8)
    *(u64 *)(r2 + 0) = 1
    r0 = *(u64 *)(r10 - 16)
    exit

=== stack/spill_ptr_to_uninit_helper_key
maps: m=hash(8,8,4)
desc: a spilled pointer's bytes used as a map key
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== stack/fill_into_r10
desc: a fill into r10
    *(u64 *)(r10 - 8) = r1
    r10 = *(u64 *)(r10 - 8)
    r0 = 0
    exit

=== stack/store_r10_itself
desc: the frame pointer spilled and used after the fill
    *(u64 *)(r10 - 8) = r10
    r1 = *(u64 *)(r10 - 8)
    *(u64 *)(r1 - 16) = 0
    r0 = 0
    exit

=== stack/uninit_key_to_helper
maps: m=hash(8,8,4)
desc: an uninitialised key passed to a helper (allowed with CAP_PERFMON)
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== stack/stack_ptr_compare
desc: stack pointers compared
    r1 = r10
    r1 += -8
    r2 = r10
    if r1 > r2 goto +1
    r0 = 0
    r0 = 0
    exit

=== stack/var_offset_spill
desc: a pointer spilled at a variable offset
    r2 = *(u32 *)(r1 + 12)
    r2 &= 8
    r3 = r10
    r3 += -16
    r3 += r2
    *(u64 *)(r3 + 0) = r1
    r0 = 0
    exit

=== stack/fill_u8_of_spilled_u64
maps: m=hash(4,16,4)
desc: a 1-byte fill of a spilled unknown: 0..255, then masked
    r6 = *(u32 *)(r1 + 12)
    *(u64 *)(r10 - 32) = r6
    r7 = *(u8 *)(r10 - 32)
    *(u64 *)(r10 - 24) = r7
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 24)
    r1 &= 15
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/fill_u8_of_spilled_u64_unmasked
maps: m=hash(4,16,4)
desc: a 1-byte fill of a spilled unknown used unmasked: up to 255
    r6 = *(u32 *)(r1 + 12)
    *(u64 *)(r10 - 32) = r6
    r7 = *(u8 *)(r10 - 32)
    *(u64 *)(r10 - 24) = r7
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 24)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/fill_u16_of_bounded
maps: m=hash(4,16,4)
desc: a 2-byte fill of a spilled 0..15
    r6 = *(u32 *)(r1 + 12)
    r6 &= 0xf
    *(u64 *)(r10 - 32) = r6
    r7 = *(u16 *)(r10 - 32)
    *(u64 *)(r10 - 24) = r7
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 24)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/fill_u16_at_odd_slot_byte
maps: m=hash(4,16,4)
desc: a 2-byte fill from the middle of a spill: unknown 16 bits
    r6 = *(u32 *)(r1 + 12)
    r6 &= 0xf
    *(u64 *)(r10 - 32) = r6
    r7 = *(u16 *)(r10 - 30)
    *(u64 *)(r10 - 24) = r7
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 24)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/ldsx_from_stack_spill
maps: m=hash(4,16,4)
desc: a sign-extending 1-byte fill of a spilled 0..15 (cpu v4)
    r6 = *(u32 *)(r1 + 12)
    r6 &= 0xf
    *(u64 *)(r10 - 32) = r6
    r7 = *(s8 *)(r10 - 32)
    *(u64 *)(r10 - 24) = r7
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 24)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/ldsx_from_stack_data
maps: m=hash(4,16,4)
desc: a sign-extending load of a data byte: -128..127
    r6 = *(u32 *)(r1 + 12)
    *(u8 *)(r10 - 32) = 200
    r7 = *(s8 *)(r10 - 32)
    *(u64 *)(r10 - 24) = r7
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 24)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/ldsx_u32_unknown
maps: m=hash(4,16,4)
desc: a sign-extending 4-byte fill, bounded on both sides
    r6 = *(u32 *)(r1 + 12)
    *(u32 *)(r10 - 32) = r6
    r7 = *(s32 *)(r10 - 32)
    if r7 s< 0 goto out
    if r7 s> 15 goto out
    *(u64 *)(r10 - 24) = r7
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 24)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/spill_zero_fill_u32
maps: m=hash(4,16,4)
desc: the upper half of a spilled 0 reads as 0
    r6 = *(u32 *)(r1 + 12)
    r7 = 0
    *(u64 *)(r10 - 32) = r7
    r7 = *(u32 *)(r10 - 28)
    *(u64 *)(r10 - 24) = r7
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 24)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/spill_u16_fill_u16
maps: m=hash(4,16,4)
desc: a 2-byte spill of 0..15 filled as 2 bytes
    r6 = *(u32 *)(r1 + 12)
    r6 &= 0xf
    *(u16 *)(r10 - 32) = r6
    r7 = *(u16 *)(r10 - 32)
    *(u64 *)(r10 - 24) = r7
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 24)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/spill_u16_fill_u32
maps: m=hash(4,16,4)
desc: a 2-byte spill filled as 4 bytes: wider than the spill
    r6 = *(u32 *)(r1 + 12)
    r6 &= 0xf
    *(u16 *)(r10 - 32) = r6
    r7 = *(u32 *)(r10 - 32)
    *(u64 *)(r10 - 24) = r7
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 24)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/spill_wide_scalar_u8
maps: m=hash(4,16,4)
desc: a u32 spilled as 1 byte and filled: 0..255
    r6 = *(u32 *)(r1 + 12)
    *(u8 *)(r10 - 32) = r6
    r7 = *(u8 *)(r10 - 32)
    *(u64 *)(r10 - 24) = r7
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 24)
    r0 += r1
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== stack/var_off_read_of_zeros
desc: a variable-offset byte read over zeroed bytes (4-byte stores of 0: STACK_ZERO, not a spill) is a known zero (mark_reg_stack_read), so the branch on it is dead
    *(u32 *)(r10 - 4) = 0
    *(u32 *)(r10 - 8) = 0
    *(u32 *)(r10 - 12) = 0
    *(u32 *)(r10 - 16) = 0
    call bpf_get_prandom_u32
    r0 &= 7
    r3 = r10
    r3 += -16
    r3 += r0
    r0 = *(u8 *)(r3 + 0)
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    exit

=== stack/var_off_read_of_data
desc: a variable-offset byte read over bytes not all zero is an unknown 0..255: the branch on it is walked
    *(u32 *)(r10 - 4) = 0
    *(u32 *)(r10 - 8) = 0
    *(u32 *)(r10 - 12) = 0
    r1 = 1
    *(u32 *)(r10 - 16) = r1
    call bpf_get_prandom_u32
    r0 &= 7
    r3 = r10
    r3 += -16
    r3 += r0
    r0 = *(u8 *)(r3 + 0)
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    exit

=== stack/store2_into_spill4_scrubs_zero_bytes
desc: a 2-byte store into a slot holding a 4-byte spill over zeroed bytes: every byte of the slot that is not STACK_INVALID becomes STACK_MISC (scrub_spilled_slot()), the zero bytes beside the spill too
    *(u32 *)(r10 - 4) = 0
    call bpf_get_prandom_u32
    *(u32 *)(r10 - 8) = r0
    *(u16 *)(r10 - 2) = 0
    r0 = 0
    exit

=== stack/helper_write_scrubs_spilled_slot
type: sched_cls
desc: bpf_skb_load_bytes writes 4 bytes over a 4-byte spill: the whole slot becomes STACK_MISC, its zero bytes too
    r6 = r1
    *(u32 *)(r10 - 4) = 0
    call bpf_get_prandom_u32
    *(u32 *)(r10 - 8) = r0
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 4
    call bpf_skb_load_bytes
    r0 = 0
    exit
