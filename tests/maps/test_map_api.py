"""``pybpf.Map`` as a BCC user expects it, on both backends.

Per-CPU values as a list of one typed value per CPU (``sum()`` of a counter), keys and values typed from
the map's BTF, ``clear()``, and iteration through BPF_MAP_LOOKUP_BATCH where the type has it (falling
back to GET_NEXT_KEY where it does not).
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

import pytest

from pybpf import Map, load_object, uapi
from pybpf.kernel.backend import Backend
from tests.elf.corpus import obj_path, sized


class Pair(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("a", ctypes.c_uint32), ("b", ctypes.c_uint16))


def _spy(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The bpf() commands ``backend`` is asked for from now on."""
    seen: list[int] = []
    real = backend.bpf

    def recording(cmd: int, attr: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(cmd)
        return real(cmd, attr, *args, **kwargs)

    monkeypatch.setattr(backend, "bpf", recording)
    return seen


def test_percpu_counter_is_a_list_of_ints_per_cpu(backend: Backend) -> None:
    with Map.create(
        uapi.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 2, backend=backend, key_type=int, value_type=int
    ) as m:
        assert m.percpu and m.nr_cpus >= 1
        values = list(range(1, m.nr_cpus + 1))
        m[1] = values
        assert m[1] == values
        assert sum(m[1]) == sum(values)
        assert m[0] == [0] * m.nr_cpus
        assert dict(m.items())[1] == values
        with pytest.raises(ValueError, match="one a CPU"):
            m[0] = [1] * (m.nr_cpus + 1)


def test_percpu_struct_values_are_typed_per_cpu(backend: Backend) -> None:
    with Map.create(uapi.BPF_MAP_TYPE_PERCPU_HASH, 4, 6, 4, backend=backend, value_type=Pair) as m:
        m[7] = [Pair(cpu, cpu + 100) for cpu in range(m.nr_cpus)]
        got = m[7]
        assert [(p.a, p.b) for p in got] == [(cpu, cpu + 100) for cpu in range(m.nr_cpus)]
        m[7] = bytes(8 * m.nr_cpus)  # the raw form still works
        assert all((p.a, p.b) == (0, 0) for p in m[7])


@pytest.mark.usefixtures("engine")
def test_an_object_percpu_map_is_typed_from_btf_and_sums(backend: Backend) -> None:
    with load_object(obj_path("percpu_maps"), backend=backend) as obj:
        for _ in range(5):
            obj.programs["xdp_percpu"].run(sized(64))
        packets = obj.maps["packets"]
        assert packets.value_type is int
        assert isinstance(packets[0], list) and len(packets[0]) == packets.nr_cpus
        assert sum(packets[0]) == 5
        assert {k: sum(v) for k, v in obj.maps["by_size"].items()} == {1: 5}


@pytest.mark.usefixtures("engine")
def test_type_from_btf_types_a_pinned_map(backend: Backend, pin_dir: Path) -> None:
    with load_object(obj_path("percpu_maps"), backend=backend) as obj:
        obj.programs["xdp_percpu"].run(sized(64))
        obj.maps["by_size"].pin(str(pin_dir / "by_size"))
    with Map.from_pinned(str(pin_dir / "by_size"), backend=backend) as m:
        assert isinstance(m[1], bytes)
        assert m.type_from_btf() is m
        assert (m.key_type, m.value_type) == (int, int)
        assert sum(m[1]) == 1
        assert list(m.keys()) == [1]


def test_clear_empties_a_hash_and_zeroes_an_array(backend: Backend) -> None:
    with Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 4, 300, backend=backend, key_type=int, value_type=int) as h:
        for k in range(200):
            h[k] = k + 1
        h.clear()
        assert len(h) == 0 and list(h.items()) == []
    with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 8, backend=backend, value_type=int) as a:
        for k in range(8):
            a[k] = 9
        a.clear()
        assert list(a.values()) == [0] * 8


def test_items_go_through_lookup_batch(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    with Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 500, backend=backend, key_type=int, value_type=int) as m:
        for k in range(300):  # more than one batch
            m[k] = k * 3
        seen = _spy(backend, monkeypatch)
        items = dict(m.items())
        assert items == {k: k * 3 for k in range(300)}
        assert uapi.BPF_MAP_LOOKUP_BATCH in seen
        assert uapi.BPF_MAP_GET_NEXT_KEY not in seen and uapi.BPF_MAP_LOOKUP_ELEM not in seen
        assert sorted(m.keys()) == list(range(300))
        assert sorted(m.values()) == [k * 3 for k in range(300)]


def test_items_fall_back_to_get_next_key(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    key = bytes([32]) + bytes(3) + bytes([10, 0, 0, 0])  # prefixlen 32, 10.0.0.0
    with Map.create(uapi.BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, uapi.BPF_F_NO_PREALLOC, backend=backend) as m:
        m[key] = 5
        seen = _spy(backend, monkeypatch)
        assert list(m.items()) == [(key, (5).to_bytes(4, "little"))]
        assert seen.count(uapi.BPF_MAP_LOOKUP_BATCH) == 1  # tried once, refused, then GET_NEXT_KEY
