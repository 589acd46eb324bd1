"""The object's BTF as libbpf hands it to the kernel: DATASECs completed, and a sanitized fallback.

Mirrors libbpf's ``btf_finalize_data`` / ``btf_fixup_datasec`` and ``bpf_object__sanitize_btf``
(tools/lib/bpf/libbpf.c):

* ``finalize_btf``: clang leaves a DATASEC's size and its variables' offsets at zero; they come from the
  ELF section's size and the variables' symbols.  A global variable whose symbol is hidden
  (``__hidden``, STV_HIDDEN/INTERNAL) becomes static, and the variables are sorted by offset, as the
  kernel wants them.  ``.kconfig`` / ``.ksyms`` are left to the extern pass, which lays them out.
* ``sanitize_btf``: what libbpf rewrites for a kernel that refuses newer kinds -- VAR and DATASEC become
  INT and STRUCT, FUNC and FUNC_PROTO become TYPEDEF and ENUM, global functions static, FLOAT a struct
  of its size, DECL_TAG an INT, TYPE_TAG a CONST, ENUM64 a union of its size -- keeping every type id,
  so map and program BTF ids stay valid.  The loader tries this only when the kernel refused the BTF.
"""

from __future__ import annotations

from pybpf.btf.types import (
    BTF,
    BTFType,
    Const,
    Datasec,
    DeclTag,
    Enum,
    Enum64,
    Float,
    Func,
    FuncProto,
    Int,
    Member,
    Struct,
    Typedef,
    TypeTag,
    Union,
    Var,
    VarLinkage,
    VarSecinfo,
)
from pybpf.elf.errors import ELFError
from pybpf.elf.reader import SHN_UNDEF, STT_SECTION, STV_HIDDEN, STV_INTERNAL, ElfObject

__all__ = ["EXTERN_SECTIONS", "finalize_btf", "sanitize_btf"]

EXTERN_SECTIONS = (".kconfig", ".ksyms")


def finalize_btf(elf: ElfObject, btf: BTF) -> BTF:
    """``btf_finalize_data``: every DATASEC sized from its ELF section, variables placed by their symbols."""
    symbols = {s.name: s for s in elf.symbols if s.shndx != SHN_UNDEF and s.type != STT_SECTION and s.name}
    types = list(btf.types)
    changed = False
    for index, t in enumerate(btf.types):
        if not isinstance(t, Datasec) or t.name in EXTERN_SECTIONS:
            continue
        where = f"{elf.name}: BTF DATASEC '{t.name}'"
        size, fix_offsets = t.size, False
        if size == 0:
            section = elf.section_named(t.name)
            if section is None or not section.size:
                raise ELFError(f"{where}: failed to determine its size from the ELF section")
            size, fix_offsets = section.size, True
        secinfo = []
        for vsi in t.vars:
            var = btf[vsi.type_id]
            if not isinstance(var, Var):
                raise ELFError(f"{where}: unexpected non-VAR type [{vsi.type_id}] ({var.kind.name})")
            offset = vsi.offset
            if var.linkage not in (VarLinkage.STATIC, VarLinkage.GLOBAL_EXTERN):
                sym = symbols.get(var.name)
                if sym is None:
                    raise ELFError(f"{where}: failed to find the ELF symbol of VAR '{var.name}'")
                if fix_offsets:
                    offset = sym.value
                if sym.visibility in (STV_HIDDEN, STV_INTERNAL):
                    types[vsi.type_id - btf.start_id] = Var(var.name, var.type_id, VarLinkage.STATIC)
            secinfo.append(VarSecinfo(vsi.type_id, offset, vsi.size))
        secinfo.sort(key=lambda v: v.offset)
        fixed = Datasec(t.name, size, tuple(secinfo))
        if fixed != t:
            types[index] = fixed
            changed = True
    if not changed and types == list(btf.types):
        return btf
    return BTF(tuple(types), strings=btf.strings, base=btf.base, little_endian=btf.little_endian)


def sanitize_btf(btf: BTF) -> BTF:
    """``bpf_object__sanitize_btf`` for a kernel without DATASEC, FUNC, FLOAT, tags and ENUM64."""
    return BTF(
        tuple(_sanitized(btf, t) for _, t in btf),
        strings=btf.strings,
        base=btf.base,
        little_endian=btf.little_endian,
    )


def _sanitized(btf: BTF, t: BTFType) -> BTFType:
    if isinstance(t, Var):
        return Int(t.name, 1, bits=8)
    if isinstance(t, Datasec):
        # a struct with one member per variable, named after the section (made an identifier)
        members = tuple(
            Member(btf[v.type_id].name, v.type_id, 8 * v.offset) for v in t.vars if btf[v.type_id].name
        )
        return Struct("".join(c if c.isalnum() else "_" for c in t.name), t.size, members)
    if isinstance(t, FuncProto):
        return Enum("", 4, ())
    if isinstance(t, Func):
        return Typedef(t.name, t.type_id)
    if isinstance(t, Float):
        return Struct("", t.size)
    if isinstance(t, DeclTag):
        return Int(t.name, 1, bits=8)
    if isinstance(t, TypeTag):
        return Const(t.type_id)
    if isinstance(t, Enum64):
        return Union(t.name, t.size)
    return t
