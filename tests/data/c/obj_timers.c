/* struct bpf_timer in map values, on the themes of the kernel's selftests timer_failure.c and
 * timer.c (written afresh): the timer helpers' arguments (the timer's own map, the timer's exact
 * offset), direct loads and stores of the timer, the callback's arguments and return value, and
 * what the callback may do with them.  Programs named ok_* load; every other makes one mistake. */
#include "bpf_helpers.h"

struct bpf_timer {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

static long (*bpf_timer_init)(struct bpf_timer *timer, void *map, __u64 flags) = (void *)169;
static long (*bpf_timer_set_callback)(struct bpf_timer *timer, void *callback_fn) = (void *)170;
static long (*bpf_timer_start)(struct bpf_timer *timer, __u64 nsecs, __u64 flags) = (void *)171;
static long (*bpf_timer_cancel)(struct bpf_timer *timer) = (void *)172;

#define CLOCK_MONOTONIC 1

struct clockwork {
	__u64 ticks;
	struct bpf_timer timer;
	__u32 small[2];
};

struct plain {
	__u64 ticks;
	__u64 other[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct clockwork);
	__uint(max_entries, 2);
} clocks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct clockwork);
	__uint(max_entries, 4);
} hashed_clocks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct plain);
	__uint(max_entries, 1);
} plains SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

static __always_inline struct clockwork *clock_at(void *map, __u32 key)
{
	return bpf_map_lookup_elem(map, &key);
}

static int tick(void *map, __u32 *key, struct clockwork *c)
{
	c->ticks++;
	return 0;
}

static int tick_returns_one(void *map, __u32 *key, struct clockwork *c)
{
	c->ticks++;
	return 1;
}

static int tick_returns_unknown(void *map, __u32 *key, struct clockwork *c)
{
	return c->ticks;
}

static int tick_rearms(void *map, __u32 *key, struct clockwork *c)
{
	bpf_timer_start(&c->timer, 1000, 0);
	return 0;
}

static int tick_reads_key(void *map, __u32 *key, struct clockwork *c)
{
	c->ticks += *key;
	return 0;
}

static int tick_writes_key(void *map, __u32 *key, struct clockwork *c)
{
	*key = 1;
	return 0;
}

static int tick_writes_past_value(void *map, __u32 *key, struct clockwork *c)
{
	((__u64 *)c)[4] = 1;
	return 0;
}

static int tick_touches_timer(void *map, __u32 *key, struct clockwork *c)
{
	c->timer.__opaque[0] = 0;
	return 0;
}

static int tick_leaks_record(void *map, __u32 *key, struct clockwork *c)
{
	bpf_ringbuf_reserve(&events, 8, 0);
	return 0;
}

static int tick_cancels_itself(void *map, __u32 *key, struct clockwork *c)
{
	bpf_timer_cancel(&c->timer);
	return 0;
}

static int tick_deletes_own_element(void *map, __u32 *key, struct clockwork *c)
{
	bpf_map_delete_elem(map, key);
	return 0;
}

#define ARM(MAP, CB)                                                   \
	struct clockwork *c = clock_at(&MAP, 0);                       \
	if (!c)                                                        \
		return XDP_PASS;                                       \
	bpf_timer_init(&c->timer, &MAP, CLOCK_MONOTONIC);              \
	bpf_timer_set_callback(&c->timer, CB);                         \
	bpf_timer_start(&c->timer, 1000, 0);                           \
	return XDP_PASS

SEC("xdp")
int ok_arm(struct xdp_md *ctx)
{
	ARM(clocks, tick);
}

SEC("xdp")
int ok_arm_hash(struct xdp_md *ctx)
{
	ARM(hashed_clocks, tick);
}

SEC("xdp")
int callback_returns_one(struct xdp_md *ctx)
{
	ARM(clocks, tick_returns_one);
}

SEC("xdp")
int callback_returns_unknown(struct xdp_md *ctx)
{
	ARM(clocks, tick_returns_unknown);
}

