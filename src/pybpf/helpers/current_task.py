"""Helpers about the task that runs the program: its pid namespace, its cgroups, its memory, signals.

"Current" is the process (and thread) that called bpf(BPF_PROG_TEST_RUN), as it is in the kernel,
where a test run executes the program in the caller's context.  Each mirrors the kernel's helper of
the same id:

* ``bpf_get_ns_current_pid_tgid`` (120, kernel/bpf/helpers.c): ``size`` must be
  ``sizeof(struct bpf_pidns_info)`` (8) and ``dev`` fit a ``dev_t`` (32 bits), and (``dev``, ``ino``)
  name the caller's active pid namespace (``ns_match()``: the nsfs inode number, and the nsfs
  superblock's device in the kernel's internal ``MKDEV`` encoding, ``major << 20 | minor``, read from a
  stat of /proc/self/ns/pid); then ``{pid, tgid}`` in that namespace and 0, else the buffer zeroed and
  -EINVAL.
* ``bpf_get_current_ancestor_cgroup_id`` (123, kernel/bpf/helpers.c): the id of the caller's cgroup v2
  ancestor at ``ancestor_level`` (an int), 0 for a negative level or one below the caller's cgroup
  (``cgroup_ancestor()``; ``pybpf.objects.cgroups.current_ancestor_id``).
* ``bpf_get_cgroup_classid`` (17) outside skb programs (``bpf_get_cgroup_classid_curr_proto``,
  net/core/filter.c): the caller's net_cls classid (``pybpf.objects.cgroups.current_net_cls_classid``);
  the skb types register their own.
* ``bpf_copy_from_user`` (148, kernel/trace/bpf_trace.c, sleepable programs): copy_from_user() of
  the caller's memory (``user_bytes``: this process's, never program memory, nothing at or above
  TASK_SIZE_MAX); 0, or -EFAULT with all of ``dst`` zeroed when a byte could not be read.
* ``bpf_copy_from_user_task`` (191, kernel/trace/bpf_trace.c, sleepable): flags -EINVAL, size 0 is 0,
  else access_process_vm() of ``tsk``: all ``size`` bytes and 0, or ``dst`` zeroed and -EFAULT.  The
  one task pybpf hands programs is the calling thread (``pybpf.helpers.task_image.is_current_task``),
  whose memory is read as ``bpf_copy_from_user`` reads it; any other task's memory pybpf cannot name:
  -EFAULT, the kernel's answer for a task without an mm.
* ``bpf_send_signal`` (109) / ``bpf_send_signal_thread`` (117) (``bpf_send_signal_common()``,
  kernel/trace/bpf_trace.c): -EPERM for the global init task (pid 1 of the initial pid namespace),
  else ``group_send_sig_info()`` to the calling process (PIDTYPE_TGID, kill(2)) or thread
  (PIDTYPE_PID, tgkill(2)): the signal is really sent, as the kernel's test run sends it to the
  caller; an invalid signal number is -EINVAL and signal 0 only checks permission (0).  A test run
  never has interrupts disabled, so the deferred irq_work path does not arise.
"""

from __future__ import annotations

import errno
import os
import signal
import threading

from pybpf.helpers.basic import TASK_SIZE_MAX
from pybpf.helpers.context import SYSCALL_CHARGE, HelperContext
from pybpf.helpers.registry import HelperRegistry
from pybpf.helpers.task_image import is_current_task
from pybpf.isa.words import M32, M64
from pybpf.memory.user import read_prefix
from pybpf.objects.cgroups import current_ancestor_id, current_net_cls_classid

CURRENT_TASK_HELPERS = HelperRegistry()
"""The helpers of this module, by kernel id (``default_registry()`` includes them)."""
_helper = CURRENT_TASK_HELPERS.helper

PIDNS_INFO_SIZE = 8
"""``sizeof(struct bpf_pidns_info)``: ``{u32 pid; u32 tgid;}``."""
MINORBITS = 20
"""include/linux/kdev_t.h: the kernel-internal ``dev_t`` is ``major << MINORBITS | minor``."""
NSIG = 64
"""``_NSIG`` on x86-64: ``valid_signal(sig)`` is ``sig <= _NSIG``."""


def _neg(code: int) -> int:
    return -code & M64


# -- the caller's memory ----------------------------------------------------------------------------
def user_bytes(ctx: HelperContext, address: int, size: int) -> bytes:
    """What a user copy reads of the ``size`` bytes at ``address``: none past TASK_SIZE_MAX
    (access_ok()), none of program memory (the kernel's), else as many as are mapped."""
    address &= M64
    if size <= 0 or address + size > TASK_SIZE_MAX:
        return b""
    end = address + size
    for region in ctx.memory.regions:  # program memory is kernel memory: the copy stops before it
        if region.start < end and address < region.end:
            end = max(region.start, address)
    ctx.charge_bytes(end - address)
    return read_prefix(address, end - address)


