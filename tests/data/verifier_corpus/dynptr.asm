# Theme: dynptrs of the helpers: ring-buffer dynptrs (bpf_ringbuf_reserve_dynptr, a reference to
# submit or discard), local dynptrs over map values (bpf_dynptr_from_mem), reads, writes, slices
# (bpf_dynptr_data), and the stack slots they occupy.

=== dynptr/rb_submit
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a ring-buffer dynptr reserved and submitted
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== dynptr/rb_discard
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a ring-buffer dynptr reserved and discarded
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_discard_dynptr
    r0 = 0
    exit

=== dynptr/rb_leak
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a ring-buffer dynptr holds a reference: never submitted, it leaks
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r0 = 0
    exit

=== dynptr/rb_submit_twice
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: the second submit has no reference left
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== dynptr/rb_overwrite
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a store over a referenced dynptr
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = 0
    *(u64 *)(r10 -16) = r1
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== dynptr/rb_partial_write
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a narrow store into the second half of a referenced dynptr
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = 0
    *(u32 *)(r10 -12) = r1
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== dynptr/rb_read_slot
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a dynptr's bytes cannot be loaded
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r0 = *(u64 *)(r10 -16)
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== dynptr/rb_misaligned
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a dynptr must be 8-byte aligned on the stack
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -12
    call bpf_ringbuf_reserve_dynptr
    r0 = 0
    exit

=== dynptr/rb_reinit
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a referenced dynptr cannot be reinitialised
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== dynptr/rb_data
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: bpf_dynptr_data: a slice of the record, NULL-checked and written
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 8
    call bpf_dynptr_data
    if r0 == 0 goto +2
    r1 = 1
    *(u64 *)(r0 + 0) = r1
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== dynptr/rb_data_past
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a slice is as big as asked for
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 8
    call bpf_dynptr_data
    if r0 == 0 goto +2
    r1 = 1
    *(u64 *)(r0 + 4) = r1
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== dynptr/rb_data_after_submit
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: the slice dies with the record
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 8
    call bpf_dynptr_data
    r6 = r0
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    if r6 == 0 goto +2
    r1 = 1
    *(u64 *)(r6 + 0) = r1
    r0 = 0
    exit

=== dynptr/rb_var_size
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: the reserved size of a dynptr need not be constant
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = *(u32 *)(r6 + 0)
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== dynptr/rb_pass_ptr_not_stack
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a dynptr argument is a stack pointer
    r6 = r1
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = 0
    call bpf_ringbuf_reserve_dynptr
    r0 = 0
    exit

=== dynptr/l_from_mem
type: sched_cls
maps: arr=array(4,8,4)
desc: a local dynptr over a map value
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
out:
    r0 = 0
    exit

=== dynptr/l_read
type: sched_cls
maps: arr=array(4,8,4)
desc: bpf_dynptr_read from a local dynptr
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -40
    r2 = 8
    r3 = r10
    r3 += -24
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
out:
    r0 = 0
    exit

=== dynptr/l_read_into_dynptr
type: sched_cls
maps: arr=array(4,8,4)
desc: a helper may not write over a dynptr
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    r2 = 8
    r3 = r10
    r3 += -24
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
out:
    r0 = 0
    exit

=== dynptr/l_overwrite_then_read
type: sched_cls
maps: arr=array(4,8,4)
desc: a store over a local dynptr destroys it
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = 0
    *(u64 *)(r10 -16) = r1
    r1 = r10
    r1 += -40
    r2 = 8
    r3 = r10
    r3 += -24
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
out:
    r0 = 0
    exit

=== dynptr/l_overwrite_ok
type: sched_cls
maps: arr=array(4,8,4)
desc: overwriting a local dynptr is allowed
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = 0
    *(u64 *)(r10 -24) = r1
out:
    r0 = 0
    exit

=== dynptr/l_submit
type: sched_cls
maps: arr=array(4,8,4)
desc: a local dynptr is not a ring-buffer one
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    r2 = 0
    call bpf_ringbuf_submit_dynptr
out:
    r0 = 0
    exit

=== dynptr/l_as_key
type: sched_cls
maps: arr=array(4,8,4)
desc: a dynptr is not a map key
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = map_fd(arr) ll
    r2 = r10
    r2 += -24
    call bpf_map_lookup_elem
out:
    r0 = 0
    exit

=== dynptr/local_from_mem
type: sched_cls
desc: bpf_dynptr_from_mem takes a map value, not stack
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -32) = r1
    *(u64 *)(r10 -24) = r1
    r1 = r10
    r1 += -32
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r0 = 0
    exit

=== dynptr/read_uninit
type: sched_cls
desc: bpf_dynptr_read of an uninitialised dynptr
    r6 = r1
    r1 = r10
    r1 += -40
    r2 = 8
    r3 = r10
    r3 += -16
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit
