"""BPF_PROG_BIND_MAP: a map held by a program that does not reference it in its instructions.

Mirrors ``bpf_prog_bind_map`` (kernel/bpf/syscall.c): ``flags`` must be 0 (EINVAL), then the
program fd (``bpf_prog_get``: EBADF for no open fd, EINVAL for another file) and the map fd
(``bpf_map_get``: the same errnos); a map the program already uses -- one of its load-time maps or
one bound before -- is a no-op, any other is appended to ``prog->aux->used_maps``: the program holds
it (it lives as long as the program, whatever happens to its fds) and ``bpf_prog_info.map_ids`` /
``nr_map_ids`` list it after the load-time maps, in the order the maps were bound.  libbpf binds
the ``.rodata`` metadata map this way.

In pybpf the load-time maps are part of the program file, which never changes after load
(``pybpf.kernel.progobj``).  A bound map is a reference of the program's reference directory (a hard
link, ``pybpf.objects.refs.add_ref``, as the load-time maps' references are) and its id is appended
to ``bound-maps`` there (4-byte little-endian ids, written under an ``flock``, the kernel's
``used_maps_mutex``), so every process sees the same list.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct

from pybpf.errors import BPFError
from pybpf.kernel.map_elem import map_of
from pybpf.kernel.progobj import ProgObject
from pybpf.objects import refs
from pybpf.objects.files import bpffs_root

_BOUND = "bound-maps"
_ID = struct.Struct("<I")
_MAX_BOUND = 1 << 16
"""More bound maps than any program is given (the file is shared: a longer one is not read past this)."""


def _path(prog_id: int) -> str:
    return os.path.join(refs.holder_dir(bpffs_root(), "prog", prog_id), _BOUND)


def _read(fd: int) -> list[int]:
    raw = os.pread(fd, _MAX_BOUND * _ID.size, 0)
    return [found for (found,) in _ID.iter_unpack(raw[: len(raw) - len(raw) % _ID.size]) if found]


def bound_map_ids(prog: ProgObject) -> list[int]:
    """The ids of the maps bound to ``prog`` with BPF_PROG_BIND_MAP, in binding order."""
    try:
        fd = os.open(_path(prog.id), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return []
    try:
        return _read(fd)
    finally:
        os.close(fd)


def used_map_ids(prog: ProgObject) -> list[int]:
    """``prog->aux->used_maps`` as ids: the load-time maps, then the bound ones."""
    return [*prog.meta.map_ids, *bound_map_ids(prog)]


def prog_bind_map(prog_fd: int, map_fd: int, flags: int) -> int:
    """The BPF_PROG_BIND_MAP handler after the attr checks."""
    if flags:
        raise BPFError(errno.EINVAL, "BPF_PROG_BIND_MAP takes no flags")
    prog = ProgObject.from_fd(prog_fd)
    obj = map_of(map_fd)
    if obj.id in prog.meta.map_ids:
        return 0
    root = bpffs_root()
    try:
        fd = os.open(_path(prog.id), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:  # the program's reference directory is gone: it is being freed
        raise BPFError(errno.ENOMEM, f"cannot record the binding: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        bound = _read(fd)
        if obj.id in bound:
            return 0
        if len(bound) >= _MAX_BOUND:
            raise BPFError(errno.ENOMEM, "too many maps bound to this program")
        refs.add_ref(root, ("prog", prog.id), ("map", obj.id), map_fd)
        end = os.fstat(fd).st_size
        os.pwrite(fd, _ID.pack(obj.id), end - end % _ID.size)
    finally:
        os.close(fd)  # releases the lock
    return 0
