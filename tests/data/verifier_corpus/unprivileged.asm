# Theme: loaders without every capability (the ``caps`` header).  bpf_check() sets env->bpf_capable
# (CAP_BPF), allow_ptr_leaks and allow_uninit_stack (CAP_PERFMON) from the loader: without CAP_BPF no
# bounded loops (check_cfg(): "back-edge"), no bpf-to-bpf calls or kfuncs, no spilled scalars, no
# constant map keys, no CAP_BPF helpers; without CAP_PERFMON no pointer leaks (into maps, ctx, helper
# arguments, return values), no pointer comparisons, no partial pointer copies, no reads of stack
# never written, no CAP_PERFMON helpers, no kernel struct access.  Spectre sanitation (bypass_spec_v1
# and v4) is another theme's.

=== unprivileged/exit_zero
type: socket_filter
caps: none
desc: the smallest socket filter loads without any capability
    r0 = 0
    exit

=== unprivileged/cgroup_skb_exit_one
type: cgroup_skb
caps: none
desc: a cgroup skb program loads without any capability
    r0 = 1
    exit

=== unprivileged/back_edge
type: socket_filter
caps: none
desc: a bounded loop needs CAP_BPF: the first back-edge is refused
    r0 = 0
loop:
    r0 += 1
    if r0 < 10 goto loop
    exit

=== unprivileged/back_edge_bpf
type: socket_filter
caps: bpf
desc: the same loop with CAP_BPF alone
    r0 = 0
loop:
    r0 += 1
    if r0 < 10 goto loop
    r0 = 0
    exit

=== unprivileged/back_edge_second_branch
type: socket_filter
caps: none
desc: the back-edge is found on the branch explored after the fall-through
    r0 = *(u32 *)(r1 + 0)
    if r0 > 5 goto later
    r0 = 0
    exit
later:
    r0 -= 1
    if r0 > 3 goto later
    r0 = 0
    exit

=== unprivileged/ja_self
type: socket_filter
caps: none
desc: a jump to itself
    r0 = 0
self:
    goto self
    exit

=== unprivileged/bpf_to_bpf_call
type: socket_filter
caps: none
desc: a bpf-to-bpf call needs CAP_BPF
    call f
    exit
f:
    r0 = 0
    exit

=== unprivileged/bpf_to_bpf_call_bpf
type: socket_filter
caps: bpf
desc: the same call with CAP_BPF
    call f
    exit
f:
    r0 = 0
    exit

=== unprivileged/kfunc_call
type: socket_filter
caps: none
desc: a kfunc call needs CAP_BPF
    call kfunc(bpf_rcu_read_lock)
    r0 = 0
    exit

=== unprivileged/map_value_ptr_leak
type: socket_filter
caps: none
maps: m=array(4,8,1)
desc: a pointer stored into a map value
    r2 = r10
    r2 += -4
    *(u32 *)(r2 + 0) = 0
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r0
out:
    r0 = 0
    exit

=== unprivileged/map_value_ptr_leak_bpf
type: socket_filter
caps: bpf
maps: m=array(4,8,1)
desc: the same store with CAP_BPF but without CAP_PERFMON
    r2 = r10
    r2 += -4
    *(u32 *)(r2 + 0) = 0
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r10
out:
    r0 = 0
    exit

=== unprivileged/map_value_ptr_leak_perfmon
type: socket_filter
caps: bpf,perfmon
maps: m=array(4,8,1)
desc: the same store with CAP_BPF and CAP_PERFMON
    r2 = r10
    r2 += -4
    *(u32 *)(r2 + 0) = 0
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r10
out:
    r0 = 0
    exit

=== unprivileged/map_value_scalar_store
type: socket_filter
caps: none
maps: m=array(4,8,1)
desc: a scalar into a map value is fine
    r2 = r10
    r2 += -4
    *(u32 *)(r2 + 0) = 0
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 7
    *(u64 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== unprivileged/map_update_value_on_stack
type: socket_filter
caps: none
maps: m=hash(4,8,4)
desc: a map update from initialised stack
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u32 *)(r10 - 12) = r1
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -12
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_map_update_elem
    r0 = 0
    exit

