# Theme: the conntrack kfuncs (net/netfilter/nf_conntrack_bpf.c, nf_nat_bpf.c), written afresh
# after the kernel's test_bpf_nf / test_bpf_nf_fail selftests: lookups and allocations in XDP and
# tc programs (and the program types that may not call them), the references they hand out
# (leaked, released twice, an allocated nf_conn___init passed where an nf_conn is wanted and the
# other way round), the writes btf_struct_access allows into an entry (its mark only), and the
# tuple / options memory with its __sz size (NULL, too short, unbounded, in the packet).

=== selftests_nf_conntrack/lookup_release_xdp
type: xdp
desc: bpf_xdp_ct_lookup, its entry read and released
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r7 = *(u32 *)(r0 + offsetof(nf_conn, mark))
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/alloc_insert_release_xdp
type: xdp
desc: bpf_xdp_ct_alloc, its timeout, status and mark set, inserted and released
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_alloc)
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 10000
    call kfunc(bpf_ct_set_timeout)
    r1 = r7
    r2 = 2
    call kfunc(bpf_ct_set_status)
    r1 = 42
    *(u32 *)(r7 + offsetof(nf_conn, mark)) = r1
    r1 = r7
    call kfunc(bpf_ct_insert_entry)
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 5000
    call kfunc(bpf_ct_change_timeout)
    r1 = r7
    r2 = 6
    call kfunc(bpf_ct_change_status)
    r1 = r7
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/lookup_release_sched_cls
type: sched_cls
desc: bpf_skb_ct_lookup, its entry read and released
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_skb_ct_lookup)
    if r0 == 0 goto out
    r7 = *(u32 *)(r0 + offsetof(nf_conn, mark))
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 0
    exit

=== selftests_nf_conntrack/alloc_insert_release_sched_cls
type: sched_cls
desc: bpf_skb_ct_alloc, its timeout, status and mark set, inserted and released
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_skb_ct_alloc)
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 10000
    call kfunc(bpf_ct_set_timeout)
    r1 = r7
    r2 = 2
    call kfunc(bpf_ct_set_status)
    r1 = 42
    *(u32 *)(r7 + offsetof(nf_conn, mark)) = r1
    r1 = r7
    call kfunc(bpf_ct_insert_entry)
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 5000
    call kfunc(bpf_ct_change_timeout)
    r1 = r7
    r2 = 6
    call kfunc(bpf_ct_change_status)
    r1 = r7
    call kfunc(bpf_ct_release)
out:
    r0 = 0
    exit

=== selftests_nf_conntrack/lookup_socket_filter
type: socket_filter
desc: bpf_skb_ct_lookup in a socket_filter program (nf_ct_kfunc_set: XDP and tc only)
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_skb_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 0
    exit

=== selftests_nf_conntrack/lookup_sched_act
type: sched_act
desc: bpf_skb_ct_lookup in a sched_act program (nf_ct_kfunc_set: XDP and tc only)
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_skb_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 0
    exit

=== selftests_nf_conntrack/lookup_cgroup_skb
type: cgroup_skb
desc: bpf_skb_ct_lookup in a cgroup_skb program (nf_ct_kfunc_set: XDP and tc only)
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_skb_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 1
    exit

=== selftests_nf_conntrack/lookup_lwt_in
type: lwt_in
desc: bpf_skb_ct_lookup in a lwt_in program (nf_ct_kfunc_set: XDP and tc only)
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_skb_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 0
    exit

=== selftests_nf_conntrack/lookup_sk_skb
type: sk_skb
desc: bpf_skb_ct_lookup in a sk_skb program (nf_ct_kfunc_set: XDP and tc only)
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_skb_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 0
    exit

=== selftests_nf_conntrack/xdp_lookup_in_tc
type: sched_cls
desc: the XDP lookup in a tc program: its xdp_md is no __sk_buff
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 0
    exit

