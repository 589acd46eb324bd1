/* Writable raw tracepoint programs (BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE): the first argument of
 * the tracepoint is its writable buffer (PTR_TO_TP_BUFFER).  bpf_test_finish (net/bpf/test_run.c's
 * writable tracepoint, an int *err) gets its error overwritten, once under each section name libbpf
 * knows (raw_tp.w/ and raw_tracepoint.w/); a third program reads the buffer below its start:
 * refused. */
#include "bpf_helpers.h"

SEC("raw_tp.w/bpf_test_finish")
int finish_ok(__u64 *ctx)
{
	int *err = (int *)ctx[0];

	if (*err == -14)
		*err = 0;
	return 0;
}

SEC("raw_tracepoint.w/bpf_test_finish")
int finish_count(__u64 *ctx)
{
	int *err = (int *)ctx[0];

	*err = *err + 1;
	return 0;
}

SEC("raw_tp.w/bpf_test_finish")
int finish_below(__u64 *ctx)
{
	int *err = (int *)ctx[0];

	return err[-1];
}

char _license[] SEC("license") = "GPL";
