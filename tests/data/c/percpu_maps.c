/* Per-CPU maps: a per-CPU array of counters and a per-CPU hash keyed by packet length class. */
#include "bpf_helpers.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} packets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 16);
} by_size SEC(".maps");

SEC("xdp")
int xdp_percpu(struct xdp_md *ctx)
{
	__u32 zero = 0, size_class = (ctx->data_end - ctx->data) / 64;
	__u64 one = 1, *n;

	n = bpf_map_lookup_elem(&packets, &zero);
	if (n)
		*n += 1;
	n = bpf_map_lookup_elem(&by_size, &size_class);
	if (n)
		*n += 1;
	else
		bpf_map_update_elem(&by_size, &size_class, &one, BPF_NOEXIST);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
