/* In the style of libbpf-tools' statsnoop: the stat family of syscalls (statfs, newstat, statx,
 * newfstatat) sharing one entry/exit pair of helpers, the path copied from user memory at exit and
 * sent through a ring buffer with bpf_ringbuf_output; a bpf_printk when the ring is full. */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define NAME_MAX 255

const volatile pid_t target_pid = 0;
const volatile bool trace_failed_only = false;

struct stat_event {
	__u64 ts_ns;
	__u32 pid;
	int ret;
	char comm[16];
	char pathname[NAME_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, const char *);
} stat_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} stat_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stat_event);
} stat_scratch SEC(".maps");

static __always_inline int probe_entry(const char *pathname)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;

	if (target_pid && target_pid != (id >> 32))
		return 0;
	if (!pathname)
		return 0;
	bpf_map_update_elem(&stat_paths, &tid, &pathname, BPF_ANY);
	return 0;
}

static __always_inline int probe_return(int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, zero = 0;
	struct stat_event *event;
	const char **pathname;

	pathname = bpf_map_lookup_elem(&stat_paths, &tid);
	if (!pathname)
		return 0;
	if (trace_failed_only && ret >= 0)
		goto cleanup;
	event = bpf_map_lookup_elem(&stat_scratch, &zero);
	if (!event)
		goto cleanup;
	event->ts_ns = bpf_ktime_get_ns();
	event->pid = id >> 32;
	event->ret = ret;
	bpf_get_current_comm(&event->comm, sizeof(event->comm));
	bpf_probe_read_user_str(event->pathname, sizeof(event->pathname), *pathname);
	if (bpf_ringbuf_output(&stat_events, event, sizeof(*event), 0))
		bpf_printk("statsnoop: ring full, pid %d lost", event->pid);
cleanup:
	bpf_map_delete_elem(&stat_paths, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_statfs")
int statfs_entry(struct trace_event_raw_sys_enter *ctx)
{
	return probe_entry((const char *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_exit_statfs")
int statfs_return(struct trace_event_raw_sys_exit *ctx)
{
	return probe_return((int)ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_newstat")
int newstat_entry(struct trace_event_raw_sys_enter *ctx)
{
	return probe_entry((const char *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_statx")
int statx_entry(struct trace_event_raw_sys_enter *ctx)
{
	return probe_entry((const char *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_newfstatat")
int newfstatat_entry(struct trace_event_raw_sys_enter *ctx)
{
	return probe_entry((const char *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_newfstatat")
int newfstatat_return(struct trace_event_raw_sys_exit *ctx)
{
	return probe_return((int)ctx->ret);
}

char LICENSE[] SEC("license") = "GPL";
