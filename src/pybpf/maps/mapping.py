"""mmap of a map: the checks the kernel makes before it maps a map's memory into a process.

Mirrors ``do_mmap`` (mm/mmap.c) for a map's anon-inode file, then ``bpf_map_mmap``
(kernel/bpf/syscall.c), then the type's ``map_mmap`` (``MapOps.mmap_check``), in that order:

1. a length of 0 or an offset that is not page-aligned: EINVAL;
2. an fd not open for reading: EACCES; a shared writable mapping of an fd not open for writing:
   EACCES; PROT_EXEC: EPERM (bpf objects live on a noexec mount);
3. a type without ``map_mmap``, or values holding a bpf_spin_lock (``map->record``): ENOTSUPP;
4. a mapping that is not shared -- MAP_PRIVATE, or MAP_SHARED of a read-only fd, which ``do_mmap``
   turns into a private one: EINVAL;
5. a writable mapping of a frozen map: EPERM; of a BPF_F_RDONLY_PROG map: EACCES;
6. the type's own rules (arrays: BPF_F_MMAPABLE and no page past the values, EINVAL; ring buffers:
   only the consumer page writable, EPERM).

pybpf's map fd is its object file, so ``mmap(2)`` of the fd itself maps the file and the operating
system refuses none of the above (nor the trailer page past the storage, where the header and the
lock live): that is a documented difference of the user backend.  ``map_mmap`` makes the checks and
then maps the storage; ``pybpf.Map.mmap`` uses it.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.maps.object import MapObject
from pybpf.objects.files import PAGE
from pybpf.uapi import ENOTSUPP


def check_mmap(obj: MapObject, fd_mode: int, length: int, offset: int, *, prot: int, flags: int) -> None:
    """Refuse a mapping of ``obj`` through an fd opened ``fd_mode`` as the kernel does (see above)."""
    if length <= 0 or offset < 0 or offset % PAGE:
        raise BPFError(errno.EINVAL, "mmap needs a non-zero length and a page-aligned offset")
    shared = bool(flags & mmap.MAP_SHARED)
    writable = bool(prot & mmap.PROT_WRITE)
    if fd_mode == os.O_WRONLY:
        raise BPFError(errno.EACCES, "the map fd is not open for reading")
    if shared and writable and fd_mode == os.O_RDONLY:
        raise BPFError(errno.EACCES, "a shared writable mapping needs a writable map fd")
    if prot & mmap.PROT_EXEC:
        raise BPFError(errno.EPERM, "map memory cannot be mapped executable")
    impl = obj.impl
    if not impl.can_mmap or obj.spin_lock_off is not None:
        raise BPFError(ENOTSUPP, "this map cannot be mmapped")
    if not shared or fd_mode == os.O_RDONLY:
        raise BPFError(errno.EINVAL, "a map can only be mapped shared (and through a writable fd)")
    if writable:
        if obj.frozen:
            raise BPFError(errno.EPERM, "a frozen map cannot be mapped writable")
        if obj.params.flags & uapi.BPF_F_RDONLY_PROG:
            raise BPFError(errno.EACCES, "a BPF_F_RDONLY_PROG map cannot be mapped writable")
    impl.mmap_check(offset, -(-length // PAGE) * PAGE, writable)


def map_mmap(fd: int, length: int, offset: int = 0, *, prot: int, flags: int) -> mmap.mmap:
    """``mmap(fd, length, prot, flags, offset)`` of a pybpf map fd, refused as the kernel refuses it."""
    obj = MapObject.from_fd(fd)
    check_mmap(obj, fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE, length, offset, prot=prot, flags=flags)
    try:
        return mmap.mmap(fd, length, flags, prot, offset=offset)
    except OSError as exc:
        raise BPFError(exc.errno or errno.EINVAL, f"mmap: {exc.strerror}") from None
