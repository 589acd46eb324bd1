/* A context passed to a global function's pointer argument: an ARG_PTR_TO_CTX where the pointee is
 * the program type's context struct, otherwise memory of the pointee's size (check_mem_reg ->
 * check_helper_mem_access), which a context is only where the program type has no
 * convert_ctx_access (raw tracepoints, syscall programs: its last byte checked as a context read)
 * and never where it has one (tc, xdp: "R1 type=ctx expected=fp"). */
#include "bpf_helpers.h"

struct two_words {
	__u64 first;
	__u64 second;
};

struct wide_args {
	__u64 words[16];
};

__noinline int xdp_view(struct xdp_md *x)
{
	return x ? 1 : 0;
}

__noinline int skb_view(struct __sk_buff *s)
{
	return s ? 2 : 0;
}

__noinline int two(struct two_words *w)
{
	return w ? (int)w->second : 0;
}

__noinline int wide(struct wide_args *w)
{
	return w ? (int)w->words[15] : 0;
}

SEC("tc")
int tc_ctx_as_xdp_md(struct __sk_buff *skb)
{
	return xdp_view((void *)skb);
}

SEC("xdp")
int xdp_ctx_as_sk_buff(struct xdp_md *ctx)
{
	return skb_view((void *)ctx) & 3;
}

SEC("tc")
int tc_ctx_as_own_type(struct __sk_buff *skb)
{
	return skb_view(skb) & 1;
}

SEC("raw_tp/sys_enter")
int raw_tp_ctx_as_memory(void *ctx)
{
	return two(ctx) & 1;
}

SEC("raw_tp/sys_enter")
int raw_tp_ctx_too_small(void *ctx)
{
	return wide(ctx) & 1;
}

SEC("syscall")
int syscall_ctx_as_memory(void *ctx)
{
	return two(ctx) & 1;
}

char LICENSE[] SEC("license") = "GPL";
