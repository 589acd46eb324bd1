/* XDP firewall: drop blocked IPv4 sources (a hash map filled from user space) and one UDP/TCP
 * destination port (a .rodata constant set before load); per-CPU verdict statistics. */
#include "bpf_helpers.h"

enum { STAT_PASS, STAT_DROP_ADDR, STAT_DROP_PORT, STAT_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __be32);
	__type(value, __u64);
	__uint(max_entries, 1024);
} blocked_sources SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, STAT_MAX);
} verdict_stats SEC(".maps");

const volatile __u16 blocked_port = 0;

static __always_inline int count(__u32 stat, int verdict)
{
	__u64 *n = bpf_map_lookup_elem(&verdict_stats, &stat);

	if (n)
		*n += 1;
	return verdict;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u64 *hits;
	__u16 dport;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return count(STAT_PASS, XDP_PASS);
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return count(STAT_PASS, XDP_PASS);
	hits = bpf_map_lookup_elem(&blocked_sources, &ip->saddr);
	if (hits) {
		__sync_fetch_and_add(hits, 1);
		return count(STAT_DROP_ADDR, XDP_DROP);
	}
	if (ip->protocol == IPPROTO_UDP || ip->protocol == IPPROTO_TCP) {
		/* the ports sit at the same place in both headers */
		struct udphdr *l4 = (void *)ip + ip->ihl * 4;

		if ((void *)(l4 + 1) > data_end)
			return count(STAT_PASS, XDP_PASS);
		dport = bpf_ntohs(l4->dest);
		if (blocked_port && dport == blocked_port)
			return count(STAT_DROP_PORT, XDP_DROP);
	}
	return count(STAT_PASS, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
