# Theme: the user ring buffer, task/inode/cgroup storage and XSKMAP maps from programs:
# check_map_func_compatibility (which helpers take which map, both ways), bpf_user_ringbuf_drain's
# callback (set_user_ringbuf_callback_state: a read-only LOCAL dynptr in r1, the callback's ctx in r2,
# a return of 0 or 1), the local storage helpers' BTF task/cgroup arguments and their value pointers,
# and an XSKMAP lookup's xdp_sock.  Written afresh on the kernel's rules (verifier.c, ringbuf.c,
# bpf_task_storage.c, bpf_cgrp_storage.c, xskmap.c).

=== map_types2/user_ringbuf_drain
type: xdp
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: a drain whose callback reads 4 bytes of each sample through the dynptr
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 2
    exit
cb:
    r3 = r1
    r1 = r10
    r1 += -8
    r2 = 4
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit

=== map_types2/user_ringbuf_drain_ctx
type: xdp
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the callback's ctx is the stack pointer the drain was given
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = *(u64 *)(r10 - 8)
    r0 = 2
    exit
cb:
    r1 = *(u64 *)(r2 + 0)
    r1 += 1
    *(u64 *)(r2 + 0) = r1
    r0 = 0
    exit

=== map_types2/user_ringbuf_drain_bad_ret
type: xdp
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: a drain callback must return 0 or 1
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 2
    exit
cb:
    r0 = 7
    exit

=== map_types2/user_ringbuf_drain_write_dynptr
type: xdp
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: the sample's dynptr is read-only: bpf_dynptr_write into it is refused
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 2
    exit
cb:
    r2 = 0
    *(u64 *)(r10 - 8) = r2
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 4
    r5 = 0
    call bpf_dynptr_write
    r0 = 0
    exit

=== map_types2/user_ringbuf_drain_dynptr_data
type: xdp
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: bpf_dynptr_data on the sample: a read-only pointer, NULL-checked, then read
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 2
    exit
cb:
    r2 = 0
    r3 = 8
    call bpf_dynptr_data
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
out:
    r0 = 0
    exit

=== map_types2/user_ringbuf_drain_dynptr_data_write
type: xdp
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: bpf_dynptr_data's pointer into a sample is read-only
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 2
    exit
cb:
    r2 = 0
    r3 = 8
    call bpf_dynptr_data
    if r0 == 0 goto out
    r1 = 1
    *(u64 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== map_types2/user_ringbuf_drain_flags
type: xdp
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: any flags value verifies (the helper answers -EINVAL at run time)
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 12345
    call bpf_user_ringbuf_drain
    r0 = 2
    exit
cb:
    r0 = 1
    exit

=== map_types2/user_ringbuf_drain_ringbuf
type: xdp
maps: r=ringbuf(0,0,4096)
btf: func_info
desc: bpf_user_ringbuf_drain takes a user ring buffer, not a ring buffer
    r1 = map_fd(r) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 2
    exit
cb:
    r0 = 0
    exit

=== map_types2/ringbuf_output_user_ringbuf
type: xdp
maps: u=user_ringbuf(0,0,4096)
desc: bpf_ringbuf_output cannot write into a user ring buffer
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(u) ll
    r2 = r10
    r2 += -8
    r3 = 8
    r4 = 0
    call bpf_ringbuf_output
    r0 = 2
    exit

=== map_types2/user_ringbuf_lookup
type: xdp
maps: u=user_ringbuf(0,0,4096)
desc: a user ring buffer has no elements for bpf_map_lookup_elem
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(u) ll
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    r0 = 2
    exit

=== map_types2/user_ringbuf_in_sleepable
type: syscall
flags: sleepable
maps: u=user_ringbuf(0,0,4096)
btf: func_info
desc: sleepable programs may use user ring buffers
    r1 = map_fd(u) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_user_ringbuf_drain
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== map_types2/task_storage_get
type: xdp
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: the current task's storage, created on demand, NULL-checked and read
    call bpf_get_current_task_btf
    r2 = r0
    r1 = map_fd(t) ll
    r3 = 0
    r4 = 1
    call bpf_task_storage_get
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 8)
out:
    r0 = 2
    exit

