# Theme: the open-coded iterators over kernel objects (kfuncs of kernel/bpf/helpers.c's common set,
# every program type): bpf_iter_task (24 bytes, KF_TRUSTED_ARGS | KF_RCU_PROTECTED, its task
# argument __nullable), bpf_iter_css (24 bytes, KF_TRUSTED_ARGS | KF_RCU_PROTECTED),
# bpf_iter_css_task (8 bytes, KF_TRUSTED_ARGS; only LSM, bpf_iter and sleepable programs),
# bpf_iter_task_vma (8 bytes, KF_RCU), bpf_iter_kmem_cache and bpf_iter_dmabuf (8 bytes,
# KF_SLEEPABLE), as the kernel's iters_task, iters_css, iters_css_task, iters_task_vma and
# kmem_cache_iter selftests probe them, written afresh: their slots, the RCU section a protected
# iterator needs in a sleepable program, the pointer next() answers (trusted, or RCU inside an RCU
# section; NULL at the end) and the arguments new() takes.

=== selftests_iters_kernel/task_all_raw_tp
type: raw_tracepoint
desc: every task walked in a non-sleepable program (an RCU section already), pid summed
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r6 = 0
loop:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_next)
    if r0 == 0 goto done
    r1 = *(u32 *)(r0 + offsetof(task_struct, pid))
    r6 += r1
    goto loop
done:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = r6
    exit

=== selftests_iters_kernel/task_threads_of_current
type: raw_tracepoint
desc: the threads of the current task (a trusted task argument)
    call bpf_get_current_task_btf
    r2 = r0
    r1 = r10
    r1 += -24
    r3 = 1
    call kfunc(bpf_iter_task_new)
    r6 = 0
loop:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_next)
    if r0 == 0 goto done
    r6 += 1
    goto loop
done:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = r6
    exit

=== selftests_iters_kernel/task_next_unchecked
type: raw_tracepoint
desc: next()'s task read before its NULL check
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_next)
    r6 = *(u32 *)(r0 + offsetof(task_struct, pid))
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = r6
    exit

=== selftests_iters_kernel/task_next_acquired
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: next()'s trusted task acquired and released
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
loop:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_next)
    if r0 == 0 goto done
    r1 = r0
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto loop
    r1 = r0
    call kfunc(bpf_task_release)
    goto loop
done:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_not_destroyed
type: raw_tracepoint
desc: a task iterator left alive at exit
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r0 = 0
    exit

=== selftests_iters_kernel/task_too_high
type: raw_tracepoint
desc: a 24-byte task iterator at fp-16: its first slot past the frame
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -16
    call kfunc(bpf_iter_task_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_scalar_arg
type: raw_tracepoint
desc: a scalar other than NULL for the task
    r1 = r10
    r1 += -24
    r2 = 1
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_stack_arg
type: raw_tracepoint
desc: a stack pointer for the task
    r1 = r10
    r1 += -24
    r2 = r10
    r2 += -32
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_untrusted_arg
type: raw_tracepoint
desc: an untrusted task (walked from the current task's parent pointer)
    call bpf_get_current_task_btf
    r2 = *(u64 *)(r0 + offsetof(task_struct, group_leader))
    r1 = r10
    r1 += -24
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_flags_pointer
type: raw_tracepoint
desc: a pointer for the flags
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = r10
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_sleepable_no_rcu
type: syscall
flags: sleepable
desc: a task iterator in a sleepable program outside an RCU section
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_sleepable_rcu
type: syscall
flags: sleepable
desc: a task iterator in a sleepable program inside an RCU section, pid summed
    call kfunc(bpf_rcu_read_lock)
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r6 = 0
loop:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_next)
    if r0 == 0 goto done
    r1 = *(u32 *)(r0 + offsetof(task_struct, pid))
    r6 += r1
    goto loop
done:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== selftests_iters_kernel/task_sleepable_rcu_acquire
type: syscall
flags: sleepable
desc: next()'s RCU task acquired and released inside the section
    call kfunc(bpf_rcu_read_lock)
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
loop:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_next)
    if r0 == 0 goto done
    r1 = r0
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto loop
    r1 = r0
    call kfunc(bpf_task_release)
    goto loop
done:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== selftests_iters_kernel/task_unlock_before_next
type: syscall
flags: sleepable
desc: the RCU section ends before next()
    call kfunc(bpf_rcu_read_lock)
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
    call kfunc(bpf_rcu_read_unlock)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_next)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_unlock_before_destroy
type: syscall
flags: sleepable
desc: the RCU section ends before destroy()
    call kfunc(bpf_rcu_read_lock)
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
    call kfunc(bpf_rcu_read_unlock)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_result_after_unlock
type: syscall
flags: sleepable
desc: next()'s RCU task read after the section ended
    call kfunc(bpf_rcu_read_lock)
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_next)
    r6 = r0
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    call kfunc(bpf_rcu_read_unlock)
    if r6 == 0 goto out
    r1 = r6
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_iters_kernel/task_next_on_num
type: raw_tracepoint
desc: a numeric iterator given to bpf_iter_task_next
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 3
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_next)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_twice
type: raw_tracepoint
desc: a second new() over a live task iterator
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_slot_read
type: raw_tracepoint
desc: a load from a live task iterator's middle slot
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r6 = *(u64 *)(r10 - 16)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = r6
    exit

