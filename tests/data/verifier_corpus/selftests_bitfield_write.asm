# Theme: bitfield read-modify-write on a stack struct, as the kernel's verifier_bitfield_write
# selftests (BPF_CORE_WRITE_BITFIELD / BPF_CORE_READ_BITFIELD roundtrips) exercise it, written
# afresh without CO-RE: a zeroed struct, narrow loads, masks and shifts, narrow stores back, and
# a read of the field.  Whether the verifier still knows the value afterwards (narrow spills of
# constants, STACK_ZERO bytes, partial overwrites: check_stack_write_fixed_off and
# check_stack_read_fixed_off) decides if the guarded bad branch is walked.

=== selftests_bitfield_write/single_u8_field
type: sched_cls
desc: a 2-bit field at bits 1-2 of byte 0 set to 3 and read back: 3, known
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = *(u8 *)(r10 - 16)
    r1 &= 0xf9
    r2 = 3
    r2 <<= 1
    r1 |= r2
    *(u8 *)(r10 - 16) = r1
    r0 = *(u8 *)(r10 - 16)
    r0 >>= 1
    r0 &= 3
    if r0 != 3 goto bad
    exit
bad:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bitfield_write/two_fields_same_byte
type: sched_cls
desc: bit 0 and bits 1-2 written one after the other, both read back: 7, known
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = *(u8 *)(r10 - 16)
    r1 |= 1
    *(u8 *)(r10 - 16) = r1
    r1 = *(u8 *)(r10 - 16)
    r1 &= 0xf9
    r1 |= 6
    *(u8 *)(r10 - 16) = r1
    r0 = *(u8 *)(r10 - 16)
    r0 &= 7
    if r0 != 7 goto bad
    exit
bad:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bitfield_write/signed_field_sign_extended
type: sched_cls
desc: a signed 4-bit field in the byte at fp-15 set to -1 and read back with shifts: not a slot start, so the value is lost and the bad branch walked
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = *(u8 *)(r10 - 15)
    r1 &= 0xf0
    r2 = -1
    r2 &= 0xf
    r1 |= r2
    *(u8 *)(r10 - 15) = r1
    r0 = *(u8 *)(r10 - 15)
    r0 <<= 60
    r0 s>>= 60
    r0 &= 0xff
    if r0 != 0xff goto bad
    exit
bad:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bitfield_write/field_across_u32
type: sched_cls
desc: a 7-bit field at bits 3-9 of a u32 set to 16 and read back
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = *(u32 *)(r10 - 16)
    r1 &= 0xfffffc07
    r2 = 16
    r2 <<= 3
    r1 |= r2
    *(u32 *)(r10 - 16) = r1
    r0 = *(u32 *)(r10 - 16)
    r0 >>= 3
    r0 &= 0x7f
    if r0 != 16 goto bad
    exit
bad:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bitfield_write/u32_field_unaligned_offset
type: sched_cls
desc: the u32 holding the field at fp-12 (not slot-aligned): the value is not kept, the bad branch is walked
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = *(u32 *)(r10 - 12)
    r1 |= 0x80
    *(u32 *)(r10 - 12) = r1
    r0 = *(u32 *)(r10 - 12)
    r0 &= 0x80
    if r0 != 0x80 goto bad
    exit
bad:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bitfield_write/u8_write_then_u64_read
type: sched_cls
desc: a byte field written into a zeroed slot, the whole 8 bytes read: unknown, the bad branch is walked
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = 5
    *(u8 *)(r10 - 8) = r1
    r0 = *(u64 *)(r10 - 8)
    if r0 != 5 goto bad
    exit
bad:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bitfield_write/uninit_struct
type: sched_cls
desc: the struct never zeroed (privileged: the read is allowed): (x | 6) & 6 is 6 whatever x, known through the tnum
    r1 = *(u8 *)(r10 - 16)
    r1 |= 6
    *(u8 *)(r10 - 16) = r1
    r0 = *(u8 *)(r10 - 16)
    r0 &= 6
    if r0 != 6 goto bad
    exit
bad:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bitfield_write/field_written_with_st
type: sched_cls
desc: a byte field stored as an immediate into a zeroed struct and read back
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u8 *)(r10 - 16) = 9
    r0 = *(u8 *)(r10 - 16)
    if r0 != 9 goto bad
    exit
bad:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bitfield_write/neighbour_byte_kept_zero
type: sched_cls
desc: a byte field spilled at fp-16 into a zeroed slot; the neighbouring byte at fp-15 is no longer known to be 0
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = 0x7f
    *(u8 *)(r10 - 16) = r1
    r0 = *(u8 *)(r10 - 15)
    if r0 != 0 goto bad
    exit
bad:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_bitfield_write/field_as_map_index
type: sched_cls
maps: a=array(4,8,4)
desc: a 2-bit field read back and used as an index scaled by 2 into an 8-byte value: at most 6, in bounds
    r6 = *(u32 *)(r1 + 8)
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u32 *)(r10 - 4) = r1
    r6 &= 3
    r1 = *(u8 *)(r10 - 16)
    r1 |= r6
    *(u8 *)(r10 - 16) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r10 - 16)
    r1 &= 3
    r1 <<= 1
    r0 += r1
    r0 = *(u16 *)(r0 + 0)
out:
    r0 = 0
    exit
