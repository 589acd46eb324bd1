# Theme: OR of constants and ranges (the kernel's verifier_const_or selftests, written afresh):
# a size built with | passed to a helper writing stack; ranges that OR widens.

=== selftests_const_or/const_or_size_fits
type: raw_tracepoint
desc: size = 32 | 8 = 40 into 48 bytes of stack
    r1 = r10
    r1 += -48
    r2 = 32
    r2 |= 8
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_const_or/const_or_size_too_big
type: raw_tracepoint
desc: size = 32 | 16 = 48 into 44 bytes of stack
    r1 = r10
    r1 += -44
    r2 = 32
    r2 |= 16
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_const_or/range_or_size_fits
type: raw_tracepoint
desc: size = (rand & 7) | 32: at most 39, into 48 bytes
    call bpf_get_prandom_u32
    r2 = r0
    r2 &= 7
    r2 |= 32
    r1 = r10
    r1 += -48
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_const_or/range_or_size_too_big
type: raw_tracepoint
desc: size = (rand & 16) | 32: up to 48, into 40 bytes
    call bpf_get_prandom_u32
    r2 = r0
    r2 &= 16
    r2 |= 32
    r1 = r10
    r1 += -40
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_const_or/or32_size
type: raw_tracepoint
desc: w2 = 8 | 4 as a 32-bit op: 12 bytes
    r1 = r10
    r1 += -16
    w2 = 8
    w2 |= 4
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit
