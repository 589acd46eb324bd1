/* A netfilter program (SEC("netfilter"), BPF_PROG_TYPE_NETFILTER with expected attach type
 * BPF_NETFILTER): it reads the hook state and the skb through struct bpf_nf_ctx (vmlinux's
 * nf_hook_state and sk_buff, CO-RE relocated against the running kernel), slices the IPv4 and TCP
 * headers out of a read-only skb dynptr, counts packets per hook in an array map and drops TCP to
 * port 23 at NF_INET_LOCAL_IN.  A second program writes through the state pointer: refused. */
#include "bpf_helpers.h"

struct nf_hook_state {
	__u8 hook;
	__u8 pf;
	struct net_device *in;
} __attribute__((preserve_access_index));

struct net_device {
	int ifindex;
} __attribute__((preserve_access_index));

struct sk_buff {
	unsigned int len;
} __attribute__((preserve_access_index));

struct bpf_nf_ctx {
	const struct nf_hook_state *state;
	struct sk_buff *skb;
};

struct bpf_dynptr {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

extern int bpf_dynptr_from_skb(struct __sk_buff *skb_, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt,
			      __u32 buffer__szk) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} hook_counts SEC(".maps");

#define NF_DROP 0
#define NF_ACCEPT 1
#define NFPROTO_IPV4 2
#define NF_INET_LOCAL_IN 1

SEC("netfilter")
int nf_port_filter(struct bpf_nf_ctx *ctx)
{
	const struct nf_hook_state *state = ctx->state;
	struct bpf_dynptr packet;
	__u8 ip_buf[20], tcp_buf[20];
	__u32 hook = state->hook;
	const __u8 *ip, *tcp;
	__u64 *count;

	count = bpf_map_lookup_elem(&hook_counts, &hook);
	if (count)
		__sync_fetch_and_add(count, 1);
	if (state->pf != NFPROTO_IPV4 || ctx->skb->len < 40)
		return NF_ACCEPT;
	if (bpf_dynptr_from_skb((struct __sk_buff *)ctx->skb, 0, &packet))
		return NF_ACCEPT;
	ip = bpf_dynptr_slice(&packet, 0, ip_buf, sizeof(ip_buf));
	if (!ip || ip[9] != 6)
		return NF_ACCEPT;
	tcp = bpf_dynptr_slice(&packet, (ip[0] & 0xf) * 4, tcp_buf, sizeof(tcp_buf));
	if (!tcp)
		return NF_ACCEPT;
	if (hook == NF_INET_LOCAL_IN && tcp[2] == 0 && tcp[3] == 23)
		return NF_DROP;
	return NF_ACCEPT;
}

SEC("netfilter")
int nf_state_write(struct bpf_nf_ctx *ctx)
{
	((struct nf_hook_state *)ctx->state)->in = 0;
	return NF_ACCEPT;
}

char _license[] SEC("license") = "GPL";
