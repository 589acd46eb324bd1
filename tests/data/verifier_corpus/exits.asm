# Theme: program exits (check_return_code, the exit paths of do_check): r0 must be readable at the
# main program's exit, subprograms must not return pointers into their own stack, and the
# program-type load rules around the verifier (SYSCALL programs must be sleepable).

=== exits/r0_unset
desc: r0 never written
    exit

=== exits/r0_set_one_path
desc: r0 written on one path only
    r2 = *(u32 *)(r1 + 12)
    if r2 == 0 goto +1
    r0 = 1
    exit

=== exits/r0_ctx
desc: the context pointer returned
    r0 = r1
    exit

=== exits/r0_stack
desc: a stack pointer returned from the main program
    r0 = r10
    exit

=== exits/r0_after_helper
desc: a helper's result returned
    call bpf_get_prandom_u32
    exit

=== exits/r0_clobbered_by_call_unset
desc: a call sets r0
    r0 = 1
    call bpf_get_prandom_u32
    exit

=== exits/socket_filter_ret
type: socket_filter
desc: a socket filter returns a length
    r0 = 0xffff
    exit

=== exits/tc_ret_scalar
type: sched_cls
desc: a tc program returns skb->len
    r0 = *(u32 *)(r1 + 0)
    exit

=== exits/raw_tp_ret
type: raw_tracepoint
desc: a raw tracepoint returns 7
    r0 = 7
    exit

=== exits/syscall_not_sleepable
type: syscall
desc: a SYSCALL program loaded without BPF_F_SLEEPABLE
    r0 = 0
    exit

=== exits/syscall_sleepable
type: syscall
flags: sleepable
desc: a SYSCALL program loaded with BPF_F_SLEEPABLE
    r0 = 0
    exit

=== exits/xdp_sleepable
flags: sleepable
desc: an XDP program loaded with BPF_F_SLEEPABLE
    r0 = 2
    exit

=== exits/exit_in_middle
desc: unreachable code after an exit
    r0 = 1
    exit
    r0 = 2
    exit

=== exits/fallthrough_end
desc: the last instruction is not an exit
    r0 = 1
    r0 += 1
