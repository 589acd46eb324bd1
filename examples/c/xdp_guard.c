/* xdp_guard: an XDP program as users write them, compiled by clang, loaded and replayed by pybpf.
 *
 *   - counts packets and bytes per IP protocol (proto_stats, struct flow_stats values);
 *   - drops TCP and UDP traffic to one blocked port (a `const volatile` in .rodata, telnet by default,
 *     settable before load) and counts the drops per IPv4 source (drops_by_source);
 *   - answers ICMP echo requests itself: swaps the addresses, turns the request into a reply and
 *     sends it back out (XDP_TX);
 *   - passes everything else, and says what it dropped with bpf_printk.
 *
 * Built with -DFORGET_NULL_CHECK it makes the classic mistake: it uses the value bpf_map_lookup_elem
 * returned without checking that the lookup found one (see examples/c/Makefile, xdp_guard_broken.o).
 */
#include "bpf_helpers.h"

struct flow_stats {
	__u64 packets;
	__u64 bytes;
};

struct icmphdr {
	__u8 type;
	__u8 code;
	__u16 checksum;
	__be16 id;
	__be16 sequence;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct flow_stats);
	__uint(max_entries, 256);
} proto_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1024);
} drops_by_source SEC(".maps");

const volatile __u16 blocked_port = 23;
__u64 echo_replies = 0;

static __always_inline void count_drop(__u32 saddr)
{
	__u64 *drops = bpf_map_lookup_elem(&drops_by_source, &saddr);
#ifndef FORGET_NULL_CHECK
	if (!drops) {
		__u64 first = 1;
		bpf_map_update_elem(&drops_by_source, &saddr, &first, BPF_NOEXIST);
		return;
	}
#endif
	__sync_fetch_and_add(drops, 1);
}

static __always_inline int echo_reply(struct ethhdr *eth, struct iphdr *ip, struct icmphdr *icmp)
{
	unsigned char mac[6];
	__be32 addr = ip->saddr;
	__u32 sum;

	__builtin_memcpy(mac, eth->h_source, 6);
	__builtin_memcpy(eth->h_source, eth->h_dest, 6);
	__builtin_memcpy(eth->h_dest, mac, 6);
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	icmp->type = 0; /* echo reply: the checksum grows by the 0x0800 the type lost */
	sum = (__u32)icmp->checksum + bpf_htons(0x0800);
	icmp->checksum = (__u16)(sum + (sum >> 16));
	echo_replies++;
	return XDP_TX;
}

SEC("xdp")
int xdp_guard(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct flow_stats *stats;
	struct iphdr *ip;
	__u32 proto;
	__u16 port;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->ihl != 5)
		return XDP_PASS;

	proto = ip->protocol;
	stats = bpf_map_lookup_elem(&proto_stats, &proto);
	if (stats) {
		__sync_fetch_and_add(&stats->packets, 1);
		__sync_fetch_and_add(&stats->bytes, data_end - data);
	}

	if (proto == IPPROTO_ICMP) {
		struct icmphdr *icmp = (void *)(ip + 1);

		if ((void *)(icmp + 1) <= data_end && icmp->type == 8)
			return echo_reply(eth, ip, icmp);
		return XDP_PASS;
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return XDP_PASS;
	/* TCP and UDP both start with the source and destination ports */
	struct udphdr *ports = (void *)(ip + 1);
	if ((void *)(ports + 1) > data_end)
		return XDP_PASS;
	port = bpf_ntohs(ports->dest);
	if (port != blocked_port)
		return XDP_PASS;
	count_drop(ip->saddr);
	bpf_printk("xdp_guard: drop proto %d to port %d from %x", proto, port, bpf_ntohl(ip->saddr));
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
