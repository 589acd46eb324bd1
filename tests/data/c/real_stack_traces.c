/* In the style of libbpf-tools' offcputime/capable -K -U: the kernel and user stacks of a probed
 * call, kept as ids into a BPF_MAP_TYPE_STACK_TRACE map and counted per (tgid, stacks). */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define BPF_F_USER_STACK (1ULL << 8)
#define MAX_DEPTH 127

struct stack_key {
	__u32 tgid;
	int kernel_stack;
	int user_stack;
};

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MAX_DEPTH * sizeof(__u64));
	__uint(max_entries, 1024);
} call_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct stack_key);
	__type(value, __u64);
} stack_counts SEC(".maps");

SEC("kprobe/cap_capable")
int count_capable_stacks(struct pt_regs *ctx)
{
	struct stack_key key = {};
	__u64 one = 1, *count;

	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.kernel_stack = bpf_get_stackid(ctx, &call_stacks, 0);
	key.user_stack = bpf_get_stackid(ctx, &call_stacks, BPF_F_USER_STACK);
	count = bpf_map_lookup_elem(&stack_counts, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&stack_counts, &key, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
