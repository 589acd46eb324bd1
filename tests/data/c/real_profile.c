/* In the style of libbpf-tools' profile and llcstat: a perf_event program sampling the interrupted
 * instruction pointer (from the bpf_perf_event_data regs) per pid, weighted by the sample period. */
#include "vmlinux.h"
#include "bpf_tracing.h"

struct sample_key {
	__u32 pid;
	__u32 kernel;
	__u64 ip;
};

const volatile pid_t target_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct sample_key);
	__type(value, __u64);
} samples SEC(".maps");

SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	struct sample_key key = {};
	__u64 *weight, period = ctx->sample_period;

	key.pid = bpf_get_current_pid_tgid() >> 32;
	if (target_pid && key.pid != target_pid)
		return 0;
	key.ip = PT_REGS_IP(&ctx->regs);
	key.kernel = (__s64)key.ip < 0;
	weight = bpf_map_lookup_elem(&samples, &key);
	if (weight)
		__sync_fetch_and_add(weight, period);
	else
		bpf_map_update_elem(&samples, &key, &period, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
