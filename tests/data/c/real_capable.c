/* In the style of libbpf-tools' capable: security capability checks from a kprobe on cap_capable,
 * deduplicated per (tgid, cap) in an LRU hash; the audit flag read from the fourth argument
 * (real_stack_traces.c adds the callers' stacks). */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define CAP_OPT_NOAUDIT 0x2

const volatile pid_t target_pid = 0;
const volatile bool audit_only = true;
const volatile bool unique_only = true;

struct cap_event {
	__u32 tgid;
	__u32 pid;
	__u32 uid;
	int cap;
	int audit;
	char task[16];
};

struct unique_key {
	__u32 tgid;
	int cap;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct unique_key);
	__type(value, __u64);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} cap_events SEC(".maps");

SEC("kprobe/cap_capable")
int BPF_KPROBE(cap_capable_entry, const struct cred *cred, struct user_namespace *targ_ns, int cap,
	       int cap_opt)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct cap_event event = {};
	__u64 one = 1;

	event.tgid = id >> 32;
	event.pid = (__u32)id;
	if (target_pid && target_pid != event.tgid)
		return 0;
	event.audit = (cap_opt & CAP_OPT_NOAUDIT) == 0;
	if (audit_only && !event.audit)
		return 0;
	if (unique_only) {
		struct unique_key key = {.tgid = event.tgid, .cap = cap};

		if (bpf_map_lookup_elem(&seen, &key))
			return 0;
		bpf_map_update_elem(&seen, &key, &one, BPF_ANY);
	}
	event.cap = cap;
	event.uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(event.task, sizeof(event.task));
	bpf_perf_event_output(ctx, &cap_events, BPF_F_CURRENT_CPU, &event, sizeof(event));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