=== selftests_nf_conntrack/skb_lookup_in_xdp
type: xdp
desc: the tc lookup in an XDP program
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_skb_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/lookup_leak
type: xdp
desc: the looked-up entry never released
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r7 = r0
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/lookup_no_null_check
type: xdp
desc: the entry released without its NULL check
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/lookup_release_twice
type: xdp
desc: the entry released twice
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r7 = r0
    r1 = r0
    call kfunc(bpf_ct_release)
    r1 = r7
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/alloc_release
type: xdp
desc: an allocated entry released without being inserted (nf_conn___init is no nf_conn)
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_alloc)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/alloc_leak
type: xdp
desc: an allocated entry neither inserted nor released
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_alloc)
    if r0 == 0 goto out
    r7 = *(u64 *)(r0 + offsetof(nf_conn, status))
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/insert_twice
type: xdp
desc: the inserted entry inserted again
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_alloc)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_insert_entry)
    if r0 == 0 goto out
    r7 = r0
    r1 = r0
    call kfunc(bpf_ct_insert_entry)
    r1 = r7
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/insert_looked_up
type: xdp
desc: a looked-up entry inserted
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_insert_entry)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/set_timeout_after_insert
type: xdp
desc: bpf_ct_set_timeout on an inserted entry
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_alloc)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_insert_entry)
    if r0 == 0 goto out
    r7 = r0
    r1 = r0
    r2 = 1000
    call kfunc(bpf_ct_set_timeout)
    r1 = r7
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/set_status_after_lookup
type: xdp
desc: bpf_ct_set_status on a looked-up entry
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r7 = r0
    r1 = r0
    r2 = 2
    call kfunc(bpf_ct_set_status)
    r1 = r7
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/change_timeout_after_alloc
type: xdp
desc: bpf_ct_change_timeout on an entry not inserted
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_alloc)
    if r0 == 0 goto out
    r7 = r0
    r1 = r0
    r2 = 1000
    call kfunc(bpf_ct_change_timeout)
    r1 = r7
    call kfunc(bpf_ct_insert_entry)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/change_status_after_alloc
type: xdp
desc: bpf_ct_change_status on an entry not inserted
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_alloc)
    if r0 == 0 goto out
    r7 = r0
    r1 = r0
    r2 = 2
    call kfunc(bpf_ct_change_status)
    r1 = r7
    call kfunc(bpf_ct_insert_entry)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/lookup_write_status
type: sched_cls
desc: a write to the entry's status of a looked-up entry
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_skb_ct_lookup)
    if r0 == 0 goto out
    r7 = r0
    r1 = 1
    *(u32 *)(r7 + offsetof(nf_conn, status)) = r1
    r1 = r7
    call kfunc(bpf_ct_release)
out:
    r0 = 0
    exit

=== selftests_nf_conntrack/lookup_write_mark_u64
type: sched_cls
desc: an 8-byte write at the entry's 4-byte mark of a looked-up entry
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_skb_ct_lookup)
    if r0 == 0 goto out
    r7 = r0
    r1 = 1
    *(u64 *)(r7 + offsetof(nf_conn, mark)) = r1
    r1 = r7
    call kfunc(bpf_ct_release)
out:
    r0 = 0
    exit

=== selftests_nf_conntrack/lookup_write_mark_byte1
type: sched_cls
desc: a byte written inside the mark, not at its start of a looked-up entry
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_skb_ct_lookup)
    if r0 == 0 goto out
    r7 = r0
    r1 = 1
    *(u8 *)(r7 + 169) = r1
    r1 = r7
    call kfunc(bpf_ct_release)
out:
    r0 = 0
    exit

=== selftests_nf_conntrack/lookup_write_mark_u16
type: sched_cls
desc: two bytes written at the mark of a looked-up entry
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_skb_ct_lookup)
    if r0 == 0 goto out
    r7 = r0
    r1 = 1
    *(u16 *)(r7 + offsetof(nf_conn, mark)) = r1
    r1 = r7
    call kfunc(bpf_ct_release)
out:
    r0 = 0
    exit

=== selftests_nf_conntrack/lookup_write_mark_imm
type: sched_cls
desc: the mark written from an immediate of a looked-up entry
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_skb_ct_lookup)
    if r0 == 0 goto out
    r7 = r0
    *(u32 *)(r7 + offsetof(nf_conn, mark)) = 7
    r1 = r7
    call kfunc(bpf_ct_release)
