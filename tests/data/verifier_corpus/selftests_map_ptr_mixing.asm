# Theme: one helper call reached with different map pointers, as the kernel's
# verifier_map_ptr_mixing selftests probe it, written afresh: each path is checked against its own
# map (key and value sizes, map type), the call's map is recorded as "poisoned" for the fixups when
# the paths disagree (record_func_map, BPF_MAP_PTR_POISON), and a tail call through two prog arrays
# or through one prog array on two paths.

=== selftests_map_ptr_mixing/subprogs_hash_or_array
type: sched_cls
maps: a=array(4,48,1), h=hash(8,48,1)
desc: two subprograms return a hash and an array map of the same value size; one lookup serves both
    if r1 != 0 goto other
    call get_hash
    goto lookup
other:
    call get_array
lookup:
    r1 = r0
    r2 = 0
    *(u64 *)(r10 - 8) = r2
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 4
    *(u64 *)(r0 + 0) = r1
    r0 = 1
out:
    exit
get_hash:
    r0 = map_fd(h) ll
    exit
get_array:
    r0 = map_fd(a) ll
    exit

=== selftests_map_ptr_mixing/subprogs_array_or_map_in_map
type: sched_cls
maps: a=array(4,48,1), inner=array(4,4,1), mim=array_of_maps(4,4,1,inner:inner,0:inner)
desc: one path looks up an array, the other an array of maps: the store into the result is refused on the map-in-map path
    if r1 != 0 goto other
    call get_array
    goto lookup
other:
    call get_outer
lookup:
    r1 = r0
    r2 = 0
    *(u64 *)(r10 - 8) = r2
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 4
    *(u64 *)(r0 + 0) = r1
    r0 = 1
out:
    exit
get_array:
    r0 = map_fd(a) ll
    exit
get_outer:
    r0 = map_fd(mim) ll
    exit

=== selftests_map_ptr_mixing/branches_value_sizes_differ
type: sched_cls
maps: small=array(4,8,1), big=array(4,48,1)
desc: two branches look up arrays of 8 and 48 byte values; the write at +40 fits only one of them
    r6 = *(u32 *)(r1 + 8)
    r1 = map_fd(big) ll
    if r6 == 0 goto lookup
    r1 = map_fd(small) ll
lookup:
    r2 = 0
    *(u64 *)(r10 - 8) = r2
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 4
    *(u64 *)(r0 + 40) = r1
out:
    r0 = 0
    exit

=== selftests_map_ptr_mixing/branches_value_sizes_fit_both
type: sched_cls
maps: small=array(4,8,1), big=array(4,48,1)
desc: two branches look up arrays of 8 and 48 byte values; a write at +0 fits both
    r6 = *(u32 *)(r1 + 8)
    r1 = map_fd(big) ll
    if r6 == 0 goto lookup
    r1 = map_fd(small) ll
lookup:
    r2 = 0
    *(u64 *)(r10 - 8) = r2
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 4
    *(u64 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_map_ptr_mixing/branches_key_sizes_differ
type: sched_cls
maps: a=array(4,8,1), h=hash(16,8,1)
desc: an 8-byte key on the stack serves the array (4-byte keys) but not the hash (16-byte keys)
    r6 = *(u32 *)(r1 + 8)
    r1 = map_fd(a) ll
    if r6 == 0 goto lookup
    r1 = map_fd(h) ll
lookup:
    r2 = 0
    *(u64 *)(r10 - 8) = r2
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_map_ptr_mixing/tail_call_two_prog_arrays
type: socket_filter
maps: pa1=prog_array(4,4,4), pa2=prog_array(4,4,8)
desc: two branches tail call through different prog arrays with one call instruction
    r6 = *(u32 *)(r1 + 8)
    if r6 != 0 goto first
    r2 = map_fd(pa2) ll
    goto tail
first:
    r2 = map_fd(pa1) ll
tail:
    r3 = 7
    call bpf_tail_call
    r0 = 1
    exit

=== selftests_map_ptr_mixing/tail_call_same_prog_array
type: socket_filter
maps: pa2=prog_array(4,4,8)
desc: two branches load the same prog array before one tail call
    r6 = *(u32 *)(r1 + 8)
    if r6 == 0 goto first
    r2 = map_fd(pa2) ll
    goto tail
first:
    r2 = map_fd(pa2) ll
tail:
    r3 = 7
    call bpf_tail_call
    r0 = 1
    exit

=== selftests_map_ptr_mixing/tail_call_prog_array_or_hash
type: socket_filter
maps: pa=prog_array(4,4,8), h=hash(4,4,1)
desc: one branch hands bpf_tail_call a hash map
    r6 = *(u32 *)(r1 + 8)
    r2 = map_fd(pa) ll
    if r6 == 0 goto tail
    r2 = map_fd(h) ll
tail:
    r3 = 0
    call bpf_tail_call
    r0 = 1
    exit

=== selftests_map_ptr_mixing/tail_call_index_differs
type: socket_filter
maps: pa=prog_array(4,4,8)
desc: one prog array, two constant indices on two paths
    r6 = *(u32 *)(r1 + 8)
    r3 = 1
    if r6 == 0 goto tail
    r3 = 5
tail:
    r2 = map_fd(pa) ll
    call bpf_tail_call
    r0 = 1
    exit

=== selftests_map_ptr_mixing/update_hash_or_array
type: xdp
maps: a=array(4,8,2), h=hash(4,8,2)
desc: one bpf_map_update_elem call with a hash on one path and an array on the other
    r6 = *(u32 *)(r1 + 0)
    r1 = map_fd(a) ll
    if r6 == 0 goto update
    r1 = map_fd(h) ll
update:
    r2 = 0
    *(u64 *)(r10 - 8) = r2
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_map_update_elem
    r0 = 2
    exit
