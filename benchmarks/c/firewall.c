/* A packet parser and firewall: Ethernet with up to two VLAN tags, IPv4 (options skipped, fragments
 * passed) or IPv6, then TCP or UDP.  The verdict comes from a hash map of rules keyed by protocol and
 * destination port (a missing rule passes); each verdict is counted in an array map. */
#include "suite.h"

#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define IPPROTO_IPV6_FRAGMENT 44

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct ipv6_hdr {
	__be32 flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

struct rule_key {
	__u32 protocol;
	__u32 port;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct rule_key);
	__type(value, __u32);
	__uint(max_entries, 256);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} verdicts SEC(".maps");

static __always_inline int count(__u32 verdict)
{
	__u64 *n = bpf_map_lookup_elem(&verdicts, &verdict);

	if (n)
		*n += 1;
	return verdict;
}

SEC("xdp")
int firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *cursor = eth + 1;
	struct rule_key key = {};
	__u32 *verdict;
	__u16 proto;
	int tags;

	if (!IN_PACKET(eth, sizeof(*eth), data_end))
		return count(XDP_DROP);
	proto = eth->h_proto;
#pragma clang loop unroll(full)
	for (tags = 0; tags < 2; tags++) {
		struct vlan_hdr *vlan = cursor;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if (!IN_PACKET(vlan, sizeof(*vlan), data_end))
			return count(XDP_DROP);
		proto = vlan->proto;
		cursor = vlan + 1;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = cursor;

		if (!IN_PACKET(ip, sizeof(*ip), data_end) || ip->ihl < 5)
			return count(XDP_DROP);
		if (ip->frag_off & bpf_htons(0x3fff))
			return count(XDP_PASS);
		key.protocol = ip->protocol;
		cursor = (void *)ip + ip->ihl * 4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6_hdr *ip6 = cursor;

		if (!IN_PACKET(ip6, sizeof(*ip6), data_end))
			return count(XDP_DROP);
		if (ip6->nexthdr == IPPROTO_IPV6_FRAGMENT)
			return count(XDP_PASS);
		key.protocol = ip6->nexthdr;
		cursor = ip6 + 1;
	} else {
		return count(XDP_PASS);
	}
	if (key.protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = cursor;

		if (!IN_PACKET(tcp, sizeof(*tcp), data_end))
			return count(XDP_DROP);
		key.port = bpf_ntohs(tcp->dest);
	} else if (key.protocol == IPPROTO_UDP) {
		struct udphdr *udp = cursor;

		if (!IN_PACKET(udp, sizeof(*udp), data_end))
			return count(XDP_DROP);
		key.port = bpf_ntohs(udp->dest);
	}
	verdict = bpf_map_lookup_elem(&rules, &key);
	return count(verdict && *verdict <= XDP_TX ? *verdict : XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
