/* CO-RE against a BTF named by the user (core_target.o's): a map value read through a struct whose
 * layout the target BTF decides, guarded by a field-existence check. */
#include "bpf_helpers.h"

struct core_probe___local {
	__u32 a;
	__u32 b;
	__u8 flags : 3, level : 5;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u8[24]);
	__uint(max_entries, 1);
} blob SEC(".maps");

__u64 seen[4];

SEC("xdp")
int xdp_core_custom(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct core_probe___local *p = bpf_map_lookup_elem(&blob, &zero);

	if (!p)
		return XDP_ABORTED;
	if (!bpf_core_field_exists(p->a)) {
		seen[0] = 0xee;
		return XDP_DROP;
	}
	seen[0] = p->a;
	seen[1] = p->b;
	seen[2] = BPF_CORE_READ_BITFIELD(p, level);
	seen[3] = bpf_core_field_offset(p->b);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
