/* In the style of libbpf-tools' bashreadline: the lines bash reads, from a uretprobe on readline()
 * (a KPROBE program on a user function), the returned user string copied with
 * bpf_probe_read_user_str and sent through a perf event array. */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define MAX_LINE_SIZE 80

struct readline_event {
	__u32 pid;
	char comm[16];
	char line[MAX_LINE_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} readline_events SEC(".maps");

SEC("uretprobe//bin/bash:readline")
int BPF_KRETPROBE(readline_return, const void *ret)
{
	struct readline_event event = {};

	if (!ret)
		return 0;
	event.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(&event.comm, sizeof(event.comm));
	bpf_probe_read_user_str(&event.line, sizeof(event.line), ret);
	bpf_perf_event_output(ctx, &readline_events, BPF_F_CURRENT_CPU, &event, sizeof(event));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
