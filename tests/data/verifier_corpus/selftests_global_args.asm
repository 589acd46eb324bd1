# Theme: global-function argument decl tags (``arg:ctx``, ``arg:nonnull``, ``arg:nullable``,
# ``arg:trusted``, ``arg:untrusted``, ``arg:arena``) and dynptr arguments, as btf_prepare_func_args()
# and btf_check_func_arg_match() of Linux 6.18 read them (the kernel's verifier_global_subprogs and
# verifier_global_ptr_args selftests' subject, written afresh): which tag goes on which type, which
# combinations are refused, what the caller must pass, and what the callee gets.  ``arg:trusted`` /
# ``arg:untrusted`` name kernel structs by name (the running kernel's vmlinux BTF).

=== selftests_global_args/ctx_tag_void
btf: global_subprogs
proto: int f1(void *c __arg_ctx)
desc: arg:ctx on void *: the context, read at offset 0 inside
    call f
    r0 = 2
    exit
f:
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_named_struct
btf: global_subprogs
proto: int f1(struct xdp_md:8 *c __arg_ctx)
desc: arg:ctx on the program type's context struct
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_const_struct
btf: global_subprogs
proto: int f1(const struct xdp_md:8 *c __arg_ctx)
desc: arg:ctx on a const context struct
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_other_struct
btf: global_subprogs
proto: int f1(struct __sk_buff:8 *c __arg_ctx)
desc: arg:ctx on another program type's context in XDP
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_union
btf: global_subprogs
proto: int f1(union xdp_md:8 *c __arg_ctx)
desc: arg:ctx on a union of the context's name
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_fwd
btf: global_subprogs
proto: int f1(fwd xdp_md *c __arg_ctx)
desc: arg:ctx on a forward-declared struct of the context's name
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_int_pointer
btf: global_subprogs
proto: int f1(int *c __arg_ctx)
desc: arg:ctx on int *
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_pointer_pointer
btf: global_subprogs
proto: int f1(struct xdp_md:8 **c __arg_ctx)
desc: arg:ctx on a pointer to a pointer (no name)
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_on_int
btf: global_subprogs
proto: int f1(int c __arg_ctx)
desc: arg:ctx on an int
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_raw_tp_u64
type: raw_tracepoint
btf: global_subprogs
proto: int f1(u64 *c __arg_ctx)
desc: raw tracepoint: arg:ctx on u64 *
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_raw_tp_u32
type: raw_tracepoint
btf: global_subprogs
proto: int f1(u32 *c __arg_ctx)
desc: raw tracepoint: arg:ctx on u32 *
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_raw_tp_args
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct bpf_raw_tracepoint_args:8 *c __arg_ctx)
desc: raw tracepoint: arg:ctx on its context struct
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_syscall_int
type: syscall
flags: sleepable
btf: global_subprogs
proto: int f1(int *c __arg_ctx)
desc: syscall: arg:ctx on int * (any type goes)
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_sched_cls
type: sched_cls
btf: global_subprogs
proto: int f1(struct __sk_buff:8 *c __arg_ctx)
desc: tc: arg:ctx on __sk_buff
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_sched_cls_long
type: sched_cls
btf: global_subprogs
proto: int f1(long *c __arg_ctx)
desc: tc: arg:ctx on long *
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_tag_stack_passed
btf: global_subprogs
proto: int f1(void *c __arg_ctx)
desc: arg:ctx with a stack pointer passed
    r1 = r10
    r1 += -8
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/ctx_plus_nonnull
btf: global_subprogs
proto: int f1(struct xdp_md:8 *c __arg_ctx __arg_nonnull)
desc: arg:ctx with arg:nonnull
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/nullable_on_memory
btf: global_subprogs
proto: int f1(int *p __arg_nullable)
desc: arg:nullable on a plain memory pointer (NULL is its default)
    r1 = 0
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/nonnull_null_passed
btf: global_subprogs
proto: int f1(int *p __arg_nonnull)
desc: arg:nonnull memory with NULL passed
    r1 = 0
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/nonnull_stack_passed
btf: global_subprogs
proto: int f1(int *p __arg_nonnull)
desc: arg:nonnull memory with a stack int, read inside without a NULL check
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r1 = r10
    r1 += -4
    call f
    r0 = 2
    exit
f:
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_global_args/unknown_tag
btf: global_subprogs
proto: int f1(int *p __arg_bogus)
desc: an arg: tag the kernel does not know
    r1 = 0
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/non_arg_decl_tag
btf: global_subprogs
proto: int f1(int *p __tag_user_note)
desc: a decl tag without the arg: prefix is ignored
    r1 = 0
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/static_function_tag
btf: func_info
proto: static int f1(int *p __arg_nonnull)
desc: an arg tag on a static function (it becomes unreliable and is walked)
    r1 = 0
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/tag_on_second_arg
btf: global_subprogs
proto: int f1(int x, void *c __arg_ctx)
desc: arg:ctx on the second argument, a scalar passed
    r1 = 1
    r2 = 0
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/trusted_null_not_nullable
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted)
desc: arg:trusted task_struct with NULL passed
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/trusted_nullable_null
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted __arg_nullable)
desc: arg:trusted arg:nullable with NULL passed
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/trusted_from_current_task_btf
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted)
desc: arg:trusted fed by bpf_get_current_task_btf
    call bpf_get_current_task_btf
    r1 = r0
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/trusted_moved_pointer
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted)
desc: arg:trusted fed 8 bytes into the task
    call bpf_get_current_task_btf
    r1 = r0
    r1 += 8
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/trusted_ctx_passed
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted)
desc: arg:trusted with the context passed
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/trusted_scalar_task
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted)
desc: arg:trusted with bpf_get_current_task's scalar
    call bpf_get_current_task
    r1 = r0
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/trusted_map_ptr
type: raw_tracepoint
maps: m=array(4,8,1)
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted)
desc: arg:trusted with a map pointer (trusted, not a BTF pointer)
    r1 = map_fd(m) ll
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/trusted_no_kernel_type
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct no_such_kernel_type *t __arg_trusted __arg_nullable)
desc: arg:trusted on a struct the kernel does not have
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/trusted_nonnull
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted __arg_nonnull)
desc: arg:trusted with arg:nonnull
    call bpf_get_current_task_btf
    r1 = r0
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/trusted_nullable_read_unchecked
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted __arg_nullable)
desc: arg:trusted arg:nullable read inside without a NULL check
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_global_args/trusted_nullable_checked
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted __arg_nullable)
desc: arg:trusted arg:nullable NULL-checked inside
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = 0
    if r1 == 0 goto o
    r0 = 1
o:
    exit

=== selftests_global_args/trusted_int_pointer
type: raw_tracepoint
btf: global_subprogs
proto: int f1(int *t __arg_trusted __arg_nullable)
desc: arg:trusted on int * (the kernel has its own int)
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/untrusted_int_read
type: raw_tracepoint
btf: global_subprogs
proto: int f1(int *p __arg_untrusted)
desc: arg:untrusted int * read inside (probe load)
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_global_args/untrusted_int_write
type: raw_tracepoint
btf: global_subprogs
proto: int f1(int *p __arg_untrusted)
desc: arg:untrusted int * written inside
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r2 = 1
    *(u32 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_global_args/untrusted_void_far_read
type: raw_tracepoint
btf: global_subprogs
proto: int f1(void *p __arg_untrusted)
desc: arg:untrusted void * read 64 bytes in
    r1 = r10
    call f
    r0 = 0
    exit
f:
    r0 = *(u64 *)(r1 + 64)
    r0 = 0
    exit

=== selftests_global_args/untrusted_task
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_untrusted)
desc: arg:untrusted task_struct with a scalar passed
    r1 = 42
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/untrusted_plus_nullable
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_untrusted __arg_nullable)
desc: arg:untrusted with arg:nullable
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/untrusted_no_kernel_type
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct no_such_kernel_type *t __arg_untrusted)
desc: arg:untrusted on a struct the kernel does not have
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/untrusted_kernel_union
type: raw_tracepoint
btf: global_subprogs
proto: int f1(union bpf_attr *t __arg_untrusted)
desc: arg:untrusted on a kernel union
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/arena_scalar
btf: global_subprogs
proto: int f1(void *p __arg_arena)
desc: arg:arena with a scalar passed
    r1 = 0
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/arena_stack
btf: global_subprogs
proto: int f1(void *p __arg_arena)
desc: arg:arena with a stack pointer passed
    r1 = r10
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/arena_plus_nonnull
btf: global_subprogs
proto: int f1(void *p __arg_arena __arg_nonnull)
desc: arg:arena with arg:nonnull
    r1 = 0
    call f
    r0 = 2
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/dynptr_initialised
type: sched_cls
maps: arr=array(4,8,4)
btf: global_subprogs
proto: int f1(struct bpf_dynptr:16 *d)
desc: a global function taking a dynptr, given a local one; reads it with bpf_dynptr_read
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    call f
out:
    r0 = 0
    exit
