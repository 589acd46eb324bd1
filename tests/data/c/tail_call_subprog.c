/* Tail calls made in bpf-to-bpf functions: the target runs in the function's place and its r0
 * returns to the function's caller (tests/kernel/test_tailcall_subprog.py fills the prog array). */
#include "bpf_helpers.h"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} jmp SEC(".maps");

static __noinline int tail_from_function(struct xdp_md *ctx, __u32 index)
{
	int fallen_through = 7;

	bpf_tail_call(ctx, &jmp, index);
	asm volatile("" : "+r"(fallen_through)); /* the compiler may not assume it is returned */
	return fallen_through;
}

static __noinline int outer_function(struct xdp_md *ctx)
{
	int returned = tail_from_function(ctx, 0);

	asm volatile("" : "+r"(returned));
	return returned + 10;
}

SEC("xdp")
int call_slot0(struct xdp_md *ctx)
{
	return tail_from_function(ctx, 0) + 100;
}

SEC("xdp")
int call_slot1(struct xdp_md *ctx)
{
	return tail_from_function(ctx, 1) + 100;
}

SEC("xdp")
int call_slot9(struct xdp_md *ctx)
{
	return tail_from_function(ctx, 9) + 100;
}

SEC("xdp")
int call_nested(struct xdp_md *ctx)
{
	return outer_function(ctx) + 1000;
}

SEC("xdp")
int count_runs(struct xdp_md *ctx)
{
	return tail_from_function(ctx, 0) + 1;
}

SEC("xdp")
int main_tail_call(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp, 1);
	return 3;
}

SEC("xdp")
int five(struct xdp_md *ctx)
{
	return 5;
}

SEC("xdp")
int forty(struct xdp_md *ctx)
{
	return 40;
}

/* The hierarchy of the kernel's tailcall_bpf2bpf_hierarchy tests: ``hierarchy`` calls two functions,
 * each tail calling a program (slots 2 and 3) that counts its runs and calls the function again;
 * the first chain spends the run's 33 tail calls, so the second one fails at once. */
int count0, count1;

static __noinline int hierarchy_tail0(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp, 2);
	return 0;
}

static __noinline int hierarchy_tail1(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp, 3);
	return 0;
}

SEC("xdp")
int hierarchy_0(struct xdp_md *ctx)
{
	count0++;
	hierarchy_tail0(ctx);
	return 0;
}

SEC("xdp")
int hierarchy_1(struct xdp_md *ctx)
{
	count1++;
	hierarchy_tail1(ctx);
	return 0;
}

SEC("xdp")
int hierarchy(struct xdp_md *ctx)
{
	hierarchy_tail0(ctx);
	hierarchy_tail1(ctx);
	return (count1 << 16) | count0;
}

char LICENSE[] SEC("license") = "GPL";
