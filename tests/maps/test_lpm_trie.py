"""BPF_MAP_TYPE_LPM_TRIE on both backends: creation errnos, element semantics, post-order iteration.

Every expectation here is what Linux 6.18's ``kernel/bpf/lpm_trie.c`` answered; the hypothesis test
replays random inserts, deletes, lookups and walks on pybpf, on a pure-Python model and (where the
real bpf(2) works) on the kernel, comparing every answer.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.maps.lpm_trie import LPM_VAL_SIZE_MAX, LpmTrieMap
from pybpf.maps.object import MapObject

from .helpers import create, create_outcome, delete, elem, lookup, next_key, update

ENOENT, EINVAL, EEXIST, ENOSPC = (
    ("errno", e) for e in (errno.ENOENT, errno.EINVAL, errno.EEXIST, errno.ENOSPC)
)
ENOTSUPP = ("errno", 524)
LPM = uapi.BPF_MAP_TYPE_LPM_TRIE
NP = uapi.BPF_F_NO_PREALLOC


def key(prefixlen: int, *data: int) -> bytes:
    """A ``struct bpf_lpm_trie_key_u8``: host-order prefixlen, then the data bytes."""
    return prefixlen.to_bytes(4, sys.byteorder) + bytes(data)


def walk(backend: Backend, fd: int, key_size: int) -> list[Any]:
    """Every key get_next_key gives from a NULL key, in order."""
    keys: list[Any] = []
    current = next_key(backend, fd, None, key_size)
    while not isinstance(current, tuple):
        keys.append(current)
        current = next_key(backend, fd, current, key_size)
    assert current == ENOENT
    return keys


@pytest.mark.parametrize(
    ("key_size", "value_size", "max_entries", "flags", "expected"),
    [
        (8, 4, 4, NP, "ok"),
        (8, 4, 4, 0, EINVAL),  # BPF_F_NO_PREALLOC is mandatory
        (4, 4, 4, NP, EINVAL),  # no data byte
        (5, 4, 4, NP, "ok"),
        (260, 4, 4, NP, "ok"),  # 256 data bytes (LPM_DATA_SIZE_MAX)
        (261, 4, 4, NP, EINVAL),
        (8, 0, 4, NP, EINVAL),
        (8, 4, 0, NP, EINVAL),
        (8, LPM_VAL_SIZE_MAX, 1, NP, "ok"),
        (8, LPM_VAL_SIZE_MAX + 1, 1, NP, EINVAL),
        (8, 4, 4, NP | uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG, EINVAL),
        (8, 4, 4, NP | uapi.BPF_F_RDONLY_PROG, "ok"),
        (8, 4, 4, NP | uapi.BPF_F_MMAPABLE, EINVAL),
        (8, 4, 4, NP | uapi.BPF_F_NUMA_NODE, "ok"),
        (8, 4, 4, NP | uapi.BPF_F_ZERO_SEED, EINVAL),
        (8, 4, 0xFFFFFFFF, NP, "ok"),  # no upper bound: nodes are allocated on demand
    ],
)
def test_create(  # noqa: PLR0917
    backend: Backend, key_size: int, value_size: int, max_entries: int, flags: int, expected: Any
) -> None:
    assert create_outcome(backend, LPM, key_size, value_size, max_entries, flags) == expected


def test_value_size_limit_matches_kernel_node_size() -> None:
    assert LPM_VAL_SIZE_MAX == 4194024  # KMALLOC_MAX_SIZE - 256 - sizeof(struct lpm_trie_node)


@pytest.fixture
def trie(backend: Backend) -> Iterator[int]:
    fd = create(backend, LPM, 8, 4, 3, NP)
    yield fd
    os.close(fd)


def test_update_lookup_delete(backend: Backend, trie: int) -> None:
    assert lookup(backend, trie, key(32, 10, 1, 1, 1), 4) == ENOENT
    assert update(backend, trie, key(8, 10, 0, 0, 0), b"aaaa") == "ok"
    assert update(backend, trie, key(16, 10, 1, 0, 0), b"bbbb") == "ok"
    assert update(backend, trie, key(33, 10, 1, 0, 0), b"xxxx") == EINVAL  # prefixlen > 32
    assert update(backend, trie, key(8, 10, 1, 0, 0), b"xxxx", 3) == EINVAL  # flags > BPF_EXIST
    assert update(backend, trie, key(8, 10, 1, 0, 0), b"xxxx", uapi.BPF_F_LOCK) == EINVAL
    assert lookup(backend, trie, key(32, 10, 1, 2, 3), 4) == b"bbbb"
    assert lookup(backend, trie, key(32, 10, 2, 2, 3), 4) == b"aaaa"
    assert lookup(backend, trie, key(15, 10, 1, 2, 3), 4) == b"aaaa"  # the key's prefix is too short
    assert lookup(backend, trie, key(32, 11, 1, 2, 3), 4) == ENOENT
    assert lookup(backend, trie, key(33, 10, 1, 2, 3), 4) == ENOENT
    assert lookup(backend, trie, key(8, 10, 99, 99, 99), 4) == b"aaaa"  # bits past the prefix ignored
    assert update(backend, trie, key(24, 10, 1, 1, 0), b"cccc") == "ok"
    assert update(backend, trie, key(24, 10, 2, 1, 0), b"dddd") == ENOSPC  # full
    assert update(backend, trie, key(24, 10, 1, 1, 9), b"eeee") == "ok"  # replacing works when full
    assert lookup(backend, trie, key(32, 10, 1, 1, 7), 4) == b"eeee"
    assert delete(backend, trie, key(24, 10, 1, 2, 0)) == ENOENT
    assert delete(backend, trie, key(20, 10, 1, 1, 0)) == ENOENT
    assert delete(backend, trie, key(33, 10, 1, 1, 0)) == EINVAL
    assert delete(backend, trie, key(16, 10, 1, 77, 77)) == "ok"  # bits past the prefix ignored
    assert delete(backend, trie, key(16, 10, 1, 0, 0)) == ENOENT
    assert lookup(backend, trie, key(32, 10, 1, 2, 3), 4) == b"aaaa"
    assert update(backend, trie, key(24, 10, 2, 1, 0), b"dddd") == "ok"


def test_update_flags(backend: Backend, trie: int) -> None:
    assert update(backend, trie, key(16, 10, 1, 0, 0), b"aaaa", uapi.BPF_EXIST) == ENOENT
    assert update(backend, trie, key(16, 10, 1, 0, 0), b"aaaa", uapi.BPF_NOEXIST) == "ok"
    assert update(backend, trie, key(16, 10, 1, 0, 0), b"bbbb", uapi.BPF_NOEXIST) == EEXIST
    assert update(backend, trie, key(16, 10, 1, 0, 0), b"cccc", uapi.BPF_EXIST) == "ok"
    # 10.2.0.0/24 and 10.3.0.0/24 diverge at bit 15: an intermediate /15 node, not an entry, holds both
    assert update(backend, trie, key(24, 10, 2, 0, 0), b"dddd") == "ok"
    assert update(backend, trie, key(24, 10, 3, 0, 0), b"eeee") == "ok"
    assert update(backend, trie, key(15, 10, 2, 0, 0), b"ffff", uapi.BPF_EXIST) == ENOENT
    assert update(backend, trie, key(15, 10, 2, 0, 0), b"ffff", uapi.BPF_NOEXIST) == ENOSPC
    assert delete(backend, trie, key(16, 10, 1, 0, 0)) == "ok"
    assert update(backend, trie, key(15, 10, 2, 0, 0), b"ffff", uapi.BPF_NOEXIST) == "ok"
    assert lookup(backend, trie, key(32, 10, 2, 5, 0), 4) == b"ffff"  # the former intermediate node
    assert lookup(backend, trie, key(32, 10, 3, 0, 9), 4) == b"eeee"
    assert lookup(backend, trie, key(32, 10, 1, 0, 0), 4) == ENOENT


def test_lookup_and_delete_is_enotsupp(backend: Backend, trie: int) -> None:
    assert update(backend, trie, key(8, 10, 0, 0, 0), b"aaaa") == "ok"
    result = elem(backend, uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, trie, key(8, 10, 0, 0, 0), value_size=4)
    assert result == ENOTSUPP
    assert lookup(backend, trie, key(8, 10, 0, 0, 0), 4) == b"aaaa"


def test_get_next_key_post_order(backend: Backend) -> None:
    """The kernel's own example (lpm_trie.c): more specific prefixes come before their containers."""
    fd = create(backend, LPM, 8, 4, 16, NP)
    try:
        assert next_key(backend, fd, None, 8) == ENOENT
        assert next_key(backend, fd, key(8, 1, 0, 0, 0), 8) == ENOENT
        prefixes = [key(16, 192, 168, 0, 0), key(24, 192, 168, 0, 0), key(24, 192, 168, 128, 0)]
        prefixes += [key(24, 192, 168, 1, 0), key(0), key(32, 10, 0, 0, 1), key(1, 128, 0, 0, 0)]
        for i, prefix in enumerate(prefixes):
            assert update(backend, fd, prefix.ljust(8, b"\0"), bytes([i]) * 4) == "ok"
        order = walk(backend, fd, 8)
        assert order == [
            key(32, 10, 0, 0, 1),
            key(24, 192, 168, 0, 0),
            key(24, 192, 168, 1, 0),
            key(24, 192, 168, 128, 0),
            key(16, 192, 168, 0, 0),
            key(1, 128, 0, 0, 0),
            key(0, 0, 0, 0, 0),
        ]
        first = order[0]
        assert next_key(backend, fd, key(33, 0, 0, 0, 0), 8) == first  # invalid prefixlen: leftmost
        assert next_key(backend, fd, key(23, 192, 168, 0, 0), 8) == first  # intermediate node
        assert next_key(backend, fd, key(20, 1, 2, 3, 4), 8) == first  # absent key
        assert next_key(backend, fd, key(24, 192, 168, 1, 77), 8) == order[3]  # bits past the prefix
        assert delete(backend, fd, key(16, 192, 168, 0, 0)) == "ok"
        assert delete(backend, fd, key(24, 192, 168, 128, 0)) == "ok"
        assert walk(backend, fd, 8) == [order[0], order[1], order[2], order[5], order[6]]
    finally:
        os.close(fd)


def test_stored_data_bits_past_prefix(backend: Backend, trie: int) -> None:
    """The kernel keeps the data bytes as given (bits past the prefix too) and returns them."""
    assert update(backend, trie, key(8, 10, 1, 2, 3), b"aaaa") == "ok"
    assert walk(backend, trie, 8) == [key(8, 10, 1, 2, 3)]
    assert update(backend, trie, key(8, 10, 4, 5, 6), b"bbbb") == "ok"  # replaces the node
    assert walk(backend, trie, 8) == [key(8, 10, 4, 5, 6)]


def test_value_offset() -> None:
    backend = UserBackend()
    fd = create(backend, LPM, 8, 12, 8, NP)
    try:
        assert update(backend, fd, key(16, 10, 1, 0, 0), b"sixteen-bits") == "ok"
        assert update(backend, fd, key(24, 10, 1, 2, 0), b"twentyfour!!") == "ok"
        impl = MapObject.from_fd(fd).impl
        assert isinstance(impl, LpmTrieMap)
        for probe, expected in [
            (key(32, 10, 1, 2, 3), b"twentyfour!!"),
            (key(32, 10, 1, 3, 3), b"sixteen-bits"),
        ]:
            offset = impl.value_offset(probe, 0)
            assert offset is not None and offset % 8 == 0
            assert bytes(impl.mem[offset : offset + 12]) == expected
        assert impl.value_offset(key(32, 10, 2, 0, 0), 0) is None
        assert impl.value_offset(key(33, 10, 1, 2, 3), 1) is None
    finally:
        os.close(fd)


def test_recover_rebuilds_count_and_pool() -> None:
    """A process dying mid-update leaves unpublished nodes and a stale count; recover() repairs both."""
    backend = UserBackend()
    fd = create(backend, LPM, 5, 4, 3, NP)
    try:
        for i, prefixlen in enumerate((1, 2, 3)):
            assert update(backend, fd, key(prefixlen, 0xE0), bytes([i]) * 4) == "ok"
        impl = MapObject.from_fd(fd).impl
        assert isinstance(impl, LpmTrieMap)
        for _ in range(3):
            impl._alloc()  # taken from the pool, never published
        impl._set(4, 0)  # the count lost
        impl.recover()
        assert update(backend, fd, key(4, 0xE0), b"xxxx") == ENOSPC
        assert delete(backend, fd, key(2, 0xE0)) == "ok"
        for bits in range(5, 9):  # churn: needs the leaked nodes back
            assert update(backend, fd, key(bits, 0xE0), b"yyyy") == "ok"
            assert delete(backend, fd, key(bits, 0xE0)) == "ok"
        assert update(backend, fd, key(7, 0x10), b"zzzz") == "ok"
        assert [k[0] for k in walk(backend, fd, 5)] == [7, 3, 1]
    finally:
        os.close(fd)


def test_sigkill_mid_update_keeps_trie_usable() -> None:
    """A process killed holding the lock after taking nodes: the next locker recovers them."""
    backend = UserBackend()
    fd = create(backend, LPM, 5, 4, 2, NP)
    try:
        assert update(backend, fd, key(4, 0x10), b"aaaa") == "ok"
        pid = os.fork()
        if pid == 0:  # take the lock, start an insert (nodes taken, never published), die
            obj = MapObject.from_fd(fd)
            obj.lock.__enter__()
            assert isinstance(obj.impl, LpmTrieMap)
            for _ in range(obj.impl.n_nodes - 1):
                obj.impl._alloc()
            os.kill(os.getpid(), signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status)
        assert update(backend, fd, key(4, 0x20), b"bbbb") == "ok"  # EOWNERDEAD -> recover()
        assert update(backend, fd, key(8, 0x21), b"cccc") == ENOSPC
        assert walk(backend, fd, 5) == [key(4, 0x10), key(4, 0x20)]
        assert lookup(backend, fd, key(8, 0x2F), 4) == b"bbbb"
    finally:
        os.close(fd)


def test_pool_never_runs_out() -> None:
    """A full trie with the most intermediate nodes still takes in-place replacements everywhere."""
    backend = UserBackend()
    fd = create(backend, LPM, 5, 4, 8, NP)
    try:
        leaves = [key(8, i * 32) for i in range(8)]  # 8 leaves -> 7 intermediate nodes
        for leaf in leaves:
            assert update(backend, fd, leaf, b"aaaa") == "ok"
        for round_ in range(3):
            for leaf in leaves:
                assert update(backend, fd, leaf, bytes([round_]) * 4) == "ok"
        for leaf in leaves[::2]:
            assert delete(backend, fd, leaf) == "ok"
        for leaf in leaves[::2]:
            assert update(backend, fd, leaf, b"bbbb") == "ok"
        assert len(walk(backend, fd, 5)) == 8
    finally:
        os.close(fd)


def lpm_batch(  # noqa: PLR0917
    backend: Backend,
    cmd: int,
    fd: int,
    count: int,
    keys: bytes = b"",
    values: bytes = b"",
    in_batch: bytes | None = None,
) -> tuple[Any, int, bytes, bytes, bytes]:
    """(outcome, count, out_batch, keys, values) of a batch command on a trie of 8-byte keys."""
    attr = uapi.bpf_attr()
    attr.batch.map_fd, attr.batch.count = fd, count
    kbuf = ctypes.create_string_buffer(keys, 128)
    vbuf = ctypes.create_string_buffer(values, 64)
    ibuf = ctypes.create_string_buffer(in_batch or b"", 8)
    obuf = ctypes.create_string_buffer(8)
    attr.batch.keys, attr.batch.values = ctypes.addressof(kbuf), ctypes.addressof(vbuf)
    attr.batch.out_batch = ctypes.addressof(obuf)
    if in_batch is not None:
        attr.batch.in_batch = ctypes.addressof(ibuf)
    try:
        outcome: Any = backend.bpf(cmd, attr)
    except OSError as exc:
        outcome = ("errno", exc.errno)
    return outcome, int(attr.batch.count), obuf.raw, kbuf.raw, vbuf.raw


def test_batch_commands(backend: Backend) -> None:
    """lpm_trie has the generic lookup, update and delete batches, and no lookup-and-delete one."""
    fd = create(backend, LPM, 8, 4, 8, NP)
    try:
        prefixes = [key(16, 10, 1, 0, 0), key(24, 10, 1, 2, 0), key(8, 10, 0, 0, 0), key(24, 10, 1, 3, 0)]
        values = b"".join(bytes([65 + i]) * 4 for i in range(4))
        outcome, count, *_ = lpm_batch(backend, uapi.BPF_MAP_UPDATE_BATCH, fd, 4, b"".join(prefixes), values)
        assert (outcome, count) == (0, 4)
        order = walk(backend, fd, 8)
        outcome, count, out, keys, vals = lpm_batch(backend, uapi.BPF_MAP_LOOKUP_BATCH, fd, 2)
        assert (outcome, count, out, keys[:16]) == (0, 2, order[1], order[0] + order[1])
        assert vals[:8] == lookup(backend, fd, order[0], 4) + lookup(backend, fd, order[1], 4)
        outcome, count, out, keys, _ = lpm_batch(backend, uapi.BPF_MAP_LOOKUP_BATCH, fd, 8, in_batch=out)
        assert (outcome, count, out, keys[:16]) == (ENOENT, 2, order[3], order[2] + order[3])
        result = lpm_batch(backend, uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH, fd, 8)
        assert result[0] == ENOTSUPP
        gone = key(24, 10, 1, 2, 0)
        outcome, count, *_ = lpm_batch(backend, uapi.BPF_MAP_DELETE_BATCH, fd, 3, gone + gone + prefixes[0])
        assert (outcome, count) == (ENOENT, 1)
        assert walk(backend, fd, 8) == [o for o in order if o != gone]
        too_long = key(40, 10, 1, 2, 0)
        outcome, count, *_ = lpm_batch(
            backend, uapi.BPF_MAP_UPDATE_BATCH, fd, 2, prefixes[0] + too_long, values
        )
        assert (outcome, count) == (EINVAL, 1)
    finally:
        os.close(fd)


# --- random operations: pybpf vs a pure-Python model vs the kernel ------------------------------------
DATA_BYTES = 2
MAX_ENTRIES = 6


class Model:
    """Longest prefix match by brute force: entries keyed by (prefixlen, prefix bits)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[int, int], tuple[bytes, bytes]] = {}  # -> (stored key, value)

    @staticmethod
    def ident(raw: bytes) -> tuple[int, int]:
        plen = int.from_bytes(raw[:4], sys.byteorder)
        bits = 8 * DATA_BYTES
        data = int.from_bytes(raw[4:], "big")
        return plen, data >> (bits - plen) if 0 < plen <= bits else 0

    def lookup(self, raw: bytes) -> Any:
        plen = int.from_bytes(raw[:4], sys.byteorder)
        if plen > 8 * DATA_BYTES:
            return ENOENT
        data = int.from_bytes(raw[4:], "big")
        matches = [
            (p, value)
            for (p, prefix), (_, value) in self.entries.items()
            if p <= plen and (data >> (8 * DATA_BYTES - p) if p else 0) == prefix
        ]
        return max(matches)[1] if matches else ENOENT

    def update(self, raw: bytes, value: bytes, flags: int) -> Any:
        ident = self.ident(raw)
        if flags > uapi.BPF_EXIST or ident[0] > 8 * DATA_BYTES:
            return EINVAL
        if ident in self.entries:
            if flags == uapi.BPF_NOEXIST:
                return EEXIST
        elif flags == uapi.BPF_EXIST:
            return ENOENT
        elif len(self.entries) >= MAX_ENTRIES:
            return ENOSPC
        self.entries[ident] = (raw, value)
        return "ok"

    def delete(self, raw: bytes) -> Any:
        ident = self.ident(raw)
        if ident[0] > 8 * DATA_BYTES:
            return EINVAL
        if self.entries.pop(ident, None) is None:
            return ENOENT
        return "ok"


raw_keys = st.builds(
    lambda plen, data: plen.to_bytes(4, sys.byteorder) + data,
    st.integers(0, 8 * DATA_BYTES + 1),
    st.binary(min_size=DATA_BYTES, max_size=DATA_BYTES).map(lambda d: bytes([d[0] & 0xC3, d[1] & 0x81])),
)
operations = st.lists(
    st.tuples(st.sampled_from(["update", "delete", "lookup", "next"]), raw_keys, st.integers(0, 3)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_random_against_model_and_kernel(_private_bpffs: Any, ops: list[tuple[str, bytes, int]]) -> None:
    backends: list[Backend] = [UserBackend()]
    if kernel_bpf_available():
        backends.append(NativeBackend())
    ks = 4 + DATA_BYTES
    fds = [create(b, LPM, ks, 4, MAX_ENTRIES, NP) for b in backends]
    model = Model()
    try:
        for n, (op, raw, flags) in enumerate(ops):
            value = n.to_bytes(4, "little")
            answers = []
            for b, fd in zip(backends, fds, strict=True):
                if op == "update":
                    answers.append(update(b, fd, raw, value, flags))
                elif op == "delete":
                    answers.append(delete(b, fd, raw))
                elif op == "lookup":
                    answers.append(lookup(b, fd, raw, 4))
                else:
                    answers.append(next_key(b, fd, raw if flags else None, ks))
            assert all(a == answers[0] for a in answers), (op, raw, flags, answers)
            if op == "update":
                assert answers[0] == model.update(raw, value, flags)
            elif op == "delete":
                assert answers[0] == model.delete(raw)
            elif op == "lookup":
                assert answers[0] == model.lookup(raw)
        walks = [walk(b, fd, ks) for b, fd in zip(backends, fds, strict=True)]
        assert all(w == walks[0] for w in walks)
        assert sorted(walks[0]) == sorted(stored for stored, _ in model.entries.values())
    finally:
        for fd in fds:
            os.close(fd)


def test_key_struct_layout() -> None:
    """The key is ``struct bpf_lpm_trie_key_u8`` of the kernel's BTF: a u32 prefixlen, then data."""
    layout = uapi.bpf_lpm_trie_key_u8
    assert ctypes.sizeof(layout) == 4
    assert layout.data.offset == 4  # type: ignore[attr-defined]