f:
    r3 = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit

=== selftests_global_args/dynptr_uninitialised
type: sched_cls
btf: global_subprogs
proto: int f1(struct bpf_dynptr:16 *d)
desc: a global function taking a dynptr, given uninitialised stack
    r1 = r10
    r1 += -16
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/dynptr_scalar
type: sched_cls
btf: global_subprogs
proto: int f1(struct bpf_dynptr:16 *d)
desc: a global function taking a dynptr, given NULL
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/dynptr_with_tag
type: sched_cls
btf: global_subprogs
proto: int f1(struct bpf_dynptr:16 *d __arg_nonnull)
desc: a dynptr argument with arg:nonnull
    r1 = r10
    r1 += -16
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/dynptr_written_inside
type: sched_cls
maps: arr=array(4,8,4)
btf: global_subprogs
proto: int f1(struct bpf_dynptr:16 *d)
desc: a global function writes through its (read-only) dynptr with bpf_dynptr_write
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    call f
out:
    r0 = 0
    exit
f:
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 0
    *(u64 *)(r10 - 8) = r4
    r4 = 8
    r5 = 0
    call bpf_dynptr_write
    r0 = 0
    exit

=== selftests_global_args/untrusted_task_negative_read
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *p __arg_untrusted)
desc: arg:untrusted task_struct read 8 bytes below it
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = *(u32 *)(r1 - 8)
    r0 = 0
    exit

=== selftests_global_args/untrusted_task_variable_offset
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *p __arg_untrusted)
desc: arg:untrusted task_struct read at a variable offset
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    call f
    r0 = 0
    exit
f:
    r2 = *(u32 *)(r10 - 8)
    r2 &= 7
    r1 += r2
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_global_args/untrusted_task_dual_license
type: raw_tracepoint
btf: global_subprogs
license: Dual BSD/GPL
proto: int f1(struct task_struct *p __arg_untrusted)
desc: arg:untrusted task_struct read by a Dual BSD/GPL program
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_global_args/untrusted_task_non_gpl
type: raw_tracepoint
btf: global_subprogs
license: MIT
proto: int f1(struct task_struct *p __arg_untrusted)
desc: arg:untrusted task_struct read by an MIT-licensed program
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_global_args/untrusted_task_read_past_end
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *p __arg_untrusted)
desc: arg:untrusted task_struct read 30000 bytes in, past its end
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = *(u32 *)(r1 + 30000)
    r0 = 0
    exit

