/* What a global function's `arg:ctx` parameter may point to, per program type
 * (btf_validate_prog_ctx_type): a tracepoint's may point to any struct, a kprobe's to struct pt_regs
 * or the bpf_user_pt_regs_t typedef, a raw tracepoint's to a u64, tc's only to struct __sk_buff
 * ("arg#0 should be `struct __sk_buff *`"), xdp's not to a u64. */
#include "bpf_helpers.h"

#define __arg_ctx __attribute__((btf_decl_tag("arg:ctx")))

struct pt_regs { unsigned long ip; };
typedef struct pt_regs bpf_user_pt_regs_t;
struct anything_at_all { int x; };

__noinline int tp_any_struct(struct anything_at_all *ctx __arg_ctx)
{
	return ctx ? 1 : 0;
}

__noinline int kp_regs(struct pt_regs *ctx __arg_ctx)
{
	return ctx ? 1 : 0;
}

__noinline int kp_typedef(bpf_user_pt_regs_t *ctx __arg_ctx)
{
	return ctx ? 1 : 0;
}

__noinline int u64_words(__u64 *ctx __arg_ctx)
{
	return ctx ? 1 : 0;
}

SEC("tp/syscalls/sys_enter_getpid")
int tp_passes_any_struct(void *ctx)
{
	return tp_any_struct(ctx);
}

SEC("kprobe/do_nanosleep")
int kprobe_passes_pt_regs(void *ctx)
{
	return kp_regs(ctx) + kp_typedef(ctx);
}

SEC("raw_tp/sys_enter")
int raw_tp_passes_u64(void *ctx)
{
	return u64_words(ctx);
}

SEC("tc")
int tc_passes_pt_regs(void *ctx)
{
	return kp_regs(ctx);
}

SEC("xdp")
int xdp_passes_u64(void *ctx)
{
	return u64_words(ctx);
}

char LICENSE[] SEC("license") = "GPL";
