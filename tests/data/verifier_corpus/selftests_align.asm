# Theme: strict alignment as the kernel's verifier_align / test_align selftests probe it, written
# afresh: check_pkt_ptr_alignment (packet offsets counted from NET_IP_ALIGN, 2, variable offsets
# by their known low bits), check_generic_ptr_alignment for the stack, map values and the ctx, under
# BPF_F_STRICT_ALIGNMENT; the same accesses without the flag (x86-64 has efficient unaligned access)
# and with BPF_F_ANY_ALIGNMENT.

=== selftests_align/pkt_u32_at_14
type: sched_cls
flags: strict_alignment
desc: a 4-byte read at 14: 2+14 is 4-aligned
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 14)
out:
    r0 = 0
    exit

=== selftests_align/pkt_u32_at_12
type: sched_cls
flags: strict_alignment
desc: a 4-byte read at 12: 2+12 is not
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 12)
out:
    r0 = 0
    exit

=== selftests_align/pkt_u16_at_12
type: sched_cls
flags: strict_alignment
desc: a 2-byte read at 12
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r0 = *(u16 *)(r2 + 12)
out:
    r0 = 0
    exit

=== selftests_align/pkt_u16_at_13
type: sched_cls
flags: strict_alignment
desc: a 2-byte read at 13
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r0 = *(u16 *)(r2 + 13)
out:
    r0 = 0
    exit

=== selftests_align/pkt_u64_at_6
type: sched_cls
flags: strict_alignment
desc: an 8-byte read at 6: 2+6 is 8-aligned
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r0 = *(u64 *)(r2 + 6)
out:
    r0 = 0
    exit

=== selftests_align/pkt_u64_at_14
type: sched_cls
flags: strict_alignment
desc: an 8-byte read at 14
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r0 = *(u64 *)(r2 + 14)
out:
    r0 = 0
    exit

=== selftests_align/pkt_u8_anywhere
type: sched_cls
flags: strict_alignment
desc: a byte read at 13
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 13)
out:
    r0 = 0
    exit

=== selftests_align/pkt_u32_at_12_loose
type: sched_cls
desc: a 4-byte read at 12 without the flag
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 12)
out:
    r0 = 0
    exit

=== selftests_align/pkt_u32_at_12_any
type: sched_cls
flags: any_alignment
desc: a 4-byte read at 12 with BPF_F_ANY_ALIGNMENT
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 12)
out:
    r0 = 0
    exit

=== selftests_align/pkt_write_misaligned
type: sched_cls
flags: strict_alignment
desc: a 4-byte store at 13
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    *(u32 *)(r2 + 13) = 0
out:
    r0 = 0
    exit

=== selftests_align/pkt_moved_const
type: sched_cls
flags: strict_alignment
desc: the packet pointer moved by 14, read at 0
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r2 += 14
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 0
    exit

=== selftests_align/pkt_moved_const_odd
type: sched_cls
flags: strict_alignment
desc: the packet pointer moved by 15, read at 1
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r2 += 15
    r0 = *(u32 *)(r2 + 1)
out:
    r0 = 0
    exit

=== selftests_align/pkt_var_shift2
type: sched_cls
flags: strict_alignment
desc: a variable offset in 4s after a 14-byte header
    r6 = r1
    call bpf_get_prandom_u32
    r1 = r6
    r5 = r0
    r5 &= 15
    r5 <<= 2
    r5 += 14
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r2 += r5
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 0
    exit

=== selftests_align/pkt_var_shift2_plus_2
type: sched_cls
flags: strict_alignment
desc: a variable offset in 4s, read 2 bytes further as 4
    r6 = r1
    call bpf_get_prandom_u32
    r1 = r6
    r5 = r0
    r5 &= 15
    r5 <<= 2
    r5 += 14
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r2 += r5
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 2)
out:
    r0 = 0
    exit

=== selftests_align/pkt_var_shift2_u16
type: sched_cls
flags: strict_alignment
desc: a variable offset in 4s, a 2-byte read 2 further
    r6 = r1
    call bpf_get_prandom_u32
    r1 = r6
    r5 = r0
    r5 &= 15
    r5 <<= 2
    r5 += 14
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r2 += r5
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u16 *)(r2 + 2)
out:
    r0 = 0
    exit

=== selftests_align/pkt_var_any
type: sched_cls
flags: strict_alignment
desc: a variable offset of unknown low bits
    r6 = r1
    call bpf_get_prandom_u32
    r1 = r6
    r5 = r0
    r5 &= 15
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r2 += r5
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u16 *)(r2 + 0)
out:
    r0 = 0
    exit

