/* What every program of the JIT benchmark suite shares: the packet layout it is run on (an Ethernet, IPv4
 * and UDP frame whose payload starts at PAYLOAD) and the bounds check of one packet access. */
#ifndef PYBPF_BENCH_SUITE_H
#define PYBPF_BENCH_SUITE_H
#include "bpf_helpers.h"

#define PAYLOAD (sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct udphdr))

/* True when [p, p + n) lies inside the packet. */
#define IN_PACKET(p, n, end) ((void *)(p) + (n) <= (void *)(end))

#endif
