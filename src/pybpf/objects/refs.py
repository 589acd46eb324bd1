"""References between BPF objects, and finding out when nobody uses an object any more.

Mirrors the kernel's object references: a program holds every map it uses
(``prog->aux->used_maps``), a prog array holds the programs in its slots, a map-in-map holds its
inner maps, and an object dies when its last fd, pin and holder are gone.  In pybpf an object is a
file (``pybpf.maps.object``), so:

* **A reference is a hard link.**  An object that holds others (a *holder*) has a directory
  ``<root>/.refs/<kind>-<id>/`` with a link ``self`` to its own file and one link per object it
  holds (``map-<id>``, ``prog-<id>``).  While the links exist the held files exist, in every
  process, whoever created them and whether or not anybody has an fd.  Any process can reopen a
  held object through its link, which is also how ``*_GET_FD_BY_ID`` finds a program.
* **Users are open file descriptions.**  Every fd pybpf hands out for an object holds a shared
  open-file-description lock (``F_OFD_SETLK``, ``F_RDLCK``) on the object's file.  The lock belongs
  to the open file description, so ``dup``, ``fork`` and ``SCM_RIGHTS`` share it and it is released
  exactly when the last fd of that description is closed — the same moment the kernel drops the
  file's reference.
* **Collection.**  ``collect()`` removes the directory of every holder that nobody uses: no user
  fd (an exclusive OFD lock on its file can be taken) and no other name (``st_nlink == 1``: not
  pinned and not held by another holder).  Removing a directory drops the links to what it held,
  which may make further holders collectable, so it repeats until nothing changes.  It runs at
  program load and when ids are enumerated; so a program's memory and its maps' memory are
  released at the next collection after its last fd closes, not at the ``close`` itself (pybpf has
  no hook on ``close``).  Releasing a map gives its memory back to the root's ledger
  (``pybpf.objects.accounting``: its file's allocated bytes).  A cycle (a program that tail-calls
  itself through a prog array it uses)
  is never collected while the cycle exists; the kernel breaks such cycles when the last user fd
  of the prog array closes (``bpf_fd_array_map_clear``), which pybpf does not observe.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import random
import shutil
import struct
from collections.abc import Iterator

from pybpf.errors import BPFError
from pybpf.objects import accounting
from pybpf.objects.files import link_object

_REFS = ".refs"
_SELF = "self"
_LOCK_AT = 1 << 40
"""Start of the byte range of the object file user locks live on (beyond any data)."""
_LOCK_SPAN = 1 << 30

# struct flock on x86_64/aarch64: short l_type, short l_whence, (pad), off_t l_start, off_t l_len,
# pid_t l_pid, (pad)
_FLOCK = struct.Struct("hhxxxxqqixxxx")


def _flock(kind: int) -> bytes:
    return _FLOCK.pack(kind, os.SEEK_SET, _LOCK_AT, 1, 0)


def hold(fd: int) -> int:
    """Mark ``fd``'s open file description as a user of its object; returns ``fd``.

    A readable description takes a shared lock on the first byte of the lock range; a write-only
    one (which cannot take a read lock) takes an exclusive lock on a random byte of the rest.
    """
    if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE != os.O_WRONLY:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLKW, _flock(fcntl.F_RDLCK))
        return fd
    while True:
        start = _LOCK_AT + 1 + random.randrange(_LOCK_SPAN - 1)
        try:
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, start, 1, 0))
            return fd
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise


def _unused(fd: int) -> bool:
    """Whether no other open file description holds a user lock on the file."""
    probe = _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, _LOCK_AT, _LOCK_SPAN, 0)
    answer = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, probe)
    return bool(_FLOCK.unpack(answer)[0] == fcntl.F_UNLCK)


def refs_root(root: str) -> str:
    path = os.path.join(root, _REFS)
    os.makedirs(path, mode=0o1777, exist_ok=True)
    return path


def holder_dir(root: str, kind: str, object_id: int) -> str:
    return os.path.join(refs_root(root), f"{kind}-{object_id}")


@contextlib.contextmanager
def opening(root: str) -> Iterator[None]:
    """Hold off collection while an fd for an existing object is being opened and marked."""
    fd = os.open(os.path.join(refs_root(root), ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def _link(fd: int, path: str) -> None:
    link_object(fd, path)


def register_holder(root: str, kind: str, object_id: int, fd: int) -> str:
    """Create the reference directory of a new holder whose file is open as ``fd``."""
    path = holder_dir(root, kind, object_id)
    os.makedirs(path, mode=0o700, exist_ok=True)
    self_link = os.path.join(path, _SELF)
    if not os.path.lexists(self_link):
        _link(fd, self_link)
    return path


def add_ref(root: str, holder: tuple[str, int], held: tuple[str, int], held_fd: int) -> None:
    """Record that ``holder`` (kind, id) holds ``held`` (kind, id), whose file is open as ``held_fd``."""
    path = os.path.join(holder_dir(root, *holder), f"{held[0]}-{held[1]}")
    if not os.path.lexists(path):
        _link(held_fd, path)


def drop_ref(root: str, holder: tuple[str, int], held: tuple[str, int]) -> None:
    """Forget that ``holder`` holds ``held`` (no error when it did not)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(holder_dir(root, *holder), f"{held[0]}-{held[1]}"))


