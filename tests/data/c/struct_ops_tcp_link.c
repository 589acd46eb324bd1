/* A TCP congestion control in ".struct_ops.link" (a BPF_F_LINK struct_ops map, registered by the
 * link libbpf's bpf_map__attach_struct_ops creates): Reno's ssthresh, additive increase and undo,
 * for pybpf's struct_ops link tests (tests/elf/test_struct_ops_link.py).  Two maps of the same
 * name, so that the link can be updated from one to the other. */
#include "vmlinux.h"
#include "bpf_tracing.h"

char _license[] SEC("license") = "GPL";

SEC("struct_ops")
__u32 BPF_PROG(lk_ssthresh, struct sock *sk)
{
	__u32 half = ((struct tcp_sock *)sk)->snd_cwnd >> 1;

	return half > 2 ? half : 2;
}

SEC("struct_ops")
void BPF_PROG(lk_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	((struct tcp_sock *)sk)->snd_cwnd += 1;
}

SEC("struct_ops")
__u32 BPF_PROG(lk_undo_cwnd, struct sock *sk)
{
	return ((struct tcp_sock *)sk)->snd_cwnd;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops lk_cc = {
	.ssthresh = (void *)lk_ssthresh,
	.cong_avoid = (void *)lk_cong_avoid,
	.undo_cwnd = (void *)lk_undo_cwnd,
	.name = "pybpf_lk",
};

SEC(".struct_ops.link")
struct tcp_congestion_ops lk_cc2 = {
	.ssthresh = (void *)lk_ssthresh,
	.cong_avoid = (void *)lk_cong_avoid,
	.undo_cwnd = (void *)lk_undo_cwnd,
	.name = "pybpf_lk",
};
