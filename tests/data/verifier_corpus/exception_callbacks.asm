=== exception_callbacks/cb_two_args
type: sched_cls
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie, u64 other)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback takes two arguments
    r1 = 7
    call kfunc(bpf_throw)
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== exception_callbacks/cb_no_args
type: sched_cls
btf: global_subprogs
funcs: cb
proto: int f1(void)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback takes no argument
    r1 = 7
    call kfunc(bpf_throw)
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== exception_callbacks/cb_pointer_arg
type: sched_cls
btf: global_subprogs
funcs: cb
proto: int f1(struct __sk_buff *ctx)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback takes the context
    r1 = 7
    call kfunc(bpf_throw)
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== exception_callbacks/cb_returns_void
type: sched_cls
btf: global_subprogs
funcs: cb
proto: void f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback returns void
    r1 = 7
    call kfunc(bpf_throw)
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== exception_callbacks/cb_ret_range_cgroup_skb
type: cgroup_skb
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback returns the cookie, out of cgroup_skb's range
    r1 = 7
    call kfunc(bpf_throw)
    r0 = 0
    exit
cb:
    r0 = r1
    exit

=== exception_callbacks/cb_ret_range_ok_cgroup_skb
type: cgroup_skb
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback returns cookie & 1; the cookie itself is out of range
    r1 = 7
    call kfunc(bpf_throw)
    r0 = 1
    exit
cb:
    r0 = r1
    r0 &= 1
    exit

=== exception_callbacks/cb_ret_pointer
type: sched_cls
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback returns a stack pointer
    r1 = 7
    call kfunc(bpf_throw)
    r0 = 0
    exit
cb:
    r0 = r10
    exit

=== exception_callbacks/cb_r0_uninit
type: sched_cls
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback leaves r0 unset
    r1 = 7
    call kfunc(bpf_throw)
    r0 = 0
    exit
cb:
    exit

=== exception_callbacks/cb_throws
type: sched_cls
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback throws
    r1 = 7
    call kfunc(bpf_throw)
    r0 = 0
    exit
cb:
    r1 = 1
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== exception_callbacks/cb_calls_throwing_static
type: sched_cls
btf: func_info
funcs: cb
proto: global int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback calls a static function that throws
    r1 = 7
    call kfunc(bpf_throw)
    r0 = 0
    exit
cb:
    call g
    r0 = 0
    exit
g:
    r1 = 1
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== exception_callbacks/cb_calls_static
type: sched_cls
btf: func_info
funcs: cb
proto: global int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback calls a static function
    r1 = 7
    call kfunc(bpf_throw)
    r0 = 0
    exit
cb:
    r6 = r1
    call g
    r0 += r6
    exit
g:
    r0 = 1
    exit

=== exception_callbacks/cb_called_and_throws
type: sched_cls
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the main program calls its exception callback, which throws
    r1 = 0
    call cb
    r0 = 0
    exit
cb:
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== exception_callbacks/cb_as_loop_callback
type: sched_cls
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback given to bpf_loop
    r1 = 1
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== exception_callbacks/no_throw_with_cb
type: xdp
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: a program with an exception callback that never throws (the callback is verified all the same)
    r0 = 2
    exit
cb:
    r0 = r1
    exit

=== exception_callbacks/throw_pointer_cookie_with_cb
type: xdp
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the cookie is a pointer: with the program's own callback it is not a return value
    r1 = r10
    call kfunc(bpf_throw)
    r0 = 2
    exit
cb:
    r0 = 1
    exit

=== exception_callbacks/throw_leak_with_cb
type: xdp
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: a throw holding a reference, with the program's own callback
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r1 = 3
    call kfunc(bpf_throw)
out:
    r0 = 2
    exit
cb:
    r0 = 1
    exit

=== exception_callbacks/cb_tail_call
type: sched_cls
btf: global_subprogs
funcs: cb
maps: pa=prog_array(4,4,4)
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback tail calls
    r1 = 7
    call kfunc(bpf_throw)
    r0 = 0
    exit
cb:
    r1 = 0
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== exception_callbacks/cb_stack
type: xdp
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the main program and the callback both use the stack
    r1 = 5
    *(u64 *)(r10 - 8) = r1
    r1 = *(u64 *)(r10 - 8)
    call kfunc(bpf_throw)
    r0 = 2
    exit
cb:
    *(u64 *)(r10 - 16) = r1
    r0 = *(u64 *)(r10 - 16)
    r0 &= 3
    exit

=== exception_callbacks/cb_returns_cookie_tc
type: sched_cls
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: a throw at depth 0; the callback returns the cookie
    r1 = 7
    call kfunc(bpf_throw)
    r0 = 0
    exit
cb:
    r0 = r1
    exit

