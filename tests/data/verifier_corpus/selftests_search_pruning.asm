# Theme: state pruning (the kernel's verifier_search_pruning selftests, written afresh): a path
# that reaches an explored instruction with a state that is not "safe-equal" to the explored one
# must be walked again: a pointer where a scalar was, a wider range where it matters, an
# uninitialised slot where a written one was.

=== selftests_search_pruning/pointer_vs_scalar_paths
maps: m=hash(8,16,1)
desc: r1 is a scalar on one path and a map value on the other, then written through: refused
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = 0
    if r0 > 100 goto join
    r1 = r6
join:
    r2 = 1
    *(u64 *)(r1 + 0) = r2
out:
    r0 = 0
    exit

=== selftests_search_pruning/range_wider_on_second_path
maps: m=hash(8,16,1)
desc: the offset is 0 on the first path, up to 255 on the second: the second fails
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    r2 = *(u8 *)(r6 + 0)
    if r2 > 3 goto join
    r1 = *(u8 *)(r6 + 1)
join:
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_search_pruning/range_narrower_on_second_path
maps: m=hash(8,16,1)
desc: the offset is [0,7] on one path, 2 on the other: both fine
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u8 *)(r6 + 0)
    r1 &= 7
    r2 = *(u8 *)(r6 + 1)
    if r2 > 3 goto join
    r1 = 2
join:
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_search_pruning/stack_slot_written_on_one_path
desc: a slot written on one path only, read after the join (root may read it: accepted)
    call bpf_get_prandom_u32
    if r0 > 100 goto join
    r1 = 1
    *(u64 *)(r10 - 8) = r1
join:
    r0 = *(u64 *)(r10 - 8)
    exit

=== selftests_search_pruning/spilled_pointer_on_one_path
maps: m=hash(8,16,1)
desc: the slot holds a value pointer on one path and a scalar on the other; filled and read from
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r10 - 16) = r0
    call bpf_get_prandom_u32
    if r0 > 100 goto join
    r1 = 5
    *(u64 *)(r10 - 16) = r1
