/* Byte copies with a bounds check per byte: 256 payload bytes are copied one by one into a stack buffer,
 * then written back in reverse order, each XORed with its position.  A frame too short is dropped. */
#include "suite.h"

#define COPY_BYTES 256

SEC("xdp")
int byte_copy(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *payload = data + PAYLOAD;
	__u8 buf[COPY_BYTES];
	__u32 i;

#pragma clang loop unroll(disable)
	for (i = 0; i < COPY_BYTES; i++) {
		if (!IN_PACKET(payload + i, 1, data_end))
			return XDP_DROP;
		buf[i] = payload[i];
	}
#pragma clang loop unroll(disable)
	for (i = 0; i < COPY_BYTES; i++) {
		if (!IN_PACKET(payload + i, 1, data_end))
			return XDP_DROP;
		payload[i] = buf[COPY_BYTES - 1 - i] ^ (__u8)i;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
