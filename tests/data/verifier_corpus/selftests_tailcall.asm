# Theme: tail calls as the kernel's verifier_tailcall selftests probe them, written afresh: the
# map must be a prog array (check_map_func_compatibility), r1 must be the ctx, the index a
# scalar; a tail call from a subprogram, and what the fall-through path may still use.

=== selftests_tailcall/ok_const_index
type: sched_cls
maps: pa=prog_array(4,4,4)
desc: a tail call with a constant index, falling through to return 0
    r2 = map_fd(pa) ll
    r3 = 1
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_tailcall/index_from_ctx
type: sched_cls
maps: pa=prog_array(4,4,4)
desc: a tail call with an index read from the ctx
    r3 = *(u32 *)(r1 + 8)
    r2 = map_fd(pa) ll
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_tailcall/index_pointer
type: sched_cls
maps: pa=prog_array(4,4,4)
desc: a pointer as the tail call's index
    r3 = r10
    r2 = map_fd(pa) ll
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_tailcall/r0_after_tail_call
type: sched_cls
maps: pa=prog_array(4,4,4)
desc: r0 read right after a failed tail call
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    exit

=== selftests_tailcall/r6_kept_after_tail_call
type: sched_cls
maps: pa=prog_array(4,4,4)
desc: r6 survives a failed tail call
    r6 = 0
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = r6
    exit

=== selftests_tailcall/ctx_in_r1_moved
type: sched_cls
maps: pa=prog_array(4,4,4)
desc: the ctx moved by 4 as the tail call's r1
    r1 += 4
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_tailcall/from_subprog
type: sched_cls
btf: func_info
maps: pa=prog_array(4,4,4)
desc: a tail call from a bpf-to-bpf subprogram
    call f
    r0 = 0
    exit
f:
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_tailcall/xdp_tail_call
maps: pa=prog_array(4,4,4)
desc: a tail call in XDP
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = 2
    exit

=== selftests_tailcall/wrong_map_array
type: sched_cls
maps: a=array(4,4,4)
desc: a tail call through an ordinary array
    r2 = map_fd(a) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_tailcall/prog_array_lookup
type: sched_cls
maps: pa=prog_array(4,4,4)
desc: bpf_map_lookup_elem on a prog array
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(pa) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_tailcall/prog_array_update
type: sched_cls
maps: pa=prog_array(4,4,4)
desc: bpf_map_update_elem on a prog array
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    *(u32 *)(r10 - 8) = r1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -8
    r1 = map_fd(pa) ll
    r4 = 0
    call bpf_map_update_elem
    r0 = 0
    exit

=== selftests_tailcall/stack_kept_after_tail_call
type: sched_cls
maps: pa=prog_array(4,4,4)
desc: the stack survives a failed tail call
    r2 = 4
    *(u64 *)(r10 - 8) = r2
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = *(u64 *)(r10 - 8)
    exit
