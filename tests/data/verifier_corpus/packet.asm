# Theme: direct packet access.  PTR_TO_PACKET from ctx->data may be read only within the range a
# comparison with PTR_TO_PACKET_END proved (find_good_pkt_pointers, check_packet_access), in every
# form of the comparison; data_meta against data; helpers that change the packet invalidate every
# packet pointer (clear_all_pkt_pointers); pkt_end allows no arithmetic.

=== packet/unchecked_read
desc: a packet read before any data_end check
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = *(u8 *)(r2 + 0)
    exit

=== packet/checked_read
desc: read of bytes 12-13 after checking 14
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r0 = *(u16 *)(r2 + 12)
out:
    r0 = 2
    exit

=== packet/checked_off_by_one
desc: read of bytes 13-14 after checking 14
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r0 = *(u16 *)(r2 + 13)
out:
    r0 = 2
    exit

=== packet/checked_u64
desc: an 8-byte read after checking 8
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u64 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/checked_u64_short
desc: an 8-byte read after checking 7
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 7
    if r4 > r3 goto out
    r0 = *(u64 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/form_gt
desc: data + 4 > data_end: fall-through is safe
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/form_ge
desc: data + 4 >= data_end: fall-through is safe with one byte less
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 >= r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/form_ge_exact
desc: data + 4 >= data_end then byte 3
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 >= r3 goto out
    r0 = *(u8 *)(r2 + 3)
out:
    r0 = 2
    exit

=== packet/form_lt_reversed
desc: data_end < data + 4
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r3 < r4 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/form_le_reversed
desc: data_end <= data + 4
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r3 <= r4 goto out
    r0 = *(u8 *)(r2 + 3)
out:
    r0 = 2
    exit

=== packet/form_lt_taken
desc: data + 4 < data_end: the jump target is safe
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 < r3 goto +2
    r0 = 2
    exit
    r0 = *(u32 *)(r2 + 0)
    exit

=== packet/form_le_taken
desc: data + 4 <= data_end: the jump target is safe
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 <= r3 goto +2
    r0 = 2
    exit
    r0 = *(u32 *)(r2 + 0)
    exit

=== packet/form_ge_taken_reversed
desc: data_end >= data + 4: the jump target is safe
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r3 >= r4 goto +2
    r0 = 2
    exit
    r0 = *(u32 *)(r2 + 0)
    exit

=== packet/wrong_branch
desc: the read sits on the branch where the packet is short
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto +2
    r0 = 2
    exit
    r0 = *(u32 *)(r2 + 0)
    exit

=== packet/signed_compare
desc: a signed comparison of packet pointers proves no range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 s> r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/jmp32_compare
desc: a 32-bit comparison of packet pointers
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if w4 > w3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/read_via_checked_copy
desc: the checked pointer itself, read one byte back
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r0 = *(u8 *)(r4 - 1)
out:
    r0 = 2
    exit

=== packet/read_via_checked_copy_past
desc: the checked pointer itself: its first byte is past the range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r0 = *(u8 *)(r4 + 0)
out:
    r0 = 2
    exit

=== packet/negative_offset
desc: the byte before data
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 - 1)
out:
    r0 = 2
    exit

=== packet/write_xdp
desc: XDP programs may write the packet
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r5 = 0
    *(u32 *)(r2 + 0) = r5
out:
    r0 = 2
    exit

=== packet/write_past_xdp
desc: a store past the checked range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 2
    if r4 > r3 goto out
    *(u32 *)(r2 + 0) = 0
out:
    r0 = 2
    exit

=== packet/two_checks
desc: two checks grow the range to 8
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u64 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/var_offset_checked
desc: a masked variable offset, then the check
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r5 = *(u32 *)(r1 + 12)
    r5 &= 15
    r2 += r5
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/var_offset_after_check
desc: a variable offset added after the check
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 20
    if r4 > r3 goto out
    r5 = *(u32 *)(r1 + 12)
    r5 &= 15
    r2 += r5
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/var_offset_unbounded
desc: an unbounded variable offset (more than MAX_PACKET_OFF)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r5 = *(u32 *)(r1 + 12)
    r2 += r5
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/pkt_end_arith
desc: arithmetic on pkt_end
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r3 += 1
    r0 = 2
    exit

=== packet/pkt_end_read
desc: a read through pkt_end
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = *(u8 *)(r3 + 0)
    exit

=== packet/large_const_offset
desc: a constant beyond MAX_PACKET_OFF
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r2 += 65536
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/adjust_head_invalidates
desc: a packet pointer kept across bpf_xdp_adjust_head
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r6 = r1
    r7 = r2
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r1 = r6
    r2 = 0
    call bpf_xdp_adjust_head
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 2
    exit

=== packet/adjust_head_reload
desc: pointers reloaded after bpf_xdp_adjust_head
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r6 = r1
    r1 = r6
    r2 = 0
    call bpf_xdp_adjust_head
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/meta_checked
desc: data_meta checked against data
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/meta_unchecked
desc: data_meta read without a check
    r2 = *(u32 *)(r1 + 8)
    r0 = *(u32 *)(r2 + 0)
    exit

=== packet/meta_against_end
desc: data_meta checked against data_end instead of data
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/tc_checked_read
type: sched_cls
desc: a tc classifier reads __sk_buff data after the check
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r0 = *(u16 *)(r2 + 12)
out:
    r0 = 0
    exit

=== packet/tc_unchecked_read
type: sched_cls
desc: a tc classifier reads data unchecked
    r2 = *(u32 *)(r1 + 76)
    r0 = *(u8 *)(r2 + 0)
    exit

=== packet/tc_checked_write
type: sched_cls
desc: tc programs may write the packet
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    *(u8 *)(r2 + 0) = 1
out:
    r0 = 0
    exit

=== packet/socket_filter_data
type: socket_filter
desc: socket filters have no direct packet access
    r2 = *(u32 *)(r1 + 76)
    r0 = 0
    exit

=== packet/compare_with_scalar
desc: comparing a packet pointer with a constant proves nothing
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    if r2 > 100 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit

=== packet/pkt_minus_pkt
desc: packet pointers subtracted: a scalar
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r5 = r4
    r5 -= r2
    r0 = r5
out:
    r0 = 2
    exit

=== packet/spilled_pkt_keeps_range
desc: a spilled packet pointer keeps its range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    *(u64 *)(r10 - 8) = r2
    r5 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r5 + 4)
out:
    r0 = 2
    exit

=== packet/range_lost_on_other_path
desc: the check is made on one path only
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r5 = *(u32 *)(r1 + 12)
    if r5 == 0 goto skip
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
skip:
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit
