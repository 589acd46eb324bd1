# Theme: load-acquire (BPF_ATOMIC with BPF_LOAD_ACQ) as the kernel's verifier_load_acquire
# selftests probe it, written afresh: every size from the stack and from a map value, the loaded
# value's bounds and zero-extension, the source checked like a load's (check_atomic_load:
# uninitialised or scalar sources, misaligned stack), and the pointer kinds an atomic may not read
# (atomic_ptr_type_ok: ctx, packet).

=== selftests_load_acquire/stack_u8
type: socket_filter
desc: a byte stored then load-acquired from the stack: the value is known
    r0 = 0
    w1 = 0xab
    *(u8 *)(r10 - 1) = w1
    w2 = load_acquire((u8 *)(r10 - 1))
    if r2 == r1 goto done
    r0 = 1
done:
    exit

=== selftests_load_acquire/stack_u16
type: socket_filter
desc: a half word load-acquired from the stack
    r0 = 0
    w1 = 0xbeef
    *(u16 *)(r10 - 2) = w1
    w2 = load_acquire((u16 *)(r10 - 2))
    if r2 == r1 goto done
    r0 = 1
done:
    exit

=== selftests_load_acquire/stack_u32
type: socket_filter
desc: a word load-acquired from the stack
    r0 = 0
    w1 = 0x87654321
    *(u32 *)(r10 - 4) = w1
    w2 = load_acquire((u32 *)(r10 - 4))
    if r2 == r1 goto done
    r0 = 1
done:
    exit

=== selftests_load_acquire/stack_u64_spilled_scalar
type: socket_filter
desc: a 64-bit constant spilled and load-acquired back: the fill keeps the constant
    r0 = 0
    r1 = 0x1122334455667788 ll
    *(u64 *)(r10 - 8) = r1
    r2 = load_acquire((u64 *)(r10 - 8))
    if r2 == r1 goto done
    r0 = 1
done:
    exit

=== selftests_load_acquire/u8_bounds_index
type: socket_filter
maps: a=array(4,256,1)
desc: a load-acquired byte is at most 255, a safe offset into a 256-byte value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    w1 = load_acquire((u8 *)(r0 + 0))
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_load_acquire/u16_bounds_too_big
type: socket_filter
maps: a=array(4,256,1)
desc: a load-acquired half word may reach 65535, past a 256-byte value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    w1 = load_acquire((u16 *)(r0 + 0))
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_load_acquire/map_value_past_end
type: socket_filter
maps: a=array(4,8,1)
desc: a 64-bit load-acquire at offset 4 of an 8-byte value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = load_acquire((u64 *)(r0 + 4))
out:
    r0 = 0
    exit

=== selftests_load_acquire/map_value_or_null
type: socket_filter
maps: a=array(4,8,1)
desc: a load-acquire from the lookup's result before the NULL check
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    r1 = load_acquire((u64 *)(r0 + 0))
    r0 = 0
    exit

=== selftests_load_acquire/rdonly_map_ok
type: socket_filter
maps: a=array(4,8,1,rdonly_prog)
desc: a load-acquire from a map the program may only read
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = load_acquire((u64 *)(r0 + 0))
out:
    r0 = 0
    exit

=== selftests_load_acquire/uninit_src
type: socket_filter
desc: the source register was never written
    r0 = load_acquire((u64 *)(r2 + 0))
    exit

=== selftests_load_acquire/scalar_src
type: socket_filter
desc: the source register holds a scalar
    r1 = 0
    r0 = load_acquire((u64 *)(r1 + 0))
    exit

=== selftests_load_acquire/uninit_stack
type: socket_filter
desc: a load-acquire from a stack slot never written
    r0 = load_acquire((u64 *)(r10 - 16))
    r0 = 0
    exit

=== selftests_load_acquire/misaligned_stack
type: socket_filter
desc: a word load-acquired at fp-6
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    w0 = load_acquire((u32 *)(r10 - 6))
    exit

=== selftests_load_acquire/from_ctx
type: socket_filter
desc: a load-acquire from the ctx
    w0 = load_acquire((u32 *)(r1 + 0))
    exit

=== selftests_load_acquire/from_ctx_copy_same_reg
type: socket_filter
desc: a copy of the ctx load-acquired into itself
    r7 = r1
    w7 = load_acquire((u32 *)(r7 + 0))
    r0 = 0
    exit

=== selftests_load_acquire/from_packet
type: xdp
desc: a load-acquire from a packet byte inside the proven range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 4
    if r1 > r3 goto out
    w0 = load_acquire((u8 *)(r2 + 0))
out:
    r0 = 2
    exit

=== selftests_load_acquire/invalid_src_reg
type: socket_filter
desc: a 64-bit load-acquire whose source register is r14
    .insn 0xdb, 0, 14, 0, 0x100
    exit

=== selftests_load_acquire/reserved_imm_bits
type: socket_filter
desc: an atomic with imm 0x101, a load-acquire code with a fetch bit, is no operation
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    .insn 0xdb, 0, 10, -8, 0x101
    exit

=== selftests_load_acquire/u8_result_zero_extended
type: socket_filter
desc: w-register load-acquire of 0xff: the upper 32 bits are known zero
    r1 = -1
    *(u64 *)(r10 - 8) = r1
    w0 = load_acquire((u8 *)(r10 - 8))
    r0 >>= 32
    if r0 == 0 goto done
    r0 = *(u64 *)(r9 + 0)
done:
    exit
