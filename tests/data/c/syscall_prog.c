/* A syscall program: reads and writes its context, and a map. */
#include "bpf_helpers.h"

struct args {
	__u64 a;
	__u64 b;
	__u64 result;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} calls SEC(".maps");

SEC("syscall")
int sys_add(struct args *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&calls, &zero);

	if (n)
		*n += 1;
	ctx->result = ctx->a * 3 + ctx->b;
	return ctx->a > ctx->b ? 1 : 2;
}

char LICENSE[] SEC("license") = "GPL";
