/* Timer callbacks and the context they run in, on the themes of the kernel's selftests
 * timer_failure.c, rcu_read_lock.c and preempt_lock.c (written afresh): an async callback is never
 * sleepable, even when the program that arms it is, and regions it opens must be closed before it
 * returns.  Programs named ok_* load; every other makes one mistake. */
#include "bpf_helpers.h"

struct bpf_timer {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

static long (*bpf_timer_init)(struct bpf_timer *timer, void *map, __u64 flags) = (void *)169;
static long (*bpf_timer_set_callback)(struct bpf_timer *timer, void *callback_fn) = (void *)170;
static long (*bpf_timer_start)(struct bpf_timer *timer, __u64 nsecs, __u64 flags) = (void *)171;
static long (*bpf_copy_from_user)(void *dst, __u32 size, const void *user_ptr) = (void *)148;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern void bpf_preempt_disable(void) __ksym;
extern void bpf_preempt_enable(void) __ksym;

struct alarm {
	__u64 fired;
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct alarm);
	__uint(max_entries, 1);
} alarms SEC(".maps");

static int ring(void *map, __u32 *key, struct alarm *a)
{
	a->fired++;
	return 0;
}

static int ring_copies_from_user(void *map, __u32 *key, struct alarm *a)
{
	__u64 buf;

	bpf_copy_from_user(&buf, sizeof(buf), (void *)0);
	a->fired = buf;
	return 0;
}

static int ring_in_rcu(void *map, __u32 *key, struct alarm *a)
{
	bpf_rcu_read_lock();
	a->fired++;
	bpf_rcu_read_unlock();
	return 0;
}

static int ring_leaves_rcu_open(void *map, __u32 *key, struct alarm *a)
{
	bpf_rcu_read_lock();
	a->fired++;
	return 0;
}

static int ring_leaves_preempt_disabled(void *map, __u32 *key, struct alarm *a)
{
	bpf_preempt_disable();
	a->fired++;
	return 0;
}

#define ARM(CB)                                                        \
	__u32 key = 0;                                                 \
	struct alarm *a = bpf_map_lookup_elem(&alarms, &key);          \
	if (!a)                                                        \
		return 0;                                              \
	bpf_timer_init(&a->timer, &alarms, 1);                         \
	bpf_timer_set_callback(&a->timer, CB);                         \
	bpf_timer_start(&a->timer, 1000, 0);                           \
	return 0

SEC("syscall")
int ok_sleepable_arms(void *ctx)
{
	ARM(ring);
}

SEC("syscall")
int sleepable_callback_sleeps(void *ctx)
{
	ARM(ring_copies_from_user);
}

SEC("syscall")
int ok_callback_rcu_region(void *ctx)
{
	ARM(ring_in_rcu);
}

SEC("syscall")
int callback_leaves_rcu_open(void *ctx)
{
	ARM(ring_leaves_rcu_open);
}

SEC("syscall")
int callback_leaves_preempt_disabled(void *ctx)
{
	ARM(ring_leaves_preempt_disabled);
}

/* Armed inside an RCU region of the sleepable program. */
SEC("syscall")
int ok_armed_in_rcu(void *ctx)
{
	__u32 key = 0;
	struct alarm *a;

	bpf_rcu_read_lock();
	a = bpf_map_lookup_elem(&alarms, &key);
	if (a) {
		bpf_timer_init(&a->timer, &alarms, 1);
		bpf_timer_set_callback(&a->timer, ring);
		bpf_timer_start(&a->timer, 1000, 0);
	}
	bpf_rcu_read_unlock();
	return 0;
}

char _license[] SEC("license") = "GPL";