=== map_types2/task_storage_get_unchecked
type: xdp
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: the storage pointer used without its NULL check
    call bpf_get_current_task_btf
    r2 = r0
    r1 = map_fd(t) ll
    r3 = 0
    r4 = 1
    call bpf_task_storage_get
    r1 = *(u64 *)(r0 + 8)
    r0 = 2
    exit

=== map_types2/task_storage_get_past_value
type: xdp
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: a read past the 16-byte value
    call bpf_get_current_task_btf
    r2 = r0
    r1 = map_fd(t) ll
    r3 = 0
    r4 = 1
    call bpf_task_storage_get
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 16)
out:
    r0 = 2
    exit

=== map_types2/task_storage_get_null_task
type: xdp
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: the task argument may be NULL
    r1 = map_fd(t) ll
    r2 = 0
    r3 = 0
    r4 = 0
    call bpf_task_storage_get
    r0 = 2
    exit

=== map_types2/task_storage_get_scalar_task
type: xdp
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: a scalar is no task
    r1 = map_fd(t) ll
    r2 = 42
    r3 = 0
    r4 = 0
    call bpf_task_storage_get
    r0 = 2
    exit

=== map_types2/task_storage_get_ctx_task
type: xdp
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: the context is no task
    r2 = r1
    r1 = map_fd(t) ll
    r3 = 0
    r4 = 0
    call bpf_task_storage_get
    r0 = 2
    exit

=== map_types2/task_storage_get_untrusted_task
type: xdp
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: task->real_parent->real_parent is no trusted task outside an RCU section
    call bpf_get_current_task_btf
    r2 = *(u64 *)(r0 + offsetof(task_struct, real_parent))
    r2 = *(u64 *)(r2 + offsetof(task_struct, real_parent))
    r1 = map_fd(t) ll
    r3 = 0
    r4 = 0
    call bpf_task_storage_get
    r0 = 2
    exit

=== map_types2/task_storage_get_with_value
type: xdp
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: an initial value from the stack of the value's size
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    call bpf_get_current_task_btf
    r2 = r0
    r1 = map_fd(t) ll
    r3 = r10
    r3 += -16
    r4 = 1
    call bpf_task_storage_get
    r0 = 2
    exit

=== map_types2/task_storage_get_short_value
type: xdp
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: an initial value shorter than the map's value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    call bpf_get_current_task_btf
    r2 = r0
    r1 = map_fd(t) ll
    r3 = r10
    r3 += -8
    r4 = 1
    call bpf_task_storage_get
    r0 = 0
    exit

=== map_types2/task_storage_delete
type: xdp
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: the current task's storage deleted
    call bpf_get_current_task_btf
    r2 = r0
    r1 = map_fd(t) ll
    call bpf_task_storage_delete
    r0 = 2
    exit

=== map_types2/task_storage_get_on_sk_storage
type: xdp
maps: s=sk_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: bpf_task_storage_get takes a task storage map
    call bpf_get_current_task_btf
    r2 = r0
    r1 = map_fd(s) ll
    r3 = 0
    r4 = 0
    call bpf_task_storage_get
    r0 = 2
    exit

=== map_types2/task_storage_lookup_elem
type: xdp
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: bpf_map_lookup_elem does not take task storage
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(t) ll
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    r0 = 2
    exit

=== map_types2/task_storage_in_raw_tp
type: raw_tracepoint
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: a tracing program counts in the current task's storage
    call bpf_get_current_task_btf
    r2 = r0
    r1 = map_fd(t) ll
    r3 = 0
    r4 = 1
    call bpf_task_storage_get
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 8)
    r1 += 1
    *(u64 *)(r0 + 8) = r1
out:
    r0 = 0
    exit

