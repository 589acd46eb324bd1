# Theme: kprobe/uprobe session programs' kfuncs (kernel/trace/bpf_trace.c): bpf_session_cookie
# (writable u64 memory, check_kfunc_call()) and bpf_session_is_return, which the kprobe set's filter
# (bpf_kprobe_multi_filter) lets only BPF_TRACE_KPROBE_SESSION / BPF_TRACE_UPROBE_SESSION programs call.

=== session/cookie_write
type: kprobe
attach: trace_kprobe_session
desc: the cookie is writable u64 memory
    call kfunc(bpf_session_cookie)
    r1 = 5
    *(u64 *)(r0 + 0) = r1
    r0 = 0
    exit

=== session/cookie_read
type: kprobe
attach: trace_kprobe_session
desc: reading the cookie
    call kfunc(bpf_session_cookie)
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== session/cookie_past_end
type: kprobe
attach: trace_kprobe_session
desc: a read past the cookie's 8 bytes
    call kfunc(bpf_session_cookie)
    r0 = *(u64 *)(r0 + 8)
    r0 = 0
    exit

=== session/cookie_u32_halves
type: kprobe
attach: trace_kprobe_session
desc: the cookie's halves as u32
    call kfunc(bpf_session_cookie)
    r1 = *(u32 *)(r0 + 4)
    *(u32 *)(r0 + 0) = r1
    r0 = 0
    exit

=== session/cookie_returned
type: kprobe
attach: trace_kprobe_session
desc: returning the cookie pointer
    call kfunc(bpf_session_cookie)
    exit

=== session/cookie_uprobe_session
type: kprobe
attach: trace_uprobe_session
desc: a uprobe session's cookie
    call kfunc(bpf_session_cookie)
    r1 = 5
    *(u64 *)(r0 + 0) = r1
    r0 = 0
    exit

=== session/cookie_kprobe_multi
type: kprobe
attach: trace_kprobe_multi
desc: not a session: the filter refuses it
    call kfunc(bpf_session_cookie)
    r0 = 0
    exit

=== session/cookie_plain_kprobe
type: kprobe
desc: a plain kprobe: refused
    call kfunc(bpf_session_cookie)
    r0 = 0
    exit

=== session/is_return_branch
type: kprobe
attach: trace_kprobe_session
desc: is_return decides the result
    call kfunc(bpf_session_is_return)
    if r0 == 0 goto l
    r0 = 1
    exit
l:
    r0 = 0
    exit

=== session/is_return_unbounded
type: kprobe
attach: trace_kprobe_session
desc: the bool result is an unknown scalar: a branch above 1 is explored
    call kfunc(bpf_session_is_return)
    if r0 > 1 goto l
    r0 = 0
    exit
l:
    r0 = *(u64 *)(r10 + 0)
    exit

=== session/is_return_uprobe_multi
type: kprobe
attach: trace_uprobe_multi
desc: a uprobe multi program: refused
    call kfunc(bpf_session_is_return)
    r0 = 0
    exit

=== session/session_return_range
type: kprobe
attach: trace_kprobe_session
desc: a session program returns 0 or 1
    call kfunc(bpf_session_is_return)
    r0 = 2
    exit
