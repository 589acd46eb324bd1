# Theme: the networking kfuncs besides conntrack, written afresh: the XDP RX metadata kfuncs (only
# for device-bound programs), the xfrm state lookup, bpf_xdp_pull_data (which invalidates packet
# pointers), and the socket kfuncs bpf_sock_addr_set_sun_path, bpf_sock_ops_enable_tx_tstamp and
# bpf_sk_assign_tcp_reqsk, each in its program type and another.

=== selftests_net_kfuncs/metadata_rx_timestamp_xdp
type: xdp
desc: bpf_xdp_metadata_rx_timestamp in a xdp program bound to no device
    r6 = 0
    *(u64 *)(r10 - 8) = r6
    *(u64 *)(r10 - 16) = r6
    r2 = r10
    r2 += -8
    call kfunc(bpf_xdp_metadata_rx_timestamp)
    exit

=== selftests_net_kfuncs/metadata_rx_timestamp_sched_cls
type: sched_cls
desc: bpf_xdp_metadata_rx_timestamp in a sched_cls program bound to no device
    r6 = 0
    *(u64 *)(r10 - 8) = r6
    *(u64 *)(r10 - 16) = r6
    r2 = r10
    r2 += -8
    call kfunc(bpf_xdp_metadata_rx_timestamp)
    exit

=== selftests_net_kfuncs/metadata_rx_hash_xdp
type: xdp
desc: bpf_xdp_metadata_rx_hash in a xdp program bound to no device
    r6 = 0
    *(u64 *)(r10 - 8) = r6
    *(u64 *)(r10 - 16) = r6
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -16
    call kfunc(bpf_xdp_metadata_rx_hash)
    exit

=== selftests_net_kfuncs/metadata_rx_hash_sched_cls
type: sched_cls
desc: bpf_xdp_metadata_rx_hash in a sched_cls program bound to no device
    r6 = 0
    *(u64 *)(r10 - 8) = r6
    *(u64 *)(r10 - 16) = r6
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -16
    call kfunc(bpf_xdp_metadata_rx_hash)
    exit

=== selftests_net_kfuncs/metadata_rx_vlan_tag_xdp
type: xdp
desc: bpf_xdp_metadata_rx_vlan_tag in a xdp program bound to no device
    r6 = 0
    *(u64 *)(r10 - 8) = r6
    *(u64 *)(r10 - 16) = r6
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -16
    call kfunc(bpf_xdp_metadata_rx_vlan_tag)
    exit

=== selftests_net_kfuncs/metadata_rx_vlan_tag_sched_cls
type: sched_cls
desc: bpf_xdp_metadata_rx_vlan_tag in a sched_cls program bound to no device
    r6 = 0
    *(u64 *)(r10 - 8) = r6
    *(u64 *)(r10 - 16) = r6
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -16
    call kfunc(bpf_xdp_metadata_rx_vlan_tag)
    exit

=== selftests_net_kfuncs/xfrm_lookup_release
type: xdp
desc: bpf_xdp_get_xfrm_state, the state released
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -40
    r3 = 36
    call kfunc(bpf_xdp_get_xfrm_state)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_xdp_xfrm_state_release)
out:
    r0 = 2
    exit

=== selftests_net_kfuncs/xfrm_lookup_leak
type: xdp
desc: the xfrm state never released
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -40
    r3 = 36
    call kfunc(bpf_xdp_get_xfrm_state)
    r0 = 2
    exit

=== selftests_net_kfuncs/xfrm_lookup_tc
type: sched_cls
desc: bpf_xdp_get_xfrm_state in a tc program
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -40
    r3 = 36
    call kfunc(bpf_xdp_get_xfrm_state)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_xdp_xfrm_state_release)
out:
    r0 = 2
    exit

=== selftests_net_kfuncs/xfrm_opts_past_stack
type: xdp
desc: options of 44 bytes from 40 below the frame
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -40
    r3 = 44
    call kfunc(bpf_xdp_get_xfrm_state)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_xdp_xfrm_state_release)
