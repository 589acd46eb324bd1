"""The user's log buffer of BPF_PROG_LOAD and BPF_BTF_LOAD: checked, then written once at the end.

Mirrors ``bpf_vlog_init`` (which log_level / log_buf / log_size combinations are EINVAL) and
``bpf_vlog_finalize`` (kernel/bpf/log.c): the verifier's log (``pybpf.verifier.log.VerifierLog``,
which keeps what this buffer holds: the newest bytes of a rotating log, or the first bytes with
``BPF_LOG_FIXED``) is copied into the user's buffer at the end, and the caller learns the true size
and whether it was truncated (ENOSPC for the command).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from pybpf.errors import BPFError
from pybpf.kernel.usermem import copy_to_user
from pybpf.uapi import BPF_LOG_MASK
from pybpf.verifier.log import VerifierLog


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

    def finish(self, log: VerifierLog) -> tuple[int, bool]:
        """bpf_vlog_finalize(): copy what ``log`` leaves in the user's buffer there; returns
        (``log_true_size``, truncated: ENOSPC).  The true size is the log's also without a buffer."""
        if not self.level:
            return 0, False
        if self.buf:
            copy_to_user(self.buf, log.buffer(self.size) + b"\0")
        return log.true_size, bool(self.buf) and log.true_size > self.size
