/* The current task as a BTF-typed pointer (bpf_get_current_task_btf) in a kprobe and a raw
 * tracepoint: its fields read directly, the way newer libbpf-tools do instead of BPF_CORE_READ --
 * one hop (task->tgid) and two (task->real_parent->tgid, an untrusted pointer walk). */
#include "vmlinux.h"
#include "bpf_tracing.h"

static struct task_struct *(*bpf_get_current_task_btf)(void) = (void *)158;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} parents SEC(".maps");

SEC("kprobe/do_exit")
int task_btf_one_hop(struct pt_regs *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid, pid = task->pid;

	bpf_map_update_elem(&parents, &pid, &tgid, BPF_ANY);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int task_btf_parent(__u64 *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 pid = task->pid, ppid = task->real_parent->tgid;

	bpf_map_update_elem(&parents, &pid, &ppid, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
