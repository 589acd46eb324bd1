/* In the style of libbpf-tools' tcpconnect: the socket of tcp_v4_connect/tcp_v6_connect kept per
 * thread at entry, its addresses read at return through CO-RE, counted per destination or sent
 * through a perf event array; a port allow-list from .rodata. */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define AF_INET 2
#define AF_INET6 10
#define MAX_PORTS 8

const volatile bool count_only = false;
const volatile int filter_port_count = 0;
const volatile __u16 filter_ports[MAX_PORTS] = {};
const volatile uid_t filter_uid = (uid_t)-1;

struct conn_event {
	__u32 saddr_v4;
	__u32 daddr_v4;
	__u8 saddr_v6[16];
	__u8 daddr_v6[16];
	__u32 pid;
	__u32 uid;
	__u16 dport;
	__u16 family;
	char task[16];
};

struct flow_key {
	__u32 daddr;
	__u16 dport;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct sock *);
} connecting SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow_key);
	__type(value, __u64);
} flow_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} conn_events SEC(".maps");

static __always_inline bool port_filtered(__u16 port)
{
	if (filter_port_count == 0)
		return false;
	for (int i = 0; i < filter_port_count && i < MAX_PORTS; i++)
		if (port == filter_ports[i])
			return false;
	return true;
}

static __always_inline int enter(struct sock *sk)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (filter_uid != (uid_t)-1 && (__u32)bpf_get_current_uid_gid() != filter_uid)
		return 0;
	bpf_map_update_elem(&connecting, &tid, &sk, BPF_ANY);
	return 0;
}

static __always_inline int leave(struct pt_regs *ctx, int ret, int family)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct sock **skpp, *sk;
	__u16 dport;

	skpp = bpf_map_lookup_elem(&connecting, &tid);
	if (!skpp)
		return 0;
	if (ret)
		goto end;
	sk = *skpp;
	dport = BPF_CORE_READ(sk, __sk_common.skc_dport);
	if (port_filtered(dport))
		goto end;
	if (count_only && family == AF_INET) {
		struct flow_key key = {};
		__u64 one = 1, *count;

		key.daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		key.dport = dport;
		count = bpf_map_lookup_elem(&flow_counts, &key);
		if (count)
			__sync_fetch_and_add(count, 1);
		else
			bpf_map_update_elem(&flow_counts, &key, &one, BPF_NOEXIST);
		goto end;
	}
	struct conn_event event = {};

	event.pid = id >> 32;
	event.uid = (__u32)bpf_get_current_uid_gid();
	event.dport = dport;
	event.family = family;
	bpf_get_current_comm(event.task, sizeof(event.task));
	if (family == AF_INET) {
		event.saddr_v4 = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		event.daddr_v4 = BPF_CORE_READ(sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO(&event.saddr_v6, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32);
		BPF_CORE_READ_INTO(&event.daddr_v6, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr32);
	}
	bpf_perf_event_output(ctx, &conn_events, BPF_F_CURRENT_CPU, &event, sizeof(event));
end:
	bpf_map_delete_elem(&connecting, &tid);
	return 0;
}

SEC("kprobe/tcp_v4_connect")
int BPF_KPROBE(tcp_v4_connect_entry, struct sock *sk)
{
	return enter(sk);
}

SEC("kretprobe/tcp_v4_connect")
int BPF_KRETPROBE(tcp_v4_connect_return, int ret)
{
	return leave(ctx, ret, AF_INET);
}

SEC("kprobe/tcp_v6_connect")
int BPF_KPROBE(tcp_v6_connect_entry, struct sock *sk)
{
	return enter(sk);
}

SEC("kretprobe/tcp_v6_connect")
int BPF_KRETPROBE(tcp_v6_connect_return, int ret)
{
	return leave(ctx, ret, AF_INET6);
}

char LICENSE[] SEC("license") = "GPL";
