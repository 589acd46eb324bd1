/* The classic mistake: using a map value without checking the lookup found one.  The kernel's
 * verifier refuses it at load, naming the C line; pybpf's verifier (no value tracking yet) loads it,
 * and its interpreter stops the run at that line when the key is absent. */
#include "bpf_helpers.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 16);
} seen SEC(".maps");

SEC("xdp")
int xdp_no_null_check(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u64 *count = bpf_map_lookup_elem(&seen, &len);

	*count += 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
