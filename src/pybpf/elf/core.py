"""CO-RE: relocating field offsets, sizes, type and enum facts against the BTF of the target kernel.

Mirrors libbpf's ``relo_core.c`` (``bpf_core_parse_spec``, ``bpf_core_find_cands`` /
``bpf_core_add_cands``, ``bpf_core_spec_match``, ``bpf_core_match_member``, ``bpf_core_fields_are_compat``,
``bpf_core_types_are_compat``, ``bpf_core_calc_relo`` and ``bpf_core_patch_insn``):

* the local spec: the relocation's root type in the object's BTF and its access string (``0:1:2``: the
  root's array index, then member / element indices), with the bit offset it reaches;
* candidates: target types whose name is the root's without a ``___flavor`` suffix, of a compatible kind;
* matching: members by name (through anonymous structs and unions), array elements by index, each
  reached member's type compatible with the local one; all matching candidates must agree;
* the result: the value for the local spec (``orig``, which the instruction must hold) and for the
  target (``new``), or *poison* -- the field or enumerator does not exist -- which turns the instruction
  into ``call 0xbad2310`` so the verifier refuses the program only if that instruction is reachable;
  existence checks give 0 instead, and type facts 0 for a missing type;
* patching: the immediate of an ALU instruction or an ``lddw``, the offset of a load or store (and its
  size, when the target field is an unsigned integer or pointer of another size).
"""

from __future__ import annotations

import errno
import struct
from dataclasses import dataclass, field

from pybpf import uapi
from pybpf.btf.ext import CoreRelo
from pybpf.btf.raw import BTFError
from pybpf.btf.types import (
    BTF,
    Array,
    BTFType,
    Enum,
    Enum64,
    Float,
    FuncProto,
    Fwd,
    Int,
    Ptr,
    Struct,
    Union,
    Void,
)
from pybpf.elf.errors import ELFError

__all__ = ["POISON_IMM", "CoreResult", "apply_core_relo", "core_result", "essential_name"]

POISON_IMM = 0xBAD2310
"""The immediate of the ``call`` a failed relocation becomes (195896080, "bad relo")."""
SPEC_MAX_LEN = 64
_K = uapi.bpf_core_relo_kind
_FIELD_KINDS = {
    _K.BPF_CORE_FIELD_BYTE_OFFSET,
    _K.BPF_CORE_FIELD_BYTE_SIZE,
    _K.BPF_CORE_FIELD_EXISTS,
    _K.BPF_CORE_FIELD_SIGNED,
    _K.BPF_CORE_FIELD_LSHIFT_U64,
    _K.BPF_CORE_FIELD_RSHIFT_U64,
}
_TYPE_KINDS = {
    _K.BPF_CORE_TYPE_ID_LOCAL,
    _K.BPF_CORE_TYPE_ID_TARGET,
    _K.BPF_CORE_TYPE_EXISTS,
    _K.BPF_CORE_TYPE_SIZE,
    _K.BPF_CORE_TYPE_MATCHES,
}
_ENUM_KINDS = {_K.BPF_CORE_ENUMVAL_EXISTS, _K.BPF_CORE_ENUMVAL_VALUE}
_KIND_NAMES = {
    _K.BPF_CORE_FIELD_BYTE_OFFSET: "byte_off",
    _K.BPF_CORE_FIELD_BYTE_SIZE: "byte_sz",
    _K.BPF_CORE_FIELD_EXISTS: "field_exists",
    _K.BPF_CORE_FIELD_SIGNED: "signed",
    _K.BPF_CORE_FIELD_LSHIFT_U64: "lshift_u64",
    _K.BPF_CORE_FIELD_RSHIFT_U64: "rshift_u64",
    _K.BPF_CORE_TYPE_ID_LOCAL: "local_type_id",
    _K.BPF_CORE_TYPE_ID_TARGET: "target_type_id",
    _K.BPF_CORE_TYPE_EXISTS: "type_exists",
    _K.BPF_CORE_TYPE_MATCHES: "type_matches",
    _K.BPF_CORE_TYPE_SIZE: "type_size",
    _K.BPF_CORE_ENUMVAL_EXISTS: "enumval_exists",
    _K.BPF_CORE_ENUMVAL_VALUE: "enumval_value",
}


class _Poison(Exception):
    """The relocation cannot be satisfied: poison the instruction."""


@dataclass
class _Access:
    type_id: int
    idx: int
    name: str = ""


