"""A loaded program's BPF streams (BPF_STDOUT, BPF_STDERR): what it printed and user space reads.

Mirrors kernel/bpf/stream.c (Linux 6.18): each program has two streams (``prog->aux->stream``),
each a queue of messages (``struct bpf_stream_elem``: the text, its length and how much of it a
reader has consumed) with a capacity: a message is refused with -ENOSPC when the bytes queued
already reach ``BPF_STREAM_MAX_CAPACITY`` or would with it (``bpf_stream_consume_capacity``); a
read (``bpf_stream_read``) copies bytes out in order across messages, keeps the rest of a message
it stopped inside for the next read, and gives a message's bytes back to the capacity once all of
it was read.

In pybpf a program is a file shared between processes (``pybpf.kernel.progobj``), so its streams
are files too: ``.stream-1`` and ``.stream-2`` in the program's reference directory
(``pybpf.objects.refs.holder_dir``), created at the first message and removed with the directory
when the program is collected.  A stream file is a 16-byte header (``<QQ``: the offset of the first
message not wholly read, the bytes queued) followed by the messages, each ``<II`` (length, bytes
already read) and its text.  Writers and readers of any process take the file's ``flock``; when a
read empties the queue the file is cut back to its header.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pybpf.objects.files import bpffs_root
from pybpf.objects.forking import close_lock_file, open_lock_file
from pybpf.objects.refs import holder_dir

BPF_STDOUT, BPF_STDERR = 1, 2
"""``enum bpf_stream_id``."""
STREAM_IDS = (BPF_STDOUT, BPF_STDERR)
BPF_STREAM_MAX_CAPACITY = 100_000
"""include/linux/bpf.h: the bytes a stream may hold unread."""

_HEADER = struct.Struct("<QQ")
_ELEM = struct.Struct("<II")


def _path(prog_id: int, stream_id: int) -> str:
    return os.path.join(holder_dir(bpffs_root(), "prog", prog_id), f".stream-{stream_id}")


@contextmanager
def _locked(prog_id: int, stream_id: int, *, create: bool) -> Iterator[int | None]:
    """The stream file open and locked (None: no file, and ``create`` is false, or the program's
    directory is gone)."""
    flags = os.O_RDWR | os.O_CLOEXEC | (os.O_CREAT if create else 0)
    try:
        fd = open_lock_file(_path(prog_id, stream_id), flags, 0o600)
    except (FileNotFoundError, NotADirectoryError):
        yield None
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        close_lock_file(fd)


def _header(fd: int) -> tuple[int, int]:
    raw = os.pread(fd, _HEADER.size, 0)
    if len(raw) < _HEADER.size:
        return _HEADER.size, 0
    head, queued = _HEADER.unpack(raw)
    return head, queued


def push(prog_id: int, stream_id: int, text: bytes) -> int:
    """``bpf_stream_push_str``: queue ``text`` on the stream; 0, -ENOSPC when it does not fit, or
    -ENOMEM when the message cannot be stored (no such program any more, no room in the root)."""
    try:
        with _locked(prog_id, stream_id, create=True) as fd:
            if fd is None:
                return -errno.ENOMEM
            head, queued = _header(fd)
            if queued >= BPF_STREAM_MAX_CAPACITY or queued + len(text) >= BPF_STREAM_MAX_CAPACITY:
                return -errno.ENOSPC
            end = max(os.fstat(fd).st_size, _HEADER.size)
            os.pwrite(fd, _ELEM.pack(len(text), 0) + text, end)
            os.pwrite(fd, _HEADER.pack(head, queued + len(text)), 0)
            return 0
    except OSError:
        return -errno.ENOMEM


def read(prog_id: int, stream_id: int, size: int, sink: Callable[[int, bytes], None]) -> int:
    """``bpf_stream_read``: take up to ``size`` bytes off the stream, in order across messages,
    handing each piece to ``sink(position, data)``; the bytes taken.  An ``OSError`` of the sink (a
    buffer the kernel's ``copy_to_user`` would fault on) leaves the piece it refused unread, keeps
    what was taken before and is raised again."""
    done_total = 0
    with _locked(prog_id, stream_id, create=False) as fd:
        if fd is None:
            return 0
        head, queued = _header(fd)
        end = os.fstat(fd).st_size
        try:
            while done_total < size and head + _ELEM.size <= end:
                length, done = _ELEM.unpack(os.pread(fd, _ELEM.size, head))
                take = min(length - done, size - done_total)
                sink(done_total, os.pread(fd, take, head + _ELEM.size + done))
                done_total += take
                if done + take < length:
                    os.pwrite(fd, _ELEM.pack(length, done + take), head)
                    break
                head += _ELEM.size + length
                queued -= length
        finally:
            if head >= end:
                os.ftruncate(fd, 0)
            else:
                os.pwrite(fd, _HEADER.pack(head, queued), 0)
    return done_total


def capacity_used(prog_id: int, stream_id: int) -> int:
    """The bytes the stream holds unread (its capacity used)."""
    with _locked(prog_id, stream_id, create=False) as fd:
        return 0 if fd is None else _header(fd)[1]


__all__ = [
    "BPF_STDERR",
    "BPF_STDOUT",
    "BPF_STREAM_MAX_CAPACITY",
    "STREAM_IDS",
    "capacity_used",
    "push",
    "read",
]
