/* Global functions: each verified once on its own with arguments from its BTF prototype (a
 * context pointer, scalars, memory of the pointee's size that may be NULL), assumed valid at every
 * call; accepted and refused variants, one program each (a load takes one program and its
 * subprograms). */
#include "bpf_helpers.h"

struct pair {
	__u32 a;
	__u32 b;
};

struct wide {
	__u64 words[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pair);
	__uint(max_entries, 4);
} pairs SEC(".maps");

__noinline int pkt_len(struct xdp_md *ctx)
{
	return ctx->data_end - ctx->data;
}

__noinline int mix(__u32 x, __u32 y)
{
	return (x * 31) ^ y;
}

__noinline int sum_pair(struct pair *p)
{
	if (!p)
		return 0;
	return p->a + p->b;
}

__noinline int sum_pair_unchecked(struct pair *p)
{
	return p->a + p->b;
}

__noinline int sum_wide(struct wide *w)
{
	return w ? w->words[7] : 0;
}

__noinline int nested(struct xdp_md *ctx, __u32 seed)
{
	return mix(pkt_len(ctx), seed);
}

__noinline int pick(__u32 i)
{
	__u32 table[4] = { 1, 2, 3, 4 };

	return table[i & 7];
}

__noinline int sum_nonnull(struct pair *p __attribute__((btf_decl_tag("arg:nonnull"))))
{
	return p->a - p->b;
}

__noinline void *not_a_scalar(struct xdp_md *ctx)
{
	return ctx;
}

__noinline int grow(struct xdp_md *ctx)
{
	return bpf_xdp_adjust_head(ctx, -4);
}

__noinline int ctx_tagged(void *ctx __attribute__((btf_decl_tag("arg:ctx"))))
{
	return ((struct xdp_md *)ctx)->ingress_ifindex & 1;
}

__noinline void no_result(struct pair *p)
{
	if (p)
		p->a = 1;
}

__noinline int read_pair_at(struct pair *p, __u32 i)
{
	if (!p)
		return 0;
	return ((__u32 *)p)[i & 1];
}

__noinline int global_step(__u32 i, void *data)
{
	return i > 5;
}

static int step_calls_global(__u32 i, void *data)
{
	return mix(i, 1) & 1;
}

struct locked {
	struct bpf_spin_lock lock;
	__u32 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct locked);
	__uint(max_entries, 1);
} locks SEC(".maps");

SEC("xdp")
int xdp_global_ok(struct xdp_md *ctx)
{
	struct pair p = { .a = 1, .b = 2 };
	__u32 key = 0;
	struct pair *v = bpf_map_lookup_elem(&pairs, &key);

	return (nested(ctx, 7) + sum_pair(&p) + sum_pair(v) + sum_pair(NULL)) & 3;
}

SEC("xdp")
int xdp_global_unchecked(struct xdp_md *ctx)
{
	struct pair p = { .a = 1, .b = 2 };

	return sum_pair_unchecked(&p) & 3;
}

SEC("xdp")
int xdp_global_short_arg(struct xdp_md *ctx)
{
	struct pair p = { .a = 1, .b = 2 };

	return sum_wide((struct wide *)&p) & 3;
}

SEC("xdp")
int xdp_global_unbounded(struct xdp_md *ctx)
{
	return pick(ctx->rx_queue_index) & 3;
}

SEC("xdp")
int xdp_global_nonnull_ok(struct xdp_md *ctx)
{
	struct pair p = { .a = 5, .b = 2 };

	return sum_nonnull(&p) & 3;
}

SEC("xdp")
int xdp_global_nonnull_maybe(struct xdp_md *ctx)
{
	__u32 key = ctx->rx_queue_index;
	struct pair *v = bpf_map_lookup_elem(&pairs, &key);

	return sum_nonnull(v) & 3;
}

SEC("xdp")
int xdp_global_pointer_return(struct xdp_md *ctx)
{
	return not_a_scalar(ctx) != 0;
}

SEC("xdp")
int xdp_global_moves_packet(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 4 > end)
		return XDP_DROP;
	grow(ctx);
	return *(__u8 *)data == 1 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_global_ctx_tag(struct xdp_md *ctx)
{
	return ctx_tagged(ctx) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_global_void(struct xdp_md *ctx)
{
	struct pair p = {};

	no_result(&p);
	return p.a ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_global_packet_arg(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 4 > end)
		return XDP_DROP;
	return read_pair_at(data, 0) & 3;
}

SEC("xdp")
int xdp_global_packet_arg_checked(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + sizeof(struct pair) > end)
		return XDP_DROP;
	return read_pair_at(data, ctx->rx_queue_index) & 3;
}

SEC("xdp")
int xdp_global_under_lock(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &key);
	int n;

	if (!l)
		return XDP_DROP;
	bpf_spin_lock(&l->lock);
	n = mix(l->count, 3);
	bpf_spin_unlock(&l->lock);
	return n & 3;
}

SEC("xdp")
int xdp_global_as_callback(struct xdp_md *ctx)
{
	bpf_loop(10, global_step, NULL, 0);
	return XDP_PASS;
}

SEC("xdp")
int xdp_callback_calls_global(struct xdp_md *ctx)
{
	bpf_loop(10, step_calls_global, NULL, 0);
	return XDP_PASS;
}

SEC("raw_tp/sys_enter")
int raw_void_ctx(void *ctx)
{
	int *nothing = 0;

	return *nothing; /* clang leaves r0 unset: refused, after the main program's prototype note */
}

char LICENSE[] SEC("license") = "GPL";