out:
    r0 = 2
    exit

=== selftests_net_kfuncs/xfrm_release_unchecked
type: xdp
desc: the state released without its NULL check
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -40
    r3 = 36
    call kfunc(bpf_xdp_get_xfrm_state)
    r1 = r0
    call kfunc(bpf_xdp_xfrm_state_release)
    r0 = 2
    exit

=== selftests_net_kfuncs/pull_data
type: xdp
desc: bpf_xdp_pull_data, then the packet bounds checked again
    r6 = r1
    r2 = 64
    call kfunc(bpf_xdp_pull_data)
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
    exit
out:
    r0 = 2
    exit

=== selftests_net_kfuncs/pull_data_stale_pointer
type: xdp
desc: a packet pointer checked before bpf_xdp_pull_data and read after it
    r6 = r1
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r7 = r2
    r1 = r6
    r2 = 0
    call kfunc(bpf_xdp_pull_data)
    r0 = *(u8 *)(r7 + 0)
    exit
out:
    r0 = 2
    exit

=== selftests_net_kfuncs/pull_data_tc
type: sched_cls
desc: bpf_xdp_pull_data in a tc program
    r2 = 1
    call kfunc(bpf_xdp_pull_data)
    r0 = 0
    exit

=== selftests_net_kfuncs/pull_data_ctx_moved
type: xdp
desc: bpf_xdp_pull_data of a moved context pointer
    r1 += 4
    r2 = 1
    call kfunc(bpf_xdp_pull_data)
    r0 = 2
    exit

=== selftests_net_kfuncs/sun_path_unix_connect
type: cgroup_sock_addr
attach: cgroup_unix_connect
desc: bpf_sock_addr_set_sun_path of the kernel context
    r6 = r1
    call kfunc(bpf_cast_to_kern_ctx)
    r7 = r0
    r1 = 0x61626364
    *(u64 *)(r10 - 8) = r1
    r1 = r7
    r2 = r10
    r2 += -8
    r3 = 8
    call kfunc(bpf_sock_addr_set_sun_path)
    r0 = 1
    exit

=== selftests_net_kfuncs/sun_path_inet4_connect
type: cgroup_sock_addr
attach: cgroup_inet4_connect
desc: the same in an inet4 connect program
    r6 = r1
    call kfunc(bpf_cast_to_kern_ctx)
    r7 = r0
    r1 = 0x61626364
    *(u64 *)(r10 - 8) = r1
    r1 = r7
    r2 = r10
    r2 += -8
    r3 = 8
    call kfunc(bpf_sock_addr_set_sun_path)
    r0 = 1
    exit

=== selftests_net_kfuncs/sun_path_too_long
type: cgroup_sock_addr
attach: cgroup_unix_connect
desc: a path longer than the stack holding it
    r6 = r1
    call kfunc(bpf_cast_to_kern_ctx)
    r7 = r0
    r1 = 0x61626364
    *(u64 *)(r10 - 8) = r1
    r1 = r7
    r2 = r10
    r2 += -8
    r3 = 200
    call kfunc(bpf_sock_addr_set_sun_path)
    r0 = 1
    exit

=== selftests_net_kfuncs/sun_path_uapi_ctx
type: cgroup_sock_addr
attach: cgroup_unix_connect
desc: the uapi context passed for the kernel one
    r6 = r1
    call kfunc(bpf_cast_to_kern_ctx)
    r7 = r0
    r1 = 0x61626364
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -8
    r3 = 8
    call kfunc(bpf_sock_addr_set_sun_path)
    r0 = 1
    exit

=== selftests_net_kfuncs/tx_tstamp_sock_ops
type: sock_ops
attach: cgroup_sock_ops
desc: bpf_sock_ops_enable_tx_tstamp of the kernel context
    call kfunc(bpf_cast_to_kern_ctx)
    r1 = r0
    r2 = 0
    call kfunc(bpf_sock_ops_enable_tx_tstamp)
    r0 = 1
    exit