def open_ref(root: str, holder: tuple[str, int], held: tuple[str, int], flags: int = os.O_RDWR) -> int:
    """A new fd (marked as a user) for an object ``holder`` holds; ENOENT when it holds no such object."""
    path = os.path.join(holder_dir(root, *holder), f"{held[0]}-{held[1]}")
    with opening(root):
        try:
            fd = os.open(path, flags | os.O_CLOEXEC)
        except FileNotFoundError:
            raise BPFError(errno.ENOENT, f"{holder[0]} {holder[1]} holds no {held[0]} {held[1]}") from None
        return hold(fd)


def open_holder(root: str, kind: str, object_id: int, flags: int = os.O_RDWR) -> int:
    """A new fd (marked as a user) for the live holder ``kind``/``object_id``; ENOENT if there is none."""
    path = os.path.join(holder_dir(root, kind, object_id), _SELF)
    with opening(root):
        try:
            fd = os.open(path, flags | os.O_CLOEXEC)
        except FileNotFoundError:
            raise BPFError(errno.ENOENT, f"no {kind} with id {object_id}") from None
        return hold(fd)


def holder_ids(root: str, kind: str) -> list[int]:
    """Ids of the holders of ``kind`` that have a reference directory, ascending."""
    prefix = kind + "-"
    ids = []
    for name in os.listdir(refs_root(root)):
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            ids.append(int(name[len(prefix) :]))
    return sorted(ids)


def collect(root: str) -> int:
    """Remove the reference directories of unused holders; returns how many were removed."""
    base = refs_root(root)
    lock = os.open(os.path.join(base, ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    removed = 0
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0  # someone is opening an object or collecting: try again next time
        changed = True
        while changed:
            changed = False
            for name in os.listdir(base):
                path = os.path.join(base, name)
                if name.startswith(".") or not os.path.isdir(path):
                    continue
                try:
                    fd = os.open(os.path.join(path, _SELF), os.O_RDONLY | os.O_CLOEXEC)
                except FileNotFoundError:
                    shutil.rmtree(path, ignore_errors=True)
                    continue
                try:
                    st = os.fstat(fd)
                    if st.st_nlink == 1 and _unused(fd):
                        shutil.rmtree(path, ignore_errors=True)
                        removed += 1
                        changed = True
                        if name.startswith("map-"):
                            accounting.uncharge(root, st.st_blocks * 512)
                finally:
                    os.close(fd)
    finally:
        os.close(lock)
    return removed


def allocated_bytes(root: str, kind: str) -> int:
    """The memory (allocated bytes of their files) the live holders of ``kind`` in ``root`` hold."""
    total = 0
    prefix = kind + "-"
    for name in os.listdir(refs_root(root)):
        if name.startswith(prefix):
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(refs_root(root), name, _SELF)).st_blocks * 512
    return total


INT_MAX = (1 << 31) - 1


def next_id(root: str, kind: str, start_id: int) -> int:
    """``bpf_obj_get_next_id`` for ``kind``: the smallest live id above ``start_id``.

    ``start_id`` >= INT_MAX is EINVAL, no larger id ENOENT.  Scope: every object of ``kind`` of this
    root still alive in any process, after a collection of the unused ones.
    """
    if start_id >= INT_MAX:
        raise BPFError(errno.EINVAL, "start_id >= INT_MAX")
    collect(root)
    later = [found for found in holder_ids(root, kind) if found > start_id]
    if not later:
        raise BPFError(errno.ENOENT, f"no {kind} with an id above {start_id}")
    return min(later)
