"""BPF_MAP_LOOKUP_AND_DELETE_ELEM on ARRAY and HASH maps, on both backends."""

from __future__ import annotations

import errno
import os
from typing import Any

from pybpf import uapi
from pybpf.kernel.backend import Backend

from .helpers import create, elem, lookup, u32, update

ENOENT, EINVAL, EPERM, EFAULT = ("errno", errno.ENOENT), ("errno", errno.EINVAL), \
    ("errno", errno.EPERM), ("errno", errno.EFAULT)  # fmt: skip
ENOTSUPP = ("errno", 524)  # the kernel-internal errno bpf(2) lets through for arrays


def lookup_and_delete(backend: Backend, fd: int, key: bytes, flags: int = 0, **kw: Any) -> Any:
    return elem(backend, uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, value_size=8, flags=flags, **kw)


def test_hash(backend: Backend) -> None:
    fd = create(backend, uapi.BPF_MAP_TYPE_HASH, 4, 8, 4)
    assert lookup_and_delete(backend, fd, u32(1)) == ENOENT
    assert update(backend, fd, u32(1), b"a" * 8) == "ok"
    assert update(backend, fd, u32(2), b"b" * 8) == "ok"
    assert lookup_and_delete(backend, fd, u32(1)) == b"a" * 8
    assert lookup(backend, fd, u32(1), 8) == ENOENT
    assert lookup_and_delete(backend, fd, u32(1)) == ENOENT
    assert lookup(backend, fd, u32(2), 8) == b"b" * 8
    assert lookup_and_delete(backend, fd, u32(2), flags=4) == EINVAL
    assert lookup_and_delete(backend, fd, u32(2), flags=uapi.BPF_F_LOCK) == EINVAL
    assert lookup_and_delete(backend, fd, u32(2), key_address=0) == EFAULT
    assert lookup(backend, fd, u32(2), 8) == b"b" * 8
    os.close(fd)


def test_array_not_supported(backend: Backend) -> None:
    fd = create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    assert update(backend, fd, u32(1), b"a" * 8) == "ok"
    assert lookup_and_delete(backend, fd, u32(1)) == ENOTSUPP
    assert lookup_and_delete(backend, fd, u32(9)) == ENOTSUPP
    assert lookup_and_delete(backend, fd, u32(1), flags=4) == EINVAL
    assert lookup(backend, fd, u32(1), 8) == b"a" * 8
    os.close(fd)


def test_needs_read_and_write(backend: Backend) -> None:
    for flag in (uapi.BPF_F_RDONLY, uapi.BPF_F_WRONLY):
        fd = create(backend, uapi.BPF_MAP_TYPE_HASH, 4, 8, 4, flags=flag)
        assert lookup_and_delete(backend, fd, u32(1)) == EPERM
        os.close(fd)
    fd = create(backend, uapi.BPF_MAP_TYPE_HASH, 4, 8, 4)
    assert update(backend, fd, u32(1), b"a" * 8) == "ok"
    attr = uapi.bpf_attr()
    attr.map_fd = fd
    assert backend.bpf(uapi.BPF_MAP_FREEZE, attr) == 0
    assert lookup_and_delete(backend, fd, u32(1)) == EPERM
    assert lookup(backend, fd, u32(1), 8) == b"a" * 8
    os.close(fd)


def test_bad_fd(backend: Backend) -> None:
    assert lookup_and_delete(backend, 9999, u32(1)) == ("errno", errno.EBADF)
