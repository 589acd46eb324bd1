# Theme: store-release (BPF_ATOMIC with BPF_STORE_REL) as the kernel's verifier_store_release
# selftests probe it, written afresh: every size onto the stack and into a map value, the value
# read back, a spill made by a store-release (its precision walked back through it), the
# destination checked like a store's (check_atomic_store: uninitialised or scalar registers,
# misaligned stack, read-only maps), pointers stored, and the pointer kinds an atomic may not write
# (atomic_ptr_type_ok: ctx, packet).

=== selftests_store_release/stack_u8
type: socket_filter
desc: a byte store-released onto the stack and read back
    w1 = 0x5a
    store_release((u8 *)(r10 - 1), w1)
    w0 = *(u8 *)(r10 - 1)
    exit

=== selftests_store_release/stack_u16
type: socket_filter
desc: a half word store-released onto the stack and read back
    w1 = 0x5a5a
    store_release((u16 *)(r10 - 2), w1)
    w0 = *(u16 *)(r10 - 2)
    exit

=== selftests_store_release/stack_u32
type: socket_filter
desc: a word store-released onto the stack and read back
    w1 = 0x5a5a5a5a
    store_release((u32 *)(r10 - 4), w1)
    w0 = *(u32 *)(r10 - 4)
    exit

=== selftests_store_release/stack_u64_spill_precise
type: socket_filter
maps: a=array(4,64,1)
desc: a constant store-released onto the stack, filled and used as a map value offset: its precision is walked back through the store
    r6 = 16
    store_release((u64 *)(r10 - 16), r6)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 16)
    r0 += r1
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_store_release/uninit_src
type: socket_filter
desc: the value register was never written
    store_release((u64 *)(r10 - 8), r3)
    r0 = 0
    exit

=== selftests_store_release/uninit_dst
type: socket_filter
desc: the address register was never written
    r1 = 0
    store_release((u64 *)(r3 - 8), r1)
    r0 = 0
    exit

=== selftests_store_release/scalar_dst
type: socket_filter
desc: the address register holds a scalar
    r1 = 8
    store_release((u64 *)(r1 + 0), r1)
    r0 = 0
    exit

=== selftests_store_release/misaligned_stack
type: socket_filter
desc: a word store-released at fp-7
    w0 = 0
    store_release((u32 *)(r10 - 7), w0)
    exit

=== selftests_store_release/into_ctx
type: socket_filter
desc: a store-release into skb->cb[0]
    w0 = 0
    store_release((u32 *)(r1 + 48), w0)
    exit

=== selftests_store_release/into_packet
type: xdp
desc: a store-release into a packet byte inside the proven range
    w0 = 0
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 4
    if r1 > r3 goto out
    store_release((u8 *)(r2 + 0), w0)
out:
    r0 = 2
    exit

=== selftests_store_release/ctx_pointer_onto_stack
type: socket_filter
desc: the ctx pointer store-released onto the stack (a spill)
    store_release((u64 *)(r10 - 8), r1)
    r1 = 0
    r2 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r2 + 0)
    r0 = 0
    exit

=== selftests_store_release/ctx_pointer_into_map
type: socket_filter
maps: h=hash(8,8,1)
desc: the ctx pointer store-released into a map value (privileged: allowed)
    r6 = r1
    r1 = map_fd(h) ll
    r2 = 0
    *(u64 *)(r10 - 8) = r2
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    store_release((u64 *)(r0 + 0), r6)
out:
    r0 = 0
    exit

=== selftests_store_release/into_rdonly_map
type: socket_filter
maps: a=array(4,8,1,rdonly_prog)
desc: a store-release into a map the program may only read
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    store_release((u64 *)(r0 + 0), r1)
out:
    r0 = 0
    exit

=== selftests_store_release/map_value_ok
type: socket_filter
maps: a=array(4,16,1)
desc: a word store-released at offset 12 of a 16-byte value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    w1 = 1
    store_release((u32 *)(r0 + 12), w1)
out:
    r0 = 0
    exit

=== selftests_store_release/map_value_past_end
type: socket_filter
maps: a=array(4,16,1)
desc: a word store-released at offset 16 of a 16-byte value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    w1 = 1
    store_release((u32 *)(r0 + 16), w1)
out:
    r0 = 0
    exit

=== selftests_store_release/invalid_dst_reg
type: socket_filter
desc: a 64-bit store-release whose address register is r13
    .insn 0xdb, 13, 1, 0, 0x110
    r0 = 0
    exit

=== selftests_store_release/ld_imm_value_off
type: socket_filter
desc: a store-release with a non-zero offset on a non-stack frame pointer copy
    r2 = r10
    r2 += -16
    r1 = 3
    store_release((u64 *)(r2 + 8), r1)
    r0 = *(u64 *)(r10 - 8)
    exit
