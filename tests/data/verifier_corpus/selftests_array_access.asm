# Theme: array map values (the kernel's verifier_array_access selftests, written afresh):
# indexing with checked and unchecked indexes, signed checks, read-only and write-only maps.

=== selftests_array_access/index_checked
maps: m=array(4,48,1)
desc: value[i] with i < 12 (u32 slots)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    if r1 >= 12 goto out
    r1 <<= 2
    r0 += r1
    r1 = 7
    *(u32 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_array_access/index_off_by_one
maps: m=array(4,48,1)
desc: value[i] with i <= 12: one slot past
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    if r1 > 12 goto out
    r1 <<= 2
    r0 += r1
    r1 = 7
    *(u32 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_array_access/index_signed_only
maps: m=array(4,48,1)
desc: value[i] with i s< 12 only: a u32 load is never negative, so that suffices
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
    if r1 s>= 12 goto out
    r1 <<= 2
    r0 += r1
    r1 = 7
    *(u32 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_array_access/index_signed_32bit
maps: m=array(4,48,1)
desc: a sign-extended s32 index checked s< 12: may be negative
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(s32 *)(r0 + 0)
    if r1 s>= 12 goto out
    r1 <<= 2
    r0 += r1
    r1 = 7
    *(u32 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_array_access/rdonly_read
maps: m=array(4,48,1,rdonly_prog)
desc: reading a read-only-for-programs value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_array_access/rdonly_write
maps: m=array(4,48,1,rdonly_prog)
desc: writing a read-only-for-programs value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    *(u32 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_array_access/wronly_read
maps: m=array(4,48,1,wronly_prog)
desc: reading a write-only-for-programs value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_array_access/wronly_write
maps: m=array(4,48,1,wronly_prog)
desc: writing a write-only-for-programs value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    *(u32 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_array_access/wronly_atomic_add
maps: m=array(4,48,1,wronly_prog)
desc: an atomic add reads as well: refused on a write-only value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
out:
    r0 = 0
    exit

=== selftests_array_access/const_key_no_null_check
maps: m=array(4,48,4)
desc: an array lookup with a constant in-range key: 6.18 still gives map_value_or_null
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = *(u32 *)(r0 + 0)
    r0 = 0
    exit

=== selftests_array_access/const_key_out_of_range
maps: m=array(4,48,4)
desc: an array lookup with a constant key past max_entries may return NULL
    r1 = 4
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = *(u32 *)(r0 + 0)
    r0 = 0
    exit
