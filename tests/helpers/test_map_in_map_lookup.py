"""A program's lookup in a map-in-map gives the inner map, which it may then use -- on pybpf as on Linux.

The kernel's ``array_of_map_lookup_elem`` / ``htab_of_map_lookup_elem`` return the inner map
itself; the verifier lets the program pass it to the map helpers.  pybpf's helpers accept it as a
map of the run (``MapAccess.inner_map``) and nothing else: not another map with the same shape,
not the inner map pointer plus an offset.
"""

from __future__ import annotations

import errno
import struct

import pytest

from pybpf import Map, Program, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.libbpf import MapCreateOpts, bpf_map_create
from pybpf.maps.object import MapObject

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

ARRAY = uapi.BPF_MAP_TYPE_ARRAY

# outer[r6] -> inner; inner[1] += 5 through a looked-up pointer; then inner[0] = 7 through update;
# r0 = 100 * (inner[1] after the add) + number of helpers that answered as expected.
PROGRAM = """
    r6 = {slot}
    *(u32 *)(r10 - 4) = r6
    r1 = map_fd(outer) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto empty
    r7 = r0
    *(u32 *)(r10 - 8) = 1
    r1 = r7
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    if r0 == 0 goto empty
    r1 = 5
    lock *(u64 *)(r0 + 0) += r1
    r8 = *(u64 *)(r0 + 0)
    *(u32 *)(r10 - 8) = 0
    *(u64 *)(r10 - 16) = 7
    r1 = r7
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
    r0 *= 1000
    r8 *= 100
    r0 += r8
    exit
empty:
    r0 = 1
    exit
"""


def _outer(backend: Backend, map_type: int, template: Map) -> Map:
    fd = bpf_map_create(map_type, "outer", 4, 4, 4, MapCreateOpts(inner_map_fd=template.fd), backend=backend)
    return Map.from_fd(fd, backend=backend)


@pytest.mark.parametrize("outer_type", [uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, uapi.BPF_MAP_TYPE_HASH_OF_MAPS])
def test_a_lookup_gives_the_inner_map(backend: Backend, outer_type: int) -> None:
    inner = Map.create(ARRAY, 4, 8, 2, backend=backend)
    outer = _outer(backend, outer_type, inner)
    with inner, outer:
        inner[struct.pack("<I", 1)] = struct.pack("<Q", 40)
        outer[struct.pack("<I", 2)] = struct.pack("<I", inner.fd)
        results = []
        for slot in (2, 3):  # a slot holding the inner map, an empty one
            with Program.load(PROGRAM.format(slot=slot), maps={"outer": outer}, backend=backend) as prog:
                results.append(prog.run(bytes(64)).retval)
        assert results == [4500, 1]  # update returned 0; inner[1] was 45
        assert inner[struct.pack("<I", 0)] == struct.pack("<Q", 7)
        assert inner[struct.pack("<I", 1)] == struct.pack("<Q", 45)


def test_only_the_inner_map_handed_out_is_reachable() -> None:
    backend = UserBackend()
    inner = Map.create(ARRAY, 4, 8, 2, backend=backend)
    twin = Map.create(ARRAY, 4, 8, 2, backend=backend)  # same shape, never stored in the outer map
    outer = _outer(backend, uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, inner)
    with inner, twin, outer:
        outer[struct.pack("<I", 0)] = struct.pack("<I", inner.fd)
        twin_pointer = MapObject.from_fd(twin.fd).pointer
        for forged in (f"r1 = {twin_pointer:#x} ll", "r1 = r7\nr1 += 8"):
            text = PROGRAM.format(slot=0).replace(
                "    r1 = r7\n    r2 = r10\n    r2 += -8\n", f"{forged}\nr2 = r10\nr2 += -8\n", 1
            )
            with pytest.raises(BPFError) as refused:  # the verifier refuses it, as the kernel's does
                Program.load(text, maps={"outer": outer}, backend=backend)
            assert refused.value.errno == errno.EACCES
        assert twin[struct.pack("<I", 1)] == bytes(8)
