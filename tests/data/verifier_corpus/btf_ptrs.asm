# Pointers read out of kernel structs (check_ptr_to_btf_access(), btf_struct_access()) and the casts
# bpf_cast_to_kern_ctx / bpf_rdonly_cast, on the ideas of the kernel's selftests rcu_read_lock.c,
# nested_trust_success/failure.c, task_kfunc_success/failure.c, type_cast.c and
# verifier_btf_ctx_access.c (written afresh).  offsetof(STRUCT, MEMBER) and btf_type(STRUCT) are the
# running kernel's layout and type ids (tests/verifier/verifier_corpus.py).

=== btf_ptrs/real_parent_tgid
desc: task->real_parent->tgid in a non-sleepable program: real_parent is an RCU pointer there
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    r0 = *(u32 *)(r1 + offsetof(task_struct, tgid))
    r0 = 0
    exit

=== btf_ptrs/real_parent_parent_mm
desc: real_parent twice, then its mm (untrusted) and a read far inside mm_struct
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    r1 = *(u64 *)(r1 + offsetof(task_struct, real_parent))
    r1 = *(u64 *)(r1 + offsetof(task_struct, mm))
    r0 = *(u64 *)(r1 + offsetof(mm_struct, exe_file))
    r0 = 0
    exit

=== btf_ptrs/real_parent_acquire
desc: an RCU real_parent handed to bpf_task_acquire (KF_RCU) and released
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== btf_ptrs/real_parent_acquire_unchecked
desc: bpf_task_acquire's result released without the NULL check
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    call kfunc(bpf_task_acquire)
    r1 = r0
    call kfunc(bpf_task_release)
    r0 = 0
    exit

=== btf_ptrs/real_parent_release
desc: an RCU pointer handed to bpf_task_release: it holds no reference
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    call kfunc(bpf_task_release)
    r0 = 0
    exit

=== btf_ptrs/group_leader_rcu
desc: group_leader is on the RCU allow-list too (never NULL)
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, group_leader))
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== btf_ptrs/mm_untrusted_acquire
desc: task->mm->owner is untrusted: no kfunc takes it
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, mm))
    r1 = *(u64 *)(r1 + offsetof(mm_struct, owner))
    call kfunc(bpf_task_acquire)
    r0 = 0
    exit

=== btf_ptrs/mm_untrusted_helper
desc: task->mm->owner is untrusted: no helper takes it as a task either
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, mm))
    r1 = *(u64 *)(r1 + offsetof(mm_struct, owner))
    call bpf_task_pt_regs
    r0 = 0
    exit

=== btf_ptrs/rcu_to_helper
desc: an RCU task pointer is good for bpf_task_pt_regs
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    call bpf_task_pt_regs
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== btf_ptrs/cpus_ptr
desc: task->cpus_ptr, an RCU cpumask, read
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, cpus_ptr))
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== btf_ptrs/cgroups_dfl_cgrp_kn
desc: task->cgroups->dfl_cgrp->kn, every step on an RCU allow-list
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, cgroups))
    r1 = *(u64 *)(r1 + offsetof(css_set, dfl_cgrp))
    r1 = *(u64 *)(r1 + offsetof(cgroup, kn))
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== btf_ptrs/dfl_cgrp_acquire
desc: an RCU cgroup from task->cgroups->dfl_cgrp handed to bpf_cgroup_acquire
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, cgroups))
    r1 = *(u64 *)(r1 + offsetof(css_set, dfl_cgrp))
    call kfunc(bpf_cgroup_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== btf_ptrs/void_member
desc: task->stack points to no struct: untrusted read-only memory, read by probe loads
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, stack))
    r0 = *(u64 *)(r1 + 4096)
    r0 = 0
    exit

=== btf_ptrs/void_member_write
desc: task->stack written: the memory is read-only
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, stack))
    r2 = 0
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit

=== btf_ptrs/ptr_member_half
desc: 4 bytes of the 8-byte real_parent pointer
    call bpf_get_current_task_btf
    r0 = *(u32 *)(r0 + offsetof(task_struct, real_parent))
    r0 = 0
    exit

=== btf_ptrs/write_through_rcu
desc: a store into the RCU real_parent: only read is supported
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    r2 = 0
    *(u32 *)(r1 + offsetof(task_struct, pid)) = r2
    r0 = 0
    exit

