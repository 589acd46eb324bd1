# Theme: the XDP and tc metadata area as the kernel's verifier_meta_access selftests probe it,
# written afresh: data_meta is PTR_TO_PACKET_META, readable only within the range a comparison
# against data proved (data is the meta area's end), writable by XDP, refused against data_end;
# bpf_xdp_adjust_meta clears the ranges.

=== selftests_meta_access/read_checked
desc: read 4 bytes of metadata after data_meta + 4 <= data
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_meta_access/read_unchecked
desc: read metadata without any check
    r2 = *(u32 *)(r1 + 8)
    r0 = *(u8 *)(r2 + 0)
    r0 = 2
    exit

=== selftests_meta_access/read_past_check
desc: an 8-byte read after checking 4
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u64 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_meta_access/write_checked
desc: XDP may write the checked metadata
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r5 = 42
    *(u64 *)(r2 + 0) = r5
out:
    r0 = 2
    exit

=== selftests_meta_access/checked_against_data_end
desc: data_meta compared with data_end proves nothing
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_meta_access/data_checked_against_meta
desc: data compared with data_meta as if it were the end
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 8)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_meta_access/data_on_left
desc: data < data_meta + 4 jumps away: the fall-through may read 4
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 4
    if r3 < r4 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_meta_access/negative_offset
desc: reading just before data_meta
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 - 1)
out:
    r0 = 2
    exit

=== selftests_meta_access/adjust_meta_then_check
desc: bpf_xdp_adjust_meta, then reload and check
    r6 = r1
    r2 = -4
    call bpf_xdp_adjust_meta
    if r0 != 0 goto out
    r2 = *(u32 *)(r6 + 8)
    r3 = *(u32 *)(r6 + 0)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    *(u32 *)(r2 + 0) = 7
out:
    r0 = 2
    exit

=== selftests_meta_access/adjust_meta_stale
desc: the metadata range proved before bpf_xdp_adjust_meta is gone after it
    r6 = r1
    r7 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r7
    r4 += 4
    if r4 > r3 goto out
    r1 = r6
    r2 = -4
    call bpf_xdp_adjust_meta
    r0 = *(u32 *)(r7 + 0)
out:
    r0 = 2
    exit

=== selftests_meta_access/tc_meta_read
type: sched_cls
desc: a tc classifier reads the metadata area checked against skb->data
    r2 = *(u32 *)(r1 + 140)
    r3 = *(u32 *)(r1 + 76)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 0
    exit

=== selftests_meta_access/tc_meta_write
type: sched_cls
desc: a tc classifier writes the metadata area
    r2 = *(u32 *)(r1 + 140)
    r3 = *(u32 *)(r1 + 76)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    *(u32 *)(r2 + 0) = 1
out:
    r0 = 0
    exit

=== selftests_meta_access/sf_meta
type: socket_filter
desc: a socket filter cannot read skb->data_meta
    r2 = *(u32 *)(r1 + 140)
    r0 = 0
    exit

=== selftests_meta_access/meta_var_offset
desc: a bounded variable offset into the metadata area, checked again
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r5 = *(u32 *)(r1 + 16)
    r5 &= 7
    r2 += r5
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit
