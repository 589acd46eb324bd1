/* bpf-to-bpf calls in a loop: 256 rounds, each calling a subprogram that calls two more (none inlined),
 * over words of the payload; the result is written over the payload's first 8 bytes. */
#include "suite.h"

static __noinline __u64 rotate(__u64 x, __u64 n)
{
	n &= 63;
	return (x << n) | (x >> ((64 - n) & 63));
}

static __noinline __u64 mix(__u64 h, __u64 v)
{
	h ^= v * 0x9e3779b97f4a7c15ULL;
	return rotate(h, v) * 5 + 0xe6546b64;
}

static __noinline __u64 step(__u64 h, __u64 i, __u64 v)
{
	return mix(mix(h, v), i);
}

SEC("xdp")
int calls(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 *words = data + PAYLOAD;
	__u64 h = 0, i;

	if (!IN_PACKET(words, 64, data_end))
		return XDP_ABORTED;
#pragma clang loop unroll(disable)
	for (i = 0; i < 256; i++)
		h = step(h, i, words[i & 7]);
	words[0] = h;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
