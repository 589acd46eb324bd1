/* Per-CPU program-allocated objects (bpf_percpu_obj_new / bpf_percpu_obj_drop) stashed in a map
 * value's __percpu_kptr and reached on each CPU with bpf_this_cpu_ptr / bpf_per_cpu_ptr (the themes
 * of the kernel's selftests percpu_alloc_array.c; written afresh).  Every program here loads;
 * obj_percpu_refused.c has the mistakes the verifier refuses. */
#include "graph_kfuncs.h"

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct wide {
	__u64 words[65];
};

struct pointy {
	__u64 key;
	struct counter *next;
};

struct locked {
	struct bpf_spin_lock lock;
	__u64 n;
};

struct slot {
	struct counter __percpu_kptr *pc;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct slot);
	__uint(max_entries, 1);
} slots SEC(".maps");

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

static __always_inline struct slot *the_slot(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&slots, &key);
}

/* A per-CPU counter is created once and stashed (1: created now, 0: already there). */
SEC("xdp")
int xdp_percpu_create(struct xdp_md *ctx)
{
	struct slot *s = the_slot();
	struct counter *p;

	if (!s)
		return XDP_ABORTED;
	p = bpf_percpu_obj_new(struct counter);
	if (!p)
		return XDP_ABORTED;
	p = bpf_kptr_xchg(&s->pc, p);
	if (p) {
		bpf_percpu_obj_drop(p);
		return 0;
	}
	return 1;
}

/* This CPU's counter counts the packet: the answer is its packets * 1000 + bytes. */
SEC("xdp")
int xdp_percpu_count(struct xdp_md *ctx)
{
	struct slot *s = the_slot();
	struct counter *p, *c;
	__u64 out = 0;

	if (!s)
		return XDP_ABORTED;
	bpf_rcu_read_lock();
	p = s->pc;
	if (p) {
		c = bpf_this_cpu_ptr(p);
		c->packets++;
		c->bytes += ctx->data_end - ctx->data;
		out = c->packets * 1000 + c->bytes;
	}
	bpf_rcu_read_unlock();
	return out;
}

/* The packets of CPUs 0 and 1 (a CPU beyond the machine's: none). */
SEC("xdp")
int xdp_percpu_sum(struct xdp_md *ctx)
{
	struct slot *s = the_slot();
	struct counter *p, *c;
	__u64 out = 0;

	if (!s)
		return XDP_ABORTED;
	bpf_rcu_read_lock();
	p = s->pc;
	if (p) {
		c = bpf_per_cpu_ptr(p, 0);
		if (c)
			out += c->packets;
		c = bpf_per_cpu_ptr(p, 1);
		if (c)
			out += c->packets;
	}
	bpf_rcu_read_unlock();
	return out;
}

/* The counter taken out again and dropped (1: there was one). */
SEC("xdp")
int xdp_percpu_remove(struct xdp_md *ctx)
{
	struct slot *s = the_slot();
	struct counter *p;

	if (!s)
		return XDP_ABORTED;
	p = bpf_kptr_xchg(&s->pc, NULL);
	if (!p)
		return 0;
	bpf_percpu_obj_drop(p);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
