# Theme: the contexts of kprobe and tracepoint programs, which the kernel's verifier selftests
# (verifier_unpriv_perf, verifier_raw_stack, the kprobe variants of verifier_private_stack and
# verifier_bpf_get_stack) load, written afresh: kprobe_prog_is_valid_access (struct pt_regs, read
# only, any size aligned to itself) and tp_prog_is_valid_access (the record past its 8-byte common
# header, read only, aligned, below PERF_MAX_TRACE_SIZE), the tracing helpers, the stack helpers.

=== selftests_probe_ctx/kprobe_di_u64
type: kprobe
desc: the first argument register (pt_regs.di)
    r0 = *(u64 *)(r1 + 112)
    r0 = 0
    exit

=== selftests_probe_ctx/kprobe_di_u32
type: kprobe
desc: a register's low half
    r0 = *(u32 *)(r1 + 112)
    exit

=== selftests_probe_ctx/kprobe_si_u8
type: kprobe
desc: one byte of a register
    r0 = *(u8 *)(r1 + 105)
    exit

=== selftests_probe_ctx/kprobe_u16_misaligned
type: kprobe
desc: two bytes at an odd offset
    r0 = *(u16 *)(r1 + 107)
    exit

=== selftests_probe_ctx/kprobe_u64_misaligned
type: kprobe
desc: a word at offset 4
    r0 = *(u64 *)(r1 + 4)
    r0 = 0
    exit

=== selftests_probe_ctx/kprobe_last_reg
type: kprobe
desc: pt_regs.ss, the last word
    r0 = *(u64 *)(r1 + 160)
    r0 = 0
    exit

=== selftests_probe_ctx/kprobe_past_end
type: kprobe
desc: the word past pt_regs
    r0 = *(u64 *)(r1 + 168)
    r0 = 0
    exit

=== selftests_probe_ctx/kprobe_write
type: kprobe
desc: a register stored to
    r2 = 0
    *(u64 *)(r1 + 80) = r2
    r0 = 0
    exit

=== selftests_probe_ctx/kprobe_var_offset
type: kprobe
desc: a ctx read at a variable offset
    r6 = r1
    call bpf_get_prandom_u32
    r0 &= 8
    r6 += r0
    r0 = *(u64 *)(r6 + 0)
    r0 = 0
    exit

=== selftests_probe_ctx/kprobe_func_ip
type: kprobe
desc: bpf_get_func_ip
    call bpf_get_func_ip
    exit

=== selftests_probe_ctx/kprobe_cookie
type: kprobe
desc: bpf_get_attach_cookie
    call bpf_get_attach_cookie
    exit

=== selftests_probe_ctx/kprobe_multi_func_ip
type: kprobe
attach: trace_kprobe_multi
desc: bpf_get_func_ip in a kprobe.multi program
    call bpf_get_func_ip
    exit

=== selftests_probe_ctx/kprobe_multi_read_di
type: kprobe
attach: trace_kprobe_multi
desc: a kprobe.multi program reads its registers
    r0 = *(u64 *)(r1 + 112)
    exit

=== selftests_probe_ctx/kprobe_probe_read
type: kprobe
desc: bpf_probe_read_kernel of the address in di
    r3 = *(u64 *)(r1 + 112)
    r1 = r10
    r1 += -8
    r2 = 8
    call bpf_probe_read_kernel
    r0 = *(u64 *)(r10 - 8)
    exit

=== selftests_probe_ctx/kprobe_probe_read_uninit_dst
type: kprobe
desc: bpf_probe_read_kernel then a read past what it wrote
    r3 = *(u64 *)(r1 + 112)
    r1 = r10
    r1 += -8
    r2 = 8
    call bpf_probe_read_kernel
    r0 = *(u64 *)(r10 - 16)
    exit

=== selftests_probe_ctx/kprobe_get_stack
type: kprobe
desc: bpf_get_stack into a 64-byte stack buffer, the length bounded
    r2 = r10
    r2 += -64
    r3 = 64
    r4 = 0
    call bpf_get_stack
    exit

