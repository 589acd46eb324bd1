/* A stack-heavy sort: 48 32-bit words of the payload are copied to a stack array of 64-bit slots (384
 * bytes), bubble-sorted there with a branch-free compare-and-swap (1,128 of them: the verifier walks every
 * iteration, so a data-dependent branch per swap would multiply its states) and written back in order. */
#include "suite.h"

#define WORDS 48

SEC("xdp")
int sort(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 *payload = data + PAYLOAD;
	__u64 a[WORDS];
	__u32 i, j;

	if (!IN_PACKET(payload, WORDS * 4, data_end))
		return XDP_ABORTED;
#pragma clang loop unroll(disable)
	for (i = 0; i < WORDS; i++)
		a[i] = payload[i];
#pragma clang loop unroll(disable)
	for (i = 0; i < WORDS - 1; i++) {
#pragma clang loop unroll(disable)
		for (j = 0; j < WORDS - 1 - i; j++) {
			__u64 x = a[j], y = a[j + 1];
			__u64 diff = y - x;
			__u64 swap = (__s64)diff >> 63; /* all ones when y < x */

			a[j] = x + (diff & swap);
			a[j + 1] = y - (diff & swap);
		}
	}
#pragma clang loop unroll(disable)
	for (i = 0; i < WORDS; i++)
		payload[i] = a[i];
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
