/* In the style of libbpf-tools' mountsnoop: mount()/umount() calls from the syscall tracepoints,
 * the user-space strings (source, target, filesystem type) copied at exit into a per-CPU scratch
 * event (too big for the stack), sent through a perf event array. */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define PATH_MAX 256
#define FS_NAME_LEN 32

enum mount_op { MOUNT_OP, UMOUNT_OP };

struct mount_args {
	const char *src;
	const char *dest;
	const char *fs;
	__u64 flags;
	__u64 ts;
	enum mount_op op;
};

struct mount_event {
	__u64 delta;
	__u64 flags;
	__u32 pid;
	__u32 tid;
	__u32 mnt_ns;
	int ret;
	enum mount_op op;
	char comm[16];
	char fs[FS_NAME_LEN];
	char src[PATH_MAX];
	char dest[PATH_MAX];
};

const volatile pid_t target_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct mount_args);
} mount_args SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct mount_event);
} mount_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} mount_events SEC(".maps");

static __noinline int enter(const char *src, const char *dest, const char *fs, __u64 flags, enum mount_op op)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct mount_args args = {};

	if (target_pid && target_pid != (id >> 32))
		return 0;
	args.src = src;
	args.dest = dest;
	args.fs = fs;
	args.flags = flags;
	args.ts = bpf_ktime_get_ns();
	args.op = op;
	bpf_map_update_elem(&mount_args, &tid, &args, BPF_ANY);
	return 0;
}

static __always_inline int leave(void *ctx, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct task_struct *task;
	struct mount_event *event;
	struct mount_args *args;
	int zero = 0;

	args = bpf_map_lookup_elem(&mount_args, &tid);
	if (!args)
		return 0;
	event = bpf_map_lookup_elem(&mount_scratch, &zero);
	if (!event)
		goto cleanup;
	task = (struct task_struct *)bpf_get_current_task();
	event->delta = bpf_ktime_get_ns() - args->ts;
	event->flags = args->flags;
	event->pid = id >> 32;
	event->tid = tid;
	event->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	event->ret = ret;
	event->op = args->op;
	bpf_get_current_comm(&event->comm, sizeof(event->comm));
	if (args->fs)
		bpf_probe_read_user_str(event->fs, sizeof(event->fs), args->fs);
	if (args->src)
		bpf_probe_read_user_str(event->src, sizeof(event->src), args->src);
	if (args->dest)
		bpf_probe_read_user_str(event->dest, sizeof(event->dest), args->dest);
	bpf_perf_event_output(ctx, &mount_events, BPF_F_CURRENT_CPU, event, sizeof(*event));
cleanup:
	bpf_map_delete_elem(&mount_args, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mount")
int mount_enter(struct trace_event_raw_sys_enter *ctx)
{
	return enter((const char *)ctx->args[0], (const char *)ctx->args[1], (const char *)ctx->args[2],
		     ctx->args[3], MOUNT_OP);
}

SEC("tracepoint/syscalls/sys_exit_mount")
int mount_exit(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx, (int)ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_umount")
int umount_enter(struct trace_event_raw_sys_enter *ctx)
{
	return enter(NULL, (const char *)ctx->args[0], NULL, ctx->args[1], UMOUNT_OP);
}

SEC("tracepoint/syscalls/sys_exit_umount")
int umount_exit(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx, (int)ctx->ret);
}

char LICENSE[] SEC("license") = "GPL";