=== unprivileged/map_update_pointer_on_stack
type: socket_filter
caps: none
maps: m=hash(4,8,4)
desc: a spilled pointer handed to a helper as memory leaks it
    *(u64 *)(r10 - 8) = r10
    r1 = 0
    *(u32 *)(r10 - 12) = r1
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -12
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_map_update_elem
    r0 = 0
    exit

=== unprivileged/map_lookup_uninit_key
type: socket_filter
caps: none
maps: m=hash(4,8,4)
desc: a key never written is read by the helper
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== unprivileged/map_lookup_uninit_key_root
type: socket_filter
maps: m=hash(4,8,4)
desc: the same key read by a privileged loader
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== unprivileged/array_lookup_const_key_no_null_check
type: socket_filter
caps: bpf
maps: m=array(4,8,4)
desc: a constant in-range key proves the array value non-NULL only with CAP_BPF
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== unprivileged/array_lookup_const_key_no_null_check_none
type: socket_filter
caps: none
maps: m=array(4,8,4)
desc: the same lookup without CAP_BPF: the value may be NULL
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== unprivileged/ctx_ptr_leak
type: socket_filter
caps: none
desc: a pointer stored into the context's cb[]
    *(u32 *)(r1 + 48) = r10
    r0 = 0
    exit

=== unprivileged/ctx_scalar_store
type: socket_filter
caps: none
desc: a scalar into cb[0]
    r2 = 3
    *(u32 *)(r1 + 48) = r2
    r0 = 0
    exit

=== unprivileged/return_pointer
type: socket_filter
caps: none
desc: the program returns a pointer
    r0 = r10
    exit

=== unprivileged/return_pointer_bpf
type: socket_filter
caps: bpf
desc: the same return with CAP_BPF alone
    r0 = r1
    exit

=== unprivileged/return_uninit
type: socket_filter
caps: none
desc: r0 never written
    exit

=== unprivileged/helper_arg_leak
type: socket_filter
caps: none
maps: m=array(4,8,1)
desc: a pointer passed where a helper takes anything (the update flags)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u32 *)(r10 - 12) = r1
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -12
    r3 = r10
    r3 += -8
    r4 = r10
    call bpf_map_update_elem
    r0 = 0
    exit

=== unprivileged/pointer_comparison_src
type: socket_filter
caps: none
desc: a scalar compared with a pointer
    r0 = 0
    if r0 == r10 goto out
    r0 = 1
out:
    exit

=== unprivileged/pointer_comparison_dst
type: socket_filter
caps: none
desc: a pointer compared with a constant
    r0 = r10
    if r0 > 8 goto out
    r0 = 1
    exit
out:
    r0 = 0
    exit

=== unprivileged/pointer_null_check_decided
type: socket_filter
caps: none
desc: the frame pointer compared with 0 is decided: no comparison happens
    r0 = 0
    if r10 == 0 goto out
    r0 = 1
out:
    exit

=== unprivileged/pointer_comparison_bpf
type: socket_filter
caps: bpf
desc: a pointer comparison with CAP_BPF but without CAP_PERFMON
    r0 = r1
    if r0 != r10 goto out
    r0 = 1
    exit
out:
    r0 = 0
    exit

=== unprivileged/pointer_neg
type: socket_filter
caps: none
desc: negating a pointer
    r1 = r10
    r1 = -r1
    r0 = 0
    exit

=== unprivileged/pointer_bswap
type: socket_filter
caps: none
desc: byte-swapping a pointer
    r1 = r10
    r1 = be64 r1
    r0 = 0
    exit

=== unprivileged/partial_copy
type: socket_filter
caps: none
desc: a 32-bit move of a pointer
    w0 = w10
    r0 = 0
    exit

=== unprivileged/sign_extension_copy
type: socket_filter
caps: none
desc: a sign-extending move of a pointer
    r0 = (s32)r10
    r0 = 0
    exit

=== unprivileged/pointer_minus_pointer
type: socket_filter
caps: none
desc: the difference of two pointers
    r0 = r10
    r0 -= r1
    r0 = 0
    exit

