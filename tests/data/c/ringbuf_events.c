/* Ring buffer output: one event per IPv4 packet (reserve/submit), a short note per other frame (output). */
#include "bpf_helpers.h"

struct event {
	__u32 len;
	__u32 saddr;
	__u8 protocol;
	__u8 ttl;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

SEC("xdp")
int xdp_events(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct event *e;
	__u32 note;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP)) {
		note = data_end - data;
		bpf_ringbuf_output(&events, &note, sizeof(note), 0);
		return XDP_PASS;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return XDP_DROP;
	e->len = data_end - data;
	e->saddr = ip->saddr;
	e->protocol = ip->protocol;
	e->ttl = ip->ttl;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
