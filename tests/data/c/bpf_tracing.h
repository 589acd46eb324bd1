/* The tracing half of libbpf's headers for the programs built against vmlinux.h (a stand-in for
 * bpf_tracing.h on x86-64): probed-function arguments out of struct pt_regs and the BPF_KPROBE /
 * BPF_KRETPROBE wrappers that name them.  Include after vmlinux.h, which defines struct pt_regs.
 *
 * vmlinux.h is generated, not committed: `make -C tests/data/c vmlinux.h` (bpftool btf dump).
 */
#ifndef PYBPF_BPF_TRACING_H
#define PYBPF_BPF_TRACING_H

#include "bpf_helpers.h"

/* x86-64's calling convention: the first five arguments in rdi, rsi, rdx, rcx, r8; the result in rax. */
#define PT_REGS_PARM1(x) (((const struct pt_regs *)(x))->di)
#define PT_REGS_PARM2(x) (((const struct pt_regs *)(x))->si)
#define PT_REGS_PARM3(x) (((const struct pt_regs *)(x))->dx)
#define PT_REGS_PARM4(x) (((const struct pt_regs *)(x))->cx)
#define PT_REGS_PARM5(x) (((const struct pt_regs *)(x))->r8)
#define PT_REGS_RC(x) (((const struct pt_regs *)(x))->ax)
#define PT_REGS_IP(x) (((const struct pt_regs *)(x))->ip)

/* BPF_KPROBE(name, type1 a1, ...): `name` is the program (it takes the pt_regs); the body that
 * follows the macro sees the probed function's arguments (up to five) by name, and `ctx`. */
#define ___kp_count(...) ___kp_count_(_, ##__VA_ARGS__, 5, 4, 3, 2, 1, 0)
#define ___kp_count_(_, a, b, c, d, e, n, ...) n
#define ___kp_join(a, b) ___kp_join_(a, b)
#define ___kp_join_(a, b) a##b
#define ___kp_args0()
#define ___kp_args1() , (unsigned long long)PT_REGS_PARM1(ctx)
#define ___kp_args2() ___kp_args1(), (unsigned long long)PT_REGS_PARM2(ctx)
#define ___kp_args3() ___kp_args2(), (unsigned long long)PT_REGS_PARM3(ctx)
#define ___kp_args4() ___kp_args3(), (unsigned long long)PT_REGS_PARM4(ctx)
#define ___kp_args5() ___kp_args4(), (unsigned long long)PT_REGS_PARM5(ctx)

#define BPF_KPROBE(name, args...)                                                            \
	name(struct pt_regs *ctx);                                                           \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args);       \
	typeof(name(0)) name(struct pt_regs *ctx)                                            \
	{                                                                                    \
		_Pragma("GCC diagnostic push")                                               \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                       \
		return ____##name(ctx ___kp_join(___kp_args, ___kp_count(args))());          \
		_Pragma("GCC diagnostic pop")                                                \
	}                                                                                    \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args)

/* BPF_KRETPROBE(name, type ret): the body sees the probed function's return value. */
#define BPF_KRETPROBE(name, args...)                                                         \
	name(struct pt_regs *ctx);                                                           \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args);       \
	typeof(name(0)) name(struct pt_regs *ctx)                                            \
	{                                                                                    \
		_Pragma("GCC diagnostic push")                                               \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                       \
		return ____##name(ctx, (unsigned long long)PT_REGS_RC(ctx));                 \
		_Pragma("GCC diagnostic pop")                                                \
	}                                                                                    \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args)

/* BPF_PROG(name, type1 a1, ...) for raw_tp / tp_btf / fentry: the arguments are the u64s of ctx. */
#define ___bp_args0()
#define ___bp_args1() , (void *)ctx[0]
#define ___bp_args2() ___bp_args1(), (void *)ctx[1]
#define ___bp_args3() ___bp_args2(), (void *)ctx[2]
#define ___bp_args4() ___bp_args3(), (void *)ctx[3]
#define ___bp_args5() ___bp_args4(), (void *)ctx[4]
#define BPF_PROG(name, args...)                                                              \
	name(unsigned long long *ctx);                                                       \
	static __always_inline typeof(name(0)) ____##name(unsigned long long *ctx, ##args);   \
	typeof(name(0)) name(unsigned long long *ctx)                                        \
	{                                                                                    \
		_Pragma("GCC diagnostic push")                                               \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                       \
		return ____##name(ctx ___kp_join(___bp_args, ___kp_count(args))());          \
		_Pragma("GCC diagnostic pop")                                                \
	}                                                                                    \
	static __always_inline typeof(name(0)) ____##name(unsigned long long *ctx, ##args)

#endif
