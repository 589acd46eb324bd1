# Theme: the context pointer handed to helpers and read at odd offsets, more of the kernel's
# verifier_ctx selftests' ideas written afresh (selftests_ctx has the first part): a ctx moved by a
# negative, positive or variable offset passed where a helper wants the ctx (check_func_arg_reg_off,
# __check_ptr_off_reg), narrow and unaligned reads of pointer fields, reads of padding, and the
# ctx of the blob program types (raw tracepoint, syscall) at fixed, variable and negative offsets,
# read, written and passed as helper memory.

=== selftests_ctx_args/csum_update_ctx_ok
type: sched_cls
desc: bpf_csum_update with the unmodified ctx
    r2 = 0
    call bpf_csum_update
    r0 = 0
    exit

=== selftests_ctx_args/csum_update_ctx_negative
type: sched_cls
desc: bpf_csum_update with ctx - 612
    r1 += -612
    r2 = 0
    call bpf_csum_update
    r0 = 0
    exit

=== selftests_ctx_args/csum_update_ctx_positive
type: sched_cls
desc: bpf_csum_update with ctx + 16
    r1 += 16
    r2 = 0
    call bpf_csum_update
    r0 = 0
    exit

=== selftests_ctx_args/csum_update_ctx_variable
type: sched_cls
desc: bpf_csum_update with ctx plus 0 or 4
    r3 = *(u32 *)(r1 + 0)
    r3 &= 4
    r1 += r3
    r2 = 0
    call bpf_csum_update
    r0 = 0
    exit

=== selftests_ctx_args/socket_cookie_negative
type: socket_filter
desc: bpf_get_socket_cookie with ctx - 612
    r1 += -612
    call bpf_get_socket_cookie
    r0 = 0
    exit

=== selftests_ctx_args/socket_cookie_ok
type: socket_filter
desc: bpf_get_socket_cookie with the ctx
    call bpf_get_socket_cookie
    r0 = 0
    exit

=== selftests_ctx_args/socket_cookie_ctx_copy
type: socket_filter
desc: bpf_get_socket_cookie with a copy of the ctx spilled and filled
    *(u64 *)(r10 - 8) = r1
    r1 = 0
    r1 = *(u64 *)(r10 - 8)
    call bpf_get_socket_cookie
    r0 = 0
    exit

=== selftests_ctx_args/socket_cookie_null
type: socket_filter
desc: bpf_get_socket_cookie with NULL
    r1 = 0
    call bpf_get_socket_cookie
    r0 = 0
    exit

=== selftests_ctx_args/tc_sk_narrow_upper
type: sched_cls
desc: the upper half of skb->sk read as a u32
    r1 = *(u32 *)(r1 + 172)
    r0 = 0
    exit

=== selftests_ctx_args/tc_sk_narrow_lower
type: sched_cls
desc: the lower half of skb->sk read as a u32
    r1 = *(u32 *)(r1 + 168)
    r0 = 0
    exit

=== selftests_ctx_args/tc_data_unaligned
type: sched_cls
desc: skb->data read at offset +1
    r1 = *(u32 *)(r1 + 77)
    r0 = 0
    exit

=== selftests_ctx_args/tc_tstamp_type_padding
type: sched_cls
desc: the two bytes of padding after skb->tstamp_type
    r1 = *(u16 *)(r1 + 190)
    r0 = 0
    exit

=== selftests_ctx_args/xdp_data_end_u16
type: xdp
desc: xdp_md->data_end read as a u16
    r1 = *(u16 *)(r1 + 4)
    r0 = 2
    exit

=== selftests_ctx_args/xdp_past_end
type: xdp
desc: a read past the end of xdp_md
    r1 = *(u32 *)(r1 + 24)
    r0 = 2
    exit

=== selftests_ctx_args/rawtp_fixed_offset
type: raw_tracepoint
desc: the raw tracepoint's second argument read at ctx + 8
    r0 = *(u64 *)(r1 + 8)
    r0 = 0
    exit

=== selftests_ctx_args/rawtp_moved_fixed_offset
type: raw_tracepoint
desc: ctx + 8 read at offset 0
    r1 += 8
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_ctx_args/rawtp_ctx_lost_after_call
type: raw_tracepoint
desc: r1 read after a helper call clobbered it, the ctx not saved
    call bpf_get_prandom_u32
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_ctx_args/rawtp_variable_offset_read
type: raw_tracepoint
desc: ctx plus 0 or 8 dereferenced
    r6 = r1
    call bpf_get_prandom_u32
    r0 &= 8
    r6 += r0
    r0 = *(u64 *)(r6 + 0)
    r0 = 0
    exit

=== selftests_ctx_args/rawtp_negative_offset
type: raw_tracepoint
desc: ctx - 612 read
    r1 += -612
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_ctx_args/rawtp_write
type: raw_tracepoint
desc: a write into a raw tracepoint's arguments
    r2 = 0
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_ctx_args/rawtp_u32_read
type: raw_tracepoint
desc: half of an argument read as a u32
    r0 = *(u32 *)(r1 + 4)
    r0 = 0
    exit

=== selftests_ctx_args/syscall_fixed_writes
type: syscall
flags: sleepable
desc: two words written at ctx + 0 and ctx + 4 of a syscall program's ctx
    r2 = 0
    *(u32 *)(r1 + 0) = r2
    *(u32 *)(r1 + 4) = r2
    r0 = 0
    exit

=== selftests_ctx_args/syscall_negative_offset
type: syscall
flags: sleepable
desc: a syscall program's ctx - 8 read
    r1 += -8
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_ctx_args/syscall_ctx_as_memory
type: syscall
flags: sleepable
desc: a syscall program's ctx as the source of bpf_probe_read_kernel
    r3 = r1
    r1 = r10
    r1 += -8
    r2 = 8
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_ctx_args/syscall_ctx_as_helper_memory
type: syscall
flags: sleepable
desc: a syscall program's ctx as bpf_strtol's buffer (helper memory)
    r2 = 4
    r3 = 0
    r4 = r10
    r4 += -8
    call bpf_strtol
    r0 = 0
    exit

=== selftests_ctx_args/rawtp_ctx_as_helper_memory
type: raw_tracepoint
desc: a raw tracepoint's ctx as bpf_strtol's buffer: only a syscall program's ctx is memory
    r2 = 4
    r3 = 0
    r4 = r10
    r4 += -8
    call bpf_strtol
    r0 = 0
    exit
