# Theme: variable offsets (the kernel's verifier_var_off selftests, written afresh): stack
# accesses through a pointer whose offset is a bounded unknown, reads and writes, helper memory
# arguments at variable offsets, and offsets not bounded enough.

=== selftests_var_off/stack_var_write
desc: a byte written at fp-16 + (rand & 7) is allowed
    call bpf_get_prandom_u32
    r0 &= 7
    r1 = r10
    r1 += -16
    r1 += r0
    r2 = 1
    *(u8 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_var_off/stack_var_read_initialised
desc: a u8 read at a variable offset inside an initialised area
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    call bpf_get_prandom_u32
    r0 &= 7
    r1 = r10
    r1 += -16
    r1 += r0
    r0 = *(u8 *)(r1 + 0)
    exit

=== selftests_var_off/stack_var_read_uninitialised
desc: a variable-offset read over never-written stack (root: allowed)
    call bpf_get_prandom_u32
    r0 &= 7
    r1 = r10
    r1 += -16
    r1 += r0
    r0 = *(u8 *)(r1 + 0)
    exit

=== selftests_var_off/stack_var_write_past_fp
desc: fp-4 + [0,7] may reach above the frame
    call bpf_get_prandom_u32
    r0 &= 7
    r1 = r10
    r1 += -4
    r1 += r0
    r2 = 1
    *(u8 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_var_off/stack_var_unbounded
desc: an unbounded offset from the frame pointer
    call bpf_get_prandom_u32
    r1 = r10
    r1 += r0
    r2 = 1
    *(u8 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_var_off/stack_var_below_512
desc: fp-512 - [0,7]: subtracting a register from the frame pointer is refused
    call bpf_get_prandom_u32
    r0 &= 7
    r1 = r10
    r1 += -512
    r1 -= r0
    r2 = 1
    *(u8 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_var_off/stack_var_spill_pointer
desc: a pointer stored at a variable stack offset (root: it becomes data)
    call bpf_get_prandom_u32
    r0 &= 8
    r1 = r10
    r1 += -24
    r1 += r0
    *(u64 *)(r1 + 0) = r10
    r0 = 0
    exit

=== selftests_var_off/helper_mem_var_off_stack
maps: m=hash(8,16,1)
desc: a lookup key at fp-16 + (rand & 8), the area initialised
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    call bpf_get_prandom_u32
    r0 &= 8
    r2 = r10
    r2 += -16
    r2 += r0
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_var_off/helper_mem_var_off_stack_past
maps: m=hash(8,16,1)
desc: an 8-byte key at fp-8 + (rand & 8) may end above the frame
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    call bpf_get_prandom_u32
    r0 &= 8
    r2 = r10
    r2 += -8
    r2 += r0
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_var_off/value_var_off_read
maps: m=hash(8,16,1)
desc: a u32 at value + (u8 & 12): within 16 bytes
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 12
    r0 += r1
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_var_off/value_var_off_read_past
maps: m=hash(8,16,1)
desc: a u64 at value + (u8 & 12): may end past 16 bytes
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 12
    r0 += r1
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_var_off/ctx_var_off
type: sched_cls
desc: a variable offset into the context is refused
    r6 = r1
    call bpf_get_prandom_u32
    r0 &= 4
    r6 += r0
    r0 = *(u32 *)(r6 + 0)
    r0 = 0
    exit

=== selftests_var_off/zero_var_off_over_uninit_is_misc
maps: m=hash(8,16,1)
desc: a zero byte at a variable offset over never-written stack makes the bytes data, not zero
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r0 &= 7
    r1 = r10
    r1 += -16
    r1 += r0
    r2 = 0
    *(u8 *)(r1 + 0) = r2
    r2 = *(u8 *)(r10 - 16)
    r6 += r2
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_var_off/zero_var_off_over_zero_stays_zero
maps: m=hash(8,16,1)
desc: a zero byte at a variable offset over zeroed stack keeps the bytes zero
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    call bpf_get_prandom_u32
    r0 &= 7
    r1 = r10
    r1 += -16
    r1 += r0
    r2 = 0
    *(u8 *)(r1 + 0) = r2
    r2 = *(u8 *)(r10 - 16)
    r2 <<= 8
    r6 += r2
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_var_off/zero_var_off_over_zero_spill_keeps_spill
maps: m=hash(8,16,1)
desc: a zero u64 at a variable offset over spilled constant zeros keeps the spills
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    call bpf_get_prandom_u32
    r0 &= 8
    r1 = r10
    r1 += -24
    r1 += r0
    r2 = 0
    *(u64 *)(r1 + 0) = r2
    r2 = *(u64 *)(r10 - 16)
    r2 <<= 8
    r6 += r2
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_var_off/nonzero_var_off_over_zero_spill
maps: m=hash(8,16,1)
desc: a nonzero u64 at a variable offset over spilled zeros destroys them
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    call bpf_get_prandom_u32
    r0 &= 8
    r1 = r10
    r1 += -24
    r1 += r0
    r2 = 1
    *(u64 *)(r1 + 0) = r2
    r2 = *(u64 *)(r10 - 16)
    r6 += r2
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_var_off/st_zero_var_off_over_uninit
maps: m=hash(8,16,1)
desc: an immediate zero stored at a variable offset over never-written stack: data, not zero
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r0 &= 7
    r1 = r10
    r1 += -16
    r1 += r0
    *(u8 *)(r1 + 0) = 0
    r2 = *(u8 *)(r10 - 12)
    r6 += r2
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit
