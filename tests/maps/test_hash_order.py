"""Hash maps meet their keys in the kernel's order (``pybpf.maps.jhash``, ``pybpf.maps.hash``).

With BPF_F_ZERO_SEED both the kernel and pybpf hash keys with seed 0, so the same operations leave
the same keys in the same buckets in the same order (newest first, an updated key moved to the
head, per-CPU updates in place): GET_NEXT_KEY iteration, BPF_MAP_LOOKUP_BATCH (chunk by chunk,
ENOSPC included) and bpf_for_each_map_elem (a program numbering the elements it visits) must give
the same sequences on both.  Every comparison with the kernel skips where bpf(2) is unavailable.
"""

from __future__ import annotations

import ctypes
import errno
import os
import random
import struct
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.map import Map
from pybpf.maps.hash import SEED_OFFSET, HashMap
from pybpf.maps.jhash import KeyHashes, jhash, jhash_reference, native
from pybpf.maps.object import MapObject
from tests.helpers.progs import run_kernel, run_pybpf

from .helpers import create

H, PH = uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_PERCPU_HASH
LH, LPH = uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH
HOM = uapi.BPF_MAP_TYPE_HASH_OF_MAPS
ZERO = uapi.BPF_F_ZERO_SEED
Q = struct.Struct("<Q")


def kernel() -> Backend:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    return NativeBackend()


def both(map_type: int, key_size: int, value_size: int, max_entries: int, flags: int = ZERO) -> Iterator[Map]:
    """The same map on the kernel, then on pybpf."""
    for backend in (kernel(), UserBackend()):
        yield Map.create(map_type, key_size, value_size, max_entries, flags, backend=backend)


def next_keys(m: Map) -> list[bytes]:
    """The keys in GET_NEXT_KEY order (from a NULL key)."""
    found: list[bytes] = []
    key: bytes | None = None
    while True:
        try:
            key = m.get_next_key(key)
        except BPFError as exc:
            assert exc.errno == errno.ENOENT
            return found
        assert isinstance(key, bytes)
        found.append(key)
        assert len(found) <= m.max_entries


def batches(m: Map, chunk: int) -> list[tuple[int, list[bytes]]]:
    """BPF_MAP_LOOKUP_BATCH ``chunk`` keys at a time to the end: (errno or 0, keys) per call (an
    ENOSPC is recorded and retried with a chunk one larger)."""
    token = max(m.key_size, 8)
    in_batch, out_batch = ctypes.create_string_buffer(token), ctypes.create_string_buffer(token)
    calls: list[tuple[int, list[bytes]]] = []
    started = False
    while len(calls) < 4 * m.max_entries + 8:
        keys = ctypes.create_string_buffer(chunk * m.key_size)
        values = ctypes.create_string_buffer(chunk * m.user_value_size)
        attr = uapi.bpf_attr()
        attr.batch.map_fd, attr.batch.count = m.fd, chunk
        attr.batch.in_batch = ctypes.addressof(in_batch) if started else 0
        attr.batch.out_batch = ctypes.addressof(out_batch)
        attr.batch.keys, attr.batch.values = ctypes.addressof(keys), ctypes.addressof(values)
        code = 0
        try:
            m.backend.bpf(uapi.BPF_MAP_LOOKUP_BATCH, attr)
        except OSError as exc:
            code = exc.errno or -1
        count = int(attr.batch.count)
        calls.append((code, [keys.raw[i * m.key_size : (i + 1) * m.key_size] for i in range(count)]))
        if code == errno.ENOSPC:
            chunk += 1
            continue
        if code:
            return calls
        ctypes.memmove(in_batch, out_batch, token)
        started = True
    raise AssertionError("the batch walk did not end")


def keys_of(size: int, count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed * 1000 + size)
    keys: set[bytes] = set()
    while len(keys) < count:
        keys.add(rng.randbytes(size))
    return sorted(keys)


def value_of(m: Map, n: int) -> bytes:
    return (Q.pack(n) * (m.user_value_size // 8 + 1))[: m.user_value_size]


def apply(m: Map, script: list[tuple[str, bytes, int]]) -> list[object]:
    """Run (op, key, n) steps on ``m``; the outcome of each (0 or the errno)."""
    outcomes: list[object] = []
    for op, key, n in script:
        try:
            if op == "update":
                m.update(key, value_of(m, n), n & 3 if n & 3 <= uapi.BPF_EXIST else uapi.BPF_ANY)
            else:
                m.delete(key)
            outcomes.append(0)
        except OSError as exc:
            outcomes.append(exc.errno)
    return outcomes


def script_for(keys: list[bytes], seed: int) -> list[tuple[str, bytes, int]]:
    """Inserts of every key, deletes of some, re-inserts and updates of others (BPF_ANY / NOEXIST /
    EXIST), in a seeded random order."""
    rng = random.Random(seed)
    script = [("update", key, 4 * i) for i, key in enumerate(keys)]
    for _ in range(2 * len(keys)):
        key = rng.choice(keys)
        script.append(("delete", key, 0) if rng.random() < 0.4 else ("update", key, rng.randrange(1 << 20)))
    return script


# --- jhash itself --------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80), st.integers(0, 0xFFFFFFFF))
def test_jhash_matches_the_plain_reference(key: bytes, seed: int) -> None:
    assert jhash(key, seed) == jhash_reference(key, seed)
    assert KeyHashes(seed)(key) == jhash_reference(key, seed)


@pytest.mark.parametrize("length", [1, 3, 4, 8, 12, 13, 16, 24, 64])
def test_native_jhash_is_jhash(length: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine code (``emit_jhash`` through LLVM) hashes as ``jhash``; ``KeyHashes`` switches to
    it after ``NATIVE_AFTER`` keys, for keys of the length it was compiled for only."""
    fast = native(length)
    if fast is None:
        pytest.skip("LLVM cannot compile here")
    rng = random.Random(length)
    for _ in range(200):
        key, seed = rng.randbytes(length), rng.getrandbits(32)
        assert fast(key, seed) == jhash(key, seed)
    monkeypatch.setattr("pybpf.maps.jhash.NATIVE_AFTER", 0)
    hashes = KeyHashes(12345)
    keys = [rng.randbytes(length) for _ in range(50)]
    assert [hashes(key) for key in keys] == [jhash(key, 12345) for key in keys]
    assert hashes.fast is fast and hashes.fast_length == length
    assert hashes(bytes(length + 1)) == jhash(bytes(length + 1), 12345)  # another length: Python


def test_key_hashes_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pybpf.maps.jhash.MEMO_ENTRIES", 8)
    hashes = KeyHashes(7)
    for i in range(20):
        assert hashes(bytes([i])) == jhash(bytes([i]), 7)
        assert len(hashes.memo) <= 8


def test_seed_is_per_map_and_shared_by_every_opener() -> None:
    """BPF_F_ZERO_SEED gives seed 0; otherwise each map draws one, which every opener reads."""
    maps = [Map.create(H, 4, 8, 4, ZERO if i == 0 else 0, backend=UserBackend()) for i in range(5)]
    try:
        impls = [MapObject.from_fd(m.fd).impl for m in maps]
        assert all(isinstance(impl, HashMap) for impl in impls)
        seeds = [impl.seed for impl in impls if isinstance(impl, HashMap)]
        assert seeds[0] == 0
        assert len(set(seeds[1:])) > 1  # four random u32s (all equal with chance 2^-96)
        stored = struct.unpack_from("<I", MapObject.from_fd(maps[1].fd).mm, SEED_OFFSET)[0]
        assert stored == seeds[1]
        dup = os.dup(maps[1].fd)
        again = MapObject.from_fd(dup).impl
        assert isinstance(again, HashMap) and again.seed == seeds[1]
        os.close(dup)
    finally:
        for m in maps:
            m.close()


# --- against the kernel ------------------------------------------------------------------------------
@pytest.mark.parametrize("key_size", [1, 3, 4, 8, 12, 13, 16, 64])
@pytest.mark.parametrize("max_entries", [7, 64, 100])
def test_get_next_key_order_is_the_kernels(key_size: int, max_entries: int) -> None:
    count = min(max_entries, 1 << (8 * key_size))
    keys = keys_of(key_size, count if key_size > 1 else min(count, 200), max_entries)
    script = script_for(keys, key_size * 7 + max_entries)
    results = []
    for m in both(H, key_size, 8, max_entries):
        with m:
            results.append((apply(m, script), next_keys(m), [m.lookup(k) for k in next_keys(m)]))
    assert results[1] == results[0]


@pytest.mark.parametrize("map_type", [H, PH, LH, LPH])
@pytest.mark.parametrize("key_size", [4, 13])
def test_update_of_an_existing_key_keeps_the_kernels_place(map_type: int, key_size: int) -> None:
    """Hash and LRU hash move an updated key to the head of its bucket; the per-CPU types copy the
    value in place.  Few buckets (max_entries 4) so that chains are long; LRU maps are never full."""
    keys = keys_of(key_size, 3 if map_type in (LH, LPH) else 4, 5)
    script = [("update", key, i * 4) for i, key in enumerate(keys)]
    script += [("update", keys[0], 100), ("update", keys[2], 200), ("update", keys[0], 300)]
    results = []
    for m in both(map_type, key_size, 8, 4 if map_type in (H, PH) else 16):
        with m:
            results.append((apply(m, script), next_keys(m)))
    assert results[1] == results[0]


@pytest.mark.parametrize("map_type", [H, PH, LH, LPH])
@pytest.mark.parametrize("chunk", [1, 2, 5])
def test_lookup_batch_order_is_the_kernels(map_type: int, chunk: int) -> None:
    keys = keys_of(4, 24, chunk)
    script = script_for(keys, chunk)
    results = []
    for m in both(map_type, 4, 8, 24 if map_type in (H, PH) else 64):
        with m:
            outcomes = apply(m, script)
            if map_type in (LH, LPH):  # the kernel's LRU lists are its own: compare what is present
                outcomes = []
            results.append((outcomes, next_keys(m), batches(m, chunk)))
    assert results[1] == results[0]


def test_hash_of_maps_order_is_the_kernels() -> None:
    results = []
    for backend in (kernel(), UserBackend()):
        inner = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1, backend=backend)
        outer = Map.from_fd(create(backend, HOM, 4, 4, 10, ZERO, inner_map_fd=inner.fd), backend=backend)
        with inner, outer:
            for i in (5, 3, 900, 7, 11, 3, 42, 5):
                outer.update(struct.pack("<I", i), struct.pack("<I", inner.fd))
            outer.delete(struct.pack("<I", 900))
            results.append(next_keys(outer))
    assert results[1] == results[0]


FOR_EACH = """
    *(u64 *)(r10 - 8) = 0
    r1 = map_fd(m) ll
    r2 = func(callback) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_for_each_map_elem
    exit
callback:
    r1 = *(u64 *)(r4 + 0)
    r1 += 1
    *(u64 *)(r4 + 0) = r1
    *(u64 *)(r3 + 0) = r1
    r0 = 0
    exit
"""
"""Visits every element, numbering them in visit order (each value becomes its number)."""


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("key_size", [4, 13])
def test_for_each_map_elem_order_is_the_kernels(key_size: int) -> None:
    keys = keys_of(key_size, 30, key_size)
    script = script_for(keys, 3)
    results = []
    for m in both(H, key_size, 8, 30):
        with m:
            apply(m, script)
            if m.backend.name == "user":
                visited = run_pybpf(FOR_EACH, m.fd, MapObject.from_fd(m.fd))
            else:
                visited = run_kernel(FOR_EACH, m.fd)
            numbers = {key: Q.unpack(m.lookup(key))[0] for key in next_keys(m)}
            results.append((visited, sorted(numbers, key=numbers.__getitem__), next_keys(m)))
    assert results[1] == results[0]
    assert results[0][1] == results[0][2]  # for_each walks as GET_NEXT_KEY does


WRITER = """
    r6 = 0
insert:
    *(u32 *)(r10 - 4) = r6
    *(u64 *)(r10 - 16) = r6
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
    r6 += 1
    if r6 < 40 goto insert
    r6 = 0
remove:
    *(u32 *)(r10 - 4) = r6
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r6 += 3
    if r6 < 40 goto remove
    r6 = 0
again:
    *(u32 *)(r10 - 4) = r6
    r7 = r6
    r7 += 1000
    *(u64 *)(r10 - 16) = r7
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
    r6 += 2
    if r6 < 40 goto again
    r6 = 0
    r8 = 0
count:
    *(u32 *)(r10 - 4) = r6
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto next
    r8 += 1
next:
    r6 += 1
    if r6 < 40 goto count
    r0 = r8
    exit
"""
"""Inserts keys 0..39, deletes every third, updates or re-inserts every second, then counts the
keys its own lookups find (the JIT runs all of it natively on a preallocated hash)."""


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("map_type", [H, LH])
def test_program_writes_leave_the_kernels_order(map_type: int) -> None:
    results = []
    for m in both(map_type, 4, 8, 50 if map_type == H else 128):
        with m:
            if m.backend.name == "user":
                found = run_pybpf(WRITER, m.fd, MapObject.from_fd(m.fd))
            else:
                found = run_kernel(WRITER, m.fd)
            keys = next_keys(m)
            results.append((found, keys, [m.lookup(k) for k in keys]))
    assert results[1] == results[0]


def test_random_seed_maps_still_work_across_processes() -> None:
    """Without BPF_F_ZERO_SEED a child process opening the map (its own instance) finds every key."""
    m = Map.create(H, 8, 8, 64, backend=UserBackend())
    with m:
        keys = keys_of(8, 40, 1)
        for i, key in enumerate(keys):
            m.update(key, Q.pack(i))
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                child = Map.from_fd(m.fd, backend=UserBackend())
                code = 0 if all(Q.unpack(child.lookup(k))[0] == i for i, k in enumerate(keys)) else 1
                child.update(b"childkey", Q.pack(99))
            except BaseException:
                code = 2
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert Q.unpack(m.lookup(b"childkey"))[0] == 99
        assert sorted(next_keys(m)) == sorted([*keys, b"childkey"])


class _DieBeforeStore:
    """u32 words that end the process just before their ``fatal``-th store."""

    def __init__(self, words: Any, fatal: int) -> None:
        self.words, self.left = words, fatal

    def __getitem__(self, index: int) -> int:
        return int(self.words[index])

    def __setitem__(self, index: int, value: int) -> None:
        self.left -= 1
        if not self.left:
            os._exit(0)
        self.words[index] = value


@pytest.mark.parametrize("fatal", range(1, 10))
@pytest.mark.parametrize("insert", [False, True])
def test_writer_killed_mid_update(fatal: int, insert: bool) -> None:
    """A writer killed before any of the stores of an update: of an existing key moved to the head
    (store 6 is the unlink of its old element: before it the key is in its chain twice) or of a new
    key (a never used slot, the high-water mark raised before the slot is published).  The next
    holder's recovery leaves every key once, the updated key with its old or its new value."""
    m = Map.create(H, 4, 8, 4, ZERO, backend=UserBackend())  # 4 buckets
    with m:
        bucket0 = [struct.pack("<I", i) for i in range(64) if jhash(struct.pack("<I", i), 0) & 3 == 0]
        keys, new_key = bucket0[:2], bucket0[2]  # one bucket
        for i, key in enumerate(keys):
            m.update(key, Q.pack(i))
        target = new_key if insert else keys[0]
        pid = os.fork()
        if pid == 0:
            obj = MapObject.from_fd(m.fd)
            obj.lock.__enter__()
            impl = obj.impl
            assert isinstance(impl, HashMap)
            impl._words = _DieBeforeStore(impl._words, fatal)  # type: ignore[assignment]
            impl.update(target, Q.pack(100), uapi.BPF_ANY)
            os._exit(3)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        assert code in (0, 3)
        other = struct.pack("<I", 1001)
        m.update(other, Q.pack(7), uapi.BPF_NOEXIST)  # EOWNERDEAD first: recovery
        expected = {keys[0]: (0, 100) if not insert else (0,), keys[1]: (1,), other: (7,)}
        found = next_keys(m)
        if insert and new_key in found:
            expected[new_key] = (100,)
        assert sorted(found) == sorted(expected)
        for key, values in expected.items():
            assert Q.unpack(m.lookup(key))[0] in values
        assert len(found) == len(set(found))
