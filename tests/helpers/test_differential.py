"""The map helpers against the kernel: the same program, the same map contents, the same results.

Each test builds the same map on the kernel and on pybpf, runs one program on both (see
``tests.helpers.progs``) and compares the return value and the map contents afterwards.
"""

from __future__ import annotations

import errno
import os
import struct
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.maps.percpu import PERCPU_MAP_TYPES, possible_cpus
from tests.differential.kernel_harness import map_create, map_lookup, map_update
from tests.helpers.progs import run_kernel, run_pybpf
from tests.helpers.support import user_map

pytestmark = pytest.mark.usefixtures("kernel", "engine")  # on each engine (tests/conftest.py)

Q = struct.Struct("<Q")
A, H = uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_HASH
PA, PH = uapi.BPF_MAP_TYPE_PERCPU_ARRAY, uapi.BPF_MAP_TYPE_PERCPU_HASH
LH, LPH = uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH
F_LOCK = uapi.BPF_F_LOCK


def k32(n: int) -> bytes:
    return struct.pack("<I", n)


class Pair:
    """The same map on the kernel (``kfd``) and on pybpf (``handle``/``obj``)."""

    def __init__(self, map_type: int, key_size: int, value_size: int, max_entries: int) -> None:
        self.map_type, self.value_size = map_type, value_size
        self.kfd = map_create(map_type, key_size, value_size, max_entries)
        self.handle, self.obj = user_map(map_type, key_size, value_size, max_entries)
        self.user_size = self.handle.user_value_size

    def put(self, key: bytes, per_cpu_value: int) -> None:
        """Give ``key`` this value (on every CPU for per-CPU maps) on both sides."""
        slots = self.user_size // 8 if self.map_type in PERCPU_MAP_TYPES else 1
        value = (Q.pack(per_cpu_value) * slots)[: self.user_size]
        map_update(self.kfd, key, value)
        self.handle.update(key, value)

    def contents(self, key: bytes) -> tuple[object, object]:
        """(kernel, pybpf) value of ``key``, None when absent (per-CPU values as sorted u64s)."""

        def kernel_value() -> bytes | None:
            try:
                return map_lookup(self.kfd, key, self.user_size)
            except OSError:
                return None

        def user_value() -> bytes | None:
            try:
                return bytes(self.handle.lookup(key))
            except OSError:
                return None

        return self._shape(kernel_value()), self._shape(user_value())

    def _shape(self, raw: bytes | None) -> object:
        if raw is None or self.map_type not in PERCPU_MAP_TYPES:
            return raw
        return sorted(struct.unpack(f"<{len(raw) // 8}Q", raw))

    def run(self, text: str, cpu: int = 0) -> tuple[int, int]:
        return run_kernel(text, self.kfd), run_pybpf(text, self.handle.fd, self.obj, cpu)

    def close(self) -> None:
        os.close(self.kfd)
        self.handle.close()


@pytest.fixture
def pairs() -> Iterator[list[Pair]]:
    made: list[Pair] = []
    yield made
    for pair in made:
        pair.close()


def update_program(key: int, flags: int, value: int = 0x55) -> str:
    return f"""
        *(u32 *)(r10 - 4) = {key}
        *(u64 *)(r10 - 16) = {value}
        r1 = map_fd(m) ll
        r2 = r10
        r2 += -4
        r3 = r10
        r3 += -16
        r4 = {flags}
        call bpf_map_update_elem
        exit
    """


UPDATE_CASES = [
    # map type, max_entries, keys present, key updated, flags
    (A, 4, (), 1, 0), (A, 4, (), 1, uapi.BPF_NOEXIST), (A, 4, (), 9, 0), (A, 4, (), 1, F_LOCK),
    (A, 4, (), 1, 3), (A, 4, (), 9, F_LOCK), (A, 4, (), 1, uapi.BPF_NOEXIST | F_LOCK),
    (H, 2, (1,), 1, uapi.BPF_NOEXIST), (H, 2, (1,), 2, uapi.BPF_EXIST), (H, 2, (1,), 1, F_LOCK),
    (H, 2, (1,), 2, uapi.BPF_EXIST | F_LOCK), (H, 2, (1, 2), 3, 0), (H, 2, (1,), 1, uapi.BPF_EXIST),
    (PA, 4, (), 1, 0), (PA, 4, (), 9, 0), (PA, 4, (), 1, F_LOCK), (PA, 4, (), 1, uapi.BPF_NOEXIST),
    (PH, 4, (1,), 1, uapi.BPF_NOEXIST), (PH, 4, (1,), 2, uapi.BPF_EXIST), (PH, 4, (1,), 1, F_LOCK),
    (PH, 4, (), 5, 0), (PH, 4, (1,), 1, uapi.BPF_EXIST),
    (LH, 4, (1,), 1, F_LOCK), (LH, 4, (1,), 1, uapi.BPF_NOEXIST), (LH, 4, (1,), 2, 0),
    (LPH, 4, (1,), 1, F_LOCK), (LPH, 4, (1,), 2, uapi.BPF_EXIST), (LPH, 4, (), 3, 0),
    (LPH, 4, (1,), 1, uapi.BPF_EXIST),
]  # fmt: skip


@pytest.mark.parametrize(("map_type", "max_entries", "present", "key", "flags"), UPDATE_CASES)
def test_update_from_a_program(  # noqa: PLR0917  (parametrized)
    pairs: list[Pair], map_type: int, max_entries: int, present: tuple[int, ...], key: int, flags: int
) -> None:
    pair = Pair(map_type, 4, 8, max_entries)
    pairs.append(pair)
    for k in present:
        pair.put(k32(k), 7)
    kernel, ours = pair.run(update_program(key, flags), cpu=possible_cpus() - 1)
    assert ours == kernel
    assert pair.contents(k32(key)) == pair.contents(k32(key))[::-1]


