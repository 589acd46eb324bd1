/* Spin locks: a map value with a struct bpf_spin_lock, updated under it. */
#include "bpf_helpers.h"

struct locked_stats {
	struct bpf_spin_lock lock;
	__u32 frames;
	__u64 bytes;
	__u64 largest;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct locked_stats);
	__uint(max_entries, 4);
} stats SEC(".maps");

SEC("tc")
int tc_locked(struct __sk_buff *skb)
{
	__u32 key = skb->len & 1;
	struct locked_stats *s, fresh = {};

	s = bpf_map_lookup_elem(&stats, &key);
	if (!s) {
		bpf_map_update_elem(&stats, &key, &fresh, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&stats, &key);
		if (!s)
			return TC_ACT_SHOT;
	}
	bpf_spin_lock(&s->lock);
	s->frames++;
	s->bytes += skb->len;
	if (skb->len > s->largest)
		s->largest = skb->len;
	bpf_spin_unlock(&s->lock);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