=== selftests_probe_ctx/kprobe_get_stack_too_long
type: kprobe
desc: bpf_get_stack asked for more than the buffer
    r2 = r10
    r2 += -64
    r3 = 72
    r4 = 0
    call bpf_get_stack
    exit

=== selftests_probe_ctx/kprobe_stackid
type: kprobe
maps: st=stack_trace(4,64,8)
desc: bpf_get_stackid with a stack trace map
    r2 = map_fd(st) ll
    r3 = 0
    call bpf_get_stackid
    exit

=== selftests_probe_ctx/kprobe_stackid_array
type: kprobe
maps: a=array(4,64,8)
desc: bpf_get_stackid with an array map
    r2 = map_fd(a) ll
    r3 = 0
    call bpf_get_stackid
    exit

=== selftests_probe_ctx/kprobe_sleepable
type: kprobe
flags: sleepable
desc: a sleepable kprobe
    r0 = 0
    exit

=== selftests_probe_ctx/kprobe_uprobe_multi_sleepable
type: kprobe
attach: trace_uprobe_multi
flags: sleepable
desc: a sleepable uprobe.multi program
    r0 = 0
    exit

=== selftests_probe_ctx/kprobe_skb_helper
type: kprobe
desc: bpf_skb_load_bytes from a kprobe
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call bpf_skb_load_bytes
    r0 = 0
    exit

=== selftests_probe_ctx/kprobe_perf_event_output
type: kprobe
maps: pe=perf_event_array(4,4,2)
desc: bpf_perf_event_output with the registers as ctx
    *(u64 *)(r10 - 8) = 0
    r2 = map_fd(pe) ll
    r3 = 0xffffffff ll
    r4 = r10
    r4 += -8
    r5 = 8
    call bpf_perf_event_output
    r0 = 0
    exit

=== selftests_probe_ctx/kprobe_tail_call
type: kprobe
maps: pa=prog_array(4,4,2)
desc: a tail call through a program array
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_probe_ctx/tp_first_field
type: tracepoint
desc: the record's first field past the common header
    r0 = *(u64 *)(r1 + 8)
    r0 = 0
    exit

=== selftests_probe_ctx/tp_common_header
type: tracepoint
desc: the common header (kept from programs)
    r0 = *(u32 *)(r1 + 0)
    exit

=== selftests_probe_ctx/tp_header_last_byte
type: tracepoint
desc: the common header's last byte
    r0 = *(u8 *)(r1 + 7)
    exit

=== selftests_probe_ctx/tp_u32_field
type: tracepoint
desc: a 4-byte field
    r0 = *(u32 *)(r1 + 12)
    exit

=== selftests_probe_ctx/tp_misaligned
type: tracepoint
desc: a 4-byte read at offset 10
    r0 = *(u32 *)(r1 + 10)
    exit

=== selftests_probe_ctx/tp_far_field
type: tracepoint
desc: the last word below PERF_MAX_TRACE_SIZE
    r0 = *(u64 *)(r1 + 8184)
    r0 = 0
    exit

=== selftests_probe_ctx/tp_past_max
type: tracepoint
desc: a word at PERF_MAX_TRACE_SIZE
    r0 = *(u64 *)(r1 + 8192)
    r0 = 0
    exit

=== selftests_probe_ctx/tp_write
type: tracepoint
desc: a record field written
    r2 = 1
    *(u32 *)(r1 + 8) = r2
    r0 = 0
    exit

=== selftests_probe_ctx/tp_get_stack
type: tracepoint
desc: bpf_get_stack from a tracepoint
    r2 = r10
    r2 += -32
    r3 = 32
    r4 = 0
    call bpf_get_stack
    r0 = 0
    exit

=== selftests_probe_ctx/tp_func_ip
type: tracepoint
desc: bpf_get_func_ip from a tracepoint
    call bpf_get_func_ip
    exit

=== selftests_probe_ctx/tp_return_any
type: tracepoint
desc: any return value
    r0 = 3
    exit
