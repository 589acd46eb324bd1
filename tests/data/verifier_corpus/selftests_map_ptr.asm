# Theme: map pointers (the kernel's verifier_map_ptr selftests, written afresh): CONST_PTR_TO_MAP
# allows no arithmetic and no dereference by the program, compares only with constants, is
# passed only to helpers that want a map.

=== selftests_map_ptr/map_ptr_add
maps: m=hash(8,16,1)
desc: arithmetic on a map pointer
    r1 = map_fd(m) ll
    r1 += 8
    r0 = 0
    exit

=== selftests_map_ptr/map_ptr_read
maps: m=hash(8,16,1)
desc: reading a map pointer's kernel struct (root: allowed, an unknown scalar)
    r1 = map_fd(m) ll
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_map_ptr/map_ptr_write
maps: m=hash(8,16,1)
desc: writing through a map pointer
    r1 = map_fd(m) ll
    r2 = 0
    *(u32 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_map_ptr/map_ptr_spill_fill_use
maps: m=hash(8,16,1)
desc: a map pointer spilled, filled and passed to lookup
    r1 = map_fd(m) ll
    *(u64 *)(r10 - 16) = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = *(u64 *)(r10 - 16)
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_map_ptr/map_ptr_as_key
maps: m=hash(8,16,1)
desc: a map pointer as the key argument
    r1 = map_fd(m) ll
    r2 = r1
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_map_ptr/scalar_as_map
desc: a scalar as the map argument
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_map_ptr/map_ptr_compare_zero
maps: m=hash(8,16,1)
desc: a map pointer compared with 0 (never NULL: the branch is dead)
    r1 = map_fd(m) ll
    if r1 == 0 goto dead
    r0 = 0
    exit
dead:
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_map_ptr/map_ptr_stored_to_value
maps: m=hash(8,16,1)
desc: a map pointer written into a map value (root: allowed)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = map_fd(m) ll
    *(u64 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_map_ptr/map_ptr_returned
type: socket_filter
maps: m=hash(8,16,1)
desc: a map pointer returned from a socket filter
    r0 = map_fd(m) ll
    exit

=== selftests_map_ptr/map_ptr_read_negative
maps: m=hash(8,16,1)
desc: reading below a map pointer
    r1 = map_fd(m) ll
    r0 = *(u32 *)(r1 - 8)
    r0 = 0
    exit

=== selftests_map_ptr/map_ptr_write_array
maps: a=array(4,16,1)
desc: writing through an array map's pointer (its kernel struct is bpf_array)
    r1 = map_fd(a) ll
    r2 = 0
    *(u64 *)(r1 + 8) = r2
    r0 = 0
    exit

=== selftests_map_ptr/map_ptr_st_ringbuf
maps: r=ringbuf(0,0,4096)
desc: a store of an immediate through a ring buffer map's pointer
    r1 = map_fd(r) ll
    *(u32 *)(r1 + 0) = 1
    r0 = 0
    exit

=== selftests_map_ptr/map_ptr_write_queue
maps: q=queue(0,8,4)
desc: writing through a queue map's pointer
    r1 = map_fd(q) ll
    r2 = 0
    *(u32 *)(r1 + 0) = r2
    r0 = 0
    exit
