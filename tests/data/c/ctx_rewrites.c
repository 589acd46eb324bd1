/* Socket filter whose load the verifier rewrites: __sk_buff field reads that become several
 * instructions (pkt_type, ifindex through skb->dev, vlan_present), in the main program and in a
 * subprogram after it, so line_info and func_info must move with the patches. */
#include "bpf_helpers.h"

static __noinline __u32 device_score(struct __sk_buff *skb)
{
	__u32 score = 0;

	if (skb->ifindex != 0)
		score += 2;
	if (skb->vlan_present)
		score += 4;
	if (skb->ifindex > 1000)
		score += 32;
	return score;
}

SEC("socket")
int ctx_rewrites(struct __sk_buff *skb)
{
	__u32 score = 0;

	if (skb->pkt_type == 0)
		score += 1;
	if (skb->pkt_type > 3)
		score += 8;
	if (skb->len > 100)
		score += 16;
	score += device_score(skb);
	return skb->len > 64 ? score : 0;
}

char LICENSE[] SEC("license") = "GPL";
