# Theme: global subprograms as the kernel's verifier_global_subprogs selftests probe them, written
# afresh, with BTF that gives every subprogram ``int f(void)`` and global linkage: a global
# function is verified once on its own (btf_prepare_func_args, "is global and assumed valid"), its
# result is an unknown scalar to the caller, it starts with no arguments, and it must return a
# scalar (check_return_code for global subprograms).

=== selftests_global_subprogs/returns_const
btf: global_subprogs
desc: a global function returning 2, its result returned
    call f
    exit
f:
    r0 = 2
    exit

=== selftests_global_subprogs/result_unknown_to_caller
btf: global_subprogs
maps: m=array(4,16,1)
desc: a global function returning 8: the caller cannot use it as a known offset
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
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 2
    exit
f:
    r0 = 8
    exit

=== selftests_global_subprogs/static_result_known
btf: func_info
maps: m=array(4,16,1)
desc: the same with a static function: its 8 is known
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
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 2
    exit
f:
    r0 = 8
    exit

=== selftests_global_subprogs/reads_r1
btf: global_subprogs
desc: a global function without arguments reads r1
    call f
    exit
f:
    r0 = r1
    exit

=== selftests_global_subprogs/returns_pointer
btf: global_subprogs
desc: a global function returning a stack pointer
    call f
    r0 = 2
    exit
f:
    r0 = r10
    exit

=== selftests_global_subprogs/no_r0
btf: global_subprogs
desc: a global function that never sets r0
    call f
    r0 = 2
    exit
f:
    exit

=== selftests_global_subprogs/refused_body_unreached
btf: global_subprogs
desc: a global function called only from dead code is never verified: its bad read goes unnoticed
    r0 = 2
    if r0 == 2 goto out
    call f
out:
    exit
f:
    r0 = *(u64 *)(r5 + 0)
    exit

=== selftests_global_subprogs/uses_helper
btf: global_subprogs
maps: m=hash(4,8,4)
desc: a global function doing its own lookup and NULL check
    call f
    r0 = 2
    exit
f:
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_global_subprogs/missing_null_check
btf: global_subprogs
maps: m=hash(4,8,4)
desc: a global function reads a lookup result without the NULL check
    call f
    r0 = 2
    exit
f:
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== selftests_global_subprogs/calls_global
btf: global_subprogs
desc: a global function calling another
    call f
    r0 = 2
    exit
f:
    call g
    exit
g:
    r0 = 1
    exit

=== selftests_global_subprogs/keeps_caller_r6
btf: global_subprogs
desc: the caller's r6 survives a call to a global function
    r6 = 2
    call f
    r0 = r6
    exit
f:
    r6 = 5
    r0 = 0
    exit

=== selftests_global_subprogs/ringbuf_leak_in_global
btf: global_subprogs
maps: rb=ringbuf(0,0,4096)
desc: a global function reserving a record and leaking it
    call f
    r0 = 2
    exit
f:
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    r0 = 0
    exit

=== selftests_global_subprogs/tail_call_in_global
btf: global_subprogs
type: sched_cls
maps: pa=prog_array(4,4,4)
desc: a tail call in a global function (it has no ctx argument to pass)
    call f
    r0 = 0
    exit
f:
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit
