/* The parsing loops real XDP programs are made of, the ones verifiers find hardest: a DNS query
 * name walked label by label, TCP options walked to find the MSS, IPv6 extension headers skipped in
 * a bounded loop -- each bound both by a constant and by data_end -- and a global (BTF-verified)
 * function that checks a header on its own. */
#include "vmlinux.h"
#include "bpf_helpers.h"

#define MAX_DNS_NAME 64
#define MAX_TCP_OPTIONS 10
#define MAX_IPV6_EXT 4
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_DEST 60
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2

struct dns_hdr {
	__be16 id;
	__be16 flags;
	__be16 qdcount;
	__be16 ancount;
	__be16 nscount;
	__be16 arcount;
};

struct parse_stats {
	__u64 dns_queries;
	__u64 dns_name_bytes;
	__u64 mss_seen;
	__u64 last_mss;
	__u64 ipv6_ext_skipped;
	__u64 bad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct parse_stats);
} parse_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} name_hashes SEC(".maps");

/* Global: verified once, on its own, for any argument (a packet pointer could not be passed). */
__noinline int valid_ipv4_first_byte(__u32 first)
{
	return (first >> 4) == 4 && (first & 0xf) >= 5;
}

static __always_inline struct parse_stats *stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&parse_stats, &zero);
}

static __always_inline int dns_name(struct parse_stats *st, __u8 *pos, void *data_end)
{
	__u32 hash = 2166136261u;
	__u32 len = 0;
	__u64 one = 1, *seen;

	for (int i = 0; i < MAX_DNS_NAME; i++) {
		if ((void *)(pos + 1) > data_end)
			return -1;
		__u8 c = *pos;

		if (c == 0)
			break;
		hash = (hash ^ c) * 16777619u;
		len++;
		pos++;
	}
	st->dns_queries++;
	st->dns_name_bytes += len;
	seen = bpf_map_lookup_elem(&name_hashes, &hash);
	if (seen)
		__sync_fetch_and_add(seen, 1);
	else
		bpf_map_update_elem(&name_hashes, &hash, &one, BPF_ANY);
	return len;
}

/* The option walked by offset, masked to the largest TCP header, each read checked against data_end
 * on the pointer it is made through (comparing against the header's end pointer instead lets clang
 * check one register and load through another: real_xdp_parsers_refused.c). */
static __always_inline int tcp_mss(struct tcphdr *tcp, void *data_end)
{
	__u32 hlen = tcp->doff * 4, off = sizeof(*tcp);

	for (int i = 0; i < MAX_TCP_OPTIONS; i++) {
		__u8 *opt = (__u8 *)tcp + (off & 0x3f);

		if (off >= hlen || (void *)(opt + 2) > data_end)
			return 0;
		if (opt[0] == TCPOPT_EOL)
			return 0;
		if (opt[0] == TCPOPT_NOP) {
			off++;
			continue;
		}
		if (opt[1] < 2)
			return -1;
		if (opt[0] == TCPOPT_MSS) {
			if (opt[1] != 4 || (void *)(opt + 4) > data_end)
				return -1;
			return (opt[2] << 8) | opt[3];
		}
		off += opt[1];
	}
	return 0;
}

static __always_inline int skip_ipv6_ext(void **pos, void *data_end, __u8 *nexthdr, struct parse_stats *st)
{
	for (int i = 0; i < MAX_IPV6_EXT; i++) {
		struct ipv6_opt_hdr *hdr = *pos;

		if (*nexthdr != NEXTHDR_HOP && *nexthdr != NEXTHDR_ROUTING && *nexthdr != NEXTHDR_DEST)
			return 0;
		if ((void *)(hdr + 1) > data_end)
			return -1;
		*nexthdr = hdr->nexthdr;
		*pos = (void *)hdr + (hdr->hdrlen + 1) * 8;
		st->ipv6_ext_skipped++;
	}
	return 0;
}

SEC("xdp")
int xdp_parsers(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct parse_stats *st = stats();
	struct ethhdr *eth = data;
	void *l4;
	__u8 proto;

	if (!st)
		return XDP_ABORTED;
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end)
			return XDP_PASS;
		if (!valid_ipv4_first_byte(*(__u8 *)ip))
			return XDP_PASS;
		proto = ip->protocol;
		l4 = (void *)ip + ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return XDP_PASS;
		proto = ip6->nexthdr;
		l4 = ip6 + 1;
		if (skip_ipv6_ext(&l4, data_end, &proto, st) < 0) {
			st->bad++;
			return XDP_DROP;
		}
	} else {
		return XDP_PASS;
	}
	if (proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;
		struct dns_hdr *dns = (void *)(udp + 1);

		if ((void *)(dns + 1) > data_end)
			return XDP_PASS;
		if (udp->dest != bpf_htons(53) || dns->qdcount == 0)
			return XDP_PASS;
		if (dns_name(st, (__u8 *)(dns + 1), data_end) < 0)
			st->bad++;
	} else if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;
		int mss;

		if ((void *)(tcp + 1) > data_end)
			return XDP_PASS;
		mss = tcp_mss(tcp, data_end);
		if (mss < 0) {
			st->bad++;
			return XDP_DROP;
		}
		if (mss) {
			st->mss_seen++;
			st->last_mss = mss;
		}
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
