/* In the style of libbpf-tools' biolatency: block I/O latency as a log2 histogram per disk, from the
 * raw tracepoints' request pointers read through CO-RE (BPF_CORE_READ on struct request). */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define MAX_SLOTS 27

struct hist_key {
	__u32 dev;
	__u32 cmd_flags;
};

struct hist {
	__u32 slots[MAX_SLOTS];
};

const volatile bool per_disk = true;
const volatile bool per_flag = false;
const volatile bool in_microseconds = true;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct request *);
	__type(value, __u64);
} io_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct hist_key);
	__type(value, struct hist);
} io_hists SEC(".maps");

static struct hist zero_hist;

static __always_inline __u64 log2_u32(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u64 log2l(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2_u32(hi) + 32 : log2_u32(v);
}

static __always_inline int remember(struct request *rq)
{
	__u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&io_start, &rq, &ts, BPF_ANY);
	return 0;
}

SEC("raw_tp/block_rq_insert")
int block_rq_insert(__u64 *ctx)
{
	return remember((struct request *)ctx[0]);
}

SEC("raw_tp/block_rq_issue")
int block_rq_issue(__u64 *ctx)
{
	return remember((struct request *)ctx[0]);
}

SEC("raw_tp/block_rq_complete")
int block_rq_complete(__u64 *ctx)
{
	struct request *rq = (struct request *)ctx[0];
	struct hist_key key = {};
	struct hist *hist;
	__u64 *tsp, slot;
	__s64 delta;

	tsp = bpf_map_lookup_elem(&io_start, &rq);
	if (!tsp)
		return 0;
	delta = (__s64)(bpf_ktime_get_ns() - *tsp);
	if (delta < 0)
		goto cleanup;
	if (per_disk) {
		struct gendisk *disk = BPF_CORE_READ(rq, q, disk);

		key.dev = disk ? (BPF_CORE_READ(disk, major) << 20) | BPF_CORE_READ(disk, first_minor) : 0;
	}
	if (per_flag)
		key.cmd_flags = BPF_CORE_READ(rq, cmd_flags);
	hist = bpf_map_lookup_elem(&io_hists, &key);
	if (!hist) {
		bpf_map_update_elem(&io_hists, &key, &zero_hist, BPF_NOEXIST);
		hist = bpf_map_lookup_elem(&io_hists, &key);
		if (!hist)
			goto cleanup;
	}
	delta /= in_microseconds ? 1000U : 1000000U;
	slot = log2l(delta);
	if (slot >= MAX_SLOTS)
		slot = MAX_SLOTS - 1;
	__sync_fetch_and_add(&hist->slots[slot], 1);
cleanup:
	bpf_map_delete_elem(&io_start, &rq);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
