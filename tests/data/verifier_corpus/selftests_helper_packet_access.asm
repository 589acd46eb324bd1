# Theme: packet memory handed to helpers as the kernel's verifier_helper_packet_access selftests
# probe it, written afresh: a packet pointer as a map key or value (checked against the map's key
# and value sizes and the proven range, check_helper_mem_access -> check_packet_access), a packet
# pointer with a size register, and helpers whose packet arguments need a range first.

=== selftests_helper_packet_access/key_in_range
maps: m=hash(4,8,4)
desc: a 4-byte key read from the packet after checking 4 bytes
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
out:
    r0 = 2
    exit

=== selftests_helper_packet_access/key_short_range
maps: m=hash(8,8,4)
desc: an 8-byte key from a packet range of 4
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
out:
    r0 = 2
    exit

=== selftests_helper_packet_access/key_no_check
maps: m=hash(4,8,4)
desc: a packet key with no range at all
    r2 = *(u32 *)(r1 + 0)
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 2
    exit

=== selftests_helper_packet_access/key_at_offset
maps: m=hash(4,8,4)
desc: a key at packet offset 4 of a 8-byte range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r2 += 4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
out:
    r0 = 2
    exit

=== selftests_helper_packet_access/key_at_offset_past
maps: m=hash(4,8,4)
desc: a key at packet offset 5 of a 8-byte range
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r2 += 5
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
out:
    r0 = 2
    exit

=== selftests_helper_packet_access/update_key_value_from_packet
maps: m=hash(4,8,4)
desc: key and value of an update both from the packet
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 12
    if r4 > r3 goto out
    r3 = r2
    r3 += 4
    r1 = map_fd(m) ll
    r4 = 0
    call bpf_map_update_elem
out:
    r0 = 2
    exit

=== selftests_helper_packet_access/update_value_short
maps: m=hash(4,8,4)
desc: an 8-byte value from the packet with only 11 bytes checked at offset 4
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 11
    if r4 > r3 goto out
    r3 = r2
    r3 += 4
    r1 = map_fd(m) ll
    r4 = 0
    call bpf_map_update_elem
out:
    r0 = 2
    exit

=== selftests_helper_packet_access/tc_key_in_range
type: sched_cls
maps: m=hash(4,8,4)
desc: a tc classifier uses packet bytes as a key
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
out:
    r0 = 0
    exit

=== selftests_helper_packet_access/csum_diff_packet
type: sched_cls
desc: bpf_csum_diff over 4 checked packet bytes
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r1 = r2
    r2 = 4
    r3 = 0
    r4 = 0
    r5 = 0
    call bpf_csum_diff
out:
    r0 = 0
    exit

=== selftests_helper_packet_access/csum_diff_packet_too_long
type: sched_cls
desc: bpf_csum_diff over 8 bytes of a 4-byte range
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r1 = r2
    r2 = 8
    r3 = 0
    r4 = 0
    r5 = 0
    call bpf_csum_diff
out:
    r0 = 0
    exit

=== selftests_helper_packet_access/csum_diff_var_size
type: sched_cls
desc: bpf_csum_diff with a size masked to 0..4 over a 4-byte range
    r6 = *(u32 *)(r1 + 8)
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r1 = r2
    r6 &= 4
    r2 = r6
    r3 = 0
    r4 = 0
    r5 = 0
    call bpf_csum_diff
out:
    r0 = 0
    exit

=== selftests_helper_packet_access/skb_store_bytes_from_packet
type: sched_cls
desc: bpf_skb_store_bytes with its source in the packet itself
    r6 = r1
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r1 = r6
    r3 = r2
    r2 = 0
    r4 = 4
    r5 = 0
    call bpf_skb_store_bytes
out:
    r0 = 0
    exit

=== selftests_helper_packet_access/sf_packet_key
type: socket_filter
maps: m=hash(4,8,4)
desc: a socket filter has no packet pointer to pass
    r2 = *(u32 *)(r1 + 76)
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_helper_packet_access/meta_key
maps: m=hash(4,8,4)
desc: metadata bytes as a map key after checking them against data
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
out:
    r0 = 2
    exit

=== selftests_helper_packet_access/pkt_end_key
maps: m=hash(4,8,4)
desc: data_end as a map key
    r2 = *(u32 *)(r1 + 4)
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 2
    exit
