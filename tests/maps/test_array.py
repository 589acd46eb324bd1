"""BPF_MAP_TYPE_ARRAY element semantics, on both backends (the kernel's answers are the expectations)."""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.kernel.backend import Backend

from .helpers import create, delete, elem, lookup, next_key, u32, update

ENOENT, EINVAL, EEXIST, E2BIG, EFAULT = ("errno", errno.ENOENT), ("errno", errno.EINVAL), \
    ("errno", errno.EEXIST), ("errno", errno.E2BIG), ("errno", errno.EFAULT)  # fmt: skip


@pytest.fixture
def array(backend: Backend) -> Iterator[int]:
    fd = create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 12, 3)
    yield fd
    os.close(fd)


def test_lookup_update(backend: Backend, array: int) -> None:
    assert lookup(backend, array, u32(0), 12) == bytes(12)
    assert update(backend, array, u32(1), b"abcdefghijkl") == "ok"
    assert lookup(backend, array, u32(1), 12) == b"abcdefghijkl"
    assert update(backend, array, u32(1), b"x" * 12, uapi.BPF_EXIST) == "ok"
    assert update(backend, array, u32(1), b"y" * 12, uapi.BPF_NOEXIST) == EEXIST
    assert update(backend, array, u32(1), b"y" * 12, 3) == EINVAL
    assert update(backend, array, u32(1), b"y" * 12, uapi.BPF_F_LOCK) == EINVAL
    assert lookup(backend, array, u32(1), 12) == b"x" * 12


def test_out_of_range_and_delete(backend: Backend, array: int) -> None:
    assert lookup(backend, array, u32(3), 12) == ENOENT
    assert update(backend, array, u32(3), bytes(12)) == E2BIG
    assert delete(backend, array, u32(0)) == EINVAL
    assert delete(backend, array, u32(7)) == EINVAL


def test_get_next_key(backend: Backend, array: int) -> None:
    assert next_key(backend, array, None, 4) == u32(0)
    assert next_key(backend, array, u32(0), 4) == u32(1)
    assert next_key(backend, array, u32(1), 4) == u32(2)
    assert next_key(backend, array, u32(2), 4) == ENOENT
    assert next_key(backend, array, u32(99), 4) == u32(0)


def test_bad_pointers(backend: Backend, array: int) -> None:
    assert elem(backend, uapi.BPF_MAP_LOOKUP_ELEM, array, None, value_size=12, key_address=0) == EFAULT
    assert elem(backend, uapi.BPF_MAP_LOOKUP_ELEM, array, None, value_size=12, key_address=8) == EFAULT
    assert elem(backend, uapi.BPF_MAP_UPDATE_ELEM, array, None, b"v" * 12, key_address=8) == EFAULT
    attr = uapi.bpf_attr()
    key = ctypes.create_string_buffer(4)
    attr.map_fd, attr.key, attr.value = array, ctypes.addressof(key), 16
    with pytest.raises(OSError) as info:
        backend.bpf(uapi.BPF_MAP_LOOKUP_ELEM, attr)
    assert info.value.errno == errno.EFAULT


def test_mmapable_array_shows_values(backend: Backend) -> None:
    fd = create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 8, uapi.BPF_F_MMAPABLE)
    try:
        assert update(backend, fd, u32(2), b"\x01\x02\x03\x04") == "ok"
        with mmap.mmap(fd, mmap.PAGESIZE) as memory:
            assert memory[16:20] == b"\x01\x02\x03\x04"  # elements are round_up(4, 8) apart
            memory[0:4] = b"\xaa\xbb\xcc\xdd"
        assert lookup(backend, fd, u32(0), 4) == b"\xaa\xbb\xcc\xdd"
    finally:
        os.close(fd)
