"""Reading an ELF file into plain facts: its sections, symbols and relocations (elf.h's records).

Mirrors the ELF reading of libbpf's ``bpf_object__elf_init`` / ``bpf_object__elf_collect`` /
``elf_sym_by_idx`` / ``elf_rel_by_idx`` (tools/lib/bpf/libbpf.c): a relocatable (``ET_REL``) 64-bit
object for ``EM_BPF`` (or machine 0, as libbpf allows) in the host's byte order; each section's name,
type, flags and bytes; the symbol table; the ``SHT_REL`` records grouped by the section they patch.

The records are read with ``struct`` (``Elf64_Ehdr``, ``Elf64_Shdr``, ``Elf64_Sym``, ``Elf64_Rel``), not
pyelftools: importing pyelftools (its DWARF readers and its bundled construct, which imports ``pdb``)
cost a fresh process more than reading any object does.  Every error is an
:class:`~pybpf.elf.errors.ELFError` naming the file and the section or record, and every size is checked
against the file before anything is read: a section's bytes must lie inside the file (a ``.bss`` of
``SHT_NOBITS`` holds none), compressed sections are refused, symbol and relocation entries must have
their standard sizes, and counts derive from sizes, so hostile headers cannot make it read, allocate or
loop without bound.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

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
    "Relocations",
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

SHN_XINDEX = 0xFFFF
SHT_SYMTAB, SHT_STRTAB, SHT_RELA, SHT_REL = 2, 3, 4, 9
_SYM_SIZE = 24  # sizeof(Elf64_Sym)
_REL_SIZE = 16  # sizeof(Elf64_Rel)
_SHDR_SIZE = 64  # sizeof(Elf64_Shdr)
_SHDR = struct.Struct(
    "=IIQQQQIIQQ"
)  # sh_name, type, flags, addr, offset, size, link, info, addralign, entsize
_SYM = struct.Struct("=IBBHQQ")  # st_name, st_info, st_other, st_shndx, st_value, st_size


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
    relocations: Mapping[int, list[ElfRelocation]] = field(default_factory=dict)

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
    except (struct.error, ValueError, IndexError, OverflowError) as exc:
        raise ELFError(f"{name}: malformed ELF file: {type(exc).__name__}: {exc}") from None


class _Reader:
    def __init__(self, data: bytes, name: str) -> None:
        self.data = data
        self.name = name
        # Elf64_Ehdr: e_shoff at 0x28, e_shentsize, e_shnum, e_shstrndx at 0x3a
        (self.shoff,) = struct.unpack_from("=Q", data, 0x28)
        self.shentsize, self.shnum, self.shstrndx = struct.unpack_from("=HHH", data, 0x3A)

    def _header(self, index: int) -> tuple[int, ...]:
        at = self.shoff + index * _SHDR_SIZE
        if at + _SHDR_SIZE > len(self.data):
            raise ELFError(
                f"{self.name}: section header #{index} at {at:#x} lies outside the {len(self.data)}-byte file"
            )
        return _SHDR.unpack_from(self.data, at)

    def read(self) -> ElfObject:
        if not self.shoff:
            return ElfObject(self.name, [], [])
        if self.shentsize != _SHDR_SIZE:
            raise ELFError(f"{self.name}: section header size {self.shentsize} (expected {_SHDR_SIZE})")
        first = self._header(0)
        # e_shnum 0 (SHN_UNDEF): the count is section 0's sh_size; e_shstrndx SHN_XINDEX: its sh_link
        count = self.shnum or first[5]
        if count * _SHDR_SIZE > len(self.data):
            raise ELFError(f"{self.name}: {count} section headers do not fit in a {len(self.data)}-byte file")
        headers = [first] + [self._header(i) for i in range(1, count)]
        strndx = first[6] if self.shstrndx == SHN_XINDEX else self.shstrndx
        if not 0 < strndx < count or headers[strndx][1] != SHT_STRTAB:
            raise ELFError(f"{self.name}: section name table #{strndx} is missing or not a string table")
        names = self._bytes(strndx, headers[strndx], "section name table")
        sections = [self._section(i, header, names) for i, header in enumerate(headers)]
        symbols: list[ElfSymbol] = []
        symtabs = [s for s in sections if s.type == SHT_SYMTAB]
        if len(symtabs) > 1:
            raise ELFError(f"{self.name}: more than one symbol table")
        if symtabs:
            symbols = self._symbols(symtabs[0], sections)
        relocations = Relocations(self.name, len(symbols))
        for s in sections:
            if s.type == SHT_REL:
                relocations.add(s, sections)
            elif s.type == SHT_RELA:
                raise ELFError(
                    f"{self.name}: section {s.name!r}: RELA relocations are not used by BPF objects"
                )
        return ElfObject(self.name, sections, symbols, relocations)

    def _bytes(self, index: int, header: tuple[int, ...], what: str) -> bytes:
        offset, size = header[4], header[5]
        if offset > len(self.data) or size > len(self.data) - offset:
            raise ELFError(
                f"{self.name}: {what} #{index}: [{offset:#x}, +{size:#x}) lies outside the "
                f"{len(self.data)}-byte file"
            )
        return self.data[offset : offset + size]

    def _string(self, table: bytes, offset: int, where: str) -> str:
        """The NUL-terminated string at ``offset`` of a string table (``elf_strptr``)."""
        end = table.find(b"\0", offset) if offset < len(table) else -1
        if end < 0:
            raise ELFError(f"{where}: bad name offset {offset}")
        return table[offset:end].decode("utf-8", errors="replace")

    def _section(self, index: int, header: tuple[int, ...], names: bytes) -> ElfSection:
        sh_name, sh_type, flags, _addr, offset, size, link, info, _align, entsize = header
        name = self._string(names, sh_name, f"{self.name}: section #{index}") if index else ""
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
        return ElfSection(index, name, sh_type, flags, size, link, info, entsize, data)

    def _symbols(self, symtab: ElfSection, sections: list[ElfSection]) -> list[ElfSymbol]:
        where = f"{self.name}: symbol table {symtab.name!r}"
        if symtab.entsize != _SYM_SIZE or symtab.size % _SYM_SIZE:
            raise ELFError(
                f"{where}: entry size {symtab.entsize} / size {symtab.size} (expected {_SYM_SIZE})"
            )
        strtab = sections[symtab.link] if 0 < symtab.link < len(sections) else None
        if strtab is None or strtab.type != SHT_STRTAB:
            raise ELFError(f"{where}: linked string table #{symtab.link} is missing or not a string table")
        strings = strtab.data
        symbols = []
        for i, (st_name, st_info, st_other, shndx, value, size) in enumerate(_SYM.iter_unpack(symtab.data)):
            name = self._string(strings, st_name, f"{where}: symbol #{i}") if st_name else ""
            symbols.append(
                ElfSymbol(i, name, value, size, st_info & 0xF, st_info >> 4, st_other & 0x3, shndx)
            )
        return symbols


class Relocations(Mapping[int, list[ElfRelocation]]):
    """The ``SHT_REL`` records by the index of the section they patch, each section's decoded when first
    asked for: libbpf skips the relocation sections of sections that are neither code nor maps
    (``bpf_object__elf_collect``), and a CO-RE object's debug sections hold thousands of records no
    load reads.  The sizes are checked when a section is added; the records (their symbol indices)
    when decoded, raising ``ELFError`` then."""

    def __init__(self, name: str, symbols: int) -> None:
        self._name = name
        self._symbols = symbols
        self._pending: dict[int, list[ElfSection]] = {}
        self._decoded: dict[int, list[ElfRelocation]] = {}

    def add(self, rel: ElfSection, sections: list[ElfSection]) -> None:
        where = f"{self._name}: relocation section {rel.name!r}"
        if rel.entsize != _REL_SIZE or rel.size % _REL_SIZE:
            raise ELFError(f"{where}: entry size {rel.entsize} / size {rel.size} (expected {_REL_SIZE})")
        if not 0 < rel.info < len(sections):
            raise ELFError(f"{where}: patches section #{rel.info}, which does not exist")
        self._decoded.pop(rel.info, None)
        self._pending.setdefault(rel.info, []).append(rel)

    def __getitem__(self, index: int) -> list[ElfRelocation]:
        found = self._decoded.get(index)
        if found is not None:
            return found
        pending = self._pending[index]  # KeyError: no relocation section patches it
        records: list[ElfRelocation] = []
        for rel in pending:
            self._decode(rel, records)
        self._decoded[index] = records
        return records

    def _decode(self, rel: ElfSection, records: list[ElfRelocation]) -> None:
        # Elf64_Rel in the host's order (read_elf checked the object's): r_offset, r_info (ELF64_R_SYM
        # in the high 32 bits, ELF64_R_TYPE in the low); read whole
        for i, (offset, info) in enumerate(struct.iter_unpack("=QQ", rel.data)):
            sym = info >> 32
            if sym >= self._symbols:
                raise ELFError(
                    f"{self._name}: relocation section {rel.name!r}: relocation #{i}: symbol index {sym} "
                    f"out of range ({self._symbols} symbols)"
                )
            records.append(ElfRelocation(i, offset, info & 0xFFFFFFFF, sym, rel.index))

    def __iter__(self) -> Iterator[int]:
        return iter(self._pending)

    def __len__(self) -> int:
        return len(self._pending)
