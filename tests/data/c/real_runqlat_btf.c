/* In the style of libbpf-tools' runqlat built on BTF tracepoints (tp_btf): the task_structs the
 * scheduler tracepoints hand over are read directly (trusted pointers, no probe reads), the wakeup
 * time kept per pid, the latency added to a log2 histogram (a hash of u64 slots). */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define MAX_SLOTS 26
#define TASK_RUNNING 0

const volatile pid_t target_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} wakeup_ts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_SLOTS);
	__type(key, __u64);
	__type(value, __u64);
} latency_slots SEC(".maps");

static __always_inline int enqueue(struct task_struct *p)
{
	__u32 pid = p->pid;
	__u64 ts;

	if (!pid || (target_tgid && p->tgid != target_tgid))
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&wakeup_ts, &pid, &ts, BPF_ANY);
	return 0;
}

static __always_inline __u64 log2_slot(__u64 v)
{
	__u64 slot = 0;

	while (v > 1 && slot < MAX_SLOTS - 1) {
		v >>= 1;
		slot++;
	}
	return slot;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(runq_wakeup, struct task_struct *p)
{
	return enqueue(p);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(runq_wakeup_new, struct task_struct *p)
{
	return enqueue(p);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(runq_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 pid = next->pid;
	__u64 *tsp, *count, delta_us, slot, one = 1;

	if (prev->__state == TASK_RUNNING)
		enqueue(prev);
	tsp = bpf_map_lookup_elem(&wakeup_ts, &pid);
	if (!tsp)
		return 0;
	delta_us = (bpf_ktime_get_ns() - *tsp) / 1000;
	bpf_map_delete_elem(&wakeup_ts, &pid);
	slot = log2_slot(delta_us);
	count = bpf_map_lookup_elem(&latency_slots, &slot);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&latency_slots, &slot, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
