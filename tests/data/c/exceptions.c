/* BPF exceptions with the default exception callback (kfunc bpf_throw): an XDP program that counts
 * every frame, then throws from two static functions deep when the frame is short or not IPv4 (the
 * cookie, XDP_DROP or XDP_ABORTED, is what the program returns), and a TC program that throws the
 * frame's length class from a function it calls in a loop.  What was counted before a throw stays
 * counted: a throw unwinds frames, it does not undo stores. */
#include "bpf_helpers.h"

extern void bpf_throw(__u64 cookie) __ksym;

enum { FRAMES, SHORT, NOT_IPV4, PASSED, TC_SEEN, TC_DONE, STATS };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STATS);
	__type(key, __u32);
	__type(value, __u64);
} exc_stats SEC(".maps");

static __always_inline void count(__u32 key)
{
	__u64 *v = bpf_map_lookup_elem(&exc_stats, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __noinline int check_proto(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	unsigned char *eth = data;

	if (data + 14 > data_end) {
		count(SHORT);
		bpf_throw(XDP_DROP);
	}
	if (eth[12] != 0x08 || eth[13] != 0x00) {
		count(NOT_IPV4);
		bpf_throw(XDP_ABORTED);
	}
	return 0;
}

static __noinline int check_frame(struct xdp_md *ctx)
{
	if (ctx->data_end - ctx->data < 60) {
		count(SHORT);
		bpf_throw(XDP_DROP);
	}
	return check_proto(ctx) + 1;
}

SEC("xdp")
int xdp_throw(struct xdp_md *ctx)
{
	count(FRAMES);
	if (check_frame(ctx) != 1)
		return XDP_TX;
	count(PASSED);
	return XDP_PASS;
}

static __noinline int step(struct __sk_buff *skb, int i)
{
	if (i * 64 >= skb->len)
		bpf_throw(i);
	return 1;
}

SEC("tc")
int tc_throw(struct __sk_buff *skb)
{
	int total = 0;

	count(TC_SEEN);
	for (int i = 0; i < 4; i++)
		total += step(skb, i);
	count(TC_DONE);
	return total + 16;
}

char LICENSE[] SEC("license") = "GPL";
