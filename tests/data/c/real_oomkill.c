/* In the style of libbpf-tools' oomkill: the OOM killer's victim from a kprobe on oom_kill_process,
 * read through a chain of kernel pointers (oom_control -> chosen task -> its fields), with the
 * triggering task's comm, through a perf event array. */
#include "vmlinux.h"
#include "bpf_tracing.h"

struct oom_event {
	__u32 fpid;
	__u32 tpid;
	__u64 pages;
	char fcomm[16];
	char tcomm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} oom_events SEC(".maps");

SEC("kprobe/oom_kill_process")
int BPF_KPROBE(oom_kill_process, struct oom_control *oc, const char *message)
{
	struct oom_event event = {};
	struct task_struct *victim;

	event.fpid = bpf_get_current_pid_tgid() >> 32;
	victim = BPF_CORE_READ(oc, chosen);
	event.tpid = BPF_CORE_READ(victim, tgid);
	event.pages = BPF_CORE_READ(oc, totalpages);
	bpf_get_current_comm(event.fcomm, sizeof(event.fcomm));
	bpf_core_read_str(event.tcomm, sizeof(event.tcomm), &victim->comm);
	bpf_perf_event_output(ctx, &oom_events, BPF_F_CURRENT_CPU, &event, sizeof(event));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
