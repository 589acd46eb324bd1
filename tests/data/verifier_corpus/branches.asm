# Theme: conditional jumps refine both branches (reg_set_min_max / regs_refine_cond_op) and a
# decided condition prunes the dead branch (is_branch_taken).  Each program bounds an unknown u32
# ctx field with one comparison and uses it as an offset into a 16-byte map value (or hides an
# invalid instruction in a branch that cannot be taken), so the verdict depends on the refinement.

=== branches/jgt_fallthrough
maps: m=hash(4,16,4)
desc: if x > 15 goto out: x <= 15 after
    r6 = *(u32 *)(r1 + 12)
    if r6 > 15 goto out
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

=== branches/jgt_16
maps: m=hash(4,16,4)
desc: if x > 16 goto out: 16 is one too many
    r6 = *(u32 *)(r1 + 12)
    if r6 > 16 goto out
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

=== branches/jge_fallthrough
maps: m=hash(4,16,4)
desc: if x >= 16 goto out
    r6 = *(u32 *)(r1 + 12)
    if r6 >= 16 goto out
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

=== branches/jlt_taken
maps: m=hash(4,16,4)
desc: if x < 16: the jump target is bounded
    r6 = *(u32 *)(r1 + 12)
    if r6 < 16 goto +1
    goto out
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

=== branches/jle_taken
maps: m=hash(4,16,4)
desc: if x <= 15: the jump target is bounded
    r6 = *(u32 *)(r1 + 12)
    if r6 <= 15 goto +1
    goto out
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

=== branches/jlt_wrong_side
maps: m=hash(4,16,4)
desc: if x < 16 goto out: x >= 16 after
    r6 = *(u32 *)(r1 + 12)
    if r6 < 16 goto out
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

=== branches/jeq_const
maps: m=hash(4,16,4)
desc: x == 3 on the jump target
    r6 = *(u32 *)(r1 + 12)
    if r6 == 3 goto +1
    goto out
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

=== branches/jne_const
maps: m=hash(4,16,4)
desc: x == 3 on the fall-through
    r6 = *(u32 *)(r1 + 12)
    if r6 != 3 goto out
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

=== branches/jne_wrong
maps: m=hash(4,16,4)
desc: x != 3 on the jump target: unbounded
    r6 = *(u32 *)(r1 + 12)
    if r6 != 3 goto +1
    goto out
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

=== branches/jset_false
maps: m=hash(4,16,4)
desc: no bit above 15 set on the fall-through
    r6 = *(u32 *)(r1 + 12)
    if r6 & -16 goto out
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

=== branches/jset_true
maps: m=hash(4,16,4)
desc: some low bit set: no upper bound
    r6 = *(u32 *)(r1 + 12)
    if r6 & 15 goto +1
    goto out
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

=== branches/jsgt_u32
maps: m=hash(4,16,4)
desc: signed x > 15 on a u32 (non-negative) value
    r6 = *(u32 *)(r1 + 12)
    if r6 s> 15 goto out
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

=== branches/jsge_u32
maps: m=hash(4,16,4)
desc: signed x >= 16 on a u32 value
    r6 = *(u32 *)(r1 + 12)
    if r6 s>= 16 goto out
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

=== branches/jslt_taken
maps: m=hash(4,16,4)
desc: signed x < 16 on the jump target, x a u32
    r6 = *(u32 *)(r1 + 12)
    if r6 s< 16 goto +1
    goto out
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

=== branches/jsle_taken
maps: m=hash(4,16,4)
desc: signed x <= 15 on the jump target
    r6 = *(u32 *)(r1 + 12)
    if r6 s<= 15 goto +1
    goto out
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

=== branches/jsgt_s64_negative
maps: m=hash(4,16,4)
desc: a sign-extended value: s> 15 leaves negatives
    r6 = *(u32 *)(r1 + 12)
    r6 <<= 32
    r6 s>>= 32
    if r6 s> 15 goto out
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

=== branches/jsgt_s64_both
maps: m=hash(4,16,4)
desc: a sign-extended value bounded on both sides
    r6 = *(u32 *)(r1 + 12)
    r6 <<= 32
    r6 s>>= 32
    if r6 s> 15 goto out
    if r6 s< 0 goto out
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

=== branches/jgt_s64_unsigned_catches_negative
maps: m=hash(4,16,4)
desc: an unsigned check rules out negatives
    r6 = *(u32 *)(r1 + 12)
    r6 <<= 32
    r6 s>>= 32
    if r6 > 15 goto out
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