=== selftests_net_kfuncs/tx_tstamp_tc
type: sched_cls
desc: bpf_sock_ops_enable_tx_tstamp in a tc program
    call kfunc(bpf_cast_to_kern_ctx)
    r1 = r0
    r2 = 0
    call kfunc(bpf_sock_ops_enable_tx_tstamp)
    r0 = 1
    exit

=== selftests_net_kfuncs/reqsk_tc
type: sched_cls
desc: bpf_sk_assign_tcp_reqsk with a looked-up socket
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r7 = r0
    r1 = r6
    r2 = r7
    r3 = r10
    r3 += -32
    r4 = 20
    call kfunc(bpf_sk_assign_tcp_reqsk)
    r1 = r7
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_net_kfuncs/reqsk_attrs_past_stack
type: sched_cls
desc: attributes of 40 bytes from 32 below the frame
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r7 = r0
    r1 = r6
    r2 = r7
    r3 = r10
    r3 += -32
    r4 = 40
    call kfunc(bpf_sk_assign_tcp_reqsk)
    r1 = r7
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_net_kfuncs/reqsk_xdp
type: xdp
desc: bpf_sk_assign_tcp_reqsk in an XDP program
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r7 = r0
    r1 = r6
    r2 = r7
    r3 = r10
    r3 += -32
    r4 = 20
    call kfunc(bpf_sk_assign_tcp_reqsk)
    r1 = r7
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_net_kfuncs/reqsk_stack_socket
type: sched_cls
desc: a stack pointer for the socket
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -48
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r7 = r0
    r1 = r6
    r2 = r10
    r3 = r10
    r3 += -32
    r4 = 20
    call kfunc(bpf_sk_assign_tcp_reqsk)
    r1 = r7
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_net_kfuncs/skb_meta_sched_cls
type: sched_cls
desc: bpf_dynptr_from_skb_meta in a sched_cls program
    r6 = r1
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb_meta)
    r0 = 0
    exit

=== selftests_net_kfuncs/skb_meta_xdp
type: xdp
desc: bpf_dynptr_from_skb_meta in a xdp program
    r6 = r1
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb_meta)
    r0 = 0
    exit

=== selftests_net_kfuncs/skb_meta_socket_filter
type: socket_filter
desc: bpf_dynptr_from_skb_meta in a socket_filter program
    r6 = r1
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb_meta)
    r0 = 0
    exit

=== selftests_net_kfuncs/skb_meta_cgroup_skb
type: cgroup_skb
desc: bpf_dynptr_from_skb_meta in a cgroup_skb program
    r6 = r1
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb_meta)
    r0 = 1
    exit

=== selftests_net_kfuncs/skb_meta_slice
type: sched_cls
desc: a slice of the skb metadata dynptr, NULL-checked
    r6 = r1
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb_meta)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 0
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto null
    r0 = *(u32 *)(r0 + 0)
null:
    r0 = 0
    exit

=== selftests_net_kfuncs/skb_meta_slice_unchecked
type: sched_cls
desc: a slice of the skb metadata dynptr read without its NULL check
    r6 = r1
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb_meta)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 0
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    r0 = *(u32 *)(r0 + 0)
    r0 = 0
    exit

=== selftests_net_kfuncs/skb_meta_slice_after_pull
type: sched_cls
desc: a slice of the skb metadata dynptr read after bpf_skb_pull_data
    r6 = r1
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb_meta)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 0
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto null
    r7 = r0
    r1 = r6
    r2 = 0
    call bpf_skb_pull_data
    r0 = *(u32 *)(r7 + 0)
null:
    r0 = 0
    exit

=== selftests_net_kfuncs/skb_meta_overwritten
type: sched_cls
desc: the skb metadata dynptr's stack slots overwritten, then used
    r6 = r1
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb_meta)
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    call kfunc(bpf_dynptr_size)
    r0 = 0
    exit
