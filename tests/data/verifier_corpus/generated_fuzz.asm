# Disagreements scripts/fuzz_verifier.py found between pybpf and Linux 6.18 (tests/verifier/shape_generator.py's
# programs), each minimised by hand and fixed in pybpf; the shape and seed that found it are in the desc.

=== fuzz/jmp32_null_check_of_non_null_pointer
maps: amap=array(4,16,4)
desc: null_copies:11: a JMP32 comparison of a pointer that cannot be NULL with 0 is not decided (both branches walked)
    *(u32 *)(r10 -4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(amap) ll
    call bpf_map_lookup_elem
    if w0 != 0 goto +1
    r0 = *(u64 *)(r10 +8)
    r0 = 2
    exit

=== fuzz/jmp32_eq_of_map_pointer
maps: amap=array(4,16,4)
desc: null_copies:11: the same with the map pointer itself (CONST_PTR_TO_MAP) compared to 0 on 32 bits
    r1 = map_fd(amap) ll
    if w1 == 0 goto +2
    r0 = 2
    exit
    r0 = *(u64 *)(r10 +8)
    r0 = 2
    exit

=== fuzz/jmp64_null_check_of_non_null_pointer
maps: amap=array(4,16,4)
desc: null_copies:11: on 64 bits the comparison is decided (the trap is dead)
    *(u32 *)(r10 -4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(amap) ll
    call bpf_map_lookup_elem
    if r0 != 0 goto +1
    r0 = *(u64 *)(r10 +8)
    r0 = 2
    exit

=== fuzz/pkt_pointer_minus_large_range
desc: ptr_var_off:110: a packet pointer minus [0, 0xfffffff8]: the result's minimum is named as the pointer's offset
    r7 = *(u32 *)(r1 + 0)
    r9 = *(u32 *)(r1 + 16)
    r9 &= -8
    r7 -= r9
    r0 = 2
    exit

=== fuzz/linked_scalar_delta_not_an_offset
desc: mixed_bounds:79: a copy moved by -2^31 (BPF_ADD_CONST) added to fp: its minimum is refused, not its link delta
    call bpf_ktime_get_ns
    r9 = r0
    r4 = 0x80000000 ll
    if r9 > r4 goto +4
    r9 += -2147483648
    r3 = r10
    r3 += -32
    r3 += r9
    r0 = 2
    exit

=== fuzz/movsx32_keeps_s8_range
desc: sign_extend:66: (s32) of a sign-extended byte keeps [-128, 127] (a variable stack offset, refused later)
    r9 = *(u32 *)(r1 + 16)
    r9 = (s8)r9
    r9 = (s32)r9
    r3 = r10
    r3 += -32
    r3 += r9
    *(u8 *)(r3 +3) = 0
    r0 = 2
    exit

=== fuzz/movsx32_small_range_indexes_value
maps: amap=array(4,16,4)
desc: sign_extend:66: (s32) of [-8, 7] stays [-8, 7]: plus 8 it indexes a 16-byte value
    r6 = r1
    *(u32 *)(r10 -4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(amap) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto +8
    r9 = *(u32 *)(r6 + 16)
    r9 = (s8)r9
    r9 s>>= 4
    r9 = (s32)r9
    r9 += 8
    r0 += r9
    r3 = *(u8 *)(r0 +0)
    r0 = 2
    exit

=== fuzz/movsx32_of_wrapping_subreg
maps: amap=array(4,16,4)
desc: sign_extend:133: (s32) of a subregister whose signed range wraps: the 64-bit minimum is its s32 minimum
    call bpf_get_prandom_u32
    r9 = r0
    w9 |= 71
    r9 = -r9
    w9 += 168
    r9 = (s32)r9
    *(u32 *)(r10 -4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(amap) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto +2
    r0 += r9
    r3 = *(u8 *)(r0 +0)
    r0 = 2
    exit

=== fuzz/movsx16_of_zero_low_word
desc: sign_extend:10194: (s16) of a value whose low 32 bits are known 0 (r <<= 56) is 0: the s32 range fits the narrow one, so the stack offset is constant
    call bpf_get_prandom_u32
    r0 <<= 56
    r0 = (s16)r0
    r3 = r10
    r3 += -16
    r3 += r0
    *(u8 *)(r3 +1) = 0
    r0 = 2
    exit

=== fuzz/movsx8_keeps_fitting_range
desc: sign_extend:10139: (s8) of [-8, 55] (its upper bits differ in sign) is [-8, 55], not [-128, 127]
    call bpf_get_prandom_u32
    r0 &= 0x3f
    r0 += -8
    r0 = (s8)r0
    r3 = r10
    r3 += -64
    r3 += r0
    *(u8 *)(r3 +0) = 0
    r0 = 2
    exit

=== fuzz/movsx8_of_s32_range_past_s8
desc: (s8) of a value whose s32 range [0, 128] leaves the s8 range: [-128, 127], refused as an offset below the frame
    call bpf_get_prandom_u32
    r0 &= 0xff
    if r0 > 128 goto +6
    r0 = (s8)r0
    r3 = r10
    r3 += -64
    r3 += r0
    *(u8 *)(r3 +0) = 0
    r0 = 2
    exit

=== fuzz/movsx16_of_negative_s32_range
desc: sign_extend: (s16) of a register whose high word is unknown and whose s32 range is [-129, -1]: [-129, -1]
    call bpf_ktime_get_ns
    r6 = r0
    call bpf_get_prandom_u32
    w0 |= 0xffffff00
    if w0 < 0xffffff7f goto +7
    r6 <<= 32
    r6 |= r0
    r6 = (s16)r6
    r3 = r10
    r3 += r6
    *(u8 *)(r3 +0) = 0
    r0 = 2
    exit

=== fuzz/ldsx8_of_spilled_fitting_range
desc: the same through the stack: a spilled [-8, 55] filled with an s8 load
    call bpf_get_prandom_u32
    r0 &= 0x3f
    r0 += -8
    *(u64 *)(r10 -8) = r0
    r0 = *(s8 *)(r10 -8)
    r3 = r10
    r3 += -64
    r3 += r0
    *(u8 *)(r3 +0) = 0
    r0 = 2
    exit

=== fuzz/bpf_loop_dead_callback_last
btf: func_info
desc: callbacks:1180: a bpf_loop of 0 iterations never verifies its callback; dead-code removal deletes it and, another subprogram remaining, jit_subprogs finds no program at the func pointer's stale target (EFAULT 'verifier bug', Linux 6.18)
    r1 = 1
    r2 = func(cb1) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r1 = 0
    r2 = func(cb2) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 2
    exit
cb1:
    r0 = 0
    exit
cb2:
    r0 = 0
    exit

=== fuzz/bpf_loop_dead_callback_middle
btf: func_info
desc: the same with the never-verified callback before the verified one: the stale target is the next subprogram's start, and the load succeeds
    r1 = 0
    r2 = func(cb1) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r1 = 1
    r2 = func(cb2) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 2
    exit
cb1:
    r0 = 0
    exit
cb2:
    r0 = 0
    exit

=== fuzz/third_bounds_deduction_round
desc: mixed_bounds:100110: w9 > 0x7fffffff of a value in [-2^31, 2^31-2] that is not -1: a third round of __reg_deduce_bounds() carries umax 0xff..fe into umax32 0xfffffffe, so w9 == -1 is dead
    r9 = *(u32 *)(r1 + 12)
    r9 <<= 32
    r9 s>>= 32
    if r9 s>= 0x7fffffff goto +5
    if r9 == -1 goto +4
    if w9 <= 0x7fffffff goto +3
    if w9 != -1 goto +1
    r0 = *(u64 *)(r10 +8)
    r0 = 2
    r0 = 2
    exit

=== fuzz/zero_scalar_ne_non_null_pointer
maps: amap=array(4,16,4)
desc: ptr_compare:37: a constant 0 on the left compared with a map value pointer (its offset, 0, is no constant): the operands swap and the branch is decided
    *(u32 *)(r10 -4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(amap) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto +4
    r5 = 0
    if r5 != r0 goto +2
    r3 = r5
    r3 -= r0
    r0 = 2
    exit

=== fuzz/nested_may_goto_linked_counter_pruned
desc: nested_loops:100076: the outer counter back at the outer may_goto is r9 = copy + 1 (a BPF_ADD_CONST link); the checkpoint's precise r9 has no id, so only the range is compared and the state is pruned (processed count)
    r9 = 0
l2:
    may_goto l3
    r7 = 0
l4:
    may_goto l5
    r5 = r9
    r5 &= 15
    r4 = r10
    r4 += r5
    r7 += 1
    if r7 < 4 goto l4
l5:
    r9 += 1
    goto l2
l3:
    r0 = 2
    exit
