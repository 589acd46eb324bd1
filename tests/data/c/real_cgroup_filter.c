/* In the style of the libbpf-tools' -c option (syscount, biolatency, runqlat ...): events counted
 * only for tasks under the cgroup stored in a BPF_MAP_TYPE_CGROUP_ARRAY by user space. */
#include "vmlinux.h"
#include "bpf_tracing.h"

static long (*bpf_current_task_under_cgroup)(void *map, __u32 index) = (void *)37;

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 1);
} cgroup_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} in_cgroup_calls SEC(".maps");

SEC("raw_tp/sys_enter")
int count_in_cgroup(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 zero = 0;
	__u64 *count;

	if (!bpf_current_task_under_cgroup(&cgroup_filter, 0))
		return 0;
	count = bpf_map_lookup_elem(&in_cgroup_calls, &zero);
	if (count)
		*count += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