=== exception_callbacks/cb_between_subprogs
type: sched_cls
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the callback sits between the main program and a global function that throws
    r1 = 7
    call f
    r0 = 0
    exit
cb:
    r0 = r1
    r0 &= 1
    exit
f:
    r1 = 3
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== exception_callbacks/throw_in_static_subprog_cgroup_skb
type: cgroup_skb
btf: func_info
funcs: cb
proto: global int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: a static function throws a cookie outside cgroup_skb's range: no check with the program's own callback
    call f
    r0 = 1
    exit
cb:
    r0 = 0
    exit
f:
    r1 = 3
    call kfunc(bpf_throw)
    r0 = 0
    exit

=== exception_callbacks/throw_in_loop_callback
type: sched_cls
btf: func_info
funcs: cb
proto: global int f2(u64 cookie)
proto: int f0(void) __tag_exception_callback:f2
desc: a bpf_loop callback throws, with the program's own exception callback
    r1 = 1
    r2 = func(loop_cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
loop_cb:
    r1 = 1
    call kfunc(bpf_throw)
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== exception_callbacks/cb_after_loop_callback
type: sched_cls
btf: func_info
funcs: cb
proto: global int f2(u64 cookie)
proto: int f0(void) __tag_exception_callback:f2
desc: a bpf_loop callback and the exception callback; the main program throws after the loop
    r1 = 3
    r2 = func(loop_cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r1 = r0
    call kfunc(bpf_throw)
    r0 = 0
    exit
loop_cb:
    r0 = 0
    exit
cb:
    r0 = r1
    r0 += 10
    exit

=== exception_callbacks/assert_bounds_learned
type: sched_cls
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: bpf_assert_range: a conditional throw; the non-throwing path knows the bounds for a map-free stack access
    r2 = *(u32 *)(r1 + 0)
    if r2 <= 7 goto ok
    r1 = 0
    call kfunc(bpf_throw)
ok:
    r3 = r10
    r3 += -8
    r3 += r2
    r0 = 0
    *(u8 *)(r3 - 8) = r0
    r0 = *(u8 *)(r3 - 8)
    exit
cb:
    r0 = 2
    exit

=== exception_callbacks/assert_bounds_too_wide
type: sched_cls
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the assertion bounds the value to [0, 16]: the stack access may leave the frame
    r2 = *(u32 *)(r1 + 0)
    if r2 <= 16 goto ok
    r1 = 0
    call kfunc(bpf_throw)
ok:
    r3 = r10
    r3 += -8
    r3 += r2
    r0 = 0
    *(u8 *)(r3 - 8) = r0
    exit
cb:
    r0 = 2
    exit

=== exception_callbacks/assert_eq_default_cb_range
type: cgroup_skb
btf: global_subprogs
desc: bpf_assert_eq with the default callback in cgroup_skb: the cookie 0 is a valid return value
    r2 = *(u32 *)(r1 + 0)
    if r2 == 5 goto ok
    r1 = 0
    call kfunc(bpf_throw)
ok:
    r0 = r2
    r0 += -4
    exit

=== exception_callbacks/assert_eq_cb_range
type: cgroup_skb
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: bpf_assert_eq: the non-throwing path returns r2 - 4 = 1; the callback's return is checked against cgroup_skb's range
    r2 = *(u32 *)(r1 + 0)
    if r2 == 5 goto ok
    r1 = 99
    call kfunc(bpf_throw)
ok:
    r0 = r2
    r0 += -4
    exit
cb:
    r0 = r1
    r0 &= 1
    exit

=== exception_callbacks/cb_global_calls_global
type: xdp
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f2(u64 x)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback calls another global function
    r1 = 9
    call kfunc(bpf_throw)
    r0 = 2
    exit
cb:
    call g
    r0 &= 3
    exit
g:
    r0 = r1
    exit

=== exception_callbacks/cb_stack_deep
type: xdp
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: main uses 512 bytes of stack, the callback 8: walked on its own
    r1 = 0
    *(u64 *)(r10 - 512) = r1
    r1 = 4
    call kfunc(bpf_throw)
    r0 = 2
    exit
cb:
    *(u64 *)(r10 - 8) = r1
    r0 = *(u64 *)(r10 - 8)
    r0 &= 3
    exit

=== exception_callbacks/cb_rcu_lock_leak
type: xdp
btf: global_subprogs
funcs: cb
proto: int f1(u64 cookie)
proto: int f0(void) __tag_exception_callback:f1
desc: the exception callback exits inside an RCU read-side region
    r1 = 4
    call kfunc(bpf_throw)
    r0 = 2
    exit
cb:
    call kfunc(bpf_rcu_read_lock)
    r0 = 1
    exit
