/* Program-allocated objects the verifier refuses (the themes of the kernel's selftests
 * local_kptr_stash_fail.c and the bpf_obj_new rules; written afresh): each program makes one mistake.
 * alloc_objs.c has the programs that load. */
#include "bpf_helpers.h"

#define __kptr __attribute__((btf_type_tag("kptr")))

extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;

#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)

static void *(*bpf_kptr_xchg)(void *dst, void *ptr) = (void *)194;

struct item {
	__u64 value;
	__u32 tag;
	__u32 mark;
	__u64 more;
};

struct other {
	__u64 a, b;
};

union either {
	__u64 whole;
	__u32 half;
};

struct slot {
	struct item __kptr *it;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct slot);
	__uint(max_entries, 1);
} slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} plain SEC(".maps");

/* The object is neither dropped nor stashed: a reference leak at the exit. */
SEC("xdp")
int xdp_leak_object(struct xdp_md *ctx)
{
	struct item *it = bpf_obj_new(struct item);

	if (!it)
		return XDP_PASS;
	it->value = 1;
	return XDP_DROP;
}

/* Used without the NULL check. */
SEC("xdp")
int xdp_unchecked_object(struct xdp_md *ctx)
{
	struct item *it = bpf_obj_new(struct item);

	it->value = 1;
	bpf_obj_drop(it);
	return XDP_PASS;
}

/* Dropped twice: the second drop has no reference left (the first made the pointer a scalar). */
SEC("xdp")
int xdp_double_drop(struct xdp_md *ctx)
{
	struct item *it = bpf_obj_new(struct item);

	if (!it)
		return XDP_PASS;
	bpf_obj_drop(it);
	bpf_obj_drop(it);
	return XDP_PASS;
}

/* Used after the drop. */
SEC("xdp")
int xdp_use_after_drop(struct xdp_md *ctx)
{
	struct item *it = bpf_obj_new(struct item);

	if (!it)
		return XDP_PASS;
	bpf_obj_drop(it);
	return it->tag;
}

/* A map value is no allocated object. */
SEC("xdp")
int xdp_drop_map_value(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&plain, &key);

	if (v)
		bpf_obj_drop(v);
	return XDP_PASS;
}

/* Written past its end. */
SEC("xdp")
int xdp_write_past_object(struct xdp_md *ctx)
{
	struct item *it = bpf_obj_new(struct item);

	if (!it)
		return XDP_PASS;
	((__u64 *)it)[3] = 1;
	bpf_obj_drop(it);
	return XDP_PASS;
}

/* A union is no struct. */
SEC("xdp")
int xdp_new_union(struct xdp_md *ctx)
{
	union either *e = bpf_obj_new(union either);

	if (e)
		bpf_obj_drop(e);
	return XDP_PASS;
}

/* The type id is no constant. */
SEC("xdp")
int xdp_new_variable_type(struct xdp_md *ctx)
{
	struct item *it = bpf_obj_new_impl(ctx->rx_queue_index, NULL);

	if (it)
		bpf_obj_drop(it);
	return XDP_PASS;
}

/* An object of another type stashed in the kptr. */
SEC("xdp")
int xdp_stash_wrong_type(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct slot *s = bpf_map_lookup_elem(&slots, &key);
	struct other *o;

	if (!s)
		return XDP_PASS;
	o = bpf_obj_new(struct other);
	if (!o)
		return XDP_PASS;
	o = bpf_kptr_xchg(&s->it, o);
	if (o)
		bpf_obj_drop(o);
	return XDP_PASS;
}

/* Dropped at an offset into it. */
SEC("xdp")
int xdp_drop_moved_pointer(struct xdp_md *ctx)
{
	struct item *it = bpf_obj_new(struct item);

	if (!it)
		return XDP_PASS;
	bpf_obj_drop(&it->tag);
	return XDP_PASS;
}

/* A kptr is read, not exchanged, and dropped: the read pointer holds no reference. */
SEC("xdp")
int xdp_drop_read_kptr(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct slot *s = bpf_map_lookup_elem(&slots, &key);
	struct item *it;

	if (!s)
		return XDP_PASS;
	it = s->it;
	if (it)
		bpf_obj_drop(it);
	return XDP_PASS;
}

/* Eight bytes read across two members (the walk of the struct refuses it, as for a kernel struct). */
SEC("xdp")
int xdp_read_across_members(struct xdp_md *ctx)
{
	struct item *it = bpf_obj_new(struct item);
	__u64 both;

	if (!it)
		return XDP_PASS;
	both = *(volatile __u64 *)((char *)it + 12);
	bpf_obj_drop(it);
	return both;
}

char LICENSE[] SEC("license") = "GPL";
