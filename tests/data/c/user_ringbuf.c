/* A user ring buffer consumer and a task storage counter, both in XDP programs BPF_PROG_TEST_RUN runs:
 * xdp_drain drains the samples user space produced (bpf_user_ringbuf_drain with a dynptr callback),
 * adding each sample's first u32 into totals[0] and counting samples in totals[1], and returns the
 * drain's result; xdp_task_count counts its runs in the calling task's storage. */
#include "bpf_helpers.h"

struct bpf_dynptr {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

struct task_struct;

static long (*bpf_user_ringbuf_drain)(void *map, void *callback_fn, void *ctx, __u64 flags) = (void *)209;
static long (*bpf_dynptr_read)(void *dst, __u32 len, const struct bpf_dynptr *src, __u32 offset,
			       __u64 flags) = (void *)201;
static struct task_struct *(*bpf_get_current_task_btf)(void) = (void *)158;
static void *(*bpf_task_storage_get)(void *map, struct task_struct *task, void *value, __u64 flags) = (void *)156;
static long (*bpf_task_storage_delete)(void *map, struct task_struct *task) = (void *)157;

struct {
	__uint(type, 31); /* BPF_MAP_TYPE_USER_RINGBUF */
	__uint(max_entries, 4096);
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} runs SEC(".maps");

static long add_sample(const struct bpf_dynptr *sample, void *ctx)
{
	__u32 zero = 0, one = 1, value = 0;
	__u64 *sum, *count;

	if (bpf_dynptr_read(&value, sizeof(value), sample, 0, 0))
		value = 1000;
	sum = bpf_map_lookup_elem(&totals, &zero);
	count = bpf_map_lookup_elem(&totals, &one);
	if (!sum || !count)
		return 1;
	*sum += value;
	*count += 1;
	return value == 0xFFFFFFFF; /* a sample of all ones stops the drain */
}

SEC("xdp")
int xdp_drain(struct xdp_md *ctx)
{
	long drained = bpf_user_ringbuf_drain(&samples, add_sample, 0, 0);

	return drained < 0 ? 100 - drained : drained;
}

SEC("xdp")
int xdp_task_count(struct xdp_md *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 *count = bpf_task_storage_get(&runs, task, 0, 1);

	if (!count)
		return XDP_ABORTED;
	*count += 1;
	if (*count >= 3) {
		bpf_task_storage_delete(&runs, task);
		return XDP_DROP;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
