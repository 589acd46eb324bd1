/* Bounded loops: a 16-bit one's-complement sum over up to 64 16-bit words of the frame, and a
 * search for the first 0xff byte among the first 32. */
#include "bpf_helpers.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 2);
} results SEC(".maps");

static __always_inline void store(__u32 key, __u32 value)
{
	__u32 *slot = bpf_map_lookup_elem(&results, &key);

	if (slot)
		*slot = value;
}

SEC("xdp")
int xdp_checksum(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	__u16 *word = (void *)(long)ctx->data;
	__u8 *byte = (void *)(long)ctx->data;
	__u32 sum = 0, i;

#pragma clang loop unroll(disable)
	for (i = 0; i < 64; i++) {
		if ((void *)(word + 1) > data_end)
			break;
		sum += *word;
		word++;
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	store(0, sum);
#pragma clang loop unroll(disable)
	for (i = 0; i < 32; i++) {
		if ((void *)(byte + 1) > data_end || *byte == 0xff)
			break;
		byte++;
	}
	store(1, i);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
