/* Kernel struct walks the kernel refuses (each program on purpose): real_parent handed to
 * bpf_task_acquire in a sleepable program outside an RCU read-side section (an untrusted pointer
 * there), skb->sk dereferenced without its NULL check, and a store into the current task. */
#include "bpf_helpers.h"

struct sock_common {
	unsigned short skc_family;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct sk_buff {
	struct sock *sk;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	struct task_struct *real_parent;
} __attribute__((preserve_access_index));

static struct task_struct *(*bpf_get_current_task_btf)(void) = (void *)158;

extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

SEC("syscall")
int sys_no_rcu(void *ctx)
{
	struct task_struct *parent = bpf_task_acquire(bpf_get_current_task_btf()->real_parent);

	if (parent)
		bpf_task_release(parent);
	return 0;
}

SEC("tc")
int tc_sk_unchecked(struct __sk_buff *ctx)
{
	struct sk_buff *skb = bpf_cast_to_kern_ctx(ctx);

	return skb->sk->__sk_common.skc_family;
}

SEC("xdp")
int xdp_task_write(struct xdp_md *ctx)
{
	bpf_get_current_task_btf()->pid = 0;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