=== branches/two_sided_unsigned
maps: m=hash(4,16,4)
desc: 2..17, minus 2: 0..15
    r6 = *(u32 *)(r1 + 12)
    if r6 < 2 goto out
    if r6 > 17 goto out
    r6 -= 2
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

=== branches/reg_reg_const
maps: m=hash(4,16,4)
desc: compared with a register holding 15
    r6 = *(u32 *)(r1 + 12)
    r7 = 15
    if r6 > r7 goto out
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

=== branches/reg_reg_unknown
maps: m=hash(4,16,4)
desc: compared with an unknown register
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u32 *)(r1 + 16)
    if r6 > r7 goto out
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

=== branches/reg_reg_bounded_other
maps: m=hash(4,16,4)
desc: x <= y where y <= 15
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u32 *)(r1 + 16)
    r7 &= 15
    if r6 > r7 goto out
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

=== branches/reg_reg_reversed
maps: m=hash(4,16,4)
desc: y < x goto out: x <= y <= 15
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u32 *)(r1 + 16)
    r7 &= 15
    if r7 < r6 goto out
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

=== branches/reg_reg_jeq
maps: m=hash(4,16,4)
desc: x == y where y <= 15
    r6 = *(u32 *)(r1 + 12)
    r7 = *(u32 *)(r1 + 16)
    r7 &= 15
    if r6 == r7 goto +1
    goto out
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

=== branches/jmp32_jgt
maps: m=hash(4,16,4)
desc: 32-bit x > 15 on a zero-extended value
    r6 = *(u32 *)(r1 + 12)
    if w6 > 15 goto out
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

=== branches/jmp32_on_u64
maps: m=hash(4,16,4)
desc: 32-bit compare of a value whose upper half is unknown
    r6 = *(u32 *)(r1 + 12)
    *(u64 *)(r10 - 16) = r6
    r6 = *(u64 *)(r10 - 16)
    if w6 > 15 goto out
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

=== branches/jmp32_jslt
maps: m=hash(4,16,4)
desc: 32-bit signed compare: negatives remain
    r6 = *(u32 *)(r1 + 12)
    if w6 s< 16 goto +1
    goto out
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

=== branches/jmp32_jset
maps: m=hash(4,16,4)
desc: 32-bit JSET false branch
    r6 = *(u32 *)(r1 + 12)
    if w6 & -16 goto out
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

=== branches/jeq_then_jne
maps: m=hash(4,16,4)
desc: x != 0 and x == 1
    r6 = *(u32 *)(r1 + 12)
    if r6 == 0 goto out
    if r6 != 1 goto out
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

=== branches/bound_lost_by_copy
maps: m=hash(4,16,4)
desc: the copy is bounded, the copy shares the id: r6 too
    r6 = *(u32 *)(r1 + 12)
    r7 = r6
    if r7 > 15 goto out
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

=== branches/bound_lost_by_add
maps: m=hash(4,16,4)
desc: r7 = r6 + 1 bounded: linked registers learn too
    r6 = *(u32 *)(r1 + 12)
    r7 = r6
    r7 += 1
    if r7 > 16 goto out
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

=== branches/bound_after_alu_unlinked
maps: m=hash(4,16,4)
desc: a multiplication breaks the link
    r6 = *(u32 *)(r1 + 12)
    r7 = r6
    r7 *= 1
    if r7 > 15 goto out
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

=== branches/dead_branch_const
desc: the branch with the bad read is never taken
    r0 = 0
    r1 = 1
    if r1 == 1 goto +1
    r0 = *(u64 *)(r1 + 0)
    exit

=== branches/dead_branch_bounds
desc: x & 7 < 8 always: the bad read is dead
    r2 = *(u32 *)(r1 + 12)
    r2 &= 7
    r0 = 0
    if r2 < 8 goto +1
    r0 = *(u64 *)(r2 + 0)
    exit

=== branches/live_branch_bounds
desc: x & 15 < 8 sometimes: the bad read is reachable
    r2 = *(u32 *)(r1 + 12)
    r2 &= 15
    r0 = 0
    if r2 < 8 goto +1
    r0 = *(u64 *)(r2 + 0)
    exit

=== branches/dead_branch_signed
desc: a u32 is never negative as s64
    r2 = *(u32 *)(r1 + 12)
    r0 = 0
    if r2 s>= 0 goto +1
    r0 = *(u64 *)(r2 + 0)
    exit

