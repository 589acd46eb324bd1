/* BPF exceptions with the program's own exception callback (libbpf's __exception_cb: the
 * "exception_callback:<name>" BTF decl tag on the program's FUNC).  An XDP program throws the
 * frame's length from a static function when the frame is short; its callback turns the cookie into
 * an action (XDP_DROP for a cookie below 32, else XDP_ABORTED) and counts it.  A TC program throws a
 * 64-bit cookie from a global function; its callback returns the upper half plus the lower. */
#include "bpf_helpers.h"

#define __exception_cb(name) __attribute__((btf_decl_tag("exception_callback:" #name)))

extern void bpf_throw(__u64 cookie) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} exc_cb_stats SEC(".maps");

__noinline int xdp_exception_cb(__u64 cookie)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&exc_cb_stats, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	return cookie < 32 ? XDP_DROP : XDP_ABORTED;
}

static __noinline int check_len(struct xdp_md *ctx)
{
	__u64 len = ctx->data_end - ctx->data;

	if (len < 60)
		bpf_throw(len);
	return 0;
}

SEC("xdp")
__exception_cb(xdp_exception_cb)
int xdp_throw_cb(struct xdp_md *ctx)
{
	return check_len(ctx) + XDP_PASS;
}

__noinline int tc_exception_cb(__u64 cookie)
{
	return (cookie >> 32) + (__u32)cookie;
}

__noinline int tc_step(struct __sk_buff *skb)
{
	if (skb->len < 100)
		bpf_throw(((__u64)7 << 32) | skb->len);
	return 1;
}

SEC("tc")
__exception_cb(tc_exception_cb)
int tc_throw_cb(struct __sk_buff *skb)
{
	return tc_step(skb) + 1;
}

char _license[] SEC("license") = "GPL";
