"""BPF_MAP_TYPE_LRU_HASH / LRU_PERCPU_HASH: creation errnos and eviction, on both backends.

The kernel's LRU is approximate (per-CPU free lists, reference bits), so the differential tests
compare only what is deterministic: errnos, that inserting beyond max_entries succeeds, that the map
never holds more than max_entries keys and that the key just written is present.  pybpf's exact LRU
order is checked on the user backend alone.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.kernel.backend import Backend
from pybpf.maps.lru import HEADER_BYTES, LruHashMap
from pybpf.maps.object import MapObject
from pybpf.maps.percpu import possible_cpus
from pybpf.uapi import ENOTSUPP

from .helpers import create, create_outcome, delete, lookup, next_key, u32, update

ENOENT, EINVAL, EEXIST, E2BIG = ("errno", errno.ENOENT), ("errno", errno.EINVAL), \
    ("errno", errno.EEXIST), ("errno", errno.E2BIG)  # fmt: skip
LRU, LRU_PC = uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH
NCPU = possible_cpus()


@pytest.mark.parametrize(
    ("map_type", "key_size", "value_size", "flags", "expected"),
    [
        (LRU, 4, 8, 0, "ok"),
        (LRU, 4, 8, uapi.BPF_F_NO_COMMON_LRU, "ok"),
        (LRU, 4, 8, uapi.BPF_F_NO_PREALLOC, ("errno", ENOTSUPP)),
        (LRU, 4, 8, uapi.BPF_F_NUMA_NODE, "ok"),
        (LRU, 4, 8, uapi.BPF_F_NUMA_NODE | uapi.BPF_F_NO_COMMON_LRU, EINVAL),
        (LRU, 4, 8, uapi.BPF_F_MMAPABLE, EINVAL),
        (LRU, 0, 8, 0, EINVAL),
        (LRU, 4, 0, 0, EINVAL),
        (LRU, 4, 1 << 22, 0, E2BIG),
        (LRU_PC, 4, 8, 0, "ok"),
        (LRU_PC, 4, 8, uapi.BPF_F_NO_COMMON_LRU, "ok"),
        (LRU_PC, 4, 8, uapi.BPF_F_NUMA_NODE, EINVAL),
        (LRU_PC, 4, 8, uapi.BPF_F_NO_PREALLOC, ("errno", ENOTSUPP)),
        (LRU_PC, 4, 32769, 0, E2BIG),
    ],
)
def test_create_errnos(  # noqa: PLR0917
    backend: Backend,
    map_type: int,
    key_size: int,
    value_size: int,
    flags: int,
    expected: object,
) -> None:
    assert create_outcome(backend, map_type, key_size, value_size, 8, flags) == expected


@pytest.fixture(params=[0, uapi.BPF_F_NO_COMMON_LRU], ids=["common", "no_common"])
def lru(backend: Backend, request: pytest.FixtureRequest) -> Iterator[int]:
    fd = create(backend, LRU, 4, 8, 256, request.param)
    yield fd
    os.close(fd)


def _keys(backend: Backend, fd: int) -> set[bytes]:
    seen: set[bytes] = set()
    key = next_key(backend, fd, None, 4)
    while key != ENOENT:
        assert isinstance(key, bytes)
        seen.add(key)
        key = next_key(backend, fd, key, 4)
    return seen


def test_update_flags(backend: Backend, lru: int) -> None:
    assert update(backend, lru, u32(1), b"a" * 8, uapi.BPF_EXIST) == ENOENT
    assert update(backend, lru, u32(1), b"a" * 8, uapi.BPF_NOEXIST) == "ok"
    assert update(backend, lru, u32(1), b"b" * 8, uapi.BPF_NOEXIST) == EEXIST
    assert update(backend, lru, u32(1), b"c" * 8, 4) == EINVAL
    assert lookup(backend, lru, u32(1), 8) == b"a" * 8
    assert delete(backend, lru, u32(1)) == "ok"
    assert delete(backend, lru, u32(1)) == ENOENT


def test_insert_beyond_max_entries_evicts(backend: Backend, lru: int) -> None:
    for i in range(1000):
        assert update(backend, lru, u32(i), u32(i) * 2) == "ok"
        assert lookup(backend, lru, u32(i), 8) == u32(i) * 2  # the key just written is there
    keys = _keys(backend, lru)
    assert 0 < len(keys) <= 256
    for key in keys:
        assert lookup(backend, lru, key, 8) == key * 2


def test_recover_rebuilds_the_list(backend: Backend) -> None:
    if backend.name != "user":
        pytest.skip("recovery is pybpf's")
    fd = create(backend, LRU, 4, 8, 4)
    try:
        for i in range(6):
            assert update(backend, fd, u32(i), u32(i) * 2) == "ok"
        before = _keys(backend, fd)
        obj = MapObject.from_fd(fd)
        impl = obj.impl
        assert isinstance(impl, LruHashMap)
        with obj.lock:  # as if a process died mid-update: the list heads and the counts lost
            impl.mem[HEADER_BYTES : impl.pool_at + impl.n_heads * impl.node_size] = bytes(
                impl.pool_at + impl.n_heads * impl.node_size - HEADER_BYTES
            )
            impl.recover()
            impl.check_lists()
        assert _keys(backend, fd) == before
        for i in range(6, 12):
            assert update(backend, fd, u32(i), u32(i) * 2) == "ok"
        with obj.lock:
            impl.check_lists()
        assert len(_keys(backend, fd)) == 4
    finally:
        os.close(fd)


def test_percpu_lookup_layout(backend: Backend) -> None:
    fd = create(backend, LRU_PC, 4, 4, 64)
    try:
        size = 8 * NCPU
        assert lookup(backend, fd, u32(1), size) == ENOENT
        block = bytes(range(size))
        if backend.name == "user":  # the implementation itself (bpf() updates: test_percpu)
            obj = MapObject.from_fd(fd)
            with obj.lock:
                obj.impl.update(u32(1), block, uapi.BPF_NOEXIST)
        else:
            assert update(backend, fd, u32(1), block, uapi.BPF_NOEXIST) == "ok"
        assert lookup(backend, fd, u32(1), size) == block
        assert next_key(backend, fd, None, 4) == u32(1)
    finally:
        os.close(fd)