@dataclass
class _Spec:
    """``struct bpf_core_spec``."""

    btf: BTF
    root_type_id: int
    kind: _K
    access: list[_Access] = field(default_factory=list)
    raw: list[int] = field(default_factory=list)
    bit_offset: int = 0

    def describe(self) -> str:
        """``bpf_core_format_spec``-like: ``[7] struct task_struct.pid (0:12 @ offset 1234)``."""
        btf = self.btf
        text = f"[{self.root_type_id}] {btf.name_of(self.root_type_id)}"
        if self.kind in _FIELD_KINDS:
            path = "".join(f".{a.name}" if a.name else f"[{a.idx}]" for a in self.access[1:])
            raw = ":".join(str(i) for i in self.raw)
            text += f"{path} ({raw} @ offset {self.bit_offset // 8}"
            text += f".{self.bit_offset % 8})" if self.bit_offset % 8 else ")"
        elif self.kind in _ENUM_KINDS and self.access:
            text += f"::{self.access[0].name} = {self.access[0].idx}"
        return text


@dataclass(frozen=True)
class CoreResult:
    """What one relocation resolved to (``struct bpf_core_relo_res``)."""

    orig_val: int
    new_val: int
    poison: bool = False
    validate: bool = True
    fail_memsz_adjust: bool = False
    orig_size: int = 0
    new_size: int = 0
    description: str = ""
    """``<kind> [id] struct foo.bar (0:1 @ offset 4)``, for messages."""


# -- names and candidates -------------------------------------------------------------------------------


def essential_name(name: str) -> str:
    """``bpf_core_essential_name_len``: the name without a ``___flavor`` suffix."""
    if "___" not in name:
        return name
    for i in range(len(name) - 5, -1, -1):
        if name[i] != "_" and name[i + 1 : i + 4] == "___" and name[i + 4] != "_":
            return name[: i + 1]
    return name


def _candidates(local: BTFType, target: BTF) -> list[int]:
    """``bpf_core_add_cands``: target types of a compatible kind whose essential name is the local one's
    (found by name prefix: a target decoded on demand, as the kernel's vmlinux is, decodes no others)."""
    wanted = essential_name(local.name)
    if not wanted:
        return []
    return [
        i
        for i in target.ids_with_prefix(wanted)
        if i >= target.start_id
        and essential_name(target[i].name) == wanted
        and _kind_compatible(target[i], local)
    ]


def _kind_compatible(a: BTFType, b: BTFType) -> bool:
    """``btf_kind_core_compat``."""
    return a.kind == b.kind or (isinstance(a, (Enum, Enum64)) and isinstance(b, (Enum, Enum64)))


# -- the local spec ------------------------------------------------------------------------------------------


def _parse_spec(btf: BTF, relo: CoreRelo) -> _Spec:
    """``bpf_core_parse_spec``."""
    try:
        raw = [int(part) for part in relo.access.split(":")]
    except ValueError:
        raise ValueError(f"bad access string {relo.access!r}") from None
    if not raw or len(raw) > SPEC_MAX_LEN or min(raw) < 0:
        raise ValueError(f"bad access string {relo.access!r}")
    spec = _Spec(btf, relo.type_id, relo.kind, raw=list(raw))
    if relo.kind in _TYPE_KINDS:
        if raw != [0]:
            raise ValueError(f"type relocation with access string {relo.access!r}")
        return spec
    root = btf.resolve(relo.type_id)
    if relo.kind in _ENUM_KINDS:
        t = btf[root]
        if not isinstance(t, (Enum, Enum64)) or len(raw) != 1 or raw[0] >= len(t.values):
            raise ValueError(f"enum relocation of {btf.name_of(relo.type_id)} with access {relo.access!r}")
        spec.access.append(_Access(root, raw[0], t.values[raw[0]].name))
        return spec
    if relo.kind not in _FIELD_KINDS:
        raise ValueError(f"unknown relocation kind {relo.kind}")
    spec.access.append(_Access(root, raw[0]))
    spec.bit_offset = raw[0] * btf.size_of(root) * 8
    type_id = root
    for idx in raw[1:]:
        type_id = btf.resolve(type_id)
        t = btf[type_id]
        if isinstance(t, (Struct, Union)):
            if idx >= len(t.members):
                raise ValueError(f"member index {idx} past {btf.name_of(type_id)}")
            m = t.members[idx]
            spec.bit_offset += m.bit_offset
            if m.name:
                spec.access.append(_Access(type_id, idx, m.name))
            type_id = m.type_id
        elif isinstance(t, Array):
            elem = btf.resolve(t.elem_type)
            if not _is_flex(btf, spec.access[-1], t) and idx >= t.nelems:
                raise ValueError(f"index {idx} past {btf.name_of(type_id)}")
            spec.access.append(_Access(elem, idx))
            spec.bit_offset += idx * btf.size_of(elem) * 8
            type_id = elem
        else:
            raise ValueError(f"access {relo.access!r} reaches {btf.name_of(type_id)} of unexpected kind")
    return spec


