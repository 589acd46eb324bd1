"""BPF_MAP_TYPE_BLOOM_FILTER on both backends (the kernel's answers are the expectations).

Push is UPDATE_ELEM with a NULL key; a test is LOOKUP_ELEM with a NULL key and the value to test
behind the value pointer (0: maybe present, ENOENT: certainly absent).  pybpf hashes differently
from the kernel (see ``pybpf.maps.bloom``), so values never pushed are compared only statistically.
"""

from __future__ import annotations

import ctypes
import errno
import os
from typing import Any

import pytest

from pybpf import uapi
from pybpf.kernel.backend import Backend

from .helpers import create, create_outcome, elem

ENOENT, EINVAL, E2BIG, EPERM, EFAULT = ("errno", errno.ENOENT), ("errno", errno.EINVAL), \
    ("errno", errno.E2BIG), ("errno", errno.EPERM), ("errno", errno.EFAULT)  # fmt: skip
EOPNOTSUPP, ENOTSUPP = ("errno", errno.EOPNOTSUPP), ("errno", 524)
BLOOM = uapi.BPF_MAP_TYPE_BLOOM_FILTER


def push(backend: Backend, fd: int, value: bytes, flags: int = 0, **kw: Any) -> Any:
    result = elem(backend, uapi.BPF_MAP_UPDATE_ELEM, fd, None, value, flags, **kw)
    return result if isinstance(result, tuple) else "ok"


def test(backend: Backend, fd: int, value: bytes, flags: int = 0, **kw: Any) -> Any:
    result = elem(backend, uapi.BPF_MAP_LOOKUP_ELEM, fd, None, value, flags, **kw)
    if isinstance(result, tuple):
        return result
    assert result == value, "the value buffer is left as it was"
    return "maybe"


test.__test__ = False  # type: ignore[attr-defined]


def test_create_checks(backend: Backend) -> None:
    assert create_outcome(backend, BLOOM, 0, 4, 100) == "ok"
    assert create_outcome(backend, BLOOM, 4, 4, 100) == EINVAL
    assert create_outcome(backend, BLOOM, 0, 0, 100) == EINVAL
    assert create_outcome(backend, BLOOM, 0, 4, 0) == EINVAL
    assert create_outcome(backend, BLOOM, 0, 4, 100, flags=uapi.BPF_F_NO_PREALLOC) == EINVAL
    assert create_outcome(backend, BLOOM, 0, 4, 100, flags=uapi.BPF_F_ZERO_SEED) == "ok"
    assert create_outcome(backend, BLOOM, 0, 4, 100, flags=uapi.BPF_F_MMAPABLE) == EINVAL
    both = uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG
    assert create_outcome(backend, BLOOM, 0, 4, 100, flags=both) == EINVAL
    for extra in (0, 1, 15):
        assert create_outcome(backend, BLOOM, 0, 4, 100, map_extra=extra) == "ok"
    for extra in (16, 1 << 40):
        assert create_outcome(backend, BLOOM, 0, 4, 100, map_extra=extra) == EINVAL
    assert create_outcome(backend, BLOOM, 0, (1 << 22) + 1, 100) == E2BIG
    assert create_outcome(backend, BLOOM, 4, (1 << 22) + 1, 100) == E2BIG  # alloc_check comes first


@pytest.mark.parametrize("value_size", [4, 7, 64])
@pytest.mark.parametrize("map_extra", [0, 1, 15])
def test_no_false_negatives(backend: Backend, value_size: int, map_extra: int) -> None:
    fd = create(backend, BLOOM, 0, value_size, 200, map_extra=map_extra)
    values = [n.to_bytes(value_size, "little") for n in range(1, 201)]
    for value in values:
        assert push(backend, fd, value) == "ok"
    assert all(test(backend, fd, value) == "maybe" for value in values)
    others = [test(backend, fd, (n << 16).to_bytes(value_size, "big")) for n in range(1, 201)]
    assert set(others) <= {"maybe", ENOENT}
    limit = 120 if map_extra == 1 else 40  # expected false positives are about 20 / 4 of 200
    assert others.count("maybe") < limit
    os.close(fd)


