# Disagreements scripts/fuzz_verifier.py found between pybpf and Linux 6.18 in session 23 (the shapes
# of tests/verifier/shape_generator.py, new ones among them): each minimised by hand and fixed in
# pybpf; the shape and seed that found it are in the desc, with the accepted counterpart.

=== fuzz_s23/inner_map_read_before_null_check
type: xdp
maps: in=array(4,16,4) om=array_of_maps(4,4,2,inner:in,0:in)
desc: map_in_map:66 -- a map-in-map lookup's result (map_ptr_or_null) read before its NULL check: check_mem_access() takes the CONST_PTR_TO_MAP path for the exact type only, so the maybe-NULL one is "invalid mem access" (pybpf accepted it, reading it as the map pointer)
    *(u32 *)(r10 -4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(om) ll
    call bpf_map_lookup_elem
    r3 = *(u64 *)(r0 +0)
    r0 = 2
    exit

=== fuzz_s23/inner_map_read_after_null_check
type: xdp
maps: in=array(4,16,4) om=array_of_maps(4,4,2,inner:in,0:in)
desc: the same after the NULL check: a map pointer read as struct bpf_map (check_ptr_to_map_access())
    *(u32 *)(r10 -4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(om) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r3 = *(u64 *)(r0 +0)
out:
    r0 = 2
    exit

=== fuzz_s23/unpriv_prune_misc_slot_vs_spilled_pointer
type: xdp
caps: bpf,net_admin
flags: test_state_freq
desc: map_in_map:610021 (--caps bpf,net_admin, a processed-count difference) minimised -- the checkpoint at the join holds 8 bytes of data at fp-8, the second path a spilled stack pointer there: without allow_uninit_stack, stacksafe() lets an old STACK_MISC byte match only STACK_MISC or STACK_ZERO, so the path is walked and the pointer returned (pybpf pruned it, treating data as matching anything, and accepted the leak)
    call bpf_get_prandom_u32
    if r0 == 0 goto spill
    *(u32 *)(r10 -8) = 1
    *(u32 *)(r10 -4) = 2
    goto join
spill:
    *(u64 *)(r10 -8) = r10
join:
    r0 = *(u64 *)(r10 -8)
    exit

=== fuzz_s23/unpriv_prune_misc_slot_vs_uninit_bytes
type: xdp
caps: bpf,net_admin
flags: test_state_freq
desc: the same with half the slot never written on the second path: its bytes are STACK_INVALID, which old data does not subsume for a loader that may not read them ("invalid read from stack"; pybpf pruned and accepted)
    call bpf_get_prandom_u32
    if r0 == 0 goto skip
    *(u32 *)(r10 -8) = 1
    *(u32 *)(r10 -4) = 2
    goto join
skip:
    *(u32 *)(r10 -8) = 1
join:
    r0 = *(u64 *)(r10 -8)
    r0 = 2
    exit

=== fuzz_s23/priv_prune_misc_slot_vs_uninit_bytes
type: xdp
flags: test_state_freq
desc: the same loaded with every capability: stack never written reads as data, the old state subsumes the new one and the program is accepted
    call bpf_get_prandom_u32
    if r0 == 0 goto skip
    *(u32 *)(r10 -8) = 1
    *(u32 *)(r10 -4) = 2
    goto join
skip:
    *(u32 *)(r10 -8) = 1
join:
    r0 = *(u64 *)(r10 -8)
    r0 = 2
    exit

=== fuzz_s23/unpriv_atomic_on_unwritten_half_of_a_spill
type: xdp
caps: bpf,net_admin
desc: stack_mix:610139 (--caps bpf,net_admin) minimised -- a 4-byte constant spilled at fp-16 (CAP_BPF: a spill), then an atomic add on fp-12, the slot's bytes never written: Linux 6.18 refuses the atomic's read of them for a loader without allow_uninit_stack ("invalid read from stack off -12+0 size 4"; 6.12's check_stack_read_fixed_off() returned before the check for a read without a destination register, and pybpf accepted)
    *(u32 *)(r10 -16) = 0
    r4 = 1
    lock *(u32 *)(r10 -12) += r4
    r0 = 2
    exit

=== fuzz_s23/unpriv_atomic64_over_a_narrow_spill
type: xdp
caps: bpf,net_admin
desc: the same with a 64-bit atomic over the whole slot: its upper half never written ("invalid read from stack off -16+4 size 8")
    *(u32 *)(r10 -16) = 0
    r4 = 1
    lock *(u64 *)(r10 -16) += r4
    r0 = 2
    exit

=== fuzz_s23/priv_atomic_on_unwritten_half_of_a_spill
type: xdp
desc: the first with every capability: stack never written may be read, the atomic is accepted
    *(u32 *)(r10 -16) = 0
    r4 = 1
    lock *(u32 *)(r10 -12) += r4
    r0 = 2
    exit

=== fuzz_s23/map_value_offset_overflows_to_unbounded_min
type: xdp
maps: amap=array(4,16,4)
desc: spec_paths:500037 and :600083 minimised -- a map value pointer moved by [1, 2^63-1] and then by [1, 8]: the sum's signed maximum overflows and its minimum becomes S64_MIN; check_reg_sane_offset_ptr() names the pointer's offset ("map_value pointer offset -9223372036854775808 is not allowed": the "unbounded min value" message is the scalar operand's alone; pybpf printed that one)
    *(u32 *)(r10 -4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(amap) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_ktime_get_ns
    if r0 s< 1 goto out
    r6 += r0
    if r0 > 8 goto out
    r6 += r0
out:
    r0 = 2
    exit
