/* kptrs: kernel-object pointers in map values (the kernel's selftests map_kptr.c / map_kptr_fail.c
 * give the themes).  A referenced kptr (__kptr) is only read or exchanged with bpf_kptr_xchg, an
 * unreferenced one (__kptr_untrusted) may also be stored; what a read gives may be NULL.  No kfunc is
 * called (the loader drops the BTF of objects with kfunc externs), so what bpf_kptr_xchg hands back
 * can only be put back or leaked.  The value also holds a task_struct by value: clang emits a struct
 * reached only through pointers as a FWD, and a kptr must point to a struct. */
#include "bpf_helpers.h"

#define __kptr __attribute__((btf_type_tag("kptr")))
#define __kptr_untrusted __attribute__((btf_type_tag("kptr_untrusted")))

struct task_struct {
	int pid;
};

struct owned {
	__u64 count;
	struct task_struct __kptr *task;
	struct task_struct __kptr_untrusted *seen;
	struct task_struct copy; /* plain data (and it makes clang emit the struct: kptrs need it, not a FWD) */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct owned);
	__uint(max_entries, 1);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct owned);
	__uint(max_entries, 16);
} by_flow SEC(".maps");

/* A per-CPU kptr to a type of the program's own (what bpf_percpu_obj_new() allocates). */
#define __percpu_kptr __attribute__((btf_type_tag("percpu_kptr")))

struct tally {
	__u64 hits;
};

struct spread {
	struct tally __percpu_kptr *per_cpu;
	struct tally last; /* by value: clang then emits the struct the kptr points to */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct spread);
	__uint(max_entries, 1);
} spreads SEC(".maps");

static void *(*bpf_kptr_xchg)(void *dst, void *ptr) = (void *)194;

static __always_inline struct owned *owner(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&owners, &key);
}

SEC("xdp")
int xdp_seen_pid(struct xdp_md *ctx)
{
	struct owned *o = owner();
	struct task_struct *t;

	if (!o)
		return XDP_PASS;
	t = o->seen;
	if (!t)
		return XDP_PASS;
	return t->pid & 1 ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_owned_pid(struct xdp_md *ctx)
{
	struct owned *o = owner();
	struct task_struct *t;

	if (!o)
		return XDP_PASS;
	o->count++;
	t = o->task;
	if (t && t->pid == 1)
		return XDP_DROP;
	return XDP_PASS;
}

SEC("xdp")
int xdp_forget_seen(struct xdp_md *ctx)
{
	struct owned *o = owner();

	if (o)
		o->seen = NULL;
	return XDP_PASS;
}

SEC("xdp")
int xdp_remember_owner(struct xdp_md *ctx)
{
	struct owned *o = owner();

	if (o)
		o->seen = o->task; /* an RCU pointer of the same type: allowed into an untrusted kptr */
	return XDP_PASS;
}

SEC("xdp")
int xdp_refused_store_owned(struct xdp_md *ctx)
{
	struct owned *o = owner();

	if (o)
		o->task = NULL; /* a referenced kptr changes only through bpf_kptr_xchg */
	return XDP_PASS;
}

SEC("xdp")
int xdp_refused_no_null_check(struct xdp_md *ctx)
{
	struct owned *o = owner();

	if (!o)
		return XDP_PASS;
	return o->seen->pid & 1; /* the kptr may be NULL */
}

SEC("xdp")
int xdp_refused_xchg_leak(struct xdp_md *ctx)
{
	struct owned *o = owner();
	struct task_struct *old;

	if (!o)
		return XDP_PASS;
	old = bpf_kptr_xchg(&o->task, NULL);
	return old ? XDP_DROP : XDP_PASS; /* the task taken out is never released */
}

SEC("xdp")
int xdp_refused_xchg_untrusted(struct xdp_md *ctx)
{
	struct owned *o = owner();

	if (!o)
		return XDP_PASS;
	bpf_kptr_xchg(&o->seen, NULL); /* only a referenced kptr can be exchanged */
	return XDP_PASS;
}

SEC("tc")
int tc_flow_owner(struct __sk_buff *skb)
{
	__u32 key = skb->hash & 15;
	struct owned *o = bpf_map_lookup_elem(&by_flow, &key);
	struct task_struct *t;

	if (!o)
		return TC_ACT_OK;
	t = o->task;
	if (t)
		skb->mark = t->pid;
	o->seen = NULL;
	return TC_ACT_OK;
}

SEC("tc")
int tc_refused_kptr_as_number(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct owned *o = bpf_map_lookup_elem(&by_flow, &key);

	if (!o)
		return TC_ACT_OK;
	skb->mark = *(__u32 *)&o->seen; /* a kptr is read only whole, 8 bytes */
	return TC_ACT_OK;
}

SEC("xdp")
int xdp_percpu_present(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct spread *s = bpf_map_lookup_elem(&spreads, &key);

	if (!s)
		return XDP_PASS;
	return s->per_cpu ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_refused_percpu_deref(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct spread *s = bpf_map_lookup_elem(&spreads, &key);
	struct tally *t;

	if (!s)
		return XDP_PASS;
	t = s->per_cpu;
	if (!t)
		return XDP_PASS;
	return t->hits & 1; /* per-CPU memory is reached through bpf_this_cpu_ptr() only */
}

char LICENSE[] SEC("license") = "GPL";
