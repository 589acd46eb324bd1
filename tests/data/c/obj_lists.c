/* Lists of program-allocated objects (bpf_list_head / bpf_list_node with __contains, kfuncs
 * bpf_list_push_front/back_impl, bpf_list_pop_front/back, bpf_list_front/back) in a map value beside
 * the bpf_spin_lock that guards them (the themes of the kernel's selftests linked_list.c; written
 * afresh).  Every program here loads; obj_lists_refused.c has the mistakes the verifier refuses. */
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
	__uint(max_entries, 1);
} queues SEC(".maps");

static __always_inline struct queue *the_queue(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&queues, &key);
}

/* Each packet's length goes at the back of the queue; once it holds four, the front one leaves and
 * its length is the answer (else 0). */
SEC("xdp")
int xdp_fifo(struct xdp_md *ctx)
{
	struct queue *q = the_queue();
	struct bpf_list_node *n;
	struct entry *e;
	__u64 out = 0;

	if (!q)
		return XDP_ABORTED;
	e = bpf_obj_new(struct entry);
	if (!e)
		return XDP_ABORTED;
	e->size = ctx->data_end - ctx->data;
	bpf_spin_lock(&q->lock);
	e->key = q->count;
	bpf_list_push_back(&q->items, &e->node);
	q->count++;
	n = NULL;
	if (q->count > 4) {
		n = bpf_list_pop_front(&q->items);
		q->count--;
	}
	bpf_spin_unlock(&q->lock);
	if (n) {
		e = container_of(n, struct entry, node);
		out = e->size;
		bpf_obj_drop(e);
	}
	return out;
}

/* A stack: push at the front, read the front one in place under the lock (a non-owning
 * reference), and pop it again when its size is odd. */
SEC("xdp")
int xdp_lifo_peek(struct xdp_md *ctx)
{
	struct queue *q = the_queue();
	struct bpf_list_node *n;
	struct entry *e;
	__u64 seen = 0;

	if (!q)
		return XDP_ABORTED;
	e = bpf_obj_new(struct entry);
	if (!e)
		return XDP_ABORTED;
	e->size = ctx->data_end - ctx->data;
	bpf_spin_lock(&q->lock);
	bpf_list_push_front(&q->items, &e->node);
	q->total += e->size; /* still readable: a non-owning reference while the lock is held */
	n = bpf_list_front(&q->items);
	if (n)
		seen = container_of(n, struct entry, node)->size;
	n = NULL;
	if (seen & 1)
		n = bpf_list_pop_front(&q->items);
	bpf_spin_unlock(&q->lock);
	if (n)
		bpf_obj_drop(container_of(n, struct entry, node));
	return seen;
}

/* The back of the list: read in place, then taken out (0 when empty). */
SEC("xdp")
int xdp_take_back(struct xdp_md *ctx)
{
	struct queue *q = the_queue();
	struct bpf_list_node *n;
	__u64 size = 0;

	if (!q)
		return XDP_ABORTED;
	bpf_spin_lock(&q->lock);
	n = bpf_list_back(&q->items);
	if (n)
		size = container_of(n, struct entry, node)->size;
	n = bpf_list_pop_back(&q->items);
	bpf_spin_unlock(&q->lock);
	if (!n)
		return 0;
	bpf_obj_drop(container_of(n, struct entry, node));
	return size;
}

char LICENSE[] SEC("license") = "GPL";
