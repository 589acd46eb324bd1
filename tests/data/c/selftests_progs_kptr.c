/* kptrs to the two kernel types net/bpf/test_run.c registers destructors for (struct
 * prog_test_ref_kfunc and struct prog_test_member, in vmlinux for the selftests): a map value holding
 * them is a value with kptr fields, so its loads, stores and bpf_kptr_xchg() follow the kptr rules
 * (the themes of the kernel's selftests progs/map_kptr_fail.c, written afresh; measured by
 * scripts/selftests_conformance.py).  The corpus loads the programs one at a time. */
#include "bpf_helpers.h"

#define __kptr __attribute__((btf_type_tag("kptr")))
#define __kptr_untrusted __attribute__((btf_type_tag("kptr_untrusted")))

struct prog_test_member1 {
	int a;
};

struct prog_test_member {
	struct prog_test_member1 m;
	int c;
};

struct prog_test_ref_kfunc {
	int a;
	int b;
	struct prog_test_member memb;
	struct prog_test_ref_kfunc *next;
	int cnt;
};

struct value {
	char buf[8];
	struct prog_test_ref_kfunc __kptr_untrusted *unref;
	struct prog_test_ref_kfunc __kptr *ref;
	struct prog_test_member __kptr *memb;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, int);
	__type(value, struct value);
	__uint(max_entries, 1);
} values SEC(".maps");

extern void bpf_kfunc_call_test_release(struct prog_test_ref_kfunc *p) __ksym;
extern void bpf_kfunc_call_memb_release(struct prog_test_member *p) __ksym;

static void *(*bpf_this_cpu_ptr)(const void *percpu_ptr) = (void *)154;
static void *(*bpf_kptr_xchg)(void *dst, void *ptr) = (void *)194;

static __always_inline struct value *lookup(void)
{
	int key = 0;

	return bpf_map_lookup_elem(&values, &key);
}

/* an unreferenced kptr loads as untrusted_ptr_or_null_: read a field after the NULL check */
SEC("tc")
int unref_read_field(struct __sk_buff *ctx)
{
	struct prog_test_ref_kfunc *p;
	struct value *v = lookup();

	if (!v)
		return 0;
	p = v->unref;
	if (!p)
		return 0;
	return p->b;
}

/* a 4-byte store over the unreferenced kptr: kptrs are accessed 8 bytes at a time */
SEC("tc")
int store_narrow(struct __sk_buff *ctx)
{
	struct value *v = lookup();

	if (!v)
		return 0;
	*(volatile __u32 *)&v->unref = 0;
	return 0;
}

/* an 8-byte store from the buffer into the first kptr's bytes, misaligned */
SEC("tc")
int store_misaligned(struct __sk_buff *ctx)
{
	struct value *v = lookup();

	if (!v)
		return 0;
	*(void *volatile *)((char *)v + 4) = 0;
	return 0;
}

/* the unreferenced kptr stored back 8 bytes further on: a fixed offset is fine, a struct of the
 * kptr's type is not found there (the walk into next's pointer) */
SEC("tc")
int store_back_moved(struct __sk_buff *ctx)
{
	struct prog_test_ref_kfunc *p;
	struct value *v = lookup();

	if (!v)
		return 0;
	p = v->unref;
	if (!p)
		return 0;
	v->unref = (void *)p + 16;
	return 0;
}

/* the unreferenced kptr stored back at a negative offset */
SEC("tc")
int store_back_negative(struct __sk_buff *ctx)
{
	struct prog_test_ref_kfunc *p;
	struct value *v = lookup();

	if (!v)
		return 0;
	p = v->unref;
	if (!p)
		return 0;
	v->unref = (void *)p - 8;
	return 0;
}

