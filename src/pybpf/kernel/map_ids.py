"""BPF_MAP_GET_NEXT_ID and BPF_MAP_GET_FD_BY_ID for the user-space bpf(2).

Mirrors ``bpf_obj_get_next_id`` and ``bpf_map_get_fd_by_id`` in ``kernel/bpf/syscall.c``: ids are
walked in increasing order (``start_id`` >= INT_MAX is EINVAL, no larger id is ENOENT, the found id
is written back to ``next_id``), and an id is turned into a new fd opened with the access mode
``open_flags`` asks for (BPF_F_RDONLY / BPF_F_WRONLY; both, or any other flag, EINVAL; an unknown id
ENOENT).

Scope (where pybpf deliberately differs from the kernel's global id table): the ids visible to a
process are those of

* the map objects this process holds or has opened: every fd found in ``/proc/self/fd`` that
  refers to a map file, which includes the descriptors CPython's ``mmap`` keeps for the mappings
  ``MapObject`` caches (a map this process closed stays alive, and visible, while it is cached), and
* the maps pinned anywhere under this process's bpffs root (``$PYBPF_BPFFS``).

A map only another process holds, unpinned, is invisible; a map whose last fd, mapping and pin are
gone no longer exists, as in the kernel.  Ids come from the per-root counter of
``pybpf.kernel.objfile``, so they are unique only among the objects of one root, and only objects
whose file belongs to the current root (``/proc/self/fd`` names a path inside it) are in scope.  The kernel
asks for CAP_SYS_ADMIN (EPERM otherwise); pybpf asks for nothing beyond access to the files.
"""

from __future__ import annotations

import errno
import os
import stat

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.objfile import MapObject, bpffs_root

INT_MAX = (1 << 31) - 1
_IDS_FILE = ".pybpf-ids"


def _id_of_fd(fd: int, root_dev: int) -> int | None:
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_dev != root_dev:
        return None
    try:
        return MapObject.from_fd(fd).id
    except (BPFError, OSError, ValueError):
        return None


def visible_maps() -> dict[int, str]:
    """id -> a path that opens the object, for every map in this process's scope."""
    root = bpffs_root()
    root_dev = os.stat(root).st_dev
    found: dict[int, str] = {}
    prefix = os.path.realpath(root) + os.sep
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if not os.readlink(f"/proc/self/fd/{fd}").startswith(prefix):
                continue  # another root's object: its ids are another counter's
        except OSError:
            continue
        obj_id = _id_of_fd(fd, root_dev)
        if obj_id is not None:
            found.setdefault(obj_id, f"/proc/self/fd/{fd}")
    for directory, _, files in os.walk(root):
        for name in files:
            if directory == root and name == _IDS_FILE:
                continue
            path = os.path.join(directory, name)
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
            except OSError:
                continue
            try:
                obj_id = _id_of_fd(fd, root_dev)
            finally:
                os.close(fd)
            if obj_id is not None:
                found.setdefault(obj_id, path)
    return found


def get_next_id(start_id: int) -> int:
    """The smallest visible map id above ``start_id``; ENOENT when there is none."""
    if start_id >= INT_MAX:
        raise BPFError(errno.EINVAL, "start_id >= INT_MAX")
    later = [obj_id for obj_id in visible_maps() if obj_id > start_id]
    if not later:
        raise BPFError(errno.ENOENT, "no map with a larger id")
    return min(later)


def get_fd_by_id(map_id: int, open_flags: int, token_fd: int) -> int:
    """A new close-on-exec fd for map ``map_id`` opened as ``open_flags`` asks."""
    allowed = uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY
    if open_flags & ~allowed or token_fd:
        raise BPFError(errno.EINVAL, "invalid open_flags (bpf tokens are not implemented in pybpf)")
    rd, wr = open_flags & uapi.BPF_F_RDONLY, open_flags & uapi.BPF_F_WRONLY
    if rd and wr:
        raise BPFError(errno.EINVAL, "BPF_F_RDONLY and BPF_F_WRONLY together")
    mode = os.O_RDONLY if rd else os.O_WRONLY if wr else os.O_RDWR
    path = visible_maps().get(map_id)
    if path is None:
        raise BPFError(errno.ENOENT, f"no map with id {map_id}")
    try:
        return os.open(path, mode | os.O_CLOEXEC)
    except FileNotFoundError as exc:
        raise BPFError(errno.ENOENT, f"map {map_id} went away") from exc
    except OSError as exc:
        raise BPFError(exc.errno or errno.EACCES, f"map {map_id}: {exc.strerror}") from exc
