/* The Internet checksum (RFC 1071) of the whole frame, 16 bits at a time with a bounds check per word
 * (up to 1,024 words), folded and stored in the UDP header's checksum field. */
#include "suite.h"

SEC("xdp")
int checksum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct udphdr *udp = data + sizeof(struct ethhdr) + sizeof(struct iphdr);
	__u16 *word = data;
	__u64 sum = 0;
	__u32 i;

	if (!IN_PACKET(udp, sizeof(*udp), data_end))
		return XDP_ABORTED;
#pragma clang loop unroll(disable)
	for (i = 0; i < 1024; i++) {
		if (!IN_PACKET(word, 2, data_end))
			break;
		sum += *word++;
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	udp->check = ~sum;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
