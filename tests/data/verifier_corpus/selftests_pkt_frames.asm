# Theme: packet pointers across frames, on the themes of the kernel's selftests
# verifier_sock.c / verifier_subprog_precision.c cases of changes_pkt_data and the 6.18 fix that
# a tail call in a subprogram changes packet data (written afresh): helpers that change the packet
# (bpf_skb_pull_data, bpf_xdp_adjust_head) called in static and global subprograms, in a bpf_loop
# callback and behind a subprogram's tail call, with the caller's checked pointers in registers and
# spilled in its stack.

=== selftests_pkt_frames/pull_in_static
type: sched_cls
btf: func_info
desc: a checked packet pointer read after a static subprogram pulls data
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r1 = r6
    call sub
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit
sub:
    r2 = 0
    call bpf_skb_pull_data
    r0 = 0
    exit

=== selftests_pkt_frames/pull_in_global
type: sched_cls
btf: global_subprogs
proto: int f1(struct __sk_buff *skb)
desc: a checked packet pointer read after a global function pulls data
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r1 = r6
    call f1
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit
f1:
    r2 = 0
    call bpf_skb_pull_data
    r0 = 0
    exit

=== selftests_pkt_frames/pull_in_global_not_called
type: sched_cls
btf: global_subprogs
proto: int f1(struct __sk_buff *skb)
desc: a global function that pulls data, called before the packet pointers are loaded and checked
    r6 = r1
    call f1
    r1 = r6
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit
f1:
    r2 = 0
    call bpf_skb_pull_data
    r0 = 0
    exit

=== selftests_pkt_frames/pull_in_nested_static
type: sched_cls
btf: func_info
desc: the pull two static calls deep
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r1 = r6
    call mid
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit
mid:
    call sub
    r0 = 0
    exit
sub:
    r2 = 0
    call bpf_skb_pull_data
    r0 = 0
    exit

=== selftests_pkt_frames/pull_in_loop_callback
type: sched_cls
btf: func_info
desc: a bpf_loop callback pulls data through the skb in its ctx; the caller then reads its checked pointer
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    *(u64 *)(r10 - 8) = r6
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit
cb:
    r1 = *(u64 *)(r2 + 0)
    r2 = 0
    call bpf_skb_pull_data
    r0 = 0
    exit

=== selftests_pkt_frames/tail_call_in_static
type: sched_cls
maps: jt=prog_array(4,4,1)
btf: func_info
desc: a checked packet pointer read after a static subprogram's tail call
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r1 = r6
    call sub
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit
sub:
    r2 = map_fd(jt) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_pkt_frames/no_pull_in_static
type: sched_cls
btf: func_info
desc: a static subprogram that only computes: the checked pointer stays valid
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r1 = 3
    call sub
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit
sub:
    r0 = r1
    exit

=== selftests_pkt_frames/pointer_spilled_across_pull
type: sched_cls
desc: a checked packet pointer spilled, data pulled, the spill filled and read
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    *(u64 *)(r10 - 8) = r7
    r1 = r6
    r2 = 0
    call bpf_skb_pull_data
    r7 = *(u64 *)(r10 - 8)
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_pkt_frames/pointer_in_callers_stack_across_pull
type: sched_cls
btf: func_info
desc: a checked packet pointer spilled in the caller's frame; a static subprogram pulls; the caller fills and reads
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    *(u64 *)(r10 - 8) = r7
    r1 = r6
    call sub
    r7 = *(u64 *)(r10 - 8)
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit
sub:
    r2 = 0
    call bpf_skb_pull_data
    r0 = 0
    exit

=== selftests_pkt_frames/callee_reads_callers_pkt_after_pull
type: sched_cls
btf: func_info
desc: the caller passes a checked packet pointer; the subprogram pulls data and reads it
    r6 = r1
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r1 = r6
    r2 = r7
    call sub
out:
    r0 = 0
    exit
sub:
    r7 = r2
    r2 = 0
    call bpf_skb_pull_data
    r0 = *(u8 *)(r7 + 0)
    r0 = 0
    exit

=== selftests_pkt_frames/xdp_adjust_in_static
type: xdp
btf: func_info
desc: an XDP packet pointer read after a static subprogram adjusts the head
    r6 = r1
    r7 = *(u32 *)(r6 + 0)
    r8 = *(u32 *)(r6 + 4)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r1 = r6
    call sub
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 2
    exit
sub:
    r2 = 4
    call bpf_xdp_adjust_head
    r0 = 0
    exit

=== selftests_pkt_frames/recheck_after_pull_in_static
type: sched_cls
btf: func_info
desc: after the subprogram's pull the packet pointers are loaded and checked again
    r6 = r1
    call sub
    r1 = r6
    r7 = *(u32 *)(r6 + 76)
    r8 = *(u32 *)(r6 + 80)
    r2 = r7
    r2 += 8
    if r2 > r8 goto out
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit
sub:
    r2 = 0
    call bpf_skb_pull_data
    r0 = 0
    exit
