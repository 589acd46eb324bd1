# Theme: netfilter programs (BPF_PROG_TYPE_NETFILTER): the BPF_NETFILTER attach type at load,
# nf_is_valid_access on struct bpf_nf_ctx (read only, each pointer whole; state and skb as trusted
# pointers to vmlinux's nf_hook_state and sk_buff, walked read-only), bpf_nf_func_proto (the base
# set), the skb kfunc set (bpf_dynptr_from_skb given the ctx's sk_buff for its __sk_buff parameter,
# read-only) and the NF_DROP/NF_ACCEPT return range.

=== netfilter/pass
type: netfilter
attach: netfilter
desc: NF_ACCEPT
desc: NF_ACCEPT
    r0 = 1
    exit

=== netfilter/no_attach
type: netfilter
desc: no expected attach type
desc: loaded without expected_attach_type BPF_NETFILTER
    r0 = 1
    exit

=== netfilter/wrong_attach
type: netfilter
attach: xdp
desc: wrong attach type
desc: another attach type
    r0 = 1
    exit

=== netfilter/ret2
type: netfilter
attach: netfilter
desc: a return value past NF_ACCEPT
    r0 = 2
    exit

=== netfilter/ret_unknown
type: netfilter
attach: netfilter
desc: the state pointer returned
    r0 = *(u64 *)(r1 + 0)
    exit

=== netfilter/state_u8
type: netfilter
attach: netfilter
desc: a narrow read of the state pointer
    r2 = *(u8 *)(r1 + 0)
    r0 = 0
    exit

=== netfilter/skb_u16
type: netfilter
attach: netfilter
desc: a narrow read of the skb pointer
    r2 = *(u16 *)(r1 + 8)
    r0 = 0
    exit

=== netfilter/past_end
type: netfilter
attach: netfilter
desc: past struct bpf_nf_ctx
    r2 = *(u64 *)(r1 + 16)
    r0 = 0
    exit

=== netfilter/misaligned
type: netfilter
attach: netfilter
desc: a pointer read across both fields
    r2 = *(u64 *)(r1 + 4)
    r0 = 0
    exit

=== netfilter/misaligned_read_len
type: netfilter
attach: netfilter
desc: a read inside the skb field, not at its start
    r2 = *(u64 *)(r1 + 9)
    r0 = *(u32 *)(r2 + offsetof(sk_buff, len))
    r0 &= 1
    exit

=== netfilter/write
type: netfilter
attach: netfilter
desc: a write of the ctx
    r2 = r1
    *(u64 *)(r2 + 0) = r1
    r0 = 1
    exit

=== netfilter/write_imm
type: netfilter
attach: netfilter
desc: a store of an immediate into the ctx
    *(u64 *)(r1 + 8) = 0
    r0 = 1
    exit

=== netfilter/neg
type: netfilter
attach: netfilter
desc: below the ctx
    r2 = *(u64 *)(r1 - 8)
    r0 = 1
    exit

=== netfilter/read_len
type: netfilter
attach: netfilter
desc: skb->len through the trusted sk_buff pointer
    r2 = *(u64 *)(r1 + 8)
    r0 = *(u32 *)(r2 + offsetof(sk_buff, len))
    r0 &= 1
    exit

=== netfilter/read_pf
type: netfilter
attach: netfilter
desc: state->pf through the trusted nf_hook_state pointer
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u8 *)(r2 + offsetof(nf_hook_state, pf))
    r0 &= 1
    exit

=== netfilter/write_state
type: netfilter
attach: netfilter
desc: a write through the state pointer
    r2 = *(u64 *)(r1 + 0)
    r3 = 0
    *(u64 *)(r2 + offsetof(nf_hook_state, sk)) = r3
    r0 = 1
    exit

=== netfilter/state_past
type: netfilter
attach: netfilter
desc: past struct nf_hook_state
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u64 *)(r2 + 4096)
    r0 = 1
    exit

=== netfilter/in_dev
type: netfilter
attach: netfilter
desc: state->in (an untrusted net_device) with a NULL check
    r2 = *(u64 *)(r1 + 0)
    r2 = *(u64 *)(r2 + offsetof(nf_hook_state, in))
    if r2 == 0 goto out
    r0 = *(u32 *)(r2 + offsetof(net_device, ifindex))
    r0 &= 1
    exit
out:
    r0 = 0
    exit

=== netfilter/in_dev_nocheck
type: netfilter
attach: netfilter
desc: state->in read without a NULL check (untrusted: a probe read)
    r2 = *(u64 *)(r1 + 0)
    r2 = *(u64 *)(r2 + offsetof(nf_hook_state, in))
    r0 = *(u32 *)(r2 + offsetof(net_device, ifindex))
    r0 &= 1
    exit

=== netfilter/skb_data
type: netfilter
attach: netfilter
desc: skb->data is a scalar, not a packet pointer
    r2 = *(u64 *)(r1 + 8)
    r2 = *(u64 *)(r2 + offsetof(sk_buff, data))
    r0 = *(u8 *)(r2 + 0)
    r0 &= 1
    exit

