# Theme: helpers a program type may not call, as the kernel's verifier_helper_restricted selftests
# probe them, written afresh (the program type's get_func_proto returns NULL: "program of this
# type cannot use helper"), plus helpers that need GPL and sleepable-only helpers.

=== selftests_helper_restricted/sf_ktime_coarse
type: socket_filter
desc: bpf_ktime_get_coarse_ns in a socket filter
    call bpf_ktime_get_coarse_ns
    r0 = 0
    exit

=== selftests_helper_restricted/xdp_skb_load_bytes
desc: bpf_skb_load_bytes in XDP
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call bpf_skb_load_bytes
    r0 = 2
    exit

=== selftests_helper_restricted/sf_redirect
type: socket_filter
desc: bpf_redirect in a socket filter
    r1 = 1
    r2 = 0
    call bpf_redirect
    r0 = 0
    exit

=== selftests_helper_restricted/rawtp_get_stackid
type: raw_tracepoint
desc: bpf_get_current_pid_tgid in a raw tracepoint
    call bpf_get_current_pid_tgid
    r0 = 0
    exit

=== selftests_helper_restricted/rawtp_probe_read_user
type: raw_tracepoint
desc: bpf_probe_read_user in a raw tracepoint
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_probe_read_user
    r0 = 0
    exit

=== selftests_helper_restricted/xdp_get_current_task
desc: bpf_get_current_task in XDP
    call bpf_get_current_task
    r0 = 2
    exit

=== selftests_helper_restricted/tc_copy_from_user
type: sched_cls
desc: bpf_copy_from_user in a tc classifier
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_helper_restricted/syscall_copy_from_user
type: syscall
flags: sleepable
desc: bpf_copy_from_user in a sleepable syscall program
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_helper_restricted/sf_skb_load_bytes
type: socket_filter
desc: bpf_skb_load_bytes in a socket filter
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call bpf_skb_load_bytes
    r0 = 0
    exit

=== selftests_helper_restricted/sf_perf_event_output_nongpl
type: socket_filter
license: MIT
maps: p=perf_event_array(4,4,4)
desc: bpf_perf_event_output (not GPL-only) under a non-GPL license
    r2 = map_fd(p) ll
    r3 = 0
    r4 = r10
    r4 += -8
    r5 = 0
    *(u64 *)(r10 - 8) = r5
    r5 = 8
    call bpf_perf_event_output
    r0 = 0
    exit

=== selftests_helper_restricted/trace_printk_nongpl
license: MIT
desc: bpf_trace_printk under a non-GPL license
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    call bpf_trace_printk
    r0 = 2
    exit

=== selftests_helper_restricted/tc_get_socket_cookie
type: sched_cls
desc: bpf_get_socket_cookie in a tc classifier
    call bpf_get_socket_cookie
    r0 = 0
    exit

=== selftests_helper_restricted/xdp_fib_lookup_small
desc: bpf_fib_lookup with a 4-byte parameter block
    r2 = r10
    r2 += -8
    r3 = 0
    *(u64 *)(r10 - 8) = r3
    r3 = 4
    r4 = 0
    call bpf_fib_lookup
    r0 = 2
    exit
