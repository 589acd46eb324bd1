"""Batch commands on PERCPU_ARRAY, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, and the types without any.

Per-CPU values move as ``round_up(value_size, 8) * nr_cpus`` bytes each in the user buffers.  Hash
batches move whole buckets and pybpf hashes differently from the kernel, so hash-type results are
compared as sets over a complete walk.  Every expectation was checked against Linux 6.18.
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.maps.jhash import jhash
from pybpf.maps.percpu import possible_cpus

from .helpers import create, lookup, u32

ENOENT, EINVAL, EFAULT, EPERM = (
    ("errno", e) for e in (errno.ENOENT, errno.EINVAL, errno.EFAULT, errno.EPERM)
)
ENOTSUPP = ("errno", 524)
L, LD = uapi.BPF_MAP_LOOKUP_BATCH, uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH
U, D = uapi.BPF_MAP_UPDATE_BATCH, uapi.BPF_MAP_DELETE_BATCH
NCPU = possible_cpus()
VALUE_SIZE = 4
SLOT = 8  # round_up(VALUE_SIZE, 8)
PCPU = SLOT * NCPU
PA, PH = uapi.BPF_MAP_TYPE_PERCPU_ARRAY, uapi.BPF_MAP_TYPE_PERCPU_HASH
LH, LPH = uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH


@dataclass
class Result:
    outcome: Any
    count: int
    out_batch: bytes
    keys: bytes
    values: bytes


def batch(  # noqa: PLR0917
    backend: Backend,
    cmd: int,
    fd: int,
    count: int,
    keys: bytes = b"",
    values: bytes = b"",
    in_batch: bytes | None = None,
    elem_flags: int = 0,
    flags: int = 0,
    slots: int = 16,
    value_size: int = PCPU,
    out_batch_address: int | None = None,
) -> Result:
    """One batch command with buffers for ``slots`` keys (u32) and values of ``value_size`` bytes."""
    attr = uapi.bpf_attr()
    attr.batch.map_fd, attr.batch.count = fd, count
    attr.batch.elem_flags, attr.batch.flags = elem_flags, flags
    kbuf = ctypes.create_string_buffer(keys, max(4 * slots, len(keys)))
    vbuf = ctypes.create_string_buffer(values, max(value_size * slots, len(values)))
    ibuf = ctypes.create_string_buffer(in_batch or b"", 8)
    obuf = ctypes.create_string_buffer(8)
    attr.batch.keys = ctypes.addressof(kbuf)
    attr.batch.values = ctypes.addressof(vbuf)
    if in_batch is not None:
        attr.batch.in_batch = ctypes.addressof(ibuf)
    attr.batch.out_batch = ctypes.addressof(obuf) if out_batch_address is None else out_batch_address
    try:
        result: Any = backend.bpf(cmd, attr)
    except OSError as exc:
        result = ("errno", exc.errno)
    return Result(result, int(attr.batch.count), obuf.raw[:4], kbuf.raw, vbuf.raw)


def pcpu_value(n: int) -> bytes:
    """A per-CPU value: CPU c holds n * 100 + c in its first 4 bytes (padding bytes included)."""
    return b"".join(u32(n * 100 + cpu) + u32(0xA0A0A0A0) for cpu in range(NCPU))


def keys_of(*indices: int) -> bytes:
    return b"".join(u32(i) for i in indices)


def pairs(r: Result, value_size: int) -> set[tuple[bytes, bytes]]:
    return {
        (r.keys[i * 4 : i * 4 + 4], r.values[i * value_size : (i + 1) * value_size]) for i in range(r.count)
    }


def full_walk(backend: Backend, fd: int, step: int, value_size: int = PCPU) -> set[tuple[bytes, bytes]]:
    """Everything a bucket-by-bucket lookup batch walk returns, ``step`` elements at a time."""
    seen: set[tuple[bytes, bytes]] = set()
    position: bytes | None = None
    for _ in range(100):
        r = batch(backend, L, fd, step, in_batch=position, value_size=value_size)
        seen |= pairs(r, value_size)
        if r.outcome == ENOENT:
            return seen
        assert r.outcome == 0, r.outcome
        position = r.out_batch
    raise AssertionError("walk did not end")


@pytest.fixture
def percpu_array(backend: Backend) -> Iterator[int]:
    fd = create(backend, PA, 4, VALUE_SIZE, 4)
    yield fd
    os.close(fd)


def test_percpu_array(backend: Backend, percpu_array: int) -> None:
    r = batch(backend, U, percpu_array, 2, keys_of(1, 3), pcpu_value(1) + pcpu_value(3))
    assert (r.outcome, r.count) == (0, 2)
    assert lookup(backend, percpu_array, u32(3), PCPU) == pcpu_value(3)  # padding stored as given
    r = batch(backend, L, percpu_array, 3)
    assert (r.outcome, r.count, r.out_batch) == (0, 3, u32(2))
    assert r.keys[:12] == keys_of(0, 1, 2)
    assert r.values[: 3 * PCPU] == bytes(PCPU) + pcpu_value(1) + bytes(PCPU)
    r = batch(backend, L, percpu_array, 10, in_batch=r.out_batch)
    assert (r.outcome, r.count, r.out_batch) == (ENOENT, 1, u32(3))
    assert r.values[:PCPU] == pcpu_value(3)
    assert (batch(backend, LD, percpu_array, 2).outcome, batch(backend, LD, percpu_array, 0).outcome) == (
        ENOTSUPP,
        ENOTSUPP,
    )
    assert batch(backend, D, percpu_array, 1, keys_of(0)).outcome == ENOTSUPP
    r = batch(backend, U, percpu_array, 3, keys_of(0, 7, 1), pcpu_value(5) * 3)
    assert (r.outcome, r.count) == (("errno", errno.E2BIG), 1)
    r = batch(backend, U, percpu_array, 1, keys_of(0), pcpu_value(5), elem_flags=uapi.BPF_F_LOCK)
    assert (r.outcome, r.count) == (EINVAL, 1)
    r = batch(backend, L, percpu_array, 1, elem_flags=uapi.BPF_F_LOCK)
    assert r.outcome == EINVAL
    r = batch(backend, L, percpu_array, 2, out_batch_address=8)
    assert (r.outcome, r.count) == (EFAULT, 2)  # count is written before out_batch


@pytest.mark.parametrize("map_type", [PH, LPH, LH])
def test_hash_types_update_walk_delete(backend: Backend, map_type: int) -> None:
    size = VALUE_SIZE if map_type == LH else PCPU
    value = u32 if map_type == LH else pcpu_value
    fd = create(backend, map_type, 4, VALUE_SIZE, 8)
    try:
        r = batch(
            backend, U, fd, 6, keys_of(*range(6)), b"".join(value(i) for i in range(6)), value_size=size
        )
        assert (r.outcome, r.count) == (0, 6)
        assert lookup(backend, fd, u32(4), size) == value(4)
        expected = {(u32(i), value(i)) for i in range(6)}
        assert full_walk(backend, fd, 8, size) == expected
        r = batch(backend, L, fd, 8, value_size=size)
        assert (r.outcome, r.count, r.out_batch) == (ENOENT, 6, u32(8))
        r = batch(backend, L, fd, 8, in_batch=u32(8), value_size=size)
        assert (r.outcome, r.count, r.out_batch) == (ENOENT, 0, bytes(4))
        r = batch(backend, L, fd, 8, flags=1, value_size=size)
        assert (r.outcome, r.count) == (EINVAL, 8)
        r = batch(backend, L, fd, 8, elem_flags=uapi.BPF_F_LOCK, value_size=size)
        assert (r.outcome, r.count) == (EINVAL, 8)
        r = batch(backend, D, fd, 3, keys_of(0, 9, 1), value_size=size)
        assert (r.outcome, r.count) == (ENOENT, 1)
        assert lookup(backend, fd, u32(0), size) == ENOENT
        r = batch(backend, LD, fd, 8, value_size=size)
        assert (r.outcome, r.count) == (ENOENT, 5)
        assert pairs(r, size) == expected - {(u32(0), value(0))}
        for i in range(6):
            assert lookup(backend, fd, u32(i), size) == ENOENT
        r = batch(backend, LD, fd, 8, value_size=size)
        assert (r.outcome, r.count) == (ENOENT, 0)
        # the deleted elements are really gone: the map takes max_entries new ones
        r = batch(
            backend, U, fd, 8, keys_of(*range(10, 18)), b"".join(value(i) for i in range(8)), value_size=size
        )
        assert (r.outcome, r.count) == (0, 8)
        assert {k for k, _ in full_walk(backend, fd, 8, size)} == {u32(i) for i in range(10, 18)}
    finally:
        os.close(fd)


@pytest.mark.parametrize("map_type", [PH, LPH])
def test_percpu_hash_value_size_and_flags(backend: Backend, map_type: int) -> None:
    fd = create(backend, map_type, 4, 12, 4)  # 12 bytes -> 16 per CPU
    try:
        block = b"".join(bytes(range(cpu * 16, cpu * 16 + 16)) for cpu in range(NCPU))
        r = batch(backend, U, fd, 1, keys_of(7), block, value_size=16 * NCPU)
        assert (r.outcome, r.count) == (0, 1)
        r = batch(backend, L, fd, 4, value_size=16 * NCPU)
        assert (r.outcome, r.count, r.keys[:4]) == (ENOENT, 1, u32(7))
        assert r.values[: 16 * NCPU] == block
        r = batch(backend, U, fd, 1, keys_of(8), block, elem_flags=uapi.BPF_EXIST, value_size=16 * NCPU)
        assert (r.outcome, r.count) == (EINVAL, 1)  # elem_flags beyond BPF_F_LOCK: count untouched
        r = batch(backend, D, fd, 1, keys_of(7), elem_flags=uapi.BPF_F_LOCK)
        assert (r.outcome, r.count) == (EINVAL, 1)
        r = batch(backend, D, fd, 2, keys_of(7, 7))
        assert (r.outcome, r.count) == (ENOENT, 1)
    finally:
        os.close(fd)


def test_lru_update_batch_evicts(backend: Backend) -> None:
    """An update batch into a full LRU map evicts instead of failing; the map stays at its size."""
    fd = create(backend, LH, 4, VALUE_SIZE, 8)
    try:
        r = batch(backend, U, fd, 16, keys_of(*range(16)), b"".join(u32(i) for i in range(16)), value_size=4)
        assert (r.outcome, r.count) == (0, 16)
        seen = full_walk(backend, fd, 16, 4)
        assert 0 < len(seen) <= 8
        assert all(k == v for k, v in seen)
        assert (u32(15), u32(15)) in seen  # the most recent insert survives
    finally:
        os.close(fd)


def test_permissions(backend: Backend) -> None:
    ro = create(backend, PH, 4, VALUE_SIZE, 4, flags=uapi.BPF_F_RDONLY)
    assert batch(backend, L, ro, 4).outcome == ENOENT
    assert batch(backend, LD, ro, 4).outcome == EPERM
    assert batch(backend, U, ro, 1, keys_of(1), pcpu_value(1)).outcome == EPERM
    os.close(ro)
    wo = create(backend, LPH, 4, VALUE_SIZE, 4, flags=uapi.BPF_F_WRONLY)
    assert batch(backend, L, wo, 4).outcome == EPERM
    assert batch(backend, U, wo, 1, keys_of(1), pcpu_value(1)).outcome == 0
    assert batch(backend, D, wo, 1, keys_of(1)).outcome == 0
    os.close(wo)


@pytest.mark.parametrize(
    ("map_type", "key_size", "value_size", "flags"),
    [
        (uapi.BPF_MAP_TYPE_QUEUE, 0, 4, 0),
        (uapi.BPF_MAP_TYPE_STACK, 0, 4, 0),
        (uapi.BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 0),
    ],
)
@pytest.mark.parametrize("cmd", [L, LD, U, D])
def test_types_without_batch_ops(  # noqa: PLR0917
    backend: Backend, map_type: int, key_size: int, value_size: int, flags: int, cmd: int
) -> None:
    """No ``map_*_batch`` op: ENOTSUPP (524), before count or elem_flags are looked at."""
    fd = create(backend, map_type, key_size, value_size, 4, flags)
    try:
        assert batch(backend, cmd, fd, 1).outcome == ENOTSUPP
        assert batch(backend, cmd, fd, 0, elem_flags=0xFF).outcome == ENOTSUPP
    finally:
        os.close(fd)


def test_update_batch_value_read_fault(backend: Backend) -> None:
    """A values buffer that ends early: the elements before the fault are in, count says how many."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_long,
    ]
    page = os.sysconf("SC_PAGESIZE")
    prot_rw, private_anon = 3, 0x22
    base = libc.mmap(None, 2 * page, prot_rw, private_anon, -1, 0)
    assert base and base != ctypes.c_void_p(-1).value
    fd = create(backend, PH, 4, VALUE_SIZE, 4)
    try:
        assert libc.mprotect(ctypes.c_void_p(base + page), page, 0) == 0  # second page: PROT_NONE
        ctypes.memmove(base + page - PCPU, pcpu_value(1), PCPU)
        keys = ctypes.create_string_buffer(keys_of(1, 2), 8)
        attr = uapi.bpf_attr()
        attr.batch.map_fd, attr.batch.count = fd, 2
        attr.batch.keys = ctypes.addressof(keys)
        attr.batch.values = base + page - PCPU
        outcome: Any = 0
        try:
            backend.bpf(U, attr)
        except OSError as exc:
            outcome = ("errno", exc.errno)
        assert (outcome, attr.batch.count) == (EFAULT, 1)
        assert lookup(backend, fd, u32(1), PCPU) == pcpu_value(1)
        assert lookup(backend, fd, u32(2), PCPU) == ENOENT
    finally:
        os.close(fd)
        libc.munmap(ctypes.c_void_p(base), 2 * page)


def test_array_of_maps(backend: Backend) -> None:
    """Generic lookup (empty slots skipped, ids out) and update (fds in); no delete batches."""
    inner = [create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1) for _ in range(2)]
    outer = create(backend, uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, inner_map_fd=inner[0])
    try:
        r = batch(backend, U, outer, 2, keys_of(1, 3), keys_of(*inner), value_size=4)
        assert (r.outcome, r.count) == (0, 2)
        ids = [lookup(backend, outer, u32(i), 4) for i in (1, 3)]
        r = batch(backend, L, outer, 8, value_size=4)
        assert (r.outcome, r.count, r.out_batch) == (ENOENT, 2, u32(3))
        assert (r.keys[:8], r.values[:8]) == (keys_of(1, 3), ids[0] + ids[1])
        r = batch(backend, L, outer, 1, value_size=4)
        assert (r.outcome, r.count, r.out_batch, r.keys[:4]) == (0, 1, u32(1), u32(1))
        r = batch(backend, L, outer, 1, in_batch=r.out_batch, value_size=4)
        assert (r.outcome, r.count, r.out_batch, r.keys[:4]) == (0, 1, u32(3), u32(3))
        r = batch(backend, U, outer, 2, keys_of(0, 9), keys_of(inner[0], inner[0]), value_size=4)
        assert (r.outcome, r.count) == (("errno", errno.E2BIG), 1)
        assert batch(backend, D, outer, 1, keys_of(0)).outcome == ENOTSUPP
        assert batch(backend, LD, outer, 1).outcome == ENOTSUPP
    finally:
        for fd in [outer, *inner]:
            os.close(fd)


