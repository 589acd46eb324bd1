"""struct_ops maps of an ELF object: ``.struct_ops`` / ``.struct_ops.link`` variables and their programs.

Mirrors libbpf's struct_ops handling (tools/lib/bpf/libbpf.c): ``init_struct_ops_maps`` /
``bpf_object__init_struct_ops_maps`` (each variable of the section's DATASEC is a
BPF_MAP_TYPE_STRUCT_OPS map named after it, ``.struct_ops.link`` ones with BPF_F_LINK; its initial
bytes are the variable's), ``bpf_object__collect_st_ops_relos`` (a relocation in the section puts
the program its symbol starts into the function-pointer member at that offset) and
``bpf_map__init_kern_struct_ops`` (done at load, against the kernel's BTF):

* the variable's struct is found by name in the kernel's BTF, with its value type
  ``bpf_struct_ops_<name>``;
* every member of the object's struct is matched by name with the kernel's (a member the kernel
  lacks must be zero); a function pointer's program gets the kernel struct's id as its
  ``attach_btf_id`` and the kernel member's index as its ``expected_attach_type``; a data member must
  have the kernel member's size and is copied to it;
* once the programs are loaded, their fds go into the value at their members (``kern_vdata``); the
  map is registered by ``bpf_map__attach_struct_ops`` (``pybpf.Object.attach_struct_ops``: a
  BPF_MAP_UPDATE_ELEM of that value).

A program of a ``struct_ops`` section no map refers to is not loaded (libbpf turns its autoload
off).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from pybpf import uapi
from pybpf.btf.raw import BTFError
from pybpf.btf.struct_ops import describe, func_proto
from pybpf.btf.types import BTF, Struct, Var
from pybpf.elf.errors import ELFError
from pybpf.elf.maps import _datasec
from pybpf.elf.reader import ElfObject
from pybpf.elf.spec import StructOpsSpec

SECTIONS = {".struct_ops": 0, ".struct_ops.link": uapi.BPF_F_LINK}
"""The struct_ops sections and the map flags their variables get."""
_U64 = struct.Struct("<Q")


@dataclass
class KernStructOps:
    """``bpf_map__init_kern_struct_ops``: the map's value as the kernel's struct lays it out."""

    value_type_id: int
    value: bytearray
    members: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Program name -> (kernel struct id, member index): the program's attach_btf_id and
    expected_attach_type."""
    slots: dict[int, str] = field(default_factory=dict)
    """Byte offset in ``value`` -> the program whose fd goes there once loaded."""


def struct_ops_variables(
    elf: ElfObject, btf: BTF | None, program_at: Callable[[int, int], str | None]
) -> list[tuple[str, int, StructOpsSpec]]:
    """Every struct_ops variable: (name, map flags, what it holds); ``program_at(section index, byte
    offset)`` names the program starting there.  Inconsistent BTF is an ELFError."""
    try:
        return _variables(elf, btf, program_at)
    except BTFError as exc:
        raise ELFError(f"{elf.name}: struct_ops section: {exc}") from None


def _variables(
    elf: ElfObject, btf: BTF | None, program_at: Callable[[int, int], str | None]
) -> list[tuple[str, int, StructOpsSpec]]:
    found = []
    for section_name, flags in SECTIONS.items():
        section = elf.section_named(section_name)
        if section is None:
            continue
        where = f"{elf.name}: section '{section_name}'"
        datasec = _datasec(btf, section_name) if btf is not None else None
        if btf is None or datasec is None:
            raise ELFError(f"{where}: struct_ops variables need the object's BTF")
        data = section.data
        for v in datasec.vars:
            var = btf[v.type_id]
            if not isinstance(var, Var):
                raise ELFError(f"{where}: entry at offset {v.offset} is not a variable")
            type_id = btf.resolve(var.type_id)
            t = btf[type_id]
            if not isinstance(t, Struct) or not t.name:
                raise ELFError(f"{where}: '{var.name}' is not a named struct")
            spec = StructOpsSpec(t.name, type_id, bytes(data[v.offset : v.offset + v.size]))
            for rel in elf.relocations.get(section.index, []):
                if v.offset <= rel.offset < v.offset + v.size:
                    sym = elf.symbols[rel.symbol]
                    program = program_at(sym.shndx, sym.value)
                    if program is None:
                        raise ELFError(f"{where}: relocation #{rel.index} names '{sym.name}', no program")
                    spec.programs[rel.offset - v.offset] = program
            found.append((var.name, flags, spec))
    return found


def init_kern_struct_ops(name: str, spec: StructOpsSpec, local: BTF, kernel: BTF | None) -> KernStructOps:
    """``bpf_map__init_kern_struct_ops`` of map ``name`` (inconsistent BTF: an ELFError)."""
    try:
        return _init_kern(name, spec, local, kernel)
    except BTFError as exc:
        raise ELFError(f"struct_ops map '{name}': {exc}") from None


def _init_kern(name: str, spec: StructOpsSpec, local: BTF, kernel: BTF | None) -> KernStructOps:
    where = f"struct_ops map '{name}'"
    desc = describe(kernel, spec.type_name) if kernel is not None else None
    if desc is None:
        raise ELFError(f"{where}: struct {spec.type_name} is not a struct_ops type of the kernel's BTF")
    local_type = local[spec.type_id]
    if not isinstance(local_type, Struct):
        raise ELFError(f"{where}: type {spec.type_id} of the object's BTF is not a struct")
    out = KernStructOps(desc.value_id, bytearray(desc.value_size))
    by_name = {m.name: (i, m) for i, m in enumerate(desc.members)}
    for member in local_type.members:
        moff = member.byte_offset
        msize = local.size_of(member.type_id)
        found = by_name.get(member.name)
        program = spec.programs.get(moff)
        if found is None:
            if program is not None or any(spec.data[moff : moff + msize]):
                raise ELFError(f"{where}: member {member.name} is not in the kernel's {spec.type_name}")
            continue
        index, kern = found
        at = desc.data_offset + kern.offset
        if func_proto(local, member.type_id):
            if not kern.proto:
                raise ELFError(f"{where}: member {member.name} is a function pointer only in the object")
            if program is not None:
                out.members[program] = (desc.type_id, index)
                out.slots[at] = program
            continue
        if kern.proto or msize != kern.size:
            raise ELFError(f"{where}: member {member.name} has size {msize}, the kernel's {kern.size}")
        out.value[at : at + msize] = spec.data[moff : moff + msize]
    return out


def with_program_fds(kern: KernStructOps, programs: dict[str, int]) -> bytes:
    """The value with each member's program fd (``bpf_map__init_kern_struct_ops``'s kern_vdata)."""
    value = bytearray(kern.value)
    for at, program in kern.slots.items():
        fd = programs.get(program)
        if fd is not None:
            _U64.pack_into(value, at, fd)
    return bytes(value)


__all__ = ["SECTIONS", "KernStructOps", "init_kern_struct_ops", "struct_ops_variables",
           "with_program_fds"]  # fmt: skip
