/* In the style of a BPF LSM policy (lsm/file_open, lsm/bprm_check_security): the hook's arguments
 * typed from bpf_lsm_<hook>, the previous program's verdict read after them and kept, a denial
 * (-EPERM) for one inode number user space chooses, counted per hook. */
#include "vmlinux.h"
#include "bpf_tracing.h"

#define EPERM 1

const volatile __u64 denied_ino = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} denials SEC(".maps");

static __always_inline int count_denial(__u32 hook)
{
	__u64 *count = bpf_map_lookup_elem(&denials, &hook);

	if (count)
		__sync_fetch_and_add(count, 1);
	return -EPERM;
}

SEC("lsm/file_open")
int BPF_PROG(guard_file_open, struct file *file, int ret)
{
	if (ret != 0)
		return ret;
	if (denied_ino && file->f_inode->i_ino == denied_ino)
		return count_denial(0);
	return 0;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(guard_exec, struct linux_binprm *bprm, int ret)
{
	if (ret != 0)
		return ret;
	if (denied_ino && bprm->file->f_inode->i_ino == denied_ino)
		return count_denial(1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
