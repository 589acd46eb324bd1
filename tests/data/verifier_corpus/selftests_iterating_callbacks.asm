# Theme: synchronous callbacks as the kernel's verifier_iterating_callbacks and bpf_loop /
# bpf_for_each_map_elem selftests probe them, written afresh: the callback's argument types
# (set_loop_callback_state, set_map_elem_callback_state), its return range [0, 1], the caller's
# stack reached through the ctx argument, state the callback changes on a later iteration
# (the callback is re-verified until its states converge), flags that must be 0, and callbacks
# that are not subprograms.

=== selftests_iterating_callbacks/loop_ctx_stack_write
btf: func_info
desc: the callback writes the caller's stack through its ctx argument
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = 4
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r0 = *(u64 *)(r10 - 8)
    r0 = 2
    exit
cb:
    r1 = 7
    *(u64 *)(r2 + 0) = r1
    r0 = 0
    exit

=== selftests_iterating_callbacks/loop_ctx_past_stack
btf: func_info
desc: the callback writes past the 8 bytes its ctx points at (the caller's frame top)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = 4
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r0 = 2
    exit
cb:
    r1 = 7
    *(u64 *)(r2 + 8) = r1
    r0 = 0
    exit

=== selftests_iterating_callbacks/loop_index_bounded_by_u32
btf: func_info
desc: the index is a u32: used as an offset into a 16-byte map value it is too large
maps: m=array(4,16,1)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r10 - 16) = r0
    r1 = 4
    r2 = func(cb) ll
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_loop
out:
    r0 = 2
    exit
cb:
    r3 = *(u64 *)(r2 + 0)
    r3 += r1
    r0 = *(u8 *)(r3 + 0)
    r0 = 0
    exit

=== selftests_iterating_callbacks/loop_index_masked
btf: func_info
desc: the index masked to 0..15 reads within a 16-byte map value
maps: m=array(4,16,1)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r10 - 16) = r0
    r1 = 4
    r2 = func(cb) ll
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_loop
out:
    r0 = 2
    exit
cb:
    r3 = *(u64 *)(r2 + 0)
    r1 &= 15
    r3 += r1
    r0 = *(u8 *)(r3 + 0)
    r0 = 0
    exit

=== selftests_iterating_callbacks/loop_state_grows
btf: func_info
desc: each round adds 4 to a stack counter used as an index: a later round overruns the value
maps: m=array(4,16,1)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = 0
    *(u32 *)(r10 - 12) = r1
    r2 = r10
    r2 += -12
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r10 - 24) = r0
    r1 = 10
    r2 = func(cb) ll
    r3 = r10
    r3 += -24
    r4 = 0
    call bpf_loop
out:
    r0 = 2
    exit
cb:
    r3 = *(u64 *)(r2 + 16)
    r4 = *(u64 *)(r2 + 0)
    r4 += r3
    r0 = *(u32 *)(r4 + 0)
    r3 += 4
    *(u64 *)(r2 + 16) = r3
    r0 = 0
    exit

=== selftests_iterating_callbacks/loop_flags_nonzero
btf: func_info
desc: bpf_loop flags 1: not a verifier matter (the helper returns -EINVAL at run time)
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 1
    call bpf_loop
    r0 = 2
    exit
cb:
    r0 = 0
    exit

=== selftests_iterating_callbacks/loop_flags_unknown
btf: func_info
desc: bpf_loop flags from the ctx
    r4 = *(u32 *)(r1 + 12)
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    call bpf_loop
    r0 = 2
    exit
cb:
    r0 = 0
    exit

=== selftests_iterating_callbacks/loop_callback_scalar
btf: func_info
desc: a scalar where the callback should be
    r1 = 4
    r2 = 0
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 2
    exit

=== selftests_iterating_callbacks/loop_ret_unknown
btf: func_info
desc: a callback returning an unknown scalar
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 2
    exit
cb:
    call bpf_get_prandom_u32
    exit

=== selftests_iterating_callbacks/loop_ret_one
btf: func_info
desc: a callback returning 1 stops the loop
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 2
    exit
cb:
    r0 = 1
    exit

=== selftests_iterating_callbacks/loop_ret_masked
btf: func_info
desc: a callback returning prandom & 1
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 2
    exit
cb:
    call bpf_get_prandom_u32
    r0 &= 1
    exit

=== selftests_iterating_callbacks/loop_ret_pointer
btf: func_info
desc: a callback returning its ctx pointer
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 2
    exit
cb:
    r0 = r2
    exit

=== selftests_iterating_callbacks/loop_result_scalar
btf: func_info
desc: bpf_loop's result is the number of rounds: a scalar
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 &= 1
    r0 += 1
    exit
cb:
    r0 = 0
    exit

