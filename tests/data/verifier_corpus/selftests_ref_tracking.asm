# Theme: acquired socket references as the kernel's verifier_ref_tracking selftests probe them,
# written afresh: bpf_sk_lookup_tcp/udp and bpf_skc_lookup_tcp return a referenced socket or NULL
# that must reach bpf_sk_release on every path (check_reference_leak), released once, unmodified,
# not after a NULL check on the wrong branch; references across bpf-to-bpf calls and tail calls;
# LD_ABS with a reference held (check_ld_abs); the tuple argument's memory (check_helper_mem_access).

=== selftests_ref_tracking/lookup_release
type: sched_cls
desc: lookup, NULL check, release
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/lookup_leak
type: sched_cls
desc: a looked-up socket never released
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    r0 = 0
    exit

=== selftests_ref_tracking/lookup_leak_one_path
type: sched_cls
desc: released on one path only
    r6 = r1
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r7 = *(u32 *)(r6 + 0)
    if r7 > 100 goto out
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/release_without_check
type: sched_cls
desc: a possibly NULL socket released
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    r1 = r0
    call bpf_sk_release
    r0 = 0
    exit

=== selftests_ref_tracking/double_release
type: sched_cls
desc: the same socket released twice
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call bpf_sk_release
    r1 = r6
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/use_after_release
type: sched_cls
desc: a socket field read after the release
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call bpf_sk_release
    r0 = *(u32 *)(r6 + 4)
out:
    r0 = 0
    exit

=== selftests_ref_tracking/read_field_then_release
type: sched_cls
desc: a socket's family read, then the socket released
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r6 = *(u32 *)(r0 + 4)
    r1 = r0
    call bpf_sk_release
    r0 = r6
    r0 &= 1
out:
    r0 = 0
    exit

=== selftests_ref_tracking/release_modified
type: sched_cls
desc: the socket pointer moved before the release
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r0 += 4
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/release_scalar
type: sched_cls
desc: a scalar released
    r1 = 0
    call bpf_sk_release
    r0 = 0
    exit

=== selftests_ref_tracking/release_skb_sk
type: sched_cls
desc: skb->sk is not referenced: releasing it is refused
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/udp_lookup_release
type: sched_cls
desc: bpf_sk_lookup_udp, NULL check, release
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_udp
    if r0 == 0 goto out
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/skc_lookup_release
type: sched_cls
desc: bpf_skc_lookup_tcp returns a sock_common reference
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_skc_lookup_tcp
    if r0 == 0 goto out
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/xdp_lookup_release
desc: bpf_sk_lookup_tcp in XDP
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== selftests_ref_tracking/tuple_uninit
type: sched_cls
desc: the tuple on the stack left unset (a privileged load may read uninitialised stack)
    r2 = r10
    r2 += -16
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/tuple_size_past_stack
type: sched_cls
desc: a tuple size larger than the stack area given
    r2 = r10
    r2 += -8
    r3 = 0
    *(u64 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/spill_fill_reference
type: sched_cls
desc: a referenced socket spilled and filled, then released
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    *(u64 *)(r10 - 24) = r0
    r1 = *(u64 *)(r10 - 24)
    if r1 == 0 goto out
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/null_check_on_copy
type: sched_cls
desc: the NULL check on a copy resolves the original too
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    r6 = r0
    if r6 == 0 goto out
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/release_in_null_branch
type: sched_cls
desc: released in the branch where it is NULL
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 != 0 goto out
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/two_refs_released
type: sched_cls
desc: two lookups, both released
    r6 = r1
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    r7 = r0
    r1 = r6
    r2 = r10
    r2 += -16
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_udp
    r8 = r0
    if r7 == 0 goto second
    r1 = r7
    call bpf_sk_release
second:
    if r8 == 0 goto out
    r1 = r8
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/two_refs_one_leaked
type: sched_cls
desc: two lookups, the second leaked
    r6 = r1
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    r7 = r0
    r1 = r6
    r2 = r10
    r2 += -16
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_udp
    r8 = r0
    if r7 == 0 goto out
    r1 = r7
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/ld_abs_with_ref
type: sched_cls
desc: LD_ABS while a socket reference is held
    r6 = r1
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    r7 = r0
    r0 = *(u8 *)skb[0]
    if r7 == 0 goto out
    r1 = r7
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/tail_call_with_ref
type: sched_cls
maps: pa=prog_array(4,4,4)
desc: a tail call while a socket reference is held
    r6 = r1
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    r7 = r0
    r1 = r6
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    if r7 == 0 goto out
    r1 = r7
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/release_in_subprog
type: sched_cls
desc: the socket released by a bpf-to-bpf callee
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = r0
    call f
out:
    r0 = 0
    exit
f:
    call bpf_sk_release
    r0 = 0
    exit

=== selftests_ref_tracking/lookup_in_subprog_returned
type: sched_cls
desc: a callee looks a socket up and returns it; the caller releases it
    call f
    if r0 == 0 goto out
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit
f:
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    exit

=== selftests_ref_tracking/lookup_in_subprog_leaked
type: sched_cls
desc: a callee looks a socket up and drops it
    call f
    r0 = 0
    exit
f:
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    r0 = 0
    exit

=== selftests_ref_tracking/sk_write_field
type: sched_cls
desc: writing a field of a looked-up socket
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = 0
    *(u32 *)(r0 + 16) = r1
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/sk_pointer_arith
type: sched_cls
desc: pointer arithmetic on a socket pointer
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = r0
    r1 += 4
    r2 = *(u32 *)(r1 + 0)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/sk_to_map
type: sched_cls
maps: m=hash(4,8,4)
desc: a referenced socket pointer stored into a map value
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto rel
    *(u64 *)(r0 + 0) = r6
rel:
    r1 = r6
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/sk_fullsock_of_lookup
type: sched_cls
desc: bpf_sk_fullsock of a looked-up socket, then release of the original
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_skc_lookup_tcp
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call bpf_sk_fullsock
    r1 = r6
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/fullsock_use_after_release
type: sched_cls
desc: the bpf_sk_fullsock result read after its source is released
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_skc_lookup_tcp
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call bpf_sk_fullsock
    if r0 == 0 goto rel
    r7 = r0
    r1 = r6
    call bpf_sk_release
    r0 = *(u32 *)(r7 + 4)
    r0 = 0
    exit
rel:
    r1 = r6
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/release_fullsock_result
type: sched_cls
desc: releasing the bpf_sk_fullsock result instead of the looked-up socket
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_skc_lookup_tcp
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call bpf_sk_fullsock
    if r0 == 0 goto rel
    r1 = r0
    call bpf_sk_release
    r0 = 0
    exit
rel:
    r1 = r6
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_ref_tracking/sf_lookup
type: socket_filter
desc: bpf_sk_lookup_tcp in a socket filter
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u32 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    r0 = 0
    exit
