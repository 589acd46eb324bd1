# Theme: bpf_get_stack's buffer and result as the kernel's verifier_bpf_get_stack selftests probe
# them, written afresh: the buffer is memory the helper writes (ARG_PTR_TO_UNINIT_MEM with its
# size, zero allowed), and r0 is refined to [-errno, size] (do_refine_retval_range), which makes
# the remaining room for a second call provable; sizes past the buffer are refused.

=== selftests_bpf_get_stack/second_call_in_remaining_room
type: raw_tracepoint
maps: h=hash(8,48,1)
desc: the first call fills half the 48-byte value; the second gets the remaining room after the proven result
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(h) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r9 = 24
    r1 = r6
    r2 = r7
    r3 = 24
    r4 = 256
    call bpf_get_stack
    r1 = 0
    r8 = r0
    r8 <<= 32
    r8 s>>= 32
    if r1 s> r8 goto out
    r9 -= r8
    r2 = r7
    r2 += r8
    r1 = r9
    r1 <<= 32
    r1 s>>= 32
    r3 = r2
    r3 += r1
    r1 = r7
    r5 = 24
    r1 += r5
    if r3 >= r1 goto out
    r1 = r6
    r3 = r9
    r4 = 0
    call bpf_get_stack
out:
    r0 = 0
    exit

=== selftests_bpf_get_stack/result_bounded_by_size
type: raw_tracepoint
maps: a=array(4,64,1)
desc: r0 after a 32-byte request is at most 32: an offset of r0 into the 64-byte value stays inside
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r6
    r2 = r7
    r3 = 32
    r4 = 0
    call bpf_get_stack
    if r0 s< 0 goto out
    r7 += r0
    r0 = *(u64 *)(r7 + 24)
out:
    r0 = 0
    exit

=== selftests_bpf_get_stack/result_unbounded_read
type: raw_tracepoint
maps: a=array(4,64,1)
desc: the same with a read at +40: 32 + 40 + 8 passes the value's end
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r6
    r2 = r7
    r3 = 32
    r4 = 0
    call bpf_get_stack
    if r0 s< 0 goto out
    r7 += r0
    r0 = *(u64 *)(r7 + 40)
out:
    r0 = 0
    exit

=== selftests_bpf_get_stack/negative_result_unchecked
type: raw_tracepoint
maps: a=array(4,64,1)
desc: r0 may be a negative errno: added to the value pointer unchecked, the read may fall before it
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r6
    r2 = r7
    r3 = 32
    r4 = 0
    call bpf_get_stack
    r7 += r0
    r0 = *(u64 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_bpf_get_stack/size_past_value
type: raw_tracepoint
maps: a=array(4,48,1)
desc: 64 bytes asked into a 48-byte value
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r6
    r2 = r0
    r3 = 64
    r4 = 0
    call bpf_get_stack
out:
    r0 = 0
    exit

=== selftests_bpf_get_stack/stack_buffer_uninit
type: raw_tracepoint
desc: an uninitialised 64-byte stack buffer: the helper writes it, so it need not be initialised
    r2 = r10
    r2 += -64
    r3 = 64
    r4 = 0
    call bpf_get_stack
    r0 = *(u64 *)(r10 - 64)
    r0 = 0
    exit

=== selftests_bpf_get_stack/zero_size
type: raw_tracepoint
desc: a zero size with a NULL buffer: the buffer argument may not be NULL all the same
    r2 = 0
    r3 = 0
    r4 = 0
    call bpf_get_stack
    r0 = 0
    exit

=== selftests_bpf_get_stack/variable_size_unbounded
type: raw_tracepoint
desc: a size read from the context with no upper bound
    r3 = *(u64 *)(r1 + 0)
    r2 = r10
    r2 += -64
    r4 = 0
    call bpf_get_stack
    r0 = 0
    exit

=== selftests_bpf_get_stack/variable_size_bounded
type: raw_tracepoint
desc: a size masked to 0..63 for a 64-byte stack buffer
    r3 = *(u64 *)(r1 + 0)
    r3 &= 63
    r2 = r10
    r2 += -64
    r4 = 0
    call bpf_get_stack
    r0 = 0
    exit

=== selftests_bpf_get_stack/socket_filter_not_allowed
type: socket_filter
desc: bpf_get_stack in a socket filter
    r2 = r10
    r2 += -64
    r3 = 64
    r4 = 0
    call bpf_get_stack
    r0 = 0
    exit
