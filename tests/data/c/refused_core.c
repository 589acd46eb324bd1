/* Refused by the verifier: an unguarded read of a field the kernel's struct does not have, so the
 * CO-RE relocation fails and the load names the C line. */
#include "bpf_helpers.h"

struct xdp_md___old {
	__u32 data;
	__u32 data_end;
	__u32 rx_flags;
} __attribute__((preserve_access_index));

SEC("xdp")
int xdp_old_field(struct xdp_md___old *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	if (ctx->rx_flags & 1)
		return XDP_DROP;
	return len > 64 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
