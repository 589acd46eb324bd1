"""An ELF object read into an ``ObjectSpec``: programs, subprograms, relocations, maps, BTF, externs.

Mirrors what libbpf's ``bpf_object__open`` does before anything reaches the kernel
(tools/lib/bpf/libbpf.c): ``bpf_object__elf_collect`` (license, version, ``maps``, ``.maps``, ``.BTF``,
``.BTF.ext``, code and data sections), ``bpf_object__add_programs`` (one program per function symbol of
a code section; functions of ``.text`` are subprograms), ``bpf_object__init_maps``,
``bpf_object__collect_externs`` and ``bpf_object__collect_relos`` / ``bpf_program__record_reloc``:

* a relocated ``call`` is a bpf-to-bpf call into ``.text`` (the callee's slot is the symbol's value over 8
  plus the call's immediate plus one, as clang writes calls to static functions against the section);
* a relocated ``lddw`` refers to a ``.text`` function (a callback, ``BPF_PSEUDO_FUNC``), a map of ``.maps``
  or ``maps`` (by the symbol's offset), a global variable (its data section and offset), or an extern;
* anything else -- a relocation off an instruction, of an unknown type, against a symbol of another
  kind -- is refused naming the section, the relocation and the symbol.

The object's BTF is parsed with ``pybpf.btf`` and finalized as libbpf does; ``.BTF.ext`` records are
split per function with instruction indices counted from the function's start.
"""

from __future__ import annotations

import errno
import os
import struct

from pybpf import uapi
from pybpf.btf.ext import BTFExt, parse_btf_ext, shifted
from pybpf.btf.parse import parse_btf
from pybpf.btf.raw import BTFError
from pybpf.btf.types import BTF
from pybpf.elf.btf_fixup import finalize_btf
from pybpf.elf.errors import ELFError
from pybpf.elf.externs import collect_externs
from pybpf.elf.globaldata import ARENA_SECTION, arena_data, data_kind, elf_object_name, global_data_maps
from pybpf.elf.maps import btf_maps, legacy_maps, map_initial_slots
from pybpf.elf.reader import (
    R_BPF_64_32,
    R_BPF_64_64,
    R_BPF_64_NODYLD32,
    SHN_LORESERVE,
    SHN_UNDEF,
    STB_GLOBAL,
    STB_LOCAL,
    STT_FUNC,
    STT_SECTION,
    ElfObject,
    ElfSection,
    ElfSymbol,
    read_elf,
)
from pybpf.elf.sections import program_kind
from pybpf.elf.spec import MapSpec, ObjectSpec, ProgramSpec, Reference, RefKind
from pybpf.elf.struct_ops import struct_ops_variables

__all__ = ["MAX_OBJECT_SIZE", "read_object"]

MAX_OBJECT_SIZE = 1 << 30
"""The largest ELF file read (libbpf has no limit; this one keeps a hostile path from exhausting memory)."""

TEXT = ".text"
_LDDW, _CALL = 0x18, 0x85
_PSEUDO_CALL = 1
_CODE_RELOCATIONS = (R_BPF_64_64, R_BPF_64_32, R_BPF_64_NODYLD32)