=== branches/dead_branch_jmp32_signed
desc: as s32 it may be negative
    r2 = *(u32 *)(r1 + 12)
    r0 = 0
    if w2 s>= 0 goto +1
    r0 = *(u64 *)(r2 + 0)
    exit

=== branches/dead_branch_jset
desc: bit 0 is known set
    r2 = *(u32 *)(r1 + 12)
    r2 |= 1
    r0 = 0
    if r2 & 1 goto +1
    r0 = *(u64 *)(r2 + 0)
    exit

=== branches/dead_branch_ptr_null
desc: the frame pointer is never NULL
    r0 = 0
    if r10 != 0 goto +1
    r0 = *(u64 *)(r0 + 0)
    exit

=== branches/jmp_uninit_reg
desc: a comparison reads an uninitialised register
    if r3 > 0 goto +1
    r0 = 0
    r0 = 0
    exit

=== branches/jmp_pointer_vs_scalar_const
desc: a pointer compared with a non-zero constant
    r0 = 0
    if r1 == 5 goto +1
    r0 = 1
    exit

=== branches/jmp_reserved_field
desc: a JEQ | K with a source register
    r0 = 0
    .insn 0x15, 0, 1, 0, 0
    exit

=== branches/jmp32_reserved
desc: an unknown JMP opcode (0x0d)
    r0 = 0
    .insn 0x16, 0, 0, 0, 0
    .insn 0x0d, 0, 0, 0, 0
    exit

=== branches/ja_out_of_range
desc: a jump past the end
    r0 = 0
    goto +5
    exit

=== branches/ja_minus_one
desc: a jump to itself
    r0 = 0
    goto -1
    exit

=== branches/gotol
desc: a long jump (cpu v4)
    r2 = *(u32 *)(r1 + 12)
    r0 = 0
    if r2 == 0 goto +1
    gotol +1
    r0 = 1
    exit

=== branches/cond_to_self_loop
desc: a conditional jump to itself
    r0 = *(u32 *)(r1 + 12)
l:
    if r0 > 5 goto l
    exit

=== branches/jset_false_forgets_ranges
maps: m=hash(4,16,4)
desc: the JSET false branch keeps only what the tnum says: the signed range is lost
    r6 = *(u32 *)(r1 + 12)
    r6 <<= 32
    r6 s>>= 32
    if r6 & 12 goto out
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

=== branches/jset_false_masked
maps: m=hash(4,16,4)
desc: 0..255 with the high nibble clear: 0..15 from the tnum
    r6 = *(u32 *)(r1 + 12)
    r6 &= 0xff
    if r6 & 0xf0 goto out
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

=== branches/jmp32_jset_false_masked
maps: m=hash(4,16,4)
desc: a 32-bit JSET false branch on a zero-extended value
    r6 = *(u32 *)(r1 + 12)
    if w6 & 0xfffffff0 goto out
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

=== branches/jset_true_single_bit
maps: m=hash(4,16,4)
desc: a single-bit JSET true branch knows the bit: 8..15 - 8
    r6 = *(u32 *)(r1 + 12)
    r6 &= 0xf
    if r6 & 8 goto +1
    goto out
    r6 -= 8
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

=== branches/state_freq_two_branches
flags: test_state_freq
desc: BPF_F_TEST_STATE_FREQ: a checkpoint at every prune point reached (precision walks stop at each)
    call bpf_get_prandom_u32
    r6 = r0
    r7 = 0
    if r6 > 10 goto l1
    r7 = 1
l1:
    r7 += 1
    if r6 > 20 goto l2
    r7 += 2
l2:
    r0 = r7
    exit

=== branches/state_freq_linked_precision
flags: test_state_freq
desc: BPF_F_TEST_STATE_FREQ with linked scalars made precise across checkpoints
    call bpf_ktime_get_ns
    r0 &= 0xff
    r1 = r0
    r2 = r0
    r3 = r10
    r3 += r0
    r0 = 0
    if r1 > 100 goto l1
    r0 = 1
l1:
    r3 = r10
    r3 += r2
    r0 = 0
    exit

=== branches/state_freq_refused_on_second_path
flags: test_state_freq
desc: BPF_F_TEST_STATE_FREQ: the fall-through path reads past the frame, after checkpoints on the way
    call bpf_get_prandom_u32
    r6 = r0
    r1 = 0
    if r6 > 10 goto l1
    r1 = 8
l1:
    r2 = r10
    r2 += -16
    r2 += r1
    r0 = *(u64 *)(r2 + 8)
    r0 = 0
    exit
