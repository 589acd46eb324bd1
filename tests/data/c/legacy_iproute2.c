/* iproute2's legacy map definition (struct bpf_elf_map, 36 bytes) with PIN_GLOBAL_NS, as tc loads it. */
#include "bpf_helpers.h"

struct bpf_elf_map SEC("maps") tc_counts = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u64),
	.max_elem = 4,
	.pinning = PIN_GLOBAL_NS,
};

SEC("classifier")
int tc_count(struct __sk_buff *skb)
{
	__u32 key = skb->len & 3;
	__u64 *n = bpf_map_lookup_elem(&tc_counts, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
