# Theme: atomic adds as the kernel's verifier_xadd selftests probe them, written afresh: atomics
# are always strictly aligned (stack, map value), packet memory takes no atomics, and an atomic
# add leaves its source and destination registers as they were (check_atomic_rmw,
# check_ptr_alignment's strict_alignment_once, atomic_ptr_type_ok).

=== selftests_xadd/stack_w_off_by_one
type: sched_cls
desc: a 4-byte atomic add at fp-7: misaligned on the stack
    r0 = 1
    *(u64 *)(r10 - 8) = r0
    lock *(u32 *)(r10 - 7) += w0
    r0 = *(u64 *)(r10 - 8)
    exit

=== selftests_xadd/stack_dw_at_minus_4
type: sched_cls
desc: an 8-byte atomic add at fp-12: 4-aligned only
    r0 = 1
    *(u64 *)(r10 - 16) = r0
    *(u64 *)(r10 - 8) = r0
    lock *(u64 *)(r10 - 12) += r0
    r0 = 0
    exit

=== selftests_xadd/stack_w_at_minus_4
type: sched_cls
desc: a 4-byte atomic add at fp-4 is aligned
    r0 = 1
    *(u64 *)(r10 - 8) = r0
    lock *(u32 *)(r10 - 4) += w0
    r0 = *(u32 *)(r10 - 4)
    exit

=== selftests_xadd/map_w_unaligned
type: sched_cls
maps: m=hash(8,8,1)
desc: a 4-byte atomic add at value+1: atomics are strict even without BPF_F_STRICT_ALIGNMENT
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 != 0 goto ok
    exit
ok:
    r1 = 1
    lock *(u32 *)(r0 + 1) += w1
    r0 = 0
    exit

=== selftests_xadd/map_dw_via_moved_pointer
type: sched_cls
maps: m=hash(8,16,1)
desc: the pointer moved by 4, then an 8-byte atomic add at +4: aligned in sum
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 4
    r1 = 1
    lock *(u64 *)(r0 + 4) += r1
out:
    r0 = 0
    exit

=== selftests_xadd/map_dw_misaligned_moved
type: sched_cls
maps: m=hash(8,16,1)
desc: the pointer moved by 4, an 8-byte atomic add at +0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 4
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
out:
    r0 = 0
    exit

=== selftests_xadd/pkt_w
type: xdp
desc: an atomic add into checked packet bytes: packets take no atomics
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r1 > r3 goto out
    r0 = 1
    lock *(u32 *)(r2 + 4) += w0
out:
    r0 = 2
    exit

=== selftests_xadd/pkt_w_unaligned
type: xdp
desc: an unaligned atomic add into the packet: refused as a packet store first
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r1 = r2
    r1 += 8
    if r1 > r3 goto out
    r0 = 1
    lock *(u32 *)(r2 + 3) += w0
out:
    r0 = 2
    exit

=== selftests_xadd/registers_kept_dw
type: sched_cls
desc: after two atomic adds the source and fp are unchanged: the checks after them are dead
    r0 = 2
    r6 = r0
    r7 = r10
    *(u64 *)(r10 - 16) = r0
    lock *(u64 *)(r10 - 16) += r0
    lock *(u64 *)(r10 - 16) += r0
    if r6 != r0 goto bad
    if r7 != r10 goto bad
    r0 = *(u64 *)(r10 - 16)
    exit
bad:
    r0 = 99
    exit

=== selftests_xadd/registers_kept_w
type: sched_cls
desc: the same with 4-byte atomics
    r0 = 3
    r6 = r0
    r7 = r10
    *(u32 *)(r10 - 4) = r0
    lock *(u32 *)(r10 - 4) += w0
    lock *(u32 *)(r10 - 4) += w0
    if r6 != r0 goto bad
    if r7 != r10 goto bad
    r0 = *(u32 *)(r10 - 4)
    exit
bad:
    r0 = 99
    exit

=== selftests_xadd/result_is_unknown
type: sched_cls
maps: m=array(4,8,1)
desc: the slot after an atomic add holds an unknown scalar: used as an offset it is unbounded
    r0 = 0
    *(u64 *)(r10 - 8) = r0
    r0 = 1
    lock *(u64 *)(r10 - 8) += r0
    r6 = *(u64 *)(r10 - 8)
    r1 = 0
    *(u32 *)(r10 - 12) = r1
    r2 = r10
    r2 += -12
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_xadd/u16_size
type: sched_cls
desc: a 2-byte atomic add is no valid instruction
    r0 = 1
    *(u64 *)(r10 - 8) = r0
    .insn 0xcb, 10, 0, -8, 0
    r0 = 0
    exit

=== selftests_xadd/through_scalar
type: sched_cls
desc: an atomic add through a scalar base register (r1 = 0)
    r0 = 1
    r1 = 0
    lock *(u64 *)(r1 + 0) += r0
    exit
