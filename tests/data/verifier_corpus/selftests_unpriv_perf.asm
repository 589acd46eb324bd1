# Theme: a perf event program's context (struct bpf_perf_event_data: the sampled registers, then
# sample_period and addr) as the kernel's verifier_unpriv_perf selftest touches it, written afresh:
# pe_prog_is_valid_access (kernel/trace/bpf_trace.c) -- the registers only as whole 8-byte words,
# the two u64 fields also narrower, nothing written, nothing past the end -- and the helpers only a
# perf event program has (bpf_perf_prog_read_value, bpf_read_branch_records).

=== selftests_unpriv_perf/sample_period_u64
type: perf_event
desc: sample_period read whole
    r0 = *(u64 *)(r1 + 168)
    r0 = 0
    exit

=== selftests_unpriv_perf/sample_period_low_u32
type: perf_event
desc: sample_period's low half
    r0 = *(u32 *)(r1 + 168)
    exit

=== selftests_unpriv_perf/sample_period_high_u32
type: perf_event
desc: sample_period's high half
    r0 = *(u32 *)(r1 + 172)
    exit

=== selftests_unpriv_perf/sample_period_last_byte
type: perf_event
desc: sample_period's last byte
    r0 = *(u8 *)(r1 + 175)
    exit

=== selftests_unpriv_perf/addr_u16
type: perf_event
desc: addr read as a u16
    r0 = *(u16 *)(r1 + 178)
    exit

=== selftests_unpriv_perf/addr_u64
type: perf_event
desc: addr read whole, compared
    r2 = *(u64 *)(r1 + 176)
    r0 = 0
    if r2 == 0 goto out
    r0 = 1
out:
    exit

=== selftests_unpriv_perf/regs_ip_u64
type: perf_event
desc: the sampled instruction pointer (pt_regs.ip)
    r0 = *(u64 *)(r1 + 128)
    r0 = 0
    exit

=== selftests_unpriv_perf/regs_ip_u32
type: perf_event
desc: a register read as 4 bytes
    r0 = *(u32 *)(r1 + 128)
    r0 = 0
    exit

=== selftests_unpriv_perf/regs_first_byte
type: perf_event
desc: the first register's first byte
    r0 = *(u8 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_unpriv_perf/regs_misaligned
type: perf_event
desc: a register word at a misaligned offset
    r0 = *(u64 *)(r1 + 4)
    r0 = 0
    exit

=== selftests_unpriv_perf/write_sample_period
type: perf_event
desc: sample_period written
    r2 = 1
    *(u64 *)(r1 + 168) = r2
    r0 = 0
    exit

=== selftests_unpriv_perf/write_regs
type: perf_event
desc: a register stored to
    *(u64 *)(r1 + 0) = 0
    r0 = 0
    exit

=== selftests_unpriv_perf/past_end
type: perf_event
desc: the word past addr
    r0 = *(u64 *)(r1 + 184)
    r0 = 0
    exit

=== selftests_unpriv_perf/negative_offset
type: perf_event
desc: ctx minus 8
    r0 = *(u64 *)(r1 - 8)
    r0 = 0
    exit

=== selftests_unpriv_perf/ctx_moved
type: perf_event
desc: a ctx pointer moved before the read
    r1 += 168
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_unpriv_perf/read_value
type: perf_event
desc: bpf_perf_prog_read_value into a stack buffer of its size
    *(u64 *)(r10 - 8) = 0
    *(u64 *)(r10 - 16) = 0
    *(u64 *)(r10 - 24) = 0
    r2 = r10
    r2 += -24
    r3 = 24
    call bpf_perf_prog_read_value
    r0 = 0
    exit

=== selftests_unpriv_perf/read_value_uninit_buf
type: perf_event
desc: bpf_perf_prog_read_value into an unwritten buffer (ARG_PTR_TO_UNINIT_MEM)
    r2 = r10
    r2 += -24
    r3 = 24
    call bpf_perf_prog_read_value
    r0 = *(u64 *)(r10 - 8)
    r0 = 0
    exit

=== selftests_unpriv_perf/read_value_short_stack
type: perf_event
desc: bpf_perf_prog_read_value's buffer past the frame's top
    r2 = r10
    r2 += -16
    r3 = 24
    call bpf_perf_prog_read_value
    r0 = 0
    exit

=== selftests_unpriv_perf/read_value_zero_size
type: perf_event
desc: bpf_perf_prog_read_value with a zero size
    r2 = r10
    r2 += -24
    r3 = 0
    call bpf_perf_prog_read_value
    r0 = 0
    exit

=== selftests_unpriv_perf/read_value_not_ctx
type: perf_event
desc: bpf_perf_prog_read_value with a stack pointer as its ctx
    r1 = r10
    r1 += -48
    r2 = r10
    r2 += -24
    r3 = 24
    call bpf_perf_prog_read_value
    r0 = 0
    exit

=== selftests_unpriv_perf/branch_records_size
type: perf_event
desc: bpf_read_branch_records asked for the needed size (NULL buffer, size 0, flag 1)
    r2 = 0
    r3 = 0
    r4 = 1
    call bpf_read_branch_records
    exit

=== selftests_unpriv_perf/branch_records_buffer
type: perf_event
desc: bpf_read_branch_records into a stack buffer
    r2 = r10
    r2 += -32
    r3 = 32
    r4 = 0
    call bpf_read_branch_records
    r0 = 0
    exit

=== selftests_unpriv_perf/stackid
type: perf_event
maps: st=stack_trace(4,64,8)
desc: bpf_get_stackid with the sample as ctx
    r1 = r1
    r2 = map_fd(st) ll
    r3 = 0
    call bpf_get_stackid
    r0 = 0
    exit

=== selftests_unpriv_perf/return_any
type: perf_event
desc: any return value
    r0 = -7
    exit

=== selftests_unpriv_perf/ktime_and_pid
type: perf_event
desc: the tracing helpers
    call bpf_ktime_get_ns
    call bpf_get_current_pid_tgid
    r0 = 0
    exit

=== selftests_unpriv_perf/kprobe_read_value
type: kprobe
desc: bpf_perf_prog_read_value from a kprobe (perf event programs only)
    r2 = r10
    r2 += -24
    r3 = 24
    call bpf_perf_prog_read_value
    r0 = 0
    exit

=== selftests_unpriv_perf/socket_filter_read_value
type: socket_filter
desc: bpf_perf_prog_read_value from a socket filter
    r2 = r10
    r2 += -24
    r3 = 24
    call bpf_perf_prog_read_value
    r0 = 0
    exit
