/* One program per cgroup program type, each in the section libbpf names it by (the type and the
 * expected attach type come from the section): ingress and egress skb filters that count what they see,
 * a socket-create hook that marks sockets, a connect4 hook that redirects a port, a sock_ops program
 * that sets a callback flag and reads the socket, a device filter, a sysctl filter and a getsockopt
 * hook that reads the option buffer.  Each loads on both backends with the same verdict (the C theme
 * of the verifier corpus); the skb filters also run (tests/progtypes/test_cgroup_object.py). */
#include "bpf_helpers.h"

struct bpf_sock {
	__u32 bound_dev_if, family, type, protocol, mark, priority, src_ip4, src_ip6[4], src_port;
	__be16 dst_port;
	__u16 :16;
	__u32 dst_ip4, dst_ip6[4], state;
	__s32 rx_queue_mapping;
};

struct bpf_sock_addr {
	__u32 user_family, user_ip4, user_ip6[4], user_port, family, type, protocol, msg_src_ip4;
	__u32 msg_src_ip6[4];
	__u64 sk;
};

struct bpf_sock_ops {
	__u32 op;
	union {
		__u32 args[4];
		__u32 reply;
		__u32 replylong[4];
	};
	__u32 family, remote_ip4, local_ip4, remote_ip6[4], local_ip6[4], remote_port, local_port;
	__u32 is_fullsock, snd_cwnd, srtt_us, bpf_sock_ops_cb_flags, state, rtt_min, snd_ssthresh;
	__u32 rcv_nxt, snd_nxt, snd_una, mss_cache, ecn_flags, rate_delivered, rate_interval_us;
	__u32 packets_out, retrans_out, total_retrans, segs_in, data_segs_in, segs_out, data_segs_out;
	__u32 lost_out, sacked_out, sk_txhash;
	__u64 bytes_received, bytes_acked, sk, skb_data, skb_data_end;
	__u32 skb_len, skb_tcp_flags;
	__u64 skb_hwtstamp;
};

struct bpf_cgroup_dev_ctx {
	__u32 access_type, major, minor;
};

struct bpf_sysctl {
	__u32 write, file_pos;
};

struct bpf_sockopt {
	__u64 sk, optval, optval_end;
	__s32 level, optname, optlen, retval;
};

static long (*bpf_sock_ops_cb_flags_set)(struct bpf_sock_ops *skops, int flags) = (void *)59;
static long (*bpf_sysctl_get_name)(struct bpf_sysctl *ctx, char *buf, unsigned long len, __u64 flags) =
	(void *)101;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} cgroup_counts SEC(".maps");

static __always_inline void count(__u32 slot, __u64 by)
{
	__u64 *value = bpf_map_lookup_elem(&cgroup_counts, &slot);

	if (value)
		__sync_fetch_and_add(value, by);
}

SEC("cgroup_skb/ingress")
int skb_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data;
	struct bpf_sock *sk;

	count(0, 1);
	if ((void *)(ip + 1) > data_end)
		return 1;
	if (ip->protocol == IPPROTO_UDP)
		count(1, skb->len);
	sk = (struct bpf_sock *)(long)*(__u64 *)((char *)skb + 168); /* __sk_buff.sk */
	if (sk && sk->family == 2)
		count(2, 1);
	return ip->ttl > 1;
}

SEC("cgroup_skb/egress")
int skb_egress(struct __sk_buff *skb)
{
	skb->mark = 42;
	skb->cb[0] = skb->len;
	if (skb->family == 10)
		count(3, 1);
	return skb->len > 1000 ? 3 : 1;
}

SEC("cgroup/sock_create")
int sock_create(struct bpf_sock *sk)
{
	if (sk->family == 10 && sk->protocol == IPPROTO_UDP)
		return 0;
	sk->mark = 7;
	sk->priority = 2;
	return 1;
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx)
{
	if (ctx->user_ip4 == 0x0100000a && ctx->user_port == bpf_htons(80)) {
		ctx->user_ip4 = 0x0100007f;
		ctx->user_port = bpf_htons(8080);
	}
	return 1;
}

SEC("sockops")
int sock_ops(struct bpf_sock_ops *skops)
{
	struct bpf_sock *sk;

	if (skops->op == 4 /* BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB */)
		bpf_sock_ops_cb_flags_set(skops, 1);
	sk = (struct bpf_sock *)(long)skops->sk;
	if (sk && sk->mark == 7)
		skops->reply = 1;
	return 1;
}

SEC("cgroup/dev")
int device(struct bpf_cgroup_dev_ctx *ctx)
{
	__u16 type = ctx->access_type & 0xffff;

	if (type == 2 /* BPF_DEVCG_DEV_CHAR */ && ctx->major == 1 && (ctx->minor == 3 || ctx->minor == 5))
		return 1;
	return 0;
}

SEC("cgroup/sysctl")
int sysctl(struct bpf_sysctl *ctx)
{
	char name[16] = {};

	if (!ctx->write)
		return 1;
	bpf_sysctl_get_name(ctx, name, sizeof(name), 1);
	return name[0] != 't';
}

SEC("cgroup/getsockopt")
int getsockopt(struct bpf_sockopt *ctx)
{
	__u8 *optval = (void *)(long)ctx->optval;
	__u8 *optval_end = (void *)(long)ctx->optval_end;

	if (ctx->level != 6 /* SOL_TCP */)
		return 1;
	if (optval + 1 > optval_end)
		return 1;
	optval[0] = 1;
	*(volatile __s32 *)&ctx->optlen = 1; /* two word stores: the kernel takes no u64 store here */
	*(volatile __s32 *)&ctx->retval = 0;
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