def test_empty_and_commands(backend: Backend) -> None:
    fd = create(backend, BLOOM, 0, 4, 8)
    assert test(backend, fd, b"abcd") == ENOENT
    assert push(backend, fd, b"abcd", uapi.BPF_EXIST) == EINVAL
    assert push(backend, fd, b"abcd", uapi.BPF_NOEXIST) == EINVAL
    assert push(backend, fd, b"abcd", uapi.BPF_F_LOCK) == EINVAL
    assert test(backend, fd, b"abcd") == ENOENT
    key = ctypes.create_string_buffer(4)
    assert push(backend, fd, b"abcd", key_address=ctypes.addressof(key)) == EINVAL
    assert push(backend, fd, b"abcd") == "ok"
    assert test(backend, fd, b"abcd") == "maybe"
    assert test(backend, fd, b"abcd", key_address=ctypes.addressof(key)) == EINVAL
    assert test(backend, fd, b"abcd", flags=4) == EINVAL
    assert test(backend, fd, b"abcd", flags=uapi.BPF_F_LOCK) == EINVAL
    assert elem(backend, uapi.BPF_MAP_DELETE_ELEM, fd, None) == EOPNOTSUPP
    assert elem(backend, uapi.BPF_MAP_GET_NEXT_KEY, fd, None, value_size=4) == EOPNOTSUPP
    assert elem(backend, uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, None, value_size=4) == ENOTSUPP
    assert test(backend, fd, b"abcd") == "maybe"
    os.close(fd)


def test_bad_pointers_and_permissions(backend: Backend) -> None:
    fd = create(backend, BLOOM, 0, 4, 8, flags=uapi.BPF_F_RDONLY)
    assert push(backend, fd, b"abcd") == EPERM
    assert test(backend, fd, b"abcd") == ENOENT
    os.close(fd)
    fd = create(backend, BLOOM, 0, 4, 8, flags=uapi.BPF_F_WRONLY)
    assert push(backend, fd, b"abcd") == "ok"
    assert test(backend, fd, b"abcd") == EPERM
    os.close(fd)
    fd = create(backend, BLOOM, 0, 4, 8)
    attr = uapi.bpf_attr()
    attr.map_fd, attr.value = fd, 8  # unmapped address
    for cmd in (uapi.BPF_MAP_UPDATE_ELEM, uapi.BPF_MAP_LOOKUP_ELEM):
        with pytest.raises(OSError) as info:
            backend.bpf(cmd, attr)
        assert info.value.errno == errno.EFAULT
    assert push(backend, fd, b"wxyz") == "ok"
    freeze = uapi.bpf_attr()
    freeze.map_fd = fd
    assert backend.bpf(uapi.BPF_MAP_FREEZE, freeze) == 0
    assert push(backend, fd, b"abcd") == EPERM
    assert test(backend, fd, b"wxyz") == "maybe"
    os.close(fd)


def test_shared_by_fork(backend: Backend) -> None:
    fd = create(backend, BLOOM, 0, 8, 64, flags=uapi.BPF_F_ZERO_SEED)
    pid = os.fork()
    if pid == 0:
        os._exit(0 if all(push(backend, fd, n.to_bytes(8, "little")) == "ok" for n in range(64)) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert all(test(backend, fd, n.to_bytes(8, "little")) == "maybe" for n in range(64))
    os.close(fd)


@pytest.mark.parametrize("map_extra", [0, 3, 15])
def test_info_reports_map_extra(backend: Backend, map_extra: int) -> None:
    fd = create(backend, BLOOM, 0, 4, 100, map_extra=map_extra)
    info = uapi.bpf_map_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len = fd, ctypes.sizeof(info)
    attr.info.info = ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    assert info.map_extra == map_extra  # the kernel reports what was asked, 0 included
    os.close(fd)
