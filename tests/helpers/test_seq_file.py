"""bpf_seq_printf and bpf_seq_write on an iterator's seq_file (fs/seq_file.c's rules): a write fits
only while ``count + len < size``, one that does not leaves the buffer overflowed (-EOVERFLOW, and
every later write too); bpf_seq_printf's argument checks (-EINVAL) come first.  The iterators
compared with the kernel end to end are in tests/kernel/test_iter_links.py."""

from __future__ import annotations

import errno
import struct

from pybpf.helpers.context import HelperContext, RunEnv
from pybpf.helpers.seq_file import IterRunEnv, Seq, seq_printf, seq_write
from pybpf.helpers.trace_pipe import TracePipe
from pybpf.memory.regions import Memory


def context(seq: Seq | None) -> tuple[HelperContext, int]:
    memory = Memory()
    region = memory.add_buffer(256, name="scratch")
    env: RunEnv = IterRunEnv(seq=seq) if seq is not None else RunEnv()
    return HelperContext(memory, TracePipe(), env=env), region.start


def test_seq_write_fits_below_the_size() -> None:
    seq = Seq(size=8)
    ctx, at = context(seq)
    ctx.memory.write(at, b"abcdefgh")
    assert seq_write(ctx, 0, at, 7, 0, 0) == 0
    assert seq_write(ctx, 0, at, 1, 0, 0) == -errno.EOVERFLOW  # 7 + 1 is not below 8
    assert (seq.overflowed, seq.count) == (True, 8)
    assert seq_write(ctx, 0, at, 0, 0, 0) == -errno.EOVERFLOW  # overflowed stays overflowed
    seq.truncate(3)
    assert (bytes(seq.data), seq.overflowed) == (b"abc", False)


def test_seq_printf() -> None:
    seq = Seq(size=32)
    ctx, at = context(seq)
    ctx.memory.write(at, b"n=%d s=%s\n\0")
    ctx.memory.write(at + 64, b"vlk\0")
    ctx.memory.write(at + 128, struct.pack("<qQ", -5, at + 64))
    assert seq_printf(ctx, 0, at, 12, at + 128, 16) == 0
    assert bytes(seq.data) == b"n=-5 s=vlk\n"
    assert seq_printf(ctx, 0, at, 12, at + 128, 12) == -errno.EINVAL  # not a multiple of 8
    assert seq_printf(ctx, 0, at, 12, 0, 16) == -errno.EINVAL  # arguments without data
    assert seq_printf(ctx, 0, at, 5, at + 128, 16) == -errno.EINVAL  # no NUL within fmt_size
    assert seq_printf(ctx, 0, at, 12, at + 128, 13 * 8) == -errno.EINVAL  # more than 12 arguments
    assert seq_printf(ctx, 0, at, 12, at + 128, 16) == 0
    assert seq_printf(ctx, 0, at, 12, at + 128, 16) == -errno.EOVERFLOW  # 22 + 11 >= 32
    assert seq.count == 32


def test_not_an_iterator_run() -> None:
    ctx, at = context(None)
    assert seq_write(ctx, 0, at, 1, 0, 0) == -errno.EINVAL
    assert seq_printf(ctx, 0, at, 1, 0, 0) == -errno.EINVAL
