# Theme: the kernel's own selftests beyond verifier_*.c (tools/testing/selftests/bpf/progs: dynptr_fail.c,
# map_kptr_fail.c, nested_trust_*.c, rbtree_fail.c, test_global_func_ctx_args.c ...; measured with
# scripts/selftests_conformance.py): the rules where pybpf disagreed with the kernel, written afresh.
# Dynptr slices remember their dynptr (the kernel's dynptr_id): destroying the dynptr -- storing over
# its slots, making a new dynptr there, in any frame -- makes every slice of it an unknown scalar.

=== selftests_progs/dynptr_slice_after_reinit
type: sched_cls
maps: arr=array(4,8,4)
desc: a slice of a local dynptr is read after a new dynptr was made in the same slots
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 4
    call bpf_dynptr_data
    if r0 == 0 goto out
    r8 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r0 = *(u8 *)(r8 +0)
out:
    r0 = 0
    exit

=== selftests_progs/dynptr_slice_after_store
type: sched_cls
maps: arr=array(4,8,4)
desc: a slice of a local dynptr is written after a byte store over the dynptr's first slot
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 4
    call bpf_dynptr_data
    if r0 == 0 goto out
    r8 = r0
    r1 = 0
    *(u8 *)(r10 -24) = r1
    r1 = 1
    *(u8 *)(r8 +0) = r1
out:
    r0 = 0
    exit

=== selftests_progs/dynptr_slice_after_store_second_slot
type: sched_cls
maps: arr=array(4,8,4)
desc: a slice is read after a store over the dynptr's second slot: the whole dynptr goes, its slices too
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 4
    call bpf_dynptr_data
    if r0 == 0 goto out
    r8 = r0
    r1 = 0
    *(u64 *)(r10 -16) = r1
    r0 = *(u32 *)(r8 +0)
out:
    r0 = 0
    exit

=== selftests_progs/dynptr_slice_or_null_after_store
type: sched_cls
maps: arr=array(4,8,4)
desc: a slice not yet NULL-checked is invalidated too: it reaches bpf_this_cpu_ptr as a scalar
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 4
    call bpf_dynptr_data
    r8 = r0
    r1 = 0
    *(u8 *)(r10 -24) = r1
    r1 = r8
    call bpf_this_cpu_ptr
out:
    r0 = 0
    exit

=== selftests_progs/dynptr_slice_or_null_kept
type: sched_cls
maps: arr=array(4,8,4)
desc: the same without the store: the slice reaches bpf_this_cpu_ptr as mem_or_null
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 4
    call bpf_dynptr_data
    r8 = r0
    r1 = r8
    call bpf_this_cpu_ptr
out:
    r0 = 0
    exit

=== selftests_progs/dynptr_slice_of_other_dynptr_kept
type: sched_cls
maps: arr=array(4,8,4)
desc: destroying one dynptr keeps the slices of another: the second dynptr's slice is still read
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -40
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -40
    r2 = 0
    r3 = 4
    call bpf_dynptr_data
    if r0 == 0 goto out
    r8 = r0
    r1 = 0
    *(u64 *)(r10 -24) = r1
    r0 = *(u32 *)(r8 +0)
out:
    r0 = 0
    exit

=== selftests_progs/dynptr_slice_spilled_after_store
type: sched_cls
maps: arr=array(4,8,4)
desc: a slice spilled to the stack is invalidated in its slot as well: filled, then read
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 4
    call bpf_dynptr_data
    if r0 == 0 goto out
    *(u64 *)(r10 -32) = r0
    r1 = 0
    *(u8 *)(r10 -24) = r1
    r8 = *(u64 *)(r10 -32)
    r0 = *(u8 *)(r8 +0)
out:
    r0 = 0
    exit

=== selftests_progs/dynptr_slice_after_callback_store
type: sched_cls
maps: arr=array(4,8,4)
btf: func_info
desc: a bpf_loop callback stores over its caller's dynptr: the caller's slice is a scalar afterwards
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 4
    call bpf_dynptr_data
    if r0 == 0 goto out
    r8 = r0
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -24
    r4 = 0
    call bpf_loop
    r0 = *(u8 *)(r8 +0)
out:
    r0 = 0
    exit
cb:
    r1 = 123
    *(u32 *)(r2 +0) = r1
    r0 = 0
    exit

=== selftests_progs/dynptr_slice_after_callback_read
type: sched_cls
maps: arr=array(4,8,4)
btf: func_info
desc: a bpf_loop callback only reads its caller's dynptr: the caller's slice stays valid
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 4
    call bpf_dynptr_data
    if r0 == 0 goto out
    r8 = r0
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -24
    r4 = 0
    call bpf_loop
    r0 = *(u8 *)(r8 +0)
out:
    r0 = 0
    exit
cb:
    r3 = r2
    r1 = r10
    r1 += -8
    r2 = 4
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit

# tp_btf programs (BPF_PROG_TYPE_TRACING) call bpf_sk_storage_get / _delete with their tracing
# prototypes: the socket is any pointer to a kernel struct sock_common (or one that starts with it),
# trusted, RCU or NULL -- not the socket-typed registers of the networking programs.
=== selftests_progs/tracing_sk_storage_get_ctx_sock
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_tcp_probe
btf: func_info
maps: s=sk_storage(4,16,0,no_prealloc,spin_lock)
desc: tp_btf/tcp_probe: the traced socket (a trusted struct sock) given to bpf_sk_storage_get
    r2 = *(u64 *)(r1 +0)
    r1 = map_fd(s) ll
    r3 = 0
    r4 = 0
    call bpf_sk_storage_get
    r0 = 0
    exit

