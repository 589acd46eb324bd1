/* In the style of libbpf-tools' execsnoop: exec() calls with their arguments, from the syscall
 * tracepoints, filtered by const volatile configuration, sent through a perf event array. */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define ARGSIZE 64
#define MAX_ARGS 8
#define TASK_COMM_LEN 16

struct exec_event {
	__u32 pid;
	__u32 ppid;
	__u32 uid;
	__s32 retval;
	__u32 args_count;
	__u32 args_size;
	char comm[TASK_COMM_LEN];
	char args[MAX_ARGS * ARGSIZE];
};

const volatile __u32 filter_uid = (__u32)-1;
const volatile bool ignore_failed = true;
const volatile int max_args = MAX_ARGS;

static const struct exec_event empty_event = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct exec_event);
} execs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} exec_events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execve")
int trace_execve_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	__u32 uid = (__u32)bpf_get_current_uid_gid();
	struct task_struct *task;
	struct exec_event *event;
	const char **argv;
	const char *argp;
	int i;

	if (filter_uid != (__u32)-1 && uid != filter_uid)
		return 0;
	if (bpf_map_update_elem(&execs, &tgid, &empty_event, BPF_NOEXIST))
		return 0;
	event = bpf_map_lookup_elem(&execs, &tgid);
	if (!event)
		return 0;

	event->pid = tgid;
	event->uid = uid;
	task = (struct task_struct *)bpf_get_current_task();
	event->ppid = BPF_CORE_READ(task, real_parent, tgid);
	event->args_count = 0;
	event->args_size = 0;

	long len = bpf_probe_read_user_str(event->args, ARGSIZE, (const char *)ctx->args[0]);
	if (len <= ARGSIZE)
		event->args_size += len;
	else
		event->args[0] = '\0';

	argv = (const char **)ctx->args[1];
	for (i = 1; i < MAX_ARGS && i < max_args; i++) {
		if (bpf_probe_read_user(&argp, sizeof(argp), &argv[i]) || !argp)
			return 0;
		if (event->args_size > (MAX_ARGS - 1) * ARGSIZE)
			return 0;
		len = bpf_probe_read_user_str(&event->args[event->args_size], ARGSIZE, argp);
		if (len > ARGSIZE)
			return 0;
		event->args_count++;
		event->args_size += len;
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int trace_execve_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct exec_event *event;
	__u32 size;
	int ret = ctx->ret;

	event = bpf_map_lookup_elem(&execs, &tgid);
	if (!event)
		return 0;
	if (ignore_failed && ret < 0)
		goto cleanup;
	event->retval = ret;
	bpf_get_current_comm(&event->comm, sizeof(event->comm));
	size = sizeof(*event) - MAX_ARGS * ARGSIZE + event->args_size;
	if (size <= sizeof(*event))
		bpf_perf_event_output(ctx, &exec_events, BPF_F_CURRENT_CPU, event, size);
cleanup:
	bpf_map_delete_elem(&execs, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
