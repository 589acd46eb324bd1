/* Resilient spin locks (kernel/bpf/rqspinlock.c: bpf_res_spin_lock, bpf_res_spin_unlock and their
 * irqsave/irqrestore pair) in map values, as the verifier's process_spin_lock() checks them (the
 * themes of the kernel's selftests res_spin_lock.c / res_spin_lock_fail.c; written afresh).  The
 * lock kfuncs return 0 once the lock is held, -EDEADLK or -ETIMEDOUT when it could not be taken; a
 * program checks r0 before its critical section.  These programs load (res_spin_lock_refused.c has the
 * ones refused); tests/kfuncs/test_res_spin_lock.py runs them on both backends. */
#include "bpf_helpers.h"

struct bpf_res_spin_lock {
	__u32 val;
};

extern int bpf_res_spin_lock(struct bpf_res_spin_lock *lock) __ksym;
extern void bpf_res_spin_unlock(struct bpf_res_spin_lock *lock) __ksym;
extern int bpf_res_spin_lock_irqsave(struct bpf_res_spin_lock *lock, unsigned long *flags__irq_flag) __ksym;
extern void bpf_res_spin_unlock_irqrestore(struct bpf_res_spin_lock *lock,
					   unsigned long *flags__irq_flag) __ksym;
extern void bpf_local_irq_save(unsigned long *flags__irq_flag) __ksym;
extern void bpf_local_irq_restore(unsigned long *flags__irq_flag) __ksym;


struct counted {
	__u64 before;
	struct bpf_res_spin_lock lock;
	__u32 pad;
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct counted);
	__uint(max_entries, 2);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct counted);
	__uint(max_entries, 4);
} others SEC(".maps");

static __always_inline struct counted *slot(__u32 k)
{
	return bpf_map_lookup_elem(&counters, &k);
}

/* The counter of slot 0 grown by one under the lock: the count seen. */
SEC("tc")
int ok_count(struct __sk_buff *skb)
{
	struct counted *c = slot(0);
	__u64 seen;

	if (!c)
		return 0;
	if (bpf_res_spin_lock(&c->lock))
		return 1;
	seen = ++c->count;
	bpf_res_spin_unlock(&c->lock);
	return seen & 0xff;
}

/* The same with interrupts off while the lock is held (irqsave / irqrestore). */
SEC("xdp")
int ok_count_irq(struct xdp_md *xdp)
{
	struct counted *c = slot(0);
	unsigned long flags;
	__u64 seen;

	if (!c)
		return 0;
	if (bpf_res_spin_lock_irqsave(&c->lock, &flags))
		return 1;
	c->count += 2;
	seen = c->count;
	bpf_res_spin_unlock_irqrestore(&c->lock, &flags);
	return seen & 0xff;
}

/* Two locks (of two slots) nested, released in reverse order; the lock answer's value kept. */
SEC("syscall")
int ok_nested(void *ctx)
{
	struct counted *a = slot(0), *b = slot(1);
	unsigned long flags;
	int err;

	if (!a || !b)
		return 0;
	err = bpf_res_spin_lock(&a->lock);
	if (err)
		return err;
	err = bpf_res_spin_lock_irqsave(&b->lock, &flags);
	if (err) {
		bpf_res_spin_unlock(&a->lock);
		return err;
	}
	a->count++;
	b->count += a->count;
	bpf_res_spin_unlock_irqrestore(&b->lock, &flags);
	bpf_res_spin_unlock(&a->lock);
	return 0;
}

/* A hash map's value locked in a region with interrupts already disabled. */
SEC("tc")
int ok_inside_irq_region(struct __sk_buff *skb)
{
	__u32 k = skb->len & 3;
	struct counted *c = bpf_map_lookup_elem(&others, &k);
	unsigned long flags;
	int ret = 0;

	if (!c)
		return 0;
	bpf_local_irq_save(&flags);
	if (!bpf_res_spin_lock(&c->lock)) {
		c->count++;
		bpf_res_spin_unlock(&c->lock);
		ret = 1;
	}
	bpf_local_irq_restore(&flags);
	return ret;
}

/* The same slot looked up twice: two pointers, two ids, so the verifier lets both be locked; the
 * second lock finds the first held by this very run (AA) and answers -EDEADLK. */
SEC("syscall")
int ok_deadlock_at_run(void *ctx)
{
	struct counted *a = slot(0), *again = slot(0);
	int err;

	if (!a || !again)
		return 0;
	if (bpf_res_spin_lock(&a->lock))
		return 1;
	err = bpf_res_spin_lock(&again->lock);
	if (!err) {
		bpf_res_spin_unlock(&again->lock);
		bpf_res_spin_unlock(&a->lock);
		return 2;
	}
	bpf_res_spin_unlock(&a->lock);
	return err;
}

char _license[] SEC("license") = "GPL";
