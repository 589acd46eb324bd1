# Theme: spills and fills (the kernel's verifier_spill_fill selftests, written afresh): pointers
# and scalars saved to the stack and read back whole, in part, at other widths; constants stored
# with st; a spill overwritten in part; a pointer read back as data.

=== selftests_spill_fill/spill_value_ptr_fill_use
maps: m=hash(8,16,1)
desc: a value pointer spilled and filled keeps its type
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r10 - 16) = r0
    r1 = *(u64 *)(r10 - 16)
    r0 = *(u64 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_spill_fill/spill_null_or_value_check_after_fill
maps: m=hash(8,16,1)
desc: a maybe-null value pointer spilled; the null check of the register reaches the spill
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    *(u64 *)(r10 - 16) = r0
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 16)
    r0 = *(u64 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_spill_fill/spill_null_or_value_no_check
maps: m=hash(8,16,1)
desc: a maybe-null value pointer filled and used without a check
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    *(u64 *)(r10 - 16) = r0
    r1 = *(u64 *)(r10 - 16)
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_spill_fill/spill_ctx_fill_u32
type: socket_filter
desc: a ctx pointer filled with a 32-bit read is refused
    *(u64 *)(r10 - 8) = r1
    r0 = *(u32 *)(r10 - 8)
    r0 = 0
    exit

=== selftests_spill_fill/spill_ctx_fill_u32_high
type: socket_filter
desc: the upper half of a spilled ctx pointer is refused too
    *(u64 *)(r10 - 8) = r1
    r0 = *(u32 *)(r10 - 4)
    r0 = 0
    exit

=== selftests_spill_fill/spill_ctx_overwrite_byte_then_fill
type: socket_filter
desc: a byte written over a spilled ctx pointer corrupts it: the fill is a scalar
    *(u64 *)(r10 - 8) = r1
    r2 = 0
    *(u8 *)(r10 - 6) = r2
    r1 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_spill_fill/spill_u32_fill_u64
maps: m=hash(8,16,1)
desc: a u32 spill of a small scalar read back as u64 (4 bytes of it unwritten)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    *(u32 *)(r10 - 16) = r1
    r2 = *(u64 *)(r10 - 16)
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_spill_fill/spill_u32_zero_rest_fill_u64
maps: m=hash(8,16,1)
desc: u32 spill of a byte, a zero u32 above it, fill as u64: unknown (a mixed slot)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r2 = 0
    *(u32 *)(r10 - 12) = r2
    *(u32 *)(r10 - 16) = r1
    r2 = *(u64 *)(r10 - 16)
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_spill_fill/spill_u64_fill_u32_low
maps: m=hash(8,16,1)
desc: the low half of a spilled byte-sized scalar keeps its bounds
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 7
    *(u64 *)(r10 - 16) = r1
    r2 = *(u32 *)(r10 - 16)
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_spill_fill/spill_u64_fill_u16_of_u32
maps: m=hash(8,16,1)
desc: a u32-range value filled as u16: the bounds do not fit, the fill is unknown in 16 bits
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    *(u64 *)(r10 - 16) = r1
    r2 = *(u16 *)(r10 - 16)
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_spill_fill/spill_u64_fill_u16_of_u32_masked
maps: m=hash(8,16,1)
desc: a u16 fill of a u32-range value, masked to 3 bits afterwards
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    *(u64 *)(r10 - 16) = r1
    r2 = *(u16 *)(r10 - 16)
    r2 &= 7
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_spill_fill/st_imm_u64_fill
maps: m=hash(8,16,1)
desc: *(u64 *)(fp-16) = 6 by st: the fill is the constant
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r10 - 16) = 6
    r2 = *(u64 *)(r10 - 16)
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_spill_fill/st_imm_u32_fill_u32
maps: m=hash(8,16,1)
desc: *(u32 *)(fp-16) = 6 by st, filled as u32: the constant
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u32 *)(r10 - 16) = 6
    r2 = *(u32 *)(r10 - 16)
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_spill_fill/st_imm_u32_fill_u32_big
maps: m=hash(8,16,1)
desc: *(u32 *)(fp-16) = 60 by st: the constant is past the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u32 *)(r10 - 16) = 60
    r2 = *(u32 *)(r10 - 16)
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_spill_fill/st_imm_misaligned_fill
maps: m=hash(8,16,1)
desc: a u32 constant stored at fp-12 (not a slot start): the fill is data, unknown
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u32 *)(r10 - 12) = 6
    r2 = *(u32 *)(r10 - 12)
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_spill_fill/zero_bytes_fill
maps: m=hash(8,16,1)
desc: a slot written with zero by a register: the fill is 0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r2 = *(u32 *)(r10 - 12)
    r0 += r2
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_spill_fill/spill_frame_pointer_fill_use
desc: a stack pointer spilled and filled still addresses the stack
    r1 = r10
    r1 += -16
    *(u64 *)(r10 - 8) = r1
    r2 = *(u64 *)(r10 - 8)
    r3 = 7
    *(u64 *)(r2 + 0) = r3
    r0 = *(u64 *)(r10 - 16)
    exit

=== selftests_spill_fill/spill_pointer_u32
maps: m=hash(8,16,1)
desc: a pointer spilled with a 32-bit store is refused
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u32 *)(r10 - 16) = r0
out:
    r0 = 0
    exit

=== selftests_spill_fill/fill_uninit_part
desc: a u64 fill over a slot written only in its low u32 (root may read uninitialised stack)
    r1 = 1
    *(u32 *)(r10 - 8) = r1
    r0 = *(u64 *)(r10 - 8)
    exit
