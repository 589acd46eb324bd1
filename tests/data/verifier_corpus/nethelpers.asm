# Theme: the helpers of session 20's run-time work whose verification the corpus had not covered:
# bpf_find_vma's callback and the struct vm_area_struct it is given (set_find_vma_callback_state:
# PTR_TO_BTF_ID of vm_area_struct, walked and bounded as a kernel struct, read only; the callback's
# return range), and bpf_fib_lookup's parameter block (ARG_PTR_TO_MEM | MEM_WRITE, ARG_CONST_SIZE)
# in the program types that may call it.

=== nethelpers/find_vma_reads
type: syscall
flags: sleepable
btf: func_info
desc: the callback reads vm_start and vm_flags and walks vm_file->f_path.dentry->d_name.len
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 0
    r3 = func(cb) ll
    r4 = 0
    r5 = 0
    call bpf_find_vma
    r0 = 0
    exit
cb:
    r0 = *(u64 *)(r2 + offsetof(vm_area_struct, vm_start))
    r0 = *(u64 *)(r2 + offsetof(vm_area_struct, vm_flags))
    r1 = *(u64 *)(r2 + offsetof(vm_area_struct, vm_file))
    if r1 == 0 goto out
    r1 = *(u64 *)(r1 + offsetof(file, f_path.dentry))
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 + offsetof(dentry, d_name.len))
out:
    r0 = 0
    exit

=== nethelpers/find_vma_stack_ctx
type: syscall
flags: sleepable
btf: func_info
desc: the callback context on the stack, written through in the callback
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 4096
    r3 = func(cb) ll
    r4 = r10
    r4 += -8
    r5 = 0
    call bpf_find_vma
    r0 = *(u64 *)(r10 - 8)
    r0 = 0
    exit
cb:
    r1 = *(u64 *)(r2 + offsetof(vm_area_struct, vm_end))
    *(u64 *)(r3 + 0) = r1
    r0 = 0
    exit

=== nethelpers/find_vma_write_vma
type: syscall
flags: sleepable
btf: func_info
desc: the callback may not write the vma
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 0
    r3 = func(cb) ll
    r4 = 0
    r5 = 0
    call bpf_find_vma
    r0 = 0
    exit
cb:
    r1 = 0
    *(u64 *)(r2 + offsetof(vm_area_struct, vm_start)) = r1
    r0 = 0
    exit

=== nethelpers/find_vma_past_the_struct
type: syscall
flags: sleepable
btf: func_info
desc: a read past the end of struct vm_area_struct
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 0
    r3 = func(cb) ll
    r4 = 0
    r5 = 0
    call bpf_find_vma
    r0 = 0
    exit
cb:
    r0 = *(u64 *)(r2 + 4096)
    r0 = 0
    exit

=== nethelpers/find_vma_callback_returns_2
type: syscall
flags: sleepable
btf: func_info
desc: a synchronous callback returns 0 or 1
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 0
    r3 = func(cb) ll
    r4 = 0
    r5 = 0
    call bpf_find_vma
    r0 = 0
    exit
cb:
    r0 = 2
    exit

=== nethelpers/find_vma_task_scalar
type: syscall
flags: sleepable
btf: func_info
desc: the task must be a task_struct pointer
    r1 = 0
    r2 = 0
    r3 = func(cb) ll
    r4 = 0
    r5 = 0
    call bpf_find_vma
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== nethelpers/find_vma_xdp
btf: func_info
desc: bpf_find_vma from an XDP program on the current task
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 0
    r3 = func(cb) ll
    r4 = 0
    r5 = 0
    call bpf_find_vma
    r0 = 2
    exit
cb:
    r0 = *(u64 *)(r2 + offsetof(vm_area_struct, vm_pgoff))
    r0 = 0
    exit

=== nethelpers/fib_lookup_xdp_uninit_stack
desc: bpf_fib_lookup may fill an uninitialised stack block (MEM_WRITE)
    r6 = r1
    r1 = r6
    r2 = r10
    r2 += -64
    r3 = 64
    r4 = 0
    call bpf_fib_lookup
    r0 = 2
    exit

=== nethelpers/fib_lookup_tc_short_plen
type: sched_cls
desc: a plen below sizeof(struct bpf_fib_lookup) loads (the helper answers -EINVAL at run time)
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -8
    r3 = 8
    r4 = 0
    call bpf_fib_lookup
    r0 = 0
    exit

=== nethelpers/fib_lookup_plen_past_stack
type: sched_cls
desc: plen larger than the stack block it names
    r6 = r1
    r1 = r6
    r2 = r10
    r2 += -16
    r3 = 64
    r4 = 0
    call bpf_fib_lookup
    r0 = 0
    exit

=== nethelpers/fib_lookup_variable_plen
desc: plen must be a constant
    r6 = r1
    r3 = *(u32 *)(r6 + 12)
    r1 = r6
    r2 = r10
    r2 += -64
    r4 = 0
    call bpf_fib_lookup
    r0 = 2
    exit

=== nethelpers/fib_lookup_socket_filter
type: socket_filter
desc: socket filters may not call bpf_fib_lookup
    r6 = r1
    r1 = r6
    r2 = r10
    r2 += -64
    r3 = 64
    r4 = 0
    call bpf_fib_lookup
    r0 = 0
    exit

=== nethelpers/fib_lookup_ctx_not_first
desc: the first argument is the context
    r1 = r10
    r1 += -128
    r2 = r10
    r2 += -64
    r3 = 64
    r4 = 0
    call bpf_fib_lookup
    r0 = 2
    exit
