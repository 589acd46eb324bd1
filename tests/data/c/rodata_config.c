/* .rodata constants set from Python before load: a struct of settings and a table. */
#include "bpf_helpers.h"

struct settings {
	__u16 min_len;
	__u8 verdict_short;
	__u8 verdict_long;
	__u32 salt;
};

const volatile struct settings settings = {
	.min_len = 60,
	.verdict_short = XDP_DROP,
	.verdict_long = XDP_PASS,
	.salt = 0,
};
const volatile __u32 weights[4] = { 1, 2, 3, 4 };
const volatile char label[8] = "default";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} score SEC(".maps");

SEC("xdp")
int xdp_config(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u32 zero = 0, *s = bpf_map_lookup_elem(&score, &zero);

	if (s)
		*s = weights[len & 3] * 1000 + settings.salt + label[0];
	if (len < settings.min_len)
		return settings.verdict_short;
	return settings.verdict_long;
}

char LICENSE[] SEC("license") = "GPL";
