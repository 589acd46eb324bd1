/* Red-black trees and refcounted objects the verifier refuses (the themes of the kernel's selftests
 * rbtree_fail.c, rbtree_btf_fail__*.c and refcounted_kptr_fail.c; written afresh): each program
 * makes one mistake.  obj_rbtree.c has the programs that load. */
#include "graph_kfuncs.h"

struct node {
	__u64 key;
	struct bpf_rb_node rb;
	__u64 size;
	struct bpf_rb_node spare;
};

struct counted {
	__u64 key;
	struct bpf_rb_node rb;
	struct bpf_refcount ref;
};

struct plain {
	__u64 key;
	__u64 size;
};

struct forest {
	struct bpf_spin_lock lock;
	__u32 count;
	struct bpf_rb_root root __contains(node, rb);
	struct bpf_rb_root counted __contains(counted, rb);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct forest);
	__uint(max_entries, 2);
} forests SEC(".maps");

private(A) struct bpf_spin_lock glock;
private(A) struct bpf_rb_root groot __contains(node, rb);

static __always_inline struct forest *forest_at(__u32 key)
{
	return bpf_map_lookup_elem(&forests, &key);
}

static _Bool less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct node, rb)->key < container_of(b, struct node, rb)->key;
}

static _Bool counted_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct counted, rb)->key < container_of(b, struct counted, rb)->key;
}

static int less_not_bool(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct node, rb)->key - container_of(b, struct node, rb)->key;
}

static _Bool less_calls_first(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	struct forest *f = forest_at(0);

	if (f)
		bpf_rbtree_first(&f->root);
	return 1;
}

static _Bool less_peeks_global(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return bpf_rbtree_first(&groot) != 0;
}

static _Bool less_removes(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	struct bpf_rb_node *r = bpf_rbtree_remove(&groot, a);

	if (r)
		bpf_obj_drop(container_of(r, struct node, rb));
	return 1;
}

#define NEW_NODE(n)                                                                                \
	do {                                                                                       \
		n = bpf_obj_new(struct node);                                                      \
		if (!n)                                                                            \
			return XDP_PASS;                                                           \
	} while (0)

/* Added without the lock. */
SEC("xdp")
int xdp_add_unlocked(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);
	struct node *n;

	if (!f)
		return XDP_PASS;
	NEW_NODE(n);
	bpf_rbtree_add(&f->root, &n->rb, less);
	return XDP_PASS;
}

/* Added under another value's lock. */
SEC("xdp")
int xdp_add_other_lock(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0), *g = forest_at(1);
	struct node *n;

	if (!f || !g)
		return XDP_PASS;
	NEW_NODE(n);
	bpf_spin_lock(&g->lock);
	bpf_rbtree_add(&f->root, &n->rb, less);
	bpf_spin_unlock(&g->lock);
	return XDP_PASS;
}

/* The node read after the unlock (a non-owning reference no more). */
SEC("xdp")
int xdp_read_after_unlock(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);
	struct node *n;

	if (!f)
		return XDP_PASS;
	NEW_NODE(n);
	bpf_spin_lock(&f->lock);
	bpf_rbtree_add(&f->root, &n->rb, less);
	bpf_spin_unlock(&f->lock);
	return n->key;
}

/* The node added twice. */
SEC("xdp")
int xdp_add_twice(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);
	struct node *n;

	if (!f)
		return XDP_PASS;
	NEW_NODE(n);
	bpf_spin_lock(&f->lock);
	bpf_rbtree_add(&f->root, &n->rb, less);
	bpf_rbtree_add(&f->root, &n->rb, less);
	bpf_spin_unlock(&f->lock);
	return XDP_PASS;
}

/* The node's other bpf_rb_node (not the one __contains names). */
SEC("xdp")
int xdp_add_spare_node(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);
	struct node *n;

	if (!f)
		return XDP_PASS;
	NEW_NODE(n);
	bpf_spin_lock(&f->lock);
	bpf_rbtree_add(&f->root, &n->spare, less);
	bpf_spin_unlock(&f->lock);
	return XDP_PASS;
}

