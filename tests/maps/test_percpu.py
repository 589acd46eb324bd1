"""BPF_MAP_TYPE_PERCPU_ARRAY / PERCPU_HASH: creation errnos and the per-CPU value layout, both backends.

User space sees ``nr_cpus`` slots of ``round_up(value_size, 8)`` bytes per element: updates through
``bpf()`` copy ``bpf_map_value_size()`` bytes (the whole per-CPU block) from the attr's value pointer,
as the kernel does; the map implementation itself is checked directly in
``test_user_impl_update_layout``.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.maps.object import MapObject
from pybpf.maps.percpu import PercpuArrayMap, possible_cpus
from pybpf.maps.registry import lookup_map_type

from .helpers import create, create_outcome, delete, lookup, next_key, u32, update

ENOENT, EINVAL, EEXIST, E2BIG = ("errno", errno.ENOENT), ("errno", errno.EINVAL), \
    ("errno", errno.EEXIST), ("errno", errno.E2BIG)  # fmt: skip
PA, PH = uapi.BPF_MAP_TYPE_PERCPU_ARRAY, uapi.BPF_MAP_TYPE_PERCPU_HASH
NCPU = possible_cpus()


def test_default_cpu_count_is_the_kernels() -> None:
    with open("/sys/devices/system/cpu/possible", encoding="ascii") as possible:
        text = possible.read().strip()
    if "PYBPF_NR_CPUS" not in os.environ:  # what libbpf_num_possible_cpus() gives for the kernel
        count = sum(int(p.split("-")[-1]) - int(p.split("-")[0]) + 1 for p in text.split(","))
        assert count == NCPU


@pytest.mark.parametrize(
    ("map_type", "key_size", "value_size", "flags"),
    [
        (PA, 4, 8, 0),
        (PA, 8, 8, 0),
        (PA, 4, 0, 0),
        (PA, 4, 8, uapi.BPF_F_MMAPABLE),
        (PA, 4, 8, uapi.BPF_F_NUMA_NODE),
        (PA, 4, 8, uapi.BPF_F_INNER_MAP),
        (PA, 4, 32768, 0),
        (PA, 4, 32761, 0),
        (PA, 4, 32769, 0),
        (PA, 4, 8, uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG),
        (PH, 4, 8, 0),
        (PH, 0, 8, 0),
        (PH, 4, 32769, 0),
        (PH, 4, 8, uapi.BPF_F_NO_PREALLOC),
        (PH, 4, 8, uapi.BPF_F_NO_COMMON_LRU),
        (PH, 4, 8, uapi.BPF_F_NUMA_NODE),
        (PH, 4, 8, uapi.BPF_F_MMAPABLE),
    ],
)
def test_create_errnos(backend: Backend, map_type: int, key_size: int, value_size: int, flags: int) -> None:
    expected = {
        (PA, 4, 8, 0): "ok",
        (PA, 4, 32768, 0): "ok",
        (PA, 4, 32761, 0): "ok",
        (PH, 4, 8, 0): "ok",
        (PH, 4, 8, uapi.BPF_F_NO_PREALLOC): "ok",
        (PA, 4, 32769, 0): E2BIG,
        (PH, 4, 32769, 0): E2BIG,
    }.get((map_type, key_size, value_size, flags), EINVAL)
    assert create_outcome(backend, map_type, key_size, value_size, 4, flags) == expected


@pytest.fixture
def parray(backend: Backend) -> Iterator[int]:
    fd = create(backend, PA, 4, 4, 3)
    yield fd
    os.close(fd)


@pytest.fixture
def phash(backend: Backend) -> Iterator[int]:
    fd = create(backend, PH, 4, 12, 2)
    yield fd
    os.close(fd)


def test_array_lookup_layout(backend: Backend, parray: int) -> None:
    assert lookup(backend, parray, u32(0), 8 * NCPU) == bytes(8 * NCPU)
    assert lookup(backend, parray, u32(3), 8 * NCPU) == ENOENT
    assert next_key(backend, parray, None, 4) == u32(0)
    assert next_key(backend, parray, u32(2), 4) == ENOENT
    assert delete(backend, parray, u32(0)) == EINVAL


def test_array_update_errnos(backend: Backend, parray: int) -> None:
    block = bytes(range(8 * NCPU))
    assert update(backend, parray, u32(0), block, 4) == EINVAL
    assert update(backend, parray, u32(0), block, uapi.BPF_NOEXIST) == EEXIST
    assert update(backend, parray, u32(3), block) == E2BIG
    assert update(backend, parray, u32(1), block, uapi.BPF_EXIST) == "ok"
    assert lookup(backend, parray, u32(1), 8 * NCPU) == block  # padding bytes are kept, as the kernel's
    assert lookup(backend, parray, u32(0), 8 * NCPU) == bytes(8 * NCPU)


def test_hash_roundtrip(backend: Backend, phash: int) -> None:
    size = 16 * NCPU
    assert lookup(backend, phash, u32(1), size) == ENOENT
    one, two = b"\x01" * size, bytes(range(size))
    assert update(backend, phash, u32(1), one, uapi.BPF_EXIST) == ENOENT
    assert update(backend, phash, u32(1), one, uapi.BPF_NOEXIST) == "ok"
    assert update(backend, phash, u32(1), two, uapi.BPF_NOEXIST) == EEXIST
    assert update(backend, phash, u32(2), two) == "ok"
    assert update(backend, phash, u32(3), two) == E2BIG
    assert lookup(backend, phash, u32(1), size) == one
    assert lookup(backend, phash, u32(2), size) == two
    assert delete(backend, phash, u32(1)) == "ok"
    assert delete(backend, phash, u32(1)) == ENOENT
    assert next_key(backend, phash, None, 4) == u32(2)


def test_user_impl_update_layout(backend: Backend) -> None:
    """The implementation stores and returns whole per-CPU blocks (user backend only)."""
    if backend.name != "user":
        pytest.skip("checks pybpf's map implementation directly")
    for map_type, value_size in ((PA, 4), (PH, 12)):
        fd = create(backend, map_type, 4, value_size, 3)
        try:
            obj = MapObject.from_fd(fd)
            size = ((value_size + 7) // 8 * 8) * NCPU
            block = bytes(i % 251 for i in range(size))
            with obj.lock:
                with pytest.raises(OSError, match="per-CPU") as short:
                    obj.impl.update(u32(1), block[:value_size], 0)
                assert short.value.errno == errno.EINVAL
                obj.impl.update(u32(1), block, 0)
            assert lookup(backend, fd, u32(1), size) == block
            assert next_key(backend, fd, u32(1), 4) in (u32(2), ENOENT)
        finally:
            os.close(fd)


def test_cpu_count_fixed_at_creation(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    if backend.name != "user":
        pytest.skip("PYBPF_NR_CPUS is pybpf's")
    monkeypatch.setenv("PYBPF_NR_CPUS", "3")
    fd = create(backend, PA, 4, 4, 2)
    try:
        obj = MapObject.from_fd(fd)
        assert lookup(backend, fd, u32(1), 24) == bytes(24)
        monkeypatch.setenv("PYBPF_NR_CPUS", "5")
        again = PercpuArrayMap(obj.params, obj.impl.mem)  # another process's view: reads the stored count
        assert again.nr_cpus == 3
        assert lookup_map_type(PA) is PercpuArrayMap
    finally:
        os.close(fd)


def test_pythonic_map_takes_whole_percpu_blocks(backend: Backend) -> None:
    from pybpf.map import Map

    with Map.create(PA, 4, 4, 2, backend=backend) as m:
        assert m.user_value_size == 8 * NCPU
        block = b"".join(i.to_bytes(8, "little") for i in range(1, NCPU + 1))
        m[1] = block
        assert m[1] == block
        with pytest.raises(ValueError):
            m[0] = bytes(4)  # one CPU's value is not a per-CPU block


@pytest.mark.parametrize("map_type", [uapi.BPF_MAP_TYPE_HASH, PH])
def test_no_common_lru_only_for_lru_maps(backend: Backend, map_type: int) -> None:
    from pybpf.map import Map

    with pytest.raises(BPFError) as exc:
        Map.create(map_type, 4, 8, 4, uapi.BPF_F_NO_COMMON_LRU, backend=backend)
    assert exc.value.errno == errno.EINVAL