def _is_flex(btf: BTF, acc: _Access, arr: Array) -> bool:
    """``is_flex_arr``: a zero-length array that is the last member of its struct."""
    if not acc.name or arr.nelems > 0:
        return False
    owner = btf[acc.type_id]
    return isinstance(owner, (Struct, Union)) and acc.idx == len(owner.members) - 1


# -- matching ------------------------------------------------------------------------------------------------


def _match(local: _Spec, target: BTF, target_id: int) -> _Spec | None:
    """``bpf_core_spec_match``: the target spec for one candidate, or None when it does not match."""
    spec = _Spec(target, target_id, local.kind)
    if local.kind in _TYPE_KINDS:
        if local.kind == _K.BPF_CORE_TYPE_MATCHES:
            return spec if _types_match(local.btf, local.root_type_id, target, target_id, 32) else None
        return spec if _types_compatible(local.btf, local.root_type_id, target, target_id, 32) else None
    if local.kind in _ENUM_KINDS:
        t = target[target.resolve(target_id)]
        if not isinstance(t, (Enum, Enum64)):
            return None
        wanted = essential_name(local.access[0].name)
        for i, v in enumerate(t.values):
            if essential_name(v.name) == wanted:
                spec.access.append(_Access(target.resolve(target_id), i, v.name))
                spec.raw.append(i)
                return spec
        return None
    type_id = target_id
    for i, acc in enumerate(local.access):
        type_id = target.resolve(type_id)
        if acc.name:
            found = _match_member(local, acc, target, type_id, spec)
            if found is None:
                return None
            type_id = found
            continue
        if i > 0:
            t = target[type_id]
            if not isinstance(t, Array):
                return None
            if not _is_flex(target, spec.access[-1], t) and acc.idx >= t.nelems:
                return None
            type_id = target.resolve(t.elem_type)
        if len(spec.raw) >= SPEC_MAX_LEN:
            raise ValueError("struct/union/array nesting too deep")
        spec.access.append(_Access(type_id, acc.idx))
        spec.raw.append(acc.idx)
        spec.bit_offset += acc.idx * target.size_of(type_id) * 8
    return spec


def _match_member(local: _Spec, acc: _Access, target: BTF, type_id: int, spec: _Spec) -> int | None:
    """``bpf_core_match_member``: find ``acc``'s member in the target type (through anonymous members);
    the type id of the matched member, with ``spec`` extended, or None."""
    owner = local.btf[acc.type_id]
    assert isinstance(owner, (Struct, Union))
    local_member = owner.members[acc.idx]
    t = target[target.resolve(type_id)]
    if not isinstance(t, (Struct, Union)):
        return None
    type_id = target.resolve(type_id)
    for i, m in enumerate(t.members):
        if len(spec.raw) >= SPEC_MAX_LEN:
            raise ValueError("struct/union/array nesting too deep")
        spec.bit_offset += m.bit_offset
        spec.raw.append(i)
        if not m.name:
            found = _match_member(local, acc, target, m.type_id, spec)
            if found is not None:
                return found
        elif m.name == local_member.name:
            if not _fields_compatible(local.btf, local_member.type_id, target, m.type_id):
                return None
            spec.access.append(_Access(type_id, i, m.name))
            return m.type_id
        spec.bit_offset -= m.bit_offset
        spec.raw.pop()
    return None


def _fields_compatible(lbtf: BTF, lid: int, tbtf: BTF, tid: int, depth: int = 32) -> bool:
    """``bpf_core_fields_are_compat``."""
    for _ in range(depth):
        lt, tt = lbtf[lbtf.resolve(lid)], tbtf[tbtf.resolve(tid)]
        if isinstance(lt, (Struct, Union)) and isinstance(tt, (Struct, Union)):
            return True
        if lt.kind != tt.kind and not (isinstance(lt, (Enum, Enum64)) and isinstance(tt, (Enum, Enum64))):
            return False
        if isinstance(lt, (Ptr, Float)):
            return True
        if isinstance(lt, (Fwd, Enum, Enum64)):
            return not lt.name or essential_name(lt.name) == essential_name(tt.name)
        if isinstance(lt, Int):
            assert isinstance(tt, Int)
            return lt.bit_offset == 0 and tt.bit_offset == 0
        if isinstance(lt, Array) and isinstance(tt, Array):
            lid, tid = lt.elem_type, tt.elem_type
            continue
        return False
    return False


def _types_compatible(lbtf: BTF, lid: int, tbtf: BTF, tid: int, depth: int) -> bool:
    """``bpf_core_types_are_compat``."""
    if depth < 0:
        raise ValueError("types nested too deeply")
    lt, tt = lbtf[lbtf.resolve(lid)], tbtf[tbtf.resolve(tid)]
    if not _kind_compatible(lt, tt):
        return False
    if isinstance(lt, (Void, Struct, Union, Enum, Enum64, Fwd)):
        return True
    if isinstance(lt, Int):
        assert isinstance(tt, Int)
        return lt.bit_offset == 0 and tt.bit_offset == 0
    if isinstance(lt, Ptr) and isinstance(tt, Ptr):
        return _types_compatible(lbtf, lt.type_id, tbtf, tt.type_id, depth - 1)
    if isinstance(lt, Array) and isinstance(tt, Array):
        return _types_compatible(lbtf, lt.elem_type, tbtf, tt.elem_type, depth - 1)
    if isinstance(lt, FuncProto) and isinstance(tt, FuncProto):
        if len(lt.params) != len(tt.params):
            return False
        for lp, tp in zip(lt.params, tt.params, strict=True):
            if not _types_compatible(lbtf, lp.type_id, tbtf, tp.type_id, depth - 1):
                return False
        return _types_compatible(lbtf, lt.return_type, tbtf, tt.return_type, depth - 1)
    return False


def _types_match(lbtf: BTF, lid: int, tbtf: BTF, tid: int, depth: int) -> bool:
    """``bpf_core_types_match``, simplified: compatible, and each local member found by name in the target."""
    if not _types_compatible(lbtf, lid, tbtf, tid, depth):
        return False
    lt, tt = lbtf[lbtf.resolve(lid)], tbtf[tbtf.resolve(tid)]
    if isinstance(lt, (Struct, Union)) and isinstance(tt, (Struct, Union)):
        names = {m.name: m for m in tt.members}
        for m in lt.members:
            other = names.get(m.name)
            if other is None or not _fields_compatible(lbtf, m.type_id, tbtf, other.type_id):
                return False
    if isinstance(lt, (Enum, Enum64)) and isinstance(tt, (Enum, Enum64)):
        return {v.name for v in lt.values} <= {v.name for v in tt.values}
    return True


# -- values --------------------------------------------------------------------------------------------------


def _field_value(kind: _K, spec: _Spec | None) -> tuple[int, int, int, bool]:
    """``bpf_core_calc_field_relo``: (value, field size, field type id, validate)."""
    if kind == _K.BPF_CORE_FIELD_EXISTS:
        return (1 if spec is not None else 0), 0, 0, True
    if spec is None:
        raise _Poison
    btf = spec.btf
    acc = spec.access[-1]
    if not acc.name:
        size = btf.size_of(acc.type_id)
        if kind == _K.BPF_CORE_FIELD_BYTE_OFFSET:
            return spec.bit_offset // 8, size, acc.type_id, True
        if kind == _K.BPF_CORE_FIELD_BYTE_SIZE:
            return size, 0, 0, True
        raise ValueError(f"{_KIND_NAMES[kind]} can't be applied to an array access")
    owner = btf[acc.type_id]
    assert isinstance(owner, (Struct, Union))
    member = owner.members[acc.idx]
    field_id = btf.resolve(member.type_id)
    mt = btf[field_id]
    bit_off, bit_sz = spec.bit_offset, member.bitfield_size
    if bit_sz:
        byte_sz = btf.size_of(field_id)
        byte_off = bit_off // 8 // byte_sz * byte_sz
        while bit_off + bit_sz - byte_off * 8 > byte_sz * 8:
            if byte_sz >= 8:
                raise ValueError("a bitfield that cannot be read with a 64-bit load")
            byte_sz *= 2
            byte_off = bit_off // 8 // byte_sz * byte_sz
    else:
        byte_sz = btf.size_of(field_id)
        byte_off = bit_off // 8
        bit_sz = byte_sz * 8
    validate = not member.bitfield_size
    if kind == _K.BPF_CORE_FIELD_BYTE_OFFSET:
        return (
            byte_off,
            (0 if member.bitfield_size else byte_sz),
            (0 if member.bitfield_size else field_id),
            validate,
        )
    if kind == _K.BPF_CORE_FIELD_BYTE_SIZE:
        return byte_sz, 0, 0, validate
    if kind == _K.BPF_CORE_FIELD_SIGNED:
        signed = (isinstance(mt, (Enum, Enum64)) and mt.signed) or (isinstance(mt, Int) and mt.signed)
        return int(signed), 0, 0, True
    if kind == _K.BPF_CORE_FIELD_LSHIFT_U64:
        return 64 - (bit_off + bit_sz - byte_off * 8), 0, 0, validate
    if kind == _K.BPF_CORE_FIELD_RSHIFT_U64:
        return 64 - bit_sz, 0, 0, True
    raise ValueError(f"unrecognized CO-RE relocation {kind}")


