/* Counting primes by trial division with 64-bit modulo: every n below a limit of 600 + (payload[0] & 7)
 * (read from the packet, so the compiler cannot fold the loops) is divided by 2, 3, 5, 7, ... up to its
 * square root.  The count goes into the payload's first 8 bytes. */
#include "suite.h"

static __always_inline bool is_prime(__u64 n)
{
	__u64 d;

	if (n < 2)
		return false;
	if (n % 2 == 0)
		return n == 2;
#pragma clang loop unroll(disable)
	for (d = 3; d * d <= n; d += 2)
		if (n % d == 0)
			return false;
	return true;
}

SEC("xdp")
int primes(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 *out = data + PAYLOAD;
	__u64 limit, n, count = 0;

	if (!IN_PACKET(out, 8, data_end))
		return XDP_ABORTED;
	limit = 600 + (*(__u8 *)out & 7);
#pragma clang loop unroll(disable)
	for (n = 0; n < limit; n++)
		count += is_prime(n);
	*out = count;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
