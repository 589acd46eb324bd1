/* In the style of libbpf-tools' bindsnoop: bind() calls on IPv4/IPv6 sockets from a kprobe and
 * kretprobe pair, socket options read through CO-RE -- bitfields with BPF_CORE_READ_BITFIELD, and a
 * field that moved between kernel releases chosen with bpf_core_field_exists. */
#include "vmlinux.h"
#include "bpf_tracing.h"

/* struct inet_sock before Linux 6.6 kept freebind in a bitfield of its own. */
struct inet_sock___old {
	__u8 freebind : 1;
} __attribute__((preserve_access_index));

struct bind_event {
	__u64 ts_us;
	__u32 pid;
	__u32 bound_dev_if;
	int ret;
	__u16 port;
	__u8 opts;
	__u8 proto;
	__u8 ver;
	char task[16];
};

const volatile pid_t target_pid = 0;
const volatile bool ignore_errors = true;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct socket *);
} binding SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} bind_events SEC(".maps");

static __always_inline int probe_entry(struct socket *socket)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;

	if (target_pid && target_pid != (id >> 32))
		return 0;
	bpf_map_update_elem(&binding, &tid, &socket, BPF_ANY);
	return 0;
}

static __always_inline __u8 freebind_of(struct inet_sock *inet)
{
	if (bpf_core_field_exists(inet->inet_flags))
		return (BPF_CORE_READ(inet, inet_flags) >> 4) & 1; /* INET_FLAGS_FREEBIND */
	struct inet_sock___old *old = (void *)inet;

	return BPF_CORE_READ_BITFIELD(old, freebind);
}

static __always_inline int probe_exit(struct pt_regs *ctx, int ret, __u8 ver)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct socket **socketp, *socket;
	struct inet_sock *inet;
	struct sock *sock;
	struct bind_event event = {};

	socketp = bpf_map_lookup_elem(&binding, &tid);
	if (!socketp)
		return 0;
	if (ret && ignore_errors)
		goto cleanup;
	socket = *socketp;
	sock = BPF_CORE_READ(socket, sk);
	inet = (struct inet_sock *)sock;
	event.ts_us = bpf_ktime_get_ns() / 1000;
	event.pid = id >> 32;
	event.ret = ret;
	event.port = __builtin_bswap16(BPF_CORE_READ(inet, inet_sport));
	event.bound_dev_if = BPF_CORE_READ(sock, __sk_common.skc_bound_dev_if);
	event.proto = BPF_CORE_READ(sock, sk_protocol);
	event.opts = freebind_of(inet);
	event.ver = ver;
	bpf_get_current_comm(event.task, sizeof(event.task));
	bpf_perf_event_output(ctx, &bind_events, BPF_F_CURRENT_CPU, &event, sizeof(event));
cleanup:
	bpf_map_delete_elem(&binding, &tid);
	return 0;
}

SEC("kprobe/inet_bind")
int BPF_KPROBE(ipv4_bind_entry, struct socket *socket)
{
	return probe_entry(socket);
}

SEC("kretprobe/inet_bind")
int BPF_KRETPROBE(ipv4_bind_exit, int ret)
{
	return probe_exit(ctx, ret, 4);
}

SEC("kprobe/inet6_bind")
int BPF_KPROBE(ipv6_bind_entry, struct socket *socket)
{
	return probe_entry(socket);
}

SEC("kretprobe/inet6_bind")
int BPF_KRETPROBE(ipv6_bind_exit, int ret)
{
	return probe_exit(ctx, ret, 6);
}

char LICENSE[] SEC("license") = "GPL";
