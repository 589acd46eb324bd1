# Theme: what measuring pybpf on the kernel's classic test_verifier suite (selftests/bpf/verifier/*.c,
# scripts/test_verifier_conformance.py) found, written afresh: two lddw of overlapping bytes of one
# map value (a store through one, a load through the other: the JIT once kept them apart); bpf_loop
# calls inlined by optimize_bpf_loop() next to calls that are not (flags unknown, callbacks that
# differ), in subprograms after many lddw (the subprogram whose stack grows is found by slot).

=== test_verifier_suite/map_value_overlapping_lddw
type: socket_filter
maps: vals=array(4,48,1)
desc: a u16 store through map_value(vals, 46) read back as a byte through map_value(vals, 47)
    r0 = 1
    r1 = map_value(vals, 47) ll
    r2 = map_value(vals, 46) ll
    *(u16 *)(r2 + 0) = 0xffff
    r0 = *(u8 *)(r1 + 0)
    exit

=== test_verifier_suite/map_value_overlapping_lddw_past_end
type: socket_filter
maps: vals=array(4,48,1)
desc: the same u16 store one byte later runs past the value's 48 bytes
    r0 = 1
    r1 = map_value(vals, 46) ll
    r2 = map_value(vals, 47) ll
    *(u16 *)(r2 + 0) = 0xffff
    r0 = *(u16 *)(r1 + 0)
    exit

=== test_verifier_suite/loop_inline_after_lddws
type: raw_tracepoint
btf: func_info
desc: six lddw in the main program, then a subprogram whose bpf_loop call is inlined (its stack grows)
    r1 = 1 ll
    r1 = 2 ll
    r1 = 3 ll
    r1 = 4 ll
    r1 = 5 ll
    r1 = 6 ll
    call sub
    r0 = 0
    exit
sub:
    r1 = 1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== test_verifier_suite/loop_inline_two_subprogs
type: raw_tracepoint
btf: func_info
desc: bpf_loop inlined in the main program (12 bytes of stack) and in a subprogram (32 bytes)
    *(u32 *)(r10 - 12) = 0x77
    r1 = 1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    call sub
    r0 = 0
    exit
sub:
    *(u64 *)(r10 - 32) = 0x55
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 1
    exit

=== test_verifier_suite/loop_inline_one_of_two_calls
type: raw_tracepoint
btf: func_info
desc: two bpf_loop calls: one with flags 0 (inlined), one with flags from bpf_get_prandom_u32 (a helper call)
    call bpf_get_prandom_u32
    r6 = r0
    r6 &= 1
    r1 = 1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r1 = 1
    r2 = func(cb) ll
    r3 = 0
    r4 = r6
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== test_verifier_suite/loop_inline_callback_returns_two
type: raw_tracepoint
btf: func_info
desc: an inlined bpf_loop whose callback may return 2: refused at the callback's exit
    r1 = 1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 2
    exit
