# Theme: precision tracking (the kernel's verifier_precision selftests, written afresh): a scalar
# whose value decides safety is marked precise back through its history (mark_chain_precision),
# so two paths that differ only in an imprecise scalar prune, while paths that differ in a precise
# one are both walked; constants through the stack, through mov, through 32-bit ops.

=== selftests_precision/const_via_branch_used_as_offset
maps: m=hash(8,16,1)
desc: r1 is 4 or 20 on two paths; as an offset the 20 path fails (precision keeps them apart)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = 4
    if r0 > 100 goto use
    r1 = 20
use:
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_precision/const_via_branch_both_ok
maps: m=hash(8,16,1)
desc: r1 is 4 or 12 on two paths: both offsets fit
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = 4
    if r0 > 100 goto use
    r1 = 12
use:
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_precision/const_via_stack_branch
maps: m=hash(8,16,1)
desc: the constant travels through a stack slot; the bad path is still found
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = 4
    if r0 > 100 goto store
    r1 = 16
store:
    *(u64 *)(r10 - 16) = r1
    r2 = *(u64 *)(r10 - 16)
    r6 += r2
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_precision/imprecise_scalar_differs
maps: m=hash(8,16,1)
desc: r7 differs on the two paths but is never relied on: the second path prunes
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r7 = 1
    if r0 > 100 goto join
    r7 = 2
join:
    r0 = *(u8 *)(r6 + 0)
    r0 = r7
    exit
out:
    r0 = 0
    exit

=== selftests_precision/precise_through_alu32
maps: m=hash(8,16,1)
desc: w1 = 8 or 17 via a 32-bit add; the 17 path fails
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    w1 = 8
    if r0 > 100 goto use
    w1 += 9
use:
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_precision/precise_through_mul
maps: m=hash(8,16,1)
desc: r1 = 3 or 6, times 3: 9 or 18; the 18 path fails
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r1 = 3
    if r0 > 100 goto mul
    r1 = 6
mul:
    r1 *= 3
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_precision/precise_return_value
type: socket_filter
desc: the program's return on one path is a scalar from a branch: always a scalar, accepted
    call bpf_get_prandom_u32
    r1 = 0
    if r0 > 100 goto done
    r1 = 1
done:
    r0 = r1
    exit

=== selftests_precision/precise_helper_size_arg
desc: a size argument of 8 or 24 into a 16-byte stack buffer (XDP): the 24 path fails
    call bpf_get_prandom_u32
    r2 = 8
    if r0 > 100 goto probe
    r2 = 24
probe:
    r1 = r10
    r1 += -16
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_precision/precise_helper_size_arg_ok
type: raw_tracepoint
desc: a size argument of 8 or 16 into a 16-byte stack buffer
    call bpf_get_prandom_u32
    r2 = 8
    if r0 > 100 goto probe
    r2 = 16
probe:
    r1 = r10
    r1 += -16
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_precision/precise_helper_size_arg_raw
type: raw_tracepoint
desc: a size argument of 8 or 24 into a 16-byte stack buffer (raw tracepoint)
    call bpf_get_prandom_u32
    r2 = 8
    if r0 > 100 goto probe
    r2 = 24
probe:
    r1 = r10
    r1 += -16
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit
