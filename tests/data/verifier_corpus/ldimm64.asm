# Theme: the two-slot BPF_LD | BPF_IMM | BPF_DW: jumps over and into it, its pseudo sources (map fd,
# map value, function) and the register types they produce (check_ld_imm, check_cfg).

=== ldimm64/jump_over_lddw
desc: a jump over both slots
    r0 = 0
    goto +2
    r0 = 0x123456789 ll
    exit

=== ldimm64/jump_into_lddw
desc: a jump into the second slot
    r0 = 0
    goto +1
    r0 = 0x123456789 ll
    exit

=== ldimm64/cond_jump_into_lddw
desc: a conditional jump into the second slot
    r2 = *(u32 *)(r1 + 12)
    r0 = 0
    if r2 == 0 goto +1
    r0 = 0x123456789 ll
    exit

=== ldimm64/backward_jump_into_lddw
desc: a backward jump landing on the second slot
    r0 = 0
    r1 = 0x1 ll
    r1 += 1
    if r1 < 3 goto -3
    exit

=== ldimm64/lddw_const_used
desc: a 64-bit constant
    r0 = 0x100000000 ll
    r0 >>= 32
    exit

=== ldimm64/lddw_const_bound
maps: m=hash(4,16,4)
desc: a masked 64-bit constant as an offset
    r6 = 0x0000000f0000000f ll
    r6 &= 15
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== ldimm64/lddw_map_fd_type
maps: m=hash(4,8,4)
desc: a map pointer is not memory
    r1 = map_fd(m) ll
    r2 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== ldimm64/lddw_map_fd_to_helper
maps: m=hash(8,8,4)
desc: a map pointer passed to a helper
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -8
    *(u64 *)(r2 + 0) = 0
    call bpf_map_delete_elem
    r0 = 0
    exit

=== ldimm64/lddw_map_value_write
maps: a=array(4,8,1)
desc: a direct value address written
    r1 = map_value(a, 4) ll
    *(u32 *)(r1 + 0) = 1
    r0 = 0
    exit

=== ldimm64/lddw_map_value_past
maps: a=array(4,8,1)
desc: 8 bytes at offset 4 of an 8-byte value
    r1 = map_value(a, 4) ll
    r0 = *(u64 *)(r1 + 0)
    exit

=== ldimm64/lddw_map_value_hash
maps: m=hash(4,8,4)
desc: direct value access to a hash map
    r1 = map_value(m, 0) ll
    r0 = 0
    exit

=== ldimm64/lddw_func_not_called
desc: a function pointer loaded and unused (needs BTF)
    r1 = func(f) ll
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== ldimm64/lddw_bad_src
desc: an lddw with an unknown pseudo source
    r0 = 0
    .insn 0x18, 1, 9, 0, 0
    .insn 0, 0, 0, 0, 0
    exit

=== ldimm64/lddw_bad_second_slot
desc: the second slot has a register set
    r0 = 0
    .insn 0x18, 1, 0, 0, 1
    .insn 0, 1, 0, 0, 0
    exit

=== ldimm64/lddw_truncated
desc: the second slot is an exit
    r0 = 0
    .insn 0x18, 1, 0, 0, 1
    exit