def test_hash_of_maps(backend: Backend) -> None:
    inner = [create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1) for _ in range(3)]
    outer = create(backend, uapi.BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, inner_map_fd=inner[0])
    try:
        r = batch(backend, U, outer, 3, keys_of(5, 6, 7), keys_of(*inner), value_size=4)
        assert (r.outcome, r.count) == (0, 3)
        ids = {u32(k): lookup(backend, outer, u32(k), 4) for k in (5, 6, 7)}
        assert full_walk(backend, outer, 4, 4) == set(ids.items())
        r = batch(backend, D, outer, 2, keys_of(5, 5))
        assert (r.outcome, r.count) == (ENOENT, 1)
        r = batch(backend, LD, outer, 4, value_size=4)
        assert (r.outcome, r.count) == (ENOENT, 2)
        assert pairs(r, 4) == {(u32(6), ids[u32(6)]), (u32(7), ids[u32(7)])}
        assert lookup(backend, outer, u32(6), 4) == ENOENT
        r = batch(backend, U, outer, 1, keys_of(8), u32(0x7FFF0000), value_size=4)
        assert (r.outcome, r.count) == (("errno", errno.EBADF), 0)
    finally:
        for fd in [outer, *inner]:
            os.close(fd)


@pytest.mark.parametrize("map_type", [PH, LH, LPH])
def test_user_bucket_too_big(map_type: int) -> None:
    """pybpf alone (its bucket sizes): a first bucket larger than count is ENOSPC, as in htab."""
    backend = UserBackend()
    size = VALUE_SIZE if map_type == LH else PCPU
    value = u32 if map_type == LH else pcpu_value
    fd = create(backend, map_type, 4, VALUE_SIZE, 8, uapi.BPF_F_ZERO_SEED)
    try:
        colliding = [i for i in range(1000) if jhash(u32(i), 0) & 7 == 0][:3]
        r = batch(
            backend, U, fd, 3, keys_of(*colliding), b"".join(value(i) for i in colliding), value_size=size
        )
        assert (r.outcome, r.count) == (0, 3)
        r = batch(backend, LD, fd, 2, value_size=size)
        assert (r.outcome, r.count, r.out_batch) == (("errno", errno.ENOSPC), 0, u32(0))
        r = batch(backend, LD, fd, 3, value_size=size)
        assert (r.outcome, r.count, r.out_batch) == (ENOENT, 3, u32(8))
        assert pairs(r, size) == {(u32(i), value(i)) for i in colliding}
        assert full_walk(backend, fd, 8, size) == set()
    finally:
        os.close(fd)
