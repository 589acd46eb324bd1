# Theme: BPF streams and traps (Linux 6.17+/6.18): bpf_stream_vprintk_impl's arguments as
# check_kfunc_args() checks them (a KF_ARG_PTR_TO_CONST_STR format in a frozen read-only map value,
# trusted args memory of len__sz bytes, an unchecked aux__prog) in several program types (the common
# set), and __bpf_trap(), which check_kfunc_call() refuses wherever a path reaches it.

=== streams/printk_stdout
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: a message to BPF_STDOUT: format in a frozen read-only map, one argument on the stack
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_stderr_xdp
type: xdp
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: BPF_STDERR from XDP (the common set: every program type)
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 2
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_syscall
type: syscall
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
flags: sleepable
desc: from a sleepable SYSCALL program
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_kprobe
type: kprobe
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: from a kprobe
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_result_scalar
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: the result is an int scalar the program may test
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    if w0 s< 0 goto out
    r0 = 1
    exit
out:
    r0 = 0
    exit

=== streams/printk_bad_stream_id_loads
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: any stream id loads (the kfunc answers -ENOENT at run time)
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 9
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_aux_anything
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: aux__prog is not checked (the verifier fills it in)
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = r10
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_null_args
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: NULL args with a zero length: trusted arguments may not be NULL
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = 0
    r4 = 0
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_scalar_args
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: a scalar as the args
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = 46
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_ctx_format
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: the context as the format
    r6 = r1
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = r6
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_stack_format
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: a format on the stack
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_writable_format
type: socket_filter
maps: ro=array(4,16,1,data=783d25640a00)
desc: a format in a map the program may write
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_not_frozen_format
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,data=783d25640a00)
desc: a format in a read-only map user space may still change
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_unterminated_format
type: socket_filter
maps: ro=array(4,4,1,rdonly_prog,frozen,data=41424344)
desc: a format whose NUL is not in the value
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_format_var_off
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: a format at a variable offset
    call bpf_get_prandom_u32
    r6 = r0
    r6 &= 3
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r2 += r6
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_args_too_long
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: a length past the stack's initialized bytes
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -8
    r4 = 16
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_args_uninit
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: args on stack bytes never written
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -16
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_unknown_length
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: a length the verifier knows only the bounds of
    call bpf_get_prandom_u32
    r6 = r0
    r6 &= 8
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -8
    r4 = r6
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_unbounded_length
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: a length with no upper bound
    call bpf_get_prandom_u32
    r6 = r0
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -8
    r4 = r6
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = 0
    exit

=== streams/printk_r0_void_after
type: socket_filter
maps: ro=array(4,16,1,rdonly_prog,frozen,data=783d25640a00)
desc: r1-r5 are scratched by the call
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = 1
    r2 = map_value(ro, 0) ll
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call kfunc(bpf_stream_vprintk_impl)
    r0 = r1
    exit

=== streams/trap_reached
type: socket_filter
desc: __bpf_trap() reached: refused
    call kfunc(__bpf_trap)
    r0 = 0
    exit

=== streams/trap_dead
type: socket_filter
desc: __bpf_trap() in dead code: loads
    r0 = 0
    if r0 == 0 goto l
    call kfunc(__bpf_trap)
l:
    exit

=== streams/trap_one_branch
type: socket_filter
desc: __bpf_trap() on one branch only
    call bpf_get_prandom_u32
    if r0 == 0 goto l
    call kfunc(__bpf_trap)
l:
    r0 = 0
    exit

=== streams/trap_xdp
type: xdp
desc: __bpf_trap() reached in XDP
    call kfunc(__bpf_trap)
    r0 = 0
    exit
