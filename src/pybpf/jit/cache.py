"""The JIT's object cache: compiled programs kept on disk, so a program is compiled once, not per process.

The kernel JITs a program at every load (``bpf_prog_select_runtime``, kernel/bpf/core.c); pybpf's
loads happen in many short processes (each CLI command, each test worker), and LLVM's work on a
program is the same every time, so the object file it produces (``pybpf.jit.codegen``) is kept,
as compilers' caches keep theirs: one file per program, named by the digest of everything the code
depends on (the caller's key), in

* ``$PYBPF_CACHE_DIR`` when set (set but empty: no disk cache),
* else ``$XDG_CACHE_HOME/pybpf/jit``, else ``~/.cache/pybpf/jit``.

The directory must belong to this user and be writable by it alone (its files become code in the
process), else only the in-process store is used.
Beside the objects, the target record (``*.target``, ``pybpf.jit.codegen.target_key``: what LLVM says
of the host, so that a process linking cached objects need not load LLVM) is kept the same way.
A file holds a header (magic, format, the SHA-256 of the object) and the object; one that does not
check out (truncated, corrupt, of another format) is ignored and removed, never trusted.  Files are
written whole under a temporary name and renamed, so concurrent processes see a file complete or not
at all.  The directory is kept under ``$PYBPF_CACHE_MAX`` bytes (default ``DEFAULT_LIMIT``): when it
grows past it, the least recently used files (by modification time, refreshed on every hit) go.
Sweeping reads every file's size and age, so it is done by one process in ``SWEEP_INTERVAL_S`` (the
mtime of the directory's ``.swept`` file says when it last was) and by a process that has itself
written an eighth of the limit since its last sweep -- not by every short process's first store.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import threading
import time
from collections import OrderedDict
from pathlib import Path

from pybpf.btf.index_cache import private_directory
from pybpf.objects.forking import fork_safe

DIRECTORY_VARIABLE = "PYBPF_CACHE_DIR"
"""Where the object cache lives (empty: no disk cache)."""
LIMIT_VARIABLE = "PYBPF_CACHE_MAX"
"""The most bytes the cache directory may hold."""
DEFAULT_LIMIT = 64 << 20
MEMORY_ENTRIES = 256
"""Objects also kept in memory, for the processes that have no disk cache."""
FORMAT = 1
_MAGIC = b"PYBPFJIT"
_HEADER = struct.Struct("<8sI32s")  # magic, format, sha256(object)
_SUFFIX = ".o"
RECORD_SUFFIX = ".target"
"""The suffix of the small records kept beside the objects (``pybpf.jit.codegen.target_key``)."""
_SUFFIXES = (_SUFFIX, RECORD_SUFFIX)
SWEEP_INTERVAL_S = 600
"""How often some process sweeps the directory at its first store (``.swept``'s mtime)."""
_SWEPT = ".swept"
_STALE_TEMPORARY_S = 3600
"""A temporary file this old is a writer that died; the next eviction removes it."""


def default_directory() -> Path | None:
    """The cache directory the environment names (None: disabled)."""
    named = os.environ.get(DIRECTORY_VARIABLE)
    if named is not None:
        return Path(named) if named else None
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "pybpf" / "jit"


def _usable(directory: Path) -> bool:
    """Create ``directory`` (private) if needed; True when it is ours, writable by us and no one
    else (its files become code in this process)."""
    return private_directory(directory)


class ObjectCache:
    """Object files by key (a hex digest): in memory, and on disk in ``directory`` when usable."""

    def __init__(self, directory: Path | None, limit: int = DEFAULT_LIMIT) -> None:
        self.directory = directory if directory is not None and _usable(directory) else None
        """The disk directory in use (None: memory only)."""
        self.limit = limit
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._lock = fork_safe(threading.Lock())
        self._written = 0
        self._swept = False

    def _path(self, key: str, suffix: str = _SUFFIX) -> Path:
        assert self.directory is not None
        return self.directory / f"{key}{suffix}"

    def load(self, key: str, suffix: str = _SUFFIX) -> bytes | None:
        """The object stored under ``key``, or None (a bad file is removed); ``suffix``:
        ``RECORD_SUFFIX`` for a record."""
        with self._lock:
            found = self._memory.get(key)
            if found is not None:
                self._memory.move_to_end(key)
                return found
        if self.directory is None:
            return None
        path = self._path(key, suffix)
        try:
            with open(path, "rb") as file:
                raw = file.read(self.limit + _HEADER.size)
        except OSError:
            return None
        obj = _unpack(raw)
        if obj is None:
            _remove(path)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: the last to be evicted
        self._remember(key, obj)
        return obj

    def store(self, key: str, obj: bytes, suffix: str = _SUFFIX) -> None:
        """Keep ``obj`` under ``key`` (on disk when the directory is usable; failures are ignored)."""
        self._remember(key, obj)
        if self.directory is None or len(obj) + _HEADER.size > self.limit:
            return
        path = self._path(key, suffix)
        temporary = path.with_name(f".{key}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with open(temporary, "wb") as file:
                file.write(_HEADER.pack(_MAGIC, FORMAT, hashlib.sha256(obj).digest()) + obj)
            os.replace(temporary, path)
        except OSError:
            _remove(temporary)
            return
        with self._lock:
            self._written += len(obj) + _HEADER.size
            due = self._written > self.limit // 8 or (not self._swept and self._sweep_due())
            self._swept = True
            if due:
                self._written = 0
        if due:
            self.evict()

    def _sweep_due(self) -> bool:
        """No process swept the directory in the last ``SWEEP_INTERVAL_S`` (then this one will: the
        marker's mtime is set now, so concurrent first stores do not all sweep)."""
        assert self.directory is not None
        marker = self.directory / _SWEPT
        now = time.time()
        try:
            if now - marker.stat().st_mtime < SWEEP_INTERVAL_S:
                return False
        except OSError:
            pass
        try:
            marker.touch()
            os.utime(marker, (now, now))
        except OSError:
            pass
        return True

    def evict(self) -> None:
        """Remove the least recently used files until the directory holds at most ``limit`` bytes
        (and, when it held more, a quarter less, so that eviction is not needed at every store)."""
        if self.directory is None:
            return
        entries: list[tuple[float, int, Path]] = []
        now = time.time()
        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        for name in names:
            path = self.directory / name
            try:
                st = path.stat()
            except OSError:
                continue
            if name.endswith(".tmp") and now - st.st_mtime > _STALE_TEMPORARY_S:
                _remove(path)
            elif name.endswith(_SUFFIXES):
                entries.append((st.st_mtime, st.st_size, path))
        total = sum(size for _, size, _ in entries)
        if total <= self.limit:
            return
        target = self.limit * 3 // 4
        for _, size, path in sorted(entries, key=lambda entry: entry[0]):
            _remove(path)
            total -= size
            if total <= target:
                break

    def _remember(self, key: str, obj: bytes) -> None:
        with self._lock:
            self._memory[key] = obj
            self._memory.move_to_end(key)
            while len(self._memory) > MEMORY_ENTRIES:
                self._memory.popitem(last=False)


def _unpack(raw: bytes) -> bytes | None:
    if len(raw) < _HEADER.size:
        return None
    magic, version, digest = _HEADER.unpack_from(raw)
    obj = raw[_HEADER.size :]
    if magic != _MAGIC or version != FORMAT or hashlib.sha256(obj).digest() != digest:
        return None
    return obj


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _limit() -> int:
    try:
        return max(0, int(os.environ.get(LIMIT_VARIABLE, DEFAULT_LIMIT)))
    except ValueError:
        return DEFAULT_LIMIT


_current: tuple[tuple[Path | None, int], ObjectCache] | None = None
_current_lock = fork_safe(threading.Lock())


def object_cache() -> ObjectCache:
    """The cache the environment configures now (a new one when ``PYBPF_CACHE_DIR`` or
    ``PYBPF_CACHE_MAX`` changed since the last call)."""
    global _current
    settings = (default_directory(), _limit())
    with _current_lock:
        if _current is None or _current[0] != settings:
            _current = (settings, ObjectCache(*settings))
        return _current[1]


__all__ = [
    "DEFAULT_LIMIT",
    "DIRECTORY_VARIABLE",
    "FORMAT",
    "LIMIT_VARIABLE",
    "MEMORY_ENTRIES",
    "RECORD_SUFFIX",
    "ObjectCache",
    "default_directory",
    "object_cache",
]
