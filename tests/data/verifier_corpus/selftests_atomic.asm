# Theme: atomic instructions as the kernel's verifier_xadd, verifier_atomic* and
# verifier_load_acquire / verifier_store_release selftests probe them, written afresh (check_atomic,
# check_atomic_rmw, check_atomic_load, check_atomic_store): sizes, alignment, fetch results,
# cmpxchg's r0, pointers as operands, destinations that may not take atomics, and 8/16-bit
# load-acquire and store-release (Linux 6.15+).

=== selftests_atomic/xadd_misaligned_stack
desc: an atomic add on a misaligned stack slot
    *(u64 *)(r10 - 8) = 0
    r1 = 1
    lock *(u32 *)(r10 - 7) += r1
    r0 = 2
    exit

=== selftests_atomic/xadd_misaligned_map
maps: m=hash(4,8,4)
desc: an atomic add at map value offset 3
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    lock *(u32 *)(r0 + 3) += r1
out:
    r0 = 2
    exit

=== selftests_atomic/xadd_keeps_src
desc: the source of a non-fetch add keeps its value
    *(u64 *)(r10 - 8) = 0
    r1 = 1
    lock *(u64 *)(r10 - 8) += r1
    r0 = r1
    r0 += 1
    exit

=== selftests_atomic/fetch_add_result_unknown
desc: the fetched old value is unknown: used as a stack offset it is unbounded
    *(u64 *)(r10 - 8) = 0
    r1 = 1
    r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)
    r2 = r10
    r2 += r1
    r0 = 2
    exit

=== selftests_atomic/fetch_add32_zero_extends
desc: a 32-bit fetch-add zero-extends its result
    *(u64 *)(r10 - 8) = 0
    w1 = 1
    w1 = atomic_fetch_add((u32 *)(r10 - 8), w1)
    r1 >>= 32
    r0 = r1
    r0 += 2
    exit

=== selftests_atomic/fetch_or
desc: an atomic fetch-or on the stack
    *(u64 *)(r10 - 8) = 0
    r1 = 3
    r1 = atomic_fetch_or((u64 *)(r10 - 8), r1)
    r0 = 2
    exit

=== selftests_atomic/fetch_and32
desc: an atomic 32-bit fetch-and on the stack
    *(u64 *)(r10 - 8) = 0
    w1 = 3
    w1 = atomic_fetch_and((u32 *)(r10 - 8), w1)
    r0 = 2
    exit

=== selftests_atomic/xor_map
maps: m=array(4,8,4)
desc: an atomic xor on a map value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 5
    lock *(u64 *)(r0 + 0) ^= r1
out:
    r0 = 2
    exit

=== selftests_atomic/xchg_pointer_into_stack
desc: xchg of a pointer into a stack slot
    *(u64 *)(r10 - 8) = 0
    r1 = r10
    r1 = xchg_64(r10 - 8, r1)
    r0 = 2
    exit

=== selftests_atomic/xadd_pointer_slot
desc: an atomic add on a stack slot holding a spilled pointer
    *(u64 *)(r10 - 8) = r1
    r2 = 1
    lock *(u64 *)(r10 - 8) += r2
    r0 = 2
    exit

=== selftests_atomic/xadd_uninit_slot
desc: an atomic add on a never-written stack slot
    r2 = 1
    lock *(u64 *)(r10 - 8) += r2
    r0 = 2
    exit

=== selftests_atomic/cmpxchg_result_r0
desc: cmpxchg's old value lands in r0
    *(u64 *)(r10 - 8) = 0
    r0 = 0
    r1 = 7
    r0 = cmpxchg_64(r10 - 8, r0, r1)
    r0 &= 1
    exit

=== selftests_atomic/cmpxchg_pointer_r0
desc: cmpxchg comparing against a pointer in r0
    *(u64 *)(r10 - 8) = 0
    r0 = r10
    r1 = 7
    r0 = cmpxchg_64(r10 - 8, r0, r1)
    r0 = 2
    exit

=== selftests_atomic/cmpxchg32
desc: a 32-bit cmpxchg on the stack
    *(u64 *)(r10 - 8) = 0
    w0 = 0
    w1 = 7
    w0 = cmpxchg32_32(r10 - 8, w0, w1)
    r0 = 2
    exit

=== selftests_atomic/packet_xadd
desc: an atomic add into the packet
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r1 = 1
    lock *(u64 *)(r2 + 0) += r1
out:
    r0 = 2
    exit

=== selftests_atomic/rdonly_map_xadd
maps: m=array(4,8,4,rdonly_prog)
desc: an atomic add into a BPF_F_RDONLY_PROG map value
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
    r0 = 2
    exit

=== selftests_atomic/ringbuf_record_xadd
maps: rb=ringbuf(0,0,4096)
desc: an atomic add into a ring-buffer record
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = 0
    *(u64 *)(r0 + 0) = r1
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 2
    exit

=== selftests_atomic/load_acquire_u8
desc: an 8-bit load-acquire from the stack (6.15+)
    *(u64 *)(r10 - 8) = 0
    w0 = load_acquire((u8 *)(r10 - 8))
    r0 = 2
    exit

=== selftests_atomic/load_acquire_u16_misaligned
desc: a 16-bit load-acquire at an odd stack offset
    *(u64 *)(r10 - 8) = 0
    w0 = load_acquire((u16 *)(r10 - 7))
    r0 = 2
    exit

=== selftests_atomic/load_acquire_ctx
desc: a load-acquire from the ctx
    w0 = load_acquire((u32 *)(r1 + 0))
    r0 = 2
    exit

=== selftests_atomic/store_release_stack_u32
desc: a 32-bit store-release to the stack, then read back
    w1 = 5
    store_release((u32 *)(r10 - 8), w1)
    r0 = *(u32 *)(r10 - 8)
    exit

=== selftests_atomic/store_release_ctx
type: sched_cls
desc: a store-release into skb->mark
    w2 = 5
    store_release((u32 *)(r1 + 8), w2)
    r0 = 0
    exit

=== selftests_atomic/store_release_pointer
desc: a store-release of a pointer into the stack
    store_release((u64 *)(r10 - 8), r1)
    r0 = 2
    exit

=== selftests_atomic/store_release_packet
desc: a store-release into the packet
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r1 = 1
    store_release((u64 *)(r2 + 0), r1)
out:
    r0 = 2
    exit
