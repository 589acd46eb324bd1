"""Relocating a linked program: CO-RE against the target BTF, then maps, global data and externs to fds.

Mirrors libbpf's ``bpf_object__relocate_core`` and ``bpf_object__relocate_data``
(tools/lib/bpf/libbpf.c): each CO-RE relocation is resolved (``pybpf.elf.core``) and patched into its
instruction, or poisons it; then every ``lddw`` with a reference gets its pseudo source and immediates:

* a map: ``src_reg = BPF_PSEUDO_MAP_FD``, ``imm = fd``;
* a global variable: ``src_reg = BPF_PSEUDO_MAP_VALUE``, ``imm = fd`` of its section's map, and the second
  half's ``imm`` = the instruction's own immediate plus the variable's offset;
* a kconfig extern: the same, into the ``.kconfig`` map at the extern's offset;
* a map (or global data) the object was told not to create (``MapSpec.autocreate``): libbpf's
  ``poison_map_ldimm64`` -- both halves become ``call MAP_POISON_BASE + i`` (``i`` the map's index in
  the object), which the verifier refuses as ``invalid func unknown#2001000000`` + ``i`` where it is
  reachable (``pybpf.elf.log`` then names the map) and ignores as dead code elsewhere.

A kfunc call (``extern int bpf_iter_num_new(...) __ksym;`` called) becomes ``call`` with src
BPF_PSEUDO_KFUNC_CALL and imm = the BTF id of the FUNC of that name in the kernel's BTF
(``pybpf.kfuncs.kernel_btf``: the running kernel's when readable), off 0 (vmlinux), as libbpf's
RELO_EXTERN_FUNC does; a weak one the kernel lacks gets imm 0 and off 0 (libbpf up to 1.1, the
bpftool the tests compare with; the verifier then refuses it only if it is reached: "invalid kernel
function call not eliminated in verifier pass"), a strong one is "extern (func ksym) '%s': not
found in kernel or module BTFs" (ESRCH).  Kernel
symbol variables (``__ksym`` data) would need the kernel's BTF ids of variables: refused with a
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
from pybpf.isa import opcodes as op
from pybpf.kfuncs.kernel_btf import kernel_btf

__all__ = ["MAP_POISON_BASE", "relocate_core", "relocate_references"]

_PSEUDO_MAP_FD, _PSEUDO_MAP_VALUE = 1, 2
MAP_POISON_BASE = 2001000000
"""libbpf's ``POISON_LDIMM64_MAP_BASE``: the call immediate of an ``lddw`` of a map not created."""


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
            _set_kfunc_call(code, at, spec, ref.target)
            continue
        if ref.kind in (RefKind.MAP, RefKind.MAP_VALUE) and ref.target not in map_fds:
            wanted = spec.maps.get(ref.target)
            if wanted is not None and not wanted.autocreate:
                _poison_lddw(code, at, list(spec.maps).index(ref.target))
                continue
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


def _set_kfunc_call(code: bytearray, at: int, spec: ObjectSpec, name: str) -> None:
    """RELO_EXTERN_FUNC: the call names the kernel BTF's FUNC ``name`` (id 0 for a missing weak one)."""
    if code[at] != 0x85 or at + 8 > len(code):
        raise ELFError(f"instruction at byte {at}: expected a call to relocate")
    btf_id = kernel_btf().func_id(name)
    if btf_id is None:
        ext = spec.externs.get(name)
        if ext is None or not ext.weak:
            raise ELFError(
                f"extern (func ksym) '{name}': not found in kernel or module BTFs", err=errno.ESRCH
            )
        btf_id = 0
    code[at + 1] = (op.BPF_PSEUDO_KFUNC_CALL << 4) | (code[at + 1] & 0x0F)
    struct.pack_into("<hi", code, at + 2, 0, btf_id)


def _fd(map_fds: Mapping[str, int], name: str, where: str) -> int:
    fd = map_fds.get(name)
    if fd is None:
        raise ELFError(f"{where}: map '{name}' was not created", err=errno.ENOENT)
    return fd


def _poison_lddw(code: bytearray, at: int, map_index: int) -> None:
    """``poison_map_ldimm64``: both slots of the ``lddw`` become ``call MAP_POISON_BASE + map_index``."""
    if code[at] != 0x18 or at + 16 > len(code):
        raise ELFError(f"instruction at byte {at}: expected an lddw to relocate")
    for slot in (at, at + 8):
        struct.pack_into("<BBhi", code, slot, 0x85, 0, 0, MAP_POISON_BASE + map_index)  # call


def _set_lddw(code: bytearray, at: int, src: int, imm: int, second_imm: int | None) -> None:
    if code[at] != 0x18 or at + 16 > len(code):
        raise ELFError(f"instruction at byte {at}: expected an lddw to relocate")
    code[at + 1] = (code[at + 1] & 0x0F) | (src << 4)
    struct.pack_into("<i", code, at + 4, imm)
    if second_imm is not None:
        struct.pack_into("<I", code, at + 12, second_imm & 0xFFFFFFFF)