=== netfilter/ctx_add
type: netfilter
attach: netfilter
desc: a moved ctx pointer
    r1 += 8
    r2 = *(u64 *)(r1 + 0)
    r0 = 1
    exit

=== netfilter/helper_map
type: netfilter
attach: netfilter
maps: m=hash(4,8,16)
desc: map lookups (base set)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 1
    exit

=== netfilter/helper_ktime
type: netfilter
attach: netfilter
desc: bpf_ktime_get_ns (base set)
    call bpf_ktime_get_ns
    r0 = 1
    exit

=== netfilter/helper_skb_load_bytes
type: netfilter
attach: netfilter
desc: no skb helpers
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 4
    call bpf_skb_load_bytes
    r0 = 1
    exit

=== netfilter/helper_perf_event_output
type: netfilter
attach: netfilter
maps: m=perf_event_array(4,4,4)
desc: no bpf_perf_event_output
    r2 = map_fd(m) ll
    r3 = 0
    r4 = r10
    r4 += -8
    *(u64 *)(r10 - 8) = r3
    r5 = 8
    call bpf_perf_event_output
    r0 = 1
    exit

=== netfilter/helper_get_current_pid
type: netfilter
attach: netfilter
desc: bpf_get_current_pid_tgid (base set)
    call bpf_get_current_pid_tgid
    r0 = 1
    exit

=== netfilter/helper_probe_read_kernel
type: netfilter
attach: netfilter
desc: bpf_probe_read_kernel (base set)
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 1
    exit

=== netfilter/dynptr_skb
type: netfilter
attach: netfilter
desc: bpf_dynptr_from_skb on the ctx's skb (the projection of __sk_buff)
    r6 = *(u64 *)(r1 + 8)
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r0 = 1
    exit

=== netfilter/dynptr_ctx
type: netfilter
attach: netfilter
desc: bpf_dynptr_from_skb on the ctx itself
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r0 = 1
    exit

=== netfilter/dynptr_state
type: netfilter
attach: netfilter
desc: bpf_dynptr_from_skb on the hook state
    r1 = *(u64 *)(r1 + 0)
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r0 = 1
    exit

=== netfilter/dynptr_xdp
type: netfilter
attach: netfilter
desc: not in the xdp kfunc set
    r1 = *(u64 *)(r1 + 8)
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r0 = 1
    exit

=== netfilter/dynptr_slice_rdwr
type: netfilter
attach: netfilter
desc: a writable slice
    r1 = *(u64 *)(r1 + 8)
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 0
    r4 = 4
    call kfunc(bpf_dynptr_slice_rdwr)
    r0 = 1
    exit

=== netfilter/dynptr_write
type: netfilter
attach: netfilter
desc: bpf_dynptr_write on the (read-only) skb dynptr verifies
    r1 = *(u64 *)(r1 + 8)
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    *(u64 *)(r10 - 24) = r2
    r4 = 4
    r5 = 0
    call bpf_dynptr_write
    r0 = 1
    exit

=== netfilter/cast_kern_ctx
type: netfilter
attach: netfilter
desc: bpf_cast_to_kern_ctx: struct bpf_nf_ctx, trusted
    call kfunc(bpf_cast_to_kern_ctx)
    r2 = *(u64 *)(r0 + 8)
    r0 = 1
    exit

=== netfilter/skb_ptr_arith
type: netfilter
attach: netfilter
desc: a read at a moved sk_buff pointer inside a pointer member
    r2 = *(u64 *)(r1 + 8)
    r2 += 4
    r0 = *(u32 *)(r2 + 0)
    r0 = 1
    exit

=== netfilter/off1
type: netfilter
attach: netfilter
desc: a pointer read at offset 1
    r2 = *(u64 *)(r1 + 1)
    r0 = 0
    exit

=== netfilter/dynptr_stack
type: netfilter
attach: netfilter
desc: a stack pointer for the skb
    r1 = r10
    r1 += -32
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r0 = 1
    exit

=== netfilter/dynptr_null
type: netfilter
attach: netfilter
desc: NULL for the skb
    r1 = 0
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r0 = 1
    exit

=== netfilter/dynptr_scalar
type: netfilter
attach: netfilter
desc: a scalar for the skb
    r1 = 5
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r0 = 1
    exit

=== netfilter/dynptr_untrusted
type: netfilter
attach: netfilter
desc: an untrusted sk_buff (bpf_rdonly_cast)
    r1 = *(u64 *)(r1 + 8)
    r2 = btf_type(sk_buff)
    call kfunc(bpf_rdonly_cast)
    r1 = r0
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r0 = 1
    exit

=== netfilter/dynptr_off
type: netfilter
attach: netfilter
desc: the skb pointer moved by 8
    r1 = *(u64 *)(r1 + 8)
    r1 += 8
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r0 = 1
    exit

=== netfilter/dynptr_slice_read
type: netfilter
attach: netfilter
desc: a read-only slice of the IPv4 header
    r1 = *(u64 *)(r1 + 8)
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -40
    r4 = 20
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r0 = *(u8 *)(r0 + 9)
    r0 &= 1
    exit
