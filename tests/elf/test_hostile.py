"""Hostile objects: truncated, corrupt or foreign ELF files fail with an ``ELFError`` naming the part at
fault -- never another exception, a hang or a huge allocation.  Hand-made corruptions of real objects
(section offsets and sizes, relocations, symbols, BTF, .BTF.ext, machine and class) and a hypothesis
fuzz over mutated objects, kept within CI time by a deadline per example.
"""

from __future__ import annotations

import errno
import struct
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import BPFError
from pybpf.elf import ELFError, read_object
from pybpf.elf.link import link_program
from tests.elf.corpus import obj_path

_SHDR = struct.Struct("<IIQQQQIIQQ")  # Elf64_Shdr
FIELDS = ("name", "type", "flags", "addr", "offset", "size", "link", "info", "addralign", "entsize")


def original(name: str = "xdp_firewall") -> bytearray:
    return bytearray(obj_path(name).read_bytes())


def sections(data: bytes) -> list[tuple[str, int, dict[str, int]]]:
    """(name, header offset, fields) of every section header of ``data``."""
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    count, strndx = struct.unpack_from("<HH", data, 0x3C)
    headers = []
    for i in range(count):
        at = shoff + i * _SHDR.size
        headers.append((at, dict(zip(FIELDS, _SHDR.unpack_from(data, at), strict=True))))
    strtab = headers[strndx][1]
    names = bytes(data[strtab["offset"] : strtab["offset"] + strtab["size"]])
    return [(names[h["name"] : names.index(b"\0", h["name"])].decode(), at, h) for at, h in headers]


def section(data: bytes, name: str) -> tuple[int, dict[str, int]]:
    for found, at, fields in sections(data):
        if found == name:
            return at, fields
    raise KeyError(name)


def set_field(data: bytearray, name: str, field: str, value: int) -> None:
    at, fields = section(data, name)
    fields[field] = value
    data[at : at + _SHDR.size] = _SHDR.pack(*(fields[f] for f in FIELDS))


def refused(data: bytes | bytearray, *words: str) -> ELFError:
    with pytest.raises(ELFError) as caught:
        read_object(bytes(data), "hostile.o")
    message = str(caught.value)
    assert "hostile.o" in message
    for word in words:
        assert word in message, message
    return caught.value


# -- not a BPF object ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", ("not an ELF file",)),
        (b"hello world, not an object", ("not an ELF file",)),
        (b"\x7fELF\x02\x01\x01", ("truncated ELF header",)),
        (b"\x7fELF\x01\x01\x01" + bytes(57), ("not a 64-bit ELF",)),
        (b"\x7fELF\x02\x02\x01" + bytes(57), ("big-endian",)),
        (b"\x7fELF\x02\x07\x01" + bytes(57), ("bad ELF data encoding",)),
    ],
)
def test_not_a_bpf_object(data: bytes, words: tuple[str, ...]) -> None:
    refused(data, *words)


def test_another_machine_or_type() -> None:
    data = original()
    struct.pack_into("<H", data, 18, 62)  # EM_X86_64
    refused(data, "not a BPF object", "machine 62")
    data = original()
    struct.pack_into("<H", data, 16, 2)  # ET_EXEC
    refused(data, "not a relocatable object")


def test_a_missing_file_keeps_its_errno(tmp_path: object) -> None:
    with pytest.raises(ELFError) as caught:
        read_object("/nonexistent/prog.o")
    assert caught.value.errno == errno.ENOENT
    assert isinstance(caught.value, BPFError) and isinstance(caught.value, OSError)


# -- corrupt section headers and contents --------------------------------------------------------------------
def test_section_outside_the_file() -> None:
    data = original()
    set_field(data, "xdp", "offset", len(data) + 100)
    refused(data, "'xdp'", "outside")
    data = original()
    set_field(data, "xdp", "size", 1 << 40)
    refused(data, "'xdp'", "outside")


def test_truncated_files() -> None:
    data = original()
    for cut in (64, 200, len(data) // 2, len(data) - 8):
        with pytest.raises(ELFError):
            read_object(bytes(data[:cut]), "hostile.o")


def test_section_header_table_past_the_end() -> None:
    data = original()
    struct.pack_into("<Q", data, 0x28, len(data) - 10)
    refused(data)
    data = original()
    struct.pack_into("<H", data, 0x3C, 0)  # e_shnum 0: the count comes from section 0's size
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    struct.pack_into("<Q", data, shoff + 32, 1 << 40)
    refused(data, "section headers do not fit")


def test_huge_bss() -> None:
    src = original("global_vars")
    set_field(src, ".bss", "size", 1 << 40)
    start = time.perf_counter()
    error = refused(src, ".bss", "limit")
    assert error.errno == errno.E2BIG
    assert time.perf_counter() - start < 1


def test_code_not_a_whole_number_of_instructions() -> None:
    data = original()
    _, fields = section(data, "xdp")
    set_field(data, "xdp", "size", fields["size"] - 3)
    refused(data, "'xdp'")


def test_symbol_table_with_a_bad_entry_size() -> None:
    data = original()
    set_field(data, ".symtab", "entsize", 7)
    refused(data, "symbol table", "entry size")


# -- relocations ---------------------------------------------------------------------------------------------
def _first_relocation(data: bytearray, section_name: str = ".relxdp") -> int:
    _, fields = section(data, section_name)
    return fields["offset"]


def test_relocation_outside_its_section() -> None:
    data = original()
    at = _first_relocation(data)
    struct.pack_into("<Q", data, at, 1 << 20)
    refused(data, "relocation #0", "not an instruction")


def test_relocation_off_an_instruction_boundary() -> None:
    data = original()
    at = _first_relocation(data)
    offset = struct.unpack_from("<Q", data, at)[0]
    struct.pack_into("<Q", data, at, offset + 3)
    refused(data, "relocation #0")


def test_unknown_relocation_type() -> None:
    data = original()
    at = _first_relocation(data)
    info = struct.unpack_from("<Q", data, at + 8)[0]
    struct.pack_into("<Q", data, at + 8, (info & ~0xFFFFFFFF) | 77)
    refused(data, "unknown relocation type 77")


def test_bad_symbol_index() -> None:
    data = original()
    at = _first_relocation(data)
    info = struct.unpack_from("<Q", data, at + 8)[0]
    struct.pack_into("<Q", data, at + 8, (0xFFFF << 32) | (info & 0xFFFFFFFF))
    refused(data, "symbol index 65535 out of range")


def test_relocation_of_a_plain_instruction() -> None:
    data = original()
    at = _first_relocation(data)
    offset = struct.unpack_from("<Q", data, at)[0]
    struct.pack_into("<Q", data, at, offset - 8 if offset >= 8 else offset + 16)
    with pytest.raises(ELFError, match="relocation #0"):
        read_object(bytes(data), "hostile.o")


# -- BTF and .BTF.ext ----------------------------------------------------------------------------------------
def _btf_type_section(data: bytearray) -> int:
    _, fields = section(data, ".BTF")
    hdr_len = struct.unpack_from("<I", data, fields["offset"] + 4)[0]
    type_off = struct.unpack_from("<I", data, fields["offset"] + 8)[0]
    return fields["offset"] + hdr_len + type_off


def test_btf_with_a_type_id_out_of_range() -> None:
    data = original()
    at = _btf_type_section(data)  # type 1 is a PTR: its type word points anywhere we like
    struct.pack_into("<I", data, at + 8, 0xFFFFF)
    refused(data, ".BTF", "out of range")


def test_btf_with_a_loop() -> None:
    data = original()
    at = _btf_type_section(data)
    kind = struct.unpack_from("<I", data, at + 4)[0]
    assert (kind >> 24) & 0x1F == 2  # PTR [1] -> ... make it point at itself through a typedef loop
    struct.pack_into("<II", data, at + 4, 8 << 24, 1)  # TYPEDEF [1] -> [1], without a name
    with pytest.raises(ELFError):
        read_object(bytes(data), "hostile.o")


def test_btf_with_a_bad_magic() -> None:
    data = original()
    _, fields = section(data, ".BTF")
    data[fields["offset"]] ^= 0xFF
    refused(data, ".BTF", "magic")


def test_btf_ext_with_huge_counts() -> None:
    data = original()
    _, fields = section(data, ".BTF.ext")
    base = fields["offset"]
    hdr_len, func_off = struct.unpack_from("<II", data, base + 4)
    struct.pack_into("<I", data, base + hdr_len + func_off + 8, 0x7FFFFFFF)  # first block's num_info
    start = time.perf_counter()
    refused(data, ".BTF.ext", "func_info block #0", "run past")
    assert time.perf_counter() - start < 1


def test_btf_ext_with_a_bad_record_size() -> None:
    data = original()
    _, fields = section(data, ".BTF.ext")
    base = fields["offset"]
    hdr_len, func_off = struct.unpack_from("<II", data, base + 4)
    struct.pack_into("<I", data, base + hdr_len + func_off, 3)
    refused(data, ".BTF.ext", "record size 3")


# -- the fuzz ------------------------------------------------------------------------------------------------
SEEDS = (
    "xdp_firewall",
    "map_in_map",
    "tail_calls",
    "bpf_loop",
    "kconfig_externs",
    "legacy_maps",
    "core_access",
)
_ORIGINALS = {name: bytes(obj_path(name).read_bytes()) for name in SEEDS}


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(_ORIGINALS[draw(st.sampled_from(SEEDS))])
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(("byte", "word", "zero", "ones")))
        if how == "byte":
            data[at] = draw(st.integers(0, 255))
        elif how == "word" and at + 4 <= len(data):
            struct.pack_into("<I", data, at, draw(st.integers(0, 2**32 - 1)))
        elif how == "zero":
            data[at : at + 8] = bytes(len(data[at : at + 8]))
        else:
            data[at : at + 8] = b"\xff" * len(data[at : at + 8])
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(mutated())
def test_mutated_objects_fail_cleanly(data: bytes) -> None:
    """Reading (and linking every program of) a mutated object either works or raises ELFError."""
    try:
        spec = read_object(data, "mutated.o")
    except ELFError:
        return
    for program in spec.programs.values():
        try:
            linked = link_program(spec, program)
        except ELFError:
            continue
        assert linked.slots <= 1_000_000