=== btf_ptrs/moved_pointer_read
desc: the RCU pointer moved to tgid, then read at offset 0
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    r1 += offsetof(task_struct, tgid)
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== btf_ptrs/moved_pointer_acquire
desc: an RCU pointer moved by 8 handed to bpf_task_acquire
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    r1 += 8
    call kfunc(bpf_task_acquire)
    r0 = 0
    exit

=== btf_ptrs/negative_read
desc: a read before the RCU task struct
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    r0 = *(u64 *)(r1 - 8)
    r0 = 0
    exit

=== btf_ptrs/nonnull_branch
desc: comparing a never-NULL RCU pointer with 0: both branches are walked
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    if r1 != 0 goto l
    r0 = 1
    exit
l:
    r0 = *(u32 *)(r1 + offsetof(task_struct, pid))
    r0 = 0
    exit

=== btf_ptrs/spilled_rcu
desc: an RCU pointer spilled and filled keeps its type
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    *(u64 *)(r10 - 8) = r1
    r1 = *(u64 *)(r10 - 8)
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== btf_ptrs/referenced_walk
type: syscall
flags: sleepable
desc: a referenced task walked in a sleepable program outside an RCU section: untrusted members
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 + offsetof(task_struct, real_parent))
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto release
    r1 = r0
    call kfunc(bpf_task_release)
release:
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== btf_ptrs/referenced_walk_nonsleepable
desc: a referenced task walked in a non-sleepable program: real_parent is RCU
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 + offsetof(task_struct, real_parent))
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto release
    r1 = r0
    call kfunc(bpf_task_release)
release:
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== btf_ptrs/sleepable_outside_rcu
type: syscall
flags: sleepable
desc: real_parent read outside bpf_rcu_read_lock in a sleepable program is untrusted
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    call kfunc(bpf_task_acquire)
    r0 = 0
    exit

=== btf_ptrs/sleepable_outside_rcu_read
type: syscall
flags: sleepable
desc: an untrusted real_parent may still be read
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    r0 = *(u32 *)(r1 + offsetof(task_struct, pid))
    r0 = 0
    exit

=== btf_ptrs/sleepable_inside_rcu
type: syscall
flags: sleepable
desc: real_parent read inside bpf_rcu_read_lock is RCU: acquired, then released after the unlock
    call bpf_get_current_task_btf
    r6 = r0
    call kfunc(bpf_rcu_read_lock)
    r1 = *(u64 *)(r6 + offsetof(task_struct, real_parent))
    call kfunc(bpf_task_acquire)
    r6 = r0
    call kfunc(bpf_rcu_read_unlock)
    if r6 == 0 goto out
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== btf_ptrs/sleepable_after_unlock
type: syscall
flags: sleepable
desc: bpf_rcu_read_unlock makes the RCU real_parent untrusted
    call bpf_get_current_task_btf
    r6 = r0
    call kfunc(bpf_rcu_read_lock)
    r6 = *(u64 *)(r6 + offsetof(task_struct, real_parent))
    call kfunc(bpf_rcu_read_unlock)
    r1 = r6
    call kfunc(bpf_task_acquire)
    r0 = 0
    exit

=== btf_ptrs/sleepable_after_unlock_spilled
type: syscall
flags: sleepable
desc: the unlock reaches a spilled RCU pointer too
    call bpf_get_current_task_btf
    r6 = r0
    call kfunc(bpf_rcu_read_lock)
    r1 = *(u64 *)(r6 + offsetof(task_struct, real_parent))
    *(u64 *)(r10 - 8) = r1
    call kfunc(bpf_rcu_read_unlock)
    r1 = *(u64 *)(r10 - 8)
    call kfunc(bpf_task_acquire)
    r0 = 0
    exit

=== btf_ptrs/nonsleepable_after_unlock
desc: in a non-sleepable program too, the unlock makes the RCU pointer untrusted
    call bpf_get_current_task_btf
    r6 = r0
    call kfunc(bpf_rcu_read_lock)
    r6 = *(u64 *)(r6 + offsetof(task_struct, real_parent))
    call kfunc(bpf_rcu_read_unlock)
    r1 = r6
    call kfunc(bpf_task_acquire)
    r0 = 0
    exit

