"""BPF_MAP_TYPE_CGROUP_STORAGE and BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE from user space, on both backends.

Every expectation is the kernel's answer (Linux 6.18), asserted on pybpf and on the kernel: creation,
and the element commands of a map no program using it is attached to a cgroup with (the kernel
allocates the elements at attach; pybpf has no cgroup attach).
"""

from __future__ import annotations

import errno
import os
import struct

import pytest

from pybpf import uapi
from pybpf.kernel.backend import Backend
from pybpf.maps.percpu import possible_cpus

from .helpers import create, create_outcome, delete, lookup, next_key, update

CGROUP_STORAGE = uapi.BPF_MAP_TYPE_CGROUP_STORAGE
PERCPU_CGROUP_STORAGE = uapi.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE
EINVAL = ("errno", errno.EINVAL)
ENOENT = ("errno", errno.ENOENT)
E2BIG = ("errno", errno.E2BIG)


@pytest.mark.parametrize("map_type", [CGROUP_STORAGE, PERCPU_CGROUP_STORAGE])
@pytest.mark.parametrize(
    ("key_size", "value_size", "max_entries", "flags", "expected"),
    [
        (16, 8, 0, 0, "ok"),
        (8, 8, 0, 0, "ok"),
        (12, 8, 0, 0, EINVAL),
        (4, 8, 0, 0, EINVAL),
        (4, 0, 1, 0, EINVAL),
        (16, 0, 0, 0, EINVAL),
        (16, 8, 1, 0, EINVAL),
        (16, 70000, 1, 0, E2BIG),  # the value's size before max_entries
        (16, 32768, 0, 0, "ok"),
        (8, 4097, 0, uapi.BPF_F_NUMA_NODE, "ok"),
        (16, 8, 0, uapi.BPF_F_RDONLY, "ok"),
        (16, 8, 0, uapi.BPF_F_WRONLY, "ok"),
        (16, 8, 0, uapi.BPF_F_RDONLY_PROG, "ok"),
        (16, 8, 0, uapi.BPF_F_WRONLY_PROG, "ok"),
        (16, 8, 0, uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG, EINVAL),
        (16, 8, 0, uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY, EINVAL),
        (16, 8, 0, uapi.BPF_F_NO_PREALLOC, EINVAL),
        (16, 8, 0, uapi.BPF_F_MMAPABLE, EINVAL),
        (16, 8, 0, uapi.BPF_F_INNER_MAP, EINVAL),
        (16, 8, 0, uapi.BPF_F_ZERO_SEED, EINVAL),
        (16, 8, 0, uapi.BPF_F_CLONE, EINVAL),
        (16, 8, 0, 1 << 16, EINVAL),
    ],
)
def test_create(  # noqa: PLR0917
    backend: Backend,
    map_type: int,
    key_size: int,
    value_size: int,
    max_entries: int,
    flags: int,
    expected: object,
) -> None:
    assert create_outcome(backend, map_type, key_size, value_size, max_entries, flags) == expected


@pytest.mark.parametrize(("map_type", "largest"), [(CGROUP_STORAGE, 65407), (PERCPU_CGROUP_STORAGE, 32768)])
def test_largest_value(backend: Backend, map_type: int, largest: int) -> None:
    """BPF_LOCAL_STORAGE_MAX_VALUE_SIZE, and PCPU_MIN_UNIT_SIZE for the per-CPU flavour."""
    assert create_outcome(backend, map_type, 16, largest, 0) == "ok"
    assert create_outcome(backend, map_type, 16, largest + 1, 0) == E2BIG


def _keys(key_size: int) -> list[bytes]:
    if key_size == 8:
        return [struct.pack("<Q", inode) for inode in (0, 1, 1 << 40)]
    return [struct.pack("<QI4x", inode, attach) for inode, attach in ((0, 0), (1, 0), (1, 1), (1 << 40, 2))]


@pytest.mark.parametrize("key_size", [16, 8])
def test_elements_of_an_unattached_map(backend: Backend, key_size: int) -> None:
    """No storage before an attach: lookups and get_next_key ENOENT, deletes EINVAL, updates EINVAL
    for flags other than BPF_ANY / BPF_EXIST (BPF_F_LOCK without a lock in the value), else ENOENT."""
    fd = create(backend, CGROUP_STORAGE, key_size, 8, 0)
    try:
        assert next_key(backend, fd, None, key_size) == ENOENT
        for key in _keys(key_size):
            assert lookup(backend, fd, key, 8) == ENOENT
            assert next_key(backend, fd, key, key_size) == ENOENT
            assert delete(backend, fd, key) == EINVAL
            for flags, expected in (
                (uapi.BPF_ANY, ENOENT),
                (uapi.BPF_NOEXIST, EINVAL),
                (uapi.BPF_EXIST, ENOENT),
                (uapi.BPF_NOEXIST | uapi.BPF_EXIST, EINVAL),
                (uapi.BPF_F_LOCK, EINVAL),
                (uapi.BPF_F_LOCK | uapi.BPF_EXIST, EINVAL),
                (8, EINVAL),
            ):
                assert update(backend, fd, key, bytes(8), flags) == expected, flags
    finally:
        os.close(fd)


def test_percpu_elements_of_an_unattached_map(backend: Backend) -> None:
    """The per-CPU flavour: values of one 8-byte slot per possible CPU; the same answers."""
    fd = create(backend, PERCPU_CGROUP_STORAGE, 16, 4, 0)
    size = 8 * possible_cpus()
    try:
        for key in _keys(16):
            assert lookup(backend, fd, key, size) == ENOENT
            assert next_key(backend, fd, key, 16) == ENOENT
            assert delete(backend, fd, key) == EINVAL
            for flags, expected in (
                (uapi.BPF_ANY, ENOENT),
                (uapi.BPF_NOEXIST, EINVAL),
                (uapi.BPF_EXIST, ENOENT),
                (uapi.BPF_F_LOCK, EINVAL),
            ):
                assert update(backend, fd, key, bytes(size), flags) == expected, flags
    finally:
        os.close(fd)
