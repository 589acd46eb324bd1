/* Red-black trees of program-allocated objects (bpf_rb_root / bpf_rb_node with __contains, kfuncs
 * bpf_rbtree_add_impl with its less() callback, bpf_rbtree_first, bpf_rbtree_remove and Linux
 * 6.18's bpf_rbtree_root / bpf_rbtree_left / bpf_rbtree_right) in a map value beside the
 * bpf_spin_lock that guards them, and refcounted objects (bpf_refcount, bpf_refcount_acquire) in a
 * tree and a list at once (the themes of the kernel's selftests rbtree.c and refcounted_kptr.c;
 * written afresh).  Every program here loads; obj_rbtree_refused.c has the mistakes the verifier
 * refuses. */
#include "graph_kfuncs.h"

struct node {
	__u64 key;
	struct bpf_rb_node rb;
	__u64 size;
};

struct forest {
	struct bpf_spin_lock lock;
	__u32 count;
	struct bpf_rb_root root __contains(node, rb);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct forest);
	__uint(max_entries, 1);
} forests SEC(".maps");

struct shared {
	__u64 key;
	struct bpf_rb_node rb;
	struct bpf_list_node link;
	struct bpf_refcount ref;
};

struct both {
	struct bpf_spin_lock lock;
	struct bpf_rb_root tree __contains(shared, rb);
	struct bpf_list_head list __contains(shared, link);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct both);
	__uint(max_entries, 1);
} boths SEC(".maps");

static __always_inline struct forest *the_forest(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&forests, &key);
}

static _Bool less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	struct node *x = container_of(a, struct node, rb);
	struct node *y = container_of(b, struct node, rb);

	return x->key < y->key;
}

static _Bool shared_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct shared, rb)->key < container_of(b, struct shared, rb)->key;
}

/* Each packet's length goes into the tree under the key (length * 37) % 101; once it holds four, the
 * smallest key leaves and its length is the answer (else 0). */
SEC("xdp")
int xdp_tree_sort(struct xdp_md *ctx)
{
	struct forest *f = the_forest();
	struct bpf_rb_node *first;
	struct node *n;
	__u64 out = 0;

	if (!f)
		return XDP_ABORTED;
	n = bpf_obj_new(struct node);
	if (!n)
		return XDP_ABORTED;
	n->size = ctx->data_end - ctx->data;
	n->key = (n->size * 37) % 101;
	bpf_spin_lock(&f->lock);
	bpf_rbtree_add(&f->root, &n->rb, less);
	f->count++;
	first = NULL;
	if (f->count > 4) {
		first = bpf_rbtree_first(&f->root);
		if (first) {
			first = bpf_rbtree_remove(&f->root, first);
			if (first)
				f->count--;
		}
	}
	bpf_spin_unlock(&f->lock);
	if (first) {
		n = container_of(first, struct node, rb);
		out = n->size;
		bpf_obj_drop(n);
	}
	return out;
}

/* The packet's length goes into the tree under the key (length * 37) % 101 (nothing leaves): the
 * answer is the tree's size. */
SEC("xdp")
int xdp_tree_grow(struct xdp_md *ctx)
{
	struct forest *f = the_forest();
	struct node *n;
	__u32 count;

	if (!f)
		return XDP_ABORTED;
	n = bpf_obj_new(struct node);
	if (!n)
		return XDP_ABORTED;
	n->size = ctx->data_end - ctx->data;
	n->key = (n->size * 37) % 101;
	bpf_spin_lock(&f->lock);
	bpf_rbtree_add(&f->root, &n->rb, less);
	count = ++f->count;
	bpf_spin_unlock(&f->lock);
	return count;
}

/* The root node taken out (a node with two children, mostly: its successor takes its place and the
 * tree is rebalanced): its key, or 0 for an empty tree. */
SEC("xdp")
int xdp_tree_cut(struct xdp_md *ctx)
{
	struct forest *f = the_forest();
	struct bpf_rb_node *r;
	__u64 out = 0;

	if (!f)
		return XDP_ABORTED;
	bpf_spin_lock(&f->lock);
	r = bpf_rbtree_root(&f->root);
	if (r)
		r = bpf_rbtree_remove(&f->root, r);
	if (r)
		f->count--;
	bpf_spin_unlock(&f->lock);
	if (!r)
		return 0;
	out = container_of(r, struct node, rb)->key;
	bpf_obj_drop(container_of(r, struct node, rb));
	return out;
}

