/* Per-CPU program-allocated objects the verifier refuses (the themes of the kernel's selftests
 * percpu_alloc_fail.c; written afresh): each program makes one mistake.  obj_percpu.c has the
 * programs that load. */
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

SEC("xdp")
int xdp_bad_too_big(struct xdp_md *ctx)
{
	struct wide *p = bpf_percpu_obj_new(struct wide);

	if (p)
		bpf_percpu_obj_drop(p);
	return XDP_PASS;
}

SEC("xdp")
int xdp_bad_pointer_member(struct xdp_md *ctx)
{
	struct pointy *p = bpf_percpu_obj_new(struct pointy);

	if (p)
		bpf_percpu_obj_drop(p);
	return XDP_PASS;
}

SEC("xdp")
int xdp_bad_special_field(struct xdp_md *ctx)
{
	struct locked *p = bpf_percpu_obj_new(struct locked);

	if (p)
		bpf_percpu_obj_drop(p);
	return XDP_PASS;
}

SEC("xdp")
int xdp_bad_direct_access(struct xdp_md *ctx)
{
	struct counter *p = bpf_percpu_obj_new(struct counter);

	if (!p)
		return XDP_PASS;
	p->packets = 1;
	bpf_percpu_obj_drop(p);
	return XDP_PASS;
}

SEC("xdp")
int xdp_bad_plain_drop(struct xdp_md *ctx)
{
	struct counter *p = bpf_percpu_obj_new(struct counter);

	if (p)
		bpf_obj_drop(p);
	return XDP_PASS;
}

SEC("xdp")
int xdp_bad_percpu_drop_of_plain(struct xdp_md *ctx)
{
	struct counter *p = bpf_obj_new(struct counter);

	if (p)
		bpf_percpu_obj_drop(p);
	return XDP_PASS;
}

SEC("xdp")
int xdp_bad_leak(struct xdp_md *ctx)
{
	struct counter *p = bpf_percpu_obj_new(struct counter);

	return p ? 1 : 0;
}

SEC("xdp")
int xdp_this_cpu_of_new(struct xdp_md *ctx)
{
	struct counter *p = bpf_percpu_obj_new(struct counter), *c;

	if (!p)
		return XDP_PASS;
	c = bpf_this_cpu_ptr(p);
	c->bytes = ctx->data_end - ctx->data;
	bpf_percpu_obj_drop(p);
	return XDP_PASS;
}

SEC("xdp")
int xdp_bad_stash_plain(struct xdp_md *ctx)
{
	struct slot *s = the_slot();
	struct counter *p;

	if (!s)
		return XDP_ABORTED;
	p = bpf_obj_new(struct counter);
	if (!p)
		return XDP_ABORTED;
	p = bpf_kptr_xchg(&s->pc, p);
	if (p)
		bpf_obj_drop(p);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
