"""bpf_for_each_map_elem on pybpf: real key/value pointers, per-CPU values, callbacks that mutate."""

from __future__ import annotations

import struct

import pytest

import pybpf
from pybpf import uapi
from pybpf.helpers import RunEnv, default_registry
from pybpf.helpers.map_access import MapAccess, ProgramMaps
from pybpf.maps.object import MapObject
from pybpf.vm.interpreter import Interpreter
from tests.helpers.support import user_map

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

# Sum key * 1000 + value over the elements; the callback deletes each element it visits when
# r4's context word says so (a hash callback may delete, as in the kernel).
PROGRAM = """
    *(u64 *)(r10 - 8) = 0
    *(u64 *)(r10 - 16) = {delete}
    r1 = map_fd(m) ll
    r2 = func(callback) ll
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_for_each_map_elem
    r6 = r0
    r0 = *(u64 *)(r10 - 8)
    r6 <<= 32
    r0 |= r6
    exit
callback:
    r6 = r1
    r7 = r2
    r8 = r4
    r1 = *(u32 *)(r2 + 0)
    r1 *= 1000
    r5 = *(u64 *)(r3 + 0)
    r1 += r5
    r5 = *(u64 *)(r8 + 8)
    r5 += r1
    *(u64 *)(r8 + 8) = r5
    r0 = 0
    r5 = *(u64 *)(r8 + 0)
    if r5 == 0 goto done
    r1 = r6
    r2 = r7
    call bpf_map_delete_elem
    r0 = 0
done:
    exit
"""


def run(fd: int, obj: MapObject, delete: bool, cpu: int = 0) -> tuple[int, int]:
    prog = pybpf.assemble(PROGRAM.format(delete=int(delete)), "kernel", maps={"m": fd})
    vm = Interpreter(prog, helpers=default_registry(), resolved={2: obj.pointer})
    regions = len(vm.memory.regions)
    with MapAccess(vm.memory, ProgramMaps.of([obj])) as access:
        result = vm.run(env=RunEnv(cpu=cpu, maps=access))
        assert not access.regions  # each value was the callback's only: none is left
    assert len(vm.memory.regions) == regions  # nor is the key copy
    return result >> 32, result & 0xFFFFFFFF


@pytest.mark.parametrize("delete", [False, True])
def test_hash_walk_with_deleting_callback(delete: bool) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_HASH, 4, 8, 8)
    with handle:
        for key in range(1, 6):
            handle[struct.pack("<I", key)] = struct.pack("<Q", key * 3)
        visited, total = run(handle.fd, obj, delete)
        assert (visited, total) == (5, sum(k * 1000 + k * 3 for k in range(1, 6)))
        assert len(list(handle.keys())) == (0 if delete else 5)


def test_percpu_array_walk_sees_the_running_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYBPF_NR_CPUS", "3")
    handle, obj = user_map(uapi.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 2)
    with handle:
        for key in range(2):
            handle[struct.pack("<I", key)] = b"".join(struct.pack("<Q", 10 * key + cpu) for cpu in range(3))
        assert run(handle.fd, obj, False, cpu=2) == (2, (0 + 2) + (1000 + 12))


def test_lru_walk_does_not_refresh() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 2)
    with handle:
        first, second, third = (struct.pack("<I", k) for k in (1, 2, 3))
        handle[first], handle[second] = struct.pack("<Q", 1), struct.pack("<Q", 2)
        assert run(handle.fd, obj, False)[0] == 2
        handle[third] = struct.pack("<Q", 3)
        assert first not in handle  # still the least recently used after the walk
