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
