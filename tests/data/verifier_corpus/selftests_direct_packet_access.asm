# Theme: direct packet access as the kernel's verifier_direct_packet_access selftests probe it,
# written afresh: the data_end check in each operand order and comparison, writes by program type,
# packet pointers moved by bounded and unbounded scalars, spilled and restored packet pointers,
# comparisons between two packet pointers, arithmetic on pkt_end, and the range a pointer keeps
# after it is moved past the checked bytes (find_good_pkt_pointers, check_packet_access,
# may_access_direct_pkt_data).

=== selftests_direct_packet_access/tc_read_checked
type: sched_cls
desc: a tc classifier reads the first byte after checking one
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 0
    exit

=== selftests_direct_packet_access/tc_write_checked
type: sched_cls
desc: a tc classifier may write the packet within the checked range
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r5 = 7
    *(u64 *)(r2 + 0) = r5
out:
    r0 = 0
    exit

=== selftests_direct_packet_access/sf_data_read
type: socket_filter
desc: a socket filter has no direct packet access: skb->data is not readable
    r2 = *(u32 *)(r1 + 76)
    r0 = 0
    exit

=== selftests_direct_packet_access/act_write_checked
type: sched_act
desc: a tc action writes within the checked range
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    *(u32 *)(r2 + 0) = 1
out:
    r0 = 0
    exit

