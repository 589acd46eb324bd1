/* Which special fields of a map value a tracing program (kprobe, tracepoint, perf_event, raw
 * tracepoint: is_tracing_prog_type()) may not reach: check_map_prog_compatibility() refuses the map
 * itself when the program first references it, before the walk -- a bpf_list_head or bpf_rb_root
 * ("tracing progs cannot use bpf_{list_head,rb_root} yet"), a bpf_spin_lock, a bpf_timer ("tracing
 * progs cannot use bpf_timer yet"), all EINVAL, in that order.  The other program types take the same
 * maps.  On the theme of the kernel's selftests verifier_helper_restricted.c; written afresh. */
#include "graph_kfuncs.h"

struct bpf_timer {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

static long (*bpf_timer_init)(struct bpf_timer *timer, void *map, __u64 flags) = (void *)169;

struct timed {
	__u64 count;
	struct bpf_timer t;
};

struct entry {
	__u64 key;
	struct bpf_list_node node;
};

struct listed {
	struct bpf_spin_lock lock;
	struct bpf_list_head items __contains(entry, node);
};

struct entry entry_anchor; /* (puts struct entry in the BTF the list head names) */

struct locked_timer {
	struct bpf_spin_lock lock;
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct timed);
	__uint(max_entries, 1);
} timers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct listed);
	__uint(max_entries, 1);
} lists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct locked_timer);
	__uint(max_entries, 1);
} locked_timers SEC(".maps");

static __always_inline int init_timer(void)
{
	__u32 key = 0;
	struct timed *v = bpf_map_lookup_elem(&timers, &key);

	if (!v)
		return 0;
	return bpf_timer_init(&v->t, &timers, 1) ? 1 : 0;
}

static __always_inline int count_of(void *map)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(map, &key);

	return v ? (int)(*v & 1) : 0;
}

SEC("kprobe/do_nanosleep")
int kprobe_timer_refused(void *ctx)
{
	return init_timer();
}

SEC("tp/syscalls/sys_enter_getpid")
int tracepoint_timer_refused(void *ctx)
{
	return init_timer();
}

SEC("perf_event")
int perf_event_timer_refused(void *ctx)
{
	return init_timer();
}

SEC("raw_tp/sys_enter")
int raw_tp_timer_refused(void *ctx)
{
	return init_timer();
}

SEC("raw_tp/sys_enter")
int raw_tp_timer_map_read_refused(void *ctx)
{
	return count_of(&timers);
}

SEC("kprobe/do_nanosleep")
int kprobe_list_map_refused(void *ctx)
{
	return count_of(&lists);
}

SEC("tp/syscalls/sys_enter_getpid")
int tracepoint_lock_and_timer_refused(void *ctx)
{
	return count_of(&locked_timers);
}

SEC("syscall")
int syscall_timer(void *ctx)
{
	return init_timer();
}

SEC("tc")
int tc_timer(void *ctx)
{
	return init_timer();
}

SEC("socket")
int socket_timer_map(void *ctx)
{
	return count_of(&timers);
}

SEC("tc")
int tc_list_map_lock_read_refused(void *ctx)
{
	return count_of(&lists);
}

char LICENSE[] SEC("license") = "GPL";
