# Theme: precision carried through stack slots and pruning that depends on it, as the kernel's
# verifier_precision / verifier_subprog_precision / prune-stack selftests probe them, written afresh:
# __mark_chain_precision walking back through spills and fills (``mark_precise: frame0: regs=...
# stack=...``), spills of constants, of 32-bit halves and of pointers next to scalars, precision
# across subprogram frames, and states that prune only when the precise slots match.

=== selftests_precise_stack/spill_fill_index
type: socket_filter
maps: a=array(4,48,1)
desc: an index spilled, filled back and used as a value offset
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    call bpf_get_prandom_u32
    r0 &= 7
    *(u64 *)(r10 - 16) = r0
    r1 = *(u64 *)(r10 - 16)
    r9 += r1
    r0 = *(u32 *)(r9 + 0)
out:
    r0 = 0
    exit

=== selftests_precise_stack/spill_fill_index_too_big
type: socket_filter
maps: a=array(4,48,1)
desc: a spilled index of [0,15] times 4 used after the fill
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    call bpf_get_prandom_u32
    r0 &= 15
    r0 <<= 2
    *(u64 *)(r10 - 16) = r0
    r1 = *(u64 *)(r10 - 16)
    r9 += r1
    r0 = *(u32 *)(r9 + 0)
out:
    r0 = 0
    exit

=== selftests_precise_stack/const_spill_branches
type: socket_filter
maps: a=array(4,48,1)
desc: two branches spill different constants; the fill indexes the value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    call bpf_get_prandom_u32
    if r0 > 10 goto big
    r1 = 8
    *(u64 *)(r10 - 16) = r1
    goto join
big:
    r1 = 40
    *(u64 *)(r10 - 16) = r1
join:
    r2 = *(u64 *)(r10 - 16)
    r9 += r2
    r0 = *(u64 *)(r9 + 0)
out:
    r0 = 0
    exit

=== selftests_precise_stack/const_spill_branches_past
type: socket_filter
maps: a=array(4,48,1)
desc: one branch's constant reaches past the value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    call bpf_get_prandom_u32
    if r0 > 10 goto big
    r1 = 8
    *(u64 *)(r10 - 16) = r1
    goto join
big:
    r1 = 44
    *(u64 *)(r10 - 16) = r1
join:
    r2 = *(u64 *)(r10 - 16)
    r9 += r2
    r0 = *(u64 *)(r9 + 0)
out:
    r0 = 0
    exit

=== selftests_precise_stack/imprecise_spill_pruned
type: socket_filter
maps: a=array(4,48,1)
desc: a spilled scalar never used for memory: the branches prune
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    call bpf_get_prandom_u32
    if r0 > 10 goto big
    r1 = 1
    *(u64 *)(r10 - 16) = r1
    goto join
big:
    r1 = 2
    *(u64 *)(r10 - 16) = r1
join:
    r2 = *(u64 *)(r10 - 16)
    r0 = *(u32 *)(r9 + 0)
out:
    r0 = 0
    exit

=== selftests_precise_stack/spill32_fill32
type: socket_filter
maps: a=array(4,48,1)
desc: a 32-bit spill filled back as 32 bits indexes the value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    call bpf_get_prandom_u32
    r0 &= 31
    *(u32 *)(r10 - 16) = r0
    r1 = *(u32 *)(r10 - 16)
    r9 += r1
    r0 = *(u8 *)(r9 + 0)
out:
    r0 = 0
    exit

=== selftests_precise_stack/spill32_fill64
type: socket_filter
maps: a=array(4,48,1)
desc: a 32-bit spill filled back as 64 bits (the upper half unknown)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    call bpf_get_prandom_u32
    r0 &= 31
    *(u64 *)(r10 - 16) = r0
    *(u32 *)(r10 - 16) = r0
    r1 = *(u64 *)(r10 - 16)
    r9 += r1
    r0 = *(u8 *)(r9 + 0)
out:
    r0 = 0
    exit

=== selftests_precise_stack/spill_two_slots
type: socket_filter
maps: a=array(4,48,1)
desc: two indexes spilled side by side, both filled and added
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    call bpf_get_prandom_u32
    r6 = r0
    r6 &= 7
    call bpf_get_prandom_u32
    r0 &= 15
    *(u64 *)(r10 - 16) = r6
    *(u64 *)(r10 - 24) = r0
    r1 = *(u64 *)(r10 - 16)
    r2 = *(u64 *)(r10 - 24)
    r1 += r2
    r9 += r1
    r0 = *(u32 *)(r9 + 0)
out:
    r0 = 0
    exit

