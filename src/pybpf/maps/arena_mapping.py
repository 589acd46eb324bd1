"""mmap of an arena: user space maps the arena's pages at the arena's one user address.

Mirrors the kernel's path for an arena map's file (Linux 6.18): ``do_mmap``'s checks (a length of 0
or an unaligned offset EINVAL; the fd's access mode EACCES), then ``arena_get_unmapped_area`` (an
offset EINVAL, a length past 4 GiB E2BIG; once the arena's address is fixed, a length past its
range E2BIG, another length or address EINVAL; otherwise an address whose range does not cross a
4 GiB boundary), then ``bpf_map_mmap`` (a private mapping EINVAL, a writable mapping of a frozen
map EPERM), then ``arena_map_mmap``: the first mapping fixes the arena's address (user_vm_start) and
size, later ones must agree (EBUSY).

pybpf's map fd is its object file: the mapping is of the file's page area (``ArenaMap.data_at``),
``MAP_SHARED | MAP_FIXED`` at the chosen address, so every process sees the same pages at the same
address, as the kernel's arena vmas do.  Touching a page no program allocated gives it memory
(``arena_vm_fault``); BPF_F_SEGV_ON_FAULT's SIGSEGV for such a touch is not modelled (the page is
given memory, as without the flag).  A first mapping longer than the arena's pages is EINVAL here (the
kernel lets user space map up to 4 GiB whatever ``max_entries`` says; pybpf's file has the pages only).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import functools
import mmap
import os

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.maps.arena import SZ_4G, ArenaMap
from pybpf.maps.object import MapObject
from pybpf.objects.files import PAGE

_MAP_FAILED = ctypes.c_void_p(-1).value
_MAP_FIXED = 0x10
_MAP_FIXED_NOREPLACE = 0x100000


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    int_ = ctypes.c_int
    libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, int_, int_, int_, ctypes.c_long)
    libc.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
    return libc


class ArenaMapping:
    """One process's mapping of an arena: ``size`` bytes at ``address``; ``view`` reads and writes
    them; ``close`` unmaps (``arena_vm_close``)."""

    def __init__(self, address: int, size: int) -> None:
        self.address = address
        self.size = size
        self.view: memoryview | None = memoryview((ctypes.c_char * size).from_address(address)).cast("B")

    @classmethod
    def of_fd(cls, fd: int, length: int, address: int = 0, *, prot: int, flags: int) -> ArenaMapping:
        """A plain ``mmap(address, length, prot, flags, fd, 0)`` (a kernel arena's fd), OSError's errno
        as a BPFError."""
        got = _libc().mmap(address or None, length, prot, flags, fd, 0)
        if got in (None, _MAP_FAILED):
            err = ctypes.get_errno() or errno.EINVAL
            raise BPFError(err, f"mmap: {os.strerror(err)}")
        return cls(int(got), -(-length // PAGE) * PAGE)

    def close(self) -> None:
        if self.view is not None:
            self.view.release()
            self.view = None
            _libc().munmap(self.address, self.size)

    def __enter__(self) -> ArenaMapping:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unmapped_area(arena: ArenaMap, address: int, length: int, fixed: bool) -> int:
    """``arena_get_unmapped_area``: the address the mapping goes to."""
    if arena.user_vm_start:
        if length > arena.user_vm_end - arena.user_vm_start:
            raise BPFError(errno.E2BIG, "longer than the arena")
        if length != arena.user_vm_end - arena.user_vm_start:
            raise BPFError(errno.EINVAL, "an arena is mapped whole")
        if address != arena.user_vm_start:
            raise BPFError(errno.EINVAL, "the arena lives at its user address")
        return address
    if fixed:
        return address
    libc = _libc()
    probe = libc.mmap(None, length * 2, 0, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    if probe in (None, _MAP_FAILED):
        raise BPFError(errno.ENOMEM, "no room for the arena")
    libc.munmap(probe, length * 2)
    if probe >> 32 == (probe + length - 1) >> 32:
        return int(probe)
    return int(-(-probe // SZ_4G) * SZ_4G)


def arena_mmap(
    fd: int, length: int, address: int = 0, *, prot: int, flags: int, offset: int = 0
) -> ArenaMapping:
    """``mmap(address, length, prot, flags, fd, offset)`` of an arena map fd, refused as the kernel
    refuses it (see the module's docstring)."""
    obj = MapObject.from_fd(fd)
    arena = obj.impl
    if not isinstance(arena, ArenaMap):
        raise BPFError(errno.EINVAL, "not an arena")
    mode = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
    if length <= 0 or offset % PAGE or offset < 0:
        raise BPFError(errno.EINVAL, "mmap needs a non-zero length and a page-aligned offset")
    length = -(-length // PAGE) * PAGE
    shared = bool(flags & mmap.MAP_SHARED)
    writable = bool(prot & mmap.PROT_WRITE)
    if mode == os.O_WRONLY:
        raise BPFError(errno.EACCES, "the map fd is not open for reading")
    if shared and writable and mode == os.O_RDONLY:
        raise BPFError(errno.EACCES, "a shared writable mapping needs a writable map fd")
    if prot & mmap.PROT_EXEC:
        raise BPFError(errno.EPERM, "map memory cannot be mapped executable")
    fixed = bool(flags & (_MAP_FIXED | _MAP_FIXED_NOREPLACE))
    with obj.lock:
        if offset:
            raise BPFError(errno.EINVAL, "an arena is mapped from offset 0")
        if length > SZ_4G:
            raise BPFError(errno.E2BIG, "an arena spans at most 4 GiB")
        at = _unmapped_area(arena, address, length, fixed)
        if not shared or mode == os.O_RDONLY:
            raise BPFError(errno.EINVAL, "an arena can only be mapped shared")
        if writable and obj.frozen:
            raise BPFError(errno.EPERM, "a frozen map cannot be mapped writable")
        if writable and obj.params.flags & uapi.BPF_F_RDONLY_PROG:
            raise BPFError(errno.EACCES, "a BPF_F_RDONLY_PROG map cannot be mapped writable")
        if arena.user_vm_start and arena.user_vm_start != at:
            raise BPFError(errno.EBUSY, "the arena lives at another address")
        if arena.user_vm_end and arena.user_vm_end != at + length:
            raise BPFError(errno.EBUSY, "the arena has another size")
        if length > arena.size:
            raise BPFError(errno.EINVAL, "mapping past the arena's pages")
        map_flags = mmap.MAP_SHARED | (flags & _MAP_FIXED_NOREPLACE or _MAP_FIXED)
        got = _libc().mmap(at, length, prot, map_flags, fd, arena.data_at)
        if got in (None, _MAP_FAILED):
            err = ctypes.get_errno() or errno.ENOMEM
            raise BPFError(err, f"mmap: {os.strerror(err)}")
        arena.set_user_range(at, at + length)
    return ArenaMapping(int(got), length)


__all__ = ["ArenaMapping", "arena_mmap"]
