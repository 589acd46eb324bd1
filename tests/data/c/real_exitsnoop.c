/* In the style of libbpf-tools' exitsnoop: process exits from the sched:sched_process_exit
 * tracepoint, the exit code and start time read from the current task through CO-RE, threads
 * skipped unless asked for, events sent through a ring buffer. */
#include "vmlinux.h"
#include "bpf_tracing.h"

const volatile pid_t target_pid = 0;
const volatile bool trace_failed_only = false;
const volatile bool trace_by_process = true;

struct exit_event {
	__u64 start_time;
	__u64 exit_time;
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 sig;
	int exit_code;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} exit_events SEC(".maps");

SEC("tracepoint/sched/sched_process_exit")
int sched_process_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32, tid = (__u32)id;
	struct task_struct *task;
	struct exit_event *event;
	int exit_code;

	if (target_pid && target_pid != pid)
		return 0;
	if (trace_by_process && pid != tid)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	exit_code = BPF_CORE_READ(task, exit_code);
	if (trace_failed_only && exit_code == 0)
		return 0;
	event = bpf_ringbuf_reserve(&exit_events, sizeof(*event), 0);
	if (!event)
		return 0;
	event->start_time = BPF_CORE_READ(task, start_time);
	event->exit_time = bpf_ktime_get_ns();
	event->pid = pid;
	event->tid = tid;
	event->ppid = BPF_CORE_READ(task, real_parent, tgid);
	event->sig = exit_code & 0xff;
	event->exit_code = exit_code >> 8;
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	bpf_ringbuf_submit(event, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
