# Theme: return-value ranges and JIT-shaped programs, on the themes of the kernel's selftests
# progs/verifier_cgroup_inv_retcode.c, verifier_cgroup_skb.c, verifier_netfilter_retcode.c,
# verifier_sock_addr.c, verifier_tailcall_jit.c, verifier_jit_convergence.c and
# verifier_btf_unreliable_prog.c (written afresh; cgroup.asm and netfilter.asm hold more): ranges
# proved by masks, comparisons and 32-bit moves, global subprograms in checked program types, tail
# calls from subprograms and the stack below them, a branchy bounded map access, and BTF that
# misdescribes the main program's context.

=== selftests_retcode_jit/skb_ingress_ret_masked
type: cgroup_skb
attach: cgroup_inet_ingress
desc: a cgroup_skb ingress program returns a random bit
    call bpf_get_prandom_u32
    r0 &= 1
    exit

=== selftests_retcode_jit/skb_ingress_ret_two
type: cgroup_skb
attach: cgroup_inet_ingress
desc: a cgroup_skb ingress program returns 2 (only egress has the congestion bits)
    r0 = 2
    exit

=== selftests_retcode_jit/skb_egress_ret_masked3
type: cgroup_skb
attach: cgroup_inet_egress
desc: a cgroup_skb egress program returns a value of two random bits
    call bpf_get_prandom_u32
    r0 &= 3
    exit

=== selftests_retcode_jit/skb_egress_ret_masked7
type: cgroup_skb
attach: cgroup_inet_egress
desc: three random bits are too many at egress
    call bpf_get_prandom_u32
    r0 &= 7
    exit

=== selftests_retcode_jit/skb_ret_range_by_branch
type: cgroup_skb
attach: cgroup_inet_ingress
desc: r0 proved below 2 by a comparison
    call bpf_get_prandom_u32
    if r0 > 1 goto zero
    exit
zero:
    r0 = 0
    exit

=== selftests_retcode_jit/skb_ret_signed_only
type: cgroup_skb
attach: cgroup_inet_ingress
desc: r0 proved s<= 1 only: it may be negative
    call bpf_get_prandom_u32
    r0 <<= 32
    r0 s>>= 32
    if r0 s> 1 goto zero
    exit
zero:
    r0 = 0
    exit

=== selftests_retcode_jit/skb_ret_32bit_bounded
type: cgroup_skb
attach: cgroup_inet_ingress
desc: only w0 is bounded; the 64-bit r0 is not (a load of an 8-byte value)
    r6 = r1
    call bpf_get_prandom_u32
    r0 <<= 32
    r1 = 1
    r0 |= r1
    exit

=== selftests_retcode_jit/skb_ret_mov32_bounded
type: cgroup_skb
attach: cgroup_inet_ingress
desc: w0 = a masked value zero-extends: in range
    call bpf_get_prandom_u32
    w0 &= 1
    exit

=== selftests_retcode_jit/skb_subprog_ret_unbounded
type: cgroup_skb
attach: cgroup_inet_ingress
btf: func_info
desc: a static subprogram's unbounded result returned by main
    call f
    exit
f:
    call bpf_get_prandom_u32
    exit

=== selftests_retcode_jit/skb_global_subprog_ret
type: cgroup_skb
attach: cgroup_inet_ingress
btf: global_subprogs
desc: a global subprogram returns 5 in a cgroup_skb program; main returns 1
    call f
    r0 = 1
    exit
f:
    r0 = 5
    exit

=== selftests_retcode_jit/skb_global_subprog_ret_passed
type: cgroup_skb
attach: cgroup_inet_ingress
btf: global_subprogs
desc: main returns a global subprogram's result (an unknown scalar)
    call f
    exit
f:
    r0 = 1
    exit

=== selftests_retcode_jit/skb_ret_clobbered_by_call
type: cgroup_skb
attach: cgroup_inet_egress
desc: r0 = 1, then a helper call replaces it with an unknown result
    r0 = 1
    call bpf_get_prandom_u32
    exit

=== selftests_retcode_jit/sock_addr_recvmsg4_one
type: cgroup_sock_addr
attach: cgroup_udp4_recvmsg
desc: recvmsg4 returns 1
    r0 = 1
    exit

=== selftests_retcode_jit/sock_addr_recvmsg6_zero
type: cgroup_sock_addr
attach: cgroup_udp6_recvmsg
desc: recvmsg6 returns 0: recvmsg hooks must return 1
    r0 = 0
    exit

=== selftests_retcode_jit/sock_addr_getpeername6_zero
type: cgroup_sock_addr
attach: cgroup_inet6_getpeername
desc: getpeername6 returns 0: it must return 1
    r0 = 0
    exit

=== selftests_retcode_jit/sock_addr_unix_recvmsg_one
type: cgroup_sock_addr
attach: cgroup_unix_recvmsg
desc: unix recvmsg returns 1
    r0 = 1
    exit

