# Theme: context accesses per program type (check_ctx_access with each type's is_valid_access):
# which offsets and sizes may be read or written in xdp_md, __sk_buff (socket filters and tc) and
# the raw tracepoint / syscall contexts; narrow loads; writes to read-only fields.

=== ctx/xdp_data_u32
desc: xdp_md.data as u32
    r0 = *(u32 *)(r1 + 0)
    r0 = 2
    exit

=== ctx/xdp_data_u64
desc: xdp_md.data as u64
    r0 = *(u64 *)(r1 + 0)
    r0 = 2
    exit

=== ctx/xdp_data_u16
desc: xdp_md.data as u16
    r0 = *(u16 *)(r1 + 0)
    r0 = 2
    exit

=== ctx/xdp_ifindex
desc: xdp_md.ingress_ifindex
    r0 = *(u32 *)(r1 + 12)
    exit

=== ctx/xdp_rx_queue
desc: xdp_md.rx_queue_index
    r0 = *(u32 *)(r1 + 16)
    exit

=== ctx/xdp_egress_ifindex
desc: xdp_md.egress_ifindex (devmap programs only)
    r0 = *(u32 *)(r1 + 20)
    exit

=== ctx/xdp_past_end
desc: past the end of xdp_md
    r0 = *(u32 *)(r1 + 24)
    exit

=== ctx/xdp_misaligned
desc: a misaligned xdp_md read
    r0 = *(u32 *)(r1 + 2)
    exit

=== ctx/xdp_write
desc: a write to xdp_md
    r2 = 0
    *(u32 *)(r1 + 12) = r2
    r0 = 2
    exit

=== ctx/xdp_negative
desc: a read before xdp_md
    r0 = *(u32 *)(r1 - 4)
    exit

=== ctx/sf_len
type: socket_filter
desc: __sk_buff.len
    r0 = *(u32 *)(r1 + 0)
    exit

=== ctx/sf_len_u8
type: socket_filter
desc: a narrow load of __sk_buff.len
    r0 = *(u8 *)(r1 + 0)
    exit

=== ctx/sf_len_u16_hi
type: socket_filter
desc: the upper half of __sk_buff.len
    r0 = *(u16 *)(r1 + 2)
    exit

=== ctx/sf_len_write
type: socket_filter
desc: a write to __sk_buff.len
    r2 = 0
    *(u32 *)(r1 + 0) = r2
    r0 = 0
    exit

=== ctx/sf_mark_write
type: socket_filter
desc: a socket filter writes __sk_buff.mark
    r2 = 1
    *(u32 *)(r1 + 8) = r2
    r0 = 0
    exit

=== ctx/sf_cb_write
type: socket_filter
desc: a socket filter writes and reads cb[0]
    r2 = 1
    *(u32 *)(r1 + 48) = r2
    r0 = *(u32 *)(r1 + 48)
    exit

=== ctx/sf_cb_u64_write
type: socket_filter
desc: an 8-byte write of cb[0..1]
    r2 = 1
    *(u64 *)(r1 + 48) = r2
    r0 = 0
    exit

=== ctx/sf_protocol
type: socket_filter
desc: __sk_buff.protocol
    r0 = *(u32 *)(r1 + 16)
    exit

=== ctx/sf_tc_classid
type: socket_filter
desc: __sk_buff.tc_classid from a socket filter
    r0 = *(u32 *)(r1 + 68)
    exit

=== ctx/sf_past_end
type: socket_filter
desc: far past __sk_buff
    r0 = *(u32 *)(r1 + 4096)
    exit

=== ctx/sf_ctx_store_imm
type: socket_filter
desc: an immediate store into ctx
    *(u32 *)(r1 + 48) = 1
    r0 = 0
    exit

=== ctx/tc_mark_write
type: sched_cls
desc: a tc program writes __sk_buff.mark
    r2 = 1
    *(u32 *)(r1 + 8) = r2
    r0 = 0
    exit

=== ctx/tc_priority_write
type: sched_cls
desc: a tc program writes __sk_buff.priority
    r2 = 1
    *(u32 *)(r1 + 32) = r2
    r0 = 0
    exit

=== ctx/tc_tc_classid_write
type: sched_cls
desc: a tc program writes __sk_buff.tc_classid
    r2 = 1
    *(u32 *)(r1 + 68) = r2
    r0 = 0
    exit

=== ctx/tc_len_write
type: sched_cls
desc: a tc program writes __sk_buff.len
    r2 = 1
    *(u32 *)(r1 + 0) = r2
    r0 = 0
    exit

=== ctx/tc_data_end_u64
type: sched_cls
desc: __sk_buff.data_end as u64
    r0 = *(u64 *)(r1 + 80)
    r0 = 0
    exit

=== ctx/tc_ifindex_u8
type: sched_cls
desc: a narrow load of __sk_buff.ifindex
    r0 = *(u8 *)(r1 + 40)
    exit

=== ctx/act_mark_write
type: sched_act
desc: a tc action writes __sk_buff.mark
    r2 = 1
    *(u32 *)(r1 + 8) = r2
    r0 = 0
    exit

=== ctx/rawtp_arg0
type: raw_tracepoint
desc: a raw tracepoint reads args[0]
    r0 = *(u64 *)(r1 + 0)
    exit

=== ctx/rawtp_arg11
type: raw_tracepoint
desc: args[11], the last one
    r0 = *(u64 *)(r1 + 88)
    exit

=== ctx/rawtp_arg12
type: raw_tracepoint
desc: args[12]: past the 12 arguments
    r0 = *(u64 *)(r1 + 96)
    exit

=== ctx/rawtp_u32
type: raw_tracepoint
desc: a 4-byte read of args[0]
    r0 = *(u32 *)(r1 + 0)
    exit

=== ctx/rawtp_write
type: raw_tracepoint
desc: a raw tracepoint writes its context
    r2 = 0
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit

=== ctx/rawtp_misaligned
type: raw_tracepoint
desc: a misaligned argument read
    r0 = *(u64 *)(r1 + 4)
    exit

=== ctx/syscall_read_write
type: syscall
flags: sleepable
desc: a SYSCALL program reads and writes its context
    r2 = *(u32 *)(r1 + 0)
    *(u32 *)(r1 + 4) = r2
    r0 = 0
    exit

=== ctx/syscall_far
type: syscall
flags: sleepable
desc: a word 32K into the context
    r0 = *(u32 *)(r1 + 32764)
    exit

=== ctx/syscall_past
type: syscall
flags: sleepable
desc: before the context
    r0 = *(u32 *)(r1 - 4)
    exit

=== ctx/ctx_spilled_then_read
desc: ctx restored from the stack
    *(u64 *)(r10 - 8) = r1
    r1 = 0
    r2 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r2 + 16)
    exit

=== ctx/ctx_to_helper_not_ctx
desc: bpf_xdp_adjust_head with the context in r1
    r2 = 0
    r3 = 0
    call bpf_xdp_adjust_head
    r0 = 2
    exit

=== ctx/ctx_helper_wrong_reg
desc: bpf_xdp_adjust_head with NULL in r1
    r6 = r1
    r1 = 0
    r2 = 0
    call bpf_xdp_adjust_head
    r0 = 2
    exit
