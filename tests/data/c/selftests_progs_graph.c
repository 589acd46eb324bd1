/* A red-black tree's less() callback runs with the tree's lock held by its caller: taking or
 * releasing a spin lock inside it is refused before the lock itself is looked at (check_func_arg()'s
 * in_rbtree_lock_required_cb(); the theme of the kernel's selftests progs/rbtree_fail.c, written
 * afresh; measured by scripts/selftests_conformance.py). */
#include "graph_kfuncs.h"

struct node {
	__u64 key;
	struct bpf_rb_node rb;
};

struct locked {
	struct bpf_spin_lock lock;
	__u64 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct locked);
	__uint(max_entries, 1);
} locks SEC(".maps");

private(A) struct bpf_spin_lock glock;
private(A) struct bpf_rb_root groot __contains(node, rb);

static _Bool less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct node, rb)->key < container_of(b, struct node, rb)->key;
}

static _Bool less_unlocks(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	bpf_spin_unlock(&glock);
	return container_of(a, struct node, rb)->key < container_of(b, struct node, rb)->key;
}

static _Bool less_first_then_unlocks(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	bpf_rbtree_first(&groot);
	bpf_spin_unlock(&glock);
	return 1;
}

static _Bool less_locks_other(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	__u32 key = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &key);

	if (l) {
		bpf_spin_lock(&l->lock);
		l->n++;
		bpf_spin_unlock(&l->lock);
	}
	return 1;
}

static __always_inline int add_with(_Bool (*cb)(struct bpf_rb_node *, const struct bpf_rb_node *))
{
	struct node *n = bpf_obj_new(struct node);

	if (!n)
		return 0;
	bpf_spin_lock(&glock);
	bpf_rbtree_add(&groot, &n->rb, cb);
	bpf_spin_unlock(&glock);
	return 0;
}

SEC("tc")
int add_less_plain(struct __sk_buff *ctx)
{
	return add_with(less);
}

SEC("tc")
int add_less_unlocks(struct __sk_buff *ctx)
{
	return add_with(less_unlocks);
}

SEC("tc")
int add_less_first_then_unlocks(struct __sk_buff *ctx)
{
	return add_with(less_first_then_unlocks);
}

SEC("tc")
int add_less_locks_other(struct __sk_buff *ctx)
{
	return add_with(less_locks_other);
}

char _license[] SEC("license") = "GPL";
