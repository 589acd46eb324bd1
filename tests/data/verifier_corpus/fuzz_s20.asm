# Disagreements scripts/fuzz_verifier.py found between pybpf and Linux 6.18 in session 20 (the shapes
# of tests/verifier/shape_generator.py, seeds 300000 and up), each minimised by hand and fixed in
# pybpf; the shape and seed that found it are in the desc.

=== fuzz_s20/const_tnum_range_past_it_stack
type: xdp
desc: stack_var_off:300055 -- a register whose var_off is the constant 0 while its umin is 2 (the low byte known zero, w >= 2, then r <= 12: the range and the tnum meet nowhere) is that constant everywhere (__update_reg64_bounds's tnum_step case for the tnum's largest member): fp-16 + r9 stays fp-16, an aligned 8-byte read
    call bpf_get_prandom_u32
    r9 = r0
    if r9 & 0xff goto out
    if w9 <= 1 goto out
    if r9 > 12 goto out
    *(u64 *)(r10 -16) = 0
    r5 = r10
    r5 += -16
    r5 += r9
    r0 = *(u64 *)(r5 +0)
out:
    r0 = 2
    exit

=== fuzz_s20/const_tnum_range_past_it_map_value
type: xdp
maps: amap=array(4,16,4)
desc: the same constant added to a map value pointer: the read 2 bytes below the value's start is refused (pybpf took the register's umin 2 as the offset and accepted it)
    call bpf_get_prandom_u32
    r9 = r0
    if r9 & 0xff goto out
    if w9 <= 1 goto out
    if r9 > 12 goto out
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(amap) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r9
    r0 = *(u16 *)(r0 -2)
out:
    r0 = 2
    exit

=== fuzz_s20/beyond_pkt_end_prunes_no_range_0
type: xdp
desc: ptr_compare:300001 -- regsafe() of packet pointers: a range AT_PKT_END / BEYOND_PKT_END (a comparison with data_end) only matches itself; the path where data is known past data_end (its next comparison decided) does not cover the one where data has range 0, whose read after the undecided comparison is refused (pybpf pruned it: unsound)
    r6 = r1
    r7 = *(u32 *)(r6 +0)
    r8 = *(u32 *)(r6 +4)
    call bpf_get_prandom_u32
    if r0 == 0 goto other
    if r7 > r8 goto join
    r0 = 2
    exit
other:
    r0 = 0
join:
    if r7 > r8 goto ok
    r0 = *(u8 *)(r7 +0)
ok:
    r0 = 2
    exit

=== fuzz_s20/beyond_pkt_end_prunes_itself
type: xdp
desc: the same with both paths past data_end: the second is pruned (the same mark), and the read behind the decided comparison is never reached
    r6 = r1
    r7 = *(u32 *)(r6 +0)
    r8 = *(u32 *)(r6 +4)
    call bpf_get_prandom_u32
    if r7 > r8 goto past
    r0 = 2
    exit
past:
    if r0 == 0 goto other
    r0 = 1
    goto join
other:
    r0 = 0
join:
    if r7 > r8 goto ok
    r0 = *(u8 *)(r7 +0)
ok:
    r0 = 2
    exit