=== btf_ptrs/nonsleepable_after_unlock_reread
desc: after the unlock a fresh read of real_parent is RCU again (non-sleepable)
    call bpf_get_current_task_btf
    r6 = r0
    call kfunc(bpf_rcu_read_lock)
    r7 = *(u64 *)(r6 + offsetof(task_struct, real_parent))
    call kfunc(bpf_rcu_read_unlock)
    r1 = *(u64 *)(r6 + offsetof(task_struct, real_parent))
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== btf_ptrs/sleepable_mm_in_rcu
type: syscall
flags: sleepable
desc: task->mm inside an RCU section is still untrusted (not on an allow-list)
    call bpf_get_current_task_btf
    r6 = r0
    call kfunc(bpf_rcu_read_lock)
    r1 = *(u64 *)(r6 + offsetof(task_struct, mm))
    r1 = *(u64 *)(r1 + offsetof(mm_struct, owner))
    call kfunc(bpf_task_acquire)
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== btf_ptrs/kern_ctx_xdp
desc: bpf_cast_to_kern_ctx in XDP: a trusted xdp_buff, then rxq->dev->ifindex
    call kfunc(bpf_cast_to_kern_ctx)
    r1 = *(u64 *)(r0 + offsetof(xdp_buff, rxq))
    r1 = *(u64 *)(r1 + offsetof(xdp_rxq_info, dev))
    r0 = *(u32 *)(r1 + offsetof(net_device, ifindex))
    r0 = 0
    exit

=== btf_ptrs/kern_ctx_xdp_data
desc: the kernel xdp_buff's data and data_end are pointers to no struct: untrusted memory
    call kfunc(bpf_cast_to_kern_ctx)
    r1 = *(u64 *)(r0 + offsetof(xdp_buff, data))
    r0 = *(u8 *)(r1 + 0)
    r0 = 0
    exit

=== btf_ptrs/kern_ctx_xdp_past
desc: a read past the end of the kernel xdp_buff
    call kfunc(bpf_cast_to_kern_ctx)
    r0 = *(u64 *)(r0 + 4096)
    r0 = 0
    exit

=== btf_ptrs/kern_ctx_write
desc: the kernel context is read-only
    call kfunc(bpf_cast_to_kern_ctx)
    r1 = 0
    *(u64 *)(r0 + 0) = r1
    r0 = 0
    exit

=== btf_ptrs/kern_ctx_tc_sk
type: sched_cls
desc: skb->sk through the kernel sk_buff: an RCU socket that may be NULL, read unchecked
    call kfunc(bpf_cast_to_kern_ctx)
    r1 = *(u64 *)(r0 + offsetof(sk_buff, sk))
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== btf_ptrs/kern_ctx_tc_sk_checked
type: sched_cls
desc: skb->sk after its NULL check, then the socket's sk_socket
    call kfunc(bpf_cast_to_kern_ctx)
    r1 = *(u64 *)(r0 + offsetof(sk_buff, sk))
    if r1 == 0 goto out
    r1 = *(u64 *)(r1 + offsetof(sock, sk_socket))
    r0 = *(u32 *)(r1 + 0)
out:
    r0 = 0
    exit

=== btf_ptrs/kern_ctx_tc_dev
type: sched_cls
desc: skb->dev->ifindex through the kernel sk_buff
    call kfunc(bpf_cast_to_kern_ctx)
    r1 = *(u64 *)(r0 + offsetof(sk_buff, dev))
    r0 = *(u32 *)(r1 + offsetof(net_device, ifindex))
    r0 = 0
    exit

=== btf_ptrs/kern_ctx_socket_filter
type: socket_filter
desc: a socket filter's kernel context is an sk_buff too
    call kfunc(bpf_cast_to_kern_ctx)
    r0 = *(u32 *)(r0 + offsetof(sk_buff, len))
    r0 = 0
    exit

=== btf_ptrs/kern_ctx_raw_tp
type: raw_tracepoint
desc: a raw tracepoint's kernel context is no struct
    call kfunc(bpf_cast_to_kern_ctx)
    r0 = 0
    exit

=== btf_ptrs/kern_ctx_syscall
type: syscall
flags: sleepable
desc: a syscall program's kernel context is no struct
    call kfunc(bpf_cast_to_kern_ctx)
    r0 = 0
    exit

