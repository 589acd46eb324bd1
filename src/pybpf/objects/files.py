"""The bpffs-like root where pybpf's objects live as files, and what every object file shares.

Mirrors the kernel's bpffs and object ids: every pybpf object (map, program, BTF, perf event) is an
unnamed ``O_TMPFILE`` file in one directory, ``$PYBPF_BPFFS`` (default ``/dev/shm/pybpf-bpffs``);
pinning hard-links it there (``link_object``, the kernel's ``bpf_obj_pin``; ``path_at`` resolves a
path from a directory fd, BPF_F_PATH_FD's ``path_fd``).  Object ids come from
per-kind counter files updated under an open-file-description lock (``lock_file``), so they are
unique across processes and threads like the kernel's ``map_idr`` / ``prog_idr`` / ``btf_idr``.
Every object file carries the same magic and layout version in its header (``MAGIC``, ``VERSION``).

What the kernel answers when creating an object fails for want of resources: ENOMEM for memory
(``allocation_failure``), but EMFILE / ENFILE when no fd is left (``anon_inode_getfd``), never
ENOMEM for those.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import mmap
import os
import stat
import struct
from collections.abc import Iterator
from typing import Any

from pybpf.errors import BPFError
from pybpf.objects.forking import close_lock_file, open_lock_file

PAGE = mmap.PAGESIZE
DEFAULT_ROOT = "/dev/shm/pybpf-bpffs"
MAGIC = b"PYBPFOBJ"
VERSION = 2
_IDS_FILE = ".pybpf-ids"
INT_MAX = (1 << 31) - 1
OBJ_NAME_CHARS = frozenset(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_."
    + bytes(range(0xC0, 0xD7))
    + bytes(range(0xD8, 0xF7))
    + bytes(range(0xF8, 0x100))
)
"""What ``bpf_obj_name_cpy`` accepts: ``isalnum`` of the kernel's ctype table (lib/ctype.c), which
counts the Latin-1 letters (0xC0-0xFF but for 0xD7 and 0xF7) as alphanumeric, and '_' and '.'."""


FLOCK = struct.Struct("hhxxxxqqixxxx")
"""``struct flock`` on x86_64/aarch64: short l_type, short l_whence, (pad), off_t l_start, off_t l_len,
pid_t l_pid, (pad)."""
_WHOLE_FILE = FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
_FD_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE})


def lock_file(fd: int) -> None:
    """Lock ``fd``'s whole file exclusively, waiting for it; released when ``fd`` is closed.

    An open-file-description lock (``F_OFD_SETLKW``), not ``lockf``: a POSIX record lock belongs to
    the process, so two threads of one process would both get it at once, and closing any fd of the
    file in the process would drop it.  (It conflicts with ``lockf`` locks too.)  ``fd`` comes from
    ``forking.open_lock_file`` (a forked child must not keep the lock: see there).
    """
    fcntl.fcntl(fd, fcntl.F_OFD_SETLKW, _WHOLE_FILE)


def allocation_failure(exc: OSError, what: str) -> BPFError:
    """The error for an object that could not be created because ``exc`` happened: the kernel's
    ENOMEM, but EMFILE / ENFILE as they are (no fd left: ``get_unused_fd_flags``), and a
    ``BPFError`` unchanged."""
    if isinstance(exc, BPFError):
        return exc
    err = exc.errno if exc.errno in _FD_ERRNOS else errno.ENOMEM
    return BPFError(err, f"{what}: {exc.strerror or exc}")


def map_file(fd: int, size: int) -> mmap.mmap:
    """A shared mapping of the first ``size`` bytes of ``fd``'s file, through a new open file
    description: CPython's mmap keeps a dup of the fd it maps, and a dup of ``fd`` would keep its
    description (and the user lock on it, ``pybpf.objects.refs``) alive as long as the mapping."""
    rw = os.open(f"/proc/self/fd/{fd}", os.O_RDWR | os.O_CLOEXEC)
    try:
        return mmap.mmap(rw, size)
    finally:
        os.close(rw)


def bpffs_root() -> str:
    """The bpffs-like directory of this process (``$PYBPF_BPFFS``), created when missing."""
    root = bpffs_root_name()
    os.makedirs(root, mode=0o1777, exist_ok=True)
    return root


def bpffs_root_name() -> str:
    """The path of ``bpffs_root()``, without making sure it exists (for a look that may find nothing)."""
    return os.environ.get("PYBPF_BPFFS", DEFAULT_ROOT)


@contextlib.contextmanager
def locked_directory(name: str) -> Iterator[str]:
    """The directory ``name`` of the root (made sticky and world-writable when missing), held under
    the exclusive lock of its ``.lock`` file for the block: a registry pybpf keeps beside its objects
    (attachments to cgroups, to network namespaces)."""
    directory = os.path.join(bpffs_root(), name)
    os.makedirs(directory, mode=0o1777, exist_ok=True)
    fd = open_lock_file(os.path.join(directory, ".lock"))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield directory
    finally:
        close_lock_file(fd)


def next_object_id(kind: str, root: str | None = None) -> int:
    """A new id for an object of ``kind`` ("map", "prog", "btf", "link"), unique across processes.

    Like the kernel's per-kind idrs (``map_idr``, ``prog_idr``, ``btf_idr``), each kind numbers its
    objects independently, starting at 1.  Ids stop below INT_MAX (``idr_alloc_cyclic`` with end
    INT_MAX): once a counter reaches it, or holds something else (the file is shared with every
    process), creation fails with ENOSPC, the kernel's answer for a full idr.
    """
    root = bpffs_root() if root is None else root
    name = _IDS_FILE if kind == "map" else f"{_IDS_FILE}-{kind}"
    what = f"cannot allocate a {kind} id in {root}"
    try:
        fd = open_lock_file(os.path.join(root, name))
    except OSError as exc:
        raise allocation_failure(exc, what) from None
    try:
        lock_file(fd)
        data = os.pread(fd, 4, 0)
        new = (struct.unpack("<I", data)[0] if len(data) == 4 else 0) + 1
        if new >= INT_MAX:
            raise BPFError(errno.ENOSPC, f"no {kind} id left below INT_MAX in {root}")
        os.pwrite(fd, struct.pack("<I", new), 0)
        return new
    except OSError as exc:
        raise allocation_failure(exc, what) from None
    finally:
        close_lock_file(fd)  # releases the lock


_AT_FDCWD = -100
_AT_SYMLINK_FOLLOW = 0x400


@functools.cache
def _linkat() -> Any:
    """libc's ``linkat`` (looked up once: a ``CDLL`` a call is garbage for the cycle collector)."""
    return ctypes.CDLL(None, use_errno=True).linkat


