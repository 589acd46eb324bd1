# Theme: the verdicts Linux 6.12's verifier_*.c selftests showed pybpf getting wrong, written afresh
# with accepted and refused neighbours: sign-extending loads (BPF_MEMSX) of the context's packet
# pointers (is_valid_access's info->is_ldsx); LD_ABS / LD_IND in subprograms (the hidden exit of a
# failed load, the int return check_btf_func() asks of them); tail calls in global subprograms.

=== selftests_verdicts/ldsx_xdp_data
type: xdp
desc: a sign-extending 32-bit load of xdp_md->data (a packet pointer)
    r2 = *(s32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_xdp_data_end
type: xdp
desc: a sign-extending 32-bit load of xdp_md->data_end
    r2 = *(s32 *)(r1 + 4)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_xdp_data_meta
type: xdp
desc: a sign-extending 32-bit load of xdp_md->data_meta
    r2 = *(s32 *)(r1 + 8)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_xdp_ingress_ifindex
type: xdp
desc: a sign-extending 32-bit load of xdp_md->ingress_ifindex (a scalar field: allowed)
    r2 = *(s32 *)(r1 + 12)
    r0 = r2
    r0 &= 1
    exit

=== selftests_verdicts/ldsx_xdp_rx_queue_s16
type: xdp
desc: a sign-extending 16-bit load of xdp_md->rx_queue_index (a narrow load: refused as any narrow load of it)
    r2 = *(s16 *)(r1 + 16)
    r0 = 0
    exit

=== selftests_verdicts/ldx_xdp_data
type: xdp
desc: the zero-extending load of xdp_md->data next to them: a packet pointer
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = r2
    r0 += 8
    if r0 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_verdicts/ldsx_tc_data
type: sched_cls
desc: a sign-extending 32-bit load of __sk_buff->data in tc
    r2 = *(s32 *)(r1 + 76)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_tc_data_end
type: sched_cls
desc: a sign-extending 32-bit load of __sk_buff->data_end in tc
    r2 = *(s32 *)(r1 + 80)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_tc_data_meta
type: sched_act
desc: a sign-extending 32-bit load of __sk_buff->data_meta in a tc action
    r2 = *(s32 *)(r1 + 140)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_tc_len
type: sched_cls
desc: a sign-extending 32-bit load of __sk_buff->len: a scalar field, allowed
    r2 = *(s32 *)(r1 + 0)
    r0 = r2
    r0 &= 1
    exit

=== selftests_verdicts/ldsx_tc_mark_s8
type: sched_cls
desc: a sign-extending byte load of __sk_buff->mark (a narrow scalar load: allowed)
    r2 = *(s8 *)(r1 + 8)
    r0 = r2
    r0 &= 1
    exit

=== selftests_verdicts/ldsx_tc_cb_s16
type: sched_cls
desc: a sign-extending 16-bit load of __sk_buff->cb[1]
    r2 = *(s16 *)(r1 + 54)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_cgroup_skb_data
type: cgroup_skb
desc: a sign-extending load of __sk_buff->data in a cgroup skb program
    r2 = *(s32 *)(r1 + 76)
    r0 = 1
    exit

=== selftests_verdicts/ldsx_cgroup_skb_data_end
type: cgroup_skb
desc: a sign-extending load of __sk_buff->data_end in a cgroup skb program
    r2 = *(s32 *)(r1 + 80)
    r0 = 1
    exit

=== selftests_verdicts/ldsx_cgroup_skb_priority
type: cgroup_skb
desc: a sign-extending load of __sk_buff->priority in a cgroup skb program (allowed)
    r2 = *(s32 *)(r1 + 32)
    r0 = 1
    exit

=== selftests_verdicts/ldsx_lwt_in_data
type: lwt_in
desc: a sign-extending load of __sk_buff->data in an LWT program
    r2 = *(s32 *)(r1 + 76)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_lwt_xmit_data_end
type: lwt_xmit
desc: a sign-extending load of __sk_buff->data_end in an LWT xmit program
    r2 = *(s32 *)(r1 + 80)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_sk_skb_data
type: sk_skb
desc: a sign-extending load of __sk_buff->data in an sk_skb program
    r2 = *(s32 *)(r1 + 76)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_sk_skb_data_end
type: sk_skb
desc: a sign-extending load of __sk_buff->data_end in an sk_skb program
    r2 = *(s32 *)(r1 + 80)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_socket_filter_data
type: socket_filter
desc: a sign-extending load of __sk_buff->data in a socket filter (which never reads it)
    r2 = *(s32 *)(r1 + 76)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_socket_filter_len
type: socket_filter
desc: a sign-extending load of __sk_buff->len in a socket filter (allowed)
    r2 = *(s32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_flow_dissector_data
type: flow_dissector
desc: a sign-extending load of __sk_buff->data in a flow dissector
    r2 = *(s32 *)(r1 + 76)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_flow_dissector_data_end
type: flow_dissector
desc: a sign-extending load of __sk_buff->data_end in a flow dissector
    r2 = *(s32 *)(r1 + 80)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_sk_msg_data
type: sk_msg
desc: a sign-extending 32-bit load of sk_msg_md->data (a 64-bit pointer field: no 32-bit load reads it)
    r2 = *(s32 *)(r1 + 0)
    r0 = 1
    exit

=== selftests_verdicts/ldsx_sk_msg_remote_port
type: sk_msg
desc: a sign-extending 32-bit load of sk_msg_md->remote_port (allowed)
    r2 = *(s32 *)(r1 + 60)
    r0 = 1
    exit

=== selftests_verdicts/ldsx_sock_ops_skb_data
type: sock_ops
desc: a sign-extending 32-bit load of bpf_sock_ops->skb_data (a 64-bit pointer field)
    r2 = *(s32 *)(r1 + 192)
    r0 = 1
    exit

=== selftests_verdicts/ldsx_sock_ops_op
type: sock_ops
desc: a sign-extending 32-bit load of bpf_sock_ops->op (allowed)
    r2 = *(s32 *)(r1 + 0)
    r0 = 1
    exit

=== selftests_verdicts/ldsx_kprobe_reg
type: kprobe
desc: a sign-extending 32-bit load of a pt_regs register in a kprobe (allowed)
    r2 = *(s32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_verdicts/ldsx_ctx_store_then_load
type: sched_cls
desc: a sign-extending load of __sk_buff->data after the plain load of data_end: still refused
    r3 = *(u32 *)(r1 + 80)
    r2 = *(s32 *)(r1 + 76)
    r0 = 0
    exit

=== selftests_verdicts/ld_abs_static_early_exit
type: socket_filter
btf: func_info
desc: a static subprogram's LD_ABS may leave it with r0 = 0: the caller's r0 == 0 path reads r9, never set
    call sub
    if r0 != 0 goto out
    r0 = r9
out:
    r0 = 0
    exit
sub:
    r6 = r1
    r0 = *(u32 *)skb[0]
    r0 = 1
    exit

=== selftests_verdicts/ld_ind_static_early_exit
type: socket_filter
btf: func_info
desc: the same with LD_IND
    call sub
    if r0 != 0 goto out
    r0 = r9
out:
    r0 = 0
    exit
sub:
    r6 = r1
    r7 = 0
    r0 = *(u32 *)skb[r7 + 0]
    r0 = 1
    exit

=== selftests_verdicts/ld_abs_static_both_paths
type: socket_filter
btf: func_info
desc: a static subprogram's LD_ABS, its result ignored: both returns are safe
    call sub
    r0 = 0
    exit
sub:
    r6 = r1
    r0 = *(u8 *)skb[12]
    r0 = 1
    exit

=== selftests_verdicts/ld_abs_static_caller_regs
type: socket_filter
btf: func_info
desc: the caller's callee-saved registers survive the hidden exit (r7 set before the call)
    r7 = 5
    call sub
    r0 = r7
    r0 &= 1
    exit
sub:
    r6 = r1
    r0 = *(u16 *)skb[12]
    r0 = 1
    exit

=== selftests_verdicts/ld_abs_static_r0_bounded
type: socket_filter
maps: m=array(4,8,1)
btf: func_info
desc: the caller uses the subprogram's result as an offset into an 8-byte value: 0 (the hidden exit) or 4
    r6 = r1
    call sub
    r7 = r0
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r7
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit
sub:
    r6 = r1
    r0 = *(u8 *)skb[12]
    r0 = 4
    exit

=== selftests_verdicts/ld_abs_static_nested
type: socket_filter
btf: func_info
desc: LD_ABS two calls deep: the hidden exit returns to the middle frame only
    call mid
    if r0 != 0 goto out
    r0 = r9
out:
    r0 = 0
    exit
mid:
    call sub
    r0 += 1
    exit
sub:
    r6 = r1
    r0 = *(u8 *)skb[12]
    r0 = 1
    exit

=== selftests_verdicts/ld_abs_static_nested_zero
type: socket_filter
btf: func_info
desc: LD_ABS two calls deep, the middle frame passing r0 on: the main frame sees 0
    call mid
    if r0 != 0 goto out
    r0 = r9
out:
    r0 = 0
    exit
mid:
    call sub
    exit
sub:
    r6 = r1
    r0 = *(u8 *)skb[12]
    r0 = 1
    exit

=== selftests_verdicts/ld_abs_void_static
type: socket_filter
btf: func_info
proto: static void f1(void)
desc: a subprogram with LD_ABS whose BTF prototype returns void
    call sub
    r0 = 0
    exit
sub:
    r6 = r1
    r0 = *(u32 *)skb[0]
    r0 = 1
    exit

=== selftests_verdicts/ld_ind_void_static
type: socket_filter
btf: func_info
proto: static void f1(void)
desc: the same with LD_IND
    call sub
    r0 = 0
    exit
sub:
    r6 = r1
    r7 = 0
    r0 = *(u32 *)skb[r7 + 0]
    r0 = 1
    exit

=== selftests_verdicts/ld_abs_pointer_return
type: socket_filter
btf: func_info
proto: static int *f1(void)
desc: a subprogram with LD_ABS returning a pointer in its BTF prototype
    call sub
    r0 = 0
    exit
sub:
    r6 = r1
    r0 = *(u32 *)skb[0]
    r0 = 1
    exit

=== selftests_verdicts/ld_abs_enum_return
type: socket_filter
btf: func_info
proto: static enum e f1(void)
desc: a subprogram with LD_ABS returning an enum: a scalar return
    call sub
    r0 = 0
    exit
sub:
    r6 = r1
    r0 = *(u32 *)skb[0]
    r0 = 1
    exit

=== selftests_verdicts/ld_abs_u64_return
type: socket_filter
btf: func_info
proto: static u64 f1(void)
desc: a subprogram with LD_ABS returning u64: a small int
    call sub
    r0 = 0
    exit
sub:
    r6 = r1
    r0 = *(u32 *)skb[0]
    r0 = 1
    exit

=== selftests_verdicts/ld_abs_struct_ptr_return_second
type: socket_filter
btf: func_info
proto: static int f1(void)
proto: static void f2(void)
desc: the second subprogram returns void and uses LD_ABS; the first is fine
    call sub1
    call sub2
    r0 = 0
    exit
sub1:
    r0 = 1
    exit
sub2:
    r6 = r1
    r0 = *(u8 *)skb[1]
    r0 = 1
    exit

=== selftests_verdicts/void_without_ld_abs
type: socket_filter
btf: func_info
proto: static void f1(void)
desc: a void subprogram without LD_ABS or tail call: allowed
    call sub
    r0 = 0
    exit
sub:
    r0 = 1
    exit

=== selftests_verdicts/tail_call_void_static
type: sched_cls
maps: jt=prog_array(4,4,1)
btf: func_info
proto: static void f1(struct __sk_buff *skb)
desc: a subprogram with a tail call whose BTF prototype returns void
    call sub
    r0 = 0
    exit
sub:
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_verdicts/ld_abs_void_main
type: socket_filter
btf: func_info
proto: void f0(void)
desc: the main program's own prototype returns void: the rule is for subprograms only
    r6 = r1
    r0 = *(u8 *)skb[1]
    r0 = 0
    exit

=== selftests_verdicts/ld_abs_in_loop_callback
type: socket_filter
btf: func_info
desc: LD_ABS in a bpf_loop callback, the context reached through the callback's stack argument
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r6 = *(u64 *)(r2 + 0)
    r0 = *(u8 *)skb[1]
    r0 = 0
    exit

=== selftests_verdicts/ld_abs_in_callback_subprog
type: socket_filter
btf: func_info
desc: LD_ABS in a static subprogram a bpf_loop callback calls
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r1 = *(u64 *)(r2 + 0)
    call sub
    r0 = 0
    exit
sub:
    r6 = r1
    r0 = *(u8 *)skb[1]
    r0 = 0
    exit

=== selftests_verdicts/tail_call_in_global
type: sched_cls
maps: jt=prog_array(4,4,1)
btf: global_subprogs
proto: int f1(struct __sk_buff *skb)
desc: a checked packet pointer written after a global function that tail calls
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r1 = r6
    call f1
    r1 = 42
    *(u32 *)(r7 + 0) = r1
out:
    r0 = 0
    exit
f1:
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_verdicts/tail_call_in_global_nested
type: sched_cls
maps: jt=prog_array(4,4,1)
btf: global_subprogs
proto: int f1(struct __sk_buff *skb)
proto: int f2(struct __sk_buff *skb)
desc: a global function calls another that tail calls: both change packet data
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r1 = r6
    call f1
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit
f1:
    call f2
    r0 = 0
    exit
f2:
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_verdicts/tail_call_direct_in_main
type: sched_cls
maps: jt=prog_array(4,4,1)
desc: the main program's own tail call that fails goes on: the checked pointer is still good
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r1 = r6
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_verdicts/global_without_tail_call
type: sched_cls
btf: global_subprogs
proto: int f1(struct __sk_buff *skb)
desc: a global function that neither tail calls nor pulls: the checked pointer stays valid
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r1 = r6
    call f1
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit
f1:
    r0 = 0
    exit

=== selftests_verdicts/skb_change_type_keeps_pkt
type: sched_cls
desc: bpf_skb_change_type does not move the packet: a checked pointer read after it
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r1 = r6
    r2 = 0
    call bpf_skb_change_type
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_verdicts/store_hdr_opt_moves_pkt
type: sock_ops
desc: bpf_store_hdr_opt may move the packet a sock_ops program sees: a checked pointer read after it
    r6 = r1
    r7 = *(u64 *)(r6 + 192)
    r8 = *(u64 *)(r6 + 200)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r1 = r6
    r2 = r10
    r2 += -8
    r3 = 0
    *(u64 *)(r10 - 8) = r3
    r3 = 4
    r4 = 0
    call bpf_store_hdr_opt
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 1
    exit

=== selftests_verdicts/xsk_eq_infers_not_null
type: xdp
maps: x=xskmap(4,4,1)
desc: two XSKMAP lookups; the second equals the first, checked not NULL: it is not NULL either
    r1 = 0
    *(u32 *)(r10 - 8) = r1
    r9 = r10
    r9 += -8
    r8 = map_fd(x) ll
    r1 = r8
    r2 = r9
    call bpf_map_lookup_elem
    r6 = r0
    r1 = r8
    r2 = r9
    call bpf_map_lookup_elem
    r7 = r0
    if r6 == 0 goto out
    if r6 != r7 goto out
    r0 = *(u32 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_verdicts/xsk_ne_branch_maybe_null
type: xdp
maps: x=xskmap(4,4,1)
desc: the branch where the two differ learns nothing: the second may still be NULL
    r1 = 0
    *(u32 *)(r10 - 8) = r1
    r9 = r10
    r9 += -8
    r8 = map_fd(x) ll
    r1 = r8
    r2 = r9
    call bpf_map_lookup_elem
    r6 = r0
    r1 = r8
    r2 = r9
    call bpf_map_lookup_elem
    r7 = r0
    if r6 == 0 goto out
    if r6 == r7 goto out
    r0 = *(u32 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_verdicts/xsk_eq_unchecked_both
type: xdp
maps: x=xskmap(4,4,1)
desc: two XSKMAP lookups equal to each other, neither checked: both may be NULL
    r1 = 0
    *(u32 *)(r10 - 8) = r1
    r9 = r10
    r9 += -8
    r8 = map_fd(x) ll
    r1 = r8
    r2 = r9
    call bpf_map_lookup_elem
    r6 = r0
    r1 = r8
    r2 = r9
    call bpf_map_lookup_elem
    r7 = r0
    if r6 != r7 goto out
    r0 = *(u32 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_verdicts/xsk_eq_map_value
type: xdp
maps: x=xskmap(4,4,1) m=array(4,8,1)
desc: an XSKMAP lookup equal to a checked array value: not NULL
    r1 = 0
    *(u32 *)(r10 - 8) = r1
    r9 = r10
    r9 += -8
    r1 = map_fd(m) ll
    r2 = r9
    call bpf_map_lookup_elem
    r6 = r0
    r1 = map_fd(x) ll
    r2 = r9
    call bpf_map_lookup_elem
    r7 = r0
    if r6 == 0 goto out
    if r7 != r6 goto out
    r0 = *(u32 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_verdicts/trusted_nullable_acquired_unchecked
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted __arg_nullable)
desc: an acquired task not yet checked against NULL passed to an arg:trusted arg:nullable argument
    call bpf_get_current_task_btf
    r1 = r0
    call kfunc(bpf_task_acquire)
    r6 = r0
    r1 = r6
    call f1
    if r6 == 0 goto out
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit
f1:
    r0 = 0
    exit

=== selftests_verdicts/trusted_nonnull_acquired_unchecked
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted)
desc: the same task passed to an arg:trusted argument that may not be NULL
    call bpf_get_current_task_btf
    r1 = r0
    call kfunc(bpf_task_acquire)
    r6 = r0
    r1 = r6
    call f1
    if r6 == 0 goto out
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit
f1:
    r0 = 0
    exit

=== selftests_verdicts/trusted_nullable_acquired_checked
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted __arg_nullable)
desc: the acquired task checked first, then passed to an arg:trusted arg:nullable argument
    call bpf_get_current_task_btf
    r1 = r0
    call kfunc(bpf_task_acquire)
    r6 = r0
    if r6 == 0 goto out
    r1 = r6
    call f1
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit
f1:
    r0 = 0
    exit

=== selftests_verdicts/trusted_nullable_scalar
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted __arg_nullable)
desc: a nonzero scalar passed to an arg:trusted arg:nullable argument
    r1 = 1
    call f1
    r0 = 0
    exit
f1:
    r0 = 0
    exit

=== selftests_verdicts/trusted_nullable_lookup_or_null
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
maps: m=array(4,8,1)
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted __arg_nullable)
desc: a map value not checked against NULL passed to an arg:trusted arg:nullable task argument
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r1 = r0
    call f1
    r0 = 0
    exit
f1:
    r0 = 0
    exit

=== selftests_verdicts/loop_inline_fit
type: raw_tracepoint
btf: func_info
desc: a bpf_loop call with flags 0 and one callback: optimize_bpf_loop() inlines it (three more stack slots)
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== selftests_verdicts/loop_inline_unaligned_stack
type: raw_tracepoint
btf: func_info
desc: the same with 4 bytes of stack: rounded up to 8 below which the inlined loop keeps its slots
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== selftests_verdicts/loop_inline_flags_unknown
type: raw_tracepoint
btf: func_info
desc: bpf_loop flags not known to be 0: not inlined, the stack stays
    r6 = *(u64 *)(r1 + 0)
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    r2 = func(cb) ll
    r3 = 0
    r4 = r6
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== selftests_verdicts/loop_inline_two_callbacks
type: raw_tracepoint
btf: func_info
desc: one bpf_loop call reached with two callbacks: not inlined
    r6 = *(u64 *)(r1 + 0)
    r1 = 1
    r2 = func(cb1) ll
    if r6 == 0 goto go
    r2 = func(cb2) ll
go:
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb1:
    r0 = 0
    exit
cb2:
    r0 = 1
    exit

=== selftests_verdicts/loop_inline_two_calls
type: raw_tracepoint
btf: func_info
desc: two inlined bpf_loop calls in one subprogram: its stack grows once
    r1 = 1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== selftests_verdicts/loop_inline_in_subprog
type: raw_tracepoint
btf: func_info
desc: the inlined bpf_loop call is in a static subprogram: that subprogram's stack grows
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    call sub
    r0 = 0
    exit
sub:
    r1 = 1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== selftests_verdicts/loop_inline_refused_later
type: raw_tracepoint
btf: func_info
desc: a program with an inlinable bpf_loop call that is refused: no rewrite, the stack as the walk left it
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = r9
    exit
cb:
    r0 = 0
    exit
