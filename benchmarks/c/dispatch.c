/* A switch-heavy dispatcher: the payload is bytecode for a small accumulator machine (16 opcodes, the
 * low nibble; the high nibble is the operand), run for up to 192 bytes.  The machine's two accumulators
 * are written over the payload's first 16 bytes. */
#include "suite.h"

#define CODE_BYTES 192

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *code = data + PAYLOAD;
	__u64 *out = (void *)code;
	__u64 a = 1, b = 0x1234;
	__u32 pc;

	if (!IN_PACKET(code, CODE_BYTES, data_end))
		return XDP_ABORTED;
#pragma clang loop unroll(disable)
	for (pc = 0; pc < CODE_BYTES; pc++) {
		__u8 insn = code[pc];
		__u64 arg = insn >> 4;

		switch (insn & 15) {
		case 0:
			a += arg;
			break;
		case 1:
			a -= arg;
			break;
		case 2:
			a *= arg + 1;
			break;
		case 3:
			a ^= b;
			break;
		case 4:
			a <<= arg;
			break;
		case 5:
			a >>= arg;
			break;
		case 6:
			b += a;
			break;
		case 7:
			b = a - b;
			break;
		case 8:
			a |= arg << 8;
			break;
		case 9:
			a &= ~arg;
			break;
		case 10:
			b ^= a >> 7;
			break;
		case 11:
			a = a / (arg + 1);
			break;
		case 12:
			b = b % (arg + 3);
			break;
		case 13:
			a = ~a;
			break;
		case 14:
			b = (b << 13) | (b >> 51);
			break;
		default:
			a += b * 3;
			break;
		}
	}
	out[0] = a;
	out[1] = b;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
