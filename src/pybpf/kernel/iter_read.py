"""Reads of an iterator fd as ``bpf_seq_read`` answers them, one read(2) at a time.

Mirrors ``bpf_seq_read`` of kernel/bpf/bpf_iter.c (Linux 6.18).  Each read of the kernel's
iterator fd first returns what is left of the seq_file's buffer from the previous read (at most
``size`` bytes); when nothing is left it fills the buffer anew from where the walk stands: the first
object is shown whatever its size -- a retry (the program returned 1) or an overflow of the empty
buffer fails the read, EAGAIN or E2BIG, when it copied nothing -- then more objects while the buffer
holds fewer than ``size`` bytes, stopping before an object that asks for a retry or would overflow the
``SEQ_BUF_SIZE`` buffer (the next read shows it again); after the last object the program is called
once more with a NULL object (``stop``), in the same fill, whatever the buffer holds; if that call
overflows it is made again by the next read, and once it is done reads return 0.

pybpf has no hook on read(2): ``pybpf.kernel.iter_link`` runs the iteration when the fd is created,
as reads of a large buffer would (``IterOutput``), writes the bytes to the fd's file and hands
``record`` each item's share of them (the kept objects' outputs, then the stop call's) with the
errno that ended the walk.  ``read`` replays the kernel's reads of any size over them: it decides
which items each fill holds and which read fails exactly as ``bpf_seq_read`` does, for programs
whose output and verdict on an object do not depend on how the reads fall (the programs run once,
at creation).  The table and the position of the walk (the end of the current fill, the next item,
whether the stop call was shown) are kept on the file (extended attributes): every fd of it,
``dup``-ed or inherited, shares them and the file offset, as fds of one open file share the kernel's
seq_file.  Plain ``os.read`` of the fd yields the same bytes, then end of file where the kernel's
read would fail.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct

from pybpf.errors import BPFError
from pybpf.helpers.seq_file import SEQ_BUF_SIZE

_TABLE_XATTR = "user.pybpf.iter_items"
_STATE_XATTR = "user.pybpf.iter_state"
_XATTR_CHUNK = 1 << 16
"""Bytes of the item table per extended attribute (the VFS's XATTR_SIZE_MAX)."""
_HEAD = struct.Struct("<IIII")  # items, stop shown, errno at the end, the failing item is the stop call
_STATE = struct.Struct("<QQI")  # end of the current fill (byte offset), next item, the stop call done


def record(fd: int, sizes: list[int], *, stop: bool, error: int, error_in_stop: bool) -> None:
    """Keep on the iterator file ``fd`` each item's output size (the objects', then the stop call's
    when ``stop``) and the errno of the item after them (0: none), for ``read``."""
    head = _HEAD.pack(len(sizes), int(stop), error, int(error_in_stop))
    table = head + struct.pack(f"<{len(sizes)}I", *sizes)
    for index, at in enumerate(range(0, len(table), _XATTR_CHUNK)):
        os.setxattr(fd, f"{_TABLE_XATTR}.{index}", table[at : at + _XATTR_CHUNK])
    os.setxattr(fd, _STATE_XATTR, _STATE.pack(0, 0, 0))


class _Table:
    """The items of an iteration as ``record`` kept them."""

    def __init__(self, fd: int) -> None:
        raw = bytearray()
        index = 0
        while True:
            try:
                chunk = os.getxattr(fd, f"{_TABLE_XATTR}.{index}")
            except OSError as exc:
                if exc.errno != errno.ENODATA:
                    raise BPFError(exc.errno or errno.EIO, "cannot read the iterator's table") from None
                break
            raw += chunk
            index += 1
        if len(raw) < _HEAD.size:
            raise BPFError(errno.EINVAL, "not an iterator fd of pybpf")
        count, stop, error, error_in_stop = _HEAD.unpack_from(raw)
        self.error: int = error
        if len(raw) != _HEAD.size + 4 * count:
            raise BPFError(errno.EIO, "the iterator's table is damaged")
        self.sizes = list(struct.unpack_from(f"<{count}I", raw, _HEAD.size))
        self.objects = count - 1 if stop else count
        """How many of the items are objects (the rest: the stop call)."""
        self.stop = bool(stop)
        self.error_in_stop = bool(error_in_stop)

    def is_stop(self, item: int) -> bool:
        """Whether ``item`` is the call past the last object (shown, or failing)."""
        return item >= self.objects and (self.stop or self.error_in_stop)

    def fails(self, item: int) -> bool:
        """Whether ``item`` is the one no read can show (the errno's)."""
        return item >= len(self.sizes)

    def fill(self, first: int, size: int) -> tuple[int, int, bool] | int:
        """One fill of the seq_file's buffer from item ``first`` for a read of ``size`` bytes: the
        bytes it holds, the next item and whether the stop call was shown -- or the errno of a
        read that fails (0: the walk is over)."""
        if self.fails(first):
            return self.error
        count = self.sizes[first]
        if self.is_stop(first):
            return count, first + 1, True
        item = first + 1
        while True:
            stop = self.is_stop(item)
            if not stop and count >= size:  # (checked once the next object is found)
                return count, item, False
            if self.fails(item) or count + self.sizes[item] >= SEQ_BUF_SIZE:
                # a retry or an overflow: the next read shows it again -- this one fails if it
                # holds nothing (the objects before gave no output)
                return (self.error or errno.E2BIG) if count == 0 else (count, item, False)
            count += self.sizes[item]
            item += 1
            if stop:
                return count, item, True


def read(fd: int, size: int) -> bytes:
    """One read(2) of ``size`` bytes of the pybpf iterator fd ``fd``: what ``bpf_seq_read`` returns
    (b"" at the end), or ``BPFError`` with the errno of a read that fails (EAGAIN, E2BIG)."""
    if size < 0:
        raise BPFError(errno.EINVAL, "a read of a negative size")
    if not size:  # vfs_read() returns before bpf_seq_read is called (measured)
        return b""
    fcntl.flock(fd, fcntl.LOCK_EX)  # the seq_file's lock
    try:
        table = _Table(fd)
        fill_end, item, done = _STATE.unpack(os.getxattr(fd, _STATE_XATTR))
        position = os.lseek(fd, 0, os.SEEK_CUR)
        if position > fill_end:
            raise BPFError(errno.EINVAL, "the iterator fd was moved past what was read")
        if position == fill_end:  # nothing left of the last fill: fill anew
            if done:
                return b""
            filled = table.fill(item, size)
            if isinstance(filled, int):
                if filled:
                    raise BPFError(filled, os.strerror(filled))
                return b""
            count, item, done = filled
            fill_end = position + count
            os.setxattr(fd, _STATE_XATTR, _STATE.pack(fill_end, item, int(done)))
        return os.read(fd, min(size, fill_end - position))
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


__all__ = ["read", "record"]
