# Theme: maps whose elements a program may not reach through the generic map helpers, as the
# kernel's verifier_prevent_map_lookup selftests probe them, written afresh: a prog array, a perf
# event array, a ring buffer, a queue and a stack refuse bpf_map_lookup_elem and its siblings
# (check_map_func_compatibility: "cannot pass map_type N into func NAME"), while the helpers each
# map type does allow are accepted.

=== selftests_prevent_map_lookup/lookup_prog_array
type: socket_filter
maps: pa=prog_array(4,4,8)
desc: bpf_map_lookup_elem on a prog array
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(pa) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_prevent_map_lookup/update_prog_array
type: socket_filter
maps: pa=prog_array(4,4,8)
desc: bpf_map_update_elem on a prog array, from the program side
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -8
    r4 = 0
    r1 = map_fd(pa) ll
    call bpf_map_update_elem
    r0 = 0
    exit

=== selftests_prevent_map_lookup/delete_prog_array
type: sched_cls
maps: pa=prog_array(4,4,8)
desc: bpf_map_delete_elem on a prog array
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(pa) ll
    call bpf_map_delete_elem
    r0 = 0
    exit

=== selftests_prevent_map_lookup/lookup_perf_event_array
type: sched_cls
maps: pe=perf_event_array(4,4,4)
desc: bpf_map_lookup_elem on a perf event array
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(pe) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_prevent_map_lookup/lookup_ringbuf
type: xdp
maps: rb=ringbuf(0,0,4096)
desc: bpf_map_lookup_elem on a ring buffer: its key size of 0 makes the key argument a zero-sized read
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(rb) ll
    call bpf_map_lookup_elem
    r0 = 2
    exit

=== selftests_prevent_map_lookup/lookup_queue
type: xdp
maps: q=queue(0,8,4)
desc: bpf_map_lookup_elem on a queue, which has no keys: a zero-sized key read
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(q) ll
    call bpf_map_lookup_elem
    r0 = 2
    exit

=== selftests_prevent_map_lookup/peek_queue_ok
type: xdp
maps: q=queue(0,8,4)
desc: bpf_map_peek_elem is how a queue is read
    r2 = r10
    r2 += -8
    r1 = map_fd(q) ll
    call bpf_map_peek_elem
    r0 = 2
    exit

=== selftests_prevent_map_lookup/pop_stack_ok
type: xdp
maps: s=stack(0,8,4)
desc: bpf_map_pop_elem on a stack map
    r2 = r10
    r2 += -8
    r1 = map_fd(s) ll
    call bpf_map_pop_elem
    r0 = 2
    exit

=== selftests_prevent_map_lookup/peek_hash
type: xdp
maps: h=hash(4,8,4)
desc: bpf_map_peek_elem on a hash map
    r2 = r10
    r2 += -8
    r1 = map_fd(h) ll
    call bpf_map_peek_elem
    r0 = 2
    exit

=== selftests_prevent_map_lookup/push_array
type: xdp
maps: a=array(4,8,4)
desc: bpf_map_push_elem on an array
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r3 = 0
    r1 = map_fd(a) ll
    call bpf_map_push_elem
    r0 = 2
    exit

=== selftests_prevent_map_lookup/lookup_on_branch
type: sched_cls
maps: pa=prog_array(4,4,8), h=hash(4,8,4)
desc: one branch looks up a hash map, the other the prog array: the second path is refused
    r6 = *(u32 *)(r1 + 8)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(h) ll
    if r6 == 0 goto lookup
    r1 = map_fd(pa) ll
lookup:
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_prevent_map_lookup/tail_call_hash
type: sched_cls
maps: h=hash(4,4,4)
desc: a hash map where bpf_tail_call wants a prog array
    r2 = map_fd(h) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit
