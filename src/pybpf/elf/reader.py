"""Reading an ELF file into plain facts: its sections, symbols and relocations (pyelftools underneath).

Mirrors the ELF reading of libbpf's ``bpf_object__elf_init`` / ``bpf_object__elf_collect`` /
``elf_sym_by_idx`` / ``elf_rel_by_idx`` (tools/lib/bpf/libbpf.c): a relocatable (``ET_REL``) 64-bit
object for ``EM_BPF`` (or machine 0, as libbpf allows) in the host's byte order; each section's name,
type, flags and bytes; the symbol table; the ``SHT_REL`` records grouped by the section they patch.

This is the only module that imports pyelftools.  Every error it or ``struct`` raises is turned into an
:class:`~pybpf.elf.errors.ELFError` naming the file and the section or record, and every size is checked
against the file before anything is read: a section's bytes must lie inside the file (a ``.bss`` of
``SHT_NOBITS`` holds none), compressed sections are refused, symbol and relocation entries must have
their standard sizes, and counts derive from sizes, so hostile headers cannot make it read, allocate or
loop without bound.
"""

from __future__ import annotations

import io
import struct
import sys
from dataclasses import dataclass, field

from elftools.common.exceptions import ELFError as ElftoolsError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from pybpf.elf.errors import ELFError

__all__ = [
    "EM_BPF",
    "R_BPF_64_32",
    "R_BPF_64_64",
    "R_BPF_64_ABS32",
    "R_BPF_64_ABS64",
    "R_BPF_64_NODYLD32",
    "R_BPF_NONE",
    "SHN_UNDEF",
    "ElfObject",
    "ElfRelocation",
    "ElfSection",
    "ElfSymbol",
    "read_elf",
]

EM_BPF = 247
SHT_NOBITS = 8
SHF_WRITE = 0x1
SHF_ALLOC = 0x2
SHF_EXECINSTR = 0x4
SHF_COMPRESSED = 0x800
SHN_UNDEF = 0
SHN_LORESERVE = 0xFF00
SHN_ABS = 0xFFF1
SHN_COMMON = 0xFFF2
STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_SECTION = 0, 1, 2, 3
STB_LOCAL, STB_GLOBAL, STB_WEAK = 0, 1, 2
STV_DEFAULT, STV_INTERNAL, STV_HIDDEN = 0, 1, 2

# ELF relocation types for BPF (llvm/BinaryFormat/ELFRelocs/BPF.def)
R_BPF_NONE = 0
R_BPF_64_64 = 1
R_BPF_64_ABS64 = 2
R_BPF_64_ABS32 = 3
R_BPF_64_NODYLD32 = 4
R_BPF_64_32 = 10

_SYM_SIZE = 24  # sizeof(Elf64_Sym)
_REL_SIZE = 16  # sizeof(Elf64_Rel)
_SHDR_SIZE = 64  # sizeof(Elf64_Shdr)


@dataclass(frozen=True, slots=True)
class ElfSection:
    """One section header and its bytes (``b""`` for ``SHT_NOBITS``, whose ``size`` is still its size)."""

    index: int
    name: str
    type: int
    flags: int
    size: int
    link: int
    info: int
    entsize: int
    data: bytes = b""

    @property
    def nobits(self) -> bool:
        return self.type == SHT_NOBITS

    @property
    def executable(self) -> bool:
        return bool(self.flags & SHF_EXECINSTR)


@dataclass(frozen=True, slots=True)
class ElfSymbol:
    """One ``Elf64_Sym``: ``shndx`` is the section index (``SHN_UNDEF`` for externs)."""

    index: int
    name: str
    value: int
    size: int
    type: int
    bind: int
    visibility: int
    shndx: int


@dataclass(frozen=True, slots=True)
class ElfRelocation:
    """One ``Elf64_Rel`` of the relocation section ``section`` (its index in the file)."""

    index: int
    offset: int
    type: int
    symbol: int
    section: int


@dataclass
class ElfObject:
    """The facts of one ELF file: ``sections[i]`` is section index ``i``; ``relocations[i]`` the records
    that patch section ``i``."""

    name: str
    sections: list[ElfSection]
    symbols: list[ElfSymbol]
    relocations: dict[int, list[ElfRelocation]] = field(default_factory=dict)

    def section(self, index: int) -> ElfSection | None:
        return self.sections[index] if 0 <= index < len(self.sections) else None

    def section_named(self, name: str) -> ElfSection | None:
        for s in self.sections:
            if s.name == name:
                return s
        return None


def read_elf(data: bytes, name: str) -> ElfObject:
    """Read the ELF file ``data`` (``name`` in messages); ``ELFError`` if it is not a usable BPF object."""
    if data[:4] != b"\x7fELF":
        raise ELFError(f"{name}: not an ELF file (bad magic {data[:4].hex() or 'empty'})")
    if len(data) < 64:
        raise ELFError(f"{name}: truncated ELF header ({len(data)} bytes)")
    if data[4] != 2:
        raise ELFError(f"{name}: not a 64-bit ELF file (class {data[4]}); BPF objects are ELF64")
    little = {1: True, 2: False}.get(data[5])
    if little is None:
        raise ELFError(f"{name}: bad ELF data encoding {data[5]}")
    if little != (sys.byteorder == "little"):
        raise ELFError(
            f"{name}: {'little' if little else 'big'}-endian object on a {sys.byteorder}-endian machine "
            f"(compile with -target bpf{'el' if sys.byteorder == 'little' else 'eb'})"
        )
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    if e_type != 1:
        raise ELFError(
            f"{name}: not a relocatable object (e_type {e_type}); load the .o that clang -c writes"
        )
    if e_machine not in (0, EM_BPF):
        raise ELFError(f"{name}: not a BPF object (machine {e_machine}, expected EM_BPF {EM_BPF})")
    try:
        return _Reader(data, name).read()
    except ELFError:
        raise
    except (
        ElftoolsError,
        struct.error,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        AttributeError,
        ZeroDivisionError,
        UnicodeDecodeError,
        OverflowError,
        EOFError,
    ) as exc:
        raise ELFError(f"{name}: malformed ELF file: {type(exc).__name__}: {exc}") from None
    except Exception as exc:  # pyelftools' bundled construct raises its own families too
        raise ELFError(f"{name}: malformed ELF file: {type(exc).__name__}: {exc}") from None


class _Reader:
    def __init__(self, data: bytes, name: str) -> None:
        self.data = data
        self.name = name
        self.elf = ELFFile(io.BytesIO(data))

    def read(self) -> ElfObject:
        count = self.elf.num_sections()
        if count * _SHDR_SIZE > len(self.data):
            raise ELFError(f"{self.name}: {count} section headers do not fit in a {len(self.data)}-byte file")
        sections = [self._section(i) for i in range(count)]
        symbols: list[ElfSymbol] = []
        relocations: dict[int, list[ElfRelocation]] = {}
        symtabs = [s for s in sections if s.type == _type_number("SHT_SYMTAB")]
        if len(symtabs) > 1:
            raise ELFError(f"{self.name}: more than one symbol table")
        if symtabs:
            symbols = self._symbols(symtabs[0], sections)
        for s in sections:
            if s.type == _type_number("SHT_REL"):
                self._relocations(s, sections, len(symbols), relocations)
            elif s.type == _type_number("SHT_RELA"):
                raise ELFError(
                    f"{self.name}: section {s.name!r}: RELA relocations are not used by BPF objects"
                )
        return ElfObject(self.name, sections, symbols, relocations)

    def _section(self, index: int) -> ElfSection:
        header = self.elf._get_section_header(index)
        try:
            name = self.elf._get_section_name(header) if index else ""
        except Exception as exc:
            raise ELFError(
                f"{self.name}: section #{index}: bad name offset {header['sh_name']} ({exc})"
            ) from None
        sh_type = _type_number(header["sh_type"])
        offset, size, flags = header["sh_offset"], header["sh_size"], header["sh_flags"]
        where = f"{self.name}: section #{index} {name!r}"
        data = b""
        if sh_type != SHT_NOBITS and index:
            if offset > len(self.data) or size > len(self.data) - offset:
                raise ELFError(
                    f"{where}: [{offset:#x}, +{size:#x}) lies outside the {len(self.data)}-byte file"
                )
            if flags & SHF_COMPRESSED and size:
                data = b""  # compressed (debug) sections are never decompressed; users of them refuse
            else:
                data = self.data[offset : offset + size]
        return ElfSection(
            index,
            name,
            sh_type,
            flags,
            size,
            header["sh_link"],
            header["sh_info"],
            header["sh_entsize"],
            data,
        )

    def _symbols(self, symtab: ElfSection, sections: list[ElfSection]) -> list[ElfSymbol]:
        where = f"{self.name}: symbol table {symtab.name!r}"
        if symtab.entsize != _SYM_SIZE or symtab.size % _SYM_SIZE:
            raise ELFError(
                f"{where}: entry size {symtab.entsize} / size {symtab.size} (expected {_SYM_SIZE})"
            )
        strtab = sections[symtab.link] if 0 < symtab.link < len(sections) else None
        if strtab is None or strtab.type != _type_number("SHT_STRTAB"):
            raise ELFError(f"{where}: linked string table #{symtab.link} is missing or not a string table")
        section = self.elf.get_section(symtab.index)
        if not isinstance(section, SymbolTableSection):
            raise ELFError(f"{where}: not a symbol table")
        symbols = []
        for i, sym in enumerate(section.iter_symbols()):
            entry = sym.entry
            shndx = entry["st_shndx"]
            shndx = {"SHN_UNDEF": SHN_UNDEF, "SHN_ABS": SHN_ABS, "SHN_COMMON": SHN_COMMON}.get(shndx, shndx)
            if not isinstance(shndx, int):
                raise ELFError(f"{where}: symbol #{i} {sym.name!r}: unsupported section index {shndx}")
            info = entry["st_info"]
            symbols.append(
                ElfSymbol(
                    i,
                    sym.name,
                    entry["st_value"],
                    entry["st_size"],
                    _sym_type(info["type"]),
                    _sym_bind(info["bind"]),
                    _visibility(entry["st_other"]["visibility"]),
                    shndx,
                )
            )
        return symbols

    def _relocations(
        self, rel: ElfSection, sections: list[ElfSection], nsyms: int, out: dict[int, list[ElfRelocation]]
    ) -> None:
        where = f"{self.name}: relocation section {rel.name!r}"
        if rel.entsize != _REL_SIZE or rel.size % _REL_SIZE:
            raise ELFError(f"{where}: entry size {rel.entsize} / size {rel.size} (expected {_REL_SIZE})")
        if not 0 < rel.info < len(sections):
            raise ELFError(f"{where}: patches section #{rel.info}, which does not exist")
        records = out.setdefault(rel.info, [])
        # Elf64_Rel in the host's order (read_elf checked the object's): r_offset, r_info (ELF64_R_SYM
        # in the high 32 bits, ELF64_R_TYPE in the low); read whole, not record by record through
        # pyelftools (a .rel.debug_str_offsets holds thousands)
        for i, (offset, info) in enumerate(struct.iter_unpack("=QQ", rel.data)):
            sym = info >> 32
            if sym >= nsyms:
                raise ELFError(f"{where}: relocation #{i}: symbol index {sym} out of range ({nsyms} symbols)")
            records.append(ElfRelocation(i, offset, info & 0xFFFFFFFF, sym, rel.index))


_SECTION_TYPES = {
    "SHT_NULL": 0,
    "SHT_PROGBITS": 1,
    "SHT_SYMTAB": 2,
    "SHT_STRTAB": 3,
    "SHT_RELA": 4,
    "SHT_HASH": 5,
    "SHT_DYNAMIC": 6,
    "SHT_NOTE": 7,
    "SHT_NOBITS": 8,
    "SHT_REL": 9,
    "SHT_SHLIB": 10,
    "SHT_DYNSYM": 11,
    "SHT_INIT_ARRAY": 14,
    "SHT_FINI_ARRAY": 15,
    "SHT_PREINIT_ARRAY": 16,
    "SHT_GROUP": 17,
    "SHT_SYMTAB_SHNDX": 18,
}


def _type_number(sh_type: object) -> int:
    """pyelftools names known section types; unknown ones stay numbers."""
    if isinstance(sh_type, int):
        return sh_type
    return _SECTION_TYPES.get(str(sh_type), -1)


def _sym_type(value: object) -> int:
    names = {
        "STT_NOTYPE": STT_NOTYPE,
        "STT_OBJECT": STT_OBJECT,
        "STT_FUNC": STT_FUNC,
        "STT_SECTION": STT_SECTION,
        "STT_FILE": 4,
    }
    return value if isinstance(value, int) else names.get(str(value), -1)


def _sym_bind(value: object) -> int:
    names = {"STB_LOCAL": STB_LOCAL, "STB_GLOBAL": STB_GLOBAL, "STB_WEAK": STB_WEAK}
    return value if isinstance(value, int) else names.get(str(value), -1)


def _visibility(value: object) -> int:
    names = {
        "STV_DEFAULT": STV_DEFAULT,
        "STV_INTERNAL": STV_INTERNAL,
        "STV_HIDDEN": STV_HIDDEN,
        "STV_PROTECTED": 3,
    }
    return value if isinstance(value, int) else names.get(str(value), -1)
