/* bpf_timer callbacks that fire: SYSCALL programs arming timers in array and hash map values, and
 * every answer of the four timer helpers (kernel/bpf/helpers.c, Linux 6.18).  Run by
 * tests/helpers/test_timers.py on pybpf (both engines) and on the kernel; the callbacks count in
 * the element's value (ticks) and in a map without timers (witness), so that a test can tell
 * whether a callback ran after the timer's map was closed. */
#include "bpf_helpers.h"

struct bpf_timer {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

static long (*bpf_timer_init)(struct bpf_timer *timer, void *map, __u64 flags) = (void *)169;
static long (*bpf_timer_set_callback)(struct bpf_timer *timer, void *callback_fn) = (void *)170;
static long (*bpf_timer_start)(struct bpf_timer *timer, __u64 nsecs, __u64 flags) = (void *)171;
static long (*bpf_timer_cancel)(struct bpf_timer *timer) = (void *)172;

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_BOOTTIME 7
#define BPF_F_TIMER_ABS 1
#define BPF_F_TIMER_CPU_PIN 2
#define MSEC 1000000ULL

struct clock {
	__u64 ticks;
	__u64 rearms;     /* how many more times the callback arms the timer again */
	__s64 cancelled;  /* what bpf_timer_cancel answered inside the callback */
	__u64 key_seen;   /* the key the callback was given */
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct clock);
	__uint(max_entries, 16);
} clocks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct clock);
	__uint(max_entries, 8);
} hashed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);
	__type(value, struct clock);
	__uint(max_entries, 8);
} recent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} witness SEC(".maps");

struct args {
	__u32 key;
	__u32 clock;
	__u64 nsecs;
	__u64 flags;
	__u64 rearms;
};

static void witnessed(void)
{
	__u32 zero = 0;
	__u64 *seen = bpf_map_lookup_elem(&witness, &zero);

	if (seen)
		__sync_fetch_and_add(seen, 1);
}

static int tick(void *map, __u32 *key, struct clock *c)
{
	c->ticks++;
	c->key_seen = *key;
	witnessed();
	if (c->rearms) {
		c->rearms--;
		bpf_timer_start(&c->timer, MSEC, 0);
	}
	return 0;
}

static int tick_cancels_itself(void *map, __u32 *key, struct clock *c)
{
	c->ticks++;
	c->cancelled = bpf_timer_cancel(&c->timer);
	return 0;
}

static int tick_deletes_itself(void *map, __u32 *key, struct clock *c)
{
	c->ticks++;
	witnessed();
	bpf_timer_start(&c->timer, MSEC, 0);
	bpf_map_delete_elem(map, key);
	return 0;
}

#define B(x) ((__u64)((x) & 0xff))

static __always_inline struct clock *clock_of(void *map, __u32 key)
{
	return bpf_map_lookup_elem(map, &key);
}

/* init, set_callback and start with the arguments of ctx: the three answers, a byte each. */
SEC("syscall")
int arm(struct args *ctx)
{
	struct clock *c = clock_of(&clocks, ctx->key);
	long init, set, start;

	if (!c)
		return -1;
	c->rearms = ctx->rearms;
	init = bpf_timer_init(&c->timer, &clocks, ctx->clock);
	set = bpf_timer_set_callback(&c->timer, tick);
	start = bpf_timer_start(&c->timer, ctx->nsecs, ctx->flags);
	return B(init) | B(set) << 8 | B(start) << 16;
}

/* arm, in the hash map: the element is created first. */
SEC("syscall")
int arm_hashed(struct args *ctx)
{
	struct clock fresh = {};
	struct clock *c;
	__u32 key = ctx->key;
	long init, set, start;

	bpf_map_update_elem(&hashed, &key, &fresh, BPF_NOEXIST);
	c = bpf_map_lookup_elem(&hashed, &key);
	if (!c)
		return -1;
	c->rearms = ctx->rearms;
	init = bpf_timer_init(&c->timer, &hashed, CLOCK_MONOTONIC);
	set = bpf_timer_set_callback(&c->timer, tick_deletes_itself);
	start = bpf_timer_start(&c->timer, ctx->nsecs, 0);
	return B(init) | B(set) << 8 | B(start) << 16;
}

