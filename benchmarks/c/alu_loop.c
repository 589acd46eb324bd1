/* Pure ALU: 1,024 rounds of a 64-bit mixing function (xorshift, multiply, rotate, add) seeded from the
 * payload's first 8 bytes; the final hash is written back over them and its low bits returned. */
#include "suite.h"

SEC("xdp")
int alu_loop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 *seed = data + PAYLOAD;
	__u64 h, i;

	if (!IN_PACKET(seed, 8, data_end))
		return XDP_ABORTED;
	h = *seed | 1;
#pragma clang loop unroll(disable)
	for (i = 0; i < 1024; i++) {
		h ^= h >> 33;
		h *= 0xff51afd7ed558ccdULL;
		h ^= h << 17;
		h = (h << 31) | (h >> 33);
		h += i ^ 0x9e3779b97f4a7c15ULL;
	}
	*seed = h;
	return (h & 1) ? XDP_PASS : XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
