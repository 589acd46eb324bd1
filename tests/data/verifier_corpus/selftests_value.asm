# Theme: map element values as the kernel's verifier_value selftests probe them, written afresh:
# a store of a register the helper call cleared, unaligned loads and stores at offsets moved by
# constants (x86 has efficient unaligned access: no alignment rule), the value pointer kept
# across a spill to a deep stack slot, and the value's end checked on each moved copy
# (check_map_access, check_reg_arg's "!read_ok", save_register_state).

=== selftests_value/store_clobbered_r2
type: socket_filter
maps: m=hash(8,48,1)
desc: r2 is clobbered by the lookup: storing it into the value reads an unset register
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u32 *)(r0 + 4) = r2
out:
    r0 = 0
    exit

=== selftests_value/store_clobbered_r5
type: socket_filter
maps: m=hash(8,48,1)
desc: r5 set before the call is clobbered too
    r5 = 7
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r5
out:
    r0 = 0
    exit

=== selftests_value/store_callee_saved
type: socket_filter
maps: m=hash(8,48,1)
desc: r6 survives the call: storing it is fine
    r6 = 7
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 8) = r6
out:
    r0 = 0
    exit

=== selftests_value/unaligned_stores
type: socket_filter
maps: m=hash(8,48,1)
desc: 8-byte stores at odd offsets of a value moved by constants, all inside 48 bytes
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 5
    r1 = 11
    *(u64 *)(r0 + 0) = r1
    *(u64 *)(r0 + 3) = r1
    *(u64 *)(r0 - 5) = r1
    r7 = r0
    r7 += 9
    *(u64 *)(r7 + 0) = r1
    *(u64 *)(r7 + 26) = r1
    *(u64 *)(r7 - 14) = r1
out:
    r0 = 0
    exit

=== selftests_value/unaligned_store_past_end
type: socket_filter
maps: m=hash(8,48,1)
desc: the moved copy's last store ends one byte past the 48-byte value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 5
    r7 = r0
    r7 += 9
    r1 = 11
    *(u64 *)(r7 + 27) = r1
out:
    r0 = 0
    exit

=== selftests_value/unaligned_store_before_start
type: socket_filter
maps: m=hash(8,48,1)
desc: a store at a negative offset reaching before the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 3
    r1 = 11
    *(u32 *)(r0 - 4) = r1
out:
    r0 = 0
    exit

=== selftests_value/unaligned_loads_after_index_check
type: socket_filter
maps: m=hash(8,48,1)
desc: a checked index read first, then unaligned 8-byte loads at constant offsets
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    if r1 >= 11 goto out
    r0 += 1
    r7 = *(u64 *)(r0 + 0)
    r7 = *(u64 *)(r0 + 5)
    r8 = r0
    r8 += 6
    r7 = *(u64 *)(r8 + 33)
    r7 = *(u16 *)(r8 + 39)
out:
    r0 = 0
    exit

=== selftests_value/unaligned_load_past_end
type: socket_filter
maps: m=hash(8,48,1)
desc: a 2-byte load whose last byte is byte 48
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 7
    r7 = *(u16 *)(r0 + 40)
out:
    r0 = 0
    exit

=== selftests_value/spill_deep_slot_and_store
type: socket_filter
maps: m=hash(8,48,1)
desc: the value pointer spilled to fp-200 through a copy of fp and filled back stays a value pointer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 4
    r1 = r10
    r1 += -200
    *(u64 *)(r1 + 0) = r0
    r3 = *(u64 *)(r1 + 0)
    r2 = 9
    *(u32 *)(r3 + 40) = r2
out:
    r0 = 0
    exit

=== selftests_value/spill_deep_slot_past_end
type: socket_filter
maps: m=hash(8,48,1)
desc: the filled pointer keeps its offset: a store at +41 of value+4 ends past the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 4
    r1 = r10
    r1 += -200
    *(u64 *)(r1 + 0) = r0
    r3 = *(u64 *)(r1 + 0)
    r2 = 9
    *(u32 *)(r3 + 41) = r2
out:
    r0 = 0
    exit

=== selftests_value/spill_partly_overwritten
type: socket_filter
maps: m=hash(8,48,1)
desc: one byte of the spilled pointer overwritten: the fill is a scalar, the store through it invalid
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r10 - 16) = r0
    r1 = 0
    *(u8 *)(r10 - 13) = r1
    r3 = *(u64 *)(r10 - 16)
    *(u32 *)(r3 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_value/value_pointer_returned
type: socket_filter
maps: m=hash(8,48,1)
desc: a privileged program may return the value pointer itself
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    exit
