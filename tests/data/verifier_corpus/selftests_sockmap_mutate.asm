# Theme: which programs may change a sockmap or sockhash, as the kernel's verifier_sockmap_mutate
# selftest asks, written afresh: may_update_sockmap (kernel/bpf/verifier.c: update and delete from
# socket filters, tc, XDP, sk_reuseport, flow dissector, sk_lookup and socket iterators, delete only
# from sock_ops, neither elsewhere) and the socket an update stores (the value argument becomes
# ARG_PTR_TO_BTF_ID_SOCK_COMMON for these maps: a socket, not a stack buffer).

=== selftests_sockmap_mutate/delete_socket_filter
type: socket_filter
maps: sm=sockmap(4,8,4)
desc: a socket filter deletes from a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 0
    exit

=== selftests_sockmap_mutate/delete_sched_cls
type: sched_cls
maps: sm=sockhash(4,8,4)
desc: tc deletes from a sockhash
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 0
    exit

=== selftests_sockmap_mutate/delete_sched_act
type: sched_act
maps: sm=sockmap(4,8,4)
desc: a tc action deletes from a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 0
    exit

=== selftests_sockmap_mutate/delete_xdp
type: xdp
maps: sm=sockhash(4,8,4)
desc: XDP deletes from a sockhash
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 2
    exit

=== selftests_sockmap_mutate/delete_flow_dissector
type: flow_dissector
maps: sm=sockmap(4,8,4)
desc: the flow dissector deletes from a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 0
    exit

=== selftests_sockmap_mutate/delete_sk_reuseport
type: sk_reuseport
maps: sm=sockmap(4,8,4)
desc: sk_reuseport deletes from a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 1
    exit

=== selftests_sockmap_mutate/delete_sk_lookup
type: sk_lookup
maps: sm=sockmap(4,8,4)
attach: sk_lookup
desc: sk_lookup deletes from a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 1
    exit

=== selftests_sockmap_mutate/delete_sock_ops
type: sock_ops
maps: sm=sockmap(4,8,4)
desc: sock_ops deletes from a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 1
    exit

=== selftests_sockmap_mutate/delete_sk_skb
type: sk_skb
maps: sm=sockmap(4,8,4)
attach: sk_skb_stream_verdict
desc: an sk_skb program deletes from a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 0
    exit

=== selftests_sockmap_mutate/delete_sk_msg
type: sk_msg
maps: sm=sockhash(4,8,4)
attach: sk_msg_verdict
desc: an sk_msg program deletes from a sockhash
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 1
    exit

=== selftests_sockmap_mutate/delete_cgroup_skb
type: cgroup_skb
maps: sm=sockmap(4,8,4)
desc: a cgroup skb program deletes from a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 1
    exit

=== selftests_sockmap_mutate/delete_kprobe
type: kprobe
maps: sm=sockmap(4,8,4)
desc: a kprobe deletes from a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 0
    exit

=== selftests_sockmap_mutate/delete_raw_tracepoint
type: raw_tracepoint
maps: sm=sockhash(4,8,4)
desc: a raw tracepoint deletes from a sockhash
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 0
    exit

=== selftests_sockmap_mutate/delete_perf_event
type: perf_event
maps: sm=sockmap(4,8,4)
desc: a perf event program deletes from a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 0
    exit

=== selftests_sockmap_mutate/delete_tp_btf
type: tracing
maps: sm=sockmap(4,8,4)
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: a tp_btf program deletes from a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 0
    exit

=== selftests_sockmap_mutate/delete_syscall
type: syscall
maps: sm=sockmap(4,8,4)
desc: a syscall program deletes from a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 0
    exit

=== selftests_sockmap_mutate/update_sched_cls_socket
type: sched_cls
maps: sm=sockmap(4,8,4)
desc: tc stores a looked-up socket into a sockmap
    r6 = r1
    *(u64 *)(r10 - 48) = 0
    *(u64 *)(r10 - 40) = 0
    *(u64 *)(r10 - 32) = 0
    *(u64 *)(r10 - 24) = 0
    *(u64 *)(r10 - 16) = 0
    r2 = r10
    r2 += -48
    r3 = 36
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r7 = r0
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    r3 = r7
    r4 = 0
    call bpf_map_update_elem
    r1 = r7
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_sockmap_mutate/update_xdp_socket
type: xdp
maps: sm=sockhash(4,8,4)
desc: XDP stores a looked-up socket into a sockhash
    r6 = r1
    *(u64 *)(r10 - 48) = 0
    *(u64 *)(r10 - 40) = 0
    *(u64 *)(r10 - 32) = 0
    *(u64 *)(r10 - 24) = 0
    *(u64 *)(r10 - 16) = 0
    r2 = r10
    r2 += -48
    r3 = 36
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r7 = r0
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    r3 = r7
    r4 = 0
    call bpf_map_update_elem
    r1 = r7
    call bpf_sk_release
out:
    r0 = 2
    exit

=== selftests_sockmap_mutate/update_sched_cls_unreleased
type: sched_cls
maps: sm=sockmap(4,8,4)
desc: tc stores a looked-up socket and keeps the reference
    r6 = r1
    *(u64 *)(r10 - 48) = 0
    *(u64 *)(r10 - 40) = 0
    *(u64 *)(r10 - 32) = 0
    *(u64 *)(r10 - 24) = 0
    *(u64 *)(r10 - 16) = 0
    r2 = r10
    r2 += -48
    r3 = 36
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r7 = r0
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    r3 = r7
    r4 = 0
    call bpf_map_update_elem