/* The smallest key by walking left from the root (Linux 6.18's bpf_rbtree_root / bpf_rbtree_left),
 * plus 1000 times the depth of that walk; 0 for an empty tree. */
SEC("xdp")
int xdp_tree_walk(struct xdp_md *ctx)
{
	struct forest *f = the_forest();
	struct bpf_rb_node *at, *next;
	__u64 out = 0;
	int depth;

	if (!f)
		return XDP_ABORTED;
	bpf_spin_lock(&f->lock);
	at = bpf_rbtree_root(&f->root);
	for (depth = 0; at && depth < 6; depth++) {
		next = bpf_rbtree_left(&f->root, at);
		if (!next)
			break;
		at = next;
	}
	if (at)
		out = container_of(at, struct node, rb)->key + 1000 * depth;
	bpf_spin_unlock(&f->lock);
	return out;
}

/* The largest key: right from the root as far as it goes (at most 6 steps). */
SEC("xdp")
int xdp_tree_max(struct xdp_md *ctx)
{
	struct forest *f = the_forest();
	struct bpf_rb_node *at, *next;
	__u64 out = 0;
	int depth;

	if (!f)
		return XDP_ABORTED;
	bpf_spin_lock(&f->lock);
	at = bpf_rbtree_root(&f->root);
	for (depth = 0; at && depth < 6; depth++) {
		next = bpf_rbtree_right(&f->root, at);
		if (!next)
			break;
		at = next;
	}
	if (at)
		out = container_of(at, struct node, rb)->key;
	bpf_spin_unlock(&f->lock);
	return out;
}

/* Drains the tree in key order, at most 8 nodes: the sum of key * position. */
SEC("xdp")
int xdp_tree_drain(struct xdp_md *ctx)
{
	struct forest *f = the_forest();
	struct bpf_rb_node *at;
	__u64 out = 0;
	int i;

	if (!f)
		return XDP_ABORTED;
	for (i = 1; i <= 8; i++) {
		bpf_spin_lock(&f->lock);
		at = bpf_rbtree_first(&f->root);
		if (at)
			at = bpf_rbtree_remove(&f->root, at);
		if (at)
			f->count--;
		bpf_spin_unlock(&f->lock);
		if (!at)
			break;
		out += container_of(at, struct node, rb)->key * i;
		bpf_obj_drop(container_of(at, struct node, rb));
	}
	return out;
}

/* A refcounted object in the tree and in the list at once: a second reference (bpf_refcount_acquire)
 * for the list; then the list's front one is popped and, through that owning reference, removed
 * from the tree too (a refcounted node may be removed by an owning reference).  The answer: the
 * popped key * 10 + how many of the two removals found it (the object freed once both are dropped). */
SEC("xdp")
int xdp_refcounted(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct both *b = bpf_map_lookup_elem(&boths, &key);
	struct bpf_list_node *l;
	struct bpf_rb_node *r = NULL;
	struct shared *s, *m;
	__u64 out = 0;

	if (!b)
		return XDP_ABORTED;
	s = bpf_obj_new(struct shared);
	if (!s)
		return XDP_ABORTED;
	s->key = ctx->data_end - ctx->data;
	m = bpf_refcount_acquire(s);
	bpf_spin_lock(&b->lock);
	bpf_rbtree_add(&b->tree, &s->rb, shared_less);
	if (m)
		bpf_list_push_back(&b->list, &m->link);
	l = bpf_list_pop_front(&b->list);
	bpf_spin_unlock(&b->lock);
	if (!l)
		return 1;
	s = container_of(l, struct shared, link);
	out = s->key * 10 + 1;
	bpf_spin_lock(&b->lock);
	r = bpf_rbtree_remove(&b->tree, &s->rb);
	bpf_spin_unlock(&b->lock);
	if (r) {
		out++;
		bpf_obj_drop(container_of(r, struct shared, rb));
	}
	bpf_obj_drop(s);
	return out;
}

char LICENSE[] SEC("license") = "GPL";
