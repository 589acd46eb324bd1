# BPF_PROG_TYPE_STRUCT_OPS programs (check_struct_ops_btf_id()): the struct named by attach_btf, the
# member by its index in ``attach`` (tcp_congestion_ops: 0 ssthresh, 1 cong_avoid, 5 pkts_acked,
# 7 cong_control, 10 get_info, 11 name, 16 init, 17 release; bpf_dummy_ops: 0 test_1, 1 test_2,
# 2 test_sleepable).  The ctx is the member's arguments (btf_ctx_access(), trusted pointers, a
# stub's __nullable ones maybe-NULL), tcp_congestion_ops' sock promoted to tcp_sock and its writes
# limited to bpf_tcp_ca_btf_struct_access()'s fields; a void member's r0 is not checked.

=== struct_ops/tcp_ssthresh_returns_scalar
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
desc: ssthresh returns a u32: any scalar
    r0 = 2
    exit

=== struct_ops/tcp_ssthresh_r0_unset
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
desc: a member returning u32 needs r0 set: "R0 !read_ok"
    exit

=== struct_ops/tcp_cong_avoid_void_r0_unset
type: struct_ops
attach: 1
attach_btf: tcp_congestion_ops
desc: cong_avoid returns void: r0 is not checked at all
    exit

=== struct_ops/tcp_get_info_unsupported
type: struct_ops
attach: 10
attach_btf: tcp_congestion_ops
desc: get_info has no cfi stub: "attach to unsupported member" (ENOTSUPP)
    r0 = 0
    exit

=== struct_ops/tcp_name_not_a_function
type: struct_ops
attach: 11
attach_btf: tcp_congestion_ops
desc: the name member is a char array: "attach to invalid member name(@idx 11)"
    r0 = 0
    exit

=== struct_ops/tcp_member_index_past_the_end
type: struct_ops
attach: 18
attach_btf: tcp_congestion_ops
desc: tcp_congestion_ops has 18 members
    r0 = 0
    exit

=== struct_ops/not_a_struct_ops_type
type: struct_ops
attach: 0
attach_btf: Qdisc_ops
desc: a struct vmlinux has but no registered struct_ops: "is not a supported struct" (ENOTSUPP)
    r0 = 0
    exit

=== struct_ops/value_type_is_not_the_struct
type: struct_ops
attach: 0
attach_btf: bpf_struct_ops_tcp_congestion_ops
desc: the map's value type is not the struct the program implements
    r0 = 0
    exit

=== struct_ops/no_attach_btf_id
type: struct_ops
attach: 0
desc: no attach_btf_id: ENOTSUPP with nothing logged
    r0 = 0
    exit

=== struct_ops/non_gpl_license
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
license: Dual BSD
desc: "struct ops programs must have a GPL compatible license"
    r0 = 0
    exit

=== struct_ops/tcp_sleepable_member
type: struct_ops
attach: 16
attach_btf: tcp_congestion_ops
flags: sleepable
desc: tcp_congestion_ops has no check_member: any member may be sleepable
    exit

=== struct_ops/dummy_sleepable_test_sleepable
type: struct_ops
attach: 2
attach_btf: bpf_dummy_ops
flags: sleepable
desc: bpf_dummy_ops' test_sleepable may sleep
    r0 = 0
    exit

=== struct_ops/dummy_sleepable_test_1
type: struct_ops
attach: 0
attach_btf: bpf_dummy_ops
flags: sleepable
desc: bpf_dummy_ops' check_member: only test_sleepable may sleep (EINVAL)
    r0 = 0
    exit

=== struct_ops/dummy_member_index_past_the_end
type: struct_ops
attach: 3
attach_btf: bpf_dummy_ops
desc: "attach to invalid member idx 3 of struct bpf_dummy_ops"
    r0 = 0
    exit

=== struct_ops/tcp_sock_promoted
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
desc: ssthresh's struct sock * is a trusted tcp_sock: its snd_cwnd is readable
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u32 *)(r2 + offsetof(tcp_sock, snd_cwnd))
    exit

=== struct_ops/tcp_sock_write_snd_cwnd
type: struct_ops
attach: 1
attach_btf: tcp_congestion_ops
desc: cong_avoid sets the congestion window
    r2 = *(u64 *)(r1 + 0)
    r3 = 10
    *(u32 *)(r2 + offsetof(tcp_sock, snd_cwnd)) = r3
    exit

=== struct_ops/tcp_sock_write_snd_ssthresh_too_wide
type: struct_ops
attach: 1
attach_btf: tcp_congestion_ops
desc: an 8-byte write to snd_ssthresh runs past the member
    r2 = *(u64 *)(r1 + 0)
    r3 = 10
    *(u64 *)(r2 + offsetof(tcp_sock, snd_ssthresh)) = r3
    exit