=== unprivileged/pointer_minus_pointer_root
type: socket_filter
desc: the same difference for a privileged loader
    r0 = r10
    r0 -= r1
    r0 = 0
    exit

=== unprivileged/pointer_sub32
type: socket_filter
caps: none
desc: a 32-bit subtraction from a pointer
    r0 = r10
    w0 -= 8
    r0 = 0
    exit

=== unprivileged/stack_read_uninit
type: socket_filter
caps: none
desc: reading stack never written
    r0 = *(u64 *)(r10 - 8)
    r0 = 0
    exit

=== unprivileged/stack_read_partly_written
type: socket_filter
caps: none
desc: reading 8 bytes of which 4 were written
    r1 = 0
    *(u32 *)(r10 - 8) = r1
    r0 = *(u64 *)(r10 - 8)
    r0 = 0
    exit

=== unprivileged/stack_read_partly_written_perfmon
type: socket_filter
caps: bpf,perfmon
desc: the same read with CAP_PERFMON
    r1 = 0
    *(u32 *)(r10 - 8) = r1
    r0 = *(u64 *)(r10 - 8)
    r0 = 0
    exit

=== unprivileged/stack_read_below_written
type: socket_filter
caps: none
desc: reading below the deepest write (past the allocated stack)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r0 = *(u64 *)(r10 - 16)
    r0 = 0
    exit

=== unprivileged/stack_spill_scalar_fill
type: socket_filter
caps: none
desc: a spilled scalar comes back unknown without CAP_BPF: its bound is lost
    r1 = *(u32 *)(r1 + 0)
    r1 &= 7
    *(u64 *)(r10 - 8) = r1
    r0 = *(u64 *)(r10 - 8)
    if r0 > 7 goto big
    r0 = 0
    exit
big:
    r0 = 1
    exit

=== unprivileged/stack_spill_const_zero
type: socket_filter
caps: none
desc: a spilled zero reads back as zero
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r0 = *(u64 *)(r10 - 8)
    exit

=== unprivileged/stack_spill_pointer_fill
type: socket_filter
caps: none
desc: a spilled pointer and its fill
    *(u64 *)(r10 - 8) = r1
    r1 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== unprivileged/stack_corrupt_spilled_pointer
type: socket_filter
caps: none
desc: a narrow write over a spilled pointer
    *(u64 *)(r10 - 8) = r1
    r2 = 0
    *(u32 *)(r10 - 8) = r2
    r0 = 0
    exit

=== unprivileged/stack_corrupt_spilled_pointer_root
type: socket_filter
desc: the same narrow write for a privileged loader
    *(u64 *)(r10 - 8) = r1
    r2 = 0
    *(u32 *)(r10 - 8) = r2
    r0 = 0
    exit

=== unprivileged/atomic_pointer_operand
type: socket_filter
caps: none
desc: an atomic add of a pointer into the stack
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    lock *(u64 *)(r10 - 8) += r10
    r0 = 0
    exit

=== unprivileged/atomic_on_spilled_pointer
type: socket_filter
caps: none
desc: an atomic add onto a spilled pointer
    *(u64 *)(r10 - 8) = r10
    r1 = 1
    lock *(u64 *)(r10 - 8) += r1
    r0 = 0
    exit

=== unprivileged/helper_perfmon_trace_printk
type: socket_filter
caps: bpf
desc: bpf_trace_printk needs CAP_PERFMON
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    call bpf_trace_printk
    r0 = 0
    exit

=== unprivileged/helper_bpf_spin_lock
type: socket_filter
caps: none
desc: bpf_jiffies64 needs CAP_BPF
    call bpf_jiffies64
    r0 = 0
    exit

=== unprivileged/helper_ktime
type: socket_filter
caps: none
desc: bpf_ktime_get_ns needs nothing
    call bpf_ktime_get_ns
    r0 = 0
    exit

=== unprivileged/helper_get_current_task
type: cgroup_skb
caps: bpf,net_admin
desc: bpf_get_current_task needs CAP_PERFMON
    call bpf_get_current_task
    r0 = 1
    exit

=== unprivileged/cgroup_skb_data_none
type: cgroup_skb
caps: none
desc: direct packet access in a cgroup skb program needs CAP_BPF
    r2 = *(u32 *)(r1 + 76)
    r0 = 1
    exit

