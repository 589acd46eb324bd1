# Theme: stack slot liveness as the kernel's verifier_live_stack selftests probe it, written
# afresh: slots read before they are written, slots written on one branch only, a write through a
# variable offset (no "must write"), pointers into the caller's stack read and written by
# subprograms (kernel/bpf/liveness.c's call-chain view), pruning that depends on a caller slot
# being live or dead, a subprogram's tail call between a caller-slot write and its use, and a
# branch to itself that is never taken (compute_postorder).

=== selftests_live_stack/read_then_write
type: socket_filter
desc: two slots read (privileged: uninitialised stack reads are allowed), one written back
    r1 = *(u64 *)(r10 - 8)
    r2 = *(u64 *)(r10 - 24)
    *(u64 *)(r10 - 8) = r1
    r0 = 0
    exit

=== selftests_live_stack/branches_read_different_slots
type: socket_filter
desc: each branch reads its own slot and writes a shared one
    call bpf_get_prandom_u32
    if r0 > 42 goto other
    r0 = *(u64 *)(r10 - 8)
    *(u64 *)(r10 - 32) = r0
    *(u64 *)(r10 - 40) = r0
    exit
other:
    r0 = *(u64 *)(r10 - 16)
    *(u64 *)(r10 - 32) = r0
    exit

=== selftests_live_stack/variable_slot_write
type: socket_filter
desc: a write to fp-8 or fp-16 chosen at run time, then a read of fp-8
    call bpf_get_prandom_u32
    r1 = -8
    if r0 > 42 goto write
    r1 = -16
write:
    r2 = r10
    r2 += r1
    *(u64 *)(r2 + 0) = r0
    r0 = *(u64 *)(r10 - 8)
    exit

=== selftests_live_stack/write_stack_or_map
type: socket_filter
maps: m=hash(4,8,1)
desc: one store writes the map value or, when the lookup fails, fp-16
    *(u64 *)(r10 - 8) = 0
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 != 0 goto store
    r0 = r10
    r0 += -16
store:
    *(u64 *)(r0 + 0) = 42
    r0 = 0
    exit

=== selftests_live_stack/callee_writes_caller_slot
type: socket_filter
desc: a subprogram writes through a pointer to the caller's fp-8, which the caller then reads
    r1 = r10
    r1 += -8
    call write_arg
    r0 = *(u64 *)(r10 - 8)
    exit
write_arg:
    *(u64 *)(r1 + 0) = 7
    r0 = 0
    exit

=== selftests_live_stack/callee_reads_caller_slots
type: socket_filter
desc: one subprogram called twice reads the caller's fp-8 and fp-16
    *(u64 *)(r10 - 8) = 1
    *(u64 *)(r10 - 16) = 2
    r1 = r10
    r1 += -8
    call read_arg
    r6 = r0
    r1 = r10
    r1 += -16
    call read_arg
    r0 += r6
    exit
read_arg:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_live_stack/callee_reads_uninit_caller_slot_unpriv_style
type: socket_filter
desc: the subprogram reads a caller slot nobody wrote (privileged: allowed), then the caller uses the result as a pointer
    r1 = r10
    r1 += -8
    call read_arg
    r0 = *(u64 *)(r0 + 0)
    exit
read_arg:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_live_stack/caller_slot_map_or_scalar
type: socket_filter
maps: m=hash(4,8,1)
desc: fp-8 holds a map pointer or a scalar; the subprogram reads it and returns 0, which prunes nothing wrongly
    call bpf_get_prandom_u32
    if r0 == 42 goto spill
    r0 = map_fd(m) ll
spill:
    *(u64 *)(r10 - 8) = r0
    r1 = r10
    r1 += -8
    call read_then_zero
    exit
read_then_zero:
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    goto +0
    exit

=== selftests_live_stack/caller_slot_used_after_call
type: socket_filter
maps: m=hash(4,8,1)
desc: fp-8 holds a map pointer or a scalar, and after the call it is passed to a lookup: the scalar path is refused
    call bpf_get_prandom_u32
    if r0 == 42 goto spill
    r0 = map_fd(m) ll
spill:
    *(u64 *)(r10 - 8) = r0
    r1 = r10
    r1 += -8
    call read_then_zero
    r1 = *(u64 *)(r10 - 8)
    *(u64 *)(r10 - 16) = 0
    r2 = r10
    r2 += -16
    call bpf_map_lookup_elem
    r0 = 0
    exit
read_then_zero:
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    goto +0
    exit

=== selftests_live_stack/callback_reads_caller_map_slot
type: socket_filter
maps: m=hash(4,8,1)
btf: func_info
desc: a bpf_loop callback passes the caller's spilled map pointer to a lookup, then overwrites it with 0: the second iteration is refused
    r0 = map_fd(m) ll
    *(u64 *)(r10 - 8) = r0
    r1 = 2
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r0 = 42
    exit
cb:
    r6 = r2
    r1 = *(u64 *)(r6 + 0)
    *(u64 *)(r10 - 8) = 7
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    *(u64 *)(r6 + 0) = 0
    r0 = 0
    exit

=== selftests_live_stack/callback_keeps_caller_map_slot
type: socket_filter
maps: m=hash(4,8,1)
btf: func_info
desc: the same callback without the overwrite: every iteration sees the map pointer
    r0 = map_fd(m) ll
    *(u64 *)(r10 - 8) = r0
    r1 = 2
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r0 = 42
    exit
cb:
    r6 = r2
    r1 = *(u64 *)(r6 + 0)
    *(u64 *)(r10 - 8) = 7
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_live_stack/self_branch_never_taken
type: socket_filter
desc: a conditional jump to itself whose condition is known false
    r0 = 0
    if r0 != 0 goto -1
    exit

=== selftests_live_stack/self_branch_taken
type: socket_filter
desc: a conditional jump to itself on an unknown value: an infinite loop
    call bpf_get_prandom_u32
    if r0 != 0 goto -1
    exit

=== selftests_live_stack/tail_call_between_write_and_use
type: socket_filter
maps: pa=prog_array(4,4,1)
btf: func_info
desc: fp-8 holds -8 or -1024; a subprogram tail calls, then writes -16 through the pointer: the caller's variable read at fp-1024 is refused
    r6 = r1
    *(u64 *)(r10 - 8) = -8
    call bpf_get_prandom_u32
    if r0 != 42 goto far
    goto call
far:
    *(u64 *)(r10 - 8) = -1024
call:
    r1 = r6
    r2 = r10
    r2 += -8
    call tail_then_write
    r1 = *(u64 *)(r10 - 8)
    r2 = r10
    r2 += r1
    r0 = *(u64 *)(r2 + 0)
    exit
tail_then_write:
    r6 = r2
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    *(u64 *)(r6 + 0) = -16
    r0 = 0
    exit

=== selftests_live_stack/tail_call_subprog_without_btf
type: socket_filter
maps: pa=prog_array(4,4,1)
desc: a subprogram tail calls, but the load carries no BTF for it
    call tail
    r0 = 0
    exit
tail:
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit
