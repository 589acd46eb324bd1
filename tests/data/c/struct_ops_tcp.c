/* A TCP congestion control in the style of the kernel's bpf_cubic / bpf_dctcp selftests, in
 * miniature (Reno's additive increase with its private state in icsk_ca_priv): four programs put
 * into a struct tcp_congestion_ops of ".struct_ops", which libbpf turns into a
 * BPF_MAP_TYPE_STRUCT_OPS map.  pybpf has no TCP stack: registered, it is never called. */
#include "vmlinux.h"
#include "bpf_tracing.h"

char _license[] SEC("license") = "GPL";

struct mini_ca {
	__u32 acked_total;
	__u32 loss_cwnd;
};

static __always_inline struct tcp_sock *tcp_sk(const struct sock *sk)
{
	return (struct tcp_sock *)sk;
}

static __always_inline struct mini_ca *mini_ca(const struct sock *sk)
{
	return (struct mini_ca *)((struct inet_connection_sock *)sk)->icsk_ca_priv;
}

SEC("struct_ops")
void BPF_PROG(mini_init, struct sock *sk)
{
	struct mini_ca *ca = mini_ca(sk);

	ca->acked_total = 0;
	ca->loss_cwnd = 0;
}

SEC("struct_ops")
__u32 BPF_PROG(mini_ssthresh, struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	__u32 half = tp->snd_cwnd >> 1;

	mini_ca(sk)->loss_cwnd = tp->snd_cwnd;
	return half > 2 ? half : 2;
}

SEC("struct_ops")
void BPF_PROG(mini_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	mini_ca(sk)->acked_total += acked;
	if (tp->snd_cwnd < tp->snd_ssthresh) { /* slow start */
		tp->snd_cwnd += acked;
		return;
	}
	tp->snd_cwnd_cnt += acked;
	if (tp->snd_cwnd_cnt >= tp->snd_cwnd) {
		tp->snd_cwnd_cnt -= tp->snd_cwnd;
		tp->snd_cwnd++;
	}
}

SEC("struct_ops")
__u32 BPF_PROG(mini_undo_cwnd, struct sock *sk)
{
	__u32 loss = mini_ca(sk)->loss_cwnd;
	__u32 cwnd = tcp_sk(sk)->snd_cwnd;

	return loss > cwnd ? loss : cwnd;
}

SEC("struct_ops")
__u32 BPF_PROG(mini_unused, struct sock *sk)
{
	return 1; /* in no struct_ops map: libbpf does not load it */
}

SEC(".struct_ops")
struct tcp_congestion_ops mini_cc = {
	.init = (void *)mini_init,
	.ssthresh = (void *)mini_ssthresh,
	.cong_avoid = (void *)mini_cong_avoid,
	.undo_cwnd = (void *)mini_undo_cwnd,
	.name = "pybpf_mini",
};
