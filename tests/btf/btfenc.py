"""Test helper: encode a list of BTF type records into raw BTF bytes (the inverse of ``parse_btf``).

Written from the format in the kernel's ``include/uapi/linux/btf.h`` so the parser can be checked
against an independent encoder (round trips, big-endian data, split BTF), and so malformed blobs can
be made by editing a valid one.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from pybpf.btf import (
    Array,
    BTFType,
    Const,
    Datasec,
    DeclTag,
    Enum,
    Enum64,
    Float,
    Func,
    FuncProto,
    Fwd,
    Int,
    Kind,
    Ptr,
    Restrict,
    Struct,
    Typedef,
    TypeTag,
    Union,
    Var,
    Void,
    Volatile,
)


class Strings:
    """A string section under construction; ``add`` returns a name's offset (deduplicated)."""

    def __init__(self, base_len: int = 0, leading_nul: bool = True) -> None:
        self.data = bytearray(b"\0" if leading_nul else b"")
        self.base_len = base_len
        self.offsets: dict[str, int] = {} if not leading_nul else {"": base_len}

    def add(self, s: str) -> int:
        if s not in self.offsets:
            self.offsets[s] = self.base_len + len(self.data)
            self.data += s.encode() + b"\0"
        return self.offsets[s]


def _info(kind: Kind, vlen: int = 0, kind_flag: bool = False) -> int:
    return (int(kind_flag) << 31) | (int(kind) << 24) | vlen


def encode_type(t: BTFType, strings: Strings, e: str = "<") -> bytes:
    """One ``btf_type`` record and its trailing data."""
    name = strings.add(t.name)

    def head(kind: Kind, size_or_type: int, vlen: int = 0, kf: bool = False) -> bytes:
        return struct.pack(e + "3I", name, _info(kind, vlen, kf), size_or_type)

    if isinstance(t, Int):
        enc = (t.encoding << 24) | (t.bit_offset << 16) | t.bits
        return head(Kind.INT, t.size) + struct.pack(e + "I", enc)
    if isinstance(t, (Ptr, Volatile, Const, Restrict)):
        return head(t.kind, t.type_id)
    if isinstance(t, Typedef):
        return head(Kind.TYPEDEF, t.type_id)
    if isinstance(t, TypeTag):
        return head(Kind.TYPE_TAG, t.type_id, 0, t.kind_flag)
    if isinstance(t, Array):
        return head(Kind.ARRAY, 0) + struct.pack(e + "3I", t.elem_type, t.index_type, t.nelems)
    if isinstance(t, (Struct, Union)):
        out = head(t.kind, t.size, len(t.members), t.kind_flag)
        for m in t.members:
            off = (m.bitfield_size << 24) | m.bit_offset if t.kind_flag else m.bit_offset
            out += struct.pack(e + "3I", strings.add(m.name), m.type_id, off)
        return out
    if isinstance(t, Enum):
        out = head(Kind.ENUM, t.size, len(t.values), t.signed)
        for v in t.values:
            out += struct.pack(e + "I" + ("i" if t.signed else "I"), strings.add(v.name), v.value)
        return out
    if isinstance(t, Enum64):
        out = head(Kind.ENUM64, t.size, len(t.values), t.signed)
        for v in t.values:
            raw = v.value & ((1 << 64) - 1)
            out += struct.pack(e + "3I", strings.add(v.name), raw & 0xFFFFFFFF, raw >> 32)
        return out
    if isinstance(t, Fwd):
        return head(Kind.FWD, 0, 0, t.is_union)
    if isinstance(t, Func):
        return head(Kind.FUNC, t.type_id, t.linkage)
    if isinstance(t, FuncProto):
        out = head(Kind.FUNC_PROTO, t.return_type, len(t.params))
        for p in t.params:
            out += struct.pack(e + "2I", strings.add(p.name), p.type_id)
        return out
    if isinstance(t, Var):
        return head(Kind.VAR, t.type_id) + struct.pack(e + "I", t.linkage)
    if isinstance(t, Datasec):
        out = head(Kind.DATASEC, t.size, len(t.vars))
        for v in t.vars:
            out += struct.pack(e + "3I", v.type_id, v.offset, v.size)
        return out
    if isinstance(t, Float):
        return head(Kind.FLOAT, t.size)
    if isinstance(t, DeclTag):
        return head(Kind.DECL_TAG, t.type_id, 0, t.kind_flag) + struct.pack(e + "i", t.component_idx)
    assert not isinstance(t, Void)
    raise AssertionError(f"cannot encode {t!r}")


def blob(
    type_bytes: bytes,
    string_bytes: bytes,
    e: str = "<",
    *,
    hdr_len: int = 24,
    type_off: int = 0,
    str_off: int | None = None,
    extra_header: bytes = b"",
) -> bytes:
    """A whole BTF object: header, type section, then string section (offsets overridable)."""
    if str_off is None:
        str_off = type_off + len(type_bytes)
    header = (
        struct.pack(
            e + "HBBIIIII", 0xEB9F, 1, 0, hdr_len, type_off, len(type_bytes), str_off, len(string_bytes)
        )
        + extra_header
    )
    body = bytearray(max(type_off + len(type_bytes), str_off + len(string_bytes)))
    body[type_off : type_off + len(type_bytes)] = type_bytes
    body[str_off : str_off + len(string_bytes)] = string_bytes
    return header + bytes(body)


def encode(types: Sequence[BTFType], e: str = "<", *, base_strings_len: int = 0) -> bytes:
    """Encode ``types`` (ids 1.., or continuing a base) into a complete BTF blob."""
    strings = Strings(base_strings_len, leading_nul=base_strings_len == 0)
    type_bytes = b"".join(encode_type(t, strings, e) for t in types)
    return blob(type_bytes, bytes(strings.data), e)