=== struct_ops/tcp_sock_write_ca_priv
type: struct_ops
attach: 16
attach_btf: tcp_congestion_ops
desc: init writes its private area (inet_csk_ca()), at any offset inside it
    r2 = *(u64 *)(r1 + 0)
    r3 = 1
    *(u32 *)(r2 + offsetof(inet_connection_sock, icsk_ca_priv)) = r3
    r2 += 8
    *(u64 *)(r2 + offsetof(inet_connection_sock, icsk_ca_priv)) = r3
    exit

=== struct_ops/tcp_sock_write_elsewhere
type: struct_ops
attach: 1
attach_btf: tcp_congestion_ops
desc: no write support to tcp_sock at the start of the socket
    r2 = *(u64 *)(r1 + 0)
    r3 = 1
    *(u32 *)(r2 + 0) = r3
    exit

=== struct_ops/tcp_sock_write_pacing_rate
type: struct_ops
attach: 7
attach_btf: tcp_congestion_ops
desc: cong_control sets the pacing rate (a struct sock field)
    r2 = *(u64 *)(r1 + 0)
    r3 = 1000
    *(u64 *)(r2 + offsetof(sock, sk_pacing_rate)) = r3
    exit

=== struct_ops/tcp_pkts_acked_sample_read_only
type: struct_ops
attach: 5
attach_btf: tcp_congestion_ops
desc: pkts_acked's ack_sample is trusted but not writable: "only read is supported"
    r2 = *(u64 *)(r1 + 8)
    r3 = *(u32 *)(r2 + 0)
    *(u32 *)(r2 + 0) = r3
    exit

=== struct_ops/tcp_cong_avoid_scalar_args
type: struct_ops
attach: 1
attach_btf: tcp_congestion_ops
desc: cong_avoid's ack and acked are u32 scalars
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 16)
    exit

=== struct_ops/tcp_ctx_no_second_argument
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
desc: ssthresh has one argument: "doesn't have 2-th argument"
    r2 = *(u64 *)(r1 + 8)
    r0 = 0
    exit

=== struct_ops/tcp_ctx_write
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
desc: the ctx is read-only
    r2 = 0
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit

=== struct_ops/tcp_ctx_pointer_narrow
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
desc: the sock pointer read with a 4-byte load
    r2 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== struct_ops/tcp_returns_pointer
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
desc: a root loader may return a pointer (no return range for struct_ops)
    r0 = r1
    exit

=== struct_ops/tcp_send_ack
type: struct_ops
attach: 1
attach_btf: tcp_congestion_ops
desc: tcp_send_ack with the trusted tcp_sock
    r1 = *(u64 *)(r1 + 0)
    r2 = 0
    call 116
    exit

=== struct_ops/tcp_release_no_getsockopt
type: struct_ops
attach: 17
attach_btf: tcp_congestion_ops
desc: release may not call getsockopt
    r1 = *(u64 *)(r1 + 0)
    r2 = 6
    r3 = 13
    r4 = r10
    r4 += -8
    r5 = 8
    call 57
    exit

=== struct_ops/tcp_ktime_and_map_lookup
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
maps: m=array(4,8,1)
desc: the base helpers: ktime and a map lookup
    call 5
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 1
    exit

=== struct_ops/dummy_no_helpers
type: struct_ops
attach: 0
attach_btf: bpf_dummy_ops
desc: bpf_dummy_ops' verifier ops have no get_func_proto: even ktime is refused
    call 5
    r0 = 0
    exit

=== struct_ops/dummy_state_nullable
type: struct_ops
attach: 0
attach_btf: bpf_dummy_ops
desc: test_1's state (cb__nullable) is maybe-NULL: read without the check
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u32 *)(r2 + 0)
    exit

=== struct_ops/dummy_state_write_after_check
type: struct_ops
attach: 0
attach_btf: bpf_dummy_ops
desc: test_1 writes the state after the NULL check
    r2 = *(u64 *)(r1 + 0)
    r0 = 0
    if r2 == 0 goto out
    r3 = 7
    *(u32 *)(r2 + 0) = r3
out:
    exit

=== struct_ops/dummy_state_write_past_end
type: struct_ops
attach: 0
attach_btf: bpf_dummy_ops
desc: the 4-byte state written at offset 4
    r2 = *(u64 *)(r1 + 0)
    r0 = 0
    if r2 == 0 goto out
    r3 = 7
    *(u32 *)(r2 + 4) = r3
out:
    exit

=== struct_ops/dummy_test_2_args
type: struct_ops
attach: 1
attach_btf: bpf_dummy_ops
desc: test_2's state is not nullable (no stub): a trusted pointer, logged
    r2 = *(u64 *)(r1 + 0)
    r3 = *(u32 *)(r2 + 0)
    r4 = *(u64 *)(r1 + 8)
    r5 = *(u64 *)(r1 + 32)
    exit

=== struct_ops/dummy_test_2_sixth_argument
type: struct_ops
attach: 1
attach_btf: bpf_dummy_ops
desc: test_2 has five arguments
    r2 = *(u64 *)(r1 + 40)
    exit