=== unprivileged/cgroup_skb_data_bpf
type: cgroup_skb
caps: bpf
desc: the same read with CAP_BPF
    r2 = *(u32 *)(r1 + 76)
    r0 = 1
    exit

=== unprivileged/cgroup_skb_tstamp_write
type: cgroup_skb
caps: bpf,net_admin,perfmon
desc: writing tstamp needs CAP_SYS_ADMIN
    r2 = 0
    *(u64 *)(r1 + 152) = r2
    r0 = 1
    exit

=== unprivileged/cgroup_skb_mark_write
type: cgroup_skb
caps: none
desc: writing mark needs nothing
    r2 = 0
    *(u32 *)(r1 + 8) = r2
    r0 = 1
    exit

=== unprivileged/map_ptr_field_read
type: socket_filter
caps: bpf
maps: m=array(4,8,4)
desc: reading a map's kernel struct needs CAP_PERFMON
    r1 = map_fd(m) ll
    r0 = *(u32 *)(r1 + 36)
    r0 = 0
    exit

=== unprivileged/ringbuf_submit_then_use
type: socket_filter
caps: none
maps: rb=ringbuf(0,0,4096)
desc: a submitted record's pointer is not readable any more
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
    r0 = r6
    r0 += 1
out:
    r0 = 0
    exit

=== unprivileged/ld_abs
type: socket_filter
caps: none
desc: a legacy packet load in an unprivileged socket filter
    r6 = r1
    r0 = *(u8 *)skb[12]
    r0 = 0
    exit

=== unprivileged/cgroup_skb_data_end_none
type: cgroup_skb
caps: none
desc: data_end in a cgroup skb program needs CAP_BPF too
    r2 = *(u32 *)(r1 + 80)
    r0 = 1
    exit

=== unprivileged/cgroup_skb_tstamp_write_none
type: cgroup_skb
caps: none
desc: writing tstamp needs CAP_BPF
    r2 = 0
    *(u64 *)(r1 + 152) = r2
    r0 = 1
    exit

=== unprivileged/cgroup_skb_tstamp_read_none
type: cgroup_skb
caps: none
desc: reading tstamp needs nothing
    r2 = *(u64 *)(r1 + 152)
    r0 = 1
    exit

=== unprivileged/socket_filter_data
type: socket_filter
caps: none
desc: a socket filter never reads data directly
    r2 = *(u32 *)(r1 + 76)
    r0 = 0
    exit

=== unprivileged/cgroup_skb_packet_read
type: cgroup_skb
caps: bpf
desc: a bounds-checked packet read with CAP_BPF alone
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 1
    exit

=== unprivileged/release_then_read_spilled
type: socket_filter
caps: none
maps: rb=ringbuf(0,0,4096)
desc: a record's pointer spilled, the record submitted, the spill filled and used
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    *(u64 *)(r10 - 8) = r0
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
    r1 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r1 + 0)
out:
    r0 = 0
    exit

=== unprivileged/var_len_helper_read
type: socket_filter
caps: none
desc: a helper reading 8 bytes of stack of which 4 were written
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_csum_diff
    r0 = 0
    exit

=== unprivileged/spill_st_imm_bound
type: socket_filter
caps: none
desc: an immediate stored to the stack comes back unknown without CAP_BPF: the offset it gives is unbounded
    r0 = 0
    *(u64 *)(r10 - 16) = 0
    *(u64 *)(r10 - 8) = 4
    r1 = *(u64 *)(r10 - 8)
    r2 = r10
    r2 += -16
    r2 += r1
    r0 = *(u32 *)(r2 + 0)
    r0 = 0
    exit

=== unprivileged/pointer_jset
type: socket_filter
caps: none
desc: a bit test on a pointer
    r0 = r1
    if r0 & 0x1 goto out
    r0 = 0
    exit
out:
    r0 = 1
    exit

=== unprivileged/jmp32_pointer
type: socket_filter
caps: none
desc: a 32-bit comparison of a pointer
    r0 = r1
    if w0 == 0 goto out
    r0 = 0
    exit
out:
    r0 = 1
    exit

