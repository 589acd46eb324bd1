; XDP: bounce every Ethernet frame back where it came from (swap the MAC addresses, XDP_TX).
    r2 = *(u32 *)(r1 + 0)          ; data
    r3 = *(u32 *)(r1 + 4)          ; data_end
    r4 = r2
    r4 += 14
    if r4 > r3 goto pass
    r4 = *(u32 *)(r2 + 0)          ; destination MAC, bytes 0-3
    r5 = *(u16 *)(r2 + 4)          ;                  bytes 4-5
    r6 = *(u32 *)(r2 + 6)          ; source MAC
    r7 = *(u16 *)(r2 + 10)
    *(u32 *)(r2 + 0) = r6
    *(u16 *)(r2 + 4) = r7
    *(u32 *)(r2 + 6) = r4
    *(u16 *)(r2 + 10) = r5
    r0 = 3                         ; XDP_TX
    exit
pass:
    r0 = 2                         ; XDP_PASS
    exit
