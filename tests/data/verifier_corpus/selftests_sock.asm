# Theme: socket pointers as the kernel's verifier_sock selftests probe them, written afresh:
# skb->sk (sock_common_or_null) and what bpf_sk_fullsock and bpf_tcp_sock turn it into, the fields
# each of sock_common, sock and tcp_sock allows (bpf_sock_common_is_valid_access,
# bpf_sock_is_valid_access, bpf_tcp_sock_is_valid_access), NULL checks, and helpers that take
# sockets (bpf_sk_storage_get needs BTF maps, bpf_get_listener_sock).

=== selftests_sock/skb_sk_family
type: sched_cls
desc: skb->sk NULL-checked, family read
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 + 4)
out:
    r0 = 0
    exit

=== selftests_sock/skb_sk_type_field
type: sched_cls
desc: skb->sk is only a sock_common: its type field is not readable
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 + 8)
out:
    r0 = 0
    exit

=== selftests_sock/skb_sk_u32_read
type: sched_cls
desc: skb->sk read with 4 bytes
    r1 = *(u32 *)(r1 + 168)
    r0 = 0
    exit

=== selftests_sock/skb_sk_write
type: sched_cls
desc: skb->sk written
    r2 = 0
    *(u64 *)(r1 + 168) = r2
    r0 = 0
    exit

=== selftests_sock/sf_skb_sk
type: socket_filter
desc: skb->sk in a socket filter
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 + 4)
out:
    r0 = 0
    exit

=== selftests_sock/fullsock_type
type: sched_cls
desc: bpf_sk_fullsock of skb->sk gives a sock whose type is readable
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_sk_fullsock
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 8)
out:
    r0 = 0
    exit

=== selftests_sock/fullsock_no_null_check
type: sched_cls
desc: bpf_sk_fullsock's result read without the NULL check
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_sk_fullsock
    r0 = *(u32 *)(r0 + 8)
out:
    r0 = 0
    exit

=== selftests_sock/fullsock_of_maybe_null
type: sched_cls
desc: bpf_sk_fullsock of an unchecked skb->sk
    r1 = *(u64 *)(r1 + 168)
    call bpf_sk_fullsock
    r0 = 0
    exit

=== selftests_sock/fullsock_past_end
type: sched_cls
desc: a bpf_sock read past its last field
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_sk_fullsock
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 80)
out:
    r0 = 0
    exit

=== selftests_sock/fullsock_dst_port_u16
type: sched_cls
desc: bpf_sock->dst_port read as a u16
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_sk_fullsock
    if r0 == 0 goto out
    r0 = *(u16 *)(r0 + 48)
out:
    r0 = 0
    exit

=== selftests_sock/fullsock_state_u8
type: sched_cls
desc: bpf_sock->state read as a byte
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_sk_fullsock
    if r0 == 0 goto out
    r0 = *(u8 *)(r0 + 72)
out:
    r0 = 0
    exit

=== selftests_sock/fullsock_rx_queue_mapping
type: sched_cls
desc: bpf_sock->rx_queue_mapping
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_sk_fullsock
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 76)
out:
    r0 = 0
    exit

=== selftests_sock/tcp_sock_snd_cwnd
type: sched_cls
desc: bpf_tcp_sock of the full socket, snd_cwnd read
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_sk_fullsock
    if r0 == 0 goto out
    r1 = r0
    call bpf_tcp_sock
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_sock/tcp_sock_bytes_acked
type: sched_cls
desc: tcp_sock->bytes_acked is a u64
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_tcp_sock
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 80)
out:
    r0 = 0
    exit

=== selftests_sock/tcp_sock_past_end
type: sched_cls
desc: a tcp_sock read past its end
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_tcp_sock
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 112)
out:
    r0 = 0
    exit

=== selftests_sock/tcp_sock_no_null_check
type: sched_cls
desc: bpf_tcp_sock's result read without the NULL check
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_tcp_sock
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_sock/tcp_sock_write
type: sched_cls
desc: a tcp_sock field written
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_tcp_sock
    if r0 == 0 goto out
    r1 = 0
    *(u32 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== selftests_sock/listener_sock
type: sched_cls
desc: bpf_get_listener_sock of skb->sk, then its src_port
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_get_listener_sock
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 44)
out:
    r0 = 0
    exit

=== selftests_sock/listener_sock_release
type: sched_cls
desc: the listener socket is not referenced: releasing it is refused
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_get_listener_sock
    if r0 == 0 goto out
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== selftests_sock/sk_storage_no_btf_map
type: sched_cls
maps: m=hash(4,8,4)
desc: bpf_sk_storage_get on a hash map
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_sk_fullsock
    if r0 == 0 goto out
    r2 = r0
    r1 = map_fd(m) ll
    r3 = 0
    r4 = 0
    call bpf_sk_storage_get
out:
    r0 = 0
    exit

=== selftests_sock/sock_common_var_offset
type: sched_cls
desc: a variable offset added to a sock_common pointer
    r6 = *(u32 *)(r1 + 8)
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    r6 &= 4
    r1 += r6
    r0 = *(u32 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_sock/skb_sk_spill_fill
type: sched_cls
desc: skb->sk spilled before the NULL check, filled after it
    r1 = *(u64 *)(r1 + 168)
    *(u64 *)(r10 - 8) = r1
    if r1 == 0 goto out
    r2 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r2 + 4)
out:
    r0 = 0
    exit
