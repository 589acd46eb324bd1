# Theme: precision across bpf-to-bpf calls as the kernel's verifier_subprog_precision selftests
# probe it, written afresh: a subprogram's constant or bounded return value used as an offset
# (backtracking through the callee's exit), arguments whose bounds the callee relies on, values
# passed through the caller's stack, and callee-saved registers holding the bounded value.

=== selftests_subprog_precision/const_return_offset
maps: m=array(4,16,1)
desc: a subprogram returning 8 gives the offset into a 16-byte value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call f
    r6 += r0
    r0 = *(u64 *)(r6 + 0)
out:
    r0 = 2
    exit
f:
    r0 = 8
    exit

=== selftests_subprog_precision/const_return_past
maps: m=array(4,16,1)
desc: a subprogram returning 9: an 8-byte read past a 16-byte value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call f
    r6 += r0
    r0 = *(u64 *)(r6 + 0)
out:
    r0 = 2
    exit
f:
    r0 = 9
    exit

=== selftests_subprog_precision/two_returns
maps: m=array(4,16,1)
desc: a subprogram returning 0 or 8 on two paths
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call f
    r6 += r0
    r0 = *(u64 *)(r6 + 0)
out:
    r0 = 2
    exit
f:
    call bpf_get_prandom_u32
    if r0 == 0 goto zero
    r0 = 8
    exit
zero:
    r0 = 0
    exit

=== selftests_subprog_precision/two_returns_one_bad
maps: m=array(4,16,1)
desc: a subprogram returning 0 or 12 on two paths: 12 + 8 is past the value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call f
    r6 += r0
    r0 = *(u64 *)(r6 + 0)
out:
    r0 = 2
    exit
f:
    call bpf_get_prandom_u32
    if r0 == 0 goto zero
    r0 = 12
    exit
zero:
    r0 = 0
    exit

=== selftests_subprog_precision/arg_masked_in_callee
maps: m=array(4,16,1)
desc: the callee masks its argument and returns it
    r6 = *(u32 *)(r1 + 12)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r6
    call f
    r7 += r0
    r0 = *(u64 *)(r7 + 0)
out:
    r0 = 2
    exit
f:
    r0 = r1
    r0 &= 8
    exit

=== selftests_subprog_precision/arg_unmasked_in_callee
maps: m=array(4,16,1)
desc: the callee returns its argument unmasked
    r6 = *(u32 *)(r1 + 12)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r6
    call f
    r7 += r0
    r0 = *(u64 *)(r7 + 0)
out:
    r0 = 2
    exit
f:
    r0 = r1
    exit

=== selftests_subprog_precision/callee_uses_arg_as_offset
maps: m=array(4,16,1)
desc: the callee uses the caller's constant argument as an offset into the value it gets
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 8
    call f
out:
    r0 = 2
    exit
f:
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_subprog_precision/callee_uses_arg_past
maps: m=array(4,16,1)
desc: the caller passes 12: the callee's 8-byte read overruns
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 12
    call f
out:
    r0 = 2
    exit
f:
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_subprog_precision/through_caller_stack
maps: m=array(4,16,1)
desc: the callee reads an offset the caller spilled to its stack
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 4
    *(u64 *)(r10 - 16) = r1
    r1 = r0
    r2 = r10
    r2 += -16
    call f
out:
    r0 = 2
    exit
f:
    r3 = *(u64 *)(r2 + 0)
    r1 += r3
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_subprog_precision/callee_saved_bound
maps: m=array(4,16,1)
desc: a bounded value kept in r6 across a call
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    call f
    r7 += r6
    r0 = *(u64 *)(r7 + 0)
out:
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_subprog_precision/callee_clobbers_r6_bound
maps: m=array(4,16,1)
desc: the callee's own r6 is its own: the caller's bound survives the callee's r6 = -1
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    call f
    r7 += r6
    r0 = *(u64 *)(r7 + 0)
out:
    r0 = 2
    exit
f:
    r6 = -1
    r0 = 0
    exit
