/* The cpumask kfuncs (kernel/bpf/cpumask.c) as compiled C calls them (the themes of the kernel's
 * selftests cpumask_success.c; written afresh): masks created, combined and queried with the bool
 * and u32 answers used as the C code uses them, and a mask kept in a map value's __kptr across runs
 * (bpf_kptr_xchg), grown by one CPU a run.  SYSCALL programs: tests/kfuncs/test_cpumask.py runs them
 * on both backends. */
#include "bpf_helpers.h"

#define __kptr __attribute__((btf_type_tag("kptr")))

struct cpumask {
	unsigned long bits[4];
};

struct bpf_cpumask {
	struct cpumask cpumask;
	int usage;
};

extern struct bpf_cpumask *bpf_cpumask_create(void) __ksym;
extern void bpf_cpumask_release(struct bpf_cpumask *cpumask) __ksym;
extern void bpf_cpumask_set_cpu(__u32 cpu, struct bpf_cpumask *cpumask) __ksym;
extern void bpf_cpumask_setall(struct bpf_cpumask *cpumask) __ksym;
extern _Bool bpf_cpumask_test_cpu(__u32 cpu, const struct cpumask *cpumask) __ksym;
extern _Bool bpf_cpumask_subset(const struct cpumask *src1, const struct cpumask *src2) __ksym;
extern _Bool bpf_cpumask_equal(const struct cpumask *src1, const struct cpumask *src2) __ksym;
extern _Bool bpf_cpumask_full(const struct cpumask *cpumask) __ksym;
extern _Bool bpf_cpumask_empty(const struct cpumask *cpumask) __ksym;
extern _Bool bpf_cpumask_and(struct bpf_cpumask *dst, const struct cpumask *src1,
			     const struct cpumask *src2) __ksym;
extern __u32 bpf_cpumask_first(const struct cpumask *cpumask) __ksym;
extern __u32 bpf_cpumask_first_zero(const struct cpumask *cpumask) __ksym;
extern __u32 bpf_cpumask_weight(const struct cpumask *cpumask) __ksym;
extern int bpf_cpumask_populate(struct bpf_cpumask *cpumask, void *src, unsigned long src__sz) __ksym;

static void *(*bpf_kptr_xchg)(void *dst, void *ptr) = (void *)194;

#define MASK(m) ((const struct cpumask *)(m))

struct holder {
	__u64 runs;
	struct bpf_cpumask __kptr *mask;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct holder);
	__uint(max_entries, 1);
} holders SEC(".maps");

/* Two masks: a full one and {1}; the answers packed in bits (subset, equal, full, empty, and's
 * result), the first CPU of {1} and the full mask's weight above them. */
SEC("syscall")
int mask_answers(void *ctx)
{
	struct bpf_cpumask *all, *one;
	int ret = 0;

	all = bpf_cpumask_create();
	if (!all)
		return -1;
	one = bpf_cpumask_create();
	if (!one) {
		bpf_cpumask_release(all);
		return -2;
	}
	bpf_cpumask_setall(all);
	bpf_cpumask_set_cpu(1, one);
	if (bpf_cpumask_subset(MASK(one), MASK(all)))
		ret |= 1;
	if (bpf_cpumask_equal(MASK(one), MASK(all)))
		ret |= 2;
	if (bpf_cpumask_full(MASK(all)))
		ret |= 4;
	if (bpf_cpumask_empty(MASK(one)))
		ret |= 8;
	if (bpf_cpumask_and(one, MASK(one), MASK(all)))
		ret |= 16;
	ret |= bpf_cpumask_first(MASK(one)) << 8;
	ret |= bpf_cpumask_weight(MASK(all)) << 16;
	if (bpf_cpumask_test_cpu(0, MASK(one)))
		ret |= 1 << 24;
	bpf_cpumask_release(one);
	bpf_cpumask_release(all);
	return ret;
}

/* A mask from a bitmap on the stack: populate's answer, then the mask's weight and first zero. */
SEC("syscall")
int mask_populated(void *ctx)
{
	unsigned long bits[1] = {0x2};
	struct bpf_cpumask *m = bpf_cpumask_create();
	int err, ret;

	if (!m)
		return -1;
	err = bpf_cpumask_populate(m, bits, sizeof(bits));
	ret = (bpf_cpumask_weight(MASK(m)) << 8) | bpf_cpumask_first_zero(MASK(m));
	bpf_cpumask_release(m);
	return err ? err : ret;
}

/* The kept mask taken out, grown by the CPU of this run (runs % 2) and put back; the answer is the
 * weight it had when taken out (0 on the first run, which creates it). */
SEC("syscall")
int mask_kept(void *ctx)
{
	__u32 key = 0;
	struct holder *h = bpf_map_lookup_elem(&holders, &key);
	struct bpf_cpumask *m, *old;
	int weight = 0;

	if (!h)
		return -1;
	m = bpf_kptr_xchg(&h->mask, NULL);
	if (m)
		weight = bpf_cpumask_weight(MASK(m));
	else
		m = bpf_cpumask_create();
	if (!m)
		return -2;
	bpf_cpumask_set_cpu(h->runs % 2, m);
	h->runs++;
	old = bpf_kptr_xchg(&h->mask, m);
	if (old)
		bpf_cpumask_release(old);
	return weight;
}

char LICENSE[] SEC("license") = "GPL";
