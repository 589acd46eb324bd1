/* Tracing-program building blocks run through BPF_PROG_TEST_RUN: a raw tracepoint whose arguments
 * are walked with bpf_loop (a callback with its own context), global and static subprograms, a
 * .data/.bss histogram, bpf_printk with arguments, and a loop the verifier must prove bounded. */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define BUCKETS 16

struct walk_ctx {
	__u64 args[6];
	__u64 sum;
	__u32 nonzero;
};

__u64 histogram[BUCKETS];
__u64 calls = 0;
int last_result = -1;
const volatile int loops_wanted = 6;

static int sum_arg(__u32 index, struct walk_ctx *wc)
{
	__u64 value;

	if (index >= 6)
		return 1; /* stop */
	value = wc->args[index];
	wc->sum += value;
	if (value)
		wc->nonzero++;
	return 0;
}

static __noinline int bucket_of(__u64 value)
{
	int bucket = 0;

	while (value > 1 && bucket < BUCKETS - 1) {
		value >>= 1;
		bucket++;
	}
	return bucket;
}

__noinline int record(__u64 value)
{
	int bucket = bucket_of(value);

	if (bucket < 0 || bucket >= BUCKETS)
		return -1;
	__sync_fetch_and_add(&histogram[bucket], 1);
	return bucket;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(walk_args, struct pt_regs *regs, long id)
{
	struct walk_ctx wc = {};
	long loops;

	for (int i = 0; i < 6; i++)
		wc.args[i] = ctx[i];

	loops = bpf_loop(loops_wanted, sum_arg, &wc, 0);
	calls++;
	last_result = record(wc.sum);
	bpf_printk("walk_args: %ld loops, sum %llu, %u nonzero", loops, wc.sum, wc.nonzero);
	return last_result;
}

/* The same walk over the ctx itself: the callback indexes the raw tracepoint's arguments with a
 * variable, a variable-offset ctx access the kernel refuses. */
struct ctx_walk {
	__u64 *args;
	__u64 sum;
};

static int sum_ctx_arg(__u32 index, struct ctx_walk *cw)
{
	if (index >= 6)
		return 1;
	cw->sum += cw->args[index];
	return 0;
}

SEC("raw_tp/sys_enter")
int walk_args_in_ctx(__u64 *ctx)
{
	struct ctx_walk cw = {.args = ctx};

	bpf_loop(6, sum_ctx_arg, &cw, 0);
	return cw.sum & 0xff;
}

char LICENSE[] SEC("license") = "GPL";
