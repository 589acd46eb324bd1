# Theme: the TCP congestion-control kfuncs (net/ipv4/bpf_tcp_ca.c, tcp_cubic.c, tcp_bbr.c; registered
# for struct_ops) called by tcp_congestion_ops members (0 ssthresh, 1 cong_avoid, 5 pkts_acked,
# 7 cong_control, 16 init), written afresh: the promoted tcp_sock as a struct sock or struct
# tcp_sock, the ack_sample and rate_sample arguments, NULL, scalars and moved pointers, and the
# program types that may not call them.

=== selftests_tcp_cc_kfuncs/ssthresh_reno
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
desc: ssthresh answers tcp_reno_ssthresh(sk)
    r1 = *(u64 *)(r1 + 0)
    call kfunc(tcp_reno_ssthresh)
    exit

=== selftests_tcp_cc_kfuncs/undo_cwnd_bbr
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
desc: ssthresh answers bbr_ssthresh and bbr_undo_cwnd
    r6 = *(u64 *)(r1 + 0)
    r1 = r6
    call kfunc(bbr_undo_cwnd)
    r1 = r6
    call kfunc(bbr_ssthresh)
    exit

=== selftests_tcp_cc_kfuncs/cong_avoid_reno
type: struct_ops
attach: 1
attach_btf: tcp_congestion_ops
desc: cong_avoid calls tcp_reno_cong_avoid(sk, ack, acked)
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 16)
    r1 = *(u64 *)(r1 + 0)
    call kfunc(tcp_reno_cong_avoid)
    exit

=== selftests_tcp_cc_kfuncs/cong_avoid_slow_start_ai
type: struct_ops
attach: 1
attach_btf: tcp_congestion_ops
desc: cong_avoid: tcp_slow_start and tcp_cong_avoid_ai on the tcp_sock
    r6 = *(u64 *)(r1 + 0)
    r7 = *(u32 *)(r1 + 16)
    r1 = r6
    r2 = r7
    call kfunc(tcp_slow_start)
    r1 = r6
    r2 = 2
    r3 = r0
    call kfunc(tcp_cong_avoid_ai)
    exit

=== selftests_tcp_cc_kfuncs/cong_avoid_cubic
type: struct_ops
attach: 1
attach_btf: tcp_congestion_ops
desc: cong_avoid delegates to cubictcp_cong_avoid
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 16)
    r1 = *(u64 *)(r1 + 0)
    call kfunc(cubictcp_cong_avoid)
    exit

=== selftests_tcp_cc_kfuncs/init_cubic_bbr
type: struct_ops
attach: 16
attach_btf: tcp_congestion_ops
desc: init calls cubictcp_init, bbr_init, and the state and event kfuncs
    r6 = *(u64 *)(r1 + 0)
    r1 = r6
    call kfunc(cubictcp_init)
    r1 = r6
    call kfunc(bbr_init)
    r1 = r6
    r2 = 1
    call kfunc(cubictcp_state)
    r1 = r6
    r2 = 4
    call kfunc(bbr_set_state)
    r1 = r6
    r2 = 0
    call kfunc(cubictcp_cwnd_event)
    r1 = r6
    r2 = 0
    call kfunc(bbr_cwnd_event)
    r1 = r6
    call kfunc(bbr_sndbuf_expand)
    r1 = r6
    call kfunc(bbr_min_tso_segs)
    r1 = r6
    call kfunc(cubictcp_recalc_ssthresh)
    r1 = r6
    call kfunc(tcp_reno_undo_cwnd)
    exit

=== selftests_tcp_cc_kfuncs/pkts_acked_cubic
type: struct_ops
attach: 5
attach_btf: tcp_congestion_ops
desc: pkts_acked passes its ack_sample to cubictcp_acked
    r2 = *(u64 *)(r1 + 8)
    r1 = *(u64 *)(r1 + 0)
    call kfunc(cubictcp_acked)
    exit

=== selftests_tcp_cc_kfuncs/pkts_acked_null_sample
type: struct_ops
attach: 5
attach_btf: tcp_congestion_ops
desc: NULL as cubictcp_acked's sample
    r1 = *(u64 *)(r1 + 0)
    r2 = 0
    call kfunc(cubictcp_acked)
    exit

=== selftests_tcp_cc_kfuncs/cong_control_bbr_main
type: struct_ops
attach: 7
attach_btf: tcp_congestion_ops
desc: cong_control passes its rate_sample to bbr_main
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 16)
    r4 = *(u64 *)(r1 + 24)
    r1 = *(u64 *)(r1 + 0)
    call kfunc(bbr_main)
    exit

=== selftests_tcp_cc_kfuncs/cong_control_sample_as_sock
type: struct_ops
attach: 7
attach_btf: tcp_congestion_ops
desc: the rate_sample given as the socket
    r1 = *(u64 *)(r1 + 24)
    r2 = 1
    call kfunc(tcp_slow_start)
    exit

=== selftests_tcp_cc_kfuncs/ssthresh_null_sock
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
desc: NULL as the socket
    r1 = 0
    call kfunc(tcp_reno_ssthresh)
    exit

=== selftests_tcp_cc_kfuncs/ssthresh_scalar_sock
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
desc: a scalar as the socket
    r1 = 4096
    call kfunc(tcp_reno_ssthresh)
    exit

=== selftests_tcp_cc_kfuncs/ssthresh_stack_sock
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
desc: a stack pointer as the socket
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    call kfunc(tcp_reno_ssthresh)
    exit

=== selftests_tcp_cc_kfuncs/ssthresh_moved_sock
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
desc: the socket pointer moved 8 bytes
    r1 = *(u64 *)(r1 + 0)
    r1 += 8
    call kfunc(tcp_reno_ssthresh)
    exit

=== selftests_tcp_cc_kfuncs/ssthresh_ctx_as_sock
type: struct_ops
attach: 0
attach_btf: tcp_congestion_ops
desc: the ctx itself as the socket
    call kfunc(tcp_reno_ssthresh)
    exit

=== selftests_tcp_cc_kfuncs/cong_avoid_pointer_ack
type: struct_ops
attach: 1
attach_btf: tcp_congestion_ops
desc: a pointer as the ack
    r2 = r1
    r3 = 0
    r1 = *(u64 *)(r1 + 0)
    call kfunc(tcp_reno_cong_avoid)
    exit

=== selftests_tcp_cc_kfuncs/reno_ssthresh_syscall
type: syscall
flags: sleepable
desc: tcp_reno_ssthresh in a syscall program: struct_ops only
    r1 = 0
    call kfunc(tcp_reno_ssthresh)
    r0 = 0
    exit

=== selftests_tcp_cc_kfuncs/bbr_init_xdp
type: xdp
desc: bbr_init in XDP: struct_ops only
    r1 = 0
    call kfunc(bbr_init)
    r0 = 2
    exit

=== selftests_tcp_cc_kfuncs/dummy_ops_reno
type: struct_ops
attach: 0
attach_btf: bpf_dummy_ops
desc: a bpf_dummy_ops program calls tcp_reno_ssthresh with its state
    r1 = *(u64 *)(r1 + 0)
    call kfunc(tcp_reno_ssthresh)
    r0 = 0
    exit
