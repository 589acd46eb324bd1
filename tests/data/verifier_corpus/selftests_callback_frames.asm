# Theme: bpf_loop and bpf_for_each_map_elem callbacks as frames of their own, on the themes of the
# kernel's selftests verifier_iterating_callbacks.c, cb_refs.c and for_each_*.c (written afresh):
# tail calls, LD_ABS and may_goto inside callbacks, nested and recursive callbacks, global functions
# called from them, their return values, what they may write (ctx area, map key and value), and the
# stack they add to the caller's.

=== selftests_callback_frames/tail_call_in_callback
type: sched_cls
btf: func_info
maps: jt=prog_array(4,4,1)
desc: a bpf_loop callback does a tail call
    r6 = r1
    *(u64 *)(r10 - 8) = r6
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = *(u64 *)(r2 + 0)
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_callback_frames/ld_abs_in_callback
type: socket_filter
btf: func_info
desc: a bpf_loop callback uses LD_ABS (r6 is not the context there)
    r6 = r1
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = *(u8 *)skb[0]
    r0 = 0
    exit

=== selftests_callback_frames/ld_abs_in_static
type: socket_filter
btf: func_info
desc: a static subprogram uses LD_ABS with the context in r6
    r6 = r1
    call sub
    r0 = 0
    exit
sub:
    r0 = *(u8 *)skb[0]
    r0 = 0
    exit

=== selftests_callback_frames/may_goto_in_callback
type: sched_cls
btf: func_info
desc: a may_goto loop inside a bpf_loop callback
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 0
loop:
    may_goto done
    r0 += 1
    goto loop
done:
    r0 = 0
    exit

=== selftests_callback_frames/nested_loop_callbacks
type: sched_cls
btf: func_info
desc: a bpf_loop callback calls bpf_loop with another callback
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = 2
    r2 = func(inner) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
inner:
    r0 = 0
    exit

=== selftests_callback_frames/callback_recursion
type: sched_cls
btf: func_info
desc: a bpf_loop callback calls bpf_loop with itself
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit

=== selftests_callback_frames/global_in_callback
type: sched_cls
btf: global_subprogs
desc: a bpf_loop callback (itself global by BTF) calls a global function
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    call f2
    r0 = 0
    exit
f2:
    r0 = 0
    exit

=== selftests_callback_frames/callback_returns_pointer
type: sched_cls
btf: func_info
desc: a bpf_loop callback returns a stack pointer
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = r10
    exit

=== selftests_callback_frames/callback_ret_unknown
type: sched_cls
btf: func_info
desc: a bpf_loop callback returns an unknown scalar
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    call bpf_get_prandom_u32
    exit

=== selftests_callback_frames/callback_ctx_write_past
type: sched_cls
btf: func_info
desc: the callback writes 8 bytes past the caller's 8-byte ctx area
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = 1
    *(u64 *)(r2 + 16) = r1
    r0 = 0
    exit

=== selftests_callback_frames/for_each_delete_same_map
type: sched_cls
btf: func_info
maps: h=hash(4,8,4)
desc: a for_each callback deletes the element it visits
    r1 = map_fd(h) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 0
    exit
cb:
    r2 = r2
    r1 = map_fd(h) ll
    call bpf_map_delete_elem
    r0 = 0
    exit

=== selftests_callback_frames/for_each_value_write_past
type: sched_cls
btf: func_info
maps: h=hash(4,8,4)
desc: a for_each callback writes past the 8-byte value
    r1 = map_fd(h) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 0
    exit
cb:
    r1 = 1
    *(u64 *)(r3 + 4) = r1
    r0 = 0
    exit

=== selftests_callback_frames/for_each_key_write
type: sched_cls
btf: func_info
maps: h=hash(4,8,4)
desc: a for_each callback writes the key
    r1 = map_fd(h) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 0
    exit
cb:
    r1 = 1
    *(u32 *)(r2 + 0) = r1
    r0 = 0
    exit

=== selftests_callback_frames/for_each_ret_two
type: sched_cls
btf: func_info
maps: h=hash(4,8,4)
desc: a for_each callback returns 2
    r1 = map_fd(h) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 0
    exit
cb:
    r0 = 2
    exit

=== selftests_callback_frames/callback_stack_deep
type: sched_cls
btf: func_info
desc: main 256 bytes, the callback 272: the combined stack
    r1 = 0
    *(u64 *)(r10 - 256) = r1
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = 0
    *(u64 *)(r10 - 272) = r1
    r0 = 0
    exit

=== selftests_callback_frames/callback_calls_tail_calling_subprog
type: sched_cls
btf: func_info
maps: jt=prog_array(4,4,1)
desc: a bpf_loop callback calls a static subprogram that does a tail call
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = *(u64 *)(r2 + 0)
    call sub
    r0 = 0
    exit
sub:
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_callback_frames/for_each_calls_tail_calling_chain
type: sched_cls
btf: func_info
maps: jt=prog_array(4,4,1), a=array(4,8,1)
desc: a for_each callback calls a subprogram that calls one doing a tail call
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(a) ll
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 0
    exit
cb:
    r1 = *(u64 *)(r4 + 0)
    call mid
    r0 = 0
    exit
mid:
    call sub
    r0 = 0
    exit
sub:
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_callback_frames/tail_call_before_plain_callback_chain
type: sched_cls
btf: func_info
maps: jt=prog_array(4,4,1)
desc: main first calls a subprogram that tail calls, then bpf_loop with a callback calling a subprogram without tail calls (check_max_stack_depth's flag is sticky: still refused)
    r6 = r1
    call tc
    r1 = 1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
tc:
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit
cb:
    call plain
    r0 = 0
    exit
plain:
    r0 = 0
    exit

=== selftests_callback_frames/plain_callback_chain_then_tail_call
type: sched_cls
btf: func_info
maps: jt=prog_array(4,4,1)
desc: the same calls in the other order: the callback's chain is walked before any tail call is seen
    r6 = r1
    r1 = 1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r1 = r6
    call tc
    r0 = 0
    exit
tc:
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit
cb:
    call plain
    r0 = 0
    exit
plain:
    r0 = 0
    exit
