/* bpf-to-bpf calls: static and global subprograms in .text, nested, shared by two programs that
 * use them in a different order (each gets its own copies, placed where it first calls them). */
#include "bpf_helpers.h"

static __noinline __u32 fold(__u32 x)
{
	return (x >> 16) ^ (x & 0xffff);
}

static __noinline __u32 mix(__u32 a, __u32 b)
{
	return fold(a * 31 + b);
}

__noinline int frame_len(struct xdp_md *ctx)
{
	if (!ctx)
		return 0;
	return ctx->data_end - ctx->data;
}

static __noinline __u32 weigh(__u32 len)
{
	return len > 100 ? mix(len, 7) : fold(len);
}

SEC("xdp")
int xdp_calls_a(struct xdp_md *ctx)
{
	__u32 len = frame_len(ctx);

	return (mix(len, 3) + weigh(len)) & 3;
}

SEC("xdp")
int xdp_calls_b(struct xdp_md *ctx)
{
	__u32 len = frame_len(ctx);

	return (weigh(len) ^ fold(len)) & 3;
}

char LICENSE[] SEC("license") = "GPL";
