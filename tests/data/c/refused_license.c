/* Refused by the verifier: a GPL-only helper (bpf_trace_printk) in a program that is not GPL. */
#include "bpf_helpers.h"

SEC("xdp")
int xdp_printk(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	bpf_printk("frame of %u bytes", len);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Proprietary";
