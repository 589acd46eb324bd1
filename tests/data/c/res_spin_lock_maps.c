/* Map values the kernel will not give a resilient spin lock record (btf_parse_fields(): a value
 * holding both a bpf_spin_lock and a bpf_res_spin_lock is EINVAL, two resilient locks E2BIG).  The
 * map creation with BTF fails and the loader creates the map without it, as libbpf does, so each
 * program's lock is then refused: "map '%s' has to have BTF in order to use bpf_res_spin_lock". */
#include "bpf_helpers.h"

struct bpf_res_spin_lock {
	__u32 val;
};

extern int bpf_res_spin_lock(struct bpf_res_spin_lock *lock) __ksym;
extern void bpf_res_spin_unlock(struct bpf_res_spin_lock *lock) __ksym;

struct both_kinds {
	struct bpf_spin_lock plain;
	struct bpf_res_spin_lock resilient;
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct both_kinds);
	__uint(max_entries, 1);
} mixed SEC(".maps");

struct two_resilient {
	__u64 count;
	struct bpf_res_spin_lock first;
	struct bpf_res_spin_lock second;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct two_resilient);
	__uint(max_entries, 1);
} doubled SEC(".maps");

SEC("tc")
int mixed_resilient(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct both_kinds *v = bpf_map_lookup_elem(&mixed, &k);

	if (!v)
		return 0;
	if (bpf_res_spin_lock(&v->resilient))
		return 0;
	v->count++;
	bpf_res_spin_unlock(&v->resilient);
	return 1;
}

SEC("tc")
int mixed_plain(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct both_kinds *v = bpf_map_lookup_elem(&mixed, &k);

	if (!v)
		return 0;
	bpf_spin_lock(&v->plain);
	v->count++;
	bpf_spin_unlock(&v->plain);
	return 1;
}

SEC("tc")
int doubled_first(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct two_resilient *v = bpf_map_lookup_elem(&doubled, &k);

	if (!v)
		return 0;
	if (bpf_res_spin_lock(&v->first))
		return 0;
	v->count++;
	bpf_res_spin_unlock(&v->first);
	return 1;
}

char _license[] SEC("license") = "GPL";