out:
    r0 = 0
    exit

=== selftests_sockmap_mutate/update_sched_cls_maybe_null
type: sched_cls
maps: sm=sockmap(4,8,4)
desc: tc stores a socket before its NULL check
    r6 = r1
    *(u64 *)(r10 - 48) = 0
    *(u64 *)(r10 - 40) = 0
    *(u64 *)(r10 - 32) = 0
    *(u64 *)(r10 - 24) = 0
    *(u64 *)(r10 - 16) = 0
    r2 = r10
    r2 += -48
    r3 = 36
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    r7 = r0
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    r3 = r7
    r4 = 0
    call bpf_map_update_elem
    r1 = r7
    call bpf_sk_release
    r0 = 0
    exit

=== selftests_sockmap_mutate/update_sched_cls_stack_value
type: sched_cls
maps: sm=sockmap(4,8,4)
desc: tc stores a stack buffer into a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    *(u64 *)(r10 - 16) = 0
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
    r0 = 0
    exit

=== selftests_sockmap_mutate/update_socket_filter_stack_value
type: socket_filter
maps: sm=sockhash(4,8,4)
desc: a socket filter stores a stack buffer into a sockhash
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    *(u64 *)(r10 - 16) = 0
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
    r0 = 0
    exit

=== selftests_sockmap_mutate/update_sk_lookup_ctx_sk
type: sk_lookup
attach: sk_lookup
maps: sm=sockmap(4,8,4)
desc: sk_lookup stores its ctx's socket after the NULL check
    r7 = *(u64 *)(r1 + 0)
    if r7 == 0 goto out
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    r3 = r7
    r4 = 0
    call bpf_map_update_elem
out:
    r0 = 1
    exit

=== selftests_sockmap_mutate/update_sock_ops_ctx_sk
type: sock_ops
maps: sm=sockmap(4,8,4)
desc: sock_ops stores its ctx's socket with bpf_map_update_elem
    r7 = *(u64 *)(r1 + 184)
    if r7 == 0 goto out
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    r3 = r7
    r4 = 0
    call bpf_map_update_elem
out:
    r0 = 1
    exit

=== selftests_sockmap_mutate/sock_map_update_sock_ops
type: sock_ops
maps: sm=sockmap(4,8,4)
desc: sock_ops stores its socket with bpf_sock_map_update
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r2 = map_fd(sm) ll
    r3 = r10
    r3 += -4
    r4 = 0
    call bpf_sock_map_update
    r0 = 1
    exit

=== selftests_sockmap_mutate/sock_hash_update_sock_ops
type: sock_ops
maps: sm=sockhash(4,8,4)
desc: sock_ops stores its socket with bpf_sock_hash_update
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r2 = map_fd(sm) ll
    r3 = r10
    r3 += -4
    r4 = 0
    call bpf_sock_hash_update
    r0 = 1
    exit

=== selftests_sockmap_mutate/sock_hash_update_wrong_map
type: sock_ops
maps: sm=sockmap(4,8,4)
desc: bpf_sock_hash_update given a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r2 = map_fd(sm) ll
    r3 = r10
    r3 += -4
    r4 = 0
    call bpf_sock_hash_update
    r0 = 1
    exit

=== selftests_sockmap_mutate/iter_tcp_update
type: tracing
attach: trace_iter
attach_btf: bpf_iter_tcp
maps: dst=sockmap(4,8,4)
desc: a TCP socket iterator stores each socket into a sockmap
    r7 = *(u64 *)(r1 + 8)
    if r7 == 0 goto out
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(dst) ll
    r2 = r10
    r2 += -4
    r3 = r7
    r4 = 0
    call bpf_map_update_elem
out:
    r0 = 0
    exit

=== selftests_sockmap_mutate/iter_tcp_update_unchecked
type: tracing
attach: trace_iter
attach_btf: bpf_iter_tcp
maps: dst=sockhash(4,8,4)
desc: a TCP socket iterator stores its socket before the NULL check
    r7 = *(u64 *)(r1 + 8)
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(dst) ll
    r2 = r10
    r2 += -4
    r3 = r7
    r4 = 0
    call bpf_map_update_elem
    r0 = 0
    exit

=== selftests_sockmap_mutate/iter_unix_update
type: tracing
attach: trace_iter
attach_btf: bpf_iter_unix
maps: dst=sockmap(4,8,4)
desc: a unix socket iterator stores its socket into a sockmap
    r7 = *(u64 *)(r1 + 8)
    if r7 == 0 goto out
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(dst) ll
    r2 = r10
    r2 += -4
    r3 = r7
    r4 = 0
    call bpf_map_update_elem
out:
    r0 = 0
    exit

=== selftests_sockmap_mutate/iter_task_delete
type: tracing
attach: trace_iter
attach_btf: bpf_iter_task
maps: sm=sockmap(4,8,4)
desc: a task iterator deletes from a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = 0
    exit

=== selftests_sockmap_mutate/lookup_sched_cls
type: sched_cls
maps: sm=sockmap(4,8,4)
desc: tc looks a socket up in a sockmap and releases it
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_sockmap_mutate/lookup_kprobe
type: kprobe
maps: sm=sockmap(4,8,4)
desc: a kprobe looks a socket up in a sockmap
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r1 = map_fd(sm) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = 0
    exit