/* A node of another struct. */
SEC("xdp")
int xdp_add_stranger(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);
	struct counted *c = bpf_obj_new(struct counted);

	if (!c)
		return XDP_PASS;
	if (!f) {
		bpf_obj_drop(c);
		return XDP_PASS;
	}
	bpf_spin_lock(&f->lock);
	bpf_rbtree_add(&f->root, &c->rb, counted_less);
	bpf_spin_unlock(&f->lock);
	return XDP_PASS;
}

/* A less() that may return 2. */
SEC("xdp")
int xdp_less_not_bool(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);
	struct node *n;

	if (!f)
		return XDP_PASS;
	NEW_NODE(n);
	bpf_spin_lock(&f->lock);
	bpf_rbtree_add(&f->root, &n->rb, (void *)less_not_bool);
	bpf_spin_unlock(&f->lock);
	return XDP_PASS;
}

/* A less() calling bpf_rbtree_first. */
SEC("xdp")
int xdp_less_calls_first(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);
	struct node *n;

	if (!f)
		return XDP_PASS;
	NEW_NODE(n);
	bpf_spin_lock(&f->lock);
	bpf_rbtree_add(&f->root, &n->rb, less_calls_first);
	bpf_spin_unlock(&f->lock);
	return XDP_PASS;
}

/* A less() removing its argument (of a global tree). */
SEC("xdp")
int xdp_less_removes(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);
	struct node *n;

	if (!f)
		return XDP_PASS;
	NEW_NODE(n);
	bpf_spin_lock(&glock);
	bpf_rbtree_add(&groot, &n->rb, less_removes);
	bpf_spin_unlock(&glock);
	return XDP_PASS;
}

/* A less() calling bpf_rbtree_first (of a global tree: no helper call under the lock): loads. */
SEC("xdp")
int xdp_less_peeks(struct xdp_md *ctx)
{
	struct node *n;

	NEW_NODE(n);
	bpf_spin_lock(&glock);
	bpf_rbtree_add(&groot, &n->rb, less_peeks_global);
	bpf_spin_unlock(&glock);
	return XDP_PASS;
}

/* The global tree used the right way (loads). */
SEC("xdp")
int xdp_global_tree(struct xdp_md *ctx)
{
	struct bpf_rb_node *r;
	struct node *n;

	NEW_NODE(n);
	n->key = ctx->data_end - ctx->data;
	bpf_spin_lock(&glock);
	bpf_rbtree_add(&groot, &n->rb, less);
	r = bpf_rbtree_first(&groot);
	if (r)
		r = bpf_rbtree_remove(&groot, r);
	bpf_spin_unlock(&glock);
	if (!r)
		return 0;
	n = container_of(r, struct node, rb);
	bpf_obj_drop(n);
	return 1;
}

/* A map value's field passed as the node to bpf_rbtree_remove. */
SEC("xdp")
int xdp_remove_map_value(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);
	struct bpf_rb_node *r;

	if (!f)
		return XDP_PASS;
	bpf_spin_lock(&f->lock);
	r = bpf_rbtree_remove(&f->root, (struct bpf_rb_node *)&f->count);
	bpf_spin_unlock(&f->lock);
	if (r)
		bpf_obj_drop(container_of(r, struct node, rb));
	return XDP_PASS;
}

/* bpf_rbtree_first without the lock. */
SEC("xdp")
int xdp_first_unlocked(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);
	struct bpf_rb_node *r;

	if (!f)
		return XDP_PASS;
	r = bpf_rbtree_first(&f->root);
	return r ? 1 : 0;
}

/* A removed node never dropped. */
SEC("xdp")
int xdp_remove_leak(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);
	struct bpf_rb_node *r;

	if (!f)
		return XDP_PASS;
	bpf_spin_lock(&f->lock);
	r = bpf_rbtree_first(&f->root);
	if (r)
		r = bpf_rbtree_remove(&f->root, r);
	bpf_spin_unlock(&f->lock);
	return r ? 1 : 0;
}