=== selftests_global_args/untrusted_task_write_tc
type: sched_cls
btf: global_subprogs
proto: int f1(struct task_struct *p __arg_untrusted)
desc: tc: a store through an arg:untrusted task_struct
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r2 = 0
    *(u32 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_global_args/untrusted_task_write_xdp
type: xdp
btf: global_subprogs
proto: int f1(struct task_struct *p __arg_untrusted)
desc: XDP: a store through an arg:untrusted task_struct
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r2 = 0
    *(u32 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_global_args/trusted_task_write
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *p __arg_trusted)
desc: a store through an arg:trusted task_struct
    call bpf_get_current_task_btf
    r1 = r0
    call f
    r0 = 0
    exit
f:
    r2 = 0
    *(u32 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_global_args/untrusted_task_moved_read
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *p __arg_untrusted)
desc: arg:untrusted task_struct moved 8 bytes and read
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r1 += 8
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_global_args/call_holding_lock_bad_args
maps: m=array(4,16,1,spin_lock)
type: sched_cls
btf: global_subprogs
proto: int f1(int x)
desc: a global call holding a spin lock, with a pointer for its int: the lock is reported
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto o
    r6 = r0
    r1 = r0
    r1 += 4
    call bpf_spin_lock
    r1 = r10
    call f
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
o:
    r0 = 0
    exit
f:
    r0 = 0
    r0 = 0
    exit

=== selftests_global_args/untrusted_pointer_to_pointer
type: raw_tracepoint
btf: global_subprogs
proto: int f1(int **p __arg_untrusted)
desc: arg:untrusted on int ** (an unnamed pointee)
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_global_args/untrusted_enum
type: raw_tracepoint
btf: global_subprogs
proto: int f1(enum foo *p __arg_untrusted)
desc: arg:untrusted on a pointer to an enum (read-only memory)
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_global_args/untrusted_forward_declared
type: raw_tracepoint
btf: global_subprogs
proto: int f1(fwd task_struct *p __arg_untrusted)
desc: arg:untrusted on a forward-declared task_struct (the kernel's struct matches)
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/untrusted_int_moved_read
type: raw_tracepoint
btf: global_subprogs
proto: int f1(int *p __arg_untrusted)
desc: arg:untrusted int * moved and read
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r1 += 100
    r0 = *(u32 *)(r1 - 4)
    r0 = 0
    exit

=== selftests_global_args/untrusted_task_read
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *p __arg_untrusted)
desc: arg:untrusted task_struct read at offset 0
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_global_args/untrusted_task_write
type: raw_tracepoint
btf: global_subprogs
proto: int f1(struct task_struct *p __arg_untrusted)
desc: raw tracepoint: a store through an arg:untrusted task_struct
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r2 = 0
    *(u32 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_global_args/trusted_sock_common_or_null
type: sched_cls
btf: global_subprogs
proto: int f1(struct sock *p __arg_trusted __arg_nullable)
desc: tc: the skb's sock_common_or_null to an arg:trusted arg:nullable struct sock
    r1 = *(u64 *)(r1 + 168)
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/trusted_sock_common
type: sched_cls
btf: global_subprogs
proto: int f1(struct sock_common *p __arg_trusted)
desc: tc: the skb's NULL-checked sock_common to an arg:trusted struct sock_common
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto o
    call f
o:
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_global_args/main_program_ctx_tag
btf: global_subprogs
proto: int f0(void *c __arg_ctx)
desc: the main program's own prototype has arg:ctx
    r0 = 2
    exit

=== selftests_global_args/untrusted_int_added_to_scalar
type: raw_tracepoint
btf: global_subprogs
proto: int f1(int *p __arg_untrusted)
desc: a scalar plus an arg:untrusted int * (the pointer arithmetic leaves the scalar), then read
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r2 = 100
    r2 += r1
    r0 = *(u32 *)(r2 + 0)
    r0 = 0
    exit

=== selftests_global_args/dynptr_arg_slice_after_pull
type: sched_cls
maps: arr=array(4,8,4)
btf: global_subprogs
proto: int f1(struct bpf_dynptr:16 *d, struct __sk_buff *c)
desc: a global function's dynptr argument is an skb dynptr on Linux 6.18 (log: type=skb): its slice dies with bpf_skb_pull_data
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    r2 = r6
    call f
out:
    r0 = 0
    exit
f:
    r7 = r2
    r2 = 0
    r3 = 0
    r4 = 8
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto o2
    r8 = r0
    r1 = r7
    r2 = 0
    call bpf_skb_pull_data
    r0 = *(u64 *)(r8 + 0)
o2:
    r0 = 0
    exit

=== selftests_global_args/dynptr_arg_slice_no_pull
type: sched_cls
maps: arr=array(4,8,4)
btf: global_subprogs
proto: int f1(struct bpf_dynptr:16 *d, struct __sk_buff *c)
desc: the same slice read without the packet-changing call between
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    r2 = r6
    call f
out:
    r0 = 0
    exit
f:
    r7 = r2
    r2 = 0
    r3 = 0
    r4 = 8
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto o2
    r8 = r0
    r0 = *(u64 *)(r8 + 0)
o2:
    r0 = 0
    exit

=== selftests_global_args/dynptr_arg_data_write_xdp
type: xdp
maps: arr=array(4,8,4)
btf: global_subprogs
proto: int f1(struct bpf_dynptr:16 *d)
desc: bpf_dynptr_data of a global function's dynptr argument in XDP, written through
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    call f
out:
    r0 = 0
    exit
f:
    r2 = 0
    r3 = 8
    call bpf_dynptr_data
    if r0 == 0 goto o2
    r1 = 5
    *(u64 *)(r0 + 0) = r1
o2:
    r0 = 0
    exit
