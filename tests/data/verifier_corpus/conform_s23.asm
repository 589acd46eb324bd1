# Session 23's conformance fixes (the kernel's selftests run as test_loader runs them, their
# unprivileged variants included: a caller without CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_PERFMON and
# CAP_BPF creates the maps and loads).  A prog array created by such a caller lacks
# map->bypass_spec_v1: a tail call through it has its index bounded and masked by do_misc_fixups(),
# and a call site that sees two such prog arrays is refused ("tail_call abusing map_ptr", EINVAL).

=== conform_s23/tail_call_two_unpriv_prog_arrays
type: socket_filter
caps: none
maps: pa=prog_array(4,4,4) pb=prog_array(4,4,4)
desc: one tail call site, two prog arrays created without the Spectre v1 bypass: refused after the walk
    r6 = r1
    call 7
    r1 = r6
    r3 = 0
    if r0 == 0 goto other
    r2 = map_fd(pa)
    goto call
other:
    r2 = map_fd(pb)
call:
    call 12
    r0 = 0
    exit

=== conform_s23/tail_call_same_unpriv_prog_array_twice
type: socket_filter
caps: none
maps: pa=prog_array(4,4,4)
desc: one tail call site reached on two paths with the same unprivileged prog array: masked, loaded
    r6 = r1
    call 7
    r1 = r6
    r3 = 0
    if r0 == 0 goto other
    r2 = map_fd(pa)
    goto call
other:
    r2 = map_fd(pa)
call:
    call 12
    r0 = 0
    exit

=== conform_s23/tail_call_two_prog_arrays_bpf_caps
type: socket_filter
caps: bpf,perfmon
maps: pa=prog_array(4,4,4) pb=prog_array(4,4,4)
desc: the same two prog arrays created with CAP_PERFMON: no mask, nothing refused
    r6 = r1
    call 7
    r1 = r6
    r3 = 0
    if r0 == 0 goto other
    r2 = map_fd(pa)
    goto call
other:
    r2 = map_fd(pb)
call:
    call 12
    r0 = 0
    exit

=== conform_s23/tail_call_two_prog_arrays_bpf_only
type: socket_filter
caps: bpf
maps: pa=prog_array(4,4,4) pb=prog_array(4,4,4)
desc: CAP_BPF without CAP_PERFMON: the maps lack the bypass, the loader is bpf_capable: still refused
    r6 = r1
    call 7
    r1 = r6
    r3 = 0
    if r0 == 0 goto other
    r2 = map_fd(pa)
    goto call
other:
    r2 = map_fd(pb)
call:
    call 12
    r0 = 0
    exit

=== conform_s23/tail_call_same_unpriv_prog_array_two_lddw
type: socket_filter
caps: none
maps: pa=prog_array(4,4,4)
desc: the same unprivileged prog array loaded by two lddw on two paths that reach the call apart (r7 differs and is read after it): one map, masked, loaded
    r6 = r1
    call 7
    r7 = r0
    r1 = r6
    r3 = 0
    if r7 == 0 goto other
    r2 = map_fd(pa) ll
    goto call
other:
    r2 = map_fd(pa) ll
call:
    call 12
    r0 = r7
    exit