out:
    r0 = 0
    exit

=== netfilter/dynptr_slice_write
type: netfilter
attach: netfilter
desc: a write into the read-only slice
    r1 = *(u64 *)(r1 + 8)
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -40
    r4 = 20
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r1 = 0
    *(u8 *)(r0 + 9) = r1
out:
    r0 = 0
    exit

=== netfilter/state_in_ptr
type: netfilter
attach: netfilter
desc: an untrusted pointer returned
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u64 *)(r2 + offsetof(nf_hook_state, in))
    exit

=== netfilter/tail_call
type: netfilter
attach: netfilter
maps: p=prog_array(4,4,4)
desc: bpf_tail_call (base set)
    r2 = map_fd(p) ll
    r3 = 0
    call bpf_tail_call
    r0 = 1
    exit

=== netfilter/spin_lock_ok
type: netfilter
attach: netfilter
desc: bpf_get_smp_processor_id (base set)
    call bpf_get_smp_processor_id
    r0 = 1
    exit

=== netfilter/get_func_ip
type: netfilter
attach: netfilter
desc: no bpf_get_func_ip
    call bpf_get_func_ip
    r0 = 1
    exit

=== netfilter/sk_storage
type: netfilter
attach: netfilter
desc: no bpf_get_socket_cookie
    call bpf_get_socket_cookie
    r0 = 1
    exit

=== netfilter/printk
type: netfilter
attach: netfilter
desc: bpf_trace_printk (base set)
    r1 = r10
    r1 += -8
    r2 = 0
    *(u64 *)(r10 - 8) = r2
    r2 = 8
    call bpf_trace_printk
    r0 = 1
    exit

=== netfilter/skb_write
type: netfilter
attach: netfilter
desc: a write through the skb pointer
    r2 = *(u64 *)(r1 + 8)
    r3 = 0
    *(u32 *)(r2 + offsetof(sk_buff, mark)) = r3
    r0 = 1
    exit

=== netfilter/skb_past
type: netfilter
attach: netfilter
desc: past struct sk_buff
    r2 = *(u64 *)(r1 + 8)
    r0 = *(u32 *)(r2 + 4096)
    r0 = 1
    exit

=== netfilter/ldsx_ctx
type: netfilter
attach: netfilter
desc: a sign-extending read of the skb pointer
    r2 = *(s32 *)(r1 + 8)
    r0 = 1
    exit

=== netfilter/atomic_state
type: netfilter
attach: netfilter
desc: an atomic add through the state pointer
    r2 = *(u64 *)(r1 + 0)
    r3 = 1
    lock *(u64 *)(r2 + 8) += r3
    r0 = 1
    exit

=== netfilter/tcp_port_filter
type: netfilter
attach: netfilter
desc: the selftest's filter: IPv4 only, the TCP header sliced at the IP header's length, port 22
    r6 = r1
    r2 = *(u64 *)(r6 + 8)
    r3 = *(u32 *)(r2 + offsetof(sk_buff, len))
    if r3 < 21 goto accept
    r1 = r2
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    if r0 != 0 goto accept
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -40
    r4 = 20
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto accept
    r2 = *(u64 *)(r6 + 0)
    r3 = *(u8 *)(r2 + offsetof(nf_hook_state, pf))
    if r3 != 2 goto accept
    r2 = *(u8 *)(r0 + 0)
    r2 <<= 2
    r2 &= 0x3c
    r1 = r10
    r1 += -16
    r3 = r10
    r3 += -80
    r4 = 40
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto accept
    r1 = *(u16 *)(r0 + 2)
    r0 = 1
    if r1 == 0x1600 goto out
    r0 = 0
out:
    exit
accept:
    r0 = 1
    exit

=== netfilter/task_from_pid
type: netfilter
attach: netfilter
desc: bpf_task_from_pid: not in NETFILTER's kfunc sets
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 1
    exit

=== netfilter/rcu_lock
type: netfilter
attach: netfilter
desc: bpf_rcu_read_lock/unlock (the common set)
    call kfunc(bpf_rcu_read_lock)
    call kfunc(bpf_rcu_read_unlock)
    r0 = 1
    exit

=== netfilter/global_ctx
type: netfilter
attach: netfilter
btf: global_subprogs
proto: int f1(struct bpf_nf_ctx:16 *c)
desc: a global function taking struct bpf_nf_ctx *: the ctx, its skb walked inside
    call f
    r0 &= 1
    exit
f:
    r2 = *(u64 *)(r1 + 8)
    r0 = *(u32 *)(r2 + offsetof(sk_buff, len))
    exit

=== netfilter/global_ctx_tag
type: netfilter
attach: netfilter
btf: global_subprogs
proto: int f1(void *c __arg_ctx)
desc: a global function's arg:ctx void pointer: the ctx
    call f
    r0 &= 1
    exit
f:
    r2 = *(u64 *)(r1 + 8)
    r0 = *(u32 *)(r2 + offsetof(sk_buff, len))
    exit
