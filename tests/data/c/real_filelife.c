/* In the style of libbpf-tools' filelife: short-lived files, their creation seen by kprobes on
 * vfs_create/vfs_open, their deletion by vfs_unlink; the dentry name read with CO-RE and
 * bpf_probe_read_kernel_str; the argument that moved when vfs_unlink gained a mnt_idmap chosen
 * with bpf_core_type_exists. */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define DNAME_INLINE_LEN 32
#define FMODE_CREATED 0x100000

const volatile pid_t target_tgid = 0;

struct life_event {
	__u64 delta_ns;
	__u32 tgid;
	char task[16];
	char file[DNAME_INLINE_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct dentry *);
	__type(value, __u64);
} created_at SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} file_events SEC(".maps");

static __always_inline int remember_create(struct dentry *dentry)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 ts;

	if (target_tgid && target_tgid != tgid)
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&created_at, &dentry, &ts, BPF_ANY);
	return 0;
}

SEC("kprobe/vfs_create")
int BPF_KPROBE(vfs_create, void *arg0, void *arg1, void *arg2)
{
	if (bpf_core_type_exists(struct mnt_idmap))
		return remember_create(arg2);
	return remember_create(arg1);
}

SEC("kprobe/vfs_open")
int BPF_KPROBE(vfs_open, struct path *path, struct file *file)
{
	struct dentry *dentry = BPF_CORE_READ(path, dentry);
	int fmode = BPF_CORE_READ(file, f_mode);

	if (!(fmode & FMODE_CREATED))
		return 0;
	return remember_create(dentry);
}

static __always_inline int report_unlink(struct pt_regs *ctx, struct dentry *dentry)
{
	struct life_event event = {};
	const __u8 *qs_name;
	__u64 *tsp;

	tsp = bpf_map_lookup_elem(&created_at, &dentry);
	if (!tsp)
		return 0;
	event.delta_ns = bpf_ktime_get_ns() - *tsp;
	bpf_map_delete_elem(&created_at, &dentry);
	qs_name = BPF_CORE_READ(dentry, d_name.name);
	bpf_probe_read_kernel_str(&event.file, sizeof(event.file), qs_name);
	bpf_get_current_comm(&event.task, sizeof(event.task));
	event.tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_perf_event_output(ctx, &file_events, BPF_F_CURRENT_CPU, &event, sizeof(event));
	return 0;
}

SEC("kprobe/vfs_unlink")
int BPF_KPROBE(vfs_unlink, void *arg0, void *arg1, void *arg2)
{
	struct dentry *dentry = arg1, *third = arg2;

	/* both registers read before the choice (libbpf's barrier_var): see the program below */
	asm volatile("" : "+r"(dentry), "+r"(third));
	if (bpf_core_type_exists(struct mnt_idmap))
		dentry = third;
	return report_unlink(ctx, dentry);
}

/* The same choice written on the registers: clang selects the address (ctx + 96 or ctx + 104) and
 * loads through it, a modified ctx pointer the kernel refuses. */
SEC("kprobe/vfs_unlink")
int vfs_unlink_reg_by_address(struct pt_regs *ctx)
{
	struct dentry *dentry;

	dentry = bpf_core_type_exists(struct mnt_idmap) ? (void *)PT_REGS_PARM3(ctx) : (void *)PT_REGS_PARM2(ctx);
	return report_unlink(ctx, dentry);
}

char LICENSE[] SEC("license") = "GPL";