=== selftests_precise_stack/spill_overwritten
type: socket_filter
maps: a=array(4,48,1)
desc: a spilled index overwritten by a byte store, then filled
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    call bpf_get_prandom_u32
    r0 &= 7
    *(u64 *)(r10 - 16) = r0
    r1 = 0
    *(u8 *)(r10 - 16) = r1
    r1 = *(u64 *)(r10 - 16)
    r9 += r1
    r0 = *(u32 *)(r9 + 0)
out:
    r0 = 0
    exit

=== selftests_precise_stack/spill_pointer_next_to_index
type: socket_filter
maps: a=array(4,48,1)
desc: a pointer and an index spilled side by side, both filled
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    call bpf_get_prandom_u32
    r0 &= 7
    *(u64 *)(r10 - 16) = r9
    *(u64 *)(r10 - 24) = r0
    r1 = *(u64 *)(r10 - 16)
    r2 = *(u64 *)(r10 - 24)
    r1 += r2
    r0 = *(u32 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_precise_stack/callee_fills_caller_slot
type: socket_filter
maps: a=array(4,48,1)
desc: a subprogram reads the caller's spilled index through a pointer and returns it
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    call bpf_get_prandom_u32
    r0 &= 7
    *(u64 *)(r10 - 16) = r0
    r1 = r10
    r1 += -16
    call f
    r9 += r0
    r0 = *(u32 *)(r9 + 0)
out:
    r0 = 0
    exit
f:
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_precise_stack/callee_returns_const
type: socket_filter
maps: a=array(4,48,1)
desc: a subprogram returns one of two constants, used as an offset
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r1 = 0
    call f
    r9 += r0
    r0 = *(u64 *)(r9 + 0)
out:
    r0 = 0
    exit
f:
    call bpf_get_prandom_u32
    if r0 > 5 goto g
    r0 = 8
    exit
g:
    r0 = 40
    exit

=== selftests_precise_stack/callee_returns_const_past
type: socket_filter
maps: a=array(4,48,1)
desc: a subprogram returns 8 or 48, used as an offset
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r1 = 0
    call f
    r9 += r0
    r0 = *(u64 *)(r9 + 0)
out:
    r0 = 0
    exit
f:
    call bpf_get_prandom_u32
    if r0 > 5 goto g
    r0 = 8
    exit
g:
    r0 = 48
    exit

=== selftests_precise_stack/loop_spilled_counter
type: socket_filter
maps: a=array(4,48,1)
desc: a loop counter kept on the stack indexes the value each round
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r1 = 0
    *(u64 *)(r10 - 16) = r1
loop:
    r1 = *(u64 *)(r10 - 16)
    if r1 > 40 goto out
    r2 = r9
    r2 += r1
    r0 = *(u32 *)(r2 + 0)
    r1 += 4
    *(u64 *)(r10 - 16) = r1
    goto loop
out:
    r0 = 0
    exit

=== selftests_precise_stack/loop_spilled_counter_past
type: socket_filter
maps: a=array(4,48,1)
desc: a stack-kept loop counter reaching 48 reads past the value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r1 = 0
    *(u64 *)(r10 - 16) = r1
loop:
    r1 = *(u64 *)(r10 - 16)
    if r1 > 48 goto out
    r2 = r9
    r2 += r1
    r0 = *(u32 *)(r2 + 0)
    r1 += 4
    *(u64 *)(r10 - 16) = r1
    goto loop
out:
    r0 = 0
    exit

=== selftests_precise_stack/stack_zero_then_spill
type: socket_filter
maps: a=array(4,48,1)
desc: zeroed bytes, then a spill over part of them, the rest read
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    *(u64 *)(r10 - 16) = 0
    call bpf_get_prandom_u32
    r0 &= 3
    *(u32 *)(r10 - 16) = r0
    r1 = *(u32 *)(r10 - 12)
    r9 += r1
    r0 = *(u32 *)(r9 + 0)
out:
    r0 = 0
    exit

=== selftests_precise_stack/helper_size_from_stack
type: kprobe
maps: a=array(4,48,1)
desc: a helper size filled from the stack after a spill of [1,8]
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    call bpf_get_prandom_u32
    r0 &= 7
    r0 += 1
    *(u64 *)(r10 - 16) = r0
    r2 = *(u64 *)(r10 - 16)
    r1 = r10
    r1 += -32
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_precise_stack/helper_size_from_stack_big
type: kprobe
maps: a=array(4,48,1)
desc: a helper size filled from the stack, [9,24] into the top 8 bytes
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    call bpf_get_prandom_u32
    r0 &= 15
    r0 += 9
    *(u64 *)(r10 - 16) = r0
    r2 = *(u64 *)(r10 - 16)
    r1 = r10
    r1 += -8
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit
