"""BPF_MAP_TYPE_CGROUP_STORAGE and BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE from user space, on both backends.

Every expectation is the kernel's answer (Linux 6.18), asserted on pybpf and on the kernel: creation,
the element commands of a map no program using it is attached to a cgroup with (the kernel
allocates the elements at attach; pybpf has no cgroup attach), ``bpf_get_local_storage`` in the
verifier, and in CGROUP_SKB test runs (on both engines): each BPF_PROG_TEST_RUN has its own zeroed
storage, which its repeats share.
"""

from __future__ import annotations

import errno
import os
import struct

import pytest

from pybpf import Program, uapi
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


COUNTER = """
    r1 = map_fd(storage) ll
    r2 = 0
    call bpf_get_local_storage
    r6 = *(u64 *)(r0 + 0)
    r6 += 1
    *(u64 *)(r0 + 0) = r6
    r1 = map_fd(seen) ll
    r2 = r10
    r2 += -4
    *(u32 *)(r10 - 4) = 0
    r3 = r10
    r3 += -16
    *(u64 *)(r10 - 16) = r6
    r4 = 0
    call bpf_map_update_elem
    r0 = r6
    r0 &= 1
    exit
"""
"""Count the runs in the storage, show the count in ``seen[0]``, return its low bit."""


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("map_type", [CGROUP_STORAGE, PERCPU_CGROUP_STORAGE])
def test_each_test_run_has_its_own_storage(backend: Backend, map_type: int) -> None:
    """Storage starts zeroed at every BPF_PROG_TEST_RUN; its repeats share it."""
    storage = create(backend, map_type, 16, 8, 0)
    seen = create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1)
    try:
        with Program.load(
            COUNTER, "cgroup_skb", maps={"storage": storage, "seen": seen}, backend=backend
        ) as p:
            found = []
            for repeat in (1, 1, 4, 5, 1):
                retval = p.run(bytes(64), repeat=repeat).retval
                found.append((retval, struct.unpack("<Q", lookup(backend, seen, bytes(4), 8))[0]))
        assert found == [(1, 1), (1, 1), (0, 4), (1, 5), (1, 1)]
        assert (
            lookup(backend, storage, bytes(16), 8 if map_type == CGROUP_STORAGE else 8 * possible_cpus())
            == ENOENT
        )
    finally:
        os.close(storage)
        os.close(seen)


GET = """
    r1 = map_fd({name}) ll
    r2 = {flags}
    call bpf_get_local_storage
    r1 = *(u64 *)(r0 + {offset})
    r0 = 1
    exit
"""
BOTH = """
    r1 = map_fd(a) ll
    r2 = 0
    call bpf_get_local_storage
    r1 = map_fd(b) ll
    r2 = 0
    call bpf_get_local_storage
    r0 = 1
    exit
"""
LOOKUP = """
    r1 = map_fd(a) ll
    r2 = r10
    r2 += -16
    *(u64 *)(r10 - 16) = 0
    *(u64 *)(r10 - 8) = 0
    call bpf_map_lookup_elem
    r0 = 1
    exit
"""


def _load_outcome(backend: Backend, source: str, prog_type: str, maps: dict[str, int]) -> object:
    """ "ok", or (errno, the log's last line)."""
    try:
        with Program.load(source, prog_type, maps=maps, backend=backend, log_level=1):
            return "ok"
    except OSError as exc:
        lines = [line for line in str(getattr(exc, "log", "")).splitlines() if line.strip()]
        return (exc.errno, next(line for line in reversed(lines) if not line.startswith("processed")))


def test_the_verifier(backend: Backend) -> None:
    """The result is a map value that is never NULL, of value_size bytes; flags must be 0; one map of
    each flavour per program; a storage map goes only to bpf_get_local_storage and it takes only
    storage maps; only cgroup program types have it."""
    shared = create(backend, CGROUP_STORAGE, 16, 8, 0)
    other = create(backend, CGROUP_STORAGE, 8, 8, 0)
    percpu = create(backend, PERCPU_CGROUP_STORAGE, 16, 8, 0)
    array = create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1)
    get = GET.format(name="a", flags=0, offset=0)
    try:
        cases = [
            (get, "cgroup_skb", {"a": shared}, "ok"),
            (get, "cgroup_skb", {"a": percpu}, "ok"),
            (get, "sock_ops", {"a": shared}, "ok"),
            (BOTH, "cgroup_skb", {"a": shared, "b": percpu}, "ok"),
            (BOTH, "cgroup_skb", {"a": shared, "b": shared}, "ok"),
            (BOTH, "cgroup_skb", {"a": shared, "b": other},
             (errno.EBUSY, "only one cgroup storage of each type is allowed")),
            (GET.format(name="a", flags=1, offset=0), "cgroup_skb", {"a": shared},
             (errno.EINVAL, "get_local_storage() doesn't support non-zero flags")),
            (GET.format(name="a", flags=0, offset=8), "cgroup_skb", {"a": shared},
             (errno.EACCES, "R0 min value is outside of the allowed memory range")),
            (get, "cgroup_skb", {"a": array},
             (errno.EINVAL, "cannot pass map_type 2 into func bpf_get_local_storage#81")),
            (LOOKUP, "cgroup_skb", {"a": shared},
             (errno.EINVAL, "cannot pass map_type 19 into func bpf_map_lookup_elem#1")),
            (LOOKUP, "cgroup_skb", {"a": percpu},
             (errno.EINVAL, "cannot pass map_type 21 into func bpf_map_lookup_elem#1")),
            (get, "sched_cls", {"a": shared},
             (errno.EINVAL, "program of this type cannot use helper bpf_get_local_storage#81")),
        ]  # fmt: skip
        for flags, refused in ((uapi.BPF_F_RDONLY_PROG, "write into"), (uapi.BPF_F_WRONLY_PROG, "read from")):
            limited = create(backend, CGROUP_STORAGE, 16, 8, 0, flags)
            message = f"{refused} map forbidden, value_size=8 off=0 size=8"
            try:
                maps = {"storage": limited, "seen": array}
                assert _load_outcome(backend, COUNTER, "cgroup_skb", maps) == (errno.EACCES, message)
            finally:
                os.close(limited)
        for source, prog_type, maps, expected in cases:
            assert _load_outcome(backend, source, prog_type, maps) == expected, (source, maps)
    finally:
        for fd in (shared, other, percpu, array):
            os.close(fd)
