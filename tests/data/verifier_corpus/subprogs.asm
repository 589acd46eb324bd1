# Theme: bpf-to-bpf calls (check_func_call, prepare_func_exit): per-frame state, arguments in r1-r5,
# r6-r9 preserved, r1-r5 clobbered after the call, pointers into the caller's stack, the combined
# stack depth limit of 512 bytes, and stack pointers that must not be returned.

=== subprogs/simple_call
desc: a subprogram returning 7
    call f
    exit
f:
    r0 = 7
    exit

=== subprogs/callee_r0_unset
desc: a subprogram that does not set r0
    call f
    exit
f:
    exit

=== subprogs/arg_passed
desc: an argument in r1
    r1 = 5
    call f
    exit
f:
    r0 = r1
    exit

=== subprogs/arg_uninit
desc: the callee reads r2 the caller never set
    call f
    exit
f:
    r0 = r2
    exit

=== subprogs/r6_preserved
desc: r6 is restored after the call
    r6 = 3
    call f
    r0 = r6
    exit
f:
    r6 = 9
    r0 = 0
    exit

=== subprogs/r1_clobbered
desc: r1 is not readable after a call
    r1 = 3
    call f
    r0 = r1
    exit
f:
    r0 = 0
    exit

=== subprogs/caller_stack_read
desc: the callee reads the caller's stack
    *(u64 *)(r10 - 8) = 42
    r1 = r10
    r1 += -8
    call f
    exit
f:
    r0 = *(u64 *)(r1 + 0)
    exit

=== subprogs/caller_stack_write
desc: the callee writes the caller's stack
    r1 = r10
    r1 += -8
    call f
    r0 = *(u64 *)(r10 - 8)
    exit
f:
    *(u64 *)(r1 + 0) = 1
    r0 = 0
    exit

=== subprogs/caller_stack_past
desc: the callee writes past the caller's frame
    r1 = r10
    r1 += -8
    call f
    r0 = 0
    exit
f:
    *(u64 *)(r1 + 8) = 1
    r0 = 0
    exit

=== subprogs/return_own_stack
desc: a pointer into the callee's own stack returned
    call f
    exit
f:
    r0 = r10
    r0 += -8
    exit

=== subprogs/return_caller_stack
desc: the caller's stack pointer handed back
    r1 = r10
    r1 += -8
    call f
    r0 = 0
    exit
f:
    r0 = r1
    exit

=== subprogs/return_map_value
maps: m=hash(4,8,4)
desc: a map value pointer passed through a subprogram
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    call f
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit
f:
    r0 = r1
    exit

=== subprogs/stack_combined_ok
desc: 256 + 256 bytes
    *(u64 *)(r10 - 256) = 0
    call f
    exit
f:
    *(u64 *)(r10 - 256) = 0
    r0 = 0
    exit

=== subprogs/stack_combined_too_big
desc: 264 + 264 bytes: more than 512
    *(u64 *)(r10 - 264) = 0
    call f
    exit
f:
    *(u64 *)(r10 - 264) = 0
    r0 = 0
    exit

=== subprogs/callee_ctx_access
desc: the callee reads ctx through r1
    call f
    exit
f:
    r0 = *(u32 *)(r1 + 0)
    exit

=== subprogs/callee_map_lookup
maps: m=hash(4,8,4)
desc: a lookup inside a subprogram
    call f
    exit
f:
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto +1
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== subprogs/nested_calls
desc: a call chain of three frames
    call f
    exit
f:
    call g
    r0 += 1
    exit
g:
    r0 = 1
    exit

=== subprogs/callee_bounds_returned
maps: m=hash(4,8,4)
desc: a bounded value returned by a subprogram
    call f
    r6 = r0
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r1 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit
f:
    r0 = *(u32 *)(r1 + 12)
    r0 &= 7
    exit
