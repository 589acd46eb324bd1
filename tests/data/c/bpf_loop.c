/* Callbacks: bpf_loop over the first bytes of a frame, bpf_for_each_map_elem over an array. */
#include "bpf_helpers.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 8);
} weights SEC(".maps");

struct loop_ctx {
	__u64 acc;
	__u32 len;
};

static long step(__u32 index, struct loop_ctx *c)
{
	c->acc = c->acc * 3 + index + c->len;
	return c->acc > 1000000 ? 1 : 0;
}

static long add_weight(void *map, __u32 *key, __u64 *value, struct loop_ctx *c)
{
	c->acc += *value * (*key + 1);
	return 0;
}

SEC("xdp")
int xdp_loop(struct xdp_md *ctx)
{
	struct loop_ctx c = { .acc = 1, .len = ctx->data_end - ctx->data };
	long n;

	n = bpf_loop(c.len & 31, step, &c, 0);
	bpf_for_each_map_elem(&weights, add_weight, &c, 0);
	return (c.acc + n) & 3;
}

char LICENSE[] SEC("license") = "GPL";