=== selftests_align/pkt_var_even_u16
type: sched_cls
flags: strict_alignment
desc: a variable even offset, a 2-byte read
    r6 = r1
    call bpf_get_prandom_u32
    r1 = r6
    r5 = r0
    r5 &= 14
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r2 += r5
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u16 *)(r2 + 0)
out:
    r0 = 0
    exit

=== selftests_align/pkt_var_even_u32
type: sched_cls
flags: strict_alignment
desc: a variable even offset, a 4-byte read at 2
    r6 = r1
    call bpf_get_prandom_u32
    r1 = r6
    r5 = r0
    r5 &= 14
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 64
    if r4 > r3 goto out
    r2 += r5
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 2)
out:
    r0 = 0
    exit

=== selftests_align/stack_u32_at_4
type: socket_filter
flags: strict_alignment
desc: a 4-byte stack store at fp-4
    *(u32 *)(r10 - 4) = 0
    r0 = 0
    exit

=== selftests_align/stack_u64_at_4
type: socket_filter
flags: strict_alignment
desc: an 8-byte stack store at fp-12
    *(u64 *)(r10 - 12) = 0
    r0 = 0
    exit

=== selftests_align/stack_u16_odd
type: socket_filter
flags: strict_alignment
desc: a 2-byte stack store at fp-3
    *(u16 *)(r10 - 3) = 0
    r0 = 0
    exit

=== selftests_align/stack_u64_at_4_loose
type: socket_filter
desc: an 8-byte stack store at fp-12 without the flag
    *(u64 *)(r10 - 12) = 0
    r0 = 0
    exit

=== selftests_align/stack_ptr_moved
type: socket_filter
flags: strict_alignment
desc: a stack pointer moved by 2, an 8-byte store
    r1 = r10
    r1 += -18
    *(u64 *)(r1 + 0) = 0
    r0 = 0
    exit

=== selftests_align/value_u64_at_8
type: socket_filter
maps: a=array(4,48,1)
flags: strict_alignment
desc: an 8-byte value read at 8
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 8)
out:
    r0 = 0
    exit

=== selftests_align/value_u64_at_4
type: socket_filter
maps: a=array(4,48,1)
flags: strict_alignment
desc: an 8-byte value read at 4
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 4)
out:
    r0 = 0
    exit

=== selftests_align/value_u32_at_2
type: socket_filter
maps: a=array(4,48,1)
flags: strict_alignment
desc: a 4-byte value store at 2
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u32 *)(r0 + 2) = 0
out:
    r0 = 0
    exit

=== selftests_align/value_u64_at_4_loose
type: socket_filter
maps: a=array(4,48,1)
desc: an 8-byte value read at 4 without the flag
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 4)
out:
    r0 = 0
    exit

=== selftests_align/value_var_aligned
type: socket_filter
maps: a=array(4,48,1)
flags: strict_alignment
desc: an 8-byte read at a variable offset in 8s
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r0 &= 3
    r0 <<= 3
    r6 += r0
    r0 = *(u64 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_align/value_var_misaligned
type: socket_filter
maps: a=array(4,48,1)
flags: strict_alignment
desc: an 8-byte read at a variable offset in 4s
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    r0 &= 3
    r0 <<= 2
    r6 += r0
    r0 = *(u64 *)(r6 + 0)
out:
    r0 = 0
    exit

=== selftests_align/ctx_u32_misaligned
type: socket_filter
flags: strict_alignment
desc: skb->len read as 4 bytes from an odd offset
    r0 = *(u32 *)(r1 + 1)
    r0 = 0
    exit

=== selftests_align/ctx_u16_narrow
type: socket_filter
flags: strict_alignment
desc: skb->protocol's narrow read (aligned)
    r0 = *(u16 *)(r1 + 16)
    r0 = 0
    exit

=== selftests_align/both_flags
type: socket_filter
flags: strict_alignment any_alignment
desc: BPF_F_STRICT_ALIGNMENT with BPF_F_ANY_ALIGNMENT
    r0 = 0
    exit

=== selftests_align/xdp_u32_at_14
type: xdp
flags: strict_alignment
desc: XDP: a 4-byte read at 14 under strict alignment
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 20
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 14)
out:
    r0 = 2
    exit

=== selftests_align/xdp_u32_at_16
type: xdp
flags: strict_alignment
desc: XDP: a 4-byte read at 16 under strict alignment
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 20
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 16)
out:
    r0 = 2
    exit
