"""BTF types as ctypes types: a map's key and value, a global-data section, any struct, at its exact layout.

Mirrors how C lays out what BTF describes (the x86-64 / LP64 ABI the BPF target shares with the host): a
struct becomes a packed ``ctypes.Structure`` whose fields sit at the byte offsets BTF gives (explicit
padding fills the gaps), a union a ``ctypes.Union``, arrays ``T * n``, integers the ctypes integer of
their size and signedness (``char`` arrays read as ``bytes``), enums their underlying integer, pointers
``c_uint64`` (a BPF pointer is 8 bytes), a DATASEC a structure of its variables at their offsets.
Bitfields become ctypes bitfields when ctypes can place them exactly where BTF says; a struct whose
layout ctypes cannot reproduce becomes raw bytes of its size rather than a wrong layout.

``ctype_of(btf, type_id)`` is cached per BTF object and type id; every result is checked to have the
size BTF gives (``BTFError`` otherwise), so a ``from_buffer`` view over a value never reads past it.
"""

from __future__ import annotations

import ctypes
import keyword
import weakref
from typing import Any

from pybpf.btf.raw import BTFError
from pybpf.btf.types import (
    BTF,
    Array,
    Datasec,
    Enum,
    Enum64,
    Float,
    FuncProto,
    Fwd,
    Int,
    Member,
    Ptr,
    Struct,
    Union,
    Var,
    Void,
)

__all__ = ["CType", "ctype_of", "field_names", "python_type"]

CType = Any
"""A ctypes type (``type[ctypes._CData]``; typed loosely since ctypes' own stubs are)."""

_MAX_DEPTH = 64
_UNSIGNED = {1: ctypes.c_uint8, 2: ctypes.c_uint16, 4: ctypes.c_uint32, 8: ctypes.c_uint64}
_SIGNED = {1: ctypes.c_int8, 2: ctypes.c_int16, 4: ctypes.c_int32, 8: ctypes.c_int64}
_cache: dict[int, tuple[weakref.ref[BTF], dict[int, CType]]] = {}
"""Per BTF object (by identity: hashing a BTF would hash every type), the types built so far."""


def ctype_of(btf: BTF, type_id: int) -> CType:
    """The ctypes type laid out as BTF type ``type_id`` (typedefs and qualifiers resolved)."""
    key = id(btf)
    entry = _cache.get(key)
    if entry is None or entry[0]() is not btf:
        entry = (weakref.ref(btf, lambda _ref: _cache.pop(key, None)), {})
        _cache[key] = entry
    per_btf = entry[1]
    found = per_btf.get(type_id)
    if found is None:
        found = per_btf[type_id] = _Builder(btf, per_btf).build(type_id, 0)
    return found


def field_names(ctype: CType) -> list[str]:
    """The named fields of a structure or union built here (padding left out)."""
    return [f[0] for f in getattr(ctype, "_fields_", ()) if not f[0].startswith("_pad")]


