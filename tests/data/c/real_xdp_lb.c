/* In the style of Katran-like XDP load balancers: a VIP table (hash) for IPv4 TCP/UDP, a backend
 * chosen from a consistent-hash ring (array) by a hash of the 5-tuple, the packet encapsulated in
 * IPv4-in-IPv4 with bpf_xdp_adjust_head, its outer header checksum computed in a bounded loop, and
 * sent back out with XDP_TX; per-VIP statistics in a per-CPU array. */
#include "vmlinux.h"
#include "bpf_helpers.h"

#define RING_SIZE 64
#define MAX_VIPS 16
#define IPPROTO_IPIP 4

struct vip_key {
	__u32 addr;
	__u16 port;
	__u8 proto;
	__u8 pad;
};

struct vip_meta {
	__u32 vip_index;
	__u32 flags;
};

struct backend {
	__u32 addr;
	__u8 mac[6];
	__u16 pad;
};

struct vip_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_VIPS);
	__type(key, struct vip_key);
	__type(value, struct vip_meta);
} vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_VIPS * RING_SIZE);
	__type(key, __u32);
	__type(value, struct backend);
} rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_VIPS);
	__type(key, __u32);
	__type(value, struct vip_stats);
} stats SEC(".maps");

const volatile __u32 lb_source_addr = 0x0a000001;
const volatile __u8 lb_mac[6] = {0x02, 0, 0, 0, 0, 1};

static __always_inline __u32 flow_hash(__u32 saddr, __u32 daddr, __u32 ports, __u8 proto)
{
	__u32 h = 0x9e3779b9 ^ proto;

	h = (h ^ saddr) * 0x85ebca6b;
	h = (h ^ daddr) * 0xc2b2ae35;
	h = (h ^ ports) * 0x27d4eb2f;
	return h ^ (h >> 16);
}

static __always_inline __u16 ip_checksum(struct iphdr *ip)
{
	__u16 *words = (__u16 *)ip;
	__u32 sum = 0;

	ip->check = 0;
#pragma clang loop unroll(disable)
	for (int i = 0; i < (int)(sizeof(*ip) / 2); i++)
		sum += words[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

SEC("xdp")
int xdp_balancer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data, *new_eth;
	struct iphdr *ip = (void *)(eth + 1), *outer;
	struct vip_key vk = {};
	struct vip_meta *vip;
	struct backend *be;
	struct vip_stats *st;
	__u32 ports, slot, pkt_len;
	__u16 inner_len;

	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5)
		return XDP_PASS;
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	if ((void *)ip + sizeof(*ip) + 4 > data_end)
		return XDP_DROP;
	ports = *(__u32 *)(ip + 1);
	vk.addr = ip->daddr;
	vk.port = ports >> 16;
	vk.proto = ip->protocol;
	vip = bpf_map_lookup_elem(&vips, &vk);
	if (!vip || vip->vip_index >= MAX_VIPS)
		return XDP_PASS;
	slot = vip->vip_index * RING_SIZE + flow_hash(ip->saddr, ip->daddr, ports, ip->protocol) % RING_SIZE;
	be = bpf_map_lookup_elem(&rings, &slot);
	if (!be || !be->addr)
		return XDP_DROP;
	inner_len = bpf_ntohs(ip->tot_len);
	pkt_len = data_end - data;
	st = bpf_map_lookup_elem(&stats, &vip->vip_index);
	if (st) {
		st->packets++;
		st->bytes += pkt_len;
	}
	__u32 be_addr = be->addr;
	__u8 be_mac[6];

	__builtin_memcpy(be_mac, be->mac, sizeof(be_mac));
	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	new_eth = data;
	outer = (void *)(new_eth + 1);
	if ((void *)(outer + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(new_eth->h_dest, be_mac, sizeof(be_mac));
	new_eth->h_source[0] = lb_mac[0];
	new_eth->h_source[1] = lb_mac[1];
	new_eth->h_source[2] = lb_mac[2];
	new_eth->h_source[3] = lb_mac[3];
	new_eth->h_source[4] = lb_mac[4];
	new_eth->h_source[5] = lb_mac[5];
	new_eth->h_proto = bpf_htons(ETH_P_IP);
	outer->version = 4;
	outer->ihl = 5;
	outer->tos = 0;
	outer->tot_len = bpf_htons(inner_len + sizeof(struct iphdr));
	outer->id = 0;
	outer->frag_off = 0;
	outer->ttl = 64;
	outer->protocol = IPPROTO_IPIP;
	outer->saddr = bpf_htonl(lb_source_addr);
	outer->daddr = be_addr;
	outer->check = ip_checksum(outer);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
