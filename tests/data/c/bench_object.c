/* The benchmark object (benchmarks/bench_elf.py): 10 XDP programs over 20 maps, a shared
 * subprogram and global data -- what opening and loading an object of some size costs. */
#include "bpf_helpers.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 64);
} map00 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 128);
} map01 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 192);
} map02 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 256);
} map03 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 320);
} map04 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 384);
} map05 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 448);
} map06 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 512);
} map07 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 576);
} map08 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 640);
} map09 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 704);
} map10 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 768);
} map11 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 832);
} map12 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 896);
} map13 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 960);
} map14 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1024);
} map15 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1088);
} map16 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1152);
} map17 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1216);
} map18 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1280);
} map19 SEC(".maps");

__u64 runs;
const volatile __u32 scale = 3;

static __noinline __u64 bump(void *map, __u32 key)
{
	__u64 one = 1, *n = bpf_map_lookup_elem(map, &key);

	if (n) {
		*n += scale;
		return *n;
	}
	bpf_map_update_elem(map, &key, &one, BPF_ANY);
	return 1;
}

SEC("xdp")
int xdp_bench_0(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	runs++;
	if (bump(&map00, len & 63) > 100)
		return XDP_DROP;
	return bump(&map01, 0) & 1 ? XDP_PASS : XDP_TX;
}

SEC("xdp")
int xdp_bench_1(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	runs++;
	if (bump(&map02, len & 63) > 101)
		return XDP_DROP;
	return bump(&map03, 1) & 1 ? XDP_PASS : XDP_TX;
}

SEC("xdp")
int xdp_bench_2(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	runs++;
	if (bump(&map04, len & 63) > 102)
		return XDP_DROP;
	return bump(&map05, 2) & 1 ? XDP_PASS : XDP_TX;
}

SEC("xdp")
int xdp_bench_3(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	runs++;
	if (bump(&map06, len & 63) > 103)
		return XDP_DROP;
	return bump(&map07, 3) & 1 ? XDP_PASS : XDP_TX;
}

SEC("xdp")
int xdp_bench_4(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	runs++;
	if (bump(&map08, len & 63) > 104)
		return XDP_DROP;
	return bump(&map09, 4) & 1 ? XDP_PASS : XDP_TX;
}

SEC("xdp")
int xdp_bench_5(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	runs++;
	if (bump(&map10, len & 63) > 105)
		return XDP_DROP;
	return bump(&map11, 5) & 1 ? XDP_PASS : XDP_TX;
}

SEC("xdp")
int xdp_bench_6(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	runs++;
	if (bump(&map12, len & 63) > 106)
		return XDP_DROP;
	return bump(&map13, 6) & 1 ? XDP_PASS : XDP_TX;
}

SEC("xdp")
int xdp_bench_7(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	runs++;
	if (bump(&map14, len & 63) > 107)
		return XDP_DROP;
	return bump(&map15, 7) & 1 ? XDP_PASS : XDP_TX;
}

SEC("xdp")
int xdp_bench_8(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	runs++;
	if (bump(&map16, len & 63) > 108)
		return XDP_DROP;
	return bump(&map17, 8) & 1 ? XDP_PASS : XDP_TX;
}

SEC("xdp")
int xdp_bench_9(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	runs++;
	if (bump(&map18, len & 63) > 109)
		return XDP_DROP;
	return bump(&map19, 9) & 1 ? XDP_PASS : XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
