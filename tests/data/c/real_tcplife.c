/* In the style of libbpf-tools' tcplife: TCP session lifetimes from the sock:inet_sock_set_state
 * tracepoint record (its fields read straight from ctx), birth times and owners kept per socket,
 * the closed session sent through a ring buffer. */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define AF_INET 2
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_CLOSE 7
#define TCP_LAST_ACK 9

const volatile __u16 target_family = 0;
const volatile pid_t target_pid = 0;

struct owner {
	__u32 pid;
	char comm[16];
};

struct life_event {
	__u64 span_us;
	__u64 rx_bytes;
	__u64 tx_bytes;
	__u32 pid;
	__u16 sport;
	__u16 dport;
	__u32 saddr;
	__u32 daddr;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, const void *);
	__type(value, __u64);
} births SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, const void *);
	__type(value, struct owner);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} life_events SEC(".maps");

SEC("tracepoint/sock/inet_sock_set_state")
int inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	const void *skaddr = ctx->skaddr;
	struct sock *sk = (struct sock *)skaddr;
	int newstate = ctx->newstate;
	__u64 ts, *start, span;
	struct owner *who, me = {};
	struct life_event *event;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (target_family && target_family != ctx->family)
		return 0;
	if (newstate < TCP_FIN_WAIT1) {
		ts = bpf_ktime_get_ns();
		bpf_map_update_elem(&births, &skaddr, &ts, BPF_ANY);
	}
	if (newstate == TCP_SYN_SENT || newstate == TCP_LAST_ACK) {
		me.pid = bpf_get_current_pid_tgid() >> 32;
		if (target_pid && me.pid != target_pid)
			return 0;
		bpf_get_current_comm(me.comm, sizeof(me.comm));
		bpf_map_update_elem(&owners, &skaddr, &me, BPF_ANY);
	}
	if (newstate != TCP_CLOSE)
		return 0;
	start = bpf_map_lookup_elem(&births, &skaddr);
	if (!start) {
		bpf_map_delete_elem(&owners, &skaddr);
		return 0;
	}
	span = (bpf_ktime_get_ns() - *start) / 1000;
	event = bpf_ringbuf_reserve(&life_events, sizeof(*event), 0);
	if (!event)
		goto cleanup;
	who = bpf_map_lookup_elem(&owners, &skaddr);
	if (who) {
		event->pid = who->pid;
		__builtin_memcpy(event->comm, who->comm, sizeof(event->comm));
	} else {
		event->pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(event->comm, sizeof(event->comm));
	}
	event->span_us = span;
	event->rx_bytes = BPF_CORE_READ((struct tcp_sock *)sk, bytes_received);
	event->tx_bytes = BPF_CORE_READ((struct tcp_sock *)sk, bytes_acked);
	event->sport = ctx->sport;
	event->dport = ctx->dport;
	if (ctx->family == AF_INET) {
		bpf_probe_read_kernel(&event->saddr, 4, ctx->saddr);
		bpf_probe_read_kernel(&event->daddr, 4, ctx->daddr);
	}
	bpf_ringbuf_submit(event, 0);
cleanup:
	bpf_map_delete_elem(&births, &skaddr);
	bpf_map_delete_elem(&owners, &skaddr);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
