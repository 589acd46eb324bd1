"""Backing an object's shared file with memory before it is touched, so no access can raise SIGBUS.

An object's file lives on a tmpfs (``pybpf.objects.files``) and is sparse: a page gets memory the
first time somebody touches it through a mapping, and when the tmpfs (or the memory cgroup it is
charged to) has none left, the kernel kills the toucher with SIGBUS.  The kernel's maps never fault
like that: ``bpf_map_area_alloc`` allocates a preallocated map's memory at creation and fails
BPF_MAP_CREATE with ENOMEM; maps that grow (``BPF_F_NO_PREALLOC`` hash maps, LPM tries) allocate
each element with ``bpf_map_kmalloc_node`` and fail the update with ENOMEM.  pybpf does the same:

* ``reserve_file``: ``fallocate`` a byte range of the file at creation (ENOSPC from a full tmpfs,
  ENOMEM from a memory cgroup: both ENOMEM here, as the kernel's allocation failure);
* ``populate``: ``madvise(MADV_POPULATE_WRITE)`` a range of a mapping before its first use (Linux
  5.14+): the pages get memory now, or the call fails (EFAULT where the access would have raised
  SIGBUS, ENOMEM) and the caller answers ENOMEM.  ``can_populate()`` says whether the running kernel
  has it; where it does not, growable maps are backed whole at creation instead.

Once backed, a tmpfs page keeps its memory while the file exists (it can only move to swap), so a
backed range can be read and written by every process without faulting.  What pybpf cannot prevent:
a process holding a writable fd may truncate the file or punch holes into it; accesses to those
pages then fault as they would for any shared file (see the README's safety model).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import mmap
import os
from typing import Any

from pybpf.errors import BPFError

PAGE = mmap.PAGESIZE
MADV_POPULATE_WRITE = 23
"""``include/uapi/asm-generic/mman-common.h`` (Linux 5.14+)."""


def page_floor(offset: int) -> int:
    return offset - offset % PAGE


def page_ceil(offset: int) -> int:
    return -(-offset // PAGE) * PAGE


@functools.cache
def _madvise() -> Any:
    libc = ctypes.CDLL(None, use_errno=True)
    function = libc.madvise
    function.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    function.restype = ctypes.c_int
    return function


def reserve_file(fd: int, offset: int, length: int) -> None:
    """Give bytes [offset, offset + length) of ``fd``'s file memory now; ENOMEM when there is none."""
    if length <= 0:
        return
    try:
        os.posix_fallocate(fd, offset, length)
    except OSError as exc:
        raise BPFError(errno.ENOMEM, f"cannot back {length} bytes of map memory: {exc.strerror}") from None


def populate(address: int, length: int) -> None:
    """Back the mapped pages covering [address, address + length) with memory; ENOMEM when it fails.

    Pages that already have memory (backed by any process) cost only a page-table walk.
    """
    start = page_floor(address)
    size = page_ceil(address + length) - start
    if size <= 0:
        return
    if _madvise()(start, size, MADV_POPULATE_WRITE) != 0:
        err = ctypes.get_errno()
        raise BPFError(errno.ENOMEM, f"cannot back {size} bytes of map memory: {os.strerror(err)}")


@functools.cache
def can_populate() -> bool:
    """Whether this kernel has MADV_POPULATE_WRITE (else growable maps are backed at creation)."""
    probe = mmap.mmap(-1, PAGE, mmap.MAP_SHARED)
    try:
        address = ctypes.addressof(ctypes.c_char.from_buffer(probe))
        return bool(_madvise()(address, PAGE, MADV_POPULATE_WRITE) == 0)
    finally:
        probe.close()
