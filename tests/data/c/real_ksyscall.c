/* In the style of libbpf-tools' sigsnoop/killsnoop and funccount: kill() seen through the syscall
 * wrapper (ksyscall/kretsyscall: the real arguments are in the pt_regs the wrapper is handed, read
 * with CO-RE), and a kprobe.multi program counting calls per function address (bpf_get_func_ip). */
#include "vmlinux.h"
#include "bpf_tracing.h"

static __u64 (*bpf_get_func_ip)(void *ctx) = (void *)173;

struct kill_args {
	__u32 target;
	int sig;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct kill_args);
} pending_kills SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 4096);
} kill_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} call_counts SEC(".maps");

struct kill_event {
	__u32 pid;
	__u32 target;
	int sig;
	int ret;
	char comm[16];
};

const volatile int only_signal = 0;

SEC("ksyscall/kill")
int kill_entry(struct pt_regs *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)PT_REGS_PARM1(ctx);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct kill_args args = {};

	args.target = BPF_CORE_READ(regs, di);
	args.sig = BPF_CORE_READ(regs, si);
	if (only_signal && args.sig != only_signal)
		return 0;
	bpf_map_update_elem(&pending_kills, &tid, &args, BPF_ANY);
	return 0;
}

SEC("kretsyscall/kill")
int BPF_KRETPROBE(kill_exit, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct kill_args *args;
	struct kill_event *event;

	args = bpf_map_lookup_elem(&pending_kills, &tid);
	if (!args)
		return 0;
	event = bpf_ringbuf_reserve(&kill_events, sizeof(*event), 0);
	if (event) {
		event->pid = id >> 32;
		event->target = args->target;
		event->sig = args->sig;
		event->ret = ret;
		bpf_get_current_comm(event->comm, sizeof(event->comm));
		bpf_ringbuf_submit(event, 0);
	}
	bpf_map_delete_elem(&pending_kills, &tid);
	return 0;
}

SEC("kprobe.multi/tcp_sendmsg*")
int count_calls(struct pt_regs *ctx)
{
	__u64 ip = bpf_get_func_ip(ctx), one = 1, *count;

	count = bpf_map_lookup_elem(&call_counts, &ip);
	if (count)
		*count += 1;
	else
		bpf_map_update_elem(&call_counts, &ip, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
