/* Global variables: .data, .bss, a custom .data.* section, a struct and an array global,
 * and a static (hidden from user space in libbpf's skeleton, still in the map). */
#include "bpf_helpers.h"

struct stats {
	__u64 frames;
	__u32 shortest;
	__u32 longest;
};

struct stats totals = { .shortest = 0xffffffff };
__u32 histogram[8];
__u64 last_seen_len SEC(".data.last") = 0;
int generation = 7;
static volatile __u32 calls;

SEC("xdp")
int xdp_globals(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u32 bucket = len / 16;

	totals.frames++;
	if (len < totals.shortest)
		totals.shortest = len;
	if (len > totals.longest)
		totals.longest = len;
	if (bucket > 7)
		bucket = 7;
	histogram[bucket]++;
	last_seen_len = len;
	calls++;
	return generation;
}

char LICENSE[] SEC("license") = "GPL";
