# Theme: atomic read-modify-write instructions (check_atomic): allowed on the stack and map values,
# refused on the context and packets, operand sizes, cmpxchg's implicit r0, fetch variants writing
# the source register.

=== atomics/stack_add64
desc: an atomic add on the stack
    *(u64 *)(r10 - 8) = 0
    r1 = 1
    lock *(u64 *)(r10 - 8) += r1
    r0 = *(u64 *)(r10 - 8)
    exit

=== atomics/stack_add32
desc: a 32-bit atomic add on the stack
    *(u32 *)(r10 - 8) = 0
    w1 = 1
    lock *(u32 *)(r10 - 8) += w1
    r0 = 0
    exit

=== atomics/stack_uninit
desc: an atomic add on an uninitialised slot
    r1 = 1
    lock *(u64 *)(r10 - 8) += r1
    r0 = 0
    exit

=== atomics/fetch_add
desc: atomic_fetch_add returns the old value
    *(u64 *)(r10 - 8) = 0
    r1 = 1
    r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)
    r0 = r1
    exit

=== atomics/xchg
desc: xchg
    *(u64 *)(r10 - 8) = 0
    r1 = 5
    r1 = xchg_64(r10 - 8, r1)
    r0 = r1
    exit

=== atomics/cmpxchg
desc: cmpxchg with r0 set
    *(u64 *)(r10 - 8) = 0
    r0 = 0
    r1 = 5
    r0 = cmpxchg_64(r10 - 8, r0, r1)
    exit

=== atomics/cmpxchg_r0_uninit
desc: cmpxchg reads r0, never set
    *(u64 *)(r10 - 8) = 0
    r1 = 5
    r0 = cmpxchg_64(r10 - 8, r0, r1)
    exit

=== atomics/map_value_add
maps: m=hash(4,8,4)
desc: an atomic add on a map value
    r1 = 0
    *(u32 *)(r10 -4) = r1
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

=== atomics/map_value_add_past
maps: m=hash(4,8,4)
desc: an atomic add past the map value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 4) += r1
out:
    r0 = 0
    exit

=== atomics/ctx_add
desc: an atomic add on the context
    r2 = 1
    lock *(u32 *)(r1 + 0) += r2
    r0 = 0
    exit

=== atomics/packet_add
desc: an atomic add on the packet
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r5 = 1
    lock *(u64 *)(r2 + 0) += r5
out:
    r0 = 2
    exit

=== atomics/add_pointer_value
desc: a pointer added atomically into the stack
    *(u64 *)(r10 - 8) = 0
    lock *(u64 *)(r10 - 8) += r1
    r0 = 0
    exit

=== atomics/atomic_u16
desc: a 16-bit atomic add (no such operation)
    *(u64 *)(r10 - 8) = 0
    r1 = 1
    .insn 0xcb, 10, 1, -8, 0
    r0 = 0
    exit

=== atomics/atomic_bad_op
desc: an atomic with an unknown operation
    *(u64 *)(r10 - 8) = 0
    r1 = 1
    .insn 0xdb, 10, 1, -8, 0x30
    r0 = 0
    exit

=== atomics/load_acquire_stack
desc: a load-acquire from the stack (6.15+)
    *(u64 *)(r10 - 8) = 0
    r0 = load_acquire((u64 *)(r10 - 8))
    exit

=== atomics/store_release_map
maps: m=hash(4,8,4)
desc: a store-release into a map value (6.15+)
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 3
    store_release((u64 *)(r0 + 0), r1)
out:
    r0 = 0
    exit
