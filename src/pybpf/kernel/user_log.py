"""The user's log buffer of BPF_PROG_LOAD and BPF_BTF_LOAD: checked, then written once at the end.

Mirrors ``bpf_vlog_init`` (which log_level / log_buf / log_size combinations are EINVAL) and
``bpf_vlog_finalize`` (kernel/bpf/log.c): the whole log is produced first, then copied into the
user's buffer — the newest bytes of a rotating log, or the first bytes with ``BPF_LOG_FIXED`` —
and the caller learns the true size and whether it was truncated (ENOSPC for the command).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from pybpf.errors import BPFError
from pybpf.kernel.usermem import copy_to_user
from pybpf.uapi import BPF_LOG_FIXED, BPF_LOG_MASK


@dataclass
class UserLogBuffer:
    """The user's log buffer as ``bpf_vlog_init`` accepted it."""

    level: int
    buf: int
    size: int

    @classmethod
    def from_attr(cls, level: int, buf: int, size: int) -> UserLogBuffer:
        if bool(buf) != bool(size):
            raise BPFError(errno.EINVAL, "log_buf and log_size must be given together")
        if buf and level == 0:
            raise BPFError(errno.EINVAL, "log_buf without log_level")
        if level & ~BPF_LOG_MASK:
            raise BPFError(errno.EINVAL, "unknown log_level bits")
        if size > 0xFFFFFFFF >> 2:
            raise BPFError(errno.EINVAL, "log_size too large")
        return cls(level, buf, size)

    def finish(self, text: str) -> tuple[int, bool]:
        """Copy ``text`` to the user's buffer; returns (true size incl. NUL, truncated)."""
        if not self.level or not self.buf:
            return 0, False
        raw = text.encode()
        true_size = len(raw) + 1
        if true_size <= self.size:
            copy_to_user(self.buf, raw + b"\0")
            return true_size, False
        keep = self.size - 1
        kept = raw[:keep] if self.level & BPF_LOG_FIXED else raw[len(raw) - keep :]
        copy_to_user(self.buf, kept + b"\0")
        return true_size, True
