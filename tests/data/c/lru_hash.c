/* LRU hash: bytes seen per IPv4 source address (an LRU map never refuses a new flow). */
#include "bpf_helpers.h"

struct flow {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __be32);
	__type(value, struct flow);
	__uint(max_entries, 4096);
} flows SEC(".maps");

SEC("xdp")
int xdp_flows(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct flow *f, fresh = {};

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	f = bpf_map_lookup_elem(&flows, &ip->saddr);
	if (!f) {
		fresh.packets = 1;
		fresh.bytes = data_end - data;
		bpf_map_update_elem(&flows, &ip->saddr, &fresh, BPF_ANY);
		return XDP_PASS;
	}
	f->packets++;
	f->bytes += data_end - data;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