join:
    r1 = *(u64 *)(r10 - 16)
    r0 = *(u64 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_search_pruning/null_and_nonnull_paths
maps: m=hash(8,16,1)
desc: r7 = the value pointer, or NULL: the NULL path reads through it
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    call bpf_get_prandom_u32
    if r0 > 100 goto join
    r7 = 0
join:
    r0 = *(u64 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_search_pruning/many_diamonds_prune
desc: eight diamonds in a row: pruning keeps the walk short
    call bpf_get_prandom_u32
    r6 = r0
    r1 = 0
    if r6 > 1 goto a1
    r1 = 1
a1:
    if r6 > 2 goto a2
    r1 = 2
a2:
    if r6 > 3 goto a3
    r1 = 3
a3:
    if r6 > 4 goto a4
    r1 = 4
a4:
    if r6 > 5 goto a5
    r1 = 5
a5:
    if r6 > 6 goto a6
    r1 = 6
a6:
    if r6 > 7 goto a7
    r1 = 7
a7:
    if r6 > 8 goto a8
    r1 = 8
a8:
    r0 = 0
    exit

=== selftests_search_pruning/late_use_after_diamonds
maps: m=hash(8,16,1)
desc: diamonds set r1 to 0..8; r1 indexes a u64 read at the end: 8+8 goes past
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    call bpf_get_prandom_u32
    r6 = r0
    r1 = 0
    if r6 > 1 goto b1
    r1 = 2
b1:
    if r6 > 2 goto b2
    r1 = 4
b2:
    if r6 > 3 goto b3
    r1 = 9
b3:
    r9 += r1
    r0 = *(u64 *)(r9 + 0)
out:
    r0 = 0
    exit

=== selftests_search_pruning/value_or_fp_returned
type: socket_filter
maps: m=hash(8,8,1)
desc: r0 is a loaded scalar on one path and the frame pointer on the other, joined before exit (root may return pointers)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 != 0 goto load
    r0 = r10
    goto join
load:
    r0 = *(u64 *)(r0 + 0)
join:
    goto last
last:
    exit

=== selftests_search_pruning/r0_set_on_one_path_only
type: sched_cls
desc: two tests of an unknown value that teach nothing: the path skipping both reaches exit with r0 unset
    r2 = *(u32 *)(r1 + 0)
    if r2 >= 0 goto first
    r0 = 0
first:
    if r2 >= 0 goto second
    r0 = 0
second:
    exit

=== selftests_search_pruning/r0_set_before_tests
type: sched_cls
desc: the same with r0 set before the tests
    r0 = 1
    r2 = *(u32 *)(r1 + 0)
    if r2 >= 0 goto first
    r0 = 0
first:
    if r2 >= 0 goto second
    r0 = 0
second:
    exit

=== selftests_search_pruning/varlen_offset_after_join
type: socket_filter
maps: m=hash(8,48,1)
desc: an offset bounded on one path and unknown on the other, shifted, added to the value pointer after the join
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    w2 = 11
    if r2 s> r1 goto join
    w1 = 0
join:
    w1 <<= 2
    r0 += r1
    goto store
store:
    r1 = 4
    *(u64 *)(r0 + 0) = r1
out:
    exit

=== selftests_search_pruning/varlen_offset_both_bounded
type: socket_filter
maps: m=hash(8,48,1)
desc: the same with the offset bounded on both paths (u32 compare): at most 10 * 4 + 8 bytes
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    if r1 < 10 goto join
    w1 = 0
join:
    w1 <<= 2
    r0 += r1
    goto store
store:
    r1 = 4
    *(u64 *)(r0 + 0) = r1
out:
    exit

=== selftests_search_pruning/spilled_flag_decides_bad_store
type: sched_cls
maps: m=hash(8,8,1)
desc: a flag 0 or 1 spilled, a helper call, the flag filled: the path with 1 stores through a NULL scalar
    r2 = r10
    r2 += -8
    r1 = 0
    *(u64 *)(r2 + 0) = r1
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r3 = *(u64 *)(r0 + 0)
    if r3 == 0x1234 goto one
    r4 = 0
    goto spill
one:
    r4 = 1
spill:
    *(u64 *)(r10 - 16) = r4
    call bpf_ktime_get_ns
    r5 = *(u64 *)(r10 - 16)
    if r5 == 0 goto out
    r6 = 0
    r1 = 7
    *(u64 *)(r6 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_search_pruning/spilled_flag_both_zero
type: sched_cls
maps: m=hash(8,8,1)
desc: the same with the flag 0 on both paths: the bad store is dead
    r2 = r10
    r2 += -8
    r1 = 0
    *(u64 *)(r2 + 0) = r1
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r3 = *(u64 *)(r0 + 0)
    if r3 == 0x1234 goto one
    r4 = 0
    goto spill
one:
    r4 = 0
spill:
    *(u64 *)(r10 - 16) = r4
    call bpf_ktime_get_ns
    r5 = *(u64 *)(r10 - 16)
    if r5 == 0 goto out
    r6 = 0
    r1 = 7
    *(u64 *)(r6 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_search_pruning/slot_written_on_other_path
type: socket_filter
maps: m=hash(8,8,1)
desc: fp-16 written on one path, fp-24 on the other, fp-16 read after the join (root may read uninitialised stack)
    r2 = r10
    r2 += -8
    r1 = 0
    *(u64 *)(r2 + 0) = r1
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r3 = *(u64 *)(r0 + 0)
    r4 = 0
    if r3 == 0x1234 goto other
    *(u64 *)(r10 - 16) = r4
    goto join
other:
    *(u64 *)(r10 - 24) = r4
join:
    call bpf_ktime_get_ns
    r5 = *(u64 *)(r10 - 16)
out:
    r0 = 0
    exit

=== selftests_search_pruning/u32_spill_fill_precise
type: sched_cls
maps: m=hash(8,8,1)
desc: 32 or 4 spilled as u32 and filled after a pruning point: the path with 32 reads past the 8-byte value
    r7 = r1
    call bpf_get_prandom_u32
    w6 = 32
    if r0 == 0 goto small
    w6 = 4
small:
    call bpf_get_prandom_u32
    r3 = 0
    r3 = 0
    if r0 == 0 goto fill
    r3 = 0
fill:
    *(u32 *)(r10 - 8) = r6
    r8 = *(u32 *)(r10 - 8)
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r2 = r10
    r2 += -16
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r8
    r1 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_search_pruning/u32_spill_fill_in_range
type: sched_cls
maps: m=hash(8,8,1)
desc: the same with 0 or 4: both paths read inside the value
    r7 = r1
    call bpf_get_prandom_u32
    w6 = 0
    if r0 == 0 goto small
    w6 = 4
small:
    call bpf_get_prandom_u32
    r3 = 0
    r3 = 0
    if r0 == 0 goto fill
    r3 = 0
fill:
    *(u32 *)(r10 - 8) = r6
    r8 = *(u32 *)(r10 - 8)
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r2 = r10
    r2 += -16
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r8
    r1 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_search_pruning/two_u32_spills_u64_fill
type: sched_cls
desc: two u32 spills filled as one u64: the fill is unknown, so the second test's division by zero is reached
    call bpf_get_prandom_u32
    r6 = r0
    w7 = 0xfffffffe
    r3 = 1
    r3 = 1
    r3 = 1
    call bpf_get_prandom_u32
    if r0 == 0 goto spill
    r3 = 1
spill:
    *(u32 *)(r10 - 4) = r6
    *(u32 *)(r10 - 8) = r7
    r8 = *(u64 *)(r10 - 8)
    if r8 != 0xfffffffe goto second
    r3 = 1
second:
    if r8 == 0xfffffffe goto out
    w3 /= 0
out:
    r0 = 0
    exit

=== selftests_search_pruning/allocated_stack_diamonds
type: socket_filter
desc: spills on one path only, then four empty diamonds: the states still prune
    r6 = r1
    call bpf_get_prandom_u32
    r7 = r0
    if r0 == 0 goto d0
    r0 = 0
    *(u64 *)(r10 - 8) = r6
    r6 = *(u64 *)(r10 - 8)
    *(u8 *)(r10 - 9) = r7
    r7 = *(u8 *)(r10 - 9)
d0:
    if r0 != 0 goto d1
d1:
    if r0 != 0 goto d2
d2:
    if r0 != 0 goto d3
d3:
    if r0 != 0 goto d4
d4:
    exit

=== selftests_search_pruning/byte_over_conditional_spill
type: socket_filter
desc: fp-8 written as 8 bytes on one path, one byte written on both, then 8 bytes read (root may read uninitialised stack)
    call bpf_ktime_get_ns
    r6 = r0
    call bpf_ktime_get_ns
    if r0 > r6 goto byte
    r0 = 0xdeadbeef
    *(u64 *)(r10 - 8) = r0
byte:
    r1 = 42
    *(u8 *)(r10 - 8) = r1
    r2 = *(u64 *)(r10 - 8)
    r0 = 0
    exit

=== selftests_search_pruning/byte_over_conditional_pointer_spill
type: socket_filter
desc: the same with the frame pointer spilled on one path: after the byte store the fill is a scalar, used as a pointer
    call bpf_ktime_get_ns
    r6 = r0
    call bpf_ktime_get_ns
    if r0 > r6 goto byte
    *(u64 *)(r10 - 8) = r10
byte:
    r1 = 42
    *(u8 *)(r10 - 1) = r1
    r2 = *(u64 *)(r10 - 8)
    r0 = *(u8 *)(r2 - 16)
    r0 = 0
    exit