SEC("xdp")
int ok_callback_rearms(struct xdp_md *ctx)
{
	ARM(clocks, tick_rearms);
}

SEC("xdp")
int ok_callback_reads_key(struct xdp_md *ctx)
{
	ARM(clocks, tick_reads_key);
}

SEC("xdp")
int callback_writes_key(struct xdp_md *ctx)
{
	ARM(clocks, tick_writes_key);
}

SEC("xdp")
int callback_writes_past_value(struct xdp_md *ctx)
{
	ARM(clocks, tick_writes_past_value);
}

SEC("xdp")
int callback_touches_timer(struct xdp_md *ctx)
{
	ARM(clocks, tick_touches_timer);
}

SEC("xdp")
int callback_leaks_record(struct xdp_md *ctx)
{
	ARM(clocks, tick_leaks_record);
}

SEC("xdp")
int ok_callback_cancels_itself(struct xdp_md *ctx)
{
	ARM(clocks, tick_cancels_itself);
}

SEC("xdp")
int ok_callback_deletes_element(struct xdp_md *ctx)
{
	ARM(hashed_clocks, tick_deletes_own_element);
}

/* The timer of one map initialised with another map of the same value type. */
SEC("xdp")
int init_with_other_map(struct xdp_md *ctx)
{
	struct clockwork *c = clock_at(&clocks, 0);

	if (!c)
		return XDP_PASS;
	bpf_timer_init(&c->timer, &hashed_clocks, CLOCK_MONOTONIC);
	return XDP_PASS;
}

/* The helper given the value's first member instead of the timer. */
SEC("xdp")
int init_wrong_offset(struct xdp_md *ctx)
{
	struct clockwork *c = clock_at(&clocks, 0);

	if (!c)
		return XDP_PASS;
	bpf_timer_init((struct bpf_timer *)&c->ticks, &clocks, CLOCK_MONOTONIC);
	return XDP_PASS;
}

/* A map whose value has no timer. */
SEC("xdp")
int init_on_plain_value(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct plain *p = bpf_map_lookup_elem(&plains, &key);

	if (!p)
		return XDP_PASS;
	bpf_timer_init((struct bpf_timer *)&p->other, &plains, CLOCK_MONOTONIC);
	return XDP_PASS;
}

/* The timer read directly. */
SEC("xdp")
int read_timer(struct xdp_md *ctx)
{
	struct clockwork *c = clock_at(&clocks, 0);

	if (!c)
		return XDP_PASS;
	return c->timer.__opaque[1];
}

/* A read of the member after the timer (allowed). */
SEC("xdp")
int ok_read_after_timer(struct xdp_md *ctx)
{
	struct clockwork *c = clock_at(&clocks, 0);

	if (!c)
		return XDP_PASS;
	return c->small[0];
}

/* The timer's bytes copied out by a helper. */
SEC("xdp")
int helper_reads_timer(struct xdp_md *ctx)
{
	struct clockwork *c = clock_at(&clocks, 0);
	__u32 key = 1;

	if (!c)
		return XDP_PASS;
	bpf_map_update_elem(&clocks, &key, c, 0);
	return XDP_PASS;
}

/* A timer pointer at a variable offset. */
SEC("xdp")
int start_variable_offset(struct xdp_md *ctx)
{
	struct clockwork *c = clock_at(&clocks, 0);
	__u32 off = bpf_get_prandom_u32() & 8;

	if (!c)
		return XDP_PASS;
	bpf_timer_start((struct bpf_timer *)((char *)&c->timer + off), 1000, 0);
	return XDP_PASS;
}

/* A timer on the stack. */
SEC("xdp")
int start_stack_timer(struct xdp_md *ctx)
{
	struct bpf_timer t = {};

	bpf_timer_start(&t, 1000, 0);
	return XDP_PASS;
}

/* The callback set to something that is no function: a map value pointer. */
SEC("xdp")
int callback_not_a_function(struct xdp_md *ctx)
{
	struct clockwork *c = clock_at(&clocks, 0);

	if (!c)
		return XDP_PASS;
	bpf_timer_set_callback(&c->timer, c);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
