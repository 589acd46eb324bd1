"""The kfuncs that read user memory: bpf_probe_read_user_dynptr, bpf_probe_read_user_str_dynptr,
bpf_copy_from_user_dynptr, bpf_copy_from_user_str_dynptr and bpf_copy_from_user_str.

Mirrors Linux 6.18: kernel/trace/bpf_trace.c (the dynptr ones: __bpf_dynptr_copy() /
__bpf_dynptr_copy_str(), ``pybpf.kfuncs.dynptr_ext``, with copy_user_data_nofault(),
copy_user_str_nofault(), copy_user_data_sleepable() and copy_user_str_sleepable() for the current
task) and kernel/bpf/helpers.c (bpf_copy_from_user_str()), all in ``common_btf_ids``; the
copy_from_user ones are ``KF_SLEEPABLE`` (a sleepable program: SYSCALL, or tracing ones).

User memory is the memory of the process that runs the program -- pybpf's own process, the one
that called bpf(2) -- read through ``pybpf.memory.user`` (an unmapped page fails, never crashes);
program memory (stack, context, map values, packet) is kernel memory, which no user copy reaches
(access_ok() refuses it in the kernel), nor anything at or past TASK_SIZE_MAX.  The copies, from
lib/usercopy.c, lib/strncpy_from_user.c and mm/maccess.c:

* copy_from_user_nofault(): all ``size`` bytes and 0, else what it could read and -EFAULT;
* copy_from_user(): the bytes it could read, the rest zero-filled; -EFAULT unless it read all;
* strncpy_from_user(src, count): eight bytes at a time while a whole word fits, the word holding
  the NUL stored with the bytes after the NUL zeroed; byte by byte for the tail or after a fault
  in a word; the length without the NUL, ``count`` when no NUL comes first, -EFAULT where a byte
  cannot be read (what was stored stays);
* strncpy_from_user_nofault(): count 0 is 0; its result at ``count`` is ``count`` with the last
  byte made NUL, else one more (the NUL counted);
* copy_user_str_sleepable(): size 0 is 0; strncpy_from_user(size - 1), then a NUL at the end and
  the length with the NUL;
* bpf_copy_from_user_str(dst, dst__sz, src, flags): flags but BPF_F_PAD_ZEROS -EINVAL, size 0 is
  0, then copy_user_str_sleepable(); with BPF_F_PAD_ZEROS the rest of ``dst`` (all of it on an
  error) is zeroed.

The task variants read a given task's memory: bpf_copy_from_user_task_dynptr and
bpf_copy_from_user_task_str_dynptr (kernel/trace/bpf_trace.c, ``common_btf_ids``, KF_SLEEPABLE |
KF_TRUSTED_ARGS) and bpf_copy_from_user_task_str (kernel/bpf/helpers.c, KF_SLEEPABLE), every
program type (measured: a sleepable SYSCALL program loads them, the others refuse them as
sleepable kfuncs).  They reach the memory with access_process_vm() (all ``size`` bytes or -EFAULT)
and copy_remote_vm_str() (the string page by page, at most size - 1 bytes, NUL-terminated; the
length without the NUL, -EFAULT where a page before the NUL or the limit cannot be read), and
bpf_copy_from_user_task_str() (flags but BPF_F_PAD_ZEROS -EINVAL, size 0 is 0) answers that length
plus one, padding the rest with zeros under BPF_F_PAD_ZEROS (all of it on an error).  The one task
pybpf gives a program is the calling thread (bpf_get_current_task_btf, bpf_task_acquire of it:
``pybpf.kfuncs.kernel_objects``), whose memory is this process's: read as the other user copies
read it.  Any other task pointer is one whose memory pybpf cannot name: -EFAULT (the kernel's
answer for a task without an mm).
"""

from __future__ import annotations

import errno

from pybpf.helpers.basic import TASK_SIZE_MAX
from pybpf.helpers.context import HelperContext
from pybpf.helpers.current_task import user_bytes
from pybpf.helpers.task_image import is_current_task
from pybpf.isa.words import M32
from pybpf.kfuncs.dynptr_ext import CopyFn, copy_into, copy_str_into, int_kfunc, probe_args
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc

WORD = 8
BPF_F_PAD_ZEROS = 1
"""include/uapi/linux/bpf.h: bpf_copy_from_user_str()'s flag."""


def copy_user_data_nofault(ctx: HelperContext, src: int, size: int) -> tuple[bytes, int]:
    """copy_from_user_nofault()."""
    if (src & 0xFFFF_FFFF_FFFF_FFFF) + size > TASK_SIZE_MAX:
        return b"", -errno.EFAULT
    data = user_bytes(ctx, src, size)
    return data, 0 if len(data) == size else -errno.EFAULT  # what it read stays in the destination


