/* Tail calls through a prog array that the object fills itself: dispatch by IP protocol. */
#include "bpf_helpers.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} handled SEC(".maps");

static __always_inline int note(__u32 which, int verdict)
{
	__u64 *n = bpf_map_lookup_elem(&handled, &which);

	if (n)
		*n += 1;
	return verdict;
}

SEC("xdp")
int handle_tcp(struct xdp_md *ctx)
{
	return note(1, XDP_PASS);
}

SEC("xdp")
int handle_udp(struct xdp_md *ctx)
{
	return note(2, XDP_DROP);
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 32);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} dispatch SEC(".maps") = {
	.values = { [IPPROTO_TCP] = (void *)&handle_tcp, [IPPROTO_UDP] = (void *)&handle_udp },
};

SEC("xdp")
int xdp_dispatch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return note(0, XDP_PASS);
	bpf_tail_call(ctx, &dispatch, ip->protocol);
	return note(3, XDP_TX);
}

char LICENSE[] SEC("license") = "GPL";
