/* In the style of libbpf-tools' fsslower on BPF trampolines: fentry/fexit on vfs_read with its typed
 * arguments (BPF_PROG), the file's name read through the struct pointer the trampoline hands over,
 * the slow reads sent through a ring buffer; bpf_get_func_arg_cnt and bpf_get_func_ret as the
 * trampoline inlines them. */
#include "vmlinux.h"
#include "bpf_tracing.h"

/* The trampoline helpers (not in bpf_helpers.h). */
static long (*bpf_get_func_ret)(void *ctx, __u64 *value) = (void *)184;
static long (*bpf_get_func_arg_cnt)(void *ctx) = (void *)185;

const volatile __u64 min_ns = 1000000;

struct read_start {
	__u64 ts;
	__s64 size;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct read_start);
} starts SEC(".maps");

struct slow_read {
	__u64 delta_ns;
	__s64 ret;
	__u32 pid;
	__u32 nr_args;
	char name[32];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} slow_reads SEC(".maps");

SEC("fentry/vfs_read")
int BPF_PROG(read_entry, struct file *file, char *buf, size_t count, loff_t *pos)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct read_start start = {};

	start.ts = bpf_ktime_get_ns();
	start.size = count;
	bpf_map_update_elem(&starts, &tid, &start, BPF_ANY);
	return 0;
}

SEC("fexit/vfs_read")
int BPF_PROG(read_exit, struct file *file, char *buf, size_t count, loff_t *pos, ssize_t ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct read_start *start;
	struct slow_read *event;
	__u64 delta, retval = 0;

	start = bpf_map_lookup_elem(&starts, &tid);
	if (!start)
		return 0;
	delta = bpf_ktime_get_ns() - start->ts;
	bpf_map_delete_elem(&starts, &tid);
	if (delta < min_ns)
		return 0;
	event = bpf_ringbuf_reserve(&slow_reads, sizeof(*event), 0);
	if (!event)
		return 0;
	bpf_get_func_ret(ctx, &retval);
	event->delta_ns = delta;
	event->ret = (__s64)retval;
	event->pid = tid;
	event->nr_args = bpf_get_func_arg_cnt(ctx);
	bpf_probe_read_kernel_str(event->name, sizeof(event->name), file->f_path.dentry->d_name.name);
	bpf_ringbuf_submit(event, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