/* Removing a node the program owns but that is not refcounted. */
SEC("xdp")
int xdp_remove_owned(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);
	struct bpf_rb_node *r;
	struct node *n;

	if (!f)
		return XDP_PASS;
	NEW_NODE(n);
	bpf_spin_lock(&f->lock);
	r = bpf_rbtree_remove(&f->root, &n->rb);
	bpf_spin_unlock(&f->lock);
	if (r)
		bpf_obj_drop(container_of(r, struct node, rb));
	return XDP_PASS;
}

/* bpf_rbtree_left of a node the program owns (not in a tree). */
SEC("xdp")
int xdp_left_of_owned(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);
	struct bpf_rb_node *r;
	struct node *n;

	if (!f)
		return XDP_PASS;
	NEW_NODE(n);
	bpf_spin_lock(&f->lock);
	r = bpf_rbtree_left(&f->root, &n->rb);
	bpf_spin_unlock(&f->lock);
	bpf_obj_drop(n);
	return r ? 1 : 0;
}

/* A bpf_rb_root read directly. */
SEC("xdp")
int xdp_direct_root_read(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);

	if (!f)
		return XDP_PASS;
	return *(__u64 *)&f->root;
}

/* A node's bpf_rb_node written directly. */
SEC("xdp")
int xdp_write_node(struct xdp_md *ctx)
{
	struct node *n;

	NEW_NODE(n);
	*(__u64 *)&n->rb = 1;
	bpf_obj_drop(n);
	return XDP_PASS;
}

/* bpf_refcount_acquire of an object without bpf_refcount. */
SEC("xdp")
int xdp_acquire_plain(struct xdp_md *ctx)
{
	struct plain *p = bpf_obj_new(struct plain), *q;

	if (!p)
		return XDP_PASS;
	q = bpf_refcount_acquire(p);
	if (q)
		bpf_obj_drop(q);
	bpf_obj_drop(p);
	return XDP_PASS;
}

/* bpf_refcount_acquire of an object with special fields but no bpf_refcount. */
SEC("xdp")
int xdp_acquire_uncounted(struct xdp_md *ctx)
{
	struct node *n = bpf_obj_new(struct node), *m;

	if (!n)
		return XDP_PASS;
	m = bpf_refcount_acquire(n);
	if (m)
		bpf_obj_drop(m);
	bpf_obj_drop(n);
	return XDP_PASS;
}

/* The reference bpf_refcount_acquire gives for an owning one is not NULL: used without the check
 * (loads), then dropped twice (refused). */
SEC("xdp")
int xdp_acquire_drop_twice(struct xdp_md *ctx)
{
	struct counted *c = bpf_obj_new(struct counted), *d;

	if (!c)
		return XDP_PASS;
	d = bpf_refcount_acquire(c);
	d->key = 1;
	bpf_obj_drop(d);
	bpf_obj_drop(c);
	bpf_obj_drop(d);
	return XDP_PASS;
}

/* The acquired reference never dropped. */
SEC("xdp")
int xdp_acquire_leak(struct xdp_md *ctx)
{
	struct counted *c = bpf_obj_new(struct counted), *d;

	if (!c)
		return XDP_PASS;
	d = bpf_refcount_acquire(c);
	bpf_obj_drop(c);
	return d ? 1 : 0;
}

/* bpf_refcount_acquire of a non-owning reference after its unlock. */
SEC("xdp")
int xdp_acquire_after_unlock(struct xdp_md *ctx)
{
	struct forest *f = forest_at(0);
	struct counted *c = bpf_obj_new(struct counted), *d;

	if (!c)
		return XDP_PASS;
	if (!f) {
		bpf_obj_drop(c);
		return XDP_PASS;
	}
	bpf_spin_lock(&f->lock);
	bpf_rbtree_add(&f->counted, &c->rb, counted_less);
	bpf_spin_unlock(&f->lock);
	d = bpf_refcount_acquire(c);
	if (d)
		bpf_obj_drop(d);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