=== selftests_retcode_jit/sock_addr_sendmsg6_two
type: cgroup_sock_addr
attach: cgroup_udp6_sendmsg
desc: sendmsg6 returns 2
    r0 = 2
    exit

=== selftests_retcode_jit/sock_addr_bind6_three
type: cgroup_sock_addr
attach: cgroup_inet6_bind
desc: bind6 returns 3 (the bind hooks may also ask to skip the port check)
    r0 = 3
    exit

=== selftests_retcode_jit/netfilter_ret_masked
type: netfilter
attach: netfilter
desc: a netfilter program returns a random bit (NF_DROP or NF_ACCEPT)
    call bpf_get_prandom_u32
    r0 &= 1
    exit

=== selftests_retcode_jit/netfilter_ret_minus_one
type: netfilter
attach: netfilter
desc: a netfilter program returns -1
    r0 = -1
    exit

=== selftests_retcode_jit/netfilter_ret_ctx
type: netfilter
attach: netfilter
desc: a netfilter program returns its context pointer
    r0 = r1
    exit

=== selftests_retcode_jit/sock_ops_ret_two
type: sock_ops
attach: cgroup_sock_ops
desc: a sock_ops program returns 2
    r0 = 2
    exit

=== selftests_retcode_jit/device_ret_masked
type: cgroup_device
attach: cgroup_device
desc: a device program returns a random bit
    call bpf_get_prandom_u32
    r0 &= 1
    exit

=== selftests_retcode_jit/tail_call_in_subprog
type: sched_cls
maps: jt=prog_array(4,4,1)
btf: func_info
desc: a static subprogram does the tail call; main calls it
    call sub
    r0 = 0
    exit
sub:
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_retcode_jit/tail_call_in_subprog_big_caller_stack
type: sched_cls
maps: jt=prog_array(4,4,1)
btf: func_info
desc: main uses 264 bytes of stack and calls a subprogram that tail calls
    r2 = 0
    *(u64 *)(r10 - 264) = r2
    call sub
    r0 = 0
    exit
sub:
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_retcode_jit/tail_call_in_subprog_caller_stack_fits
type: sched_cls
maps: jt=prog_array(4,4,1)
btf: func_info
desc: main uses 128 bytes of stack and calls a subprogram that tail calls
    r2 = 0
    *(u64 *)(r10 - 128) = r2
    call sub
    r0 = 0
    exit
sub:
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_retcode_jit/tail_call_in_nested_subprog_big_stack
type: sched_cls
maps: jt=prog_array(4,4,1)
btf: func_info
desc: main 128 bytes, a middle subprogram 160 bytes, the innermost tail calls
    r2 = 0
    *(u64 *)(r10 - 128) = r2
    call mid
    r0 = 0
    exit
mid:
    r2 = 0
    *(u64 *)(r10 - 160) = r2
    call sub
    r0 = 0
    exit
sub:
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_retcode_jit/tail_call_subprog_ctx_lost
type: sched_cls
maps: jt=prog_array(4,4,1)
btf: func_info
desc: the subprogram tail calls with r1 it did not receive as ctx (an unknown scalar)
    call sub
    r0 = 0
    exit
sub:
    r1 = 0
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_retcode_jit/tail_call_with_callback_in_program
type: sched_cls
maps: jt=prog_array(4,4,1)
btf: func_info
desc: a program with a bpf_loop callback and a tail call in main
    r6 = r1
    r1 = 1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r1 = r6
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== selftests_retcode_jit/branchy_lookup_convergence
type: socket_filter
maps: h=hash(8,256,1)
desc: many branches to one lookup, then arithmetic kept inside a 256-byte value by a comparison (12 * n <= 248)
    call bpf_get_prandom_u32
    if r0 == 0 goto join
    if r0 == 1 goto join
    if r0 == 2 goto join
    call bpf_get_prandom_u32
join:
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(h) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r2 = *(u32 *)(r6 + 16)
    r2 *= 12
    if r2 > 248 goto out
    r1 = r6
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_retcode_jit/branchy_lookup_off_by_one
type: socket_filter
maps: h=hash(8,256,1)
desc: the same with the comparison one step too loose (12 * n <= 252: an 8-byte read at 252)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(h) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r2 = *(u32 *)(r6 + 16)
    r2 *= 12
    if r2 > 252 goto out
    r1 = r6
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
out:
    r0 = 0
    exit

=== selftests_retcode_jit/unreliable_kprobe_ctx_type
type: kprobe
btf: func_info
proto: int f0(struct whatever *ctx)
desc: a kprobe program whose BTF says its context is some other struct (it cannot be a freplace target, but loads)
    r0 = 0
    exit

=== selftests_retcode_jit/unreliable_xdp_ctx_int
type: xdp
btf: func_info
proto: int f0(int x)
desc: an XDP program whose BTF says it takes an int
    r0 = 2
    exit
