# Theme: an sk_msg program's context (struct sk_msg_md) as the kernel's verifier_ctx_sk_msg
# selftest probes it, written afresh: sk_msg_is_valid_access (net/core/filter.c: data and data_end
# as packet pointers read whole, the socket fields read-only, narrow where the field allows it, the
# ports and addresses 4 bytes, sk a socket pointer; nothing written, nothing past the end), the
# packet range checks, bpf_msg_pull_data invalidating packet pointers, and the verdict range [0, 1].

=== selftests_ctx_sk_msg/family_u32
type: sk_msg
attach: sk_msg_verdict
desc: family read whole
    r2 = *(u32 *)(r1 + 16)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/family_u8
type: sk_msg
attach: sk_msg_verdict
desc: family's first byte
    r2 = *(u8 *)(r1 + 16)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/family_u16_high
type: sk_msg
attach: sk_msg_verdict
desc: family's upper half
    r2 = *(u16 *)(r1 + 18)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/remote_ip4
type: sk_msg
attach: sk_msg_verdict
desc: remote_ip4
    r2 = *(u32 *)(r1 + 20)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/local_ip4_u16
type: sk_msg
attach: sk_msg_verdict
desc: local_ip4's low half
    r2 = *(u16 *)(r1 + 24)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/remote_ip6_word3
type: sk_msg
attach: sk_msg_verdict
desc: remote_ip6's last word
    r2 = *(u32 *)(r1 + 40)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/local_ip6_u64
type: sk_msg
attach: sk_msg_verdict
desc: two words of local_ip6 at once
    r2 = *(u64 *)(r1 + 44)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/remote_port
type: sk_msg
attach: sk_msg_verdict
desc: remote_port
    r2 = *(u32 *)(r1 + 60)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/remote_port_u16
type: sk_msg
attach: sk_msg_verdict
desc: remote_port's low half
    r2 = *(u16 *)(r1 + 60)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/local_port_u8
type: sk_msg
attach: sk_msg_verdict
desc: local_port's first byte
    r2 = *(u8 *)(r1 + 64)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/size_u32
type: sk_msg
attach: sk_msg_verdict
desc: size
    r2 = *(u32 *)(r1 + 68)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/size_u16
type: sk_msg
attach: sk_msg_verdict
desc: size's low half
    r2 = *(u16 *)(r1 + 68)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/sk_read
type: sk_msg
attach: sk_msg_verdict
desc: sk, NULL-checked, its family read
    r2 = *(u64 *)(r1 + 72)
    if r2 == 0 goto out
    r0 = *(u32 *)(r2 + 4)
out:
    r0 = 1
    exit

=== selftests_ctx_sk_msg/sk_unchecked
type: sk_msg
attach: sk_msg_verdict
desc: sk's field read without the NULL check
    r2 = *(u64 *)(r1 + 72)
    r0 = *(u32 *)(r2 + 4)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/sk_u32
type: sk_msg
attach: sk_msg_verdict
desc: sk read as 4 bytes
    r2 = *(u32 *)(r1 + 72)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/past_end
type: sk_msg
attach: sk_msg_verdict
desc: the word past sk
    r2 = *(u32 *)(r1 + 80)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/data_u32
type: sk_msg
attach: sk_msg_verdict
desc: data read as 4 bytes
    r2 = *(u32 *)(r1 + 0)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/data_end_u64
type: sk_msg
attach: sk_msg_verdict
desc: data_end read whole
    r2 = *(u64 *)(r1 + 8)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/write_family
type: sk_msg
attach: sk_msg_verdict
desc: family written
    r2 = 2
    *(u32 *)(r1 + 16) = r2
    r0 = 1
    exit

=== selftests_ctx_sk_msg/write_size
type: sk_msg
attach: sk_msg_verdict
desc: size written
    r2 = 1
    *(u32 *)(r1 + 68) = r2
    r0 = 1
    exit

=== selftests_ctx_sk_msg/write_data
type: sk_msg
attach: sk_msg_verdict
desc: data written
    r2 = 0
    *(u64 *)(r1 + 0) = r2
    r0 = 1
    exit

