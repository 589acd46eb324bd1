/* bpf_find_vma from a SYSCALL program on the calling task (kernel/bpf/task_iter.c, Linux 6.18): the
 * callback copies what it reads of the struct vm_area_struct (bounds, flags, and for a file the
 * page offset and the file's dentry name) into a stack context the program stores in a map, with
 * the helper's answer and how many times the callback ran.  Run by tests/helpers/test_find_vma.py
 * on pybpf (both engines) and on the kernel. */
#include "vmlinux.h"
#include "bpf_helpers.h"

static struct task_struct *(*bpf_get_current_task_btf)(void) = (void *)158;
static long (*bpf_find_vma)(struct task_struct *task, __u64 addr, void *callback_fn, void *callback_ctx,
			    __u64 flags) = (void *)180;

struct args {
	__u64 addr;
	__u64 flags;
};

struct seen {
	__s64 ret;
	__u64 calls;
	__u64 start;
	__u64 end;
	__u64 vm_flags;
	__u64 pgoff;
	__u64 has_file;
	__u64 name_len;
	char name[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct seen);
} seen SEC(".maps");

static long check_vma(struct task_struct *task, struct vm_area_struct *vma, struct seen *s)
{
	s->calls++;
	s->start = vma->vm_start;
	s->end = vma->vm_end;
	s->vm_flags = vma->vm_flags;
	if (vma->vm_file) {
		s->has_file = 1;
		s->pgoff = vma->vm_pgoff;
		s->name_len = vma->vm_file->f_path.dentry->d_name.len;
		bpf_probe_read_kernel_str(s->name, sizeof(s->name), vma->vm_file->f_path.dentry->d_name.name);
	}
	return 0;
}

SEC("syscall")
int find(struct args *args)
{
	struct seen s = {};
	__u32 key = 0;

	s.ret = bpf_find_vma(bpf_get_current_task_btf(), args->addr, check_vma, &s, args->flags);
	bpf_map_update_elem(&seen, &key, &s, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
