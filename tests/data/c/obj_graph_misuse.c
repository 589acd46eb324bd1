/* Objects owned by more than one graph, non-owning references and stashed kptrs, on the themes of the
 * kernel's selftests refcounted_kptr_fail.c, linked_list_fail.c, rbtree_fail.c and
 * local_kptr_stash_fail.c (written afresh): a refcounted node in a tree and a list under one lock,
 * what a non-owning reference allows inside and outside the critical section, locks of another map
 * value, and objects stashed into a map value with bpf_kptr_xchg.  Programs named ok_* load; every
 * other program makes one mistake. */
#include "graph_kfuncs.h"

struct item {
	__u64 key;
	struct bpf_rb_node rb;
	struct bpf_list_node ln;
	struct bpf_refcount ref;
};

struct lone {
	__u64 key;
	struct bpf_rb_node rb;
};

struct shelf {
	struct bpf_spin_lock lock;
	struct bpf_rb_root tree __contains(item, rb);
	struct bpf_list_head list __contains(item, ln);
	struct item __kptr *stash;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct shelf);
	__uint(max_entries, 2);
} shelves SEC(".maps");

static __always_inline struct shelf *shelf_at(__u32 key)
{
	return bpf_map_lookup_elem(&shelves, &key);
}

static _Bool item_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct item, rb)->key < container_of(b, struct item, rb)->key;
}

/* One refcounted item in the tree and in the list. */
SEC("xdp")
int ok_tree_and_list(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct item *n, *m;

	if (!s)
		return XDP_PASS;
	n = bpf_obj_new(struct item);
	if (!n)
		return XDP_PASS;
	m = bpf_refcount_acquire(n);
	if (!m) {
		bpf_obj_drop(n);
		return XDP_PASS;
	}
	bpf_spin_lock(&s->lock);
	bpf_rbtree_add(&s->tree, &n->rb, item_less);
	bpf_list_push_back(&s->list, &m->ln);
	bpf_spin_unlock(&s->lock);
	return XDP_PASS;
}

/* bpf_refcount_acquire of an owning reference does not return NULL: pushed without a check. */
SEC("xdp")
int ok_acquire_of_owning_unchecked(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct item *n, *m;

	if (!s)
		return XDP_PASS;
	n = bpf_obj_new(struct item);
	if (!n)
		return XDP_PASS;
	m = bpf_refcount_acquire(n);
	bpf_spin_lock(&s->lock);
	bpf_rbtree_add(&s->tree, &n->rb, item_less);
	bpf_list_push_back(&s->list, &m->ln);
	bpf_spin_unlock(&s->lock);
	return XDP_PASS;
}

/* After the add the pointer is a non-owning reference: written inside the critical section. */
SEC("xdp")
int ok_non_owning_write_locked(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct item *n;

	if (!s)
		return XDP_PASS;
	n = bpf_obj_new(struct item);
	if (!n)
		return XDP_PASS;
	bpf_spin_lock(&s->lock);
	bpf_rbtree_add(&s->tree, &n->rb, item_less);
	n->key = 5;
	bpf_spin_unlock(&s->lock);
	return XDP_PASS;
}

/* The non-owning reference read after the unlock. */
SEC("xdp")
int non_owning_read_unlocked(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct item *n;

	if (!s)
		return XDP_PASS;
	n = bpf_obj_new(struct item);
	if (!n)
		return XDP_PASS;
	bpf_spin_lock(&s->lock);
	bpf_rbtree_add(&s->tree, &n->rb, item_less);
	bpf_spin_unlock(&s->lock);
	return n->key;
}

/* A refcounted non-owning reference turned into an owning one inside the lock, dropped after. */
SEC("xdp")
int ok_non_owning_acquired(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct item *n, *m;

	if (!s)
		return XDP_PASS;
	n = bpf_obj_new(struct item);
	if (!n)
		return XDP_PASS;
	bpf_spin_lock(&s->lock);
	bpf_rbtree_add(&s->tree, &n->rb, item_less);
	m = bpf_refcount_acquire(n);
	bpf_spin_unlock(&s->lock);
	if (m)
		bpf_obj_drop(m);
	return XDP_PASS;
}

/* bpf_refcount_acquire of the non-owning reference after the unlock. */
SEC("xdp")
int non_owning_acquired_unlocked(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct item *n, *m;

	if (!s)
		return XDP_PASS;
	n = bpf_obj_new(struct item);
	if (!n)
		return XDP_PASS;
	bpf_spin_lock(&s->lock);
	bpf_rbtree_add(&s->tree, &n->rb, item_less);
	bpf_spin_unlock(&s->lock);
	m = bpf_refcount_acquire(n);
	if (m)
		bpf_obj_drop(m);
	return XDP_PASS;
}

/* A non-owning reference is not the program's to drop. */
SEC("xdp")
int non_owning_dropped(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct item *n;

	if (!s)
		return XDP_PASS;
	n = bpf_obj_new(struct item);
	if (!n)
		return XDP_PASS;
	bpf_spin_lock(&s->lock);
	bpf_rbtree_add(&s->tree, &n->rb, item_less);
	bpf_spin_unlock(&s->lock);
	bpf_obj_drop(n);
	return XDP_PASS;
}

/* The item pushed to the list of another map value than the one whose lock is held. */
SEC("xdp")
int push_under_other_values_lock(struct xdp_md *ctx)
{
	struct shelf *a = shelf_at(0), *b = shelf_at(1);
	struct item *n;

	if (!a || !b)
		return XDP_PASS;
	n = bpf_obj_new(struct item);
	if (!n)
		return XDP_PASS;
	bpf_spin_lock(&a->lock);
	bpf_list_push_front(&b->list, &n->ln);
	bpf_spin_unlock(&a->lock);
	return XDP_PASS;
}

/* The first node of the tree read after the unlock. */
SEC("xdp")
int first_read_unlocked(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct bpf_rb_node *f;

	if (!s)
		return XDP_PASS;
	bpf_spin_lock(&s->lock);
	f = bpf_rbtree_first(&s->tree);
	bpf_spin_unlock(&s->lock);
	if (!f)
		return XDP_PASS;
	return container_of(f, struct item, rb)->key;
}

/* The first node removed and dropped. */
SEC("xdp")
int ok_first_removed(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct bpf_rb_node *f, *r = 0;

	if (!s)
		return XDP_PASS;
	bpf_spin_lock(&s->lock);
	f = bpf_rbtree_first(&s->tree);
	if (f)
		r = bpf_rbtree_remove(&s->tree, f);
	bpf_spin_unlock(&s->lock);
	if (r)
		bpf_obj_drop(container_of(r, struct item, rb));
	return XDP_PASS;
}

/* The removed node left undropped. */
SEC("xdp")
int first_removed_leaked(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct bpf_rb_node *f, *r = 0;

	if (!s)
		return XDP_PASS;
	bpf_spin_lock(&s->lock);
	f = bpf_rbtree_first(&s->tree);
	if (f)
		r = bpf_rbtree_remove(&s->tree, f);
	bpf_spin_unlock(&s->lock);
	return r != 0;
}

/* A node popped from the list (owning) handed to bpf_rbtree_remove, which takes non-owning ones. */
SEC("xdp")
int remove_owning_from_list(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct bpf_list_node *l;
	struct bpf_rb_node *r = 0;

	if (!s)
		return XDP_PASS;
	bpf_spin_lock(&s->lock);
	l = bpf_list_pop_front(&s->list);
	if (l)
		r = bpf_rbtree_remove(&s->tree, &container_of(l, struct item, ln)->rb);
	bpf_spin_unlock(&s->lock);
	if (r)
		bpf_obj_drop(container_of(r, struct item, rb));
	return XDP_PASS;
}

