"""The seq_file an iterator program writes to, and its helpers bpf_seq_printf and bpf_seq_write.

Mirrors fs/seq_file.c (``seq_write``, ``seq_bprintf``, ``seq_has_overflowed``: a write that does
not fit whole leaves the buffer marked overflowed, ``count == size``) and kernel/trace/bpf_trace.c
(``bpf_seq_printf``: ``data_len`` a multiple of 8, at most 12 arguments, a NULL ``data`` only with
no argument, else -EINVAL; the format checked like bpf_trace_printk's (``pybpf.helpers.printk``),
its refusal's -errno returned; then -EOVERFLOW when the seq_file has overflowed, else 0;
``bpf_seq_write``: -EOVERFLOW when the data does not fit).  The buffer is the one
``bpf_seq_read`` gives each read (kernel/bpf/bpf_iter.c): ``SEQ_BUF_SIZE`` bytes.

An iterator's run carries its seq_file in its ``IterRunEnv`` (``pybpf.kernel.iter_link`` runs
the program); the ``struct seq_file *`` the program passes is the one its ctx handed it, so the
helpers write to the run's.  bpf_seq_printf_btf is not implemented.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from pybpf import uapi
from pybpf.helpers.context import HelperContext, RunEnv
from pybpf.helpers.printk import _read_format, format_or_errno, read_args

SEQ_BUF_SIZE = 4096 << 3
"""``seq->size`` of a bpf iterator's seq_file (``PAGE_SIZE << 3``)."""


class Seq:
    """The seq_file of an iterator fd: ``data`` holds ``count`` bytes; a write that does not fit
    leaves it overflowed (the kernel's ``seq_set_overflow``: ``count == size``)."""

    __slots__ = ("data", "overflowed", "size")

    def __init__(self, size: int = SEQ_BUF_SIZE) -> None:
        self.size = size
        self.data = bytearray()
        self.overflowed = False

    @property
    def count(self) -> int:
        return self.size if self.overflowed else len(self.data)

    def truncate(self, count: int) -> None:
        """``seq->count = offs``: back to ``count`` bytes, no longer overflowed."""
        del self.data[count:]
        self.overflowed = False

    def write(self, data: bytes) -> bool:
        """``seq_write``: whether ``data`` fitted (``count + len < size``)."""
        if self.overflowed or len(self.data) + len(data) >= self.size:
            self.overflowed = True
            return False
        self.data += data
        return True


@dataclass(slots=True)
class IterRunEnv(RunEnv):
    """The run of an iterator program over one object: its seq_file."""

    seq: Seq | None = None


def _seq_of(ctx: HelperContext) -> Seq | None:
    env = ctx.env
    return env.seq if isinstance(env, IterRunEnv) else None


def seq_printf(ctx: HelperContext, _m: int, fmt: int, fmt_size: int, data: int, data_len: int) -> int:
    """``long bpf_seq_printf(struct seq_file *m, const char *fmt, u32 fmt_size, const void *data,
    u32 data_len)``."""
    seq = _seq_of(ctx)
    if seq is None:
        return -errno.EINVAL
    args = read_args(ctx.memory, data, data_len & 0xFFFFFFFF)
    if isinstance(args, int):
        return args
    text = _read_format(ctx, fmt, fmt_size & 0xFFFFFFFF)
    if text is None:
        return -errno.EINVAL
    room = seq.size - seq.count
    out = format_or_errno(ctx, text, args, max(room - 1, 0))
    if isinstance(out, int):
        return out
    if not seq.overflowed and len(seq.data) + out[1] < seq.size:
        seq.data += out[0]
    else:
        seq.overflowed = True
    return -errno.EOVERFLOW if seq.overflowed else 0


def seq_write(ctx: HelperContext, _m: int, data: int, size: int, _r4: int, _r5: int) -> int:
    """``long bpf_seq_write(struct seq_file *m, const void *data, u32 len)``."""
    seq = _seq_of(ctx)
    if seq is None:
        return -errno.EINVAL
    size &= 0xFFFFFFFF
    raw = ctx.memory.read(data, size) if size else b""
    ctx.charge_bytes(size)
    return 0 if seq.write(raw) else -errno.EOVERFLOW


SEQ_HELPERS = {uapi.BPF_FUNC_seq_printf: seq_printf, uapi.BPF_FUNC_seq_write: seq_write}
"""The seq_file helpers by id (BPF_FUNC_seq_printf, BPF_FUNC_seq_write)."""

__all__ = ["SEQ_BUF_SIZE", "SEQ_HELPERS", "IterRunEnv", "Seq", "seq_printf", "seq_write"]
