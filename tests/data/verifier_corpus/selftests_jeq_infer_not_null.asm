# Theme: NULL inferred from an equality with a pointer known not to be NULL, as the kernel's
# verifier_jeq_infer_not_null selftests probe it, written afresh: two results of bpf_sk_fullsock
# (sock_or_null) or of two map lookups compared with == / !=, one of them already checked, so the
# branch where they are equal makes the other non-NULL too, while the other branch keeps it
# maybe-NULL (mark_ptr_not_null_reg via is_pointer_value comparisons in check_cond_jmp_op, Linux
# 6.18's "both sides are pointers, one is not NULL" case).

=== selftests_jeq_infer_not_null/sock_ne_fallthrough
type: sched_cls
desc: r0 checked, then if r0 != r8 skips: on the fall-through r8 == r0 is a socket
    r6 = *(u64 *)(r1 + 168)
    if r6 == 0 goto out
    r1 = r6
    call bpf_sk_fullsock
    r8 = r0
    r1 = r6
    call bpf_sk_fullsock
    if r0 == 0 goto out
    if r0 != r8 goto out
    r0 = *(u32 *)(r8 + 8)
out:
    r0 = 0
    exit

=== selftests_jeq_infer_not_null/sock_ne_taken
type: sched_cls
desc: r0 is NULL on this path; on the taken branch of r0 != r8, r8 is still sock_or_null
    r6 = *(u64 *)(r1 + 168)
    if r6 == 0 goto out
    r1 = r6
    call bpf_sk_fullsock
    r8 = r0
    r1 = r6
    call bpf_sk_fullsock
    if r0 != 0 goto out
    if r0 != r8 goto read
    goto out
read:
    r0 = *(u32 *)(r8 + 8)
out:
    r0 = 0
    exit

=== selftests_jeq_infer_not_null/sock_eq_taken
type: sched_cls
desc: r0 checked, then if r0 == r8 jumps to the read: r8 is a socket there
    r6 = *(u64 *)(r1 + 168)
    if r6 == 0 goto out
    r1 = r6
    call bpf_sk_fullsock
    r8 = r0
    r1 = r6
    call bpf_sk_fullsock
    if r0 == 0 goto out
    if r0 == r8 goto read
    goto out
read:
    r0 = *(u32 *)(r8 + 12)
out:
    r0 = 0
    exit

=== selftests_jeq_infer_not_null/sock_eq_fallthrough
type: sched_cls
desc: on the fall-through of r0 == r8 the two differ: r8 stays sock_or_null
    r6 = *(u64 *)(r1 + 168)
    if r6 == 0 goto out
    r1 = r6
    call bpf_sk_fullsock
    r8 = r0
    r1 = r6
    call bpf_sk_fullsock
    if r0 == 0 goto out
    if r0 == r8 goto out
    r0 = *(u32 *)(r8 + 12)
out:
    r0 = 0
    exit

=== selftests_jeq_infer_not_null/sock_eq_reversed_operands
type: sched_cls
desc: r8 == r0 with r0 the checked one on the right
    r6 = *(u64 *)(r1 + 168)
    if r6 == 0 goto out
    r1 = r6
    call bpf_sk_fullsock
    r8 = r0
    r1 = r6
    call bpf_sk_fullsock
    if r0 == 0 goto out
    if r8 != r0 goto out
    r0 = *(u32 *)(r8 + 4)
out:
    r0 = 0
    exit

=== selftests_jeq_infer_not_null/sock_both_unchecked
type: sched_cls
desc: neither is checked: equality proves nothing
    r6 = *(u64 *)(r1 + 168)
    if r6 == 0 goto out
    r1 = r6
    call bpf_sk_fullsock
    r8 = r0
    r1 = r6
    call bpf_sk_fullsock
    if r0 != r8 goto out
    r0 = *(u32 *)(r8 + 8)
out:
    r0 = 0
    exit

=== selftests_jeq_infer_not_null/sock_jeq32
type: sched_cls
desc: a 32-bit comparison of the two pointers infers nothing
    r6 = *(u64 *)(r1 + 168)
    if r6 == 0 goto out
    r1 = r6
    call bpf_sk_fullsock
    r8 = r0
    r1 = r6
    call bpf_sk_fullsock
    if r0 == 0 goto out
    if w0 != w8 goto out
    r0 = *(u32 *)(r8 + 8)
out:
    r0 = 0
    exit

=== selftests_jeq_infer_not_null/value_ne_fallthrough
type: xdp
maps: m=hash(8,8,1)
desc: two lookups, r6 checked, then r6 != r7 skips: r7 is a value pointer after
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r9 = r10
    r9 += -8
    r1 = map_fd(m) ll
    r2 = r9
    call bpf_map_lookup_elem
    r6 = r0
    r1 = map_fd(m) ll
    r2 = r9
    call bpf_map_lookup_elem
    r7 = r0
    if r6 == 0 goto out
    if r6 != r7 goto out
    r0 = *(u32 *)(r7 + 4)
out:
    r0 = 0
    exit

=== selftests_jeq_infer_not_null/value_ne_taken
type: xdp
maps: m=hash(8,8,1)
desc: on the taken branch of r6 != r7, r7 is still map_value_or_null
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r9 = r10
    r9 += -8
    r1 = map_fd(m) ll
    r2 = r9
    call bpf_map_lookup_elem
    r6 = r0
    r1 = map_fd(m) ll
    r2 = r9
    call bpf_map_lookup_elem
    r7 = r0
    if r6 == 0 goto out
    if r6 != r7 goto read
    goto out
read:
    r0 = *(u32 *)(r7 + 4)
out:
    r0 = 0
    exit

=== selftests_jeq_infer_not_null/value_eq_two_maps
type: xdp
maps: a=hash(8,8,1) b=hash(8,16,1)
desc: lookups in two different maps compared equal: r7 is non-NULL where they are equal
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r9 = r10
    r9 += -8
    r1 = map_fd(a) ll
    r2 = r9
    call bpf_map_lookup_elem
    r6 = r0
    r1 = map_fd(b) ll
    r2 = r9
    call bpf_map_lookup_elem
    r7 = r0
    if r6 == 0 goto out
    if r6 == r7 goto read
    goto out
read:
    r0 = *(u64 *)(r7 + 8)
out:
    r0 = 0
    exit

=== selftests_jeq_infer_not_null/value_copy_shares_id
type: xdp
maps: m=hash(8,8,1)
desc: the equality makes only the compared register non-NULL: a copy taken before stays maybe-NULL
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r9 = r10
    r9 += -8
    r1 = map_fd(m) ll
    r2 = r9
    call bpf_map_lookup_elem
    r6 = r0
    r1 = map_fd(m) ll
    r2 = r9
    call bpf_map_lookup_elem
    r7 = r0
    r8 = r7
    if r6 == 0 goto out
    if r6 != r7 goto out
    r0 = *(u32 *)(r8 + 0)
out:
    r0 = 0
    exit

=== selftests_jeq_infer_not_null/value_vs_stack_pointer
type: xdp
maps: m=hash(8,8,1)
desc: a maybe-NULL value compared with the frame pointer: no inference
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r9 = r10
    r9 += -8
    r1 = map_fd(m) ll
    r2 = r9
    call bpf_map_lookup_elem
    r6 = r0
    r1 = map_fd(m) ll
    r2 = r9
    call bpf_map_lookup_elem
    r7 = r0
    if r7 != r10 goto out
    r0 = *(u32 *)(r7 + 0)
out:
    r0 = 0
    exit
