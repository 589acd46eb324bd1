# Disagreements scripts/fuzz_verifier.py found between pybpf and Linux 6.18 in session 21 (the shapes
# of tests/verifier/shape_generator.py, seeds 400000 and up), each minimised by hand and fixed in
# pybpf; the shape and seed that found it are in the desc.

=== fuzz_s21/push_elem_ringbuf_zero_sized_value
type: xdp
maps: rb=ringbuf(0,0,4096)
desc: map_helpers:400000 -- bpf_map_push_elem on a ring buffer: its value argument has the map's value_size, 0, so check_func_arg refuses it as an invalid zero-sized read (EACCES) before check_map_func_compatibility sees the map type (pybpf skipped the empty value and answered EINVAL "cannot pass map_type 27")
    *(u64 *)(r10 -8) = 0
    r1 = map_fd(rb) ll
    r2 = r10
    r2 += -8
    r3 = 0
    call bpf_map_push_elem
    r0 = 2
    exit

=== fuzz_s21/update_elem_ringbuf_null_value
type: xdp
maps: rb=ringbuf(0,0,4096)
desc: bpf_map_update_elem's value on a ring buffer (no keys, no values): the key is the zero-sized read, the first argument checked
    *(u64 *)(r10 -8) = 0
    r1 = map_fd(rb) ll
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_map_update_elem
    r0 = 2
    exit

=== fuzz_s21/pop_elem_queue_value_uninit
type: xdp
maps: q=queue(0,8,4)
desc: bpf_map_pop_elem writes the queue's 8-byte value into stack nobody wrote (ARG_PTR_TO_UNINIT_MAP_VALUE): then the slot reads as data
    r1 = map_fd(q) ll
    r2 = r10
    r2 += -8
    call bpf_map_pop_elem
    r0 = *(u64 *)(r10 -8)
    r0 = 2
    exit

=== fuzz_s21/dynptr_clone_released_read_by_helper
type: xdp
maps: rb=ringbuf(0,0,4096) hmap=hash(4,16,8)
desc: dynptrs:400024 -- a ring-buffer dynptr and its clone: submitting the dynptr invalidates the clone too (unmark_stack_slots_dynptr's invalidate_dynptr() of every slot sharing the reference), so its bytes are STACK_INVALID and a helper may read them (uninit stack allowed with CAP_PERFMON); pybpf left the clone's bytes STACK_DYNPTR: "invalid read from stack"
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -24
    r2 = r10
    r2 += -40
    call kfunc(bpf_dynptr_clone)
    r1 = r10
    r1 += -24
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    *(u32 *)(r10 -4) = 0
    r1 = map_fd(hmap) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -40
    r4 = 0
    call bpf_map_update_elem
    r0 = 2
    exit

=== fuzz_s21/dynptr_clone_released_loaded
type: xdp
maps: rb=ringbuf(0,0,4096)
desc: the released clone's first byte loaded directly: STACK_INVALID reads as an unknown scalar (pybpf: a dynptr byte, refused)
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -24
    r2 = r10
    r2 += -40
    call kfunc(bpf_dynptr_clone)
    r1 = r10
    r1 += -24
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = *(u8 *)(r10 -40)
    r0 = 2
    exit

=== fuzz_s21/dynptr_clone_released_used
type: xdp
maps: rb=ringbuf(0,0,4096)
desc: the released clone used as a dynptr again: refused (the invalidated slots hold no dynptr)
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -24
    r2 = r10
    r2 += -40
    call kfunc(bpf_dynptr_clone)
    r1 = r10
    r1 += -24
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r1 = r10
    r1 += -40
    call kfunc(bpf_dynptr_size)
    r0 = 2
    exit
