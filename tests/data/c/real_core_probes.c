/* CO-RE the way real tools adapt to the running kernel: enum values read with bpf_core_enum_value
 * (and their existence tested), types and fields tested with bpf_core_type_exists /
 * bpf_core_field_exists (libbpf's ___flavour suffix for a layout that differs between releases),
 * field sizes with bpf_core_field_size; from a kprobe on the task-exit path and a tracepoint. */
#include "vmlinux.h"
#include "bpf_tracing.h"

/* A type no kernel has: relocations against it resolve to "does not exist" (0). */
struct pybpf_never_in_vmlinux {
	int x;
} __attribute__((preserve_access_index));

/* task_struct as releases before 5.14 named its state field. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

struct probe_facts {
	__u64 pidtype_tgid;
	__u64 has_arena_map;
	__u64 has_never_type;
	__u64 state;
	__u64 comm_size;
	__u64 has_loginuid;
	__u64 arena_value;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_facts);
} facts SEC(".maps");

static __always_inline __u64 task_state(struct task_struct *task)
{
	if (bpf_core_field_exists(task->__state))
		return BPF_CORE_READ(task, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)task, state);
}

SEC("kprobe/do_exit")
int BPF_KPROBE(probe_exit, long code)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct probe_facts *f;
	__u32 zero = 0;

	f = bpf_map_lookup_elem(&facts, &zero);
	if (!f)
		return 0;
	f->pidtype_tgid = bpf_core_enum_value(enum pid_type, PIDTYPE_TGID);
	f->has_arena_map = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_ARENA);
	if (f->has_arena_map)
		f->arena_value = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_ARENA);
	f->has_never_type = bpf_core_type_exists(struct pybpf_never_in_vmlinux);
	f->state = task_state(task);
	f->comm_size = bpf_core_field_size(task->comm);
	f->has_loginuid = bpf_core_field_exists(task->loginuid);
	return 0;
}

SEC("tracepoint/sched/sched_process_fork")
int fork_facts(struct trace_event_raw_sched_process_fork *ctx)
{
	struct probe_facts *f;
	__u32 zero = 0;

	f = bpf_map_lookup_elem(&facts, &zero);
	if (!f)
		return 0;
	if (bpf_core_field_exists(ctx->child_pid))
		f->state = ctx->child_pid;
	f->comm_size = bpf_core_field_size(ctx->__data_loc_parent_comm);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