/* arm, in the LRU hash map (its callback is given the element's key). */
SEC("syscall")
int arm_recent(struct args *ctx)
{
	struct clock fresh = {};
	struct clock *c;
	__u32 key = ctx->key;
	long init, set, start;

	bpf_map_update_elem(&recent, &key, &fresh, BPF_NOEXIST);
	c = bpf_map_lookup_elem(&recent, &key);
	if (!c)
		return -1;
	init = bpf_timer_init(&c->timer, &recent, CLOCK_MONOTONIC);
	set = bpf_timer_set_callback(&c->timer, tick);
	start = bpf_timer_start(&c->timer, ctx->nsecs, 0);
	return B(init) | B(set) << 8 | B(start) << 16;
}

/* The arguments' checks: start and cancel before init, set_callback before init, init with
 * bad clocks and flags, init twice, start without a callback, start with unknown flags. */
SEC("syscall")
int misuse(struct args *ctx)
{
	struct clock *c = clock_of(&clocks, ctx->key);
	__u64 out = 0;

	if (!c)
		return -1;
	out |= B(bpf_timer_start(&c->timer, 0, 0));
	out |= B(bpf_timer_cancel(&c->timer)) << 8;
	out |= B(bpf_timer_set_callback(&c->timer, tick)) << 16;
	out |= B(bpf_timer_init(&c->timer, &clocks, CLOCK_PROCESS_CPUTIME_ID)) << 24;
	out |= B(bpf_timer_init(&c->timer, &clocks, 16 | CLOCK_MONOTONIC)) << 32;
	out |= B(bpf_timer_init(&c->timer, &clocks, ctx->clock)) << 40;
	out |= B(bpf_timer_init(&c->timer, &clocks, ctx->clock)) << 48;
	out |= B(bpf_timer_start(&c->timer, 0, 0)) << 56;
	c->ticks = out;
	return B(bpf_timer_start(&c->timer, 0, 4));
}

/* Cancel: 1 for an armed timer, 0 once it is not; a start after the cancel has no callback. */
SEC("syscall")
int cancel(struct args *ctx)
{
	struct clock *c = clock_of(&clocks, ctx->key);
	long first, second, start;

	if (!c)
		return -1;
	bpf_timer_init(&c->timer, &clocks, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&c->timer, tick);
	bpf_timer_start(&c->timer, 1000 * MSEC, 0);
	first = bpf_timer_cancel(&c->timer);
	second = bpf_timer_cancel(&c->timer);
	start = bpf_timer_start(&c->timer, 0, 0);
	return B(first) | B(second) << 8 | B(start) << 16;
}

/* A callback cancelling its own timer: -EDEADLK (kept in the value). */
SEC("syscall")
int arm_self_cancel(struct args *ctx)
{
	struct clock *c = clock_of(&clocks, ctx->key);

	if (!c)
		return -1;
	bpf_timer_init(&c->timer, &clocks, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&c->timer, tick_cancels_itself);
	return bpf_timer_start(&c->timer, 0, 0);
}

/* Absolute expiry: now + nsecs on the timer's clock. */
SEC("syscall")
int arm_absolute(struct args *ctx)
{
	struct clock *c = clock_of(&clocks, ctx->key);
	__u64 now;
	long init, set, start;

	if (!c)
		return -1;
	init = bpf_timer_init(&c->timer, &clocks, ctx->clock);
	set = bpf_timer_set_callback(&c->timer, tick);
	now = ctx->clock == CLOCK_BOOTTIME ? bpf_ktime_get_boot_ns() : bpf_ktime_get_ns();
	start = bpf_timer_start(&c->timer, now + ctx->nsecs, ctx->flags | BPF_F_TIMER_ABS);
	return B(init) | B(set) << 8 | B(start) << 16;
}

/* A delete of a hash element from a program (the key on the stack: the JIT's native delete). */
SEC("syscall")
int delete_hashed(struct args *ctx)
{
	__u32 key = ctx->key;

	return bpf_map_delete_elem(&hashed, &key);
}

/* A callback calling a chain of seven functions, each with a stack of its own: the deepest chain
 * the verifier takes from a callback, which the kernel runs as a new call chain (the callback's frame
 * is frame 0: bpf_timer_cb calls it as a program's entry).  The result (the frames the chain went
 * through, and the sum of what each frame kept on its stack) lands in rearms. */
