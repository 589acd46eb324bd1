# Theme: bpf_spin_lock as the kernel's verifier_spin_lock selftests probe it, written afresh.  The
# corpus creates maps without BTF, so every lock here is refused on the map's missing BTF
# (process_spin_lock); the lock's placement rules need BTF and are covered where BTF is available.

=== selftests_spin_lock/lock_without_btf
maps: m=hash(4,8,4)
desc: bpf_spin_lock on a value of a map without BTF
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call bpf_spin_lock
    r1 = r6
    call bpf_spin_unlock
out:
    r0 = 0
    exit

=== selftests_spin_lock/unlock_without_btf
maps: m=array(4,8,4)
desc: bpf_spin_unlock on an array value without BTF
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    call bpf_spin_unlock
out:
    r0 = 0
    exit

=== selftests_spin_lock/lock_stack
type: sched_cls
desc: bpf_spin_lock on a stack address
    r1 = r10
    r1 += -8
    call bpf_spin_lock
    r0 = 0
    exit

=== selftests_spin_lock/lock_not_null_checked
maps: m=hash(4,8,4)
desc: bpf_spin_lock on a possibly NULL value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r1 = r0
    call bpf_spin_lock
    r0 = 0
    exit

=== selftests_spin_lock/lock_socket_filter
type: socket_filter
maps: m=hash(4,8,4)
desc: bpf_spin_lock in a socket filter
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    call bpf_spin_lock
out:
    r0 = 0
    exit
