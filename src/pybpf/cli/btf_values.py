"""Map keys and values read through their BTF types, as ``bpftool map dump`` formats them.

Mirrors tools/bpf/bpftool/btf_dumper.c (``btf_dumper_type``): integers as numbers (signed by their
encoding, bitfields extracted, ``bool`` as true/false, 128-bit as a hex string), ``char`` arrays that
hold a NUL-terminated printable string as that string, other arrays as lists, structs and unions as
objects (members of an anonymous member merged into their parent, as C reaches them), enums by their
enumerator's name (the number when none matches), pointers as numbers, a DATASEC as
``{".bss": [{"var": value}, ...]}``.  Everything here is JSON-ready data.
"""

from __future__ import annotations

import struct
from typing import Any

from pybpf.btf.types import (
    BTF,
    Array,
    Datasec,
    Enum,
    Enum64,
    Float,
    Int,
    Ptr,
    Struct,
    Union,
    Var,
)

__all__ = ["format_value"]

_MAX_DEPTH = 64


def format_value(btf: BTF, type_id: int, data: bytes) -> Any:
    """The value of type ``type_id`` held in ``data`` (its first ``sizeof`` bytes), as JSON data."""
    return _value(btf, type_id, data, 0, 0)


def _value(btf: BTF, type_id: int, data: bytes, bit_offset: int, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return None
    resolved = btf.resolve(type_id)
    t = btf[resolved]
    start = bit_offset // 8
    if isinstance(t, Int):
        return _int(t, data, start)
    if isinstance(t, (Enum, Enum64)):
        raw = int.from_bytes(data[start : start + t.size], "little", signed=t.signed)
        return next((v.name for v in t.values if v.value == raw), raw)
    if isinstance(t, Ptr):
        return int.from_bytes(data[start : start + 8], "little")
    if isinstance(t, Float):
        chunk = data[start : start + t.size]
        return struct.unpack({4: "<f", 8: "<d"}[t.size], chunk)[0] if t.size in (4, 8) else chunk.hex()
    if isinstance(t, Array):
        return _array(btf, t, data, start, depth)
    if isinstance(t, (Struct, Union)):
        return _record(btf, t, data, bit_offset, depth)
    if isinstance(t, Var):
        return {t.name: _value(btf, t.type_id, data, bit_offset, depth + 1)}
    if isinstance(t, Datasec):
        return {t.name: [_value(btf, v.type_id, data, v.offset * 8, depth + 1) for v in t.vars]}
    return None


def _int(t: Int, data: bytes, start: int) -> Any:
    chunk = data[start : start + t.size]
    value = int.from_bytes(chunk, "little", signed=False)
    if (t.bits and t.bits < t.size * 8) or t.bit_offset:
        value = (value >> t.bit_offset) & ((1 << t.bits) - 1)
    if t.is_bool:
        return bool(value)
    if t.signed and t.bits and value >> (t.bits - 1):
        value -= 1 << t.bits
    if t.size > 8:
        return f"0x{int.from_bytes(chunk, 'little'):x}"
    return value


def _array(btf: BTF, t: Array, data: bytes, start: int, depth: int) -> Any:
    elem = btf[btf.resolve(t.elem_type)]
    size = btf.size_of(t.elem_type) if t.nelems else 0
    if isinstance(elem, Int) and elem.size == 1 and (elem.is_char or elem.name in ("char", "signed char")):
        raw = data[start : start + t.nelems]
        end = raw.find(b"\0")
        text = raw[: end if end >= 0 else len(raw)]
        if end >= 0 and all(32 <= c < 127 for c in text):
            return text.decode("ascii")
    return [_value(btf, t.elem_type, data, (start + i * size) * 8, depth + 1) for i in range(t.nelems)]


def _record(btf: BTF, t: Struct | Union, data: bytes, bit_offset: int, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in t.members:
        where = bit_offset + m.bit_offset
        if m.bitfield_size:
            out[m.name] = _bitfield(btf, m.type_id, data, where, m.bitfield_size)
            continue
        value = _value(btf, m.type_id, data, where, depth + 1)
        if not m.name and isinstance(value, dict):
            out.update(value)
        else:
            out[m.name] = value
    return out


def _bitfield(btf: BTF, type_id: int, data: bytes, bit_offset: int, bits: int) -> int:
    start, shift = bit_offset // 8, bit_offset % 8
    span = (shift + bits + 7) // 8
    value = (int.from_bytes(data[start : start + span], "little") >> shift) & ((1 << bits) - 1)
    t = btf[btf.resolve(type_id)]
    if isinstance(t, (Int, Enum, Enum64)) and t.signed and value >> (bits - 1):
        value -= 1 << bits
    return value
