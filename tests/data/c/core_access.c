/* CO-RE against the kernel's BTF: a context struct declared locally in another field order (its
 * offsets relocated to vmlinux's struct xdp_md), field existence and size, type existence and size,
 * and an enumerator's value. */
#include "bpf_helpers.h"

struct xdp_md___local {
	__u32 ingress_ifindex;
	__u32 data_end;
	__u32 data;
	__u32 no_such_field;
} __attribute__((preserve_access_index));

struct task_struct___local {
	int pid;
} __attribute__((preserve_access_index));

struct surely_not_in_the_kernel___local {
	int x;
} __attribute__((preserve_access_index));

enum xdp_action___local {
	XDP_ABORTED___local = 10,
	XDP_DROP___local = 11,
	XDP_PASS___local = 12,
};

__u32 facts[8];

SEC("xdp")
int xdp_core(struct xdp_md___local *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	facts[0] = len;
	facts[1] = bpf_core_field_exists(ctx->no_such_field);
	facts[2] = bpf_core_field_exists(ctx->ingress_ifindex);
	facts[3] = bpf_core_field_size(ctx->data);
	facts[4] = bpf_core_type_exists(struct task_struct___local);
	facts[5] = bpf_core_type_exists(struct surely_not_in_the_kernel___local);
	facts[6] = bpf_core_type_size(struct xdp_md___local);
	facts[7] = bpf_core_enum_value(enum xdp_action___local, XDP_PASS___local);
	return bpf_core_enum_value(enum xdp_action___local, XDP_PASS___local);
}

char LICENSE[] SEC("license") = "GPL";
