"""The shared trace pipe: ``bpf_trace_printk`` output visible to every process using one bpffs root.

The kernel has one trace buffer per system, read through /sys/kernel/tracing/trace (a snapshot)
and trace_pipe (a consuming read that blocks for more).  pybpf's equivalent is a file in the bpffs
root, ``$PYBPF_BPFFS/.trace_pipe``, that every process appends to and ``pybpf trace`` reads:

* One record per line, as JSON (``ts`` monotonic ns — CLOCK_MONOTONIC is system wide —, ``pid``,
  ``comm``, ``cpu``, ``msg``; bytes that are not UTF-8 survive as surrogate escapes).
* Writers open the file with ``O_APPEND`` and write each line with one ``write``, so lines from
  concurrent writers never interleave; they hold a shared ``flock`` while doing it.
* A reader that clears (``clear=True``, the consuming read of trace_pipe) takes the exclusive
  ``flock``, reads to the end and truncates, so no record written meanwhile is lost.
* Size cap: when the file grows past ``MAX_SHARED_BYTES`` the writer that noticed renames it to
  ``.trace_pipe.1`` (replacing the previous generation) under a lock file; like the kernel's ring
  buffer, the oldest records are eventually dropped.  Readers see ``.trace_pipe.1`` then the
  current file, and a following reader moves on to the new file when the old one is renamed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass

from pybpf.objects.files import bpffs_root
from pybpf.objects.forking import close_lock_file, open_lock_file

TRACE_FILE = ".trace_pipe"
MAX_SHARED_BYTES = 4 << 20
POLL_INTERVAL = 0.1

_O_FLAGS = os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)


@dataclass(frozen=True)
class TraceRecord:
    """One line of the trace pipe: the formatted message and who wrote it when."""

    data: bytes
    timestamp_ns: int
    pid: int
    comm: str
    cpu: int = 0

    @property
    def message(self) -> str:
        """The message as text, without one trailing newline."""
        text = self.data.decode("utf-8", "replace")
        return text[:-1] if text.endswith("\n") else text

    def format(self) -> str:
        """The line as /sys/kernel/tracing/trace_pipe prints it."""
        seconds, nanos = divmod(self.timestamp_ns, 1_000_000_000)
        task = f"{self.comm}-{self.pid}"
        stamp = f"{seconds:5d}.{nanos // 1000:06d}"
        return f"{task:>22} [{self.cpu:03d}] ..... {stamp}: bpf_trace_printk: {self.message}"


def shared_path(root: str | None = None) -> str:
    """Where the shared trace file of ``root`` (default: this process's bpffs root) lives."""
    if root is None:
        root = bpffs_root()
    return os.path.join(root, TRACE_FILE)


def encode_record(record: TraceRecord) -> bytes:
    """One JSON line for ``record``."""
    entry = {
        "ts": record.timestamp_ns,
        "pid": record.pid,
        "comm": record.comm,
        "cpu": record.cpu,
        "msg": record.data.decode("utf-8", "surrogateescape"),
    }
    return json.dumps(entry, separators=(",", ":")).encode("ascii") + b"\n"


def decode_record(line: bytes) -> TraceRecord | None:
    """The record of one line, or None for a line that is not one (damaged or foreign)."""
    try:
        entry = json.loads(line)
        return TraceRecord(
            str(entry["msg"]).encode("utf-8", "surrogateescape"),
            int(entry["ts"]),
            int(entry["pid"]),
            str(entry["comm"]),
            int(entry.get("cpu", 0)),
        )
    except (ValueError, KeyError, TypeError, UnicodeError):
        return None


def append_shared(record: TraceRecord, *, root: str | None = None, limit: int = MAX_SHARED_BYTES) -> None:
    """Append ``record`` to the shared trace file (best effort: an unwritable root is ignored,
    as bpf_trace_printk never fails because of its reader)."""
    try:
        path = shared_path(root)
        fd = _open_for_append(path)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        os.write(fd, encode_record(record))
        size = os.fstat(fd).st_size
    except OSError:
        return
    finally:
        close_lock_file(fd)
    if size > limit:
        _rotate(path, limit)


def _open_for_append(path: str) -> int:
    try:
        return open_lock_file(path, os.O_WRONLY | os.O_APPEND | _O_FLAGS)
    except FileNotFoundError:
        fd = open_lock_file(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _O_FLAGS, 0o666)
        with contextlib.suppress(OSError):  # every user of the shared root may print
            os.fchmod(fd, 0o666)
        return fd


def _rotate(path: str, limit: int) -> None:
    try:
        lock = open_lock_file(path + ".lock", os.O_RDWR | os.O_CREAT | _O_FLAGS, 0o666)
    except OSError:
        return
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.stat(path).st_size > limit:  # nobody rotated it meanwhile
            os.replace(path, path + ".1")
    except OSError:
        pass
    finally:
        close_lock_file(lock)


def _complete_lines(data: bytes) -> tuple[list[TraceRecord], int]:
    """Records of the complete lines in ``data`` and how many bytes they took."""
    end = data.rfind(b"\n") + 1
    records = [r for r in map(decode_record, data[:end].splitlines()) if r is not None]
    return records, end


def _open(path: str) -> int | None:
    try:
        return os.open(path, os.O_RDWR | _O_FLAGS)
    except FileNotFoundError:
        return None


def _drain(fd: int, offset: int, clear: bool) -> tuple[list[TraceRecord], int]:
    """Read the complete records after ``offset``; with ``clear``, empty the file (under the
    exclusive lock, so a concurrent append is either read now or lands in the emptied file)."""
    fcntl.flock(fd, fcntl.LOCK_EX if clear else fcntl.LOCK_SH)
    try:
        size = os.fstat(fd).st_size
        if size < offset:  # someone cleared it
            offset = 0
        data = os.pread(fd, size - offset, offset) if size > offset else b""
        records, used = _complete_lines(data)
        if clear:
            os.ftruncate(fd, 0)
            return records, 0
        return records, offset + used
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def read_shared(
    follow: bool = False,
    clear: bool = False,
    *,
    root: str | None = None,
    poll_interval: float = POLL_INTERVAL,
    stop: Callable[[], bool] | None = None,
) -> Generator[TraceRecord, None, None]:
    """The records of the shared trace pipe, oldest first.

    ``clear`` consumes them (the file is emptied, like reading trace_pipe); without it they stay
    (like reading trace).  ``follow`` keeps waiting for new records (polling every
    ``poll_interval`` seconds) until ``stop()`` returns true or the iterator is closed.
    """
    path = shared_path(root)
    old = _open(path + ".1")
    if old is not None:
        try:
            records, _ = _drain(old, 0, False)
            yield from records
        finally:
            os.close(old)
        if clear:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path + ".1")
    fd = _open(path)
    offset = 0
    try:
        while True:
            if fd is None:
                fd = _open(path)
            if fd is not None:
                records, offset = _drain(fd, offset, clear)
                yield from records
                if follow and _replaced(fd, path):  # rotated: finish the old file, go on with the new
                    records, offset = _drain(fd, offset, clear)
                    yield from records
                    os.close(fd)
                    fd, offset = _open(path), 0
                    continue
            if not follow or (stop is not None and stop()):
                return
            time.sleep(poll_interval)
    finally:
        if fd is not None:
            os.close(fd)


def _replaced(fd: int, path: str) -> bool:
    try:
        return os.stat(path).st_ino != os.fstat(fd).st_ino
    except FileNotFoundError:
        return True


def clear_shared(root: str | None = None) -> None:
    """Empty the shared trace pipe (``echo > /sys/kernel/tracing/trace``)."""
    for _ in read_shared(clear=True, root=root):
        pass