/* A node popped from the list and added to the tree (a refcounted node may be in both). */
SEC("xdp")
int ok_list_to_tree(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct bpf_list_node *l;

	if (!s)
		return XDP_PASS;
	bpf_spin_lock(&s->lock);
	l = bpf_list_pop_front(&s->list);
	if (l)
		bpf_rbtree_add(&s->tree, &container_of(l, struct item, ln)->rb, item_less);
	bpf_spin_unlock(&s->lock);
	return XDP_PASS;
}

/* A helper called inside the critical section. */
SEC("xdp")
int helper_while_locked(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct item *n;

	if (!s)
		return XDP_PASS;
	n = bpf_obj_new(struct item);
	if (!n)
		return XDP_PASS;
	bpf_spin_lock(&s->lock);
	n->key = bpf_get_prandom_u32();
	bpf_rbtree_add(&s->tree, &n->rb, item_less);
	bpf_spin_unlock(&s->lock);
	return XDP_PASS;
}

/* A new object stashed into the map value. */
SEC("xdp")
int ok_stash(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct item *n, *old;

	if (!s)
		return XDP_PASS;
	n = bpf_obj_new(struct item);
	if (!n)
		return XDP_PASS;
	old = bpf_kptr_xchg(&s->stash, n);
	if (old)
		bpf_obj_drop(old);
	return XDP_PASS;
}

/* The object read after it was stashed (the map owns it now). */
SEC("xdp")
int stash_then_read(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct item *n, *old;

	if (!s)
		return XDP_PASS;
	n = bpf_obj_new(struct item);
	if (!n)
		return XDP_PASS;
	old = bpf_kptr_xchg(&s->stash, n);
	if (old)
		bpf_obj_drop(old);
	return n->key;
}

/* The object that was in the stash before is never dropped. */
SEC("xdp")
int stash_old_leaked(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct item *n, *old;

	if (!s)
		return XDP_PASS;
	n = bpf_obj_new(struct item);
	if (!n)
		return XDP_PASS;
	old = bpf_kptr_xchg(&s->stash, n);
	return old != 0;
}

/* An object of another type stashed into the item kptr. */
SEC("xdp")
int stash_other_type(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct lone *n;
	struct item *old;

	if (!s)
		return XDP_PASS;
	n = bpf_obj_new(struct lone);
	if (!n)
		return XDP_PASS;
	old = bpf_kptr_xchg(&s->stash, (struct item *)n);
	if (old)
		bpf_obj_drop(old);
	return XDP_PASS;
}

/* An item in the tree (non-owning) stashed as well. */
SEC("xdp")
int stash_non_owning(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct item *n, *old;

	if (!s)
		return XDP_PASS;
	n = bpf_obj_new(struct item);
	if (!n)
		return XDP_PASS;
	bpf_spin_lock(&s->lock);
	bpf_rbtree_add(&s->tree, &n->rb, item_less);
	bpf_spin_unlock(&s->lock);
	old = bpf_kptr_xchg(&s->stash, n);
	if (old)
		bpf_obj_drop(old);
	return XDP_PASS;
}

/* The stashed object taken back out and added to the tree. */
SEC("xdp")
int ok_unstash_to_tree(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct item *n;

	if (!s)
		return XDP_PASS;
	n = bpf_kptr_xchg(&s->stash, 0);
	if (!n)
		return XDP_PASS;
	bpf_spin_lock(&s->lock);
	bpf_rbtree_add(&s->tree, &n->rb, item_less);
	bpf_spin_unlock(&s->lock);
	return XDP_PASS;
}

/* The stashed object taken out and added to the tree without the NULL check. */
SEC("xdp")
int unstash_unchecked(struct xdp_md *ctx)
{
	struct shelf *s = shelf_at(0);
	struct item *n;

	if (!s)
		return XDP_PASS;
	n = bpf_kptr_xchg(&s->stash, 0);
	bpf_spin_lock(&s->lock);
	bpf_rbtree_add(&s->tree, &n->rb, item_less);
	bpf_spin_unlock(&s->lock);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
