/* Kernel structs walked as tracing tools walk them (libbpf-tools style): vmlinux-style definitions
 * with preserve_access_index, relocated (CO-RE) against the running kernel's BTF -- the current task's
 * real parent and group leader (RCU pointers in a non-sleepable program), an RCU parent acquired as a
 * reference, the kernel's own XDP and socket-buffer contexts (bpf_cast_to_kern_ctx) with the
 * untrusted pointers they lead to, an untrusted task cast with bpf_rdonly_cast, and the sleepable
 * case: real_parent acquired inside bpf_rcu_read_lock(). */
#include "bpf_helpers.h"

struct net_device {
	int ifindex;
} __attribute__((preserve_access_index));

struct xdp_rxq_info {
	struct net_device *dev;
	__u32 queue_index;
} __attribute__((preserve_access_index));

struct xdp_buff {
	void *data;
	void *data_end;
	struct xdp_rxq_info *rxq;
} __attribute__((preserve_access_index));

struct sock_common {
	unsigned short skc_family;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct sk_buff {
	struct sock *sk;
	struct net_device *dev;
	unsigned int len;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
} __attribute__((preserve_access_index));

static struct task_struct *(*bpf_get_current_task_btf)(void) = (void *)158;

extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

SEC("xdp")
int xdp_parent_tgid(struct xdp_md *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return task->real_parent->tgid == task->group_leader->tgid ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_parent_ref(struct xdp_md *ctx)
{
	struct task_struct *parent = bpf_task_acquire(bpf_get_current_task_btf()->real_parent);
	int pid;

	if (!parent)
		return XDP_DROP;
	pid = parent->pid;
	bpf_task_release(parent);
	return pid ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_kern_ctx(struct xdp_md *ctx)
{
	struct xdp_buff *xdp = bpf_cast_to_kern_ctx(ctx);

	return xdp->rxq->dev->ifindex + (xdp->data_end - xdp->data) > 0 ? XDP_PASS : XDP_DROP;
}

SEC("tc")
int tc_sk_family(struct __sk_buff *ctx)
{
	struct sk_buff *skb = bpf_cast_to_kern_ctx(ctx);
	struct sock *sk = skb->sk;

	if (!sk)
		return skb->dev->ifindex;
	return sk->__sk_common.skc_family;
}

SEC("xdp")
int xdp_rdonly_task(struct xdp_md *ctx)
{
	struct task_struct *task = bpf_rdonly_cast(ctx, bpf_core_type_id_kernel(struct task_struct));

	return task->real_parent->pid & 1;
}

SEC("syscall")
int sys_parent_rcu(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf(), *parent;
	int pid = 0;

	bpf_rcu_read_lock();
	parent = bpf_task_acquire(task->real_parent);
	bpf_rcu_read_unlock();
	if (parent) {
		pid = parent->pid;
		bpf_task_release(parent);
	}
	return pid;
}

char LICENSE[] SEC("license") = "GPL";
