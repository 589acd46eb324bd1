"""Partly known kernel-object images (``pybpf.helpers.known_bytes``) in an address space: the known
runs read as registered, a load touching an unknown byte raises ``UnknownMemoryError`` (which a probe
load does not turn into 0), and memory nobody registered still faults the ordinary way."""

from __future__ import annotations

import ctypes

import pytest

from pybpf.errors import MemoryAccessError, UnknownMemoryError
from pybpf.helpers.known_bytes import KnownBytes, register, unregister
from pybpf.memory.regions import Memory
from pybpf.vm.probe import probing


def _image() -> tuple[Memory, ctypes.Array[ctypes.c_char], KnownBytes]:
    buffer = (ctypes.c_char * 32)(*range(1, 33))
    known = KnownBytes(32)
    known.mark(0, 8)
    known.mark(8, 4)  # adjacent: one run with the first
    known.mark(20, 4)
    return Memory(), buffer, known


def test_runs_merge_adjacent_known_bytes() -> None:
    _, _, known = _image()
    assert known.runs() == [(0, 12, True), (12, 20, False), (20, 24, True), (24, 32, False)]
    assert known.known(4, 8) and not known.known(10, 4) and not known.known(30, 4)


def test_known_bytes_read_and_unknown_ones_stop() -> None:
    memory, buffer, known = _image()
    regions = register(memory, buffer, known, "struct thing")
    base = ctypes.addressof(buffer)
    assert memory.read(base + 4, 8) == bytes(range(5, 13))  # across two marks: one region
    assert memory.load(base + 20, 4) == int.from_bytes(bytes(range(21, 25)), "little")
    for address, size in ((base + 12, 4), (base + 8, 8), (base + 28, 8), (base + 19, 2)):
        with pytest.raises(UnknownMemoryError, match="struct thing"):
            memory.read(address, size)
    with pytest.raises(MemoryAccessError) as caught:
        memory.read(base + 32 + 4096, 4)
    assert not isinstance(caught.value, UnknownMemoryError)
    unregister(memory, regions)
    assert not regions and not memory.regions


def test_a_probe_load_of_unknown_bytes_stops() -> None:
    memory, buffer, known = _image()
    register(memory, buffer, known, "struct thing")
    base = ctypes.addressof(buffer)
    loads = ("load1", "load2", "load4", "load8", "loads1", "loads2", "loads4")
    namespace: dict[str, object] = {f"_{name.replace('load', 'ld')}": getattr(memory, name) for name in loads}
    namespace["_fill"] = memory.filler()
    probing(namespace, {7})
    load4 = namespace["_ld4"]
    assert callable(load4)
    assert load4(base + 20, 7) == int.from_bytes(bytes(range(21, 25)), "little")
    assert load4(0x10, 7) == 0  # no memory: a probe load reads 0
    with pytest.raises(UnknownMemoryError):
        load4(base + 12, 7)
