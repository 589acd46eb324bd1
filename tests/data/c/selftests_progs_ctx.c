/* Global functions whose pointer argument is the program's context without an arg:ctx tag
 * (btf_is_prog_ctx_type(), the themes of the kernel's selftests progs/test_global_func_ctx_args.c,
 * written afresh): a kprobe's context is the typedef bpf_user_pt_regs_t itself, the struct it names
 * (struct pt_regs on x86_64) or a struct of the typedef's name; a tc or xdp program's is its uapi
 * struct or the kernel struct that struct projects (struct sk_buff, struct xdp_buff); a pointer to an
 * incomplete or anonymous struct is memory. */
#include "bpf_helpers.h"

struct pt_regs {
	unsigned long regs[21];
};
typedef struct pt_regs bpf_user_pt_regs_t;
struct bpf_user_pt_regs_t {};
struct sk_buff {
	unsigned int len;
};
struct xdp_buff {
	void *data;
};
struct user_pt_regs {
	unsigned long regs[31];
};
struct fwd_regs;
typedef struct {
	int x;
} anon_t;

static long (*bpf_get_stack)(void *ctx, void *buf, __u32 size, __u64 flags) = (void *)67;
static long (*bpf_xdp_load_bytes)(void *xdp_md, __u32 offset, void *buf, __u32 len) = (void *)189;

__noinline int stack_typedef(bpf_user_pt_regs_t *ctx)
{
	char buf[64];

	return bpf_get_stack(ctx, buf, sizeof(buf), 0);
}

__noinline int stack_struct(struct pt_regs *ctx)
{
	char buf[64];

	return bpf_get_stack((void *)ctx, buf, sizeof(buf), 0);
}

__noinline int stack_workaround(struct bpf_user_pt_regs_t *ctx)
{
	char buf[64];

	return bpf_get_stack(ctx, buf, sizeof(buf), 0);
}

__noinline int stack_other(struct user_pt_regs *ctx)
{
	char buf[64];

	return bpf_get_stack((void *)ctx, buf, sizeof(buf), 0);
}

__noinline int stack_fwd(struct fwd_regs *ctx)
{
	char buf[64];

	return bpf_get_stack((void *)ctx, buf, sizeof(buf), 0);
}

__noinline int skb_projection(struct sk_buff *skb)
{
	char buf[4];

	return bpf_skb_load_bytes(skb, 0, buf, sizeof(buf));
}

__noinline int xdp_projection(struct xdp_buff *xdp)
{
	char buf[4];

	return bpf_xdp_load_bytes(xdp, 0, buf, sizeof(buf));
}

__noinline int anon_arg(anon_t *p)
{
	return p ? p->x : 0;
}

SEC("kprobe")
int kprobe_typedef(void *ctx)
{
	return stack_typedef(ctx);
}

SEC("kprobe")
int kprobe_struct(void *ctx)
{
	return stack_struct(ctx);
}

SEC("kprobe")
int kprobe_workaround(void *ctx)
{
	return stack_workaround(ctx);
}

SEC("kprobe")
int kprobe_other(void *ctx)
{
	return stack_other(ctx);
}

SEC("kprobe")
int kprobe_fwd(void *ctx)
{
	return stack_fwd(ctx);
}

SEC("tc")
int tc_projection(struct __sk_buff *skb)
{
	return skb_projection((void *)skb);
}

SEC("xdp")
int xdp_projected(struct xdp_md *xdp)
{
	return xdp_projection((void *)xdp) ? 1 : 2;
}

SEC("tc")
int tc_anon(struct __sk_buff *skb)
{
	return anon_arg((void *)skb);
}

char LICENSE[] SEC("license") = "GPL";
