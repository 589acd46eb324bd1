"""BPF_PROG_STREAM_READ_BY_FD (Linux 6.17+): reading a program's BPF_STDOUT / BPF_STDERR stream.

Mirrors ``prog_stream_read`` and ``bpf_prog_stream_read`` (kernel/bpf/syscall.c, stream.c, Linux
6.18): the program fd (``bpf_prog_get``: EBADF, EINVAL for another file), then the stream:
``stream_id`` 1 (BPF_STDOUT) or 2 (BPF_STDERR), any other ENOENT; the answer is the number of bytes
moved out of the stream into ``stream_buf`` (at most ``stream_buf_len``).  The kernel fills the
streams from ``bpf_stream_vprintk`` and with the reports of programs it stopped (a may_goto or
arena fault, a deadlock); pybpf has neither -- its faults are Python exceptions -- so every stream
of a pybpf program is empty and a read returns 0, as the kernel's read of an empty stream does.
"""

from __future__ import annotations

import errno

from pybpf.errors import BPFError
from pybpf.kernel.progobj import ProgObject

BPF_STDOUT, BPF_STDERR = 1, 2
"""``enum bpf_stream_id``."""


def prog_stream_read(prog_fd: int, stream_id: int, stream_buf: int, stream_buf_len: int) -> int:
    """The BPF_PROG_STREAM_READ_BY_FD handler after the attr checks: the bytes read."""
    ProgObject.from_fd(prog_fd)
    if stream_id not in (BPF_STDOUT, BPF_STDERR):
        raise BPFError(errno.ENOENT, f"no stream {stream_id}")
    return 0
