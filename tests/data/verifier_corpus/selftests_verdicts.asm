# Theme: the verdicts Linux 6.12's verifier_*.c selftests showed pybpf getting wrong, written afresh
# with accepted and refused neighbours: sign-extending loads (BPF_MEMSX) of the context's packet
# pointers (is_valid_access's info->is_ldsx), ...

=== selftests_verdicts/ldsx_xdp_data
type: xdp
desc: a sign-extending 32-bit load of xdp_md->data (a packet pointer)
    r2 = *(s32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_xdp_data_end
type: xdp
desc: a sign-extending 32-bit load of xdp_md->data_end
    r2 = *(s32 *)(r1 + 4)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_xdp_data_meta
type: xdp
desc: a sign-extending 32-bit load of xdp_md->data_meta
    r2 = *(s32 *)(r1 + 8)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_xdp_ingress_ifindex
type: xdp
desc: a sign-extending 32-bit load of xdp_md->ingress_ifindex (a scalar field: allowed)
    r2 = *(s32 *)(r1 + 12)
    r0 = r2
    r0 &= 1
    exit

=== selftests_verdicts/ldsx_xdp_rx_queue_s16
type: xdp
desc: a sign-extending 16-bit load of xdp_md->rx_queue_index (a narrow load: refused as any narrow load of it)
    r2 = *(s16 *)(r1 + 16)
    r0 = 0
    exit

=== selftests_verdicts/ldx_xdp_data
type: xdp
desc: the zero-extending load of xdp_md->data next to them: a packet pointer
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = r2
    r0 += 8
    if r0 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_verdicts/ldsx_tc_data
type: sched_cls
desc: a sign-extending 32-bit load of __sk_buff->data in tc
    r2 = *(s32 *)(r1 + 76)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_tc_data_end
type: sched_cls
desc: a sign-extending 32-bit load of __sk_buff->data_end in tc
    r2 = *(s32 *)(r1 + 80)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_tc_data_meta
type: sched_act
desc: a sign-extending 32-bit load of __sk_buff->data_meta in a tc action
    r2 = *(s32 *)(r1 + 140)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_tc_len
type: sched_cls
desc: a sign-extending 32-bit load of __sk_buff->len: a scalar field, allowed
    r2 = *(s32 *)(r1 + 0)
    r0 = r2
    r0 &= 1
    exit

=== selftests_verdicts/ldsx_tc_mark_s8
type: sched_cls
desc: a sign-extending byte load of __sk_buff->mark (a narrow scalar load: allowed)
    r2 = *(s8 *)(r1 + 8)
    r0 = r2
    r0 &= 1
    exit

=== selftests_verdicts/ldsx_tc_cb_s16
type: sched_cls
desc: a sign-extending 16-bit load of __sk_buff->cb[1]
    r2 = *(s16 *)(r1 + 54)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_cgroup_skb_data
type: cgroup_skb
desc: a sign-extending load of __sk_buff->data in a cgroup skb program
    r2 = *(s32 *)(r1 + 76)
    r0 = 1
    exit

=== selftests_verdicts/ldsx_cgroup_skb_data_end
type: cgroup_skb
desc: a sign-extending load of __sk_buff->data_end in a cgroup skb program
    r2 = *(s32 *)(r1 + 80)
    r0 = 1
    exit

=== selftests_verdicts/ldsx_cgroup_skb_priority
type: cgroup_skb
desc: a sign-extending load of __sk_buff->priority in a cgroup skb program (allowed)
    r2 = *(s32 *)(r1 + 32)
    r0 = 1
    exit

=== selftests_verdicts/ldsx_lwt_in_data
type: lwt_in
desc: a sign-extending load of __sk_buff->data in an LWT program
    r2 = *(s32 *)(r1 + 76)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_lwt_xmit_data_end
type: lwt_xmit
desc: a sign-extending load of __sk_buff->data_end in an LWT xmit program
    r2 = *(s32 *)(r1 + 80)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_sk_skb_data
type: sk_skb
desc: a sign-extending load of __sk_buff->data in an sk_skb program
    r2 = *(s32 *)(r1 + 76)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_sk_skb_data_end
type: sk_skb
desc: a sign-extending load of __sk_buff->data_end in an sk_skb program
    r2 = *(s32 *)(r1 + 80)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_socket_filter_data
type: socket_filter
desc: a sign-extending load of __sk_buff->data in a socket filter (which never reads it)
    r2 = *(s32 *)(r1 + 76)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_socket_filter_len
type: socket_filter
desc: a sign-extending load of __sk_buff->len in a socket filter (allowed)
    r2 = *(s32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_flow_dissector_data
type: flow_dissector
desc: a sign-extending load of __sk_buff->data in a flow dissector
    r2 = *(s32 *)(r1 + 76)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_flow_dissector_data_end
type: flow_dissector
desc: a sign-extending load of __sk_buff->data_end in a flow dissector
    r2 = *(s32 *)(r1 + 80)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_sk_msg_data
type: sk_msg
desc: a sign-extending 32-bit load of sk_msg_md->data (a 64-bit pointer field: no 32-bit load reads it)
    r2 = *(s32 *)(r1 + 0)
    r0 = 1
    exit

=== selftests_verdicts/ldsx_sk_msg_remote_port
type: sk_msg
desc: a sign-extending 32-bit load of sk_msg_md->remote_port (allowed)
    r2 = *(s32 *)(r1 + 60)
    r0 = 1
    exit

=== selftests_verdicts/ldsx_sock_ops_skb_data
type: sock_ops
desc: a sign-extending 32-bit load of bpf_sock_ops->skb_data (a 64-bit pointer field)
    r2 = *(s32 *)(r1 + 192)
    r0 = 1
    exit

=== selftests_verdicts/ldsx_sock_ops_op
type: sock_ops
desc: a sign-extending 32-bit load of bpf_sock_ops->op (allowed)
    r2 = *(s32 *)(r1 + 0)
    r0 = 1
    exit

=== selftests_verdicts/ldsx_kprobe_reg
type: kprobe
desc: a sign-extending 32-bit load of a pt_regs register in a kprobe (allowed)
    r2 = *(s32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_ctx_store_then_load
type: sched_cls
desc: a sign-extending load of __sk_buff->data after the plain load of data_end: still refused
    r3 = *(u32 *)(r1 + 80)
    r2 = *(s32 *)(r1 + 76)
    r0 = 0
    exit
