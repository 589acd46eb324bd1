/* In the style of libbpf-tools' runqlat (raw tracepoint flavour): run-queue latency per task, the
 * task_struct fields read with BPF_CORE_READ, a per-pid-namespace filter, a shared histogram. */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define MAX_SLOTS 26
#define TASK_RUNNING 0

const volatile bool filter_by_tgid = false;
const volatile pid_t target_tgid = 0;
const volatile bool per_process = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} enqueued SEC(".maps");

struct lat_hist {
	__u32 slots[MAX_SLOTS];
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct lat_hist);
} lat_hists SEC(".maps");

static struct lat_hist initial_hist;

static __noinline int trace_enqueue(__u32 tgid, __u32 pid)
{
	__u64 ts;

	if (!pid)
		return 0;
	if (filter_by_tgid && target_tgid != tgid)
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&enqueued, &pid, &ts, BPF_ANY);
	return 0;
}

static __always_inline unsigned int slot_of(__u64 v)
{
	unsigned int slot = 0;

	for (int i = 0; i < MAX_SLOTS - 1; i++) {
		if (v <= 1)
			break;
		v >>= 1;
		slot++;
	}
	return slot;
}

static __noinline int handle_switch(bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct lat_hist *histp;
	__u64 *tsp, delta;
	__u32 pid, hkey;
	unsigned int slot;

	if (BPF_CORE_READ(prev, __state) == TASK_RUNNING)
		trace_enqueue(BPF_CORE_READ(prev, tgid), BPF_CORE_READ(prev, pid));
	pid = BPF_CORE_READ(next, pid);
	tsp = bpf_map_lookup_elem(&enqueued, &pid);
	if (!tsp)
		return 0;
	delta = (bpf_ktime_get_ns() - *tsp) / 1000U;
	hkey = per_process ? BPF_CORE_READ(next, tgid) : (__u32)-1;
	histp = bpf_map_lookup_elem(&lat_hists, &hkey);
	if (!histp) {
		bpf_map_update_elem(&lat_hists, &hkey, &initial_hist, BPF_NOEXIST);
		histp = bpf_map_lookup_elem(&lat_hists, &hkey);
		if (!histp)
			goto cleanup;
		if (per_process)
			bpf_core_read_str(&histp->comm, sizeof(histp->comm), &next->comm);
	}
	slot = slot_of(delta);
	__sync_fetch_and_add(&histp->slots[slot], 1);
cleanup:
	bpf_map_delete_elem(&enqueued, &pid);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(runq_wakeup, struct task_struct *p)
{
	return trace_enqueue(BPF_CORE_READ(p, tgid), BPF_CORE_READ(p, pid));
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(runq_wakeup_new, struct task_struct *p)
{
	return trace_enqueue(BPF_CORE_READ(p, tgid), BPF_CORE_READ(p, pid));
}

SEC("raw_tp/sched_switch")
int BPF_PROG(runq_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return handle_switch(preempt, prev, next);
}

char LICENSE[] SEC("license") = "GPL";
