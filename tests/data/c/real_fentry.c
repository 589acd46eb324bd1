/* In the style of libbpf-tools built on BPF trampolines (fsslower, runqslower, tcprtt): fentry/fexit
 * on a kernel function with its typed arguments (BPF_PROG), and tp_btf/sched_switch reading the
 * task_structs it is handed directly, without probe reads. */
#include "vmlinux.h"
#include "bpf_tracing.h"

const volatile pid_t target_tgid = 0;
const volatile __u64 min_us = 10000;

struct slow_event {
	__u64 delta_us;
	__u32 pid;
	__u32 prev_pid;
	char task[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} started SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} slow_events SEC(".maps");

SEC("fentry/do_unlinkat")
int BPF_PROG(unlinkat_entry, int dfd, struct filename *name)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&started, &tid, &ts, BPF_ANY);
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(unlinkat_exit, int dfd, struct filename *name, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct slow_event *event;
	__u64 *tsp, delta_us;

	tsp = bpf_map_lookup_elem(&started, &tid);
	if (!tsp)
		return 0;
	delta_us = (bpf_ktime_get_ns() - *tsp) / 1000;
	bpf_map_delete_elem(&started, &tid);
	if (delta_us < min_us)
		return 0;
	event = bpf_ringbuf_reserve(&slow_events, sizeof(*event), 0);
	if (!event)
		return 0;
	event->delta_us = delta_us;
	event->pid = tid;
	event->prev_pid = 0;
	bpf_probe_read_kernel_str(event->task, sizeof(event->task), name->name);
	bpf_ringbuf_submit(event, 0);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(wakeup_btf, struct task_struct *p)
{
	__u32 pid = p->pid;
	__u64 ts = bpf_ktime_get_ns();

	if (target_tgid && p->tgid != target_tgid)
		return 0;
	bpf_map_update_elem(&started, &pid, &ts, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 pid = next->pid;
	struct slow_event *event;
	__u64 *tsp, delta_us;

	tsp = bpf_map_lookup_elem(&started, &pid);
	if (!tsp)
		return 0;
	delta_us = (bpf_ktime_get_ns() - *tsp) / 1000;
	bpf_map_delete_elem(&started, &pid);
	if (delta_us < min_us)
		return 0;
	event = bpf_ringbuf_reserve(&slow_events, sizeof(*event), 0);
	if (!event)
		return 0;
	event->delta_us = delta_us;
	event->pid = pid;
	event->prev_pid = prev->pid;
	__builtin_memcpy(event->task, next->comm, sizeof(event->task));
	bpf_ringbuf_submit(event, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
