/* Resilient spin locks the verifier refuses (the themes of the kernel's selftests
 * res_spin_lock_fail.c; written afresh): each program makes one mistake.  res_spin_lock.c has the
 * programs that load.  The lock kfuncs return 0 once the lock is
 * held, -EDEADLK or -ETIMEDOUT when it could not be taken; a program checks r0 before its critical
 * section. */
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

/* The saved interrupt state kept in a map value rather than on the stack. */
SEC("syscall")
int bad_flag_in_map(void *ctx)
{
	struct counted *a = slot(0), *b = slot(1);

	if (!a || !b)
		return 0;
	if (bpf_res_spin_lock_irqsave(&b->lock, (unsigned long *)&a->before))
		return 0;
	bpf_res_spin_unlock_irqrestore(&b->lock, (unsigned long *)&a->before);
	return 0;
}

/* The answer of the lock not looked at: the failing path unlocks a lock it does not hold. */
SEC("tc")
int bad_unchecked(struct __sk_buff *skb)
{
	struct counted *c = slot(0);

	if (!c)
		return 0;
	bpf_res_spin_lock(&c->lock);
	c->count++;
	bpf_res_spin_unlock(&c->lock);
	return 0;
}

/* The same lock taken twice. */
SEC("tc")
int bad_twice(struct __sk_buff *skb)
{
	struct counted *c = slot(0);

	if (!c)
		return 0;
	if (bpf_res_spin_lock(&c->lock))
		return 0;
	if (bpf_res_spin_lock(&c->lock)) {
		bpf_res_spin_unlock(&c->lock);
		return 0;
	}
	bpf_res_spin_unlock(&c->lock);
	bpf_res_spin_unlock(&c->lock);
	return 0;
}

/* Two locks released in the order they were taken. */
SEC("tc")
int bad_out_of_order(struct __sk_buff *skb)
{
	struct counted *a = slot(0), *b = slot(1);

	if (!a || !b)
		return 0;
	if (bpf_res_spin_lock(&a->lock))
		return 0;
	if (bpf_res_spin_lock(&b->lock)) {
		bpf_res_spin_unlock(&a->lock);
		return 0;
	}
	bpf_res_spin_unlock(&a->lock);
	bpf_res_spin_unlock(&b->lock);
	return 0;
}

/* The program returns with the lock held. */
SEC("tc")
int bad_exit_held(struct __sk_buff *skb)
{
	struct counted *c = slot(0);

	if (!c)
		return 0;
	if (bpf_res_spin_lock(&c->lock))
		return 0;
	c->count++;
	return 1;
}

/* A helper called while the lock is held. */
SEC("tc")
int bad_call_held(struct __sk_buff *skb)
{
	struct counted *c = slot(0);

	if (!c)
		return 0;
	if (bpf_res_spin_lock(&c->lock))
		return 0;
	c->count = bpf_get_prandom_u32();
	bpf_res_spin_unlock(&c->lock);
	return 0;
}

/* A lock taken with irqsave released by the plain unlock. */
SEC("tc")
int bad_irq_mismatch(struct __sk_buff *skb)
{
	struct counted *c = slot(0);
	unsigned long flags;

	if (!c)
		return 0;
	if (bpf_res_spin_lock_irqsave(&c->lock, &flags))
		return 0;
	bpf_res_spin_unlock(&c->lock);
	return 0;
}

/* The lock word read inside the critical section. */
SEC("tc")
int bad_read_lock(struct __sk_buff *skb)
{
	struct counted *c = slot(0);
	__u32 word;

	if (!c)
		return 0;
	if (bpf_res_spin_lock(&c->lock))
		return 0;
	word = *(volatile __u32 *)&c->lock;
	bpf_res_spin_unlock(&c->lock);
	return word;
}

/* The pointer handed to the lock is not the lock's. */
SEC("tc")
int bad_wrong_offset(struct __sk_buff *skb)
{
	struct counted *c = slot(0);

	if (!c)
		return 0;
	if (bpf_res_spin_lock((struct bpf_res_spin_lock *)&c->count))
		return 0;
	bpf_res_spin_unlock((struct bpf_res_spin_lock *)&c->count);
	return 0;
}

/* A lock on the stack. */
SEC("tc")
int bad_stack_lock(struct __sk_buff *skb)
{
	struct bpf_res_spin_lock mine = {};

	if (bpf_res_spin_lock(&mine))
		return 0;
	bpf_res_spin_unlock(&mine);
	return 0;
}

char _license[] SEC("license") = "GPL";