def link_object(fd: int, path: str) -> None:
    """Give the object behind ``fd`` the name ``path`` (a hard link; the pin of bpffs).

    ``linkat(AT_FDCWD, "/proc/self/fd/N", AT_FDCWD, path, AT_SYMLINK_FOLLOW)``: the way to name an
    ``O_TMPFILE`` file.  (``os.link`` may call ``link(2)``, which would link the /proc symlink.)
    """
    source = f"/proc/self/fd/{fd}".encode()
    if _linkat()(_AT_FDCWD, source, _AT_FDCWD, os.fsencode(path), _AT_SYMLINK_FOLLOW) != 0:
        err = ctypes.get_errno()
        raise BPFError(err, f"pin {path}: {os.strerror(err)}")


def path_at(dirfd: int, path: str) -> str:
    """The file ``path`` names when looked up from the directory ``dirfd`` (``*at()``'s start, as
    ``user_path_at`` / ``user_path_create`` take it): ``path`` itself when it is absolute or
    ``dirfd`` is AT_FDCWD, else ``path`` below the directory's ``/proc/self/fd`` entry.  EBADF for
    a ``dirfd`` that is not open, ENOTDIR for one that is no directory (O_PATH fds do)."""
    if path.startswith("/") or dirfd == _AT_FDCWD:
        return path
    try:
        if dirfd < 0:
            raise OSError(errno.EBADF, "negative fd")
        st = os.fstat(dirfd)
    except OSError:
        raise BPFError(errno.EBADF, f"fd {dirfd} is not open") from None
    if not stat.S_ISDIR(st.st_mode):
        raise BPFError(errno.ENOTDIR, f"fd {dirfd} is not a directory")
    return f"/proc/self/fd/{dirfd}/{path}"


def address_of(mm: mmap.mmap) -> int:
    """The address of a mapping (the export pins it; cached mappings are never closed)."""
    return ctypes.addressof(ctypes.c_char.from_buffer(mm))
