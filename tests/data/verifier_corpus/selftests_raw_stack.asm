# Theme: helpers writing raw stack (the kernel's verifier_raw_stack selftests, written afresh):
# bpf_skb_load_bytes into uninitialised stack, the written bytes read back, spilled pointers
# overwritten by the helper, sizes zero, negative, too large.

=== selftests_raw_stack/load_bytes_then_read
type: sched_cls
desc: skb_load_bytes fills 8 uninitialised bytes, read back
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call bpf_skb_load_bytes
    r0 = *(u64 *)(r10 - 8)
    r0 = 0
    exit

=== selftests_raw_stack/load_bytes_zero_size
type: sched_cls
desc: a zero size is refused
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_skb_load_bytes
    r0 = 0
    exit

=== selftests_raw_stack/load_bytes_negative_size
type: sched_cls
desc: a negative size is refused
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = -8
    call bpf_skb_load_bytes
    r0 = 0
    exit

=== selftests_raw_stack/load_bytes_too_large
type: sched_cls
desc: 16 bytes at fp-8 run above the frame
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 16
    call bpf_skb_load_bytes
    r0 = 0
    exit

=== selftests_raw_stack/load_bytes_over_spilled_ctx
type: sched_cls
desc: the helper overwrites a spilled ctx pointer; the fill is data, not a pointer
    r6 = r1
    *(u64 *)(r10 - 8) = r6
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call bpf_skb_load_bytes
    r1 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_raw_stack/load_bytes_beside_spilled_ctx
type: sched_cls
desc: the helper writes next to a spilled ctx pointer; the pointer survives
    r6 = r1
    *(u64 *)(r10 - 16) = r6
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call bpf_skb_load_bytes
    r1 = *(u64 *)(r10 - 16)
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_raw_stack/load_bytes_below_frame
type: sched_cls
desc: 8 bytes at fp-516 are below the frame
    r2 = 0
    r3 = r10
    r3 += -516
    r4 = 8
    call bpf_skb_load_bytes
    r0 = 0
    exit

=== selftests_raw_stack/load_bytes_unknown_size
type: sched_cls
desc: an unbounded size register
    r6 = r1
    call bpf_get_prandom_u32
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -64
    r4 = r0
    call bpf_skb_load_bytes
    r0 = 0
    exit

=== selftests_raw_stack/load_bytes_bounded_size
type: sched_cls
desc: a size in [1,64] into 64 bytes of stack
    r6 = r1
    call bpf_get_prandom_u32
    r0 &= 63
    r0 += 1
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -64
    r4 = r0
    call bpf_skb_load_bytes
    r0 = 0
    exit
