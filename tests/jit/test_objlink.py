"""pybpf's own linker of cached objects (``pybpf.jit.objlink``): code it links runs as LLVM's MCJIT-linked
code does, lies in a read-only executable mapping, and any object it does not handle -- another
relocation type, an undefined symbol nothing defines, a damaged file -- is left to MCJIT (None),
never half-linked."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from pybpf import uapi
from pybpf.helpers import RunEnv
from pybpf.helpers.map_access import MapAccess, ProgramMaps
from pybpf.jit import cache, codegen
from pybpf.jit.lower import RUN_FUNCTION
from pybpf.jit.objlink import LinkedImage, link_object
from tests.helpers.support import user_map
from tests.jit.test_native_cache import engines

Q = struct.Struct("<Q")
_SHDR = struct.Struct("<IIQQQQIIQQ")


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "jit"
    monkeypatch.setenv(cache.DIRECTORY_VARIABLE, str(directory))
    codegen.clear_cache()
    cache._current = None
    return directory


def _runs(linker: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[int], bytes]:
    """The native-cache program (a clock read and an array lookup) linked by ``linker``: the kind of
    what holds its code, its results over its own map, its object."""
    monkeypatch.setenv(codegen.LINKER_VARIABLE, linker)
    codegen.clear_cache()
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 8)
    with handle:
        _, jit = engines(obj)
        for key in range(8):
            handle.update(struct.pack("<I", key), Q.pack(100 + key))
        with MapAccess(jit.memory, ProgramMaps.of([obj])) as access:
            results = [jit.run(registers={1: key}, env=RunEnv(maps=access)) for key in (1, 5, 5, 9)]
        return type(jit.compiled._engine).__name__, results, jit.compiled.object_code


def test_objlink_and_mcjit_link_the_same_object_to_the_same_behaviour(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = _runs("", monkeypatch)
    llvm = _runs("llvm", monkeypatch)
    assert ours[0] == "LinkedImage" and llvm[0] != "LinkedImage"
    assert ours[1] == llvm[1] == [102, 110, 115, 999]
    assert ours[2] == llvm[2]  # one object, cached once


def _object(monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, dict[str, int]]:
    """A compiled object with relocations (a map and the C library) and what its symbols bind to."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 8)
    with handle:
        _, jit = engines(obj)
        code = jit.compiled.object_code
        from pybpf.jit.lower import ADDRESS_SYMBOL, RESOLVED_SYMBOL

        bound = {RESOLVED_SYMBOL.format(slot=slot): value for slot, value in jit.resolved.items()}
        addresses = jit.native.addresses().items()
        bound.update((ADDRESS_SYMBOL.format(role=role), value) for role, value in addresses)
        return code, bound


def _rela_sections(obj: bytes) -> list[tuple[int, int]]:
    """(file offset, size) of every SHT_RELA section patching code."""
    (shoff,) = struct.unpack_from("<Q", obj, 0x28)
    (shnum,) = struct.unpack_from("<H", obj, 0x3C)
    headers = [_SHDR.unpack_from(obj, shoff + i * _SHDR.size) for i in range(shnum)]
    return [(h[4], h[5]) for h in headers if h[1] == 4 and headers[h[7]][2] & 0x4]


def test_the_linked_code_is_read_only_and_executable(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    obj, bound = _object(monkeypatch)
    image = link_object(obj, bound, RUN_FUNCTION)
    assert isinstance(image, LinkedImage) and RUN_FUNCTION in image.functions
    spans = [line.split() for line in Path("/proc/self/maps").read_text().splitlines()]
    bounds = [(int(s[0].split("-")[0], 16), int(s[0].split("-")[1], 16), s[1]) for s in spans]
    (perms,) = [p for start, end, p in bounds if start <= image.address < end]
    assert perms.startswith("r-x")


def test_what_it_does_not_handle_is_left_to_llvm(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    obj, bound = _object(monkeypatch)
    assert link_object(obj, bound, RUN_FUNCTION) is not None
    relas = _rela_sections(obj)
    assert relas, "the object has code relocations"
    offset, _ = relas[0]
    other_type = bytearray(obj)
    struct.pack_into("<I", other_type, offset + 8, 2)  # R_X86_64_PC32: not an absolute relocation
    unbound = {name: value for name, value in bound.items() if not name.startswith("pybpf_address_map")}
    cases = [
        bytes(other_type),
        obj[: len(obj) // 2],  # truncated
        b"\x7fELF\x02\x01" + bytes(58),
        bytes(len(obj)),
    ]
    for case in cases:
        assert link_object(case, bound, RUN_FUNCTION) is None
    assert link_object(obj, unbound, RUN_FUNCTION) is None  # a symbol nothing defines
    assert link_object(obj, bound, "no_such_function") is None