=== selftests_iters_kernel/css_xdp
type: xdp
desc: the descendants of a cgroup looked up by id (its self css), in XDP
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r7 = r0
    r1 = r10
    r1 += -24
    r2 = r7
    r3 = 2
    call kfunc(bpf_iter_css_new)
    r6 = 0
loop:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_css_next)
    if r0 == 0 goto done
    r1 = *(u64 *)(r0 + offsetof(cgroup_subsys_state, cgroup))
    r6 += 1
    goto loop
done:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_css_destroy)
    r1 = r7
    call kfunc(bpf_cgroup_release)
out:
    r0 = 2
    exit

=== selftests_iters_kernel/css_null_start
type: xdp
desc: a NULL start css
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_css_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_css_destroy)
    r0 = 2
    exit

=== selftests_iters_kernel/css_maybe_null_start
type: xdp
desc: a cgroup not checked for NULL as the start css
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    r7 = r0
    r1 = r10
    r1 += -24
    r2 = r7
    r3 = 0
    call kfunc(bpf_iter_css_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_css_destroy)
    r0 = 2
    exit

=== selftests_iters_kernel/css_task_xdp
type: xdp
desc: a css task iterator in XDP (not LSM, bpf_iter or sleepable)
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r7 = r0
    r1 = r10
    r1 += -8
    r2 = r7
    r3 = 1
    call kfunc(bpf_iter_css_task_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_css_task_destroy)
    r1 = r7
    call kfunc(bpf_cgroup_release)
out:
    r0 = 2
    exit

=== selftests_iters_kernel/css_task_syscall
type: syscall
flags: sleepable
desc: the tasks of a cgroup in a sleepable program, tgid summed
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r7 = r0
    r1 = r10
    r1 += -8
    r2 = r7
    r3 = 1
    call kfunc(bpf_iter_css_task_new)
    r6 = 0
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_css_task_next)
    if r0 == 0 goto done
    r1 = *(u32 *)(r0 + offsetof(task_struct, tgid))
    r6 += r1
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_css_task_destroy)
    r1 = r7
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_iters_kernel/css_task_null_css
type: syscall
flags: sleepable
desc: a NULL css for the css task iterator
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 1
    call kfunc(bpf_iter_css_task_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_css_task_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_vma_current
type: raw_tracepoint
desc: the VMAs of the current task, their sizes summed
    call bpf_get_current_task_btf
    r2 = r0
    r1 = r10
    r1 += -8
    r3 = 0
    call kfunc(bpf_iter_task_vma_new)
    r6 = 0
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_task_vma_next)
    if r0 == 0 goto done
    r1 = *(u64 *)(r0 + offsetof(vm_area_struct, vm_start))
    r2 = *(u64 *)(r0 + offsetof(vm_area_struct, vm_end))
    r2 -= r1
    r6 += r2
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_task_vma_destroy)
    r0 = r6
    exit

=== selftests_iters_kernel/task_vma_null_task
type: raw_tracepoint
desc: a NULL task for the VMA iterator
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_vma_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_task_vma_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_vma_untrusted_task
type: raw_tracepoint
desc: an untrusted task for the VMA iterator (KF_RCU wants RCU or trusted)
    call bpf_get_current_task_btf
    r2 = *(u64 *)(r0 + offsetof(task_struct, group_leader))
    r1 = r10
    r1 += -8
    r3 = 0
    call kfunc(bpf_iter_task_vma_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_task_vma_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/kmem_cache_raw_tp
type: raw_tracepoint
desc: the sleepable kmem_cache iterator in a non-sleepable program
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_kmem_cache_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_kmem_cache_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/kmem_cache_syscall
type: syscall
flags: sleepable
desc: every slab cache walked, object sizes summed
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_kmem_cache_new)
    r6 = 0
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_kmem_cache_next)
    if r0 == 0 goto done
    r1 = *(u32 *)(r0 + offsetof(kmem_cache, size))
    r6 += r1
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_kmem_cache_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/kmem_cache_in_rcu
type: syscall
flags: sleepable
desc: the sleepable kmem_cache iterator inside an RCU section
    call kfunc(bpf_rcu_read_lock)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_kmem_cache_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_kmem_cache_destroy)
    call kfunc(bpf_rcu_read_unlock)
    r0 = 0
    exit

=== selftests_iters_kernel/dmabuf_syscall
type: syscall
flags: sleepable
desc: every dma-buf walked, sizes summed
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_dmabuf_new)
    r6 = 0
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_dmabuf_next)
    if r0 == 0 goto done
    r1 = *(u64 *)(r0 + offsetof(dma_buf, size))
    r6 += r1
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_dmabuf_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/dmabuf_xdp
type: xdp
desc: the sleepable dma-buf iterator in XDP
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_dmabuf_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_dmabuf_destroy)
    r0 = 2
    exit