/* the unreferenced kptr stored back with a variable offset: the register's own type names it */
SEC("tc")
int store_back_variable(struct __sk_buff *ctx)
{
	struct prog_test_ref_kfunc *p;
	struct value *v = lookup();
	__u32 n = ctx->mark & 7;

	if (!v)
		return 0;
	p = v->unref;
	if (!p)
		return 0;
	v->unref = p + n;
	return 0;
}

/* the unreferenced kptr stored back unchanged */
SEC("tc")
int store_back_same(struct __sk_buff *ctx)
{
	struct prog_test_ref_kfunc *p;
	struct value *v = lookup();

	if (!v)
		return 0;
	p = v->unref;
	if (!p)
		return 0;
	v->unref = p;
	return 0;
}

/* a referenced kptr may only change through bpf_kptr_xchg() */
SEC("tc")
int store_to_ref(struct __sk_buff *ctx)
{
	struct prog_test_ref_kfunc *p;
	struct value *v = lookup();

	if (!v)
		return 0;
	p = v->ref;
	if (!p)
		return 0;
	*(struct prog_test_ref_kfunc *volatile *)&v->ref = p;
	return 0;
}

/* a referenced kptr of an RCU-protected type loads as rcu_ptr_or_null_ */
SEC("tc")
int ref_load_type(struct __sk_buff *ctx)
{
	struct value *v = lookup();

	if (!v)
		return 0;
	bpf_this_cpu_ptr(v->ref);
	return 0;
}

/* prog_test_member is no RCU-protected type: its referenced kptr loads untrusted */
SEC("tc")
int memb_load_type(struct __sk_buff *ctx)
{
	struct value *v = lookup();

	if (!v)
		return 0;
	bpf_this_cpu_ptr(v->memb);
	return 0;
}

/* a read past the end of the pointee */
SEC("tc")
int read_past_struct(struct __sk_buff *ctx)
{
	struct prog_test_ref_kfunc *p;
	struct value *v = lookup();

	if (!v)
		return 0;
	p = v->ref;
	if (!p)
		return 0;
	return *(volatile int *)((char *)p + sizeof(*p));
}

/* bpf_kptr_xchg() on the unreferenced kptr */
SEC("tc")
int xchg_unref(struct __sk_buff *ctx)
{
	struct value *v = lookup();

	if (!v)
		return 0;
	bpf_kptr_xchg(&v->unref, 0);
	return 0;
}

/* bpf_kptr_xchg() takes the referenced kptr out: it must be released, and nothing here can */
SEC("tc")
int xchg_ref_out(struct __sk_buff *ctx)
{
	struct value *v = lookup();

	if (!v)
		return 0;
	bpf_kptr_xchg(&v->ref, 0);
	return 0;
}

/* ... and released: both referenced kptrs taken out and released with test_run.c's kfuncs */
SEC("tc")
int xchg_out_release(struct __sk_buff *ctx)
{
	struct prog_test_ref_kfunc *p;
	struct prog_test_member *m;
	struct value *v = lookup();

	if (!v)
		return 0;
	p = bpf_kptr_xchg(&v->ref, 0);
	if (p)
		bpf_kfunc_call_test_release(p);
	m = bpf_kptr_xchg(&v->memb, 0);
	if (m)
		bpf_kfunc_call_memb_release(m);
	return 0;
}

/* a loaded (unreferenced) pointer given to bpf_kptr_xchg() as the new value */
SEC("tc")
int xchg_loaded_in(struct __sk_buff *ctx)
{
	struct prog_test_ref_kfunc *p;
	struct value *v = lookup();

	if (!v)
		return 0;
	p = v->ref;
	if (!p)
		return 0;
	bpf_kptr_xchg(&v->ref, p);
	return 0;
}

/* a helper writes bytes that overlap a kptr */
SEC("tc")
int helper_writes_over(struct __sk_buff *ctx)
{
	struct value *v = lookup();

	if (!v)
		return 0;
	bpf_skb_load_bytes(ctx, 0, v, sizeof(v->buf) + 1);
	return 0;
}

char _license[] SEC("license") = "GPL";
