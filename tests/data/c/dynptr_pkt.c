/* Packet dynptrs (kfuncs bpf_dynptr_from_xdp / bpf_dynptr_from_skb, bpf_dynptr_slice) in an XDP and
 * a TC program: headers read through slices (a stack buffer for each, used when the bytes are not
 * linear), a window moved with bpf_dynptr_adjust on a clone, the MAC addresses swapped with bpf_dynptr_read and
 * bpf_dynptr_write, and slices past the end that come back NULL.  Counts land in a map. */
#include "bpf_helpers.h"

struct bpf_dynptr {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

extern int bpf_dynptr_from_xdp(struct xdp_md *x, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;
extern int bpf_dynptr_from_skb(struct __sk_buff *skb_, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt,
			      __u32 buffer__szk) __ksym;
extern int bpf_dynptr_adjust(const struct bpf_dynptr *p, __u32 start, __u32 end) __ksym;
extern __u32 bpf_dynptr_size(const struct bpf_dynptr *p) __ksym;
extern int bpf_dynptr_clone(const struct bpf_dynptr *p, struct bpf_dynptr *clone__uninit) __ksym;

static long (*bpf_dynptr_read)(void *dst, __u32 len, const struct bpf_dynptr *src, __u32 offset,
			       __u64 flags) = (void *)201;
static long (*bpf_dynptr_write)(const struct bpf_dynptr *dst, __u32 offset, void *src, __u32 len,
				__u64 flags) = (void *)202;

struct ethhdr_ {
	__u8 dst[6];
	__u8 src[6];
	__be16 proto;
};

struct iphdr_ {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__u16 check;
	__be32 saddr;
	__be32 daddr;
};

struct udphdr_ {
	__be16 source;
	__be16 dest;
	__be16 len;
	__u16 check;
};

enum { SEEN, IPV4, UDP, DPORT_SUM, SIZE, TAIL_NULL, WRITES, TC_SEEN, TC_PROTO, STATS };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, STATS);
} stats SEC(".maps");

static __always_inline void add(__u32 key, __u64 value)
{
	__u64 *slot = bpf_map_lookup_elem(&stats, &key);

	if (slot)
		*slot += value;
}

SEC("xdp")
int xdp_dynptr_hdrs(struct xdp_md *ctx)
{
	struct bpf_dynptr packet, l4;
	struct ethhdr_ eth_buf, *eth;
	struct iphdr_ ip_buf, *ip;
	struct udphdr_ udp_buf, *udp;
	__u8 macs[12], swapped[12];
	__u32 size, ihl;
	int i;

	if (bpf_dynptr_from_xdp(ctx, 0, &packet))
		return XDP_ABORTED;
	add(SEEN, 1);
	size = bpf_dynptr_size(&packet);
	add(SIZE, size);
	if (!bpf_dynptr_slice(&packet, size - 2, NULL, 4))
		add(TAIL_NULL, 1); /* 4 bytes from 2 before the end: past it */
	eth = bpf_dynptr_slice(&packet, 0, &eth_buf, sizeof(eth_buf));
	if (!eth)
		return XDP_DROP;
	if (eth->proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	add(IPV4, 1);
	ip = bpf_dynptr_slice(&packet, sizeof(*eth), &ip_buf, sizeof(ip_buf));
	if (!ip)
		return XDP_DROP;
	ihl = (ip->ver_ihl & 0xf) * 4;
	if (ip->protocol == IPPROTO_UDP && ihl >= sizeof(*ip)) {
		add(UDP, 1);
		if (bpf_dynptr_clone(&packet, &l4) || bpf_dynptr_adjust(&l4, sizeof(*eth) + ihl, size))
			return XDP_DROP;
		udp = bpf_dynptr_slice(&l4, 0, &udp_buf, sizeof(udp_buf));
		if (udp)
			add(DPORT_SUM, bpf_htons(udp->dest));
	}
	if (bpf_dynptr_read(macs, sizeof(macs), &packet, 0, 0))
		return XDP_DROP;
	for (i = 0; i < 6; i++) {
		swapped[i] = macs[i + 6];
		swapped[i + 6] = macs[i];
	}
	if (!bpf_dynptr_write(&packet, 0, swapped, sizeof(swapped), 0))
		add(WRITES, 1);
	return XDP_TX;
}

SEC("tc")
int tc_dynptr_mark(struct __sk_buff *skb)
{
	struct bpf_dynptr packet;
	struct ethhdr_ eth_buf, *eth;
	__u8 ttl = 1;

	if (bpf_dynptr_from_skb(skb, 0, &packet))
		return TC_ACT_SHOT;
	add(TC_SEEN, 1);
	eth = bpf_dynptr_slice(&packet, 0, &eth_buf, sizeof(eth_buf));
	if (!eth)
		return TC_ACT_SHOT;
	add(TC_PROTO, bpf_htons(eth->proto));
	if (eth->proto == bpf_htons(ETH_P_IP)) /* the IPv4 TTL set to 1 (its checksum left alone) */
		bpf_dynptr_write(&packet, sizeof(*eth) + 8, &ttl, 1, 0);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