#define CHAIN(name, next)                                        \
	static __attribute__((noinline)) __u64 name(__u64 depth) \
	{                                                        \
		volatile __u64 kept[4];                          \
                                                                 \
		kept[0] = depth;                                 \
		kept[3] = depth * 16;                            \
		return next(kept[0] + 1) + kept[3];              \
	}

static __attribute__((noinline)) __u64 chain7(__u64 depth)
{
	volatile __u64 kept[4];

	kept[1] = depth << 32;
	return kept[1];
}
CHAIN(chain6, chain7)
CHAIN(chain5, chain6)
CHAIN(chain4, chain5)
CHAIN(chain3, chain4)
CHAIN(chain2, chain3)
CHAIN(chain1, chain2)

static int tick_deep(void *map, __u32 *key, struct clock *c)
{
	volatile __u64 kept[4];

	kept[2] = chain1(1);
	c->rearms = kept[2];
	c->ticks++;
	return 0;
}

SEC("syscall")
int arm_deep(struct args *ctx)
{
	struct clock *c = clock_of(&clocks, ctx->key);
	long init, set, start;

	if (!c)
		return -1;
	init = bpf_timer_init(&c->timer, &clocks, CLOCK_MONOTONIC);
	set = bpf_timer_set_callback(&c->timer, tick_deep);
	start = bpf_timer_start(&c->timer, 0, 0);
	return B(init) | B(set) << 8 | B(start) << 16;
}

/* bpf_timer_init alone: its answer (another process may have initialised the timer). */
SEC("syscall")
int init_only(struct args *ctx)
{
	struct clock *c = clock_of(&clocks, ctx->key);

	if (!c)
		return -1;
	return B(bpf_timer_init(&c->timer, &clocks, CLOCK_MONOTONIC));
}

/* A timer in a hash value that also holds a bpf_spin_lock: a BPF_F_LOCK update of the element
 * copies the value in place and keeps the timer; any other update frees it. */
struct locked_clock {
	struct bpf_spin_lock lock;
	__u32 pad;
	struct clock c;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct locked_clock);
	__uint(max_entries, 4);
} locked SEC(".maps");

static int tick_locked(void *map, __u32 *key, struct locked_clock *v)
{
	v->c.ticks++;
	witnessed();
	return 0;
}

SEC("syscall")
int arm_locked(struct args *ctx)
{
	struct locked_clock fresh = {};
	struct locked_clock *v;
	__u32 key = ctx->key;
	long init, set, start;

	bpf_map_update_elem(&locked, &key, &fresh, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&locked, &key);
	if (!v)
		return -1;
	init = bpf_timer_init(&v->c.timer, &locked, CLOCK_MONOTONIC);
	set = bpf_timer_set_callback(&v->c.timer, tick_locked);
	start = bpf_timer_start(&v->c.timer, ctx->nsecs, 0);
	return B(init) | B(set) << 8 | B(start) << 16;
}

char LICENSE[] SEC("license") = "GPL";

/* One helper each, on a timer another process may have initialised (tests/helpers/
 * test_timer_processes.py): the helper's answer. */
SEC("syscall")
int start_only(struct args *ctx)
{
	struct clock *c = clock_of(&clocks, ctx->key);

	if (!c)
		return -1;
	c->rearms = ctx->rearms;
	return B(bpf_timer_start(&c->timer, ctx->nsecs, ctx->flags));
}

SEC("syscall")
int cancel_only(struct args *ctx)
{
	struct clock *c = clock_of(&clocks, ctx->key);

	if (!c)
		return -1;
	return B(bpf_timer_cancel(&c->timer));
}

SEC("syscall")
int set_callback_only(struct args *ctx)
{
	struct clock *c = clock_of(&clocks, ctx->key);

	if (!c)
		return -1;
	return B(bpf_timer_set_callback(&c->timer, tick));
}

/* init and set_callback, not started. */
SEC("syscall")
int init_and_set(struct args *ctx)
{
	struct clock *c = clock_of(&clocks, ctx->key);
	long init, set;

	if (!c)
		return -1;
	init = bpf_timer_init(&c->timer, &clocks, ctx->clock);
	set = bpf_timer_set_callback(&c->timer, tick);
	return B(init) | B(set) << 8;
}
