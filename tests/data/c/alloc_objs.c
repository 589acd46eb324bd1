/* Program-allocated objects (kfuncs bpf_obj_new_impl / bpf_obj_drop_impl) and local kptrs: an object
 * of the program's own type is allocated, written, read and dropped, or stashed in a map value's
 * __kptr with bpf_kptr_xchg and taken back out by a later run (the themes of the kernel's selftests
 * local_kptr_stash.c; written afresh).  Every program here loads; alloc_objs_refused.c has the
 * mistakes the verifier refuses. */
#include "bpf_helpers.h"

#define __kptr __attribute__((btf_type_tag("kptr")))

extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;

#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)

static void *(*bpf_kptr_xchg)(void *dst, void *ptr) = (void *)194;

struct note {
	__u64 seen;
	__u32 len;
	__u8 bytes[12];
};

struct shelf {
	__u64 stores;
	struct note __kptr *kept;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct shelf);
	__uint(max_entries, 2);
} shelves SEC(".maps");

/* Allocate, fill from the packet's length, read back and drop: the sum of what was written. */
SEC("xdp")
int xdp_obj_round(struct xdp_md *ctx)
{
	struct note *n = bpf_obj_new(struct note);
	__u64 sum;

	if (!n)
		return XDP_ABORTED;
	n->seen = ctx->data_end - ctx->data;
	n->len = 3;
	n->bytes[0] = 7;
	n->bytes[11] = 9;
	sum = n->seen + n->len + n->bytes[0] + n->bytes[11];
	bpf_obj_drop(n);
	return sum > 1000 ? XDP_DROP : XDP_PASS;
}

/* Stash a new note in slot 0 when it is empty (its length recorded), else take the stashed one out,
 * count it and drop it: runs alternate between 1 (stored) and 2 (taken back). */
SEC("xdp")
int xdp_stash_take(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct shelf *s = bpf_map_lookup_elem(&shelves, &key);
	struct note *n, *old;

	if (!s)
		return XDP_ABORTED;
	old = bpf_kptr_xchg(&s->kept, NULL);
	if (old) {
		s->stores += old->seen;
		bpf_obj_drop(old);
		return 2;
	}
	n = bpf_obj_new(struct note);
	if (!n)
		return XDP_ABORTED;
	n->seen = ctx->data_end - ctx->data;
	old = bpf_kptr_xchg(&s->kept, n);
	if (old)
		bpf_obj_drop(old);
	return 1;
}

/* The stashed note read in place (an RCU pointer of the program's own type, maybe NULL): its length
 * field, or 0 without one. */
SEC("xdp")
int xdp_peek_stash(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct shelf *s = bpf_map_lookup_elem(&shelves, &key);
	struct note *n;

	if (!s)
		return XDP_ABORTED;
	n = s->kept;
	if (!n)
		return 0;
	return n->seen & 0xff;
}

char LICENSE[] SEC("license") = "GPL";
