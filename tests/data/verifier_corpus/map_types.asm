=== map_types/current_task_under_cgroup
type: raw_tracepoint
maps: cg=cgroup_array(4,4,1)
desc: a cgroup array handed to bpf_current_task_under_cgroup
    r1 = map_fd(cg) ll
    r2 = 0
    call bpf_current_task_under_cgroup
    exit

=== map_types/current_task_under_cgroup_wrong_map
type: raw_tracepoint
maps: m=hash(4,8,16)
desc: a hash map where bpf_current_task_under_cgroup takes a cgroup array
    r1 = map_fd(m) ll
    r2 = 0
    call bpf_current_task_under_cgroup
    exit

=== map_types/skb_under_cgroup
type: sched_cls
maps: cg=cgroup_array(4,4,4)
desc: a cgroup array handed to bpf_skb_under_cgroup with a variable index
    r6 = r1
    r3 = *(u32 *)(r6 + 0)
    r1 = r6
    r2 = map_fd(cg) ll
    call bpf_skb_under_cgroup
    exit

=== map_types/skb_under_cgroup_wrong_map
type: sched_cls
maps: a=array(4,4,4)
desc: an array where bpf_skb_under_cgroup takes a cgroup array
    r2 = map_fd(a) ll
    r3 = 0
    call bpf_skb_under_cgroup
    exit

=== map_types/cgroup_array_lookup
type: raw_tracepoint
maps: cg=cgroup_array(4,4,1)
desc: programs cannot look a cgroup array up
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(cg) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== map_types/cgroup_array_delete
type: sched_cls
maps: cg=cgroup_array(4,4,1)
desc: nor delete from it
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(cg) ll
    call bpf_map_delete_elem
    r0 = 0
    exit

=== map_types/cgroup_array_tail_call
type: sched_cls
maps: cg=cgroup_array(4,4,1)
desc: a cgroup array is no prog array
    r2 = map_fd(cg) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== map_types/get_stackid
type: raw_tracepoint
maps: st=stack_trace(4,1016,64)
desc: the kernel stack's id in a stack trace map
    r2 = map_fd(st) ll
    r3 = 0
    call bpf_get_stackid
    exit

=== map_types/get_stackid_user_stack_variable_flags
type: raw_tracepoint
maps: st=stack_trace(4,64,8)
desc: flags are any scalar (checked at run time)
    r3 = *(u64 *)(r1 + 0)
    r2 = map_fd(st) ll
    call bpf_get_stackid
    exit

=== map_types/get_stackid_wrong_map
type: raw_tracepoint
maps: m=hash(4,8,16)
desc: a hash map where bpf_get_stackid takes a stack trace map
    r2 = map_fd(m) ll
    r3 = 0
    call bpf_get_stackid
    exit

=== map_types/get_stackid_from_xdp
type: xdp
maps: st=stack_trace(4,64,8)
desc: XDP programs have no bpf_get_stackid
    r2 = map_fd(st) ll
    r3 = 0
    call bpf_get_stackid
    exit

=== map_types/stack_trace_lookup
type: raw_tracepoint
maps: st=stack_trace(4,64,8)
desc: programs cannot look a stack trace up
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(st) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== map_types/stack_trace_update
type: raw_tracepoint
maps: st=stack_trace(4,8,8)
desc: nor store one
    *(u32 *)(r10 - 4) = 0
    *(u64 *)(r10 - 16) = 0
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    r1 = map_fd(st) ll
    call bpf_map_update_elem
    r0 = 0
    exit

=== map_types/stack_trace_into_perf_output
type: raw_tracepoint
maps: st=stack_trace(4,8,8)
desc: a stack trace map is no perf event array
    *(u64 *)(r10 - 8) = 0
    r4 = r10
    r4 += -8
    r5 = 8
    r2 = map_fd(st) ll
    r3 = 0
    call bpf_perf_event_output
    r0 = 0
    exit

=== map_types/redirect_map_devmap
type: xdp
maps: d=devmap(4,8,4)
desc: an XDP redirect through a devmap with the fallback action in the flags
    r1 = map_fd(d) ll
    r2 = 1
    r3 = 2
    call bpf_redirect_map
    exit

=== map_types/redirect_map_devmap_hash_variable_key
type: xdp
maps: d=devmap_hash(4,4,16)
desc: the key and flags of bpf_redirect_map are any scalars
    r2 = *(u32 *)(r1 + 12)
    r3 = *(u32 *)(r1 + 16)
    r1 = map_fd(d) ll
    call bpf_redirect_map
    exit

=== map_types/redirect_map_wrong_map
type: xdp
maps: a=array(4,4,4)
desc: an array where bpf_redirect_map takes a devmap, cpumap or xskmap
    r1 = map_fd(a) ll
    r2 = 0
    r3 = 0
    call bpf_redirect_map
    exit

=== map_types/devmap_lookup_read
type: xdp
maps: d=devmap(4,8,4)
desc: programs read a devmap entry (ifindex and program id)
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(d) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 4)
    exit
out:
    r0 = 2
    exit

=== map_types/devmap_lookup_write
type: xdp
maps: d=devmap(4,8,4)
desc: a devmap entry is read-only to programs (BPF_F_RDONLY_PROG added at creation)
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(d) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u32 *)(r0 + 0) = 1
out:
    r0 = 2
    exit

=== map_types/devmap_lookup_past_value
type: xdp
maps: d=devmap_hash(4,4,4)
desc: a 4-byte devmap value holds the ifindex only
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(d) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 4)
    exit
out:
    r0 = 2
    exit

=== map_types/devmap_update_from_program
type: xdp
maps: d=devmap(4,4,4)
desc: programs cannot update a devmap
    *(u32 *)(r10 - 4) = 0
    *(u32 *)(r10 - 8) = 1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -8
    r4 = 0
    r1 = map_fd(d) ll
    call bpf_map_update_elem
    r0 = 2
    exit

=== map_types/devmap_hash_delete_from_program
type: xdp
maps: d=devmap_hash(4,4,4)
desc: nor delete from a device hash
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(d) ll
    call bpf_map_delete_elem
    r0 = 2
    exit

=== map_types/redirect_map_cpumap
type: xdp
maps: c=cpumap(4,8,2)
desc: an XDP redirect to a CPU
    r1 = map_fd(c) ll
    r2 = 0
    r3 = 0
    call bpf_redirect_map
    exit

=== map_types/cpumap_lookup
type: xdp
maps: c=cpumap(4,4,2)
desc: programs cannot look a cpumap up
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(c) ll
    call bpf_map_lookup_elem
    r0 = 2
    exit

=== map_types/cpumap_tail_call
type: xdp
maps: c=cpumap(4,4,2)
desc: a cpumap is no prog array
    r2 = map_fd(c) ll
    r3 = 0
    call bpf_tail_call
    r0 = 2
    exit
