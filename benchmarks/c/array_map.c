/* Array-map heavy: a histogram of the first 256 payload bytes in a 64-entry array (one lookup and one
 * increment per byte, bucket = byte & 63), then a second pass of 64 lookups sums the buckets weighted by
 * their index into the payload's first 8 bytes. */
#include "suite.h"

#define BUCKETS 64
#define SAMPLED 256

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, BUCKETS);
} histogram SEC(".maps");

SEC("xdp")
int array_map(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *payload = data + PAYLOAD;
	__u64 weighted = 0;
	__u32 i;

	if (!IN_PACKET(payload, SAMPLED, data_end))
		return XDP_ABORTED;
#pragma clang loop unroll(disable)
	for (i = 0; i < SAMPLED; i++) {
		__u32 bucket = payload[i] & (BUCKETS - 1);
		__u64 *count = bpf_map_lookup_elem(&histogram, &bucket);

		if (!count)
			return XDP_ABORTED;
		*count += 1;
	}
#pragma clang loop unroll(disable)
	for (i = 0; i < BUCKETS; i++) {
		__u32 key = i;
		__u64 *count = bpf_map_lookup_elem(&histogram, &key);

		if (!count)
			return XDP_ABORTED;
		weighted += *count * i;
	}
	*(__u64 *)payload = weighted;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