def _type_value(kind: _K, spec: _Spec | None) -> int:
    """``bpf_core_calc_type_relo``: type relocations give 0 when the type is missing."""
    if spec is None:
        return 0
    if kind == _K.BPF_CORE_TYPE_ID_TARGET:
        return spec.root_type_id
    if kind in (_K.BPF_CORE_TYPE_EXISTS, _K.BPF_CORE_TYPE_MATCHES):
        return 1
    if kind == _K.BPF_CORE_TYPE_SIZE:
        return spec.btf.size_of(spec.root_type_id)
    raise ValueError(f"unrecognized CO-RE relocation {kind}")


def _enum_value(kind: _K, spec: _Spec | None) -> int:
    """``bpf_core_calc_enumval_relo``."""
    if kind == _K.BPF_CORE_ENUMVAL_EXISTS:
        return 1 if spec is not None else 0
    if spec is None:
        raise _Poison
    t = spec.btf[spec.access[0].type_id]
    assert isinstance(t, (Enum, Enum64))
    return t.values[spec.access[0].idx].value


def _calc(local: _Spec, target: _Spec | None) -> CoreResult:
    """``bpf_core_calc_relo``."""
    kind = local.kind
    describe = f"<{_KIND_NAMES.get(kind, kind)}> {local.describe()}"
    try:
        if kind in _FIELD_KINDS:
            orig, orig_sz, orig_tid, validate = _field_value(kind, local)
            new, new_sz, new_tid, _ = _field_value(kind, target)
            fail = False
            if orig_sz != new_sz and target is not None:
                lt, tt = local.btf[orig_tid], target.btf[new_tid]
                both_ptr = isinstance(lt, Ptr) and isinstance(tt, Ptr)
                unsigned = isinstance(lt, Int) and isinstance(tt, Int) and not lt.signed and not tt.signed
                fail = not (both_ptr or unsigned)
            return CoreResult(orig, new, False, validate, fail, orig_sz, new_sz, describe)
        if kind in _TYPE_KINDS:
            return CoreResult(_type_value(kind, local), _type_value(kind, target), description=describe)
        return CoreResult(_enum_value(kind, local), _enum_value(kind, target), description=describe)
    except _Poison:
        orig = 0
        return CoreResult(orig, 0, poison=True, validate=False, description=describe)


