/* Several programs in one section, others in xdp.frags, socket and tc sections, and a version section. */
#include "bpf_helpers.h"

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int xdp_drop_short(struct xdp_md *ctx)
{
	return ctx->data_end - ctx->data < 64 ? XDP_DROP : XDP_PASS;
}

SEC("xdp.frags")
int xdp_frags_len(struct xdp_md *ctx)
{
	return (ctx->data_end - ctx->data) & 3;
}

SEC("socket")
int socket_len(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("classifier")
int cls_mark(struct __sk_buff *skb)
{
	skb->mark = skb->len;
	return TC_ACT_OK;
}

__u32 _version SEC("version") = 0x061200;
char LICENSE[] SEC("license") = "Dual BSD/GPL";
