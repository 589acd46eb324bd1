/* TCP options walked to the header's end pointer, the way the parser is first written: clang checks
 * `opt + 1 > data_end` on a copy of the pointer and loads through the original, whose range the
 * kernel never learnt ("offset is outside of the packet").  real_xdp_parsers.c walks by offset. */
#include "vmlinux.h"
#include "bpf_helpers.h"

#define MAX_TCP_OPTIONS 10
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2

static __always_inline int tcp_mss(struct tcphdr *tcp, void *data_end)
{
	__u8 *opt = (__u8 *)(tcp + 1);
	__u8 *end = (__u8 *)tcp + tcp->doff * 4;

	if ((void *)end > data_end)
		return -1;
	for (int i = 0; i < MAX_TCP_OPTIONS; i++) {
		if (opt >= end || (void *)(opt + 1) > data_end)
			return 0;
		if (*opt == TCPOPT_EOL)
			return 0;
		if (*opt == TCPOPT_NOP) {
			opt++;
			continue;
		}
		if ((void *)(opt + 2) > data_end)
			return -1;
		__u8 len = opt[1];

		if (len < 2)
			return -1;
		if (*opt == TCPOPT_MSS) {
			if (len != 4 || (void *)(opt + 4) > data_end)
				return -1;
			return (opt[2] << 8) | opt[3];
		}
		opt += len;
	}
	return 0;
}

SEC("xdp")
int xdp_tcp_mss_by_end(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_TCP)
		return XDP_PASS;
	tcp = (void *)ip + ip->ihl * 4;
	if ((void *)(tcp + 1) > data_end)
		return XDP_PASS;
	return tcp_mss(tcp, data_end) > 1400 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
