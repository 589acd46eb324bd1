/* In the style of libbpf-tools' syscount: system calls counted (and timed) per syscall number or
 * per process from the raw sys_enter/sys_exit tracepoints, in a hash with atomic adds, with an
 * errors-only filter; the syscall number read from the saved registers through CO-RE. */
#include "vmlinux.h"
#include "bpf_tracing.h"

const volatile bool count_by_process = false;
const volatile bool measure_latency = true;
const volatile bool filter_failed = false;
const volatile int filter_errno = 0;
const volatile pid_t filter_pid = 0;

struct syscall_stats {
	__u64 count;
	__u64 total_ns;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} sys_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct syscall_stats);
} sys_stats SEC(".maps");

static const struct syscall_stats zero_stats;

static __noinline bool skip_task(__u32 tgid)
{
	if (filter_pid && filter_pid != tgid)
		return true;
	return false;
}

SEC("raw_tp/sys_enter")
int sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__u64 ts;

	if (skip_task(id >> 32))
		return 0;
	if (!measure_latency)
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&sys_start, &tid, &ts, BPF_ANY);
	return 0;
}

SEC("raw_tp/sys_exit")
int sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, key;
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	struct syscall_stats *stats;
	__u64 *start, delta = 0;
	long ret = (long)ctx->args[1];

	if (skip_task(id >> 32))
		return 0;
	if (filter_failed && ret >= 0)
		return 0;
	if (filter_errno && ret != -filter_errno)
		return 0;
	if (measure_latency) {
		start = bpf_map_lookup_elem(&sys_start, &tid);
		if (!start)
			return 0;
		delta = bpf_ktime_get_ns() - *start;
		bpf_map_delete_elem(&sys_start, &tid);
	}
	key = count_by_process ? id >> 32 : (__u32)BPF_CORE_READ(regs, orig_ax);
	stats = bpf_map_lookup_elem(&sys_stats, &key);
	if (!stats) {
		bpf_map_update_elem(&sys_stats, &key, &zero_stats, BPF_NOEXIST);
		stats = bpf_map_lookup_elem(&sys_stats, &key);
		if (!stats)
			return 0;
		if (count_by_process)
			bpf_get_current_comm(stats->comm, sizeof(stats->comm));
	}
	__sync_fetch_and_add(&stats->count, 1);
	if (measure_latency)
		__sync_fetch_and_add(&stats->total_ns, delta);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