=== selftests_iters_kernel/task_sleepable_no_rcu_bad_arg
type: syscall
flags: sleepable
desc: outside an RCU section and with a bad task: which refusal comes first
    r1 = r10
    r1 += -24
    r2 = 1
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_next_to_trusted_arg
type: raw_tracepoint
desc: next()'s task (RCU: a non-sleepable program is one RCU section) where a trusted task is wanted
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_next)
    if r0 == 0 goto done
    r2 = r0
    r1 = r10
    r1 += -48
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -48
    call kfunc(bpf_iter_task_destroy)
done:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/css_task_next_trusted
type: syscall
flags: sleepable
desc: a css task iterator's task (trusted) starts a task iterator inside an RCU section
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r7 = r0
    r1 = r10
    r1 += -8
    r2 = r7
    r3 = 1
    call kfunc(bpf_iter_css_task_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_css_task_next)
    if r0 == 0 goto done
    r6 = r0
    call kfunc(bpf_rcu_read_lock)
    r2 = r6
    r1 = r10
    r1 += -32
    r3 = 1
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -32
    call kfunc(bpf_iter_task_destroy)
    call kfunc(bpf_rcu_read_unlock)
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_css_task_destroy)
    r1 = r7
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_iters_kernel/task_vma_next_trusted
type: raw_tracepoint
desc: the VMA iterator's vm_area_struct (trusted) has its mm walked
    call bpf_get_current_task_btf
    r2 = r0
    r1 = r10
    r1 += -8
    r3 = 0
    call kfunc(bpf_iter_task_vma_new)
    r6 = 0
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_task_vma_next)
    if r0 == 0 goto done
    r1 = *(u64 *)(r0 + offsetof(vm_area_struct, vm_mm))
    if r1 == 0 goto done
    r6 = *(u64 *)(r1 + offsetof(mm_struct, start_stack))
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_task_vma_destroy)
    r0 = r6
    exit

=== selftests_iters_kernel/task_slots_overwritten
type: raw_tracepoint
desc: a live task iterator's first slot overwritten by a store (its reference leaks)
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
    r1 = 0
    *(u64 *)(r10 - 24) = r1
    r0 = 0
    exit

=== selftests_iters_kernel/css_task_iter_prog
type: tracing
attach: trace_iter
attach_btf: bpf_iter_task
desc: a css task iterator in a (non-sleepable) bpf_iter program: allowed
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r7 = r0
    r1 = r10
    r1 += -8
    r2 = r7
    r3 = 1
    call kfunc(bpf_iter_css_task_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_css_task_next)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_css_task_destroy)
    r1 = r7
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_iters_kernel/css_sleepable_rcu
type: syscall
flags: sleepable
desc: a css iterator inside an RCU section of a sleepable program; next()'s css is an RCU pointer
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r7 = r0
    call kfunc(bpf_rcu_read_lock)
    r1 = r10
    r1 += -24
    r2 = r7
    r3 = 4
    call kfunc(bpf_iter_css_new)
loop:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_css_next)
    if r0 == 0 goto done
    r1 = *(u64 *)(r0 + offsetof(cgroup_subsys_state, parent))
    goto loop
done:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_css_destroy)
    call kfunc(bpf_rcu_read_unlock)
    r1 = r7
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== selftests_iters_kernel/task_nested_acquired
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: two task iterators nested: the inner walks the threads of the outer's task, acquired (a referenced pointer is trusted)
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 0
    call kfunc(bpf_iter_task_new)
loop:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_next)
    if r0 == 0 goto done
    r6 = r0
    r1 = r6
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto loop
    r7 = r0
    r1 = r10
    r1 += -48
    r2 = r7
    r3 = 2
    call kfunc(bpf_iter_task_new)
inner:
    r1 = r10
    r1 += -48
    call kfunc(bpf_iter_task_next)
    if r0 != 0 goto inner
    r1 = r10
    r1 += -48
    call kfunc(bpf_iter_task_destroy)
    r1 = r7
    call kfunc(bpf_task_release)
    goto loop
done:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = 0
    exit

=== selftests_iters_kernel/task_maybe_null_referenced
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_switch
desc: a referenced task not yet checked for NULL as the __nullable task (a maybe-NULL pointer passes there)
    r1 = 1
    call kfunc(bpf_task_from_pid)
    r7 = r0
    r1 = r10
    r1 += -24
    r2 = r7
    r3 = 2
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    if r7 == 0 goto out
    r1 = r7
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_iters_kernel/task_maybe_null_unreferenced
type: raw_tracepoint
desc: an RCU task from a walk, not checked for NULL, as the __nullable task
    call bpf_get_current_task_btf
    r2 = *(u64 *)(r0 + offsetof(task_struct, group_leader))
    r1 = r10
    r1 += -24
    r3 = 2
    call kfunc(bpf_iter_task_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_task_destroy)
    r0 = 0
    exit
