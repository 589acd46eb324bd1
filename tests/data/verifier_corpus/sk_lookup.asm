# Theme: socket lookup programs: the BPF_SK_LOOKUP attach type, sk_lookup_is_valid_access on
# struct bpf_sk_lookup (read only, narrow reads, remote_port and its padding), the sk field as a
# socket-or-NULL pointer, bpf_sk_assign's socket-or-NULL argument, and the SK_DROP/SK_PASS range.

=== sk_lookup/pass
type: sk_lookup
attach: sk_lookup
desc: SK_PASS
    r0 = 1
    exit

=== sk_lookup/no_attach_type
type: sk_lookup
desc: loaded without expected_attach_type BPF_SK_LOOKUP
    r0 = 1
    exit

=== sk_lookup/return_two
type: sk_lookup
attach: sk_lookup
desc: a return value past SK_PASS
    r0 = 2
    exit

=== sk_lookup/return_unknown
type: sk_lookup
attach: sk_lookup
desc: a return value read from the context, unbounded
    r0 = *(u32 *)(r1 + 60)
    exit

=== sk_lookup/return_masked
type: sk_lookup
attach: sk_lookup
desc: a port's low bit as the verdict
    r0 = *(u32 *)(r1 + 60)
    r0 &= 1
    exit

=== sk_lookup/narrow_reads
type: sk_lookup
attach: sk_lookup
desc: byte and half-word reads of family, the addresses and local_port
    r0 = *(u8 *)(r1 + 8)
    r2 = *(u16 *)(r1 + 14)
    r0 += r2
    r2 = *(u8 *)(r1 + 35)
    r0 += r2
    r2 = *(u16 *)(r1 + 62)
    r0 += r2
    r0 &= 1
    exit

=== sk_lookup/remote_port_u32
type: sk_lookup
attach: sk_lookup
desc: remote_port read as 4 bytes (backward compatibility)
    r0 = *(u32 *)(r1 + 36)
    r0 = 1
    exit

=== sk_lookup/remote_port_pad
type: sk_lookup
attach: sk_lookup
desc: the padding after remote_port, read as 2 bytes and as one
    r0 = *(u16 *)(r1 + 38)
    r2 = *(u8 *)(r1 + 39)
    r0 += r2
    r0 &= 1
    exit

=== sk_lookup/pad_u32
type: sk_lookup
attach: sk_lookup
desc: a misaligned 4-byte read at the padding
    r0 = *(u32 *)(r1 + 38)
    r0 = 1
    exit

=== sk_lookup/write_family
type: sk_lookup
attach: sk_lookup
desc: the context is read-only
    r2 = 2
    *(u32 *)(r1 + 8) = r2
    r0 = 1
    exit

=== sk_lookup/past_end
type: sk_lookup
attach: sk_lookup
desc: a read past ingress_ifindex
    r0 = *(u32 *)(r1 + 68)
    r0 = 1
    exit

=== sk_lookup/sk_u32
type: sk_lookup
attach: sk_lookup
desc: the sk pointer read as 4 bytes
    r0 = *(u32 *)(r1 + 0)
    r0 = 1
    exit

=== sk_lookup/sk_deref_unchecked
type: sk_lookup
attach: sk_lookup
desc: the selected socket read without the NULL check
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u32 *)(r2 + 4)
    r0 = 1
    exit

=== sk_lookup/sk_deref_checked
type: sk_lookup
attach: sk_lookup
desc: the selected socket's family after the NULL check
    r2 = *(u64 *)(r1 + 0)
    r0 = 1
    if r2 == 0 goto +2
    r0 = *(u32 *)(r2 + 4)
    r0 &= 1
    exit

=== sk_lookup/assign_null
type: sk_lookup
attach: sk_lookup
desc: bpf_sk_assign with a NULL socket
    r2 = 0
    r3 = 0
    call bpf_sk_assign
    r0 = 1
    exit

=== sk_lookup/assign_scalar
type: sk_lookup
attach: sk_lookup
desc: bpf_sk_assign with a non-zero scalar for the socket
    r2 = 1
    r3 = 0
    call bpf_sk_assign
    r0 = 1
    exit

=== sk_lookup/assign_ctx_sk
type: sk_lookup
attach: sk_lookup
desc: bpf_sk_assign with the ctx's socket-or-NULL
    r2 = *(u64 *)(r1 + 0)
    r3 = 0
    call bpf_sk_assign
    r0 = 1
    exit

=== sk_lookup/load_bytes
type: sk_lookup
attach: sk_lookup
desc: sk_lookup programs have no packet helpers
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call bpf_skb_load_bytes
    r0 = 1
    exit

=== sk_lookup/sk_lookup_tcp
type: sk_lookup
attach: sk_lookup
desc: sk_lookup programs have no bpf_sk_lookup_tcp
    r2 = r10
    r2 += -16
    r3 = 0
    *(u64 *)(r10 - 16) = r3
    *(u64 *)(r10 - 8) = r3
    r3 = 12
    r4 = 0
    r5 = 0
    call bpf_sk_lookup_tcp
    r0 = 1
    exit