=== btf_ptrs/kern_ctx_stack
desc: a stack pointer given to bpf_cast_to_kern_ctx
    r1 = r10
    call kfunc(bpf_cast_to_kern_ctx)
    r0 = 0
    exit

=== btf_ptrs/kern_ctx_moved
desc: a moved context given to bpf_cast_to_kern_ctx
    r1 += 8
    call kfunc(bpf_cast_to_kern_ctx)
    r0 = 0
    exit

=== btf_ptrs/kern_ctx_non_gpl
license: MIT
desc: no kfunc for a non-GPL program
    call kfunc(bpf_cast_to_kern_ctx)
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_task
desc: bpf_rdonly_cast of the context to a task_struct: untrusted, walked and read
    r2 = btf_type(task_struct)
    call kfunc(bpf_rdonly_cast)
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    r0 = *(u32 *)(r1 + offsetof(task_struct, tgid))
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_scalar
desc: bpf_rdonly_cast of a plain number: its argument is not checked
    r1 = 42
    r2 = btf_type(task_struct)
    call kfunc(bpf_rdonly_cast)
    r0 = *(u32 *)(r0 + offsetof(task_struct, pid))
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_uninit
desc: bpf_rdonly_cast with r1 never written: an __ign argument is not even read
    r2 = btf_type(task_struct)
    call kfunc(bpf_rdonly_cast)
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_acquire
desc: an untrusted cast handed to bpf_task_acquire
    r2 = btf_type(task_struct)
    call kfunc(bpf_rdonly_cast)
    r1 = r0
    call kfunc(bpf_task_acquire)
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_walk_acquire
desc: real_parent of an untrusted task is untrusted too
    r2 = btf_type(task_struct)
    call kfunc(bpf_rdonly_cast)
    r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    call kfunc(bpf_task_acquire)
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_helper
desc: an untrusted cast handed to bpf_task_pt_regs
    r2 = btf_type(task_struct)
    call kfunc(bpf_rdonly_cast)
    r1 = r0
    call bpf_task_pt_regs
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_write
desc: a store through an untrusted cast
    r2 = btf_type(task_struct)
    call kfunc(bpf_rdonly_cast)
    r1 = 0
    *(u32 *)(r0 + offsetof(task_struct, pid)) = r1
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_past
desc: a read past the end of the cast task_struct
    r2 = btf_type(task_struct)
    call kfunc(bpf_rdonly_cast)
    r0 = *(u64 *)(r0 + 32760)
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_void
desc: bpf_rdonly_cast to void: untrusted read-only memory, read anywhere
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r0 = *(u64 *)(r0 + 100)
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_void_write
desc: untrusted read-only memory written
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r1 = 0
    *(u64 *)(r0 + 0) = r1
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_void_helper
desc: untrusted read-only memory as bpf_probe_read_kernel's source
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r3 = r0
    r1 = r10
    r1 += -8
    r2 = 8
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_union
desc: bpf_rdonly_cast to a union (bpf_attr)
    r2 = btf_type(bpf_attr)
    call kfunc(bpf_rdonly_cast)
    r0 = *(u32 *)(r0 + 0)
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_int
desc: bpf_rdonly_cast to an integer type
    r2 = 1
    call kfunc(bpf_rdonly_cast)
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_unknown_id
desc: bpf_rdonly_cast to a type id vmlinux does not have
    r2 = 10000000
    call kfunc(bpf_rdonly_cast)
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_variable_id
desc: bpf_rdonly_cast's type id must be a known constant
    call bpf_get_prandom_u32
    r2 = r0
    call kfunc(bpf_rdonly_cast)
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_pointer_id
desc: bpf_rdonly_cast's type id must be a scalar
    r2 = r10
    call kfunc(bpf_rdonly_cast)
    r0 = 0
    exit

=== btf_ptrs/rdonly_cast_branches
desc: the type id relied on exactly: two ids on two paths, each its own cast
    call bpf_get_prandom_u32
    r2 = btf_type(task_struct)
    if r0 == 0 goto cast
    r2 = 0
cast:
    r1 = 0
    call kfunc(bpf_rdonly_cast)
    r0 = *(u32 *)(r0 + 8)
    r0 = 0
    exit

