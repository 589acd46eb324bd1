/* Socket filter: keep UDP datagrams to port 53 whole, truncate other UDP to 64 bytes, drop the rest. */
#include "bpf_helpers.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 2);
} seen SEC(".maps");

SEC("socket")
int udp_filter(struct __sk_buff *skb)
{
	__u8 proto;
	__u8 vihl;
	__be16 dport;
	__u32 key;
	__u64 *n;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0;
	if (bpf_skb_load_bytes(skb, 0, &vihl, 1) < 0)
		return 0;
	if (bpf_skb_load_bytes(skb, 9, &proto, 1) < 0 || proto != IPPROTO_UDP)
		return 0;
	if (bpf_skb_load_bytes(skb, (vihl & 0xf) * 4 + 2, &dport, 2) < 0)
		return 0;
	key = dport == bpf_htons(53) ? 0 : 1;
	n = bpf_map_lookup_elem(&seen, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	return key == 0 ? skb->len : 64;
}

char LICENSE[] SEC("license") = "GPL";
