# Theme: adjusted value pointers through the stack (the kernel's verifier_value_adj_spill
# selftests, written afresh): a value pointer moved by a constant, spilled, filled and used; a
# maybe-NULL one spilled and checked; a scalar-adjusted one spilled.

=== selftests_value_adj_spill/adjusted_spill_fill_read
maps: m=array(4,48,1)
desc: value + 40 spilled and filled: a u64 read fits
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 40
    *(u64 *)(r10 - 16) = r0
    r1 = *(u64 *)(r10 - 16)
    r0 = *(u64 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_value_adj_spill/adjusted_spill_fill_read_past
maps: m=array(4,48,1)
desc: value + 44 spilled and filled: a u64 read ends past
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 44
    *(u64 *)(r10 - 16) = r0
    r1 = *(u64 *)(r10 - 16)
    r0 = *(u64 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_value_adj_spill/var_adjusted_spill_fill
maps: m=array(4,48,1)
desc: value + (u8 & 31) spilled and filled: the range survives
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 31
    r0 += r1
    *(u64 *)(r10 - 16) = r0
    r1 = *(u64 *)(r10 - 16)
    r0 = *(u64 *)(r1 + 8)
out:
    r0 = 0
    exit

=== selftests_value_adj_spill/var_adjusted_spill_fill_past
maps: m=array(4,48,1)
desc: value + (u8 & 31) spilled and filled, read at +16: may end past
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 31
    r0 += r1
    *(u64 *)(r10 - 16) = r0
    r1 = *(u64 *)(r10 - 16)
    r0 = *(u64 *)(r1 + 16)
out:
    r0 = 0
    exit

=== selftests_value_adj_spill/maybe_null_spilled_checked_via_fill
maps: m=array(4,48,1)
desc: a maybe-NULL value pointer spilled, filled, checked on the fill, the original then used
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    *(u64 *)(r10 - 16) = r0
    r1 = *(u64 *)(r10 - 16)
    if r1 == 0 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_value_adj_spill/adjusted_spill_u32_store
maps: m=array(4,48,1)
desc: an adjusted value pointer spilled with a 32-bit store
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 8
    *(u32 *)(r10 - 16) = r0
out:
    r0 = 0
    exit
