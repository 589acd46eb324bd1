"""BPF_PROG_STREAM_READ_BY_FD (Linux 6.17+): reading a program's BPF_STDOUT / BPF_STDERR stream.

Mirrors ``prog_stream_read`` and ``bpf_prog_stream_read`` (kernel/bpf/syscall.c, stream.c, Linux
6.18): the program fd (``bpf_prog_get``: EBADF, EINVAL for another file), then the stream:
``stream_id`` 1 (BPF_STDOUT) or 2 (BPF_STDERR), any other ENOENT; the answer is the number of bytes
moved out of the stream into ``stream_buf`` (at most ``stream_buf_len``), or EFAULT when the buffer
cannot take them (what was copied before the fault stays read).  The streams are filled by the
program's ``bpf_stream_vprintk_impl`` calls (``pybpf.kfuncs.streams``) and kept beside the program
(``pybpf.objects.streams``).  The kernel also writes a report to BPF_STDERR when it stops a program
(a may_goto or arena fault, a deadlock); pybpf's faults are Python exceptions and write nothing.

``stream_buf_len`` is a u32 the kernel passes on as an ``int``: past INT_MAX it is negative, and a
stream with bytes queued then faults (EFAULT, nothing read), as the kernel's copy of a negative
length does; an empty stream reads 0 bytes whatever the length.
"""

from __future__ import annotations

import errno

from pybpf.errors import BPFError
from pybpf.kernel.progobj import ProgObject
from pybpf.kernel.usermem import copy_to_user
from pybpf.objects import streams
from pybpf.objects.streams import BPF_STDERR, BPF_STDOUT

INT_MAX = (1 << 31) - 1


def prog_stream_read(prog_fd: int, stream_id: int, stream_buf: int, stream_buf_len: int) -> int:
    """The BPF_PROG_STREAM_READ_BY_FD handler after the attr checks: the bytes read."""
    prog = ProgObject.from_fd(prog_fd)
    if stream_id not in streams.STREAM_IDS:
        raise BPFError(errno.ENOENT, f"no stream {stream_id}")
    if stream_buf_len > INT_MAX:
        if streams.capacity_used(prog.id, stream_id):
            raise BPFError(errno.EFAULT, "a negative stream_buf_len")
        return 0

    def sink(position: int, data: bytes) -> None:
        copy_to_user(stream_buf + position, data)

    return streams.read(prog.id, stream_id, stream_buf_len, sink)


__all__ = ["BPF_STDERR", "BPF_STDOUT", "prog_stream_read"]
