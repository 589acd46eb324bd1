# Theme: writable raw tracepoint programs (BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE):
# raw_tp_writable_prog_is_valid_access (the first argument, read whole, is the tracepoint's buffer:
# PTR_TO_TP_BUFFER; the others a raw tracepoint's arguments), check_tp_buffer_access (not below
# the buffer, constant offsets; reads and writes), the buffer pointer not spillable nor a helper's
# memory, and the raw tracepoint helper set.

=== raw_tp_writable/plain
type: raw_tracepoint_writable
desc: a return
    r0 = 0
    exit

=== raw_tp_writable/attach_type
type: raw_tracepoint_writable
attach: trace_raw_tp
desc: an expected attach type: not checked
    r0 = 0
    exit

=== raw_tp_writable/read_buf
type: raw_tracepoint_writable
desc: a read of the tracepoint buffer
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u32 *)(r2 + 0)
    exit

=== raw_tp_writable/write_buf
type: raw_tracepoint_writable
desc: a register stored into the buffer
    r2 = *(u64 *)(r1 + 0)
    r3 = 7
    *(u32 *)(r2 + 4) = r3
    r0 = 0
    exit

=== raw_tp_writable/st_buf
type: raw_tracepoint_writable
desc: an immediate stored into the buffer
    r2 = *(u64 *)(r1 + 0)
    *(u64 *)(r2 + 16) = 7
    r0 = 0
    exit

=== raw_tp_writable/read_far
type: raw_tracepoint_writable
desc: far into the buffer (its size is checked at attach time)
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u64 *)(r2 + 32000)
    exit

=== raw_tp_writable/neg
type: raw_tracepoint_writable
desc: below the buffer
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u64 *)(r2 - 8)
    exit

=== raw_tp_writable/ptr_add
type: raw_tracepoint_writable
desc: a moved buffer pointer
    r2 = *(u64 *)(r1 + 0)
    r2 += 8
    r0 = *(u64 *)(r2 + 0)
    exit

=== raw_tp_writable/ptr_add_neg
type: raw_tracepoint_writable
desc: a moved buffer pointer read below the buffer
    r2 = *(u64 *)(r1 + 0)
    r2 += 8
    r0 = *(u64 *)(r2 - 16)
    exit

=== raw_tp_writable/ptr_sub
type: raw_tracepoint_writable
desc: a buffer pointer moved back and read at its start
    r2 = *(u64 *)(r1 + 0)
    r2 += -8
    r0 = *(u64 *)(r2 + 8)
    exit

=== raw_tp_writable/var_off
type: raw_tracepoint_writable
desc: a variable offset into the buffer
    r2 = *(u64 *)(r1 + 0)
    r3 = *(u64 *)(r1 + 8)
    r3 &= 7
    r2 += r3
    r0 = *(u8 *)(r2 + 0)
    exit

=== raw_tp_writable/misaligned
type: raw_tracepoint_writable
desc: a misaligned read
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u64 *)(r2 + 3)
    exit

=== raw_tp_writable/ctx_u32
type: raw_tracepoint_writable
desc: a narrow read of the buffer pointer
    r2 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== raw_tp_writable/ctx_write0
type: raw_tracepoint_writable
desc: a write of the buffer pointer
    r2 = 0
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit

=== raw_tp_writable/ctx_arg1
type: raw_tracepoint_writable
desc: the second argument is a scalar
    r2 = *(u64 *)(r1 + 8)
    r0 = *(u32 *)(r2 + 0)
    exit

=== raw_tp_writable/ctx_arg1_scalar
type: raw_tracepoint_writable
desc: the last argument
    r0 = *(u64 *)(r1 + 88)
    exit

=== raw_tp_writable/ctx_past
type: raw_tracepoint_writable
desc: past the twelve arguments
    r0 = *(u64 *)(r1 + 96)
    exit

=== raw_tp_writable/ctx_u32_arg
type: raw_tracepoint_writable
desc: a narrow read of an argument
    r0 = *(u32 *)(r1 + 12)
    exit

=== raw_tp_writable/ret_ptr
type: raw_tracepoint_writable
desc: the buffer pointer returned (no return range)
    r0 = *(u64 *)(r1 + 0)
    exit

=== raw_tp_writable/helper_mem
type: raw_tracepoint_writable
desc: the buffer as a helper's memory
    r1 = *(u64 *)(r1 + 0)
    r2 = 8
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== raw_tp_writable/helper_src
type: raw_tracepoint_writable
desc: the buffer as bpf_probe_read_kernel's source (anything)
    r3 = *(u64 *)(r1 + 0)
    r1 = r10
    r1 += -8
    r2 = 8
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== raw_tp_writable/map_key
type: raw_tracepoint_writable
maps: m=hash(8,8,4)
desc: the buffer as a map key
    r2 = *(u64 *)(r1 + 0)
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== raw_tp_writable/spill_fill
type: raw_tracepoint_writable
desc: a buffer pointer spilled is stored as data: filled back as a scalar
    r2 = *(u64 *)(r1 + 0)
    *(u64 *)(r10 - 8) = r2
    r3 = *(u64 *)(r10 - 8)
    r0 = *(u8 *)(r3 + 1)
    exit

=== raw_tp_writable/null_cmp
type: raw_tracepoint_writable
desc: a buffer pointer compared with NULL
    r2 = *(u64 *)(r1 + 0)
    if r2 == 0 goto out
    r0 = *(u8 *)(r2 + 1)
    exit
out:
    r0 = 0
    exit

=== raw_tp_writable/atomic
type: raw_tracepoint_writable
desc: an atomic add into the buffer
    r2 = *(u64 *)(r1 + 0)
    r3 = 1
    lock *(u64 *)(r2 + 0) += r3
    r0 = 0
    exit

=== raw_tp_writable/helper_printk
type: raw_tracepoint_writable
desc: a raw tracepoint helper
    call bpf_get_current_pid_tgid
    r0 = 0
    exit

=== raw_tp_writable/helper_skb
type: raw_tracepoint_writable
desc: bpf_get_func_ip: not for raw tracepoints
    call bpf_get_func_ip
    r0 = 0
    exit