def core_result(local_btf: BTF, target: BTF | None, relo: CoreRelo, where: str) -> CoreResult:
    """``bpf_core_calc_relo_insn``: resolve one relocation (``target`` None: only TYPE_ID_LOCAL works)."""
    try:
        local = _parse_spec(local_btf, relo)
        if relo.kind == _K.BPF_CORE_TYPE_ID_LOCAL:
            return CoreResult(
                relo.type_id, relo.type_id, validate=False, description=f"<local_type_id> {local.describe()}"
            )
        root = local_btf[relo.type_id]
        if not root.name:
            raise ELFError(
                f"{where}: CO-RE relocation of an anonymous type ({local.describe()}) is not supported",
                err=errno.EOPNOTSUPP,
            )
        if target is None:
            raise ELFError(
                f"{where}: CO-RE relocation needs a target BTF (no /sys/kernel/btf/vmlinux here; "
                "pass btf_custom_path=...)",
                err=errno.ESRCH,
            )
        chosen: CoreResult | None = None
        chosen_spec: _Spec | None = None
        for candidate in _candidates(root, target):
            matched = _match(local, target, candidate)
            if matched is None:
                continue
            result = _calc(local, matched)
            if chosen is None:
                chosen, chosen_spec = result, matched
            elif chosen_spec is not None and matched.bit_offset != chosen_spec.bit_offset:
                raise ELFError(
                    f"{where}: CO-RE field offset ambiguity: {matched.bit_offset} != "
                    f"{chosen_spec.bit_offset} ({local.describe()})"
                )
            elif result.poison != chosen.poison or result.new_val != chosen.new_val:
                raise ELFError(
                    f"{where}: CO-RE relocation decision ambiguity: {result.new_val} != "
                    f"{chosen.new_val} ({local.describe()})"
                )
        return chosen if chosen is not None else _calc(local, None)
    except (ValueError, BTFError) as exc:  # BTFError is a ValueError; bad access strings and bad BTF alike
        raise ELFError(f"{where}: CO-RE relocation [{relo.type_id}] {relo.access!r}: {exc}") from None


# -- patching ------------------------------------------------------------------------------------------------

_LD, _LDX, _ST, _STX, _ALU, _JMP, _ALU64 = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x07
_SIZES = {1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18}  # bytes -> BPF_B / BPF_H / BPF_W / BPF_DW


def apply_core_relo(code: bytearray, slot: int, result: CoreResult, where: str) -> None:
    """``bpf_core_patch_insn``: patch the instruction at ``slot`` of ``code`` with ``result``."""
    at = slot * 8
    opcode, regs, off, imm = struct.unpack_from("<BBhi", code, at)
    cls = opcode & 0x07
    is_lddw = opcode == 0x18 and at + 16 <= len(code)
    if result.poison or (result.fail_memsz_adjust and cls in (_LDX, _ST, _STX)):
        if is_lddw:
            _poison(code, slot + 1)
        _poison(code, slot)
        return
    orig, new = result.orig_val, result.new_val
    if cls in (_ALU, _ALU64):
        if opcode & 0x08:
            raise ELFError(f"{where}: CO-RE relocation of an ALU instruction with a register source")
        if result.validate and (imm & 0xFFFFFFFF) != (orig & 0xFFFFFFFF):
            raise ELFError(f"{where}: unexpected ALU immediate {imm}, expected {orig} -> {new}")
        struct.pack_into("<i", code, at + 4, _s32(new))
    elif cls in (_LDX, _ST, _STX):
        if result.validate and off != orig:
            raise ELFError(f"{where}: unexpected load/store offset {off}, expected {orig} -> {new}")
        if new > 0x7FFF:
            raise ELFError(f"{where}: load/store offset {new} too big", err=errno.ERANGE)
        struct.pack_into("<h", code, at + 2, new)
        if result.new_size != result.orig_size:
            size = {0x10: 1, 0x08: 2, 0x00: 4, 0x18: 8}[opcode & 0x18]
            if size != result.orig_size:
                raise ELFError(f"{where}: unexpected memory size {size}, expected {result.orig_size}")
            if result.new_size not in _SIZES:
                raise ELFError(f"{where}: invalid new memory size {result.new_size}")
            code[at] = (opcode & ~0x18 & 0xFF) | _SIZES[result.new_size]
    elif is_lddw:
        second = struct.unpack_from("<BBhi", code, at + 8)
        if regs >> 4 or off or second[0] or second[1] or second[2]:
            raise ELFError(f"{where}: lddw of unexpected form for a CO-RE relocation")
        value = (imm & 0xFFFFFFFF) | ((second[3] & 0xFFFFFFFF) << 32)
        if result.validate and value != orig:
            raise ELFError(f"{where}: unexpected lddw value {value}, expected {orig} -> {new}")
        struct.pack_into("<i", code, at + 4, _s32(new & 0xFFFFFFFF))
        struct.pack_into("<i", code, at + 12, _s32((new >> 32) & 0xFFFFFFFF))
    else:
        raise ELFError(f"{where}: cannot relocate instruction with opcode {opcode:#04x}")


def _poison(code: bytearray, slot: int) -> None:
    """``bpf_core_poison_insn``: ``call 0xbad2310``."""
    struct.pack_into("<BBhi", code, slot * 8, _JMP | 0x80, 0, 0, POISON_IMM)


def _s32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value
