# Theme: ring-buffer records as the kernel's verifier_ringbuf selftests probe them, written afresh:
# the record is PTR_TO_MEM | MEM_RINGBUF of the reserved (constant) size, NULL-checked, released
# once by submit or discard, not passed on after a move, not stored away before the release, and
# a record spilled to the stack keeps its reference.

=== selftests_ringbuf/reserve_unknown_size
maps: rb=ringbuf(0,0,4096)
desc: the size of a reservation must be a known constant
    r6 = r1
    r2 = *(u32 *)(r6 + 12)
    r1 = map_fd(rb) ll
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = r0
    r2 = 0
    call bpf_ringbuf_discard
out:
    r0 = 2
    exit

=== selftests_ringbuf/write_last_byte
maps: rb=ringbuf(0,0,4096)
desc: the last byte of a 16-byte record is writable
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = 1
    *(u8 *)(r0 + 15) = r1
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 2
    exit

=== selftests_ringbuf/write_past_record
maps: rb=ringbuf(0,0,4096)
desc: one byte past a 16-byte record
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = 1
    *(u8 *)(r0 + 16) = r1
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 2
    exit

=== selftests_ringbuf/submit_moved_record
maps: rb=ringbuf(0,0,4096)
desc: the record pointer moved by 8 before the submit
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r0 += 8
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 2
    exit

=== selftests_ringbuf/submit_twice
maps: rb=ringbuf(0,0,4096)
desc: a record submitted twice
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
    r1 = r6
    r2 = 0
    call bpf_ringbuf_discard
out:
    r0 = 2
    exit

=== selftests_ringbuf/spilled_record
maps: rb=ringbuf(0,0,4096)
desc: a record spilled across a helper call and submitted from the fill
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    *(u64 *)(r10 - 8) = r0
    call bpf_ktime_get_ns
    r1 = *(u64 *)(r10 - 8)
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 2
    exit

=== selftests_ringbuf/record_as_map_key
maps: rb=ringbuf(0,0,4096), m=hash(8,8,4)
desc: a ring-buffer record used as a lookup key
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u64 *)(r6 + 0) = r1
    r1 = map_fd(m) ll
    r2 = r6
    call bpf_map_lookup_elem
    r1 = r6
    r2 = 0
    call bpf_ringbuf_discard
out:
    r0 = 2
    exit

=== selftests_ringbuf/record_stored_in_map
maps: rb=ringbuf(0,0,4096), m=hash(4,8,4)
desc: a record pointer written into a map value, then submitted
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto sub
    *(u64 *)(r0 + 0) = r6
sub:
    r1 = r6
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 2
    exit

=== selftests_ringbuf/reserve_from_hash
maps: m=hash(4,8,4)
desc: bpf_ringbuf_reserve on a hash map
    r1 = map_fd(m) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = r0
    r2 = 0
    call bpf_ringbuf_discard
out:
    r0 = 2
    exit

=== selftests_ringbuf/submit_stack
desc: submitting a stack pointer
    r1 = r10
    r1 += -8
    r2 = 0
    call bpf_ringbuf_submit
    r0 = 2
    exit

=== selftests_ringbuf/record_var_offset_read
maps: rb=ringbuf(0,0,4096)
desc: a bounded variable offset into the record
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = *(u32 *)(r6 + 12)
    r1 &= 7
    r2 = r0
    r2 += r1
    r3 = 0
    *(u64 *)(r2 + 0) = r3
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 2
    exit

=== selftests_ringbuf/record_var_offset_past
maps: rb=ringbuf(0,0,4096)
desc: a variable offset of up to 15 and an 8-byte write into a 16-byte record
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = *(u32 *)(r6 + 12)
    r1 &= 15
    r2 = r0
    r2 += r1
    r3 = 0
    *(u64 *)(r2 + 0) = r3
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 2
    exit

=== selftests_ringbuf/output_from_record
maps: rb=ringbuf(0,0,4096)
desc: bpf_ringbuf_output of a reserved record's bytes, then discard
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u64 *)(r6 + 0) = r1
    *(u64 *)(r6 + 8) = r1
    r1 = map_fd(rb) ll
    r2 = r6
    r3 = 16
    r4 = 0
    call bpf_ringbuf_output
    r1 = r6
    r2 = 0
    call bpf_ringbuf_discard
out:
    r0 = 2
    exit

=== selftests_ringbuf/query
maps: rb=ringbuf(0,0,4096)
desc: bpf_ringbuf_query on a ring buffer
    r1 = map_fd(rb) ll
    r2 = 0
    call bpf_ringbuf_query
    r0 = 2
    exit
