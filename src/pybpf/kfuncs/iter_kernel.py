"""The open-coded iterators over kernel objects: tasks, css, a css's tasks, a task's VMAs, slab caches
and dma-bufs.

Mirrors the registrations in kernel/bpf/helpers.c's ``common_btf_ids`` (Linux 6.18: every program
type may call them) and the kfuncs of kernel/bpf/task_iter.c, cgroup_iter.c, kmem_cache_iter.c
and dmabuf_iter.c:

* bpf_iter_task_new(it, task__nullable, flags) (KF_ITER_NEW | KF_TRUSTED_ARGS | KF_RCU_PROTECTED),
  _next() -> ``struct task_struct *``, _destroy(); ``struct bpf_iter_task`` is 24 bytes;
* bpf_iter_css_new(it, start, flags) (KF_ITER_NEW | KF_TRUSTED_ARGS | KF_RCU_PROTECTED), _next() ->
  ``struct cgroup_subsys_state *``, _destroy(); 24 bytes;
* bpf_iter_css_task_new(it, css, flags) (KF_ITER_NEW | KF_TRUSTED_ARGS; the verifier allows it in
  LSM, bpf_iter and sleepable programs only), _next() -> ``struct task_struct *``, _destroy(); 8 bytes;
* bpf_iter_task_vma_new(it, task, addr) (KF_ITER_NEW | KF_RCU), _next() -> ``struct
  vm_area_struct *``, _destroy(); 8 bytes;
* bpf_iter_kmem_cache_new(it), _next() -> ``struct kmem_cache *``, _destroy() (all KF_SLEEPABLE);
  8 bytes;
* bpf_iter_dmabuf_new(it), _next() -> ``struct dma_buf *``, _destroy() (all KF_SLEEPABLE); 8 bytes.

Every _next() is KF_ITER_NEXT | KF_RET_NULL, every _destroy() KF_ITER_DESTROY.  The verifier side
is ``pybpf.verifier.iterators`` (the stack slots, the RCU section a KF_RCU_PROTECTED iterator
needs, next()'s trusted or RCU pointer).

At run time in user space there are no kernel tasks, css, VMAs, slab caches or dma-bufs to walk:
new() checks what the kernel's checks without looking at a kernel object -- the flags of a task
iterator (``BPF_TASK_ITER_ALL_PROCS`` / ``_ALL_THREADS``, or ``_PROC_THREADS`` with a task), the
order of a css iterator (``BPF_CGROUP_ITER_DESCENDANTS_PRE`` / ``_POST`` / ``_ANCESTORS_UP``), the
flags of a css task iterator (none, ``CSS_TASK_ITER_PROCS``, or that with ``_THREADED``), each -EINVAL
otherwise -- and clears the iterator's bytes (the other new() calls only clear them and succeed, as
the kernel's do for a task with an address space); next() answers NULL (the walk is empty: a loop
body never runs) and destroy() clears the bytes again.
"""

from __future__ import annotations

import errno

from pybpf.helpers.context import HelperContext
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, KFuncImpl, RetKind
from pybpf.uapi import (
    BPF_CGROUP_ITER_ANCESTORS_UP,
    BPF_CGROUP_ITER_DESCENDANTS_POST,
    BPF_CGROUP_ITER_DESCENDANTS_PRE,
)

ITER_STATE_SIZES = {"task": 24, "css": 24, "css_task": 8, "task_vma": 8, "kmem_cache": 8, "dmabuf": 8}
"""sizeof(struct bpf_iter_<type>) of each iterator (vmlinux BTF, Linux 6.18)."""

BPF_TASK_ITER_ALL_PROCS, BPF_TASK_ITER_ALL_THREADS, BPF_TASK_ITER_PROC_THREADS = 0, 1, 2
"""The flags of bpf_iter_task_new() (kernel/bpf/task_iter.c)."""
CSS_TASK_ITER_PROCS, CSS_TASK_ITER_THREADED = 1 << 0, 1 << 1
"""The flags bpf_iter_css_task_new() takes (include/linux/cgroup.h)."""

_U32 = 0xFFFFFFFF
_CSS_ORDERS = (
    BPF_CGROUP_ITER_DESCENDANTS_PRE,
    BPF_CGROUP_ITER_DESCENDANTS_POST,
    BPF_CGROUP_ITER_ANCESTORS_UP,
)
"""The orders bpf_iter_css_new() takes (enum bpf_cgroup_iter_order of the uapi)."""
_CSS_TASK_FLAGS = (0, CSS_TASK_ITER_PROCS, CSS_TASK_ITER_PROCS | CSS_TASK_ITER_THREADED)


