# Theme: cgroup storage (BPF_MAP_TYPE_CGROUP_STORAGE and PERCPU_CGROUP_STORAGE) and
# bpf_get_local_storage: a map value that is never NULL, of value_size bytes, with the map's program
# access flags; flags must be the constant 0; one storage map of each flavour per program (EBUSY);
# the maps go to no other helper and the helper takes no other map; cgroup program types only.

=== cgroup_storage/counter
type: cgroup_skb
maps: st=cgroup_storage(16,8,0)
desc: increments a counter in the storage without a NULL check
    r1 = map_fd(st) ll
    r2 = 0
    call bpf_get_local_storage
    r1 = *(u64 *)(r0 + 0)
    r1 += 1
    *(u64 *)(r0 + 0) = r1
    r0 = 1
    exit

=== cgroup_storage/percpu_counter
type: cgroup_skb
maps: st=percpu_cgroup_storage(8,16,0)
desc: the per-CPU flavour, an 8-byte key, the last word of the value
    r1 = map_fd(st) ll
    r2 = 0
    call bpf_get_local_storage
    r1 = *(u64 *)(r0 + 8)
    r1 += 1
    *(u64 *)(r0 + 8) = r1
    r0 = 1
    exit

=== cgroup_storage/past_the_value
type: cgroup_skb
maps: st=cgroup_storage(16,8,0)
desc: the value is value_size bytes
    r1 = map_fd(st) ll
    r2 = 0
    call bpf_get_local_storage
    r0 = *(u32 *)(r0 + 6)
    r0 = 1
    exit

=== cgroup_storage/nonzero_flags
type: cgroup_skb
maps: st=cgroup_storage(16,8,0)
desc: flags must be 0
    r1 = map_fd(st) ll
    r2 = 1
    call bpf_get_local_storage
    r0 = 1
    exit

=== cgroup_storage/unknown_flags
type: cgroup_skb
maps: st=cgroup_storage(16,8,0)
desc: flags must be known to be 0
    r6 = r1
    r1 = map_fd(st) ll
    r2 = *(u32 *)(r6 + 0)
    call bpf_get_local_storage
    r0 = 1
    exit

=== cgroup_storage/both_flavours
type: cgroup_skb
maps: a=cgroup_storage(16,8,0) b=percpu_cgroup_storage(16,8,0)
desc: one map of each flavour
    r1 = map_fd(a) ll
    r2 = 0
    call bpf_get_local_storage
    r1 = map_fd(b) ll
    r2 = 0
    call bpf_get_local_storage
    r0 = 1
    exit

=== cgroup_storage/two_shared
type: cgroup_skb
maps: a=cgroup_storage(16,8,0) b=cgroup_storage(8,8,0)
desc: two maps of one flavour: EBUSY
    r1 = map_fd(a) ll
    r2 = 0
    call bpf_get_local_storage
    r1 = map_fd(b) ll
    r2 = 0
    call bpf_get_local_storage
    r0 = 1
    exit

=== cgroup_storage/two_percpu_unused
type: cgroup_skb
maps: a=percpu_cgroup_storage(16,8,0) b=percpu_cgroup_storage(16,8,0)
desc: a map only referenced counts too
    r1 = map_fd(a) ll
    r1 = map_fd(b) ll
    r0 = 1
    exit

=== cgroup_storage/array_to_helper
type: cgroup_skb
maps: a=array(4,8,1)
desc: bpf_get_local_storage takes only cgroup storage
    r1 = map_fd(a) ll
    r2 = 0
    call bpf_get_local_storage
    r0 = 1
    exit

=== cgroup_storage/lookup
type: cgroup_skb
maps: st=cgroup_storage(16,8,0)
desc: programs cannot look cgroup storage up
    *(u64 *)(r10 - 16) = 0
    *(u64 *)(r10 - 8) = 0
    r2 = r10
    r2 += -16
    r1 = map_fd(st) ll
    call bpf_map_lookup_elem
    r0 = 1
    exit

=== cgroup_storage/percpu_update
type: cgroup_skb
maps: st=percpu_cgroup_storage(8,8,0)
desc: nor update it
    *(u64 *)(r10 - 8) = 0
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -8
    r4 = 0
    r1 = map_fd(st) ll
    call bpf_map_update_elem
    r0 = 1
    exit

=== cgroup_storage/readonly_write
type: cgroup_skb
maps: st=cgroup_storage(16,8,0,rdonly_prog)
desc: BPF_F_RDONLY_PROG storage cannot be written
    r1 = map_fd(st) ll
    r2 = 0
    call bpf_get_local_storage
    r1 = 1
    *(u64 *)(r0 + 0) = r1
    r0 = 1
    exit

=== cgroup_storage/writeonly_read
type: cgroup_skb
maps: st=cgroup_storage(16,8,0,wronly_prog)
desc: BPF_F_WRONLY_PROG storage cannot be read
    r1 = map_fd(st) ll
    r2 = 0
    call bpf_get_local_storage
    r0 = *(u64 *)(r0 + 0)
    r0 = 1
    exit

=== cgroup_storage/sock_ops
type: sock_ops
maps: st=cgroup_storage(16,8,0)
desc: sock_ops programs have the helper too
    r1 = map_fd(st) ll
    r2 = 0
    call bpf_get_local_storage
    r0 = 1
    exit

=== cgroup_storage/xdp
type: xdp
maps: st=cgroup_storage(16,8,0)
desc: xdp programs do not
    r1 = map_fd(st) ll
    r2 = 0
    call bpf_get_local_storage
    r0 = 1
    exit
