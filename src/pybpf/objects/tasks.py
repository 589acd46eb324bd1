"""Tasks as BPF sees them: the running kernel's threads, named by pid and start time.

Mirrors what kernel/pid.c and kernel/bpf/bpf_task_storage.c give BPF:

* ``pidfd_get_pid`` + ``pid_task(pid, PIDTYPE_PID)``: a pidfd of the calling process names a task
  (EBADF for an fd that is not open or is no pidfd; ENOENT once the task has been reaped, the
  pidfd's ``Pid:`` then reading -1);
* ``current``: the thread making the call -- a BPF_PROG_TEST_RUN runs the program synchronously in
  the caller's context, so the current task of a pybpf run is the calling thread.

pybpf does not own tasks: what a BPF object keeps of one is a ``TaskKey`` (the pid and the start
time in clock ticks since boot, field 22 of ``/proc/<pid>/stat``), so a pid reused by a later task
names another task, as the kernel's ``task_struct`` pointers do.

Programs see a task as a pointer (``bpf_get_current_task``, ``bpf_get_current_task_btf``): pybpf
gives them ``task_address(tid)``, an address in the kernel's direct-map range that no user-space
mapping can have, so a program's probe loads through it read 0 (``pybpf.vm.probe``) and the task
storage helpers recognise it (``task_of_address``).
"""

from __future__ import annotations

import errno
import struct
import threading

from pybpf.errors import BPFError

TASK_ADDRESS_BASE = 0xFFFF_8880_0000_0000
"""Where the addresses pybpf gives tasks start: the x86-64 kernel's direct map (``PAGE_OFFSET``)."""
TASK_ADDRESS_STRIDE = 1 << 14
"""Bytes between two tasks' addresses (a task_struct is some 10 KiB)."""
TASK_KEY = struct.Struct("<QQ")
"""The bytes of a ``TaskKey``: the pid and the start time."""
_local = threading.local()


def _start_time(pid: int) -> int | None:
    """Field 22 (``starttime``) of ``/proc/<pid>/stat``; None when the task is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    try:  # the command may hold spaces and parentheses: the fields follow the last ')'
        return int(stat[stat.rindex(b")") + 2 :].split()[19])
    except (ValueError, IndexError):
        return None


def task_key(pid: int) -> bytes | None:
    """The key of the task ``pid`` names (any thread's id), None when there is no such task."""
    started = _start_time(pid)
    return None if started is None else TASK_KEY.pack(pid, started)


def pidfd_task_key(fd: int) -> bytes:
    """``pidfd_get_pid`` and ``pid_task``: the key of the task pidfd ``fd`` names (EBADF for an fd
    that is not open or no pidfd, ENOENT when its task is gone)."""
    pid: int | None = None
    try:
        if fd < 0:
            raise OSError(errno.EBADF, "negative fd")
        with open(f"/proc/self/fdinfo/{fd}", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pid:"):
                    pid = int(line.split()[1])
                    break
    except (OSError, ValueError, IndexError):
        pid = None
    if pid is None:
        raise BPFError(errno.EBADF, f"fd {fd} is not a pidfd")
    key = task_key(pid) if pid > 0 else None
    if key is None:
        raise BPFError(errno.ENOENT, f"the task of pidfd {fd} is gone")
    return key


def current_task_key() -> bytes:
    """The key of the calling thread (cached per thread: a thread's pid and start time never change)."""
    key: bytes | None = getattr(_local, "key", None)
    if key is None:
        key = task_key(threading.get_native_id())
        if key is None:  # pragma: no cover - /proc is not mounted
            raise BPFError(errno.ENOENT, "the calling thread has no /proc entry")
        _local.key = key
    return key


def task_address(tid: int) -> int:
    """The address programs see for the task with thread id ``tid``."""
    return TASK_ADDRESS_BASE + tid * TASK_ADDRESS_STRIDE


def current_task_address() -> int:
    """``current`` as programs see it (``bpf_get_current_task_btf``)."""
    return task_address(threading.get_native_id())


def task_of_address(address: int) -> bytes | None:
    """The key of the task a program's task pointer names: the calling thread is the only task a
    pybpf run reaches (None for any other address)."""
    if address != current_task_address():
        return None
    return current_task_key()


__all__ = [
    "TASK_ADDRESS_BASE",
    "TASK_KEY",
    "current_task_address",
    "current_task_key",
    "pidfd_task_key",
    "task_address",
    "task_key",
    "task_of_address",
]
