/* A target for freplace (BPF_PROG_TYPE_EXT) programs: an XDP, a TC and a tp_btf program whose global
 * functions (BTF linkage global) an EXT program may replace, and a static one it may not. */
#include "bpf_helpers.h"

__noinline int xdp_verdict(struct xdp_md *ctx)
{
	return ctx->data_end - ctx->data > 100 ? XDP_DROP : XDP_PASS;
}

__noinline int mix(__u32 x, __u32 y)
{
	return (x * 31) ^ y;
}

static __noinline int hidden(struct xdp_md *ctx)
{
	return ctx->ingress_ifindex & 1;
}

__noinline int xdp_grows(struct xdp_md *ctx)
{
	return bpf_xdp_adjust_head(ctx, 0) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_target(struct xdp_md *ctx)
{
	int verdict = xdp_verdict(ctx);

	if (mix(ctx->rx_queue_index + 1, 6) == 7) /* only once new_mix (x + y) replaces mix */
		return XDP_DROP;
	if (hidden(ctx) && ctx->rx_queue_index == 9)
		return XDP_ABORTED;
	if (xdp_grows(ctx) == XDP_DROP)
		return XDP_DROP;
	return verdict;
}

__noinline int tc_verdict(struct __sk_buff *skb)
{
	return skb->len > 100 ? 2 : 0;
}

SEC("tc")
int tc_target(struct __sk_buff *skb)
{
	return tc_verdict(skb);
}

__noinline int tp_helper(__u64 preempt)
{
	return preempt ? 1 : 0;
}

SEC("tp_btf/sched_switch")
int tp_target(__u64 *ctx)
{
	return tp_helper(ctx[0]);
}

char LICENSE[] SEC("license") = "GPL";
