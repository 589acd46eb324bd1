; XDP: count packets per IP protocol in the hash map "counts", drop DNS over UDP, pass the rest.
; Loaded by examples/xdp_counter.py (which supplies the map) or with
;   pybpf prog load examples/xdp_count.s -t xdp --map counts=PINNED_MAP
    r6 = r1
    r2 = *(u32 *)(r6 + 0)          ; data
    r3 = *(u32 *)(r6 + 4)          ; data_end
    r4 = r2
    r4 += 34                       ; Ethernet (14) + IPv4 header (20)
    if r4 > r3 goto pass
    r5 = *(u16 *)(r2 + 12)         ; EtherType, network order
    if r5 != 8 goto pass           ; 0x0800 read little-endian
    r7 = *(u8 *)(r2 + 23)          ; IPv4 protocol
    *(u32 *)(r10 - 4) = r7
    r1 = map_fd(counts) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto first
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
    goto verdict
first:
    r1 = 1
    *(u64 *)(r10 - 16) = r1
    r1 = map_fd(counts) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
verdict:
    if r7 != 17 goto pass          ; UDP?
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 42                       ; + UDP header
    if r4 > r3 goto pass
    r5 = *(u16 *)(r2 + 36)         ; destination port, network order
    if r5 != 0x3500 goto pass      ; port 53
    r0 = 1                         ; XDP_DROP
    exit
pass:
    r0 = 2                         ; XDP_PASS
    exit