def copy_user_data_sleepable(ctx: HelperContext, src: int, size: int) -> tuple[bytes, int]:
    """copy_user_data_sleepable() of the current task: copy_from_user() (the tail it could not
    read zero-filled), -EFAULT unless it read everything."""
    data = user_bytes(ctx, src, size)
    return data.ljust(size, b"\0"), 0 if len(data) == size else -errno.EFAULT


def strncpy_from_user(ctx: HelperContext, src: int, count: int) -> tuple[bytes, int]:
    """do_strncpy_from_user(): (the bytes stored from the destination's start, the result)."""
    if count <= 0:
        return b"", 0
    src &= 0xFFFF_FFFF_FFFF_FFFF
    if src >= TASK_SIZE_MAX:
        return b"", -errno.EFAULT
    limit = min(count, TASK_SIZE_MAX - src)
    data = user_bytes(ctx, src, limit)
    res = 0
    while limit - res >= WORD and res + WORD <= len(data):
        word = data[res : res + WORD]
        nul = word.find(0)
        if nul >= 0:
            return data[:res] + word[:nul].ljust(WORD, b"\0"), res + nul
        res += WORD
    while res < limit:
        if res >= len(data):
            return data[:res], -errno.EFAULT
        if data[res] == 0:
            return data[: res + 1], res
        res += 1
    return data[:res], res if res >= count else -errno.EFAULT


def copy_user_str_nofault(ctx: HelperContext, src: int, size: int) -> tuple[bytes, int]:
    """strncpy_from_user_nofault()."""
    if size <= 0:
        return b"", 0
    stored, ret = strncpy_from_user(ctx, src, size)
    if ret >= size:
        return stored[: size - 1] + b"\0", size
    return stored, ret + 1 if ret >= 0 else ret


def copy_user_str_sleepable(ctx: HelperContext, src: int, size: int) -> tuple[bytes, int]:
    """copy_user_str_sleepable() of the current task."""
    if size <= 0:
        return b"", 0
    stored, ret = strncpy_from_user(ctx, src, size - 1)
    if ret < 0:
        return stored, ret
    return stored[:ret] + b"\0" + stored[ret + 1 :], ret + 1


def probe_read_user_dynptr(ctx: HelperContext, dptr: int, off: int, size: int, unsafe: int, _r5: int) -> int:
    return copy_into(ctx, dptr, off, size, unsafe, copy_user_data_nofault)


def probe_read_user_str_dynptr(
    ctx: HelperContext, dptr: int, off: int, size: int, unsafe: int, _r5: int
) -> int:
    return copy_str_into(ctx, dptr, off, size, unsafe, copy_user_str_nofault)


def copy_from_user_dynptr(ctx: HelperContext, dptr: int, off: int, size: int, unsafe: int, _r5: int) -> int:
    return copy_into(ctx, dptr, off, size, unsafe, copy_user_data_sleepable)


def copy_from_user_str_dynptr(
    ctx: HelperContext, dptr: int, off: int, size: int, unsafe: int, _r5: int
) -> int:
    return copy_str_into(ctx, dptr, off, size, unsafe, copy_user_str_sleepable)


def copy_from_user_str(ctx: HelperContext, dst: int, size: int, unsafe: int, flags: int, _r5: int) -> int:
    """bpf_copy_from_user_str(dst, dst__sz, unsafe_ptr__ign, flags)."""
    size &= M32
    if flags & ~BPF_F_PAD_ZEROS:
        return -errno.EINVAL & M32
    if not size:
        return 0
    ctx.memory.check(dst, size, True)  # the verifier proved it; an unverified run faults here
    stored, ret = strncpy_from_user(ctx, unsafe, size - 1)
    pad = bool(flags & BPF_F_PAD_ZEROS)
    if ret < 0:
        ctx.memory.write(dst, bytes(size) if pad else stored)
        return ret & M32
    ctx.memory.write(
        dst, stored[:ret].ljust(size, b"\0") if pad else stored[:ret] + b"\0" + stored[ret + 1 :]
    )
    return (ret + 1) & M32


def copy_remote_vm_str(ctx: HelperContext, task: int, src: int, size: int) -> tuple[bytes, int]:
    """copy_remote_vm_str() of ``task``: (the bytes stored, the length without the NUL or -EFAULT)."""
    if size <= 0:
        return b"", 0
    if not is_current_task(task):
        return b"\0", -errno.EFAULT
    data = user_bytes(ctx, src, size)
    if not data:
        return b"\0", -errno.EFAULT
    nul = data.find(0, 0, size - 1)
    if nul < 0 and len(data) < size - 1:
        return data, -errno.EFAULT  # a page it cannot read before the NUL or the limit
    length = nul if nul >= 0 else size - 1
    return data[:length] + b"\0", length


