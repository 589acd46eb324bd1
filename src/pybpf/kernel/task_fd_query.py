"""BPF_TASK_FD_QUERY: what a task's fd has attached (a raw tracepoint link, a perf event's program).

Mirrors ``bpf_task_fd_query`` (kernel/bpf/syscall.c, Linux 6.18) in its order: ``flags`` must be 0
(EINVAL), the pid names a live task of the caller's pid namespace (ENOENT; 0 and negative pids name
none), the fd must be open in that task (EBADF), then the file: a raw tracepoint link reports its
program and tracepoint, a perf event the program attached to it (``bpf_get_perf_event_info``: ENOENT
when it has none), anything else ENOTSUPP.  The answer fields (``buf_len``, ``prog_id``,
``fd_type``, ``probe_offset``, ``probe_addr``) are written only for those two.

pybpf has no raw tracepoint link (its BPF_RAW_TRACEPOINT_OPEN links freplace programs, tracing links
to the kernel: ENOTSUPP) and its perf events are BPF output events, which no program is attached to:
ENOENT, as the kernel answers for such an event.  The task's fd is reached through
``/proc/<pid>/fd``.
"""

from __future__ import annotations

import contextlib
import errno
import os

from pybpf.errors import BPFError
from pybpf.objects.perf_event import is_perf_fd
from pybpf.uapi import ENOTSUPP


def task_fd_query(pid: int, fd: int, flags: int) -> int:
    """The BPF_TASK_FD_QUERY handler after the attr checks."""
    if flags:
        raise BPFError(errno.EINVAL, "BPF_TASK_FD_QUERY takes no flags")
    if not 0 < pid <= 0x7FFFFFFF or not os.path.isdir(f"/proc/{pid}"):
        raise BPFError(errno.ENOENT, f"no task with pid {pid}")
    path = f"/proc/{pid}/fd/{fd}"
    if fd > 0x7FFFFFFF or not os.path.lexists(path):
        raise BPFError(errno.EBADF, f"fd {fd} is not open in task {pid}")
    perf = False
    with contextlib.suppress(OSError):
        opened = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            perf = is_perf_fd(opened)
        finally:
            os.close(opened)
    if perf:
        raise BPFError(errno.ENOENT, "no program is attached to this perf event")
    raise BPFError(ENOTSUPP, "neither a raw tracepoint link nor a perf event with a program")
