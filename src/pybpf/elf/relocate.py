"""Relocating a linked program: CO-RE against the target BTF, then maps, global data and externs to fds.

Mirrors libbpf's ``bpf_object__relocate_core`` and ``bpf_object__relocate_data``
(tools/lib/bpf/libbpf.c): each CO-RE relocation is resolved (``pybpf.elf.core``) and patched into its
instruction, or poisons it; then every ``lddw`` with a reference gets its pseudo source and immediates:

* a map: ``src_reg = BPF_PSEUDO_MAP_FD``, ``imm = fd``;
* a global variable: ``src_reg = BPF_PSEUDO_MAP_VALUE``, ``imm = fd`` of its section's map, and the second
  half's ``imm`` = the instruction's own immediate plus the variable's offset;
* a kconfig extern: the same, into the ``.kconfig`` map at the extern's offset.

Kernel symbols (``__ksym`` variables, kfunc calls) would need the kernel's BTF ids: refused with a
message naming them.  Nothing here calls bpf(); the fds come from the loader.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Mapping

from pybpf.btf.types import BTF
from pybpf.elf.core import CoreResult, apply_core_relo, core_result
from pybpf.elf.errors import ELFError
from pybpf.elf.externs import KCONFIG_SECTION
from pybpf.elf.link import LinkedProgram
from pybpf.elf.spec import ObjectSpec, RefKind

__all__ = ["relocate_core", "relocate_references"]

_PSEUDO_MAP_FD, _PSEUDO_MAP_VALUE = 1, 2


def relocate_core(
    linked: LinkedProgram, local_btf: BTF | None, target_btf: BTF | None
) -> list[tuple[int, CoreResult]]:
    """Apply every CO-RE relocation of ``linked``; returns (slot, result) for each, poisoned ones included."""
    results = []
    for slot, relo, function in linked.core_relos:
        where = f"program '{linked.program.name}': {function.section}+{function.offset + relo.insn}"
        if local_btf is None:
            raise ELFError(f"{where}: CO-RE relocation without the object's BTF")
        result = core_result(local_btf, target_btf, relo, where)
        apply_core_relo(linked.code, slot, result, where)
        results.append((slot, result))
    return results


def relocate_references(linked: LinkedProgram, spec: ObjectSpec, map_fds: Mapping[str, int]) -> None:
    """Point every map, global-data and extern ``lddw`` at its map fd (``map_fds``: map name -> fd)."""
    code = linked.code
    for slot, ref in linked.references:
        where = f"program '{linked.program.name}': instruction {slot} ({ref.kind.value} '{ref.target}')"
        at = slot * 8
        if ref.kind == RefKind.KFUNC:
            raise ELFError(
                f"{where}: calls of kernel functions (kfuncs) are not supported by pybpf's loader",
                err=errno.EOPNOTSUPP,
            )
        if ref.kind == RefKind.MAP:
            _set_lddw(code, at, _PSEUDO_MAP_FD, _fd(map_fds, ref.target, where), None)
        elif ref.kind == RefKind.MAP_VALUE:
            own = struct.unpack_from("<i", code, at + 4)[0]
            _set_lddw(code, at, _PSEUDO_MAP_VALUE, _fd(map_fds, ref.target, where), own + ref.offset)
        elif ref.kind == RefKind.EXTERN:
            ext = spec.externs.get(ref.target)
            if ext is None or ext.section != KCONFIG_SECTION:
                raise ELFError(
                    f"{where}: kernel symbol externs (__ksym) need the kernel's BTF ids, which pybpf "
                    "does not resolve",
                    err=errno.EOPNOTSUPP,
                )
            _set_lddw(code, at, _PSEUDO_MAP_VALUE, _fd(map_fds, KCONFIG_SECTION, where), ext.offset)


def _fd(map_fds: Mapping[str, int], name: str, where: str) -> int:
    fd = map_fds.get(name)
    if fd is None:
        raise ELFError(f"{where}: map '{name}' was not created", err=errno.ENOENT)
    return fd


def _set_lddw(code: bytearray, at: int, src: int, imm: int, second_imm: int | None) -> None:
    if code[at] != 0x18 or at + 16 > len(code):
        raise ELFError(f"instruction at byte {at}: expected an lddw to relocate")
    code[at + 1] = (code[at + 1] & 0x0F) | (src << 4)
    struct.pack_into("<i", code, at + 4, imm)
    if second_imm is not None:
        struct.pack_into("<I", code, at + 12, second_imm & 0xFFFFFFFF)
