/* bpf_dummy_ops programs (the kernel's struct_ops test type, run by BPF_PROG_TEST_RUN) in the style
 * of the kernel's dummy_st_ops selftests: test_1 swaps its state's value (the state may be NULL),
 * test_2 stores the sum of its arguments; the struct in ".struct_ops.link". */
#include "vmlinux.h"
#include "bpf_tracing.h"

char _license[] SEC("license") = "GPL";

SEC("struct_ops/test_1")
int BPF_PROG(dummy_test_1, struct bpf_dummy_ops_state *state)
{
	int old;

	if (!state)
		return 0xf2f3f4f5;
	old = state->val;
	state->val = 0x5a;
	return old;
}

SEC("struct_ops/test_2")
int BPF_PROG(dummy_test_2, struct bpf_dummy_ops_state *state, int a1, unsigned short a2, char a3,
	     unsigned long a4)
{
	state->val = a1 + a2 + a3 + a4;
	return 0;
}

SEC(".struct_ops.link")
struct bpf_dummy_ops dummy_ops = {
	.test_1 = (void *)dummy_test_1,
	.test_2 = (void *)dummy_test_2,
};