@_helper("bpf_copy_from_user")
def copy_from_user(ctx: HelperContext, dst: int, size: int, user_ptr: int, *_: int) -> int:
    """``long bpf_copy_from_user(void *dst, u32 size, const void *user_ptr)``."""
    size &= M32
    if not size:
        return 0
    ctx.memory.check(dst, size, True)  # the verifier proved it; an unverified run faults here
    data = user_bytes(ctx, user_ptr, size)
    if len(data) < size:
        ctx.memory.write(dst, bytes(size))
        return _neg(errno.EFAULT)
    ctx.memory.write(dst, data)
    return 0


@_helper("bpf_copy_from_user_task")
def copy_from_user_task(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, dst: int, size: int, user_ptr: int, task: int, flags: int
) -> int:
    """``long bpf_copy_from_user_task(void *dst, u32 size, const void *user_ptr, task, u64 flags)``."""
    size &= M32
    if flags & M64:
        return _neg(errno.EINVAL)
    if not size:
        return 0
    ctx.memory.check(dst, size, True)
    data = user_bytes(ctx, user_ptr, size) if is_current_task(task) else b""
    if len(data) < size:
        ctx.memory.write(dst, bytes(size))
        return _neg(errno.EFAULT)
    ctx.memory.write(dst, data)
    return 0


# -- namespaces and cgroups -------------------------------------------------------------------------
def _pidns_identity() -> tuple[int, int] | None:
    """(kernel-internal dev, inode) of the caller's active pid namespace, None where unreadable."""
    try:
        info = os.stat("/proc/self/ns/pid")
    except OSError:
        return None
    return os.major(info.st_dev) << MINORBITS | os.minor(info.st_dev), info.st_ino


@_helper("bpf_get_ns_current_pid_tgid")
def get_ns_current_pid_tgid(ctx: HelperContext, dev: int, ino: int, nsdata: int, size: int, _r5: int) -> int:
    """``long bpf_get_ns_current_pid_tgid(u64 dev, u64 ino, struct bpf_pidns_info *nsdata, u32 size)``."""
    size &= M32
    dev &= M64
    ino &= M64
    ctx.charge(SYSCALL_CHARGE)
    if size == PIDNS_INFO_SIZE and dev <= M32 and _pidns_identity() == (dev, ino):
        ctx.memory.write(
            nsdata, threading.get_native_id().to_bytes(4, "little") + os.getpid().to_bytes(4, "little")
        )
        return 0
    if size:
        ctx.memory.write(nsdata, bytes(size))
    return _neg(errno.EINVAL)


@_helper("bpf_get_current_ancestor_cgroup_id")
def get_current_ancestor_cgroup_id(ctx: HelperContext, level: int, *_: int) -> int:
    """``u64 bpf_get_current_ancestor_cgroup_id(int ancestor_level)``."""
    ctx.charge(2 * SYSCALL_CHARGE)
    level &= M32
    return 0 if level >> 31 else current_ancestor_id(level)


@_helper("bpf_get_cgroup_classid")
def get_cgroup_classid_current(ctx: HelperContext, *_: int) -> int:
    """``u32 bpf_get_cgroup_classid(void)`` of a non-skb program: the caller's net_cls classid."""
    ctx.charge(2 * SYSCALL_CHARGE)
    return current_net_cls_classid()


# -- signals ----------------------------------------------------------------------------------------
def _is_global_init() -> bool:
    """``is_global_init(current)``: the caller is pid 1 of the initial pid namespace (the first
    NSpid of /proc/self/status is the pid there)."""
    try:
        with open("/proc/self/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("NSpid:"):
                    return line.split()[1] == "1"
    except (OSError, IndexError):
        pass
    return False


def _send_signal(ctx: HelperContext, sig: int, thread: bool) -> int:
    sig &= M32
    ctx.charge(SYSCALL_CHARGE)
    if _is_global_init():
        return _neg(errno.EPERM)
    if sig > NSIG:  # check_kill_permission(): !valid_signal(sig)
        return _neg(errno.EINVAL)
    try:
        if thread:
            signal.pthread_kill(threading.get_ident(), sig)
        else:
            os.kill(os.getpid(), sig)
    except OSError as err:
        return _neg(err.errno or errno.EINVAL)
    return 0


@_helper("bpf_send_signal")
def send_signal(ctx: HelperContext, sig: int, *_: int) -> int:
    """``long bpf_send_signal(u32 sig)``: to the calling process (PIDTYPE_TGID)."""
    return _send_signal(ctx, sig, thread=False)


@_helper("bpf_send_signal_thread")
def send_signal_thread(ctx: HelperContext, sig: int, *_: int) -> int:
    """``long bpf_send_signal_thread(u32 sig)``: to the calling thread (PIDTYPE_PID)."""
    return _send_signal(ctx, sig, thread=True)