class _Builder:
    def __init__(self, btf: BTF, cache: dict[int, CType]) -> None:
        self.btf = btf
        self.cache = cache

    def build(self, type_id: int, depth: int) -> CType:
        if depth > _MAX_DEPTH:
            raise BTFError(f"type id {type_id}: types nested too deeply (or a loop)")
        resolved = self.btf.resolve(type_id)
        found = self.cache.get(resolved)
        if found is not None:
            return found
        t = self.btf[resolved]
        made = self._make(resolved, t, depth)
        expected = self._size(resolved, t)
        if expected is not None and ctypes.sizeof(made) != expected:
            made = ctypes.c_uint8 * expected  # a layout ctypes cannot reproduce: the bytes themselves
        self.cache[resolved] = made
        return made

    def _size(self, type_id: int, t: Any) -> int | None:
        if isinstance(t, (Void, FuncProto, Fwd)):
            return None
        return self.btf.size_of(type_id)

    def _make(self, type_id: int, t: Any, depth: int) -> CType:
        if isinstance(t, Int):
            return _integer(t)
        if isinstance(t, (Enum, Enum64)):
            table = _SIGNED if t.signed else _UNSIGNED
            return table.get(t.size) or ctypes.c_uint8 * t.size
        if isinstance(t, Ptr):
            return ctypes.c_uint64
        if isinstance(t, Float):
            return {4: ctypes.c_float, 8: ctypes.c_double}.get(t.size) or ctypes.c_uint8 * t.size
        if isinstance(t, Array):
            elem = self.build(t.elem_type, depth + 1)
            return elem * t.nelems
        if isinstance(t, (Struct, Union)):
            return self._record(type_id, t, depth)
        if isinstance(t, Datasec):
            return self._datasec(t, depth)
        if isinstance(t, Var):
            return self.build(t.type_id, depth + 1)
        if isinstance(t, Void):
            raise BTFError("void has no layout")
        raise BTFError(f"type id {type_id} ({t.kind.name}) has no data layout")

    def _record(self, type_id: int, t: Struct | Union, depth: int) -> CType:
        base: type = ctypes.Structure if isinstance(t, Struct) else ctypes.Union
        name = _py_name(t.name) or f"anon_{type_id}"
        cls: Any = type(name, (base,), {"_pack_": 1})
        self.cache[type_id] = cls  # a pointer member back to this struct is c_uint64: no real cycle
        if isinstance(t, Union):
            fields, anonymous = self._union_fields(t, depth)
        else:
            fields, anonymous = self._struct_fields(t, depth)
        if fields is None:
            del self.cache[type_id]
            return ctypes.c_uint8 * t.size
        cls._anonymous_ = anonymous
        cls._fields_ = fields
        del self.cache[type_id]
        return cls

    def _member_type(self, m: Member, depth: int) -> CType:
        return self.build(m.type_id, depth + 1)

    def _struct_fields(self, t: Struct, depth: int) -> tuple[list[tuple[Any, ...]] | None, list[str]]:
        fields: list[tuple[Any, ...]] = []
        anonymous: list[str] = []
        at_bits = 0  # bits laid out so far
        unit: tuple[int, int, CType] | None = None  # open bitfield storage unit: (start bit, size bits, type)
        for index, m in enumerate(t.members):
            name = m.name or f"_anon{index}"
            if not m.name:
                anonymous.append(name)
            mtype = self._member_type(m, depth)
            if m.bitfield_size:
                size_bits = ctypes.sizeof(mtype) * 8
                if not isinstance(mtype, type) or mtype not in (*_UNSIGNED.values(), *_SIGNED.values()):
                    return None, []
                start = m.bit_offset - m.bit_offset % size_bits
                if m.bit_offset + m.bitfield_size > start + size_bits:
                    return None, []  # straddles its storage unit: ctypes cannot say this
                if unit is None or unit[0] != start or unit[1] != size_bits:
                    if start < at_bits:
                        return None, []
                    self._pad(fields, at_bits, start)
                    unit = (start, size_bits, mtype)
                    at_bits = start
                gap = m.bit_offset - at_bits
                if gap < 0:
                    return None, []
                if gap:
                    fields.append((f"_pad{len(fields)}", unit[2], gap))
                fields.append((name, unit[2], m.bitfield_size))
                at_bits = m.bit_offset + m.bitfield_size
                continue
            if unit is not None:
                at_bits = unit[0] + unit[1]  # close the storage unit
                unit = None
            if m.bit_offset % 8 or m.bit_offset < at_bits:
                return None, []
            self._pad(fields, at_bits, m.bit_offset)
            fields.append((name, mtype))
            at_bits = m.bit_offset + ctypes.sizeof(mtype) * 8
        if unit is not None:
            at_bits = unit[0] + unit[1]
        if at_bits > t.size * 8:
            return None, []
        self._pad(fields, at_bits, t.size * 8)
        return fields, anonymous

    def _union_fields(self, t: Union, depth: int) -> tuple[list[tuple[Any, ...]] | None, list[str]]:
        fields: list[tuple[Any, ...]] = []
        anonymous: list[str] = []
        for index, m in enumerate(t.members):
            if m.bit_offset or m.bitfield_size:
                return None, []
            name = m.name or f"_anon{index}"
            if not m.name:
                anonymous.append(name)
            fields.append((name, self._member_type(m, depth)))
        fields.append((f"_pad{len(fields)}", ctypes.c_uint8 * t.size))
        return fields, anonymous

    def _datasec(self, t: Datasec, depth: int) -> CType:
        cls: Any = type(_py_name(t.name) or "datasec", (ctypes.Structure,), {"_pack_": 1})
        fields: list[tuple[Any, ...]] = []
        at = 0
        for v in sorted(t.vars, key=lambda v: v.offset):
            var = self.btf[v.type_id]
            if not isinstance(var, Var) or v.offset < at:
                continue  # functions in a DATASEC, or overlapping entries: not data to name
            vtype = self.build(var.type_id, depth + 1)
            if ctypes.sizeof(vtype) != v.size:
                vtype = ctypes.c_uint8 * v.size
            self._pad(fields, at * 8, v.offset * 8)
            fields.append((var.name, vtype))
            at = v.offset + v.size
        if at > t.size:
            raise BTFError(f"DATASEC {t.name}: variables run past its size {t.size}")
        self._pad(fields, at * 8, t.size * 8)
        cls._fields_ = fields
        return cls

    @staticmethod
    def _pad(fields: list[tuple[Any, ...]], from_bits: int, to_bits: int) -> None:
        if to_bits > from_bits:
            fields.append((f"_pad{len(fields)}", ctypes.c_uint8 * ((to_bits - from_bits) // 8)))


def _integer(t: Int) -> CType:
    if t.is_bool and t.size == 1:
        return ctypes.c_bool
    if t.size == 1 and (t.is_char or t.name == "char"):  # clang writes plain char as a signed INT
        return ctypes.c_char
    table = _SIGNED if t.signed else _UNSIGNED
    return table.get(t.size) or ctypes.c_uint8 * t.size


def _py_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    if keyword.iskeyword(cleaned):
        cleaned += "_"
    return cleaned


def python_type(btf: BTF, type_id: int, size: int) -> Any:
    """How a map's key or value reads from Python: ``int`` for an unsigned integer or enum, a ctypes type
    laid out from BTF for anything else, None (bytes) without a usable type."""
    if not type_id:
        return None
    try:
        t = btf[btf.resolve(type_id)]
        if (
            isinstance(t, (Int, Enum, Enum64))
            and not getattr(t, "signed", False)
            and t.size == size
            and size <= 8
        ):
            return int
        if isinstance(t, Int) and t.size == size and size <= 8:
            return ctype_of(btf, type_id)
        if isinstance(t, (Struct, Union)) or t.kind.name == "ARRAY":
            ctype = ctype_of(btf, type_id)
            return ctype if ctypes.sizeof(ctype) == size else None
    except BTFError:
        return None
    return None
