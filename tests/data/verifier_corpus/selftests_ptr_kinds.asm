# Theme: which pointer kinds allow arithmetic and what is left of them after it (the switch of
# adjust_ptr_min_max_vals(); the kernel's selftests verifier_value_ptr_arith.c, user_ringbuf_fail.c
# and verifier_flow_dissector-style cases give the ideas; written afresh): a callback's const dynptr
# and a callback pointer moved and then used, map pointers plus or minus a known 0, flow keys and
# tracepoint buffers moved by unknown amounts, socket pointers, pointer differences.

=== selftests_ptr_kinds/const_dynptr_moved_read
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the drain callback's dynptr pointer moved by 8 and handed to bpf_dynptr_read
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r1 += 8
    r3 = r1
    r1 = r10
    r1 += -8
    r2 = 4
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit

=== selftests_ptr_kinds/const_dynptr_moved_back
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the drain callback's dynptr pointer moved by 8 and back by 8, then read from
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r1 += 8
    r1 += -8
    r3 = r1
    r1 = r10
    r1 += -8
    r2 = 4
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit

=== selftests_ptr_kinds/const_dynptr_var_moved
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the drain callback's dynptr pointer moved by an unknown scalar, then handed to bpf_dynptr_size
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r6 = r1
    call bpf_get_prandom_u32
    r6 += r0
    r1 = r6
    call kfunc(bpf_dynptr_size)
    r0 = 0
    exit

=== selftests_ptr_kinds/func_ptr_moved
type: sched_cls
btf: func_info
desc: a callback pointer moved by 8 before bpf_loop
    r1 = 1
    r2 = func(cb) ll
    r2 += 8
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== selftests_ptr_kinds/func_ptr_moved_back
type: sched_cls
btf: func_info
desc: a callback pointer moved by 8 and back before bpf_loop
    r1 = 1
    r2 = func(cb) ll
    r2 += 8
    r2 += -8
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== selftests_ptr_kinds/func_ptr_read
type: sched_cls
btf: func_info
desc: a load through a callback pointer
    r2 = func(cb) ll
    r0 = *(u64 *)(r2 + 0)
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== selftests_ptr_kinds/map_ptr_plus_zero
type: sched_cls
maps: m=array(4,8,1)
desc: a map pointer plus a known 0, then used for a lookup
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    r3 = 0
    r1 += r3
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_ptr_kinds/map_ptr_minus_zero
type: sched_cls
maps: m=array(4,8,1)
desc: a map pointer minus a known 0
    r1 = map_fd(m) ll
    r3 = 0
    r1 -= r3
    r0 = 0
    exit

=== selftests_ptr_kinds/map_ptr_plus_eight
type: sched_cls
maps: m=array(4,8,1)
desc: a map pointer plus 8
    r1 = map_fd(m) ll
    r1 += 8
    r0 = 0
    exit

=== selftests_ptr_kinds/flow_keys_plus_known
type: flow_dissector
desc: the flow keys pointer moved by a known 4, then read
    r1 = *(u64 *)(r1 + 144)
    r1 += 4
    r0 = *(u16 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_ptr_kinds/flow_keys_plus_unknown
type: flow_dissector
desc: the flow keys pointer moved by an unknown bounded scalar
    r6 = *(u64 *)(r1 + 144)
    call bpf_get_prandom_u32
    r0 &= 7
    r6 += r0
    r0 = 0
    exit

=== selftests_ptr_kinds/tp_buffer_plus_unknown
type: raw_tracepoint_writable
attach_btf: btf_trace_nbd_send_request
desc: the writable tracepoint buffer moved by an unknown bounded scalar and read
    r6 = *(u64 *)(r1 + 0)
    call bpf_get_prandom_u32
    r0 &= 7
    r6 += r0
    r0 = *(u8 *)(r6 + 0)
    r0 = 0
    exit

=== selftests_ptr_kinds/sock_plus_zero
type: sched_cls
desc: a socket from the skb plus a known 0
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    r2 = 0
    r1 += r2
out:
    r0 = 0
    exit

=== selftests_ptr_kinds/ctx_minus_ctx
type: sched_cls
desc: the context minus itself
    r2 = r1
    r1 -= r2
    r0 = r1
    exit

=== selftests_ptr_kinds/stack_minus_stack
type: sched_cls
desc: two stack pointers subtracted and the difference used as a stack offset
    r1 = r10
    r1 += -8
    r2 = r10
    r2 += -16
    r1 -= r2
    r3 = r10
    r3 += -16
    r3 += r1
    r4 = 0
    *(u64 *)(r3 + 0) = r4
    r0 = 0
    exit

=== selftests_ptr_kinds/map_value_minus_map_value
type: sched_cls
maps: m=array(4,16,1)
desc: the difference of two map value pointers used to move a third
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r7 = r0
    r7 += 8
    r7 -= r6
    r6 += r7
    r0 = *(u64 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_ptr_kinds/pkt_end_minus_pkt
type: sched_cls
desc: data_end minus data (a pointer difference), used as a bounded length
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r3 -= r2
    r0 = r3
    exit

=== selftests_ptr_kinds/pkt_end_plus_one
type: sched_cls
desc: data_end plus 1
    r3 = *(u32 *)(r1 + 80)
    r3 += 1
    r0 = 0
    exit
