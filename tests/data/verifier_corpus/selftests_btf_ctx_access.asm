# Theme: a BTF-typed tracepoint's arguments as btf_ctx_access() (kernel/bpf/btf.c) reads them, the
# subject of the kernel's verifier_btf_ctx_access selftest (written there for fentry, which this
# kernel refuses to load; the same rules hold for tp_btf), written afresh: one 8-byte slot per
# argument, scalars (int, unsigned int, long, pid_t, an enum, a typedef'd blk_status_t) readable at
# any size that fits from the slot's start, pointers only whole (PTR_TO_BTF_ID of the pointed-to
# struct, trusted; a void pointer as a scalar), nothing past the last argument, nothing written.

=== selftests_btf_ctx_access/int_arg_u32
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_signal_generate
desc: an int argument read as 4 bytes
    r2 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_btf_ctx_access/int_arg_u64
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_signal_generate
desc: an int argument read as 8 bytes
    r2 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_btf_ctx_access/int_arg_u8
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_signal_generate
desc: an int argument's first byte
    r2 = *(u8 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_btf_ctx_access/int_arg_upper_half
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_signal_generate
desc: an int argument's slot at offset 4
    r2 = *(u32 *)(r1 + 4)
    r0 = 0
    exit

=== selftests_btf_ctx_access/siginfo_ptr_walk
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_signal_generate
desc: the siginfo pointer's si_signo
    r2 = *(u64 *)(r1 + 8)
    r0 = *(u32 *)(r2 + 0)
    r0 = 0
    exit

=== selftests_btf_ctx_access/task_arg_then_int
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_signal_generate
desc: the task pointer, then the last int argument
    r2 = *(u64 *)(r1 + 16)
    r3 = *(u32 *)(r1 + 32)
    r0 = 0
    exit

=== selftests_btf_ctx_access/sixth_slot
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_signal_generate
desc: the slot past the last of five arguments
    r2 = *(u64 *)(r1 + 40)
    r0 = 0
    exit

=== selftests_btf_ctx_access/unsigned_args
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_cpu_frequency
desc: two unsigned int arguments
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 8)
    r0 = 0
    exit

=== selftests_btf_ctx_access/unsigned_arg_u16
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_cpu_frequency
desc: an unsigned int argument read as 2 bytes
    r2 = *(u16 *)(r1 + 8)
    r0 = 0
    exit

=== selftests_btf_ctx_access/long_arg
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sys_enter
desc: the syscall number (long)
    r2 = *(u64 *)(r1 + 8)
    r0 = 0
    exit

=== selftests_btf_ctx_access/long_arg_u32
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sys_enter
desc: the syscall number's low half
    r2 = *(u32 *)(r1 + 8)
    r0 = 0
    exit

=== selftests_btf_ctx_access/pt_regs_walk
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sys_enter
desc: the pt_regs pointer's di
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u64 *)(r2 + offsetof(pt_regs, di))
    r0 = 0
    exit

=== selftests_btf_ctx_access/pt_regs_u32
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sys_enter
desc: the pt_regs pointer read as 4 bytes
    r2 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_btf_ctx_access/pt_regs_write
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sys_enter
desc: a store through the pt_regs pointer
    r2 = *(u64 *)(r1 + 0)
    r3 = 0
    *(u64 *)(r2 + 0) = r3
    r0 = 0
    exit

=== selftests_btf_ctx_access/void_ptr_arg
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_kfree_skb
desc: the void pointer argument (location) used as a number
    r2 = *(u64 *)(r1 + 8)
    r0 = r2
    r0 &= 1
    
    exit

=== selftests_btf_ctx_access/void_ptr_deref
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_kfree_skb
desc: the void pointer argument dereferenced
    r2 = *(u64 *)(r1 + 8)
    r0 = *(u8 *)(r2 + 0)
    r0 = 0
    exit

=== selftests_btf_ctx_access/enum_arg
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_kfree_skb
desc: the drop reason (an enum)
    r2 = *(u32 *)(r1 + 16)
    r0 = 0
    exit

=== selftests_btf_ctx_access/enum_arg_u64
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_kfree_skb
desc: the drop reason read as 8 bytes
    r2 = *(u64 *)(r1 + 16)
    r0 = 0
    exit

=== selftests_btf_ctx_access/sock_arg_maybe_null
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_kfree_skb
desc: the socket argument's family read
    r2 = *(u64 *)(r1 + 24)
    r0 = *(u16 *)(r2 + offsetof(sock, __sk_common.skc_family))
    r0 = 0
    exit

=== selftests_btf_ctx_access/skb_len
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_netif_receive_skb
desc: the skb's len
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u32 *)(r2 + offsetof(sk_buff, len))
    r0 = 0
    exit

=== selftests_btf_ctx_access/skb_past_end
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_netif_receive_skb
desc: a read far past the skb struct
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u32 *)(r2 + 4096)
    r0 = 0
    exit

=== selftests_btf_ctx_access/skb_ptr_arith
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_netif_receive_skb
desc: the skb pointer moved by a variable
    r6 = *(u64 *)(r1 + 0)
    call bpf_get_prandom_u32
    r0 &= 8
    r6 += r0
    r0 = *(u32 *)(r6 + 0)
    r0 = 0
    exit

=== selftests_btf_ctx_access/pid_t_arg
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_process_exec
desc: a pid_t argument
    r2 = *(u32 *)(r1 + 8)
    r0 = 0
    exit

=== selftests_btf_ctx_access/typedef_u8_arg
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_block_rq_complete
desc: a blk_status_t argument's byte
    r2 = *(u8 *)(r1 + 8)
    r0 = 0
    exit

=== selftests_btf_ctx_access/typedef_arg_u32
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_block_rq_complete
desc: a blk_status_t argument read as 4 bytes
    r2 = *(u32 *)(r1 + 8)
    r0 = 0
    exit

=== selftests_btf_ctx_access/const_skb_arg
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_tcp_probe
desc: the const skb pointer's len
    r2 = *(u64 *)(r1 + 8)
    r0 = *(u32 *)(r2 + offsetof(sk_buff, len))
    r0 = 0
    exit

=== selftests_btf_ctx_access/ctx_write
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_cpu_frequency
desc: an argument slot written
    r2 = 0
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_btf_ctx_access/ctx_var_offset
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_cpu_frequency
desc: an argument read at a variable offset
    r6 = r1
    call bpf_get_prandom_u32
    r0 &= 8
    r6 += r0
    r0 = *(u64 *)(r6 + 0)
    r0 = 0
    exit

=== selftests_btf_ctx_access/task_to_helper
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sched_wakeup
desc: the task pointer handed to bpf_task_storage_get-less helper bpf_get_task_stack
    r6 = *(u64 *)(r1 + 0)
    r1 = r6
    r2 = r10
    r2 += -64
    r3 = 64
    r4 = 0
    call bpf_get_task_stack
    r0 = 0
    exit
