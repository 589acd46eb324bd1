# Theme: what the run-time fidelity work of session 20 depends on in the verifier:
# bpf_get_cgroup_classid's two prototypes (tc and the LWT types pass the skb,
# bpf_get_cgroup_classid_proto; every other type passes nothing, bpf_get_cgroup_classid_curr_proto),
# reads of a map's kernel struct through the map pointer (check_ptr_to_map_access: read-only,
# through map->ops too), and a legacy packet load in a subprogram (its hidden exit returns 0 to the
# caller).

=== runtime_fidelity/classid_socket_filter_no_arg
type: socket_filter
desc: a socket filter's bpf_get_cgroup_classid takes no argument: a scalar in r1 is fine
    r1 = 5
    call bpf_get_cgroup_classid
    exit

=== runtime_fidelity/classid_xdp_no_arg
type: xdp
desc: XDP's bpf_get_cgroup_classid (the base prototype) takes no argument
    r1 = 0
    call bpf_get_cgroup_classid
    r0 = 2
    exit

=== runtime_fidelity/classid_sock_addr_no_arg
type: cgroup_sock_addr
attach: cgroup_inet4_connect
desc: cgroup_current_func_proto's bpf_get_cgroup_classid: the caller's classid, no argument
    r1 = 7
    call bpf_get_cgroup_classid
    r0 = 1
    exit

=== runtime_fidelity/classid_cgroup_skb_no_arg
type: cgroup_skb
desc: a cgroup skb program has the no-argument prototype as well
    r1 = 7
    call bpf_get_cgroup_classid
    r0 = 1
    exit

=== runtime_fidelity/classid_sk_msg_no_arg
type: sk_msg
desc: sk_msg_func_proto's bpf_get_cgroup_classid takes no argument
    r1 = 7
    call bpf_get_cgroup_classid
    r0 = 1
    exit

=== runtime_fidelity/classid_tc_needs_the_skb
type: sched_cls
desc: tc's bpf_get_cgroup_classid takes the skb: a scalar in r1 is refused
    r1 = 5
    call bpf_get_cgroup_classid
    exit

=== runtime_fidelity/classid_tc_with_the_skb
type: sched_cls
desc: tc's bpf_get_cgroup_classid with the ctx in r1
    call bpf_get_cgroup_classid
    exit

=== runtime_fidelity/classid_lwt_needs_the_skb
type: lwt_xmit
desc: the LWT types' bpf_get_cgroup_classid takes the skb too
    r1 = 0
    call bpf_get_cgroup_classid
    r0 = 0
    exit

=== runtime_fidelity/classid_tc_r1_clobbered
type: sched_cls
desc: r1 no longer holds the ctx after a helper call: tc's classid needs it again
    call bpf_get_prandom_u32
    call bpf_get_cgroup_classid
    exit

=== runtime_fidelity/classid_live_r1_before_tc_call
type: sched_cls
desc: the ctx kept in r6 is passed again: r1 is read by the call (its liveness: tc's prototype)
    r6 = r1
    call bpf_get_prandom_u32
    if r0 > 10 goto skip
    r0 = 0
skip:
    r1 = r6
    call bpf_get_cgroup_classid
    exit

=== runtime_fidelity/map_ptr_read_max_entries
type: socket_filter
maps: m=array(4,12,5)
desc: map->max_entries through the map pointer (struct bpf_array)
    r1 = map_fd(m)
    r0 = *(u32 *)(r1 + offsetof(bpf_array, map.max_entries))
    exit

=== runtime_fidelity/map_ptr_read_elem_size
type: socket_filter
maps: m=array(4,12,5)
desc: bpf_array's own elem_size, past struct bpf_map
    r1 = map_fd(m)
    r0 = *(u32 *)(r1 + offsetof(bpf_array, elem_size))
    exit

=== runtime_fidelity/map_ptr_hash_n_buckets
type: socket_filter
maps: m=hash(4,8,10)
desc: bpf_htab's n_buckets through a hash map's pointer
    r1 = map_fd(m)
    r0 = *(u32 *)(r1 + offsetof(bpf_htab, n_buckets))
    exit

=== runtime_fidelity/map_ptr_ops_then_member
type: socket_filter
maps: m=array(4,8,2)
desc: map->ops is an untrusted struct bpf_map_ops pointer: its members may be read (probe loads)
    r1 = map_fd(m)
    r1 = *(u64 *)(r1 + offsetof(bpf_map, ops))
    r0 = *(u64 *)(r1 + 8)
    r0 = 0
    exit

=== runtime_fidelity/map_ptr_write_name
type: socket_filter
maps: m=array(4,8,2)
desc: the map's kernel struct is read-only
    r1 = map_fd(m)
    r2 = 0
    *(u32 *)(r1 + offsetof(bpf_map, name)) = r2
    r0 = 0
    exit

=== runtime_fidelity/map_ptr_inner_map_read
type: socket_filter
maps: inner=array(4,8,3) outer=array_of_maps(4,4,1,inner:inner,0:inner)
desc: an inner map's struct read through the pointer a lookup returned
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer)
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + offsetof(bpf_array, map.max_entries))
out:
    exit

=== runtime_fidelity/ld_abs_subprog_returns_both_ways
type: socket_filter
btf: func_info
desc: a subprogram's LD_ABS: the caller sees 7 or the hidden exit's 0, and keeps its r7
    r6 = r1
    r7 = 5
    call f
    r0 += r7
    exit
f:
    r6 = r1
    r0 = *(u8 *)skb[200]
    r0 = 7
    exit