=== selftests_progs/tracing_sk_storage_get_skb_sk
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_tcp_probe
btf: func_info
maps: s=sk_storage(4,16,0,no_prealloc,spin_lock)
desc: tp_btf/tcp_probe: skb->sk, an RCU pointer that may be NULL, given to bpf_sk_storage_get
    r2 = *(u64 *)(r1 +8)
    r2 = *(u64 *)(r2 + offsetof(sk_buff, sk))
    r1 = map_fd(s) ll
    r3 = 0
    r4 = 0
    call bpf_sk_storage_get
    r0 = 0
    exit

=== selftests_progs/tracing_sk_storage_get_null
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_tcp_probe
btf: func_info
maps: s=sk_storage(4,16,0,no_prealloc,spin_lock)
desc: tp_btf/tcp_probe: NULL for the socket
    r2 = 0
    r1 = map_fd(s) ll
    r3 = 0
    r4 = 0
    call bpf_sk_storage_get
    r0 = 0
    exit

=== selftests_progs/tracing_sk_storage_get_untrusted
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_tcp_probe
btf: func_info
maps: s=sk_storage(4,16,0,no_prealloc,spin_lock)
desc: tp_btf/tcp_probe: skb->next is an untrusted pointer: refused, the message lists the pointer types the tracing prototype takes
    r2 = *(u64 *)(r1 +8)
    r2 = *(u64 *)(r2 + offsetof(sk_buff, next))
    r1 = map_fd(s) ll
    r3 = 0
    r4 = 0
    call bpf_sk_storage_get
    r0 = 0
    exit

=== selftests_progs/tracing_sk_storage_get_task
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_tcp_probe
btf: func_info
maps: s=sk_storage(4,16,0,no_prealloc,spin_lock)
desc: tp_btf/tcp_probe: a trusted task_struct is no sock_common
    call bpf_get_current_task_btf
    r2 = r0
    r1 = map_fd(s) ll
    r3 = 0
    r4 = 0
    call bpf_sk_storage_get
    r0 = 0
    exit

=== selftests_progs/tracing_sk_storage_get_ctx_ptr
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_tcp_probe
btf: func_info
maps: s=sk_storage(4,16,0,no_prealloc,spin_lock)
desc: tp_btf/tcp_probe: the ctx itself for the socket
    r2 = r1
    r1 = map_fd(s) ll
    r3 = 0
    r4 = 0
    call bpf_sk_storage_get
    r0 = 0
    exit

=== selftests_progs/tracing_sk_storage_delete_ctx_sock
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_tcp_probe
btf: func_info
maps: s=sk_storage(4,16,0,no_prealloc,spin_lock)
desc: tp_btf/tcp_probe: bpf_sk_storage_delete on the traced socket
    r2 = *(u64 *)(r1 +0)
    r1 = map_fd(s) ll
    call bpf_sk_storage_delete
    r0 = 0
    exit

=== selftests_progs/tracing_sk_storage_delete_skb_sk
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_tcp_probe
btf: func_info
maps: s=sk_storage(4,16,0,no_prealloc,spin_lock)
desc: tp_btf/tcp_probe: bpf_sk_storage_delete on skb->sk (may be NULL)
    r2 = *(u64 *)(r1 +8)
    r2 = *(u64 *)(r2 + offsetof(sk_buff, sk))
    r1 = map_fd(s) ll
    call bpf_sk_storage_delete
    r0 = 0
    exit

# A dynptr argument one slot from the frame's top (fp-8) or misaligned: process_dynptr_func() lets
# stack_slot_obj_get_spi()'s range error pass, then is_dynptr_reg_valid_init() asks again and logs
# "cannot pass in dynptr at an offset=-8" before the refusal, "Expected an initialized dynptr as arg
# #N" (an uninitialised one: "Dynptr has to be an uninitialized dynptr"), helpers and kfuncs alike.
=== selftests_progs/dynptr_arg_one_slot_kfunc
type: sched_cls
desc: bpf_dynptr_size (a kfunc) on a "dynptr" at fp-8, one slot from the frame's top
    r1 = 0
    *(u64 *)(r10 -8) = r1
    r1 = r10
    r1 += -8
    call kfunc(bpf_dynptr_size)
    r0 = 0
    exit

=== selftests_progs/dynptr_arg_one_slot_helper
type: sched_cls
desc: bpf_dynptr_read (a helper) from a "dynptr" at fp-8
    r1 = 0
    *(u64 *)(r10 -8) = r1
    *(u64 *)(r10 -16) = r1
    r1 = r10
    r1 += -16
    r2 = 4
    r3 = r10
    r3 += -8
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit

=== selftests_progs/dynptr_arg_one_slot_uninit
type: sched_cls
maps: arr=array(4,8,4)
desc: bpf_dynptr_from_mem writing a new dynptr at fp-8
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -8
    call bpf_dynptr_from_mem
out:
    r0 = 0
    exit

=== selftests_progs/dynptr_arg_misaligned_kfunc
type: sched_cls
desc: bpf_dynptr_size on a "dynptr" at fp-20
    r1 = 0
    *(u64 *)(r10 -8) = r1
    *(u64 *)(r10 -16) = r1
    *(u64 *)(r10 -24) = r1
    r1 = r10
    r1 += -20
    call kfunc(bpf_dynptr_size)
    r0 = 0
    exit