def _clear(ctx: HelperContext, it: int, name: str) -> None:
    ctx.memory.write(it, bytes(ITER_STATE_SIZES[name]))


def iter_task_new(ctx: HelperContext, it: int, task: int, flags: int, _r4: int, _r5: int) -> int:
    """bpf_iter_task_new(): ALL_PROCS and ALL_THREADS, or PROC_THREADS of a task; else -EINVAL."""
    _clear(ctx, it, "task")
    flags &= _U32
    if flags in (BPF_TASK_ITER_ALL_PROCS, BPF_TASK_ITER_ALL_THREADS):
        return 0
    return 0 if flags == BPF_TASK_ITER_PROC_THREADS and task else -errno.EINVAL


def iter_css_new(ctx: HelperContext, it: int, _start: int, flags: int, _r4: int, _r5: int) -> int:
    """bpf_iter_css_new(): an order it knows, else -EINVAL."""
    _clear(ctx, it, "css")
    return 0 if flags & _U32 in _CSS_ORDERS else -errno.EINVAL


def iter_css_task_new(ctx: HelperContext, it: int, _css: int, flags: int, _r4: int, _r5: int) -> int:
    """bpf_iter_css_task_new(): no flags, PROCS, or PROCS | THREADED; else -EINVAL."""
    _clear(ctx, it, "css_task")
    return 0 if flags & _U32 in _CSS_TASK_FLAGS else -errno.EINVAL


def _cleared(name: str) -> KFuncImpl:
    """new() of an iterator without arguments, next() (NULL: nothing to walk) and destroy(): the
    state cleared, 0 returned."""

    def run(ctx: HelperContext, it: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
        _clear(ctx, it, name)
        return 0

    return run


def _iterator(
    name: str, flags: KfFlag, args: tuple[KArg, ...], ret_struct: str, new: KFuncImpl | None = None
) -> tuple[KFunc, KFunc, KFunc]:
    """bpf_iter_<name>_new(it, *args) with ``flags``, _next() -> ``struct <ret_struct> *``, _destroy()."""
    it = KArg(ArgKind.ITER, f"struct bpf_iter_{name} *", "it")
    sleepable = flags & KfFlag.SLEEPABLE
    end = _cleared(name)
    return (
        KFunc(f"bpf_iter_{name}_new", KfFlag.ITER_NEW | flags, (it, *args), RetKind.SCALAR, "int", 4,
              new or end, iter_type=name),
        KFunc(f"bpf_iter_{name}_next", KfFlag.ITER_NEXT | KfFlag.RET_NULL | sleepable, (it,),
              RetKind.BTF_ID, f"struct {ret_struct} *", 8, end, iter_type=name),
        KFunc(f"bpf_iter_{name}_destroy", KfFlag.ITER_DESTROY | sleepable, (it,), RetKind.VOID, "void", 0,
              end, iter_type=name),
    )  # fmt: skip


_FLAGS = KArg(ArgKind.SCALAR, "unsigned int", "flags")
_PROTECTED = KfFlag.TRUSTED_ARGS | KfFlag.RCU_PROTECTED

CSS_TASK_NEW = "bpf_iter_css_task_new"
"""The iterator only LSM, bpf_iter and sleepable programs may start (check_css_task_iter_allowlist())."""

KFUNCS: tuple[KFunc, ...] = (
    *_iterator(
        "task", _PROTECTED, (KArg(ArgKind.BTF_ID, "struct task_struct *", "task__nullable"), _FLAGS),
        "task_struct", iter_task_new,
    ),
    *_iterator(
        "css", _PROTECTED, (KArg(ArgKind.BTF_ID, "struct cgroup_subsys_state *", "start"), _FLAGS),
        "cgroup_subsys_state", iter_css_new,
    ),
    *_iterator(
        "css_task", KfFlag.TRUSTED_ARGS,
        (KArg(ArgKind.BTF_ID, "struct cgroup_subsys_state *", "css"), _FLAGS), "task_struct",
        iter_css_task_new,
    ),
    *_iterator(
        "task_vma", KfFlag.RCU,
        (KArg(ArgKind.BTF_ID, "struct task_struct *", "task"), KArg(ArgKind.SCALAR, "u64", "addr")),
        "vm_area_struct",
    ),
    *_iterator("kmem_cache", KfFlag.SLEEPABLE, (), "kmem_cache"),
    *_iterator("dmabuf", KfFlag.SLEEPABLE, (), "dma_buf"),
)  # fmt: skip
"""The iterators over kernel objects, in kernel/bpf/helpers.c's order."""
