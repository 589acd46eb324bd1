# Theme: integers passed where helpers take pointers to integers (the kernel's verifier_int_ptr
# selftests, written afresh): bpf_strtoul's result pointer (ARG_PTR_TO_LONG) on the stack,
# initialised or not, misaligned, too short, at variable offsets, and a map value as the result.

=== selftests_int_ptr/strtoul_res_on_stack
type: raw_tracepoint
desc: bpf_strtoul with a buffer and an 8-byte result slot on the stack
    r1 = 0x31
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    r2 = 4
    r3 = 0
    r4 = r10
    r4 += -8
    call bpf_strtoul
    r0 = 0
    exit

=== selftests_int_ptr/strtoul_res_misaligned
type: raw_tracepoint
desc: the result slot at fp-12 is not 8-aligned
    r1 = 0x31
    *(u64 *)(r10 - 24) = r1
    r1 = r10
    r1 += -24
    r2 = 4
    r3 = 0
    r4 = r10
    r4 += -12
    call bpf_strtoul
    r0 = 0
    exit

=== selftests_int_ptr/strtoul_res_past_frame
type: raw_tracepoint
desc: the result slot at fp-4 runs above the frame
    r1 = 0x31
    *(u64 *)(r10 - 24) = r1
    r1 = r10
    r1 += -24
    r2 = 4
    r3 = 0
    r4 = r10
    r4 += -4
    call bpf_strtoul
    r0 = 0
    exit

=== selftests_int_ptr/strtoul_res_map_value
type: raw_tracepoint
maps: m=array(4,16,1)
desc: the result written into a map value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r4 = r0
    r1 = 0x31
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    r2 = 4
    r3 = 0
    call bpf_strtoul
out:
    r0 = 0
    exit

=== selftests_int_ptr/strtoul_res_ctx
type: raw_tracepoint
desc: the result pointer is the context: refused
    r4 = r1
    r1 = 0x31
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    r2 = 4
    r3 = 0
    call bpf_strtoul
    r0 = 0
    exit

=== selftests_int_ptr/strtoul_res_var_off
type: raw_tracepoint
desc: the result slot at a variable offset on the stack
    call bpf_get_prandom_u32
    r0 &= 8
    r1 = 0x31
    *(u64 *)(r10 - 32) = r1
    r1 = r10
    r1 += -32
    r2 = 4
    r3 = 0
    r4 = r10
    r4 += -24
    r4 += r0
    call bpf_strtoul
    r0 = 0
    exit

=== selftests_int_ptr/strtoul_res_then_use
type: raw_tracepoint
maps: m=hash(8,16,1)
desc: the result read back is an unknown scalar: as an offset it is unbounded
    r1 = 0x31
    *(u64 *)(r10 - 24) = r1
    r1 = r10
    r1 += -24
    r2 = 4
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_strtoul
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 16)
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_int_ptr/strtoul_res_map_value_misaligned
type: raw_tracepoint
maps: m=array(4,16,1)
desc: the result pointer at value + 4 is not 8-aligned (the check is strict for this argument)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r4 = r0
    r4 += 4
    r1 = 0x31
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    r2 = 4
    r3 = 0
    call bpf_strtoul
out:
    r0 = 0
    exit

=== selftests_int_ptr/strtoul_res_map_value_rdonly
type: raw_tracepoint
maps: m=array(4,16,1,rdonly_prog)
desc: the helper writes the result: a read-only map value is refused
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r4 = r0
    r1 = 0x31
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    r2 = 4
    r3 = 0
    call bpf_strtoul
out:
    r0 = 0
    exit

=== selftests_int_ptr/strtoul_res_map_value_tail
type: raw_tracepoint
maps: m=array(4,16,1)
desc: the result at value + 8 ends exactly at the value's end
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r4 = r0
    r4 += 8
    r1 = 0x31
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    r2 = 4
    r3 = 0
    call bpf_strtoul
out:
    r0 = 0
    exit
