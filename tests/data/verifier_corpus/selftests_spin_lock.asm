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

=== selftests_spin_lock/btf_lock_unlock
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: lock and unlock the value's bpf_spin_lock (offset 4)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    r1 += 4
    call bpf_spin_lock
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 0
    exit

=== selftests_spin_lock/btf_lock_wrong_offset
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: the lock taken at offset 0 instead of 4
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

=== selftests_spin_lock/btf_missing_unlock
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: the lock still held at exit
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r1 += 4
    call bpf_spin_lock
out:
    r0 = 0
    exit

=== selftests_spin_lock/btf_unlock_only
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: unlock without a lock
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 0
    exit

=== selftests_spin_lock/btf_double_lock
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: the lock taken twice
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    r1 += 4
    call bpf_spin_lock
    r1 = r6
    r1 += 4
    call bpf_spin_lock
out:
    r0 = 0
    exit

=== selftests_spin_lock/btf_helper_inside
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: a helper call while the lock is held
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    r1 += 4
    call bpf_spin_lock
    call bpf_get_prandom_u32
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 0
    exit

=== selftests_spin_lock/btf_read_lock_field
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: a direct read of the bpf_spin_lock field
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 4)
out:
    r0 = 0
    exit

=== selftests_spin_lock/btf_write_other_field_locked
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: the value's long field written under the lock
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    r1 += 4
    call bpf_spin_lock
    r1 = 1
    *(u64 *)(r6 + 8) = r1
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 0
    exit

=== selftests_spin_lock/btf_unlock_other_lookup
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: lock through one lookup, unlock through another of the same element
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r6
    r1 += 4
    call bpf_spin_lock
    r1 = r7
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 0
    exit

=== selftests_spin_lock/btf_exit_in_subprog_locked
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: a subprogram called with the lock held
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    r1 += 4
    call bpf_spin_lock
    call f
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_spin_lock/btf_ld_abs_locked
type: sched_cls
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: LD_ABS with the lock held
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r0
    r1 += 4
    call bpf_spin_lock
    r0 = *(u8 *)skb[0]
    r1 = r7
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 0
    exit
