# Theme: reads through socket pointers from bpf_sk_lookup_tcp / bpf_skc_lookup_tcp (check_sock_access():
# bpf_sock_is_valid_access and bpf_sock_common_is_valid_access): the fields, their widths, narrow
# reads, padding; writes refused.

=== sockets/family_u32
type: sched_cls
desc: a socket's family, a whole word
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 4)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== sockets/family_u8
type: sched_cls
desc: a narrow read of family's first byte
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 4)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== sockets/family_second_byte
type: sched_cls
desc: a byte inside family, not its first
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 5)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== sockets/src_ip4_third_byte
type: sched_cls
desc: any byte of an address
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 26)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== sockets/src_ip6_half
type: sched_cls
desc: a half word of the IPv6 address
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = *(u16 *)(r0 + 34)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== sockets/dst_port_u16
type: sched_cls
desc: dst_port is a 2-byte field
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = *(u16 *)(r0 + 48)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== sockets/dst_port_u32
type: sched_cls
desc: dst_port read as a word
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 48)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== sockets/dst_port_second_byte
type: sched_cls
desc: dst_port's second byte
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 49)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== sockets/dst_port_padding
type: sched_cls
desc: the padding after dst_port
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = *(u16 *)(r0 + 50)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== sockets/mark_u16
type: sched_cls
desc: mark only as a whole word
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = *(u16 *)(r0 + 16)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== sockets/u64_read
type: sched_cls
desc: no 8-byte field in bpf_sock
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== sockets/past_end
type: sched_cls
desc: past struct bpf_sock
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 80)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== sockets/write_field
type: sched_cls
desc: a socket is never written
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    *(u32 *)(r0 + 16) = 1
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== sockets/sock_common_type
type: sched_cls
desc: a sock_common has no type
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_skc_lookup_tcp
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 8)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit

=== sockets/sock_common_family
type: sched_cls
desc: a sock_common's family
    r6 = r1
    r1 = 0
    *(u64 *)(r10 -16) = r1
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_skc_lookup_tcp
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 4)
    r1 = r0
    call bpf_sk_release
out:
    r0 = 2
    exit