@pytest.mark.parametrize(
    ("map_type", "present", "key"), [(A, (), 1), (H, (), 1), (H, (1,), 1), (PH, (1,), 2)]
)
def test_delete_from_a_program(pairs: list[Pair], map_type: int, present: tuple[int, ...], key: int) -> None:
    pair = Pair(map_type, 4, 8, 4)
    pairs.append(pair)
    for k in present:
        pair.put(k32(k), 7)
    text = f"""
        *(u32 *)(r10 - 4) = {key}
        r1 = map_fd(m) ll
        r2 = r10
        r2 += -4
        call bpf_map_delete_elem
        exit
    """
    kernel, ours = pair.run(text)
    assert ours == kernel
    kernel_value, our_value = pair.contents(k32(key))
    assert our_value == kernel_value


LOOKUP_AND_ADD = """
        *(u32 *)(r10 - 4) = 1
        r1 = map_fd(m) ll
        r2 = r10
        r2 += -4
        call bpf_map_lookup_elem
        if r0 == 0 goto missing
        r1 = *(u64 *)(r0 + 0)
        r1 += 5
        *(u64 *)(r0 + 0) = r1
        r0 = r1
        exit
    missing:
        r0 = 0xdead
        exit
"""


@pytest.mark.parametrize("map_type", [A, H, PA, PH, LH, LPH])
@pytest.mark.parametrize("present", [True, False])
def test_lookup_writes_through_the_pointer(pairs: list[Pair], map_type: int, present: bool) -> None:
    pair = Pair(map_type, 4, 8, 4)
    pairs.append(pair)
    if present:
        pair.put(k32(1), 10)
    kernel, ours = pair.run(LOOKUP_AND_ADD, cpu=1 % possible_cpus())
    assert ours == kernel
    kernel_value, our_value = pair.contents(k32(1))
    assert our_value == kernel_value  # per-CPU: exactly one CPU's value changed, on both


def test_percpu_hash_insert_zeroes_the_other_cpus(pairs: list[Pair]) -> None:
    for map_type in (PH, LPH):
        pair = Pair(map_type, 4, 8, 4)
        pairs.append(pair)
        kernel, ours = pair.run(update_program(7, 0, 0x1122), cpu=possible_cpus() - 1)
        assert kernel == ours == 0
        kernel_value, our_value = pair.contents(k32(7))
        assert our_value == kernel_value == [0] * (possible_cpus() - 1) + [0x1122]


def for_each_program(limit: int, flags: int = 0) -> str:
    """Sum values into a stack slot until the sum reaches ``limit``; return visited << 16 | sum."""
    return f"""
        *(u64 *)(r10 - 8) = 0
        r1 = map_fd(m) ll
        r2 = func(callback) ll
        r3 = r10
        r3 += -8
        r4 = {flags}
        call bpf_for_each_map_elem
        r0 <<= 16
        r1 = *(u64 *)(r10 - 8)
        r0 |= r1
        exit
    callback:
        r5 = *(u64 *)(r3 + 0)
        r1 = *(u64 *)(r4 + 0)
        r1 += r5
        *(u64 *)(r4 + 0) = r1
        r0 = 0
        if r1 < {limit} goto done
        r0 = 1
    done:
        exit
    """


@pytest.mark.parametrize(("map_type", "limit"), [(A, 3), (A, 10), (A, 1000), (H, 1000), (PA, 7), (LH, 1000)])
def test_for_each_map_elem(pairs: list[Pair], map_type: int, limit: int) -> None:
    pair = Pair(map_type, 4, 8, 6)
    pairs.append(pair)
    for k in range(6 if map_type in (A, PA) else 4):
        pair.put(k32(k), k + 1)
    kernel, ours = pair.run(for_each_program(limit))
    assert ours == kernel
    assert kernel >> 16 in range(1, 7)


def test_for_each_map_elem_flags(pairs: list[Pair]) -> None:
    pair = Pair(A, 4, 8, 2)
    pairs.append(pair)
    kernel, ours = pair.run(for_each_program(10, flags=1))
    assert ours == kernel == (-errno.EINVAL << 16) & 0xFFFFFFFF


def test_queue_push_pop(pairs: list[Pair]) -> None:
    kfd = map_create(uapi.BPF_MAP_TYPE_QUEUE, 0, 8, 2)
    handle, obj = user_map(uapi.BPF_MAP_TYPE_QUEUE, 0, 8, 2)
    text = """
        r6 = 0
    push:
        *(u64 *)(r10 - 8) = r6
        r1 = map_fd(m) ll
        r2 = r10
        r2 += -8
        r3 = 0
        if r6 < 3 goto go
        r3 = 2
    go:
        call bpf_map_push_elem
        r6 += 1
        if r6 < 4 goto push
        r7 = r0
        r1 = map_fd(m) ll
        r2 = r10
        r2 += -16
        call bpf_map_pop_elem
        r8 = *(u64 *)(r10 - 16)
        r1 = map_fd(m) ll
        r2 = r10
        r2 += -16
        call bpf_map_peek_elem
        r0 <<= 8
        r0 |= r8
        r0 <<= 8
        r7 &= 0xff
        r0 |= r7
        exit
    """
    try:
        assert run_pybpf(text, handle.fd, obj) == run_kernel(text, kfd)
    finally:
        os.close(kfd)
        handle.close()