=== selftests_ctx_sk_msg/pkt_read_checked
type: sk_msg
attach: sk_msg_verdict
desc: 8 packet bytes read after the range check
    r2 = *(u64 *)(r1 + 0)
    r3 = *(u64 *)(r1 + 8)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u64 *)(r2 + 0)
out:
    r0 = 1
    exit

=== selftests_ctx_sk_msg/pkt_write_checked
type: sk_msg
attach: sk_msg_verdict
desc: a packet byte written after the range check
    r2 = *(u64 *)(r1 + 0)
    r3 = *(u64 *)(r1 + 8)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r5 = 7
    *(u8 *)(r2 + 7) = r5
out:
    r0 = 1
    exit

=== selftests_ctx_sk_msg/pkt_read_past_check
type: sk_msg
attach: sk_msg_verdict
desc: a byte past the checked range
    r2 = *(u64 *)(r1 + 0)
    r3 = *(u64 *)(r1 + 8)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 8)
out:
    r0 = 1
    exit

=== selftests_ctx_sk_msg/pkt_unchecked
type: sk_msg
attach: sk_msg_verdict
desc: the packet read with no check
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u8 *)(r2 + 0)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/pkt_after_pull
type: sk_msg
attach: sk_msg_verdict
desc: a packet pointer kept across bpf_msg_pull_data
    r6 = r1
    r2 = *(u64 *)(r6 + 0)
    r3 = *(u64 *)(r6 + 8)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r1 = r6
    r2 = 0
    r3 = 8
    r4 = 0
    r7 = r2
    call bpf_msg_pull_data
    r2 = *(u64 *)(r6 + 0)
    r3 = *(u64 *)(r6 + 8)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 1
    exit

=== selftests_ctx_sk_msg/pkt_stale_after_pull
type: sk_msg
attach: sk_msg_verdict
desc: a packet pointer read after bpf_msg_pull_data without reloading
    r6 = r1
    r8 = *(u64 *)(r6 + 0)
    r3 = *(u64 *)(r6 + 8)
    r4 = r8
    r4 += 8
    if r4 > r3 goto out
    r1 = r6
    r2 = 0
    r3 = 8
    r4 = 0
    call bpf_msg_pull_data
    r0 = *(u8 *)(r8 + 0)
out:
    r0 = 1
    exit

=== selftests_ctx_sk_msg/ret_2
type: sk_msg
attach: sk_msg_verdict
desc: the verdict 2
    r0 = 2
    exit

=== selftests_ctx_sk_msg/ret_unknown
type: sk_msg
attach: sk_msg_verdict
desc: an unknown verdict
    r0 = *(u32 *)(r1 + 68)
    exit

=== selftests_ctx_sk_msg/ret_masked
type: sk_msg
attach: sk_msg_verdict
desc: the verdict masked to 0..1
    r0 = *(u32 *)(r1 + 68)
    r0 &= 1
    exit

=== selftests_ctx_sk_msg/no_attach_type
type: sk_msg
desc: an sk_msg program without its attach type
    r2 = *(u32 *)(r1 + 16)
    r0 = 1
    exit

=== selftests_ctx_sk_msg/apply_cork_bytes
type: sk_msg
attach: sk_msg_verdict
desc: bpf_msg_apply_bytes and bpf_msg_cork_bytes
    r6 = r1
    r2 = 64
    call bpf_msg_apply_bytes
    r1 = r6
    r2 = 16
    call bpf_msg_cork_bytes
    r0 = 1
    exit

=== selftests_ctx_sk_msg/push_pop
type: sk_msg
attach: sk_msg_verdict
desc: bpf_msg_push_data then bpf_msg_pop_data
    r6 = r1
    r2 = 0
    r3 = 4
    r4 = 0
    call bpf_msg_push_data
    r1 = r6
    r2 = 0
    r3 = 4
    r4 = 0
    call bpf_msg_pop_data
    r0 = 1
    exit

=== selftests_ctx_sk_msg/skb_helper
type: sk_msg
attach: sk_msg_verdict
desc: bpf_skb_load_bytes from an sk_msg program
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call bpf_skb_load_bytes
    r0 = 1
    exit
