/* Lists of program-allocated objects the verifier refuses (the themes of the kernel's selftests
 * linked_list_fail.c; written afresh): each program makes one mistake.  obj_lists.c has the
 * programs that load. */
#include "bpf_helpers.h"

struct bpf_list_head {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

struct bpf_list_node {
	__u64 __opaque[3];
} __attribute__((aligned(8)));

#define __contains(name, node) __attribute__((btf_decl_tag("contains:" #name ":" #node)))
#define container_of(ptr, type, member) ((type *)((void *)(ptr) - __builtin_offsetof(type, member)))

extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;
extern int bpf_list_push_front_impl(struct bpf_list_head *head, struct bpf_list_node *node, void *meta,
				    __u64 off) __ksym;
extern int bpf_list_push_back_impl(struct bpf_list_head *head, struct bpf_list_node *node, void *meta,
				   __u64 off) __ksym;
extern struct bpf_list_node *bpf_list_pop_front(struct bpf_list_head *head) __ksym;
extern struct bpf_list_node *bpf_list_pop_back(struct bpf_list_head *head) __ksym;
extern struct bpf_list_node *bpf_list_front(struct bpf_list_head *head) __ksym;
extern struct bpf_list_node *bpf_list_back(struct bpf_list_head *head) __ksym;

#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)
#define bpf_list_push_front(head, node) bpf_list_push_front_impl(head, node, NULL, 0)
#define bpf_list_push_back(head, node) bpf_list_push_back_impl(head, node, NULL, 0)


struct entry {
	__u64 key;
	struct bpf_list_node node;
	__u64 size;
	struct bpf_list_node spare;
};

struct stranger {
	__u64 key;
	struct bpf_list_node node;
};

struct queue {
	struct bpf_spin_lock lock;
	__u32 count;
	struct bpf_list_head items __contains(entry, node);
	__u64 total;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct queue);
	__uint(max_entries, 2);
} queues SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct queue);
	__uint(max_entries, 1);
} others SEC(".maps");

static __always_inline struct queue *queue_at(void *map, __u32 key)
{
	return bpf_map_lookup_elem(map, &key);
}

/* Pushed without the lock. */
SEC("xdp")
int xdp_push_unlocked(struct xdp_md *ctx)
{
	struct queue *q = queue_at(&queues, 0);
	struct entry *e;

	if (!q)
		return XDP_PASS;
	e = bpf_obj_new(struct entry);
	if (!e)
		return XDP_PASS;
	bpf_list_push_back(&q->items, &e->node);
	return XDP_PASS;
}

/* Popped without the lock. */
SEC("xdp")
int xdp_pop_unlocked(struct xdp_md *ctx)
{
	struct queue *q = queue_at(&queues, 0);
	struct bpf_list_node *n;

	if (!q)
		return XDP_PASS;
	n = bpf_list_pop_front(&q->items);
	if (n)
		bpf_obj_drop(container_of(n, struct entry, node));
	return XDP_PASS;
}

/* The lock of another map value is held. */
SEC("xdp")
int xdp_push_other_lock(struct xdp_md *ctx)
{
	struct queue *q = queue_at(&queues, 0), *o = queue_at(&others, 0);
	struct entry *e;

	if (!q || !o)
		return XDP_PASS;
	e = bpf_obj_new(struct entry);
	if (!e)
		return XDP_PASS;
	bpf_spin_lock(&o->lock);
	bpf_list_push_back(&q->items, &e->node);
	bpf_spin_unlock(&o->lock);
	return XDP_PASS;
}

/* The pushed object is read after the unlock: its non-owning reference is gone. */
SEC("xdp")
int xdp_read_after_unlock(struct xdp_md *ctx)
{
	struct queue *q = queue_at(&queues, 0);
	struct entry *e;

	if (!q)
		return XDP_PASS;
	e = bpf_obj_new(struct entry);
	if (!e)
		return XDP_PASS;
	bpf_spin_lock(&q->lock);
	bpf_list_push_back(&q->items, &e->node);
	bpf_spin_unlock(&q->lock);
	return e->size;
}

