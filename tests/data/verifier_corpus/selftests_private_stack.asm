# Theme: the stack depth of call chains, which the kernel's verifier_private_stack selftest loads as
# kprobe and tracing programs (the private stack changes the JIT, not the verdict), written afresh:
# check_max_stack_depth (kernel/bpf/verifier.c: the combined depth of a call chain within
# MAX_BPF_STACK, 512, each frame rounded up by round_up_stack_depth(), to 16 bytes under the JIT;
# at most MAX_CALL_FRAMES, 8, frames; no tail call below frames holding more than 256 bytes, nor in
# a subprogram of a program without BTF), callbacks and global functions counted with their callers.

=== selftests_private_stack/two_frames_512
type: kprobe
desc: 256 + 256 bytes
    *(u64 *)(r10 - 256) = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 256) = 0
    r0 = 0
    exit

=== selftests_private_stack/two_frames_520
type: kprobe
desc: 264 + 256 bytes
    *(u64 *)(r10 - 264) = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 256) = 0
    r0 = 0
    exit

=== selftests_private_stack/three_frames_504
type: kprobe
desc: 168 + 168 + 168 bytes
    *(u64 *)(r10 - 168) = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 168) = 0
    call f2
    r0 = 0
    exit
f2:
    *(u64 *)(r10 - 168) = 0
    r0 = 0
    exit

=== selftests_private_stack/three_frames_rounded
type: kprobe
desc: three frames of 168, 168, 176 (rounded per frame)
    *(u64 *)(r10 - 168) = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 176) = 0
    call f2
    r0 = 0
    exit
f2:
    *(u64 *)(r10 - 176) = 0
    r0 = 0
    exit

=== selftests_private_stack/odd_depths_rounding
type: kprobe
desc: frames of 8 bytes each over eight frames
    *(u64 *)(r10 - 8) = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 8) = 0
    call f2
    r0 = 0
    exit
f2:
    *(u64 *)(r10 - 8) = 0
    call f3
    r0 = 0
    exit
f3:
    *(u64 *)(r10 - 8) = 0
    call f4
    r0 = 0
    exit
f4:
    *(u64 *)(r10 - 8) = 0
    call f5
    r0 = 0
    exit
f5:
    *(u64 *)(r10 - 8) = 0
    call f6
    r0 = 0
    exit
f6:
    *(u64 *)(r10 - 8) = 0
    call f7
    r0 = 0
    exit
f7:
    *(u64 *)(r10 - 8) = 0
    r0 = 0
    exit

=== selftests_private_stack/eight_frames
type: socket_filter
desc: eight frames, the most there may be
    call f1
    r0 = 0
    exit
f1:
    call f2
    r0 = 0
    exit
f2:
    call f3
    r0 = 0
    exit
f3:
    call f4
    r0 = 0
    exit
f4:
    call f5
    r0 = 0
    exit
f5:
    call f6
    r0 = 0
    exit
f6:
    call f7
    r0 = 0
    exit
f7:
    r0 = 0
    exit

=== selftests_private_stack/nine_frames
type: socket_filter
desc: nine frames
    call f1
    r0 = 0
    exit
f1:
    call f2
    r0 = 0
    exit
f2:
    call f3
    r0 = 0
    exit
f3:
    call f4
    r0 = 0
    exit
f4:
    call f5
    r0 = 0
    exit
f5:
    call f6
    r0 = 0
    exit
f6:
    call f7
    r0 = 0
    exit
f7:
    call f8
    r0 = 0
    exit
f8:
    r0 = 0
    exit

=== selftests_private_stack/deep_small_last
type: socket_filter
desc: seven frames of 64 bytes and a last of 64
    *(u64 *)(r10 - 64) = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 64) = 0
    call f2
    r0 = 0
    exit
f2:
    *(u64 *)(r10 - 64) = 0
    call f3
    r0 = 0
    exit
f3:
    *(u64 *)(r10 - 64) = 0
    call f4
    r0 = 0
    exit
f4:
    *(u64 *)(r10 - 64) = 0
    call f5
    r0 = 0
    exit
f5:
    *(u64 *)(r10 - 64) = 0
    call f6
    r0 = 0
    exit
f6:
    *(u64 *)(r10 - 64) = 0
    call f7
    r0 = 0
    exit
f7:
    *(u64 *)(r10 - 64) = 0
    r0 = 0
    exit

=== selftests_private_stack/deep_small_over
type: socket_filter
desc: eight frames of 72 bytes
    *(u64 *)(r10 - 72) = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 72) = 0
    call f2
    r0 = 0
    exit
f2:
    *(u64 *)(r10 - 72) = 0
    call f3
    r0 = 0
    exit
f3:
    *(u64 *)(r10 - 72) = 0
    call f4
    r0 = 0
    exit