=== selftests_direct_packet_access/end_on_left_lt
desc: data_end < data + 8 jumps away: the fall-through may read 8 bytes
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r3 < r4 goto out
    r0 = *(u64 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/end_on_left_lt_wrong_branch
desc: data_end < data + 8: the taken branch has no range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r3 < r4 goto bad
    r0 = 2
    exit
bad:
    r0 = *(u64 *)(r2 + 0)
    r0 = 2
    exit

=== selftests_direct_packet_access/end_on_left_ge
desc: data_end >= data + 8 jumps to the read
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r3 >= r4 goto read
    r0 = 2
    exit
read:
    r0 = *(u64 *)(r2 + 0)
    r0 = 2
    exit

=== selftests_direct_packet_access/end_on_left_le
desc: data_end <= data + 8 jumps away: the fall-through may read 8 (strictly more than 8 remain)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r3 <= r4 goto out
    r0 = *(u64 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/end_on_left_le_taken
desc: data_end <= data + 8 taken: no range there
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r3 <= r4 goto bad
    r0 = 2
    exit
bad:
    r0 = *(u8 *)(r2 + 0)
    r0 = 2
    exit

=== selftests_direct_packet_access/lt_form_read_in_taken
desc: data + 8 < data_end jumps to a read of 8 bytes
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 < r3 goto read
    r0 = 2
    exit
read:
    r0 = *(u64 *)(r2 + 0)
    r0 = 2
    exit

=== selftests_direct_packet_access/lt_form_read_in_fallthrough
desc: data + 8 < data_end: the fall-through has no range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 < r3 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/read_through_moved_ptr
desc: the read goes through the pointer that was compared, at a negative offset
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r0 = *(u8 *)(r4 - 1)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/read_through_moved_ptr_at_end
desc: the compared pointer itself is at the end: reading at its offset 0 is past the range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r0 = *(u8 *)(r4 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/var_offset_masked
desc: a masked scalar added to data, then checked with the access size
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    r5 &= 15
    r2 += r5
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/var_offset_then_no_recheck
desc: a masked scalar added to data after the check: the old range is gone
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 20
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    r5 &= 15
    r2 += r5
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/var_offset_unbounded
desc: an unbounded scalar added to a packet pointer
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r5 = *(u64 *)(r2 + 0)
    r2 += r5
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/var_offset_large_mask
desc: a scalar of up to 0xffff added to data (MAX_PACKET_OFF is 0xffff)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 2
    if r4 > r3 goto out
    r5 = *(u16 *)(r2 + 0)
    r2 += r5
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/var_offset_too_large
desc: a scalar of up to 0x1ffff added to data
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r5 = *(u32 *)(r2 + 0)
    r5 &= 0x1ffff
    r2 += r5
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/scalar_plus_pkt
desc: scalar += packet pointer: the sum is a packet pointer
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r5 = 4
    r5 += r2
    r4 = r5
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r5 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/spill_fill_keeps_range
desc: a checked packet pointer spilled and restored keeps its range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    *(u64 *)(r10 - 8) = r2
    r2 = 0
    r6 = *(u64 *)(r10 - 8)
    r0 = *(u64 *)(r6 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/spill_u32_loses_ptr
desc: a packet pointer spilled by a 4-byte store is refused (privileged: invalid size of register spill)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    *(u32 *)(r10 - 8) = r2
    r0 = 2
    exit
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/pkt_end_add
desc: arithmetic on pkt_end is refused
    r3 = *(u32 *)(r1 + 4)
    r3 += -8
    r0 = 2
    exit

=== selftests_direct_packet_access/pkt_end_read
desc: pkt_end cannot be dereferenced
    r3 = *(u32 *)(r1 + 4)
    r0 = *(u8 *)(r3 - 1)
    r0 = 2
    exit

=== selftests_direct_packet_access/pkt_minus_pkt
desc: the difference of two packet pointers is a scalar
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r3 -= r2
    r0 = r3
    r0 &= 1
    r0 += 1
    exit

=== selftests_direct_packet_access/pkt_sub_scalar_then_read
desc: data - 1 after checking data + 1: reading before data
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r2 += -1
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/pkt_32bit_add
desc: 32-bit arithmetic on a packet pointer
    r2 = *(u32 *)(r1 + 0)
    w2 += 1
    r0 = 2
    exit

=== selftests_direct_packet_access/pkt_cmp_pkt_not_end
desc: comparing two ordinary packet pointers teaches no range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r2 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/range_grows_with_second_check
desc: a second, larger check widens the range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r4 = r2
    r4 += 16
    if r4 > r3 goto out
    r0 = *(u64 *)(r2 + 8)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/copy_after_check_shares_range
desc: a copy taken after the check shares the range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 16
    if r4 > r3 goto out
    r5 = r2
    r0 = *(u64 *)(r5 + 8)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/adjust_head_invalidates
desc: bpf_xdp_adjust_head clears every packet pointer's range
    r6 = r1
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    *(u64 *)(r10 - 8) = r2
    r1 = r6
    r2 = 0
    call bpf_xdp_adjust_head
    r2 = *(u64 *)(r10 - 8)
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/adjust_head_reload
desc: after bpf_xdp_adjust_head the pointers are reloaded and checked again
    r6 = r1
    r1 = r6
    r2 = 0
    call bpf_xdp_adjust_head
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/tc_pull_data_invalidates
type: sched_cls
desc: bpf_skb_pull_data clears packet ranges
    r6 = r1
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r1 = r6
    r7 = r2
    r2 = 8
    call bpf_skb_pull_data
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit

=== selftests_direct_packet_access/tc_data_end_u16
type: sched_cls
desc: skb->data_end read with 2 bytes
    r3 = *(u16 *)(r1 + 80)
    r0 = 0
    exit

=== selftests_direct_packet_access/pkt_ptr_to_map
maps: m=hash(4,8,4)
desc: a packet pointer stored into a map value (a privileged load may leak pointers)
    r6 = *(u32 *)(r1 + 0)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r6
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/pkt_ptr_returned
desc: returning a packet pointer from an XDP program (privileged: r0 need only be readable)
    r0 = *(u32 *)(r1 + 0)
    exit

=== selftests_direct_packet_access/pkt_store_pointer_into_pkt
type: sched_cls
desc: storing a packet pointer into the packet (allowed for a privileged load)
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    *(u64 *)(r2 + 0) = r2
out:
    r0 = 0
    exit

=== selftests_direct_packet_access/branch_both_paths_checked
desc: two paths each with its own check meet at the read
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r5 = *(u32 *)(r1 + 12)
    r4 = r2
    if r5 == 0 goto small
    r4 += 8
    if r4 > r3 goto out
    goto read
small:
    r4 += 4
    if r4 > r3 goto out
read:
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_direct_packet_access/branch_one_path_short
desc: one path checked 2 bytes, the other 8: the u32 read after the join
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r5 = *(u32 *)(r1 + 12)
    r4 = r2
    if r5 == 0 goto small
    r4 += 8
    if r4 > r3 goto out
    goto read
small:
    r4 += 2
    if r4 > r3 goto out
read:
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit
