"""``bpf_find_vma`` (``pybpf.helpers.find_vma``) against the kernel.

tests/data/c/find_vma_runs.c's SYSCALL program asks for the calling task's memory area holding an
address; its callback copies what it reads of the ``struct vm_area_struct`` (bounds, flags, a file
area's page offset and dentry name) and the program stores that with the helper's answer.  The
kernel runs it on this process's address space, pybpf on what /proc/self/smaps says of the same
space: both must store the same bytes, for a shared library's code, an anonymous mapping, a file
mapped at an offset (a short and a long file name: the dentry's inline and external names), an
address nothing maps, and a flag the helper refuses.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from pybpf import Object
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from tests.elf.corpus import obj_path

pytestmark = [
    pytest.mark.usefixtures("engine"),
    pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here"),
]
SEEN = struct.Struct("<qQQQQQQQ64s")
PAGE = mmap.PAGESIZE


@contextmanager
def loaded(backend: Backend) -> Iterator[Object]:
    with (
        tempfile.TemporaryDirectory(prefix="pybpf-find-vma-") as pins,
        Object.open(obj_path("find_vma_runs"), backend=backend, pin_root=pins) as obj,
    ):
        obj.load()
        yield obj


def ask(backend: Backend, addr: int, flags: int = 0) -> tuple[int, ...]:
    with loaded(backend) as obj:
        assert obj.programs["find"].run(ctx=struct.pack("<QQ", addr, flags)).retval == 0
        raw = bytes(obj.maps["seen"].lookup(0))
    ret, calls, start, end, vm_flags, pgoff, has_file, name_len, name = SEEN.unpack(raw[: SEEN.size])
    return ret, calls, start, end, vm_flags, pgoff, has_file, name_len, name.split(b"\0")[0]


def both(addr: int, flags: int = 0) -> tuple[int, ...]:
    mine, theirs = ask(UserBackend(), addr, flags), ask(NativeBackend(), addr, flags)
    assert mine == theirs
    return mine


def _address(buffer: mmap.mmap) -> int:
    return ctypes.addressof(ctypes.c_char.from_buffer(buffer))


def test_a_library_function() -> None:
    libc = ctypes.CDLL(None)
    address = ctypes.cast(libc.getpid, ctypes.c_void_p).value
    assert address
    ret, calls, start, end, vm_flags, _pgoff, has_file, name_len, name = both(address)
    assert (ret, calls, has_file) == (0, 1, 1)
    assert start <= address < end and vm_flags & 4  # VM_EXEC
    assert name_len == len(name) and name


def test_an_anonymous_mapping() -> None:
    area = mmap.mmap(-1, 3 * PAGE, flags=mmap.MAP_PRIVATE)
    try:
        address = _address(area) + PAGE + 5
        ret, calls, start, end, vm_flags, _pgoff, has_file, _len, _name = both(address)
        assert (ret, calls, has_file) == (0, 1, 0)
        assert start <= address < end and vm_flags & 3 == 3  # VM_READ | VM_WRITE
    finally:
        area.close()


def test_a_shared_anonymous_mapping() -> None:
    """Its pages are a shmem file's, named dev/zero."""
    area = mmap.mmap(-1, 2 * PAGE, flags=mmap.MAP_SHARED)
    try:
        seen = both(_address(area))
        assert seen[0] == 0 and seen[5:] == (0, 1, 8, b"dev/zero")
    finally:
        area.close()


def test_a_deleted_file() -> None:
    with tempfile.TemporaryDirectory(prefix="pybpf-vma-") as directory:
        path = os.path.join(directory, "gone")
        with open(path, "w+b") as handle:
            handle.write(bytes(PAGE))
            handle.flush()
            area = mmap.mmap(handle.fileno(), PAGE)
        os.unlink(path)
        try:
            seen = both(_address(area))
            assert seen[0] == 0 and seen[5:] == (0, 1, 4, b"gone")
        finally:
            area.close()


@pytest.mark.parametrize("name", ["short", "a-file-name-longer-than-the-dentry-inline-name-buffer"])
def test_a_file_mapped_at_an_offset(name: str) -> None:
    with tempfile.TemporaryDirectory(prefix="pybpf-vma-") as directory:
        path = os.path.join(directory, name)
        with open(path, "wb") as handle:
            handle.write(bytes(4 * PAGE))
        with open(path, "r+b") as handle:
            area = mmap.mmap(handle.fileno(), 2 * PAGE, offset=2 * PAGE)
        try:
            seen = both(_address(area) + 10)
            assert seen[0] == 0 and seen[5:] == (2, 1, len(name), name.encode())
        finally:
            area.close()


def test_nothing_mapped_there() -> None:
    assert both(PAGE)[:2] == (-errno.ENOENT, 0)


def test_flags_are_refused() -> None:
    assert both(PAGE, flags=1)[:2] == (-errno.EINVAL, 0)
