/* Open-coded numeric iterators (kfuncs bpf_iter_num_new/next/destroy): a loop over a copy of the
 * frame's first bytes, indexed by a value whose range the verifier learns, a repeat loop, two nested
 * loops, and a weak kfunc no kernel has, called only where the verifier proves it is never reached. */
#include "bpf_helpers.h"

struct bpf_iter_num {
	__u64 __opaque[1];
} __attribute__((aligned(8)));

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;
/* No kernel has this one: the loader poisons its calls (weak), which must then be dead code. */
extern int bpf_iter_num_rewind(struct bpf_iter_num *it) __weak __ksym;

const volatile int rewind_supported = 0; /* .rodata: the verifier knows the branch is never taken */

/* for (var = lo; var < hi; var++) over an iterator: the iterator lives in the loop's scope and is
 * destroyed when the scope ends; after each step var is checked against [lo, hi) so that the
 * verifier learns its range. */
#define each_in_range(var, lo, hi)                                                             \
	for (struct bpf_iter_num __range __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
	     *__started __attribute__((unused)) =                                                 \
		     (bpf_iter_num_new(&__range, (lo), (hi)), (void)bpf_iter_num_destroy, (void *)0); \
	     ({                                                                                    \
		     int *__at = bpf_iter_num_next(&__range);                                         \
		     __at && ((var) = *__at, (var) >= (lo) && (var) < (hi));                           \
	     });)

/* Run the body n times (no index). */
#define times(n)                                                                               \
	for (struct bpf_iter_num __count __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
	     *__begun __attribute__((unused)) =                                                   \
		     (bpf_iter_num_new(&__count, 0, (n)), (void)bpf_iter_num_destroy, (void *)0);     \
	     bpf_iter_num_next(&__count);)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} totals SEC(".maps");

static __always_inline void put(__u32 key, __u64 value)
{
	__u64 *slot = bpf_map_lookup_elem(&totals, &key);

	if (slot)
		*slot = value;
}

SEC("xdp")
int xdp_iter_sum(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *data_end = (void *)(long)ctx->data_end;
	__u8 head[32];
	__u64 sum = 0;
	int i;

	if (data + 32 > data_end)
		return XDP_DROP;
	__builtin_memcpy(head, data, sizeof(head));
	each_in_range(i, 0, 32)
		sum += head[i] * (i + 1);
	put(0, sum);
	return XDP_PASS;
}

SEC("xdp")
int xdp_iter_repeat(struct xdp_md *ctx)
{
	__u64 steps = 0, x = 1;

	times(10) {
		steps++;
		x = x * 3 + steps;
	}
	put(1, x + (steps << 32)); /* stored, never compared: a counter the verifier tracks exactly
				    * would keep the loop from converging */
	return XDP_PASS;
}

SEC("xdp")
int xdp_iter_nested(struct xdp_md *ctx)
{
	__u64 cells = 0;
	int row, col;

	each_in_range(row, 0, 5) {
		each_in_range(col, row, 6)
			cells += row * 10 + col;
	}
	put(2, cells);
	return XDP_PASS;
}

SEC("xdp")
int xdp_iter_weak(struct xdp_md *ctx)
{
	__u64 rounds = 0;
	int i;

	each_in_range(i, 0, 3) {
		rounds++;
		if (rewind_supported && i == 2)
			bpf_iter_num_rewind(&__range);
	}
	put(3, rounds);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
