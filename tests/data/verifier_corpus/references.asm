# Theme: acquired references (ring buffer records): bpf_ringbuf_reserve returns memory of the
# reserved size or NULL that must be submitted or discarded on every path (check_reference_leak),
# used only within its size, and released only once.

=== references/reserve_submit
maps: rb=ringbuf(0,0,4096)
desc: reserve, check, submit
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 0
    exit

=== references/reserve_discard
maps: rb=ringbuf(0,0,4096)
desc: reserve, check, discard
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = r0
    r2 = 0
    call bpf_ringbuf_discard
out:
    r0 = 0
    exit

=== references/reserve_leak
maps: rb=ringbuf(0,0,4096)
desc: a reserved record never submitted
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== references/reserve_no_null_check
maps: rb=ringbuf(0,0,4096)
desc: a possibly NULL record submitted
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
    r0 = 0
    exit

=== references/reserve_write_inside
maps: rb=ringbuf(0,0,4096)
desc: writes the record's last 8 bytes
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    *(u64 *)(r0 + 8) = 1
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 0
    exit

=== references/reserve_write_past
maps: rb=ringbuf(0,0,4096)
desc: writes past the 16-byte record
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    *(u64 *)(r0 + 12) = 1
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 0
    exit

=== references/reserve_double_submit
maps: rb=ringbuf(0,0,4096)
desc: the record submitted twice
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r2 = 0
    call bpf_ringbuf_submit
    r1 = r6
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 0
    exit

=== references/reserve_use_after_submit
maps: rb=ringbuf(0,0,4096)
desc: the record read after it was submitted
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r2 = 0
    call bpf_ringbuf_submit
    r0 = *(u64 *)(r6 + 0)
out:
    r0 = 0
    exit

=== references/reserve_var_size
maps: rb=ringbuf(0,0,4096)
desc: a reserve of a variable size
    r2 = *(u32 *)(r1 + 12)
    r2 &= 15
    r1 = map_fd(rb) ll
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 0
    exit

=== references/reserve_wrong_map
maps: m=hash(4,8,4)
desc: a reserve from a hash map
    r1 = map_fd(m) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 0
    exit

=== references/submit_stack
maps: rb=ringbuf(0,0,4096)
desc: a stack pointer submitted
    r1 = r10
    r1 += -8
    r2 = 0
    call bpf_ringbuf_submit
    r0 = 0
    exit

=== references/reserve_leak_one_path
maps: rb=ringbuf(0,0,4096)
desc: submitted on one path, leaked on the other
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r6 = r0
    r7 = *(u32 *)(r10 - 8)
    if r7 == 0 goto out
    r1 = r6
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 0
    exit

=== references/reserve_spilled_submit
maps: rb=ringbuf(0,0,4096)
desc: the record spilled and restored before the submit
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    *(u64 *)(r10 - 8) = r0
    r1 = *(u64 *)(r10 - 8)
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 0
    exit

=== references/reserve_arith_then_submit
maps: rb=ringbuf(0,0,4096)
desc: a moved record pointer submitted
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
    r0 = 0
    exit