/* Pushed twice: the second time it is no owned object. */
SEC("xdp")
int xdp_push_twice(struct xdp_md *ctx)
{
	struct queue *q = queue_at(&queues, 0);
	struct entry *e;

	if (!q)
		return XDP_PASS;
	e = bpf_obj_new(struct entry);
	if (!e)
		return XDP_PASS;
	bpf_spin_lock(&q->lock);
	bpf_list_push_back(&q->items, &e->node);
	bpf_list_push_front(&q->items, &e->node);
	bpf_spin_unlock(&q->lock);
	return XDP_PASS;
}

/* An object of another struct pushed. */
SEC("xdp")
int xdp_push_stranger(struct xdp_md *ctx)
{
	struct queue *q = queue_at(&queues, 0);
	struct stranger *s;

	if (!q)
		return XDP_PASS;
	s = bpf_obj_new(struct stranger);
	if (!s)
		return XDP_PASS;
	bpf_spin_lock(&q->lock);
	bpf_list_push_back(&q->items, &s->node);
	bpf_spin_unlock(&q->lock);
	return XDP_PASS;
}

/* Pushed by the node the list does not hold. */
SEC("xdp")
int xdp_push_spare_node(struct xdp_md *ctx)
{
	struct queue *q = queue_at(&queues, 0);
	struct entry *e;

	if (!q)
		return XDP_PASS;
	e = bpf_obj_new(struct entry);
	if (!e)
		return XDP_PASS;
	bpf_spin_lock(&q->lock);
	bpf_list_push_back(&q->items, &e->spare);
	bpf_spin_unlock(&q->lock);
	return XDP_PASS;
}

/* What was popped is neither dropped nor pushed back. */
SEC("xdp")
int xdp_pop_leak(struct xdp_md *ctx)
{
	struct queue *q = queue_at(&queues, 0);
	struct bpf_list_node *n;

	if (!q)
		return XDP_PASS;
	bpf_spin_lock(&q->lock);
	n = bpf_list_pop_front(&q->items);
	bpf_spin_unlock(&q->lock);
	return n ? XDP_DROP : XDP_PASS;
}

/* Dropped while the lock is held. */
SEC("xdp")
int xdp_drop_locked(struct xdp_md *ctx)
{
	struct queue *q = queue_at(&queues, 0);
	struct bpf_list_node *n;

	if (!q)
		return XDP_PASS;
	bpf_spin_lock(&q->lock);
	n = bpf_list_pop_front(&q->items);
	if (n)
		bpf_obj_drop(container_of(n, struct entry, node));
	bpf_spin_unlock(&q->lock);
	return XDP_PASS;
}

/* The head's bytes read directly. */
SEC("xdp")
int xdp_read_head(struct xdp_md *ctx)
{
	struct queue *q = queue_at(&queues, 0);

	if (!q)
		return XDP_PASS;
	return *(__u64 *)&q->items != 0;
}

/* Something that is no head passed as one. */
SEC("xdp")
int xdp_pop_not_a_head(struct xdp_md *ctx)
{
	struct queue *q = queue_at(&queues, 0);
	struct bpf_list_node *n;

	if (!q)
		return XDP_PASS;
	bpf_spin_lock(&q->lock);
	n = bpf_list_pop_front((struct bpf_list_head *)&q->total);
	bpf_spin_unlock(&q->lock);
	if (n)
		bpf_obj_drop(container_of(n, struct entry, node));
	return XDP_PASS;
}

/* The front node dropped: a non-owning reference is no owned object. */
SEC("xdp")
int xdp_drop_front(struct xdp_md *ctx)
{
	struct queue *q = queue_at(&queues, 0);
	struct bpf_list_node *n;

	if (!q)
		return XDP_PASS;
	bpf_spin_lock(&q->lock);
	n = bpf_list_front(&q->items);
	bpf_spin_unlock(&q->lock);
	if (n)
		bpf_obj_drop(container_of(n, struct entry, node));
	return XDP_PASS;
}

/* An object's list node written directly. */
SEC("xdp")
int xdp_write_node(struct xdp_md *ctx)
{
	struct entry *e = bpf_obj_new(struct entry);

	if (!e)
		return XDP_PASS;
	*(__u64 *)&e->node = 0;
	bpf_obj_drop(e);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
