# Theme: pointers stored where they could leak, as the kernel's verifier_leak_ptr selftests probe
# them, written afresh with a privileged loader (pybpf models CAP_SYS_ADMIN, so the "leaks addr"
# refusals of unprivileged loads do not apply): atomics into the context are refused for every
# value, plain pointer stores into skb->cb are allowed, and pointers added atomically into a map
# value or a stack slot are allowed (check_atomic, check_mem_access's is_ctx_reg test,
# is_pointer_value with allow_ptr_leaks).

=== selftests_leak_ptr/atomic_add_map_ptr_into_ctx
type: socket_filter
maps: m=hash(8,8,1)
desc: an atomic add of a map pointer into skb->cb[0]: BPF_ATOMIC into ctx is refused
    r0 = 0
    *(u64 *)(r1 + 48) = r0
    r2 = map_fd(m) ll
    lock *(u64 *)(r1 + 48) += r2
    exit

=== selftests_leak_ptr/atomic_add_fp_into_ctx
type: socket_filter
desc: an atomic add of the frame pointer into skb->cb[1]
    r0 = 0
    *(u64 *)(r1 + 52) = r0
    lock *(u64 *)(r1 + 52) += r10
    exit

=== selftests_leak_ptr/atomic_add_scalar_into_ctx
type: socket_filter
desc: even a scalar may not be added atomically into the context
    r0 = 0
    r2 = 1
    lock *(u32 *)(r1 + 48) += w2
    exit

=== selftests_leak_ptr/atomic_xchg_into_ctx
type: sched_cls
desc: an atomic exchange with the context of a tc program
    r2 = 5
    w2 = atomic_xchg((u32 *)(r1 + 48), w2)
    r0 = 0
    exit

=== selftests_leak_ptr/store_map_ptr_into_cb
type: socket_filter
maps: m=hash(8,8,1)
desc: a plain store of a map pointer into skb->cb[0] (root may leak pointers)
    r0 = 0
    r2 = map_fd(m) ll
    *(u64 *)(r1 + 48) = r2
    exit

=== selftests_leak_ptr/store_fp_into_cb_u32
type: socket_filter
desc: a 4-byte store of the frame pointer into skb->cb[4]
    *(u32 *)(r1 + 64) = r10
    r0 = 0
    exit

=== selftests_leak_ptr/store_fp_into_mark
type: socket_filter
desc: skb->mark is not writable by a socket filter
    *(u32 *)(r1 + 8) = r10
    r0 = 0
    exit

=== selftests_leak_ptr/atomic_add_ctx_into_value
type: socket_filter
maps: m=hash(8,8,1)
desc: the ctx pointer added atomically into a map value (root: allowed)
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r3 = 0
    *(u64 *)(r0 + 0) = r3
    lock *(u64 *)(r0 + 0) += r6
out:
    r0 = 0
    exit

=== selftests_leak_ptr/atomic_add_value_into_itself
type: socket_filter
maps: m=hash(8,8,1)
desc: the value pointer added atomically into its own value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    lock *(u64 *)(r0 + 0) += r0
out:
    r0 = 0
    exit

=== selftests_leak_ptr/atomic_fetch_ptr_into_stack
type: socket_filter
desc: an atomic fetch-add of the frame pointer into an initialised stack slot
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 = atomic_fetch_add((u64 *)(r10 - 8), r2)
    r0 = 0
    exit

=== selftests_leak_ptr/atomic_into_uninit_stack
type: socket_filter
desc: an atomic add into a stack slot never written
    r2 = 1
    lock *(u64 *)(r10 - 16) += r2
    r0 = 0
    exit

=== selftests_leak_ptr/store_value_ptr_into_value
type: socket_filter
maps: m=hash(8,8,1)
desc: a value pointer stored into another map's value (root: allowed)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r6
out:
    r0 = 0
    exit
