/* freplace (BPF_PROG_TYPE_EXT) programs for freplace_target.o: replacements for its global functions,
 * matching and mismatching prototypes (the attach target is set before load). */
#include "bpf_helpers.h"

SEC("freplace/xdp_verdict")
int new_xdp_verdict(struct xdp_md *ctx)
{
	return XDP_TX;
}

SEC("freplace/mix")
int new_mix(__u32 x, __u32 y)
{
	return x + y;
}

SEC("freplace/mix")
int mix_short(__u32 x)
{
	return x;
}

SEC("freplace/tc_verdict")
int new_tc_verdict(struct __sk_buff *skb)
{
	return skb->len > 10 ? 1 : 0;
}

SEC("freplace/xdp_verdict")
int bad_ctx_read(struct xdp_md *ctx)
{
	return ctx->data_meta & 3;
}

SEC("freplace/tc_verdict")
int grows_packet(struct __sk_buff *skb)
{
	__u32 zero = 0;

	return bpf_skb_store_bytes(skb, 0, &zero, sizeof(zero), 0) ? 0 : 2;
}

SEC("freplace/xdp_grows")
int grows_packet_too(struct xdp_md *ctx)
{
	return bpf_xdp_adjust_head(ctx, 0) ? XDP_DROP : XDP_PASS;
}

SEC("freplace/tp_helper")
int new_tp_helper(__u64 preempt)
{
	return 2;
}

char LICENSE[] SEC("license") = "GPL";