def read_object(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview, name: str | None = None
) -> ObjectSpec:
    """Read an ELF object (a path, or its bytes with ``name`` for messages) into an ``ObjectSpec``.

    Raises ``ELFError`` (an ``OSError``) naming the section, symbol or record when the object is
    malformed or uses what pybpf cannot load.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, path = bytes(source), name or "<object>"
    else:
        path = os.fspath(source)
        try:
            with open(path, "rb") as f:
                data = f.read(MAX_OBJECT_SIZE + 1)
        except OSError as exc:
            raise ELFError(f"{path}: {exc.strerror}", err=exc.errno or errno.EIO) from None
        if len(data) > MAX_OBJECT_SIZE:
            raise ELFError(f"{path}: larger than {MAX_OBJECT_SIZE} bytes", err=errno.E2BIG)
    elf = read_elf(data, path)
    try:
        return _Collector(elf, path, name).collect()
    except BTFError as exc:
        raise ELFError(f"{path}: {exc}") from None


class _Collector:
    def __init__(self, elf: ElfObject, path: str, name: str | None) -> None:
        self.elf = elf
        self.path = path
        self.name = elf_object_name(name or path)

    def collect(self) -> ObjectSpec:
        elf = self.elf
        spec = ObjectSpec(self.name, self.path)
        spec.license = self._license()
        spec.kernel_version = self._version()
        btf = self._btf()
        ext = self._btf_ext(btf)
        externs, btf, kconfig_map = collect_externs(elf, btf, self.name)
        spec.externs = externs
        maps: list[MapSpec] = []
        legacy = elf.section_named("maps")
        if legacy is not None:
            maps += legacy_maps(elf, legacy, btf)
        btf_section = elf.section_named(".maps")
        if btf_section is not None:
            maps += btf_maps(elf, btf_section, btf)
        maps += global_data_maps(elf, btf)
        arena_data(elf, maps, self.path)
        if kconfig_map is not None:
            maps.append(kconfig_map)
        for m in maps:
            if m.name in spec.maps:
                raise ELFError(f"{self.path}: two maps named '{m.name}'")
            spec.maps[m.name] = m
        for section in elf.sections:
            if section.executable and section.type == 1 and section.size:
                spec.functions += self._functions(section, spec)
        for f in spec.functions:
            if not f.is_subprogram:
                if f.name in spec.programs:
                    raise ELFError(f"{self.path}: two programs named '{f.name}'")
                spec.programs[f.name] = f
        for section in elf.sections:
            if section.executable and section.type == 1 and section.size:
                self._relocations(section, spec, maps)
        if btf_section is not None:
            map_initial_slots(elf, btf_section, btf, maps, self._program_at(spec))
        self._struct_ops(spec, btf)
        if ext is not None:
            self._distribute(ext, spec)
            spec.func_info_rec_size, spec.line_info_rec_size = ext.func_info_rec_size, ext.line_info_rec_size
        spec.btf = btf
        return spec

    def _struct_ops(self, spec: ObjectSpec, btf: BTF | None) -> None:
        """The ``.struct_ops`` / ``.struct_ops.link`` maps (``pybpf.elf.struct_ops``); a struct_ops
        program none of them refers to is not loaded."""
        used: set[str] = set()
        for name, flags, ops in struct_ops_variables(self.elf, btf, self._program_at(spec)):
            if name in spec.maps:
                raise ELFError(f"{self.path}: two maps named '{name}'")
            spec.maps[name] = MapSpec(
                name, uapi.BPF_MAP_TYPE_STRUCT_OPS, 4, 0, 1, flags, kernel_name=name, struct_ops=ops,
                section=".struct_ops.link" if flags else ".struct_ops",
            )  # fmt: skip
            used.update(ops.programs.values())
        for program in spec.programs.values():
            if program.prog_type == uapi.BPF_PROG_TYPE_STRUCT_OPS and program.name not in used:
                program.autoload = False

    # -- license, version, BTF -----------------------------------------------------------------------
    def _license(self) -> str:
        section = self.elf.section_named("license")
        if section is None:
            return ""
        return section.data[:127].split(b"\0", 1)[0].decode("latin-1")

    def _version(self) -> int:
        section = self.elf.section_named("version")
        if section is None:
            return 0
        if len(section.data) != 4:
            raise ELFError(f"{self.path}: section 'version': {len(section.data)} bytes (a u32 expected)")
        return int(struct.unpack("<I", section.data)[0])

    def _btf(self) -> BTF | None:
        section = self.elf.section_named(".BTF")
        if section is None:
            return None
        if section.size and not section.data:
            raise ELFError(f"{self.path}: section '.BTF' is compressed or has no data")
        try:
            btf = parse_btf(section.data)
        except BTFError as exc:
            raise ELFError(f"{self.path}: section '.BTF': {exc}") from None
        return finalize_btf(self.elf, btf)

    def _btf_ext(self, btf: BTF | None) -> BTFExt | None:
        section = self.elf.section_named(".BTF.ext")
        if section is None:
            return None
        if btf is None:
            raise ELFError(f"{self.path}: section '.BTF.ext' without a .BTF section")
        try:
            return parse_btf_ext(section.data, btf)
        except BTFError as exc:
            raise ELFError(f"{self.path}: section '.BTF.ext': {exc}") from None

    # -- functions --------------------------------------------------------------------------------------
    def _functions(self, section: ElfSection, spec: ObjectSpec) -> list[ProgramSpec]:
        where = f"{self.path}: section '{section.name}'"
        if section.size % 8:
            raise ELFError(f"{where}: size {section.size} is not a whole number of instructions")
        symbols = sorted(
            (s for s in self.elf.symbols if s.shndx == section.index and s.type == STT_FUNC),
            key=lambda s: s.value,
        )
        # libbpf: SEC("?abc") is SEC("abc") with autoload off (the section keeps its ELF name here:
        # relocations name it so; the program's kind is read without the '?')
        lazy = section.name.startswith("?")
        kind = program_kind(section.name.removeprefix("?"))
        subprogram = section.name == TEXT
        functions, end = [], 0
        for sym in symbols:
            here = f"{where}: function '{sym.name}'"
            if sym.value % 8 or sym.size % 8 or not sym.size:
                raise ELFError(f"{here}: offset {sym.value} / size {sym.size} are not whole instructions")
            if sym.value + sym.size > section.size:
                raise ELFError(
                    f"{here}: [{sym.value}, +{sym.size}) crosses the section's end ({section.size})"
                )
            if sym.value < end:
                raise ELFError(f"{here}: overlaps the function before it")
            end = sym.value + sym.size
            if not subprogram and sym.bind == STB_LOCAL:
                raise ELFError(f"{here}: a static program is not supported (make it global)")
            functions.append(
                ProgramSpec(
                    sym.name,
                    section.name,
                    sym.value // 8,
                    section.data[sym.value : sym.value + sym.size],
                    prog_type=0 if subprogram else kind.prog_type,
                    expected_attach_type=0 if subprogram else kind.expected_attach_type,
                    prog_flags=0 if subprogram else kind.prog_flags,
                    attach_target="" if subprogram else kind.attach_target,
                    license=spec.license,
                    kernel_version=spec.kernel_version,
                    is_subprogram=subprogram,
                    is_global=sym.bind != STB_LOCAL,
                    autoload=not lazy,
                )
            )
        return functions

    def _program_at(self, spec: ObjectSpec):  # type: ignore[no-untyped-def]
        def find(shndx: int, offset: int) -> str | None:
            section = self.elf.section(shndx)
            if section is None or offset % 8:
                return None
            f = spec.function_starting_at(section.name, offset // 8)
            return f.name if f is not None and not f.is_subprogram else None

        return find

    # -- relocations ------------------------------------------------------------------------------------
    def _relocations(self, section: ElfSection, spec: ObjectSpec, maps: list[MapSpec]) -> None:
        where = f"{self.path}: section '{section.name}'"
        for rel in self.elf.relocations.get(section.index, []):
            sym = self.elf.symbols[rel.symbol]
            name = sym.name or self._section_name(sym)
            here = f"{where}: relocation #{rel.index} against '{name}'"
            if rel.offset % 8 or rel.offset >= section.size:
                raise ELFError(f"{here}: offset {rel.offset:#x} is not an instruction of the section")
            if rel.type not in _CODE_RELOCATIONS:
                raise ELFError(f"{here}: unknown relocation type {rel.type} for code")
            slot = rel.offset // 8
            func = spec.function_at(section.name, slot)
            if func is None:
                continue  # outside every function: libbpf skips it (an overridden weak function)
            insn = slot - func.offset
            ref = self._reference(here, sym, name, insn=insn, func=func, spec=spec, maps=maps)
            func.references.append(ref)

    def _reference(
        self,
        here: str,
        sym: ElfSymbol,
        name: str,
        *,
        insn: int,
        func: ProgramSpec,
        spec: ObjectSpec,
        maps: list[MapSpec],
    ) -> Reference:
        opcode, regs, _off, imm = struct.unpack_from("<BBhi", func.code, insn * 8)
        src = regs >> 4
        is_call, is_lddw = opcode == _CALL, opcode == _LDDW and (insn + 1) * 8 < len(func.code)
        if sym.shndx == SHN_UNDEF:
            if sym.name not in spec.externs:
                raise ELFError(f"{here}: undefined symbol that is not an extern")
            if is_call:
                return Reference(insn, RefKind.KFUNC, sym.name)
            if is_lddw:
                return Reference(insn, RefKind.EXTERN, sym.name)
            raise ELFError(
                f"{here}: extern used by instruction {insn} (opcode {opcode:#04x}), not a call or lddw"
            )
        if sym.shndx >= SHN_LORESERVE:
            raise ELFError(f"{here}: symbol in special section {sym.shndx:#x}")
        target = self.elf.section(sym.shndx)
        if target is None:
            raise ELFError(f"{here}: symbol in section #{sym.shndx}, which does not exist")
        if is_call:
            if src != _PSEUDO_CALL:
                raise ELFError(f"{here}: relocation of a helper call (instruction {insn})")
            if target.name != TEXT:
                raise ELFError(
                    f"{here}: bad call relocation into section '{target.name}' (only .text is callable)"
                )
            if sym.value % 8:
                raise ELFError(f"{here}: call target offset {sym.value} is not an instruction")
            return Reference(insn, RefKind.CALL, name, sym.value // 8 + imm + 1, TEXT)
        if not is_lddw:
            raise ELFError(f"{here}: instruction {insn} (opcode {opcode:#04x}) is not a call or lddw")
        if target.executable:
            if target.name != TEXT or not (
                (sym.bind == STB_LOCAL and sym.type == STT_SECTION)
                or (sym.bind == STB_GLOBAL and sym.type == STT_FUNC)
            ):
                raise ELFError(f"{here}: bad subprogram address relocation into '{target.name}'")
            if (sym.value + imm) % 8:
                raise ELFError(f"{here}: subprogram address {sym.value + imm} is not an instruction")
            return Reference(insn, RefKind.FUNC, name, (sym.value + imm) // 8, TEXT)
        if target.name in (".maps", "maps"):
            found = next((m for m in maps if m.section == target.name and m.offset == sym.value), None)
            if found is None:
                raise ELFError(f"{here}: no map at offset {sym.value} of section '{target.name}'")
            return Reference(insn, RefKind.MAP, found.name)
        if data_kind(target) is not None and target.name in spec.maps:
            return Reference(insn, RefKind.MAP_VALUE, target.name, sym.value)
        if target.name == ARENA_SECTION:
            arena = next(m for m in maps if m.map_type == uapi.BPF_MAP_TYPE_ARENA)  # (arena_data found it)
            return Reference(insn, RefKind.MAP_VALUE, arena.name, sym.value + arena.data_offset)
        raise ELFError(f"{here}: bad data relocation against section '{target.name}'")

    def _section_name(self, sym: ElfSymbol) -> str:
        section = self.elf.section(sym.shndx) if sym.shndx < SHN_LORESERVE else None
        return section.name if section is not None else f"#{sym.index}"

    # -- .BTF.ext ------------------------------------------------------------------------------------------
    def _distribute(self, ext: BTFExt, spec: ObjectSpec) -> None:
        for section, records in ext.func_info.items():
            for r in records:
                f = spec.function_at(section, r.insn)
                if f is not None:
                    f.func_info.extend(shifted([r], -f.offset))
        for section, lines in ext.line_info.items():
            for line in lines:
                f = spec.function_at(section, line.insn)
                if f is not None:
                    f.line_info.extend(shifted([line], -f.offset))
        for section, relos in ext.core_relos.items():
            for relo in relos:
                f = spec.function_at(section, relo.insn)
                if f is None:
                    raise ELFError(
                        f"{self.path}: CO-RE relocation at {section}+{relo.insn}: no function there"
                    )
                f.core_relos.extend(shifted([relo], -f.offset))