=== selftests_iterating_callbacks/loop_callee_saved
btf: func_info
desc: r6 survives bpf_loop
    r6 = 2
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = r6
    exit
cb:
    r6 = 9
    r0 = 0
    exit

=== selftests_iterating_callbacks/loop_r1_clobbered
btf: func_info
desc: r1 is clobbered by bpf_loop
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = r1
    exit
cb:
    r0 = 0
    exit

=== selftests_iterating_callbacks/loop_cb_reads_r3
btf: func_info
desc: the bpf_loop callback has only r1 and r2
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 2
    exit
cb:
    r0 = r3
    r0 = 0
    exit

=== selftests_iterating_callbacks/loop_nested
btf: func_info
desc: bpf_loop inside a bpf_loop callback
    r1 = 2
    r2 = func(outer) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 2
    exit
outer:
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

=== selftests_iterating_callbacks/loop_cb_map_lookup
btf: func_info
desc: a callback that looks a map up and NULL-checks it
maps: m=hash(4,8,4)
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 2
    exit
cb:
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto done
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
done:
    r0 = 0
    exit

=== selftests_iterating_callbacks/loop_cb_no_null_check
btf: func_info
desc: a callback reads a looked-up value without the NULL check
maps: m=hash(4,8,4)
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 2
    exit
cb:
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== selftests_iterating_callbacks/for_each_hash
btf: func_info
desc: bpf_for_each_map_elem over a hash map, reading key and value
maps: m=hash(4,8,4)
    r1 = map_fd(m) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 2
    exit
cb:
    r0 = *(u32 *)(r2 + 0)
    r0 = *(u64 *)(r3 + 0)
    r0 = 0
    exit

=== selftests_iterating_callbacks/for_each_key_past
btf: func_info
desc: a for_each callback reads past the 4-byte key
maps: m=hash(4,8,4)
    r1 = map_fd(m) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 2
    exit
cb:
    r0 = *(u64 *)(r2 + 0)
    r0 = 0
    exit

=== selftests_iterating_callbacks/for_each_value_past
btf: func_info
desc: a for_each callback reads past the 8-byte value
maps: m=array(4,8,4)
    r1 = map_fd(m) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 2
    exit
cb:
    r0 = *(u64 *)(r3 + 4)
    r0 = 0
    exit

=== selftests_iterating_callbacks/for_each_value_write
btf: func_info
desc: a for_each callback writes the array value
maps: m=array(4,8,4)
    r1 = map_fd(m) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 2
    exit
cb:
    r1 = 5
    *(u64 *)(r3 + 0) = r1
    r0 = 0
    exit

=== selftests_iterating_callbacks/for_each_key_write
btf: func_info
desc: a for_each callback writes the key
maps: m=array(4,8,4)
    r1 = map_fd(m) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 2
    exit
cb:
    r1 = 5
    *(u32 *)(r2 + 0) = r1
    r0 = 0
    exit

=== selftests_iterating_callbacks/for_each_ringbuf
btf: func_info
desc: bpf_for_each_map_elem over a ring buffer
maps: rb=ringbuf(0,0,4096)
    r1 = map_fd(rb) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 2
    exit
cb:
    r0 = 0
    exit

=== selftests_iterating_callbacks/for_each_percpu_array
btf: func_info
desc: bpf_for_each_map_elem over a per-CPU array
maps: m=percpu_array(4,8,4)
    r1 = map_fd(m) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 2
    exit
cb:
    r0 = *(u64 *)(r3 + 0)
    r0 = 0
    exit

=== selftests_iterating_callbacks/for_each_ctx_stack
btf: func_info
desc: the for_each callback's ctx (r4) is the caller's stack
maps: m=array(4,8,4)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(m) ll
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 2
    exit
cb:
    r0 = *(u64 *)(r3 + 0)
    r1 = *(u64 *)(r4 + 0)
    r1 += r0
    *(u64 *)(r4 + 0) = r1
    r0 = 0
    exit

=== selftests_iterating_callbacks/for_each_ret_two
btf: func_info
desc: a for_each callback returning 2
maps: m=array(4,8,4)
    r1 = map_fd(m) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 2
    exit
cb:
    r0 = 2
    exit

=== selftests_iterating_callbacks/for_each_flags
btf: func_info
desc: bpf_for_each_map_elem with flags 1: refused only at run time
maps: m=array(4,8,4)
    r1 = map_fd(m) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 1
    call bpf_for_each_map_elem
    r0 = 2
    exit
cb:
    r0 = 0
    exit

=== selftests_iterating_callbacks/callback_called_directly
btf: func_info
desc: a callback subprogram also called with a plain bpf-to-bpf call
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r1 = 0
    r2 = 0
    call cb
    r0 = 2
    exit
cb:
    r0 = 0
    exit
