/* In the style of XDP firewalls (xdp-tools' xdp-filter, Cloudflare-like drop lists): Ethernet with up
 * to two VLAN tags, IPv4 and IPv6, source prefixes dropped through an LPM trie, L4 ports through a
 * hash, per-CPU action counters; the struct definitions come from vmlinux.h. */
#include "vmlinux.h"
#include "bpf_helpers.h"

#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define VLAN_MAX_DEPTH 2

struct lpm_v4_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__type(key, struct lpm_v4_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} denied_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, __u8);
} denied_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_REDIRECT + 1);
	__type(key, __u32);
	__type(value, __u64);
} action_counts SEC(".maps");

struct cursor {
	void *pos;
	void *end;
};

static __always_inline int parse_eth(struct cursor *c, struct ethhdr **eth)
{
	struct ethhdr *e = c->pos;
	__u16 proto;

	if ((void *)(e + 1) > c->end)
		return -1;
	c->pos = e + 1;
	*eth = e;
	proto = e->h_proto;
#pragma unroll
	for (int i = 0; i < VLAN_MAX_DEPTH; i++) {
		struct vlan_hdr *vh = c->pos;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > c->end)
			return -1;
		proto = vh->h_vlan_encapsulated_proto;
		c->pos = vh + 1;
	}
	return proto;
}

static __always_inline __u32 count(__u32 action)
{
	__u64 *counter = bpf_map_lookup_elem(&action_counts, &action);

	if (counter)
		*counter += 1;
	return action;
}

static __always_inline int port_denied(__u16 port)
{
	return bpf_map_lookup_elem(&denied_ports, &port) != NULL;
}

static __always_inline int l4_denied(struct cursor *c, __u8 proto)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = c->pos;

		if ((void *)(tcp + 1) > c->end)
			return -1;
		return port_denied(bpf_ntohs(tcp->dest));
	}
	if (proto == IPPROTO_UDP) {
		struct udphdr *udp = c->pos;

		if ((void *)(udp + 1) > c->end)
			return -1;
		return port_denied(bpf_ntohs(udp->dest));
	}
	return 0;
}

SEC("xdp")
int xdp_filter(struct xdp_md *ctx)
{
	struct cursor c = {.pos = (void *)(long)ctx->data, .end = (void *)(long)ctx->data_end};
	struct ethhdr *eth;
	int proto, denied;

	proto = parse_eth(&c, &eth);
	if (proto < 0)
		return count(XDP_ABORTED);
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = c.pos;
		struct lpm_v4_key key;

		if ((void *)(ip + 1) > c.end)
			return count(XDP_ABORTED);
		if (ip->ihl < 5)
			return count(XDP_DROP);
		key.prefixlen = 32;
		key.addr = ip->saddr;
		if (bpf_map_lookup_elem(&denied_v4, &key))
			return count(XDP_DROP);
		c.pos = (void *)ip + ip->ihl * 4;
		denied = l4_denied(&c, ip->protocol);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = c.pos;

		if ((void *)(ip6 + 1) > c.end)
			return count(XDP_ABORTED);
		c.pos = ip6 + 1;
		denied = l4_denied(&c, ip6->nexthdr);
	} else {
		return count(XDP_PASS);
	}
	if (denied < 0)
		return count(XDP_ABORTED);
	return count(denied ? XDP_DROP : XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
