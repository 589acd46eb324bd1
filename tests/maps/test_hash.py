"""BPF_MAP_TYPE_HASH element semantics and the seed's GET_NEXT_KEY cases, on both backends."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.kernel.backend import Backend

from .helpers import create, delete, lookup, next_key, u32, update

ENOENT, EINVAL, EEXIST, E2BIG = ("errno", errno.ENOENT), ("errno", errno.EINVAL), \
    ("errno", errno.EEXIST), ("errno", errno.E2BIG)  # fmt: skip


@pytest.fixture
def table(backend: Backend) -> Iterator[int]:
    fd = create(backend, uapi.BPF_MAP_TYPE_HASH, 4, 8, 4)
    yield fd
    os.close(fd)


def test_update_flags(backend: Backend, table: int) -> None:
    assert lookup(backend, table, u32(1), 8) == ENOENT
    assert update(backend, table, u32(1), b"a" * 8, uapi.BPF_EXIST) == ENOENT
    assert update(backend, table, u32(1), b"a" * 8, uapi.BPF_NOEXIST) == "ok"
    assert update(backend, table, u32(1), b"b" * 8, uapi.BPF_NOEXIST) == EEXIST
    assert update(backend, table, u32(1), b"c" * 8, uapi.BPF_EXIST) == "ok"
    assert update(backend, table, u32(1), b"d" * 8, 4) == EINVAL
    assert lookup(backend, table, u32(1), 8) == b"c" * 8
    assert update(backend, table, u32(1), b"e" * 8, uapi.BPF_ANY) == "ok"
    assert lookup(backend, table, u32(1), 8) == b"e" * 8


def test_full_and_delete(backend: Backend, table: int) -> None:
    for i in range(4):
        assert update(backend, table, u32(i), u32(i) * 2) == "ok"
    assert update(backend, table, u32(9), bytes(8)) == E2BIG
    assert update(backend, table, u32(9), bytes(8), uapi.BPF_EXIST) == ENOENT
    assert update(backend, table, u32(2), b"z" * 8) == "ok"  # replacing works when full
    assert lookup(backend, table, u32(2), 8) == b"z" * 8
    assert delete(backend, table, u32(2)) == "ok"
    assert delete(backend, table, u32(2)) == ENOENT
    assert lookup(backend, table, u32(2), 8) == ENOENT
    assert update(backend, table, u32(9), bytes(8)) == "ok"
    assert lookup(backend, table, u32(3), 8) == u32(3) * 2


def test_get_next_key_cases(backend: Backend, table: int) -> None:
    assert next_key(backend, table, None, 4) == ENOENT
    assert next_key(backend, table, u32(5), 4) == ENOENT
    for i in (10, 20, 30):
        assert update(backend, table, u32(i), bytes(8)) == "ok"
    first = next_key(backend, table, None, 4)
    assert next_key(backend, table, u32(77), 4) == first  # absent key -> first element
    seen, key = [first], first
    while True:
        key = next_key(backend, table, key, 4)
        if key == ENOENT:  # the last element -> ENOENT
            break
        seen.append(key)
    assert sorted(seen) == [u32(10), u32(20), u32(30)]


def test_many_keys(backend: Backend) -> None:
    fd = create(backend, uapi.BPF_MAP_TYPE_HASH, 16, 4, 500)
    try:
        keys = [i.to_bytes(16, "little") for i in range(0, 5000, 10)]
        for i, key in enumerate(keys):
            assert update(backend, fd, key, u32(i)) == "ok"
        for key in keys[::3]:
            assert delete(backend, fd, key) == "ok"
        remaining = {k for i, k in enumerate(keys) if i % 3}
        seen, key = set(), next_key(backend, fd, None, 16)
        while key != ENOENT:
            seen.add(key)
            key = next_key(backend, fd, key, 16)
        assert seen == remaining
    finally:
        os.close(fd)