=== btf_ptrs/map_struct_ops
maps: m=array(4,8,4)
desc: a map's kernel struct walked: map.ops is an untrusted pointer, read
    r1 = map_fd(m) ll
    r1 = *(u64 *)(r1 + offsetof(bpf_array, map.ops))
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== btf_ptrs/map_struct_max_entries
maps: m=hash(4,8,4)
desc: a map's max_entries read through its kernel struct
    r1 = map_fd(m) ll
    r0 = *(u32 *)(r1 + offsetof(bpf_htab, map.max_entries))
    r0 = 0
    exit

=== btf_ptrs/map_struct_past
maps: m=hash(4,8,4)
desc: a read past the end of the map's kernel struct
    r1 = map_fd(m) ll
    r0 = *(u64 *)(r1 + 4000)
    r0 = 0
    exit

=== btf_ptrs/map_struct_ptr_half
maps: m=hash(4,8,4)
desc: half of the map's ops pointer
    r1 = map_fd(m) ll
    r0 = *(u32 *)(r1 + offsetof(bpf_htab, map.ops))
    r0 = 0
    exit

=== btf_ptrs/map_struct_ops_acquire
maps: m=array(4,8,4)
desc: an untrusted pointer out of a map's struct given to a kfunc expecting a task
    r1 = map_fd(m) ll
    r1 = *(u64 *)(r1 + offsetof(bpf_array, map.ops))
    call kfunc(bpf_task_acquire)
    r0 = 0
    exit

=== btf_ptrs/tcp_sock_walk
type: sched_cls
desc: a plain tcp_sock's sk_socket and its file are untrusted, and no helper takes them
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_skc_to_tcp_sock
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + offsetof(sock, sk_socket))
    r1 = *(u64 *)(r1 + offsetof(socket, sk))
    call bpf_sk_release
out:
    r0 = 0
    exit

=== btf_ptrs/variable_offset
desc: a trusted task read at a variable offset
    call bpf_get_current_task_btf
    r6 = r0
    call bpf_get_prandom_u32
    r0 &= 8
    r6 += r0
    r0 = *(u64 *)(r6 + 0)
    r0 = 0
    exit

=== btf_ptrs/non_gpl_walk
license: MIT
desc: a non-GPL program reads a kernel struct
    call bpf_get_current_task_btf
    r0 = *(u32 *)(r0 + offsetof(task_struct, pid))
    r0 = 0
    exit

=== btf_ptrs/pointer_leak_to_map
maps: m=array(4,8,1)
desc: an RCU task pointer stored into a map value
    call bpf_get_current_task_btf
    r6 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r6
out:
    r0 = 0
    exit

=== btf_ptrs/return_pointer
desc: an RCU task pointer returned from the program
    call bpf_get_current_task_btf
    r0 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    exit

=== btf_ptrs/same_insn_btf_then_map_value
maps: m=array(4,8,1)
desc: one load through a task pointer on the first path and a map value on the other: save_aux_ptr_type() refuses the mix
    call bpf_get_prandom_u32
    if r0 > 5 goto use_map
    call bpf_get_current_task_btf
    r1 = r0
    goto read
use_map:
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
read:
    r0 = *(u32 *)(r1 + 0)
out:
    r0 = 0
    exit

=== btf_ptrs/same_insn_map_value_then_btf
maps: m=array(4,8,1)
desc: the same mix, the map value first
    call bpf_get_prandom_u32
    if r0 > 5 goto use_btf
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    goto read
use_btf:
    call bpf_get_current_task_btf
    r1 = r0
read:
    r0 = *(u32 *)(r1 + 0)
out:
    r0 = 0
    exit

=== btf_ptrs/same_insn_stack_then_btf
desc: a stack pointer on one path, a task pointer on the other
    call bpf_get_prandom_u32
    *(u64 *)(r10 - 8) = r0
    if r0 > 5 goto use_btf
    r1 = r10
    r1 += -8
    goto read
use_btf:
    call bpf_get_current_task_btf
    r1 = r0
read:
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== btf_ptrs/same_insn_trusted_and_untrusted_load
desc: a load through a trusted task pointer on one path and an untrusted mm pointer on the other: allowed (the instruction becomes an untrusted probe load)
    call bpf_get_prandom_u32
    r6 = r0
    call bpf_get_current_task_btf
    if r6 > 5 goto untrusted
    r1 = r0
    goto read
untrusted:
    r1 = *(u64 *)(r0 + offsetof(task_struct, mm))
read:
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit
