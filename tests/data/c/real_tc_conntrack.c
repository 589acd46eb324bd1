/* In the style of Cilium's tc datapath: a tc (cls_bpf, direct action) program parsing IPv4 TCP/UDP
 * from the __sk_buff's direct packet pointers, a 5-tuple connection table in an LRU hash with
 * per-flow packet and byte counts, a policy map deciding new flows, and skb->mark set on allowed
 * traffic; a second program reads headers with bpf_skb_load_bytes instead.  Built without CO-RE
 * (BPF_NO_PRESERVE_ACCESS_INDEX), as networking programs are: with it, clang moves the relocated
 * offset of skb->mark into a register and adds it to the ctx pointer before the store (r1 = 8;
 * r6 += r1; *(u32 *)(r6 + 0) = ...), which the kernel refuses: "dereference of modified ctx ptr". */
#define BPF_NO_PRESERVE_ACCESS_INDEX
#include "vmlinux.h"
#include "bpf_helpers.h"

#define TCP_FLAG_SYN 0x0200
#define MARK_ALLOWED 0x100

struct flow_tuple {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct flow_entry {
	__u64 packets;
	__u64 bytes;
	__u64 last_seen;
	__u32 flags;
	__u32 pad;
};

struct policy_key {
	__u16 dport;
	__u8 proto;
	__u8 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct flow_tuple);
	__type(value, struct flow_entry);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct policy_key);
	__type(value, __u32);
} policy SEC(".maps");

const volatile bool default_allow = false;

static __always_inline int verdict(struct __sk_buff *skb, struct flow_tuple *tuple, bool syn)
{
	struct flow_entry *entry, fresh = {};
	struct policy_key pk = {.dport = tuple->dport, .proto = tuple->proto};
	__u32 *allowed;

	entry = bpf_map_lookup_elem(&flows, tuple);
	if (entry) {
		__sync_fetch_and_add(&entry->packets, 1);
		__sync_fetch_and_add(&entry->bytes, skb->len);
		entry->last_seen = bpf_ktime_get_ns();
		skb->mark = MARK_ALLOWED;
		return TC_ACT_OK;
	}
	allowed = bpf_map_lookup_elem(&policy, &pk);
	if (!(allowed ? *allowed : default_allow))
		return TC_ACT_SHOT;
	if (tuple->proto == IPPROTO_TCP && !syn)
		return TC_ACT_SHOT;
	fresh.packets = 1;
	fresh.bytes = skb->len;
	fresh.last_seen = bpf_ktime_get_ns();
	bpf_map_update_elem(&flows, tuple, &fresh, BPF_NOEXIST);
	skb->mark = MARK_ALLOWED;
	return TC_ACT_OK;
}

SEC("tc")
int tc_conntrack(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct flow_tuple tuple = {};
	struct iphdr *ip;
	bool syn = false;
	void *l4;

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return TC_ACT_SHOT;
	if (ip->frag_off & bpf_htons(0x3FFF))
		return TC_ACT_OK;
	l4 = (void *)ip + ip->ihl * 4;
	tuple.saddr = ip->saddr;
	tuple.daddr = ip->daddr;
	tuple.proto = ip->protocol;
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end)
			return TC_ACT_SHOT;
		tuple.sport = bpf_ntohs(tcp->source);
		tuple.dport = bpf_ntohs(tcp->dest);
		syn = tcp->syn && !tcp->ack;
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return TC_ACT_SHOT;
		tuple.sport = bpf_ntohs(udp->source);
		tuple.dport = bpf_ntohs(udp->dest);
	} else {
		return TC_ACT_OK;
	}
	return verdict(skb, &tuple, syn);
}

SEC("tc")
int tc_conntrack_load_bytes(struct __sk_buff *skb)
{
	struct flow_tuple tuple = {};
	struct iphdr ip;
	__u16 ports[2];
	__u8 tcp_flags;
	__u32 l4_off;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, sizeof(struct ethhdr), &ip, sizeof(ip)))
		return TC_ACT_SHOT;
	l4_off = sizeof(struct ethhdr) + ip.ihl * 4;
	if (ip.protocol != IPPROTO_TCP && ip.protocol != IPPROTO_UDP)
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, l4_off, ports, sizeof(ports)))
		return TC_ACT_SHOT;
	tuple.saddr = ip.saddr;
	tuple.daddr = ip.daddr;
	tuple.proto = ip.protocol;
	tuple.sport = bpf_ntohs(ports[0]);
	tuple.dport = bpf_ntohs(ports[1]);
	if (ip.protocol == IPPROTO_TCP && bpf_skb_load_bytes(skb, l4_off + 13, &tcp_flags, 1))
		return TC_ACT_SHOT;
	return verdict(skb, &tuple, ip.protocol == IPPROTO_TCP && (tcp_flags & 0x12) == 0x02);
}

char LICENSE[] SEC("license") = "GPL";
