# Theme: misuse of the helpers' dynptrs, on the themes of the kernel's selftests progs/dynptr_fail.c and
# user_ringbuf_fail.c (written afresh; dynptr.asm and dynptr_pkt.asm hold the basic cases): clones that
# share the ring-buffer reference, states that must not be pruned into each other, stack writes over
# dynptr slots, dynptrs handed to helpers as plain memory, dynptrs across subprogram and callback
# frames, and the read-only dynptr bpf_user_ringbuf_drain hands its callback.

=== selftests_dynptr_fail/clone_submit_through_clone
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a clone of a ring-buffer dynptr shares its reference: submitting the clone releases both
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = r10
    r2 += -32
    call kfunc(bpf_dynptr_clone)
    r1 = r10
    r1 += -32
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/clone_original_used_after_clone_submit
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: once the clone is submitted the original is invalid too: reading from it is refused
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = r10
    r2 += -32
    call kfunc(bpf_dynptr_clone)
    r1 = r10
    r1 += -32
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r1 = r10
    r1 += -40
    r2 = 4
    r3 = r10
    r3 += -16
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit

=== selftests_dynptr_fail/clone_slice_after_original_discard
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a slice taken through the clone dies with the reference when the original is discarded
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = r10
    r2 += -32
    call kfunc(bpf_dynptr_clone)
    r1 = r10
    r1 += -32
    r2 = 0
    r3 = 8
    call bpf_dynptr_data
    r6 = r0
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_discard_dynptr
    if r6 == 0 goto out
    r0 = *(u64 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_dynptr_fail/clone_slot_overwritten
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: the clone of a referenced dynptr is referenced too: a store over its slots is refused
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = r10
    r2 += -32
    call kfunc(bpf_dynptr_clone)
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/clone_onto_referenced
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: cloning onto the slots of another live ring-buffer dynptr is refused
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
    r4 += -32
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = r10
    r2 += -32
    call kfunc(bpf_dynptr_clone)
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/adjust_then_submit
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: an adjusted ring-buffer dynptr keeps its reference and is submitted
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = 4
    r3 = 8
    call kfunc(bpf_dynptr_adjust)
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/overlapping_reserve
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a second reserve into slots that overlap a live ring-buffer dynptr
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
    r4 += -24
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -24
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/local_over_local
type: sched_cls
maps: m=array(4,16,1)
desc: a local dynptr re-created over the second half of another: the first becomes invalid, the second is fine
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
    r1 = r6
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -40
    r2 = 4
    r3 = r10
    r3 += -24
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
out:
    r0 = 0
    exit

=== selftests_dynptr_fail/local_first_half_dead
type: sched_cls
maps: m=array(4,16,1)
desc: after a local dynptr is re-created over its second half, the first dynptr's remains are refused
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
    r1 = r6
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -40
    r2 = 4
    r3 = r10
    r3 += -32
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
out:
    r0 = 0
    exit

=== selftests_dynptr_fail/prune_local_vs_spilled_zeros
type: sched_cls
maps: m=array(4,16,1)
desc: one path makes a local dynptr, the other stores zeros there; after the join the slots are read as a dynptr
flags: test_state_freq
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    if r0 > 5 goto zeros
    r1 = r6
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
    goto join
zeros:
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
join:
    r1 = r10
    r1 += -40
    r2 = 4
    r3 = r10
    r3 += -32
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
out:
    r0 = 0
    exit

=== selftests_dynptr_fail/prune_ringbuf_vs_local
type: sched_cls
maps: rb=ringbuf(0,0,4096), m=array(4,16,1)
desc: a ring-buffer dynptr on one path, a local one on the other, then submitted: the local path has no reference
flags: test_state_freq
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    if r0 > 5 goto local
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_ringbuf_reserve_dynptr
    goto join
local:
    r1 = r6
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
join:
    r1 = r10
    r1 += -32
    r2 = 0
    call bpf_ringbuf_submit_dynptr
out:
    r0 = 0
    exit

=== selftests_dynptr_fail/var_off_store_over_local
type: sched_cls
maps: m=array(4,16,1)
desc: a variable-offset stack store that may land on a local dynptr's slots, then the dynptr is used
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
    call bpf_get_prandom_u32
    r0 &= 8
    r0 += -32
    r1 = r10
    r1 += r0
    r2 = 0
    *(u64 *)(r1 + 0) = r2
    r1 = r10
    r1 += -40
    r2 = 4
    r3 = r10
    r3 += -32
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
out:
    r0 = 0
    exit

=== selftests_dynptr_fail/var_off_store_over_ringbuf
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: a variable-offset stack store that may land on a referenced dynptr's slots
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_ringbuf_reserve_dynptr
    call bpf_get_prandom_u32
    r0 &= 8
    r0 += -32
    r1 = r10
    r1 += r0
    r2 = 0
    *(u64 *)(r1 + 0) = r2
    r1 = r10
    r1 += -32
    r2 = 0
    call bpf_ringbuf_discard_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/probe_read_into_dynptr
type: kprobe
maps: m=array(4,16,1)
desc: bpf_probe_read_kernel writing into a local dynptr's slots
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -32
    r2 = 8
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_dynptr_fail/dynptr_as_update_value
type: sched_cls
maps: m=array(4,16,1)
desc: the 16 bytes of a local dynptr handed to bpf_map_update_elem as the value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -32
    r4 = 0
    call bpf_map_update_elem
out:
    r0 = 0
    exit

=== selftests_dynptr_fail/from_mem_stack
type: sched_cls
desc: a local dynptr over initialised stack memory
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -40
    r2 = 4
    r3 = r10
    r3 += -32
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit

=== selftests_dynptr_fail/from_mem_ctx
type: sched_cls
desc: a local dynptr over the context is refused
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
    r0 = 0
    exit

=== selftests_dynptr_fail/from_mem_rdonly_map
type: sched_cls
maps: m=array(4,16,1,rdonly_prog)
desc: a local dynptr over the value of a map the program may only read
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
out:
    r0 = 0
    exit

=== selftests_dynptr_fail/from_mem_too_long
type: sched_cls
maps: m=array(4,16,1)
desc: a local dynptr longer than the map value it covers
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 24
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
out:
    r0 = 0
    exit

=== selftests_dynptr_fail/data_var_len
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: bpf_dynptr_data with a length that is not a constant
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    call bpf_get_prandom_u32
    r0 &= 7
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r0
    call bpf_dynptr_data
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/data_slice_write_past
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: writing one byte past an 8-byte slice of a ring-buffer dynptr
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 8
    call bpf_dynptr_data
    if r0 == 0 goto submit
    r1 = 1
    *(u8 *)(r0 + 8) = r1
submit:
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/data_slice_in_bounds
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: writing the last byte of an 8-byte slice of a ring-buffer dynptr
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 8
    call bpf_dynptr_data
    if r0 == 0 goto submit
    r1 = 1
    *(u8 *)(r0 + 7) = r1
submit:
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/subprog_submits
type: sched_cls
maps: rb=ringbuf(0,0,4096)
btf: func_info
desc: a static subprogram submits the caller's dynptr; the caller then reads from it
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    call release
    r1 = r10
    r1 += -24
    r2 = 4
    r3 = r10
    r3 += -16
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit
release:
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/subprog_submits_ok
type: sched_cls
maps: rb=ringbuf(0,0,4096)
btf: func_info
desc: a static subprogram submits the caller's dynptr, which the caller does not touch again
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    call release
    r0 = 0
    exit
release:
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/subprog_leaks
type: sched_cls
maps: rb=ringbuf(0,0,4096)
btf: func_info
desc: a static subprogram reserves into its own frame and returns without submitting
    call reserve
    r0 = 0
    exit
reserve:
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/subprog_reserves_into_caller
type: sched_cls
maps: rb=ringbuf(0,0,4096)
btf: func_info
desc: a static subprogram reserves into the caller's stack; the caller submits
    r1 = r10
    r1 += -16
    call reserve
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit
reserve:
    r4 = r1
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/callback_submits_parent_dynptr
type: sched_cls
maps: rb=ringbuf(0,0,4096)
btf: func_info
desc: a bpf_loop callback submits the dynptr its caller reserved (the reference is the caller's)
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = r2
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/callback_reads_parent_dynptr
type: sched_cls
maps: rb=ringbuf(0,0,4096)
btf: func_info
desc: a bpf_loop callback reads from the caller's dynptr; the caller submits it afterwards
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = 2
    r2 = func(cb) ll
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_loop
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit
cb:
    r3 = r2
    r1 = r10
    r1 += -8
    r2 = 4
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit

=== selftests_dynptr_fail/callback_leaks
type: sched_cls
maps: rb=ringbuf(0,0,4096)
btf: func_info
desc: a bpf_loop callback reserves a dynptr in its own frame and never submits it
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/user_rb_read
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the drain callback reads 4 bytes from the sample's dynptr
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r3 = r1
    r1 = r10
    r1 += -8
    r2 = 4
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit

=== selftests_dynptr_fail/user_rb_write
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the drain callback writes into the sample's read-only dynptr
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r2 = 0
    *(u64 *)(r10 - 8) = r2
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 4
    r5 = 0
    call bpf_dynptr_write
    r0 = 0
    exit

=== selftests_dynptr_fail/user_rb_slice_write
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the drain callback writes through a bpf_dynptr_data slice of the read-only sample
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r2 = 0
    r3 = 8
    call bpf_dynptr_data
    if r0 == 0 goto out
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_dynptr_fail/user_rb_slice_read
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the drain callback reads through a bpf_dynptr_data slice of the sample
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r2 = 0
    r3 = 8
    call bpf_dynptr_data
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_dynptr_fail/user_rb_submit
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the drain callback tries to submit the sample's dynptr as a ring-buffer record
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = 0
    exit

=== selftests_dynptr_fail/user_rb_store_to_dynptr
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the drain callback stores through its dynptr pointer
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r2 = 0
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_dynptr_fail/user_rb_read_dynptr_bytes
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the drain callback reads the dynptr's own bytes
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_dynptr_fail/user_rb_dynptr_leaked_to_ctx
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the drain callback saves its dynptr pointer in the caller's stack through ctx
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    *(u64 *)(r2 + 0) = r1
    r0 = 0
    exit

=== selftests_dynptr_fail/user_rb_clone
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the drain callback clones the sample's dynptr into its own stack and reads through the clone
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r2 = r10
    r2 += -16
    call kfunc(bpf_dynptr_clone)
    r1 = r10
    r1 += -24
    r2 = 4
    r3 = r10
    r3 += -16
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit

=== selftests_dynptr_fail/user_rb_adjust
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the drain callback adjusts its const dynptr
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r2 = 0
    r3 = 4
    call kfunc(bpf_dynptr_adjust)
    r0 = 0
    exit

=== selftests_dynptr_fail/user_rb_ret_2
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the drain callback returns 2 (callbacks of bpf_user_ringbuf_drain return 0 or 1)
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r0 = 2
    exit

=== selftests_dynptr_fail/user_rb_drain_on_ringbuf
type: sched_cls
maps: u=ringbuf(0,0,4096)
btf: func_info
desc: bpf_user_ringbuf_drain on a ring buffer map (not a user ring buffer)
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== selftests_dynptr_fail/user_rb_dynptr_used_after_drain
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the callback's dynptr pointer saved in the caller's stack is data, not a dynptr, once the drain returns
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_user_ringbuf_drain
    r3 = *(u64 *)(r10 - 8)
    r1 = r10
    r1 += -16
    r2 = 4
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit
cb:
    *(u64 *)(r2 + 0) = r1
    r0 = 0
    exit

=== selftests_dynptr_fail/user_rb_dynptr_spilled_in_callback
type: sched_cls
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the callback spills its dynptr pointer to its own stack and reads it back to use it
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    *(u64 *)(r10 - 8) = r1
    r3 = *(u64 *)(r10 - 8)
    r1 = r10
    r1 += -16
    r2 = 4
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit
