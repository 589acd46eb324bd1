"""The ELF reader (``pybpf.elf.reader``) gives every object of the repository the facts pyelftools
reads from it: the sections' headers, names and bytes and the symbols, with pybpf's numbering of the
special section indexes, bindings and types; a relocation naming a symbol past the table is refused."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from pybpf.elf.errors import ELFError
from pybpf.elf.reader import read_elf

REPO = Path(__file__).resolve().parents[2]
OBJECTS = sorted([*REPO.glob("tests/data/c/*.o"), *REPO.glob("examples/c/*.o")])


def _number(value: object, names: dict[str, int]) -> int:
    return value if isinstance(value, int) else names[str(value)]


@pytest.mark.parametrize("path", OBJECTS, ids=[p.name for p in OBJECTS])
def test_as_pyelftools_reads_it(path: Path) -> None:
    data = path.read_bytes()
    ours = read_elf(data, path.name)
    theirs = ELFFile(io.BytesIO(data))
    assert len(ours.sections) == theirs.num_sections()
    for mine, section in zip(ours.sections, theirs.iter_sections(), strict=True):
        header = section.header
        assert (mine.name, mine.flags, mine.size) == (section.name, header["sh_flags"], header["sh_size"])
        assert (mine.link, mine.info) == (header["sh_link"], header["sh_info"])
        assert mine.entsize == header["sh_entsize"]
        if mine.type != 8 and mine.index:  # SHT_NOBITS holds no bytes
            assert mine.data == section.data()
    symtab = theirs.get_section_by_name(".symtab")
    assert isinstance(symtab, SymbolTableSection)
    special = {"SHN_UNDEF": 0, "SHN_ABS": 0xFFF1, "SHN_COMMON": 0xFFF2}
    binds = {"STB_LOCAL": 0, "STB_GLOBAL": 1, "STB_WEAK": 2}
    types = {"STT_NOTYPE": 0, "STT_OBJECT": 1, "STT_FUNC": 2, "STT_SECTION": 3, "STT_FILE": 4}
    for mine, symbol in zip(ours.symbols, symtab.iter_symbols(), strict=True):
        entry = symbol.entry
        assert (mine.name, mine.value, mine.size) == (symbol.name, entry["st_value"], entry["st_size"])
        assert mine.shndx == _number(entry["st_shndx"], special)
        assert mine.bind == _number(entry["st_info"]["bind"], binds)
        assert mine.type == _number(entry["st_info"]["type"], types)


def test_a_bad_relocation_is_refused() -> None:
    data = bytearray((REPO / "examples/c/xdp_guard.o").read_bytes())
    elf = read_elf(bytes(data), "xdp_guard.o")
    records = next(recs for recs in elf.relocations.values() if recs)
    rel = elf.sections[records[0].section]
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    offset = struct.unpack_from("<Q", data, shoff + rel.index * 64 + 24)[0]
    struct.pack_into("<Q", data, offset + 8, (len(elf.symbols) + 5) << 32 | records[0].type)
    with pytest.raises(ELFError, match=r"symbol index .* out of range"):
        read_elf(bytes(data), "xdp_guard.o")
