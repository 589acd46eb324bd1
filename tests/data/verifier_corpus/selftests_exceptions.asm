# Theme: BPF exceptions -- the bpf_throw(u64 cookie) kfunc with the default exception callback (the
# cookie is the program's return value), written afresh on the subject of the kernel's selftests
# progs/exceptions.c and exceptions_fail.c: the cookie checked against the program type's return
# range, a throw in a subprogram and in a bpf_loop callback, references, locks and regions a throw
# would leak or leave open, and the program types whose kfunc sets hold it.

=== selftests_exceptions/throw_main
type: xdp
desc: throw at depth 0 with a cookie in XDP's return range
    r1 = 2
    call kfunc(bpf_throw)
    r0 = 1
    exit

=== selftests_exceptions/throw_cookie_out_of_range
type: xdp
desc: the default callback returns the cookie: 9 is no XDP action
    r1 = 9
    call kfunc(bpf_throw)
    r0 = 1
    exit

=== selftests_exceptions/throw_cookie_unknown
type: xdp
desc: an unknown cookie from the packet
    r1 = *(u32 *)(r1 + 0)
    call kfunc(bpf_throw)
    r0 = 1
    exit

=== selftests_exceptions/throw_cookie_bounded
type: sched_cls
desc: an unknown cookie in tc's return range
    r6 = *(u32 *)(r1 + 0)
    r6 &= 3
    r1 = r6
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/throw_cookie_pointer
type: xdp
desc: the context as the cookie
    call kfunc(bpf_throw)
    r0 = 1
    exit

=== selftests_exceptions/throw_cookie_uninit
type: xdp
desc: R1 never written
    r1 = r10
    r2 = 1
    call kfunc(bpf_throw)
    r0 = 1
    exit

=== selftests_exceptions/throw_conditional
type: xdp
desc: throw on one path, a normal exit on the other
    r2 = *(u32 *)(r1 + 4)
    r3 = *(u32 *)(r1 + 0)
    r3 += 14
    if r3 <= r2 goto ok
    r1 = 1
    call kfunc(bpf_throw)
ok:
    r0 = 2
    exit

=== selftests_exceptions/throw_dead_code_after
type: xdp
desc: what follows a throw is never reached
    r1 = 0
    call kfunc(bpf_throw)
    r0 = 2
    exit

=== selftests_exceptions/throw_syscall
type: syscall
flags: sleepable
desc: a SYSCALL program throws any cookie
    r1 = 12345
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/throw_socket_filter
type: socket_filter
desc: bpf_throw is not in the socket filter's kfunc sets
    r1 = 0
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/throw_raw_tp
type: raw_tracepoint
desc: bpf_throw is not in raw_tp's kfunc sets
    r1 = 0
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/throw_cgroup_skb
type: cgroup_skb
desc: a cgroup skb program throws 1
    r1 = 1
    call kfunc(bpf_throw)
    r0 = 1
    exit

=== selftests_exceptions/throw_cgroup_skb_range
type: cgroup_skb
desc: a cgroup skb program throws 5
    r1 = 5
    call kfunc(bpf_throw)
    r0 = 1
    exit

=== selftests_exceptions/throw_in_subprog
type: xdp
btf: func_info
desc: a static subprogram throws: every frame unwinds
    r1 = 3
    call f
    r0 = 2
    exit
f:
    r6 = r1
    r1 = r6
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/throw_in_subprog_out_of_range
type: xdp
btf: func_info
desc: a static subprogram throws a cookie outside XDP's range
    r1 = 7
    call f
    r0 = 2
    exit
f:
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/throw_in_subprog_conditional
type: xdp
btf: func_info
desc: a subprogram that throws on one path only
    r6 = *(u32 *)(r1 + 0)
    r1 = r6
    call f
    r0 += 1
    r0 &= 1
    exit
f:
    if r1 > 100 goto out
    r1 = 0
    call kfunc(bpf_throw)
out:
    r0 = 0
    exit

=== selftests_exceptions/throw_in_loop_callback
type: xdp
btf: func_info
desc: a bpf_loop callback throws
    r1 = 4
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 2
    exit
cb:
    if r1 != 2 goto out
    r1 = 1
    call kfunc(bpf_throw)
out:
    r0 = 0
    exit

=== selftests_exceptions/throw_reference_held
type: xdp
desc: a throw while a task reference is held leaks it
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    call kfunc(bpf_throw)
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 2
    exit

=== selftests_exceptions/throw_reference_in_subprog
type: xdp
btf: func_info
desc: the caller holds a reference, the callee throws
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call f
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 2
    exit
f:
    r1 = 0
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/throw_reference_released
type: xdp
desc: the reference is released before the throw
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
    r1 = 0
    call kfunc(bpf_throw)
out:
    r0 = 2
    exit

=== selftests_exceptions/throw_in_rcu
type: xdp
desc: a throw inside an RCU read-side region
    call kfunc(bpf_rcu_read_lock)
    r1 = 0
    call kfunc(bpf_throw)
    call kfunc(bpf_rcu_read_unlock)
    r0 = 2
    exit

=== selftests_exceptions/throw_in_preempt
type: xdp
desc: a throw with preemption disabled
    call kfunc(bpf_preempt_disable)
    r1 = 0
    call kfunc(bpf_throw)
    call kfunc(bpf_preempt_enable)
    r0 = 2
    exit

=== selftests_exceptions/throw_in_irq
type: xdp
desc: a throw with interrupts disabled
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_save)
    r1 = 0
    call kfunc(bpf_throw)
    r1 = r10
    r1 += -8
    call kfunc(bpf_local_irq_restore)
    r0 = 2
    exit

=== selftests_exceptions/throw_in_rcu_subprog
type: xdp
btf: func_info
desc: the caller opened an RCU region, the callee throws
    call kfunc(bpf_rcu_read_lock)
    call f
    call kfunc(bpf_rcu_read_unlock)
    r0 = 2
    exit
f:
    r1 = 0
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/throw_in_lock
type: xdp
btf: func_info
maps: m=array(4,16,1,spin_lock)
desc: a throw while holding a spin lock
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 4
    call bpf_spin_lock
    r1 = 0
    call kfunc(bpf_throw)
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 2
    exit

=== selftests_exceptions/throw_no_arg_bounds_prune
type: xdp
desc: two paths reach the same throw with different cookies
    r2 = *(u32 *)(r1 + 0)
    r1 = 1
    if r2 > 7 goto t
    r1 = 2
t:
    call kfunc(bpf_throw)
    r0 = 2
    exit

=== selftests_exceptions/cb_tag_unknown_function
type: sched_cls
btf: func_info
proto: int f0(void) __tag_exception_callback:nothere
desc: the main program's exception_callback tag names no FUNC of the program's BTF
    r1 = 0
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/cb_tag_static_function
type: sched_cls
btf: func_info
proto: int f0(void) __tag_exception_callback:f1
desc: the tag names a static function
    call f
    r1 = 0
    call kfunc(bpf_throw)
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_exceptions/cb_tag_twice
type: sched_cls
btf: global_subprogs
proto: int f0(void) __tag_exception_callback:f1 __tag_exception_callback:f1
desc: two exception_callback tags on the main program
    call f
    r1 = 0
    call kfunc(bpf_throw)
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_exceptions/cb_tag_main_itself
type: sched_cls
btf: func_info
proto: global int f0(void) __tag_exception_callback:f0
desc: the tag names the main program (func_info places it at insn 0)
    r1 = 0
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/cb_tag_other_tag_ignored
type: sched_cls
btf: func_info
proto: int f0(void) __tag_exception:f1
desc: a decl tag of another name on the main program is no exception callback
    r1 = 0
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/cb_called_directly
type: sched_cls
btf: global_subprogs
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the main program calls its exception callback
    r1 = 0
    call f
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== selftests_exceptions/throw_in_global_func
type: cgroup_skb
btf: global_subprogs
desc: a global function throws a cookie outside cgroup_skb's range (checked as a subprogram's R1 only)
    r1 = 0
    call f
    r0 = 1
    exit
f:
    r1 = 5
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/throw_in_global_func_pointer
type: sched_cls
btf: global_subprogs
desc: a global function throws a pointer
    call f
    r0 = 0
    exit
f:
    r1 = r10
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/throw_in_static_func_range
type: cgroup_skb
btf: func_info
desc: a static function throws a cookie outside cgroup_skb's range (checked as the program's exit)
    call f
    r0 = 1
    exit
f:
    r1 = 3
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/throw_in_global_func_reference
type: xdp
btf: global_subprogs
desc: the caller of a throwing global function holds a reference
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    call f
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 2
    exit
f:
    r1 = 0
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/throw_in_global_func_rcu
type: xdp
btf: global_subprogs
desc: a throwing global function called inside an RCU read-side region
    call kfunc(bpf_rcu_read_lock)
    r1 = 0
    call f
    call kfunc(bpf_rcu_read_unlock)
    r0 = 2
    exit
f:
    r1 = 0
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/throw_below_global_func_reference
type: xdp
btf: global_subprogs
proto: static int f2(void)
desc: a global function whose static callee throws, called with a reference held
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    call f
    r1 = r6
    call kfunc(bpf_task_release)
out:
    r0 = 2
    exit
f:
    r6 = r1
    if r6 != 7 goto done
    call g
done:
    r0 = 0
    exit
g:
    r1 = 0
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== selftests_exceptions/nonthrowing_global_func_reference
type: xdp
btf: global_subprogs
desc: a global function that does not throw (another one does) called with a reference held
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    call f
    r1 = r6
    call kfunc(bpf_task_release)
    r1 = 0
    call h
out:
    r0 = 2
    exit
f:
    r0 = 0
    exit
h:
    r1 = 0
    call kfunc(bpf_throw)
    r0 = 0
    exit