def _task_copies(task: int) -> tuple[CopyFn, CopyFn]:
    """copy_user_data_sleepable() and copy_user_str_sleepable() with ``task`` given."""

    def data(ctx: HelperContext, src: int, size: int) -> tuple[bytes, int]:
        if not is_current_task(task):
            return b"", -errno.EFAULT
        read = user_bytes(ctx, src, size)
        return read, 0 if len(read) == size else -errno.EFAULT

    def string(ctx: HelperContext, src: int, size: int) -> tuple[bytes, int]:
        stored, ret = copy_remote_vm_str(ctx, task, src, size)
        return stored, ret + 1 if ret >= 0 and size > 0 else ret

    return data, string


def copy_from_user_task_dynptr(  # noqa: PLR0917 - the kfunc ABI: five register arguments
    ctx: HelperContext, dptr: int, off: int, size: int, unsafe: int, task: int
) -> int:
    return copy_into(ctx, dptr, off, size, unsafe, _task_copies(task)[0])


def copy_from_user_task_str_dynptr(  # noqa: PLR0917 - the kfunc ABI: five register arguments
    ctx: HelperContext, dptr: int, off: int, size: int, unsafe: int, task: int
) -> int:
    return copy_str_into(ctx, dptr, off, size, unsafe, _task_copies(task)[1])


def copy_from_user_task_str(  # noqa: PLR0917 - the kfunc ABI: five register arguments
    ctx: HelperContext, dst: int, size: int, unsafe: int, task: int, flags: int
) -> int:
    """bpf_copy_from_user_task_str(dst, dst__sz, unsafe_ptr__ign, tsk, flags)."""
    size &= M32
    if flags & ~BPF_F_PAD_ZEROS:
        return -errno.EINVAL & M32
    if not size:
        return 0
    ctx.memory.check(dst, size, True)  # the verifier proved it; an unverified run faults here
    stored, ret = copy_remote_vm_str(ctx, task, unsafe, size)
    pad = bool(flags & BPF_F_PAD_ZEROS)
    if ret < 0:
        ctx.memory.write(dst, bytes(size) if pad else stored)
        return ret & M32
    ctx.memory.write(dst, stored.ljust(size, b"\0") if pad else stored)
    return (ret + 1) & M32


_SLEEPABLE = KfFlag.SLEEPABLE
_TASK = KArg(ArgKind.BTF_ID, "struct task_struct *", "tsk")

KFUNCS: tuple[KFunc, ...] = (
    int_kfunc("bpf_probe_read_user_dynptr", probe_args(), probe_read_user_dynptr),
    int_kfunc("bpf_probe_read_user_str_dynptr", probe_args(), probe_read_user_str_dynptr),
    int_kfunc("bpf_copy_from_user_dynptr", probe_args(), copy_from_user_dynptr, _SLEEPABLE),
    int_kfunc("bpf_copy_from_user_str_dynptr", probe_args(), copy_from_user_str_dynptr, _SLEEPABLE),
    int_kfunc(
        "bpf_copy_from_user_str",
        (
            KArg(ArgKind.MEM_SIZED, "void *", "dst"),
            KArg(ArgKind.SIZE, "u32", "dst__sz"),
            KArg(ArgKind.IGNORED, "const void *", "unsafe_ptr__ign"),
            KArg(ArgKind.SCALAR, "u64", "flags"),
        ),
        copy_from_user_str,
        _SLEEPABLE,
    ),
    int_kfunc(
        "bpf_copy_from_user_task_dynptr",
        (*probe_args(), _TASK),
        copy_from_user_task_dynptr,
        _SLEEPABLE | KfFlag.TRUSTED_ARGS,
    ),
    int_kfunc(
        "bpf_copy_from_user_task_str_dynptr",
        (*probe_args(), _TASK),
        copy_from_user_task_str_dynptr,
        _SLEEPABLE | KfFlag.TRUSTED_ARGS,
    ),
    int_kfunc(
        "bpf_copy_from_user_task_str",
        (
            KArg(ArgKind.MEM_SIZED, "void *", "dst"),
            KArg(ArgKind.SIZE, "u32", "dst__sz"),
            KArg(ArgKind.IGNORED, "const void *", "unsafe_ptr__ign"),
            _TASK,
            KArg(ArgKind.SCALAR, "u64", "flags"),
        ),
        copy_from_user_task_str,
        _SLEEPABLE,
    ),
)
"""The user-memory kfuncs of the common set."""
