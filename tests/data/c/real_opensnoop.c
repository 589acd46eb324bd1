/* In the style of libbpf-tools' opensnoop: openat() entry saved per thread, the result joined at
 * exit and sent through a ring buffer; pid/uid filters and a failed-only switch from .rodata. */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define NAME_MAX 255
#define TASK_COMM_LEN 16

struct open_args {
	const char *fname;
	int flags;
	__u64 start;
};

struct open_event {
	__u64 duration_ns;
	__u32 pid;
	__u32 uid;
	int ret;
	int flags;
	char comm[TASK_COMM_LEN];
	char fname[NAME_MAX];
};

const volatile pid_t target_pid = 0;
const volatile uid_t target_uid = (uid_t)-1;
const volatile bool failed_only = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct open_args);
} open_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} open_events SEC(".maps");

static __always_inline bool wanted(__u32 tgid)
{
	if (target_pid && target_pid != tgid)
		return false;
	if (target_uid != (uid_t)-1 && (__u32)bpf_get_current_uid_gid() != target_uid)
		return false;
	return true;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int openat_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct open_args args = {};

	if (!wanted(id >> 32))
		return 0;
	args.fname = (const char *)ctx->args[1];
	args.flags = (int)ctx->args[2];
	args.start = bpf_ktime_get_ns();
	bpf_map_update_elem(&open_start, &tid, &args, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int openat_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct open_args *args;
	struct open_event *event;
	int ret = ctx->ret;

	args = bpf_map_lookup_elem(&open_start, &tid);
	if (!args)
		return 0;
	if (failed_only && ret >= 0)
		goto cleanup;
	event = bpf_ringbuf_reserve(&open_events, sizeof(*event), 0);
	if (!event)
		goto cleanup;
	event->duration_ns = bpf_ktime_get_ns() - args->start;
	event->pid = id >> 32;
	event->uid = (__u32)bpf_get_current_uid_gid();
	event->ret = ret;
	event->flags = args->flags;
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	bpf_probe_read_user_str(event->fname, sizeof(event->fname), args->fname);
	bpf_ringbuf_submit(event, 0);
cleanup:
	bpf_map_delete_elem(&open_start, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