out:
    r0 = 0
    exit

=== selftests_nf_conntrack/write_mark_socket_filter_cast
type: xdp
desc: a write to a struct no conntrack entry: only read is supported
    call kfunc(bpf_cast_to_kern_ctx)
    r1 = 1
    *(u32 *)(r0 + offsetof(xdp_buff, flags)) = r1
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/opts_null
type: xdp
desc: NULL options
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = 0
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/tuple_null
type: xdp
desc: a NULL tuple
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = 0
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/opts_too_big
type: xdp
desc: an options size past the stack the options are on
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 20
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/tuple_unbounded
type: xdp
desc: a tuple size the program does not bound
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    call bpf_get_prandom_u32
    r8 = r0
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = r8
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/tuple_bounded
type: xdp
desc: a variable tuple size the stack holds whatever it is
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    call bpf_get_prandom_u32
    r8 = r0
    r8 &= 31
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = r8
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/tuple_uninit
type: xdp
desc: a tuple of 36 bytes of which some are uninitialised stack
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 36
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/tuple_size_pointer
type: xdp
desc: a pointer for the tuple size
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = r10
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/tuple_in_packet
type: xdp
desc: the tuple read from the packet (checked bounds)
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 12
    if r4 > r3 goto out
    r1 = r6
    r2 = r2
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/tuple_in_packet_short
type: xdp
desc: a tuple of 36 bytes in a packet checked for 12
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 12
    if r4 > r3 goto out
    r1 = r6
    r2 = r2
    r3 = 36
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/tuple_in_packet_unchecked
type: xdp
desc: the tuple read from the packet without checking its end
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = *(u32 *)(r6 + 0)
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/ctx_scalar
type: xdp
desc: a scalar for the context
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = 0
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_lookup)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/nat_info
type: xdp
desc: bpf_ct_set_nat_info of a new entry
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_alloc)
    if r0 == 0 goto out
    r7 = r0
    r1 = 0x0a00000a
    *(u32 *)(r10 - 64) = r1
    r1 = 0
    *(u32 *)(r10 - 60) = r1
    *(u64 *)(r10 - 56) = r1
    r1 = r7
    r2 = r10
    r2 += -64
    r3 = 4242
    r4 = 0
    call kfunc(bpf_ct_set_nat_info)
    r1 = r7
    call kfunc(bpf_ct_insert_entry)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/nat_info_short_addr
type: xdp
desc: an address of 16 bytes of which 8 are uninitialised
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_xdp_ct_alloc)
    if r0 == 0 goto out
    r7 = r0
    r1 = 0x0a00000a
    *(u32 *)(r10 - 64) = r1
    r1 = 0
    *(u32 *)(r10 - 60) = r1
    *(u64 *)(r10 - 56) = r1
    r1 = r7
    r2 = r10
    r2 += -56
    r3 = 4242
    r4 = 0
    call kfunc(bpf_ct_set_nat_info)
    r1 = r7
    call kfunc(bpf_ct_insert_entry)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_release)
out:
    r0 = 2
    exit

=== selftests_nf_conntrack/nat_info_after_insert
type: sched_cls
desc: bpf_ct_set_nat_info of an inserted entry
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = -1
    *(u32 *)(r10 - 16) = r1
    r1 = 6
    *(u8 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = r10
    r4 += -16
    r5 = 16
    call kfunc(bpf_skb_ct_alloc)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_ct_insert_entry)
    if r0 == 0 goto out
    r7 = r0
    r1 = 0x0a00000a
    *(u32 *)(r10 - 64) = r1
    r1 = 0
    *(u32 *)(r10 - 60) = r1
    *(u64 *)(r10 - 56) = r1
    r1 = r7
    r2 = r10
    r2 += -64
    r3 = 4242
    r4 = 0
    call kfunc(bpf_ct_set_nat_info)
    r1 = r7
    call kfunc(bpf_ct_release)
out:
    r0 = 0
    exit
