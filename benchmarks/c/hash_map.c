/* Hash-map heavy: a flow table.  The payload is read as 64 flow keys (source and destination address and
 * ports, 12 bytes, overlapping by 4); each is looked up in a 1,024-entry hash map and its packet and byte
 * counters bumped, or inserted when missing. */
#include "suite.h"

#define FLOWS 64

struct flow_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
};

struct flow_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct flow_key);
	__type(value, struct flow_stats);
	__uint(max_entries, 1024);
} flows SEC(".maps");

SEC("xdp")
int hash_map(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *payload = data + PAYLOAD;
	__u32 i, inserted = 0;

	if (!IN_PACKET(payload, FLOWS * 8 + 4, data_end))
		return XDP_ABORTED;
#pragma clang loop unroll(disable)
	for (i = 0; i < FLOWS; i++) {
		struct flow_key key;
		struct flow_stats *stats;

		__builtin_memcpy(&key, payload + i * 8, sizeof(key));
		key.sport &= 0x0f0f; /* a few thousand distinct keys at most */
		key.saddr &= 0x0300ff00;
		key.daddr = 0;
		stats = bpf_map_lookup_elem(&flows, &key);
		if (stats) {
			stats->packets += 1;
			stats->bytes += i + 64;
		} else {
			struct flow_stats fresh = { 1, i + 64 };

			bpf_map_update_elem(&flows, &key, &fresh, BPF_NOEXIST);
			inserted++;
		}
	}
	*(__u32 *)payload = inserted;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