f4:
    *(u64 *)(r10 - 72) = 0
    call f5
    r0 = 0
    exit
f5:
    *(u64 *)(r10 - 72) = 0
    call f6
    r0 = 0
    exit
f6:
    *(u64 *)(r10 - 72) = 0
    call f7
    r0 = 0
    exit
f7:
    *(u64 *)(r10 - 72) = 0
    r0 = 0
    exit

=== selftests_private_stack/main_only_512
type: kprobe
desc: a main frame of exactly 512 bytes
    *(u64 *)(r10 - 512) = 0
    r0 = 0
    exit

=== selftests_private_stack/main_only_520
type: kprobe
desc: a main frame past 512 bytes
    *(u64 *)(r10 - 520) = 0
    r0 = 0
    exit

=== selftests_private_stack/sibling_calls
type: kprobe
desc: two callees of 256 one after the other, each under a 256-byte caller
    *(u64 *)(r10 - 256) = 0
    call f1
    call f2
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 256) = 0
    r0 = 0
    exit
f2:
    *(u64 *)(r10 - 248) = 0
    r0 = 0
    exit

=== selftests_private_stack/sibling_calls_one_too_big
type: kprobe
desc: the second of two callees goes past 512
    *(u64 *)(r10 - 256) = 0
    call f1
    call f2
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 8) = 0
    r0 = 0
    exit
f2:
    *(u64 *)(r10 - 264) = 0
    r0 = 0
    exit

=== selftests_private_stack/shared_callee
type: kprobe
desc: a callee reached through two paths, the deeper one past 512
    *(u64 *)(r10 - 64) = 0
    call f1
    call f2
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 256) = 0
    call f2
    r0 = 0
    exit
f2:
    *(u64 *)(r10 - 200) = 0
    r0 = 0
    exit

=== selftests_private_stack/tail_call_small_frames
type: socket_filter
maps: pa=prog_array(4,4,2)
btf: func_info
desc: a tail call in a subprogram under small frames
    *(u64 *)(r10 - 64) = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 64) = 0
    r1 = r1
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_private_stack/tail_call_big_caller
type: socket_filter
maps: pa=prog_array(4,4,2)
btf: func_info
desc: a tail call in a subprogram under a 264-byte caller
    *(u64 *)(r10 - 264) = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 8) = 0
    r1 = r1
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_private_stack/tail_call_big_callee
type: socket_filter
maps: pa=prog_array(4,4,2)
btf: func_info
desc: a tail call in a subprogram of 264 bytes itself
    *(u64 *)(r10 - 8) = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 264) = 0
    r1 = r1
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_private_stack/tail_call_no_btf
type: socket_filter
maps: pa=prog_array(4,4,2)
desc: a tail call in a subprogram of a program without BTF
    *(u64 *)(r10 - 8) = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 8) = 0
    r1 = r1
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_private_stack/tail_call_deep_chain
type: socket_filter
maps: pa=prog_array(4,4,2)
btf: func_info
desc: a tail call three frames down, the frames above 3 x 96
    *(u64 *)(r10 - 96) = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 96) = 0
    call f2
    r0 = 0
    exit
f2:
    *(u64 *)(r10 - 96) = 0
    call f3
    r0 = 0
    exit
f3:
    *(u64 *)(r10 - 8) = 0
    r1 = r1
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_private_stack/callback_stack
type: kprobe
btf: func_info
desc: bpf_loop's callback of 256 under a 256-byte caller
    *(u64 *)(r10 - 256) = 0
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    *(u64 *)(r10 - 256) = 0
    r0 = 0
    exit

=== selftests_private_stack/callback_stack_too_big
type: kprobe
btf: func_info
desc: bpf_loop's callback of 264 under a 256-byte caller
    *(u64 *)(r10 - 256) = 0
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    *(u64 *)(r10 - 264) = 0
    r0 = 0
    exit

=== selftests_private_stack/global_callee_too_big
type: kprobe
btf: global_subprogs
desc: a global subprogram of 264 under a 256-byte caller
    *(u64 *)(r10 - 256) = 0
    r1 = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 264) = 0
    r0 = 0
    exit

=== selftests_private_stack/tracing_two_frames
type: raw_tracepoint
desc: a raw tracepoint with 256 + 256
    *(u64 *)(r10 - 256) = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 256) = 0
    r0 = 0
    exit

=== selftests_private_stack/tracing_three_frames_over
type: raw_tracepoint
desc: a raw tracepoint with 256 + 128 + 136
    *(u64 *)(r10 - 256) = 0
    call f1
    r0 = 0
    exit
f1:
    *(u64 *)(r10 - 128) = 0
    call f2
    r0 = 0
    exit
f2:
    *(u64 *)(r10 - 136) = 0
    r0 = 0
    exit
