"""BPF_MAP_{LOOKUP,LOOKUP_AND_DELETE,UPDATE,DELETE}_BATCH on ARRAY and HASH maps, on both backends.

Hash batches move whole buckets and pybpf hashes keys differently from the kernel, so hash results
are compared as sets over a complete walk; the bucket-size case (ENOSPC) is checked on pybpf alone
with keys that collide under its hash function.
"""

from __future__ import annotations

import ctypes
import errno
import os
from dataclasses import dataclass
from typing import Any

import pytest

from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.maps.jhash import jhash

from .helpers import create, lookup, u32, update

ENOENT, EINVAL, EPERM, EFAULT, ENOSPC, E2BIG = (("errno", e) for e in (
    errno.ENOENT, errno.EINVAL, errno.EPERM, errno.EFAULT, errno.ENOSPC, errno.E2BIG))  # fmt: skip
ENOTSUPP = ("errno", 524)
L, LD = uapi.BPF_MAP_LOOKUP_BATCH, uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH
U, D = uapi.BPF_MAP_UPDATE_BATCH, uapi.BPF_MAP_DELETE_BATCH


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
    out_batch: int | None = None,
    elem_flags: int = 0,
    flags: int = 0,
    keys_address: int | None = None,
) -> Result:
    attr = uapi.bpf_attr()
    attr.batch.map_fd, attr.batch.count = fd, count
    attr.batch.elem_flags, attr.batch.flags = elem_flags, flags
    kbuf = ctypes.create_string_buffer(keys, max(256, len(keys)))
    vbuf = ctypes.create_string_buffer(values, max(512, len(values)))
    ibuf = ctypes.create_string_buffer(in_batch or b"", 8)
    obuf = ctypes.create_string_buffer(8)
    attr.batch.keys = ctypes.addressof(kbuf) if keys_address is None else keys_address
    attr.batch.values = ctypes.addressof(vbuf)
    if in_batch is not None:
        attr.batch.in_batch = ctypes.addressof(ibuf)
    attr.batch.out_batch = ctypes.addressof(obuf) if out_batch is None else out_batch
    try:
        result: Any = backend.bpf(cmd, attr)
    except OSError as exc:
        result = ("errno", exc.errno)
    return Result(result, int(attr.batch.count), obuf.raw[:4], kbuf.raw, vbuf.raw)


def keys_of(*indices: int) -> bytes:
    return b"".join(u32(i) for i in indices)


def vals_of(*indices: int) -> bytes:
    return b"".join(u32(i) * 2 for i in indices)


@pytest.fixture
def array(backend: Backend) -> Any:
    fd = create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    yield fd
    os.close(fd)


@pytest.fixture
def table(backend: Backend) -> Any:
    fd = create(backend, uapi.BPF_MAP_TYPE_HASH, 4, 8, 8)
    yield fd
    os.close(fd)


def test_array_update_and_lookup(backend: Backend, array: int) -> None:
    r = batch(backend, U, array, 2, keys_of(1, 3), vals_of(10, 30))
    assert (r.outcome, r.count) == (0, 2)
    assert lookup(backend, array, u32(3), 8) == vals_of(30)
    r = batch(backend, L, array, 3)
    assert (r.outcome, r.count, r.out_batch) == (0, 3, u32(2))
    assert r.keys[:12] == keys_of(0, 1, 2) and r.values[:24] == bytes(8) + vals_of(10) + bytes(8)
    r = batch(backend, L, array, 10, in_batch=r.out_batch)
    assert (r.outcome, r.count, r.out_batch, r.keys[:4], r.values[:8]) == (
        ENOENT,
        1,
        u32(3),
        u32(3),
        vals_of(30),
    )
    r = batch(backend, L, array, 10)
    assert (r.outcome, r.count, r.out_batch) == (ENOENT, 4, u32(3))
    r = batch(backend, L, array, 10, in_batch=u32(3))  # after the last key: nothing, out untouched
    assert (r.outcome, r.count, r.out_batch) == (ENOENT, 0, bytes(4))
    r = batch(backend, L, array, 10, in_batch=u32(9))  # out of range: starts over, as get_next_key
    assert (r.outcome, r.count) == (ENOENT, 4)
    r = batch(backend, L, array, 1, flags=1)  # the generic batch ignores batch.flags
    assert (r.outcome, r.count) == (0, 1)
    r = batch(backend, L, array, 0)
    assert (r.outcome, r.count) == (0, 0)


def test_array_errors(backend: Backend, array: int) -> None:
    r = batch(backend, U, array, 3, keys_of(0, 9, 1), vals_of(1, 2, 3))
    assert (r.outcome, r.count) == (E2BIG, 1)
    assert lookup(backend, array, u32(1), 8) == bytes(8)
    r = batch(backend, U, array, 1, keys_of(0), vals_of(5), elem_flags=uapi.BPF_NOEXIST)
    assert (r.outcome, r.count) == (EINVAL, 1)  # count untouched
    r = batch(backend, U, array, 1, keys_of(0), vals_of(5), elem_flags=uapi.BPF_F_LOCK)
    assert r.outcome == EINVAL
    r = batch(backend, L, array, 1, elem_flags=1)
    assert r.outcome == EINVAL
    assert batch(backend, LD, array, 2).outcome == ENOTSUPP
    assert batch(backend, D, array, 1, keys_of(0)).outcome == ENOTSUPP
    r = batch(backend, U, array, 2, keys_of(2), vals_of(5), keys_address=8)
    assert (r.outcome, r.count) == (EFAULT, 0)
    r = batch(backend, L, array, 2, out_batch=0)
    assert (r.outcome, r.count) == (EFAULT, 2)  # count is written before out_batch


def test_hash_update_lookup_delete(backend: Backend, table: int) -> None:
    r = batch(backend, U, table, 5, keys_of(*range(5)), vals_of(*range(5)))
    assert (r.outcome, r.count) == (0, 5)
    r = batch(backend, L, table, 8)
    assert (r.outcome, r.count, r.out_batch) == (ENOENT, 5, u32(8))
    pairs = {(r.keys[i * 4 : i * 4 + 4], r.values[i * 8 : i * 8 + 8]) for i in range(5)}
    assert pairs == {(u32(i), u32(i) * 2) for i in range(5)}
    r = batch(backend, L, table, 10, in_batch=u32(8))
    assert (r.outcome, r.count, r.out_batch) == (ENOENT, 0, bytes(4))
    r = batch(backend, L, table, 10, in_batch=u32(7))  # the last bucket, then the end
    assert r.outcome == ENOENT and r.out_batch == u32(8)
    r = batch(backend, D, table, 3, keys_of(0, 9, 1))
    assert (r.outcome, r.count) == (ENOENT, 1)
    assert lookup(backend, table, u32(0), 8) == ENOENT
    assert lookup(backend, table, u32(1), 8) == vals_of(1)
    r = batch(backend, D, table, 1, keys_of(1))
    assert (r.outcome, r.count) == (0, 1)


def test_hash_walk_in_steps(backend: Backend, table: int) -> None:
    assert batch(backend, U, table, 8, keys_of(*range(8)), vals_of(*range(8))).outcome == 0
    seen: set[bytes] = set()
    position: bytes | None = None
    for _ in range(20):
        r = batch(backend, L, table, 8, in_batch=position)
        seen |= {r.keys[i * 4 : i * 4 + 4] for i in range(r.count)}
        if r.outcome == ENOENT:
            break
        assert r.outcome == 0 and r.count > 0
        position = r.out_batch
    assert seen == {u32(i) for i in range(8)}


def test_hash_lookup_and_delete(backend: Backend, table: int) -> None:
    assert batch(backend, U, table, 4, keys_of(*range(4)), vals_of(*range(4))).outcome == 0
    r = batch(backend, LD, table, 8)
    assert (r.outcome, r.count) == (ENOENT, 4)
    assert {r.keys[i * 4 : i * 4 + 4] for i in range(4)} == {u32(i) for i in range(4)}
    for i in range(4):
        assert lookup(backend, table, u32(i), 8) == ENOENT
    assert batch(backend, LD, table, 8).count == 0


def test_hash_errors(backend: Backend, table: int) -> None:
    assert update(backend, table, u32(1), bytes(8)) == "ok"
    r = batch(backend, U, table, 2, keys_of(5, 1), vals_of(5, 1), elem_flags=uapi.BPF_EXIST)
    assert (r.outcome, r.count) == (EINVAL, 2)
    r = batch(backend, L, table, 10, flags=1)
    assert (r.outcome, r.count) == (EINVAL, 10)
    r = batch(backend, L, table, 10, elem_flags=1)
    assert (r.outcome, r.count) == (EINVAL, 10)
    r = batch(backend, L, table, 10, out_batch=0)
    assert (r.outcome, r.count) == (EFAULT, 0)
    assert lookup(backend, table, u32(1), 8) == bytes(8)


def test_permissions_and_bad_attr(backend: Backend) -> None:
    ro = create(backend, uapi.BPF_MAP_TYPE_HASH, 4, 8, 4, flags=uapi.BPF_F_RDONLY)
    assert batch(backend, L, ro, 4).outcome == ENOENT
    assert batch(backend, LD, ro, 4).outcome == EPERM
    assert batch(backend, U, ro, 1, keys_of(1), vals_of(1)).outcome == EPERM
    assert batch(backend, D, ro, 1, keys_of(1)).outcome == EPERM
    os.close(ro)
    wo = create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4, flags=uapi.BPF_F_WRONLY)
    assert batch(backend, L, wo, 4).outcome == EPERM
    assert batch(backend, U, wo, 1, keys_of(1), vals_of(1)).outcome == 0
    os.close(wo)
    assert batch(backend, L, 9999, 4).outcome == ("errno", errno.EBADF)
    raw = bytearray(bytes(uapi.bpf_attr()))
    raw[56] = 1  # past batch.flags
    with pytest.raises(OSError) as info:
        backend.bpf(L, raw)
    assert info.value.errno == errno.EINVAL


def test_user_bucket_too_big() -> None:
    """pybpf alone: whole buckets move, so a bucket larger than count is ENOSPC (htab's rule)."""
    backend = UserBackend()
    fd = create(backend, uapi.BPF_MAP_TYPE_HASH, 4, 8, 8, uapi.BPF_F_ZERO_SEED)
    mask = 7
    colliding = [i for i in range(1000) if jhash(u32(i), 0) & mask == 0][:3]
    assert batch(backend, U, fd, 3, keys_of(*colliding), vals_of(*colliding)).outcome == 0
    r = batch(backend, L, fd, 2)
    assert (r.outcome, r.count, r.out_batch) == (ENOSPC, 0, u32(0))
    r = batch(backend, L, fd, 3)
    assert (r.outcome, r.count, r.out_batch) == (ENOENT, 3, u32(8))
    os.close(fd)
