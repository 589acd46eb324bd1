/* Externs resolved by the loader: the kernel version and kconfig values of every supported type. */
#include "bpf_helpers.h"

extern __u32 LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_NET_SCHED __kconfig __weak;
extern char CONFIG_DEFAULT_HOSTNAME[16] __kconfig __weak;
extern __u64 CONFIG_MISSING_OPTION __kconfig __weak;

__u64 values[6];

SEC("xdp")
int xdp_kconfig(struct xdp_md *ctx)
{
	values[0] = LINUX_KERNEL_VERSION;
	values[1] = CONFIG_HZ;
	values[2] = CONFIG_BPF_SYSCALL;
	values[3] = CONFIG_NET_SCHED;
	values[4] = CONFIG_DEFAULT_HOSTNAME[0];
	values[5] = CONFIG_MISSING_OPTION;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
