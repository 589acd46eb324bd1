/* Map-in-map: an array of maps and a hash of maps, with inner maps placed in them by the object. */
#include "bpf_helpers.h"

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
};

struct inner counters_even SEC(".maps"), counters_odd SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} by_parity SEC(".maps") = {
	.values = { [0] = &counters_even, [1] = &counters_odd },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct inner);
} by_id SEC(".maps") = {
	.values = { [3] = &counters_odd },
};

SEC("xdp")
int xdp_mim(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u32 parity = len & 1, slot = len & 3, id = 3;
	void *inner;
	__u64 *n;

	inner = bpf_map_lookup_elem(&by_parity, &parity);
	if (!inner)
		return XDP_ABORTED;
	n = bpf_map_lookup_elem(inner, &slot);
	if (n)
		*n += 1;
	inner = bpf_map_lookup_elem(&by_id, &id);
	if (!inner)
		return XDP_DROP;
	slot = 0;
	n = bpf_map_lookup_elem(inner, &slot);
	if (n)
		*n += 100;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