=== map_types2/cgrp_storage_get_task
type: xdp
maps: c=cgrp_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: bpf_cgrp_storage_get takes a cgroup, not a task
    call bpf_get_current_task_btf
    r2 = r0
    r1 = map_fd(c) ll
    r3 = 0
    r4 = 0
    call bpf_cgrp_storage_get
    r0 = 2
    exit

=== map_types2/cgrp_storage_get_null
type: xdp
maps: c=cgrp_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: bpf_cgrp_storage_get with a NULL cgroup verifies
    r1 = map_fd(c) ll
    r2 = 0
    r3 = 0
    r4 = 0
    call bpf_cgrp_storage_get
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 8)
out:
    r0 = 2
    exit

=== map_types2/cgrp_storage_get_task_cgroup
type: xdp
maps: c=cgrp_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: the current task's default cgroup, task->cgroups->dfl_cgrp, in an RCU section
    call kfunc(bpf_rcu_read_lock)
    call bpf_get_current_task_btf
    r2 = *(u64 *)(r0 + offsetof(task_struct, cgroups))
    r2 = *(u64 *)(r2 + offsetof(css_set, dfl_cgrp))
    r1 = map_fd(c) ll
    r3 = 0
    r4 = 1
    call bpf_cgrp_storage_get
    call kfunc(bpf_rcu_read_unlock)
    r0 = 2
    exit

=== map_types2/cgrp_storage_delete_on_task_storage
type: xdp
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: bpf_cgrp_storage_delete takes a cgroup storage map
    r1 = map_fd(t) ll
    r2 = 0
    call bpf_cgrp_storage_delete
    r0 = 2
    exit

=== map_types2/inode_storage_get_in_xdp
type: xdp
maps: i=inode_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: XDP programs have no bpf_inode_storage_get (LSM programs do)
    r1 = map_fd(i) ll
    r2 = 0
    r3 = 0
    r4 = 0
    call bpf_inode_storage_get
    r0 = 2
    exit

=== map_types2/inode_storage_lookup_elem
type: xdp
maps: i=inode_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: bpf_map_lookup_elem does not take inode storage
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(i) ll
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    r0 = 2
    exit

=== map_types2/xskmap_redirect
type: xdp
maps: x=xskmap(4,4,4)
desc: bpf_redirect_map to an AF_XDP socket slot, XDP_PASS as the fallback
    r1 = map_fd(x) ll
    r2 = 0
    r3 = 2
    call bpf_redirect_map
    exit

=== map_types2/xskmap_lookup_queue_id
type: xdp
maps: x=xskmap(4,4,4)
desc: an XSKMAP lookup is an xdp_sock or NULL: its queue_id read after the check
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r1 = map_fd(x) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 2
    exit

=== map_types2/xskmap_lookup_unchecked
type: xdp
maps: x=xskmap(4,4,4)
desc: the xdp_sock read without the NULL check
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r1 = map_fd(x) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = *(u32 *)(r0 + 0)
    r0 = 2
    exit

=== map_types2/xskmap_lookup_past_queue_id
type: xdp
maps: x=xskmap(4,4,4)
desc: an xdp_sock has only its 4-byte queue_id
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r1 = map_fd(x) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 4)
out:
    r0 = 2
    exit

=== map_types2/xskmap_lookup_write
type: xdp
maps: x=xskmap(4,4,4)
desc: an xdp_sock is read-only
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r1 = map_fd(x) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0
    *(u32 *)(r0 + 0) = r1
out:
    r0 = 2
    exit

=== map_types2/xskmap_update
type: xdp
maps: x=xskmap(4,4,4)
desc: programs cannot update an XSKMAP
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    *(u32 *)(r10 - 8) = r1
    r1 = map_fd(x) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_map_update_elem
    r0 = 2
    exit

=== map_types2/xskmap_lookup_in_socket_filter
type: socket_filter
maps: x=xskmap(4,4,4)
desc: an XSKMAP belongs to XDP programs
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r1 = map_fd(x) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = 0
    exit
