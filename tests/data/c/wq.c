/* Workqueues and task work in map values: struct bpf_wq with the kfuncs bpf_wq_init,
 * bpf_wq_set_callback_impl and bpf_wq_start, and Linux 6.18's struct bpf_task_work with
 * bpf_task_work_schedule_signal_impl / _resume_impl (kernel/bpf/helpers.c's common set).  Each
 * callback is verified as an asynchronous one: its own path, (map, key, value) for arguments.  The
 * themes of the kernel's selftests wq.c, wq_failures.c and task_work.c, written afresh: the programs
 * named *_refused are the mistakes the verifier refuses. */
#include "bpf_helpers.h"

struct bpf_wq {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

struct bpf_task_work {
	__u64 __opaque;
} __attribute__((aligned(8)));

struct task_struct;
struct bpf_map;

extern int bpf_wq_init(struct bpf_wq *wq, void *p__map, unsigned int flags) __ksym;
extern int bpf_wq_start(struct bpf_wq *wq, unsigned int flags) __ksym;
extern int bpf_wq_set_callback_impl(struct bpf_wq *wq, int (callback_fn)(void *map, int *key, void *value),
				    unsigned int flags, void *aux__prog) __ksym;
typedef int (*bpf_task_work_callback_t)(struct bpf_map *map, void *key, void *value);
extern int bpf_task_work_schedule_signal_impl(struct task_struct *task, struct bpf_task_work *tw,
					      void *map__map, bpf_task_work_callback_t callback,
					      void *aux__prog) __ksym;
extern int bpf_task_work_schedule_resume_impl(struct task_struct *task, struct bpf_task_work *tw,
					      void *map__map, bpf_task_work_callback_t callback,
					      void *aux__prog) __ksym;
extern struct task_struct *bpf_task_from_pid(int pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

struct work {
	__u64 count;
	struct bpf_wq wq;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct work);
	__uint(max_entries, 2);
} works SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct work);
	__uint(max_entries, 2);
} other_works SEC(".maps");

struct plain {
	__u64 count;
	__u64 more[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct plain);
	__uint(max_entries, 1);
} plains SEC(".maps");

struct job {
	struct bpf_task_work tw;
	__u64 runs;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct job);
	__uint(max_entries, 1);
} jobs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct job);
	__uint(max_entries, 1);
} other_jobs SEC(".maps");

static int count_up(void *map, int *key, void *value)
{
	struct work *w = value;

	w->count += *key + 1;
	return 0;
}

static int answer_one(void *map, int *key, void *value)
{
	return 1;
}

static int job_done(struct bpf_map *map, void *key, void *value)
{
	struct job *j = value;

	j->runs++;
	return 0;
}

static int job_negative(struct bpf_map *map, void *key, void *value)
{
	return -7;
}

static __always_inline struct work *work_at(__u32 key)
{
	return bpf_map_lookup_elem(&works, &key);
}

/* init, set the callback, start: each answer kept in the value's count (0, 0, 0 make 0). */
static __always_inline int schedule(__u32 key, unsigned int flags)
{
	struct work *w = work_at(key);
	int init, set, start;

	if (!w)
		return -1;
	init = bpf_wq_init(&w->wq, &works, flags);
	set = bpf_wq_set_callback_impl(&w->wq, count_up, flags, 0);
	start = bpf_wq_start(&w->wq, flags);
	return (init & 0xff) | (set & 0xff) << 8 | (start & 0xff) << 16;
}

SEC("syscall")
int wq_syscall(void *ctx)
{
	return schedule(0, 0);
}

SEC("xdp")
int wq_xdp(struct xdp_md *ctx)
{
	return schedule(1, 0) ? XDP_DROP : XDP_PASS;
}

SEC("tc")
int wq_tc_flags(struct __sk_buff *ctx)
{
	return schedule(1, 1);
}

SEC("syscall")
int wq_start_first(void *ctx)
{
	struct work *w = work_at(0);

	if (!w)
		return -1;
	return bpf_wq_start(&w->wq, 0);
}

SEC("syscall")
int wq_init_twice(void *ctx)
{
	struct work *w = work_at(1);
	int first, second;

	if (!w)
		return -1;
	first = bpf_wq_init(&w->wq, &works, 0);
	second = bpf_wq_init(&w->wq, &works, 0);
	return (first & 0xff) | (second & 0xff) << 8;
}

SEC("raw_tp/sys_enter")
int wq_raw_tp(void *ctx)
{
	return schedule(0, 0);
}

SEC("syscall")
int wq_other_map_refused(void *ctx)
{
	struct work *w = work_at(0);

	if (!w)
		return 0;
	return bpf_wq_init(&w->wq, &other_works, 0);
}

SEC("syscall")
int wq_plain_map_refused(void *ctx)
{
	__u32 key = 0;
	struct plain *p = bpf_map_lookup_elem(&plains, &key);

	if (!p)
		return 0;
	return bpf_wq_init((struct bpf_wq *)&p->more, &plains, 0);
}

SEC("syscall")
int wq_stack_refused(void *ctx)
{
	struct bpf_wq wq = {};

	return bpf_wq_init(&wq, &works, 0);
}

SEC("syscall")
int wq_offset_refused(void *ctx)
{
	struct work *w = work_at(0);

	if (!w)
		return 0;
	return bpf_wq_init((struct bpf_wq *)&w->count, &works, 0);
}

SEC("syscall")
int wq_read_refused(void *ctx)
{
	struct work *w = work_at(0);

	if (!w)
		return 0;
	return w->wq.__opaque[1];
}

SEC("syscall")
int wq_unchecked_refused(void *ctx)
{
	__u32 key = 0;
	struct work *w = bpf_map_lookup_elem(&works, &key);

	return bpf_wq_init(&w->wq, &works, 0);
}

SEC("syscall")
int wq_callback_one(void *ctx)
{
	struct work *w = work_at(0);

	if (!w)
		return 0;
	return bpf_wq_set_callback_impl(&w->wq, answer_one, 0, 0);
}

static __always_inline int add_work(int signal, bpf_task_work_callback_t cb, void *map)
{
	__u32 key = 0;
	struct task_struct *task;
	struct job *j;
	int err;

	j = bpf_map_lookup_elem(&jobs, &key);
	if (!j)
		return -1;
	task = bpf_task_from_pid(1);
	if (!task)
		return -2;
	if (signal)
		err = bpf_task_work_schedule_signal_impl(task, &j->tw, map, cb, 0);
	else
		err = bpf_task_work_schedule_resume_impl(task, &j->tw, map, cb, 0);
	bpf_task_release(task);
	return err;
}

SEC("syscall")
int task_work_signal(void *ctx)
{
	return add_work(1, job_done, &jobs);
}

SEC("syscall")
int task_work_resume(void *ctx)
{
	return add_work(0, job_done, &jobs);
}

SEC("syscall")
int task_work_negative(void *ctx)
{
	return add_work(0, job_negative, &jobs);
}

SEC("syscall")
int task_work_other_map_refused(void *ctx)
{
	return add_work(1, job_done, &other_jobs);
}

SEC("syscall")
int task_work_stack_refused(void *ctx)
{
	struct bpf_task_work tw = {};
	struct task_struct *task = bpf_task_from_pid(1);
	int err;

	if (!task)
		return 0;
	err = bpf_task_work_schedule_signal_impl(task, &tw, &jobs, job_done, 0);
	bpf_task_release(task);
	return err;
}

SEC("xdp")
int task_work_xdp(struct xdp_md *ctx)
{
	return add_work(1, job_done, &jobs) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
