"""Decode raw BTF bytes (``/sys/kernel/btf/*``, an ELF ``.BTF`` section, a BPF_BTF_LOAD blob).

Mirrors the encoding in the kernel's ``include/uapi/linux/btf.h`` / ``Documentation/bpf/btf.rst``:

* ``struct btf_header`` — magic 0xeB9F, version 1, flags, ``hdr_len``, then the type and string
  sections' offsets and lengths, relative to the end of the header.  A longer header than this
  parser knows is accepted only if its extra bytes are zero (the kernel's rule for
  forward-compatible structs).  The byte order is the one the magic is written in: both
  little- and big-endian BTF decode.
* the type section — ``struct btf_type`` records (``name_off``, ``info``: vlen bits 0-15, kind
  bits 24-28, kind_flag bit 31, then ``size``/``type``), each followed by its kind's trailing
  data (``btf_array``, ``btf_member``/``btf_enum``/``btf_enum64``/``btf_param``/``btf_var``/
  ``btf_var_secinfo``/``btf_decl_tag`` records, or the INT encoding word).
* the string section — NUL-terminated names; offset 0 is the empty string.

Malformed input raises ``BTFError`` (a ``ValueError``) saying what is wrong and where; no
``IndexError``/``struct.error``/``UnicodeDecodeError`` escapes.  The checks are those every
consumer needs (bounds, alignment, known kinds, valid string offsets, every referenced type id in
range); the stricter semantic checks the kernel applies at BPF_BTF_LOAD (name validity, member
ordering, size consistency ...) belong to that command, not to decoding.
"""

from __future__ import annotations

import array
import struct
import sys
from collections.abc import Callable

from pybpf.btf.types import (
    BTF,
    Array,
    BTFError,
    BTFType,
    Const,
    Datasec,
    DeclTag,
    Enum,
    Enum64,
    EnumValue,
    Float,
    Func,
    FuncProto,
    Fwd,
    Int,
    Kind,
    Member,
    Param,
    Ptr,
    Restrict,
    Struct,
    Typedef,
    TypeTag,
    Union,
    Var,
    VarSecinfo,
    Volatile,
    type_refs,
)

__all__ = ["BTF_HEADER_SIZE", "BTF_MAGIC", "BTF_VERSION", "parse_btf", "read_btf_file"]

BTF_MAGIC = 0xEB9F
BTF_VERSION = 1
BTF_HEADER_SIZE = 24  # sizeof(struct btf_header)
BTF_MAX_TYPE = 0x000FFFFF
BTF_MAX_NAME_OFFSET = 0x00FFFFFF


def read_btf_file(path: str, base: BTF | None = None) -> BTF:
    """Parse the BTF file at ``path`` (e.g. ``/sys/kernel/btf/vmlinux``); OSError if unreadable."""
    with open(path, "rb") as f:
        return parse_btf(f.read(), base=base)


def parse_btf(data: bytes | bytearray | memoryview, base: BTF | None = None) -> BTF:
    """Decode one BTF blob.  ``base``: the base BTF when ``data`` is split BTF (a module's)."""
    buf = bytes(data)
    if len(buf) < 4:
        raise BTFError(f"BTF data too short for a header ({len(buf)} bytes)")
    if buf[:2] == b"\x9f\xeb":
        endian = "<"
    elif buf[:2] == b"\xeb\x9f":
        endian = ">"
    else:
        raise BTFError(f"bad BTF magic {buf[:2].hex()} (expected 0xeb9f)")
    if base is not None and base.little_endian != (endian == "<"):
        raise BTFError("split BTF and its base have different byte orders")
    version, _flags = buf[2], buf[3]
    if version != BTF_VERSION:
        raise BTFError(f"unsupported BTF version {version}")
    if len(buf) < BTF_HEADER_SIZE:
        raise BTFError(f"BTF data too short for a header ({len(buf)} < {BTF_HEADER_SIZE} bytes)")
    hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(endian + "5I", buf, 4)
    if hdr_len < BTF_HEADER_SIZE or hdr_len > len(buf):
        raise BTFError(f"bad BTF header length {hdr_len} (data is {len(buf)} bytes)")
    if any(buf[BTF_HEADER_SIZE:hdr_len]):
        raise BTFError("unsupported non-zero fields in the extended BTF header")
    body = len(buf) - hdr_len
    if type_off % 4:
        raise BTFError(f"type section offset {type_off} is not 4-byte aligned")
    if type_off + type_len > body:
        raise BTFError(f"type section [{type_off}, +{type_len}) runs past the data ({body} bytes)")
    if str_off + str_len > body:
        raise BTFError(f"string section [{str_off}, +{str_len}) runs past the data ({body} bytes)")
    if type_off < str_off + str_len and str_off < type_off + type_len:
        raise BTFError("type and string sections overlap")
    strings = buf[hdr_len + str_off : hdr_len + str_off + str_len]
    types_raw = buf[hdr_len + type_off : hdr_len + type_off + type_len]
    names = _Strings(strings, base)
    start_id = base.end_id if base is not None else 1
    refs: list[int] = []
    types = _decode_types(types_raw, endian, names, start_id, refs)
    if start_id + len(types) - 1 > BTF_MAX_TYPE:
        raise BTFError(f"too many types ({start_id + len(types) - 1} > {BTF_MAX_TYPE})")
    end_id = start_id + len(types)
    if refs and max(refs) >= end_id:
        for i, t in enumerate(types):
            for ref in type_refs(t):
                if ref >= end_id:
                    raise BTFError(
                        f"type id {start_id + i} ({t.kind.name}) refers to type id {ref}, "
                        f"out of range (max {end_id - 1})"
                    )
    return BTF(tuple(types), strings=strings, base=base, little_endian=endian == "<")


class _Strings:
    """Name lookup during decoding: this blob's string section, continuing the base's offsets."""

    def __init__(self, data: bytes, base: BTF | None) -> None:
        base_end = base.strings_end if base is not None else 0
        if base is None and (not data or data[0] != 0):
            raise BTFError('invalid string section (must start with a NUL byte: offset 0 is "")')
        if data and data[-1] != 0:
            raise BTFError("invalid string section (must end with a NUL byte)")
        if base_end + len(data) - 1 > BTF_MAX_NAME_OFFSET:
            raise BTFError(f"string section too large ({len(data)} bytes)")
        self.own = BTF((), strings=data, base=base)
        # Index every string that starts right after a NUL (nearly every name offset): one pass.
        self.cache: dict[int, str] = {}
        if data.isascii():
            off = base_end
            for part in data.decode("ascii").split("\0"):
                self.cache[off] = part
                off += len(part) + 1

    def name(self, off: int, type_id: int, what: str = "") -> str:
        """The name at ``off``, for type ``type_id`` (``what``: which part of it, for errors)."""
        cached = self.cache.get(off)
        if cached is not None:
            return cached
        try:
            s = self.own.string(off)
        except BTFError as e:
            raise BTFError(f"type id {type_id}{what}: {e}") from None
        self.cache[off] = s
        return s


def _s32(v: int) -> int:
    return v - (1 << 32) if v & 0x80000000 else v


# Trailing u32 words after the 12-byte btf_type, per kind, as (fixed, per vlen entry).
_TRAILER: dict[int, tuple[int, int]] = {
    Kind.INT: (1, 0),
    Kind.PTR: (0, 0),
    Kind.ARRAY: (3, 0),
    Kind.STRUCT: (0, 3),
    Kind.UNION: (0, 3),
    Kind.ENUM: (0, 2),
    Kind.FWD: (0, 0),
    Kind.TYPEDEF: (0, 0),
    Kind.VOLATILE: (0, 0),
    Kind.CONST: (0, 0),
    Kind.RESTRICT: (0, 0),
    Kind.FUNC: (0, 0),
    Kind.FUNC_PROTO: (0, 2),
    Kind.VAR: (1, 0),
    Kind.DATASEC: (0, 3),
    Kind.FLOAT: (0, 0),
    Kind.DECL_TAG: (1, 0),
    Kind.TYPE_TAG: (0, 0),
    Kind.ENUM64: (0, 3),
}


def _decode_types(raw: bytes, endian: str, names: _Strings, first_id: int, refs: list[int]) -> list[BTFType]:
    if len(raw) % 4:
        raise BTFError(f"type section length {len(raw)} is not a multiple of 4")
    arr = array.array("I")
    if arr.itemsize != 4:  # pragma: no cover - every Linux ABI has a 4-byte unsigned int
        raise BTFError("host C unsigned int is not 32 bits")
    arr.frombytes(raw)
    if (endian == "<") != (sys.byteorder == "little"):
        arr.byteswap()
    d = _Decoder(arr.tolist(), names, refs)
    w, n = d.w, len(d.w)
    pos = 0
    types: list[BTFType] = []
    trailer = _TRAILER
    decoders = _DECODERS
    while pos < n:
        type_id = first_id + len(types)
        if pos + 3 > n:
            raise BTFError(f"type id {type_id} truncated at type section offset {4 * pos}")
        info = w[pos + 1]
        d.vlen = vlen = info & 0xFFFF
        kind = (info >> 24) & 0x1F
        shape = trailer.get(kind)
        if shape is None:
            raise BTFError(f"type id {type_id}: unknown BTF kind {kind}")
        end = pos + 3 + shape[0] + shape[1] * vlen
        if end > n:
            raise BTFError(
                f"type id {type_id} ({Kind(kind).name}, vlen {vlen}) truncated at type "
                f"section offset {4 * pos}"
            )
        d.type_id = type_id
        d.name = names.name(w[pos], type_id)
        d.kind_flag = bool(info >> 31)
        d.sot = w[pos + 2]
        d.p = pos + 3
        types.append(decoders[kind](d))
        pos = end
    return types


class _Decoder:
    """Decoding state: the section's words, and the current type's ``btf_type`` fields.

    ``p`` indexes the current type's trailing data; ``sot`` is its ``size``/``type`` word; every
    referenced type id is appended to ``refs`` for the range check.
    """

    def __init__(self, words: list[int], names: _Strings, refs: list[int]) -> None:
        self.w = words
        self.names = names
        self.refs = refs
        self.type_id = self.vlen = self.sot = self.p = 0
        self.name = ""
        self.kind_flag = False

    def string(self, off: int, what: str) -> str:
        return self.names.name(off, self.type_id, what)

    # -- one method per kind --------------------------------------------------------------------
    def int_(self) -> BTFType:
        enc = self.w[self.p]
        return Int(
            self.name, self.sot, encoding=(enc >> 24) & 0x0F, bit_offset=(enc >> 16) & 0xFF, bits=enc & 0xFF
        )

    def ptr(self) -> BTFType:
        self.refs.append(self.sot)
        return Ptr(self.sot, name=self.name)

    def array(self) -> BTFType:
        w, p = self.w, self.p
        self.refs.append(w[p])
        self.refs.append(w[p + 1])
        return Array(w[p], w[p + 1], w[p + 2], name=self.name)

    def _members(self) -> tuple[Member, ...]:
        w, kf, refs = self.w, self.kind_flag, self.refs
        members = []
        for i in range(self.p, self.p + 3 * self.vlen, 3):
            m_type, m_off = w[i + 1], w[i + 2]
            refs.append(m_type)
            m_name = self.string(w[i], " member")
            if kf:
                members.append(Member(m_name, m_type, m_off & 0xFFFFFF, m_off >> 24))
            else:
                members.append(Member(m_name, m_type, m_off))
        return tuple(members)

    def struct(self) -> BTFType:
        return Struct(self.name, self.sot, self._members(), kind_flag=self.kind_flag)

    def union(self) -> BTFType:
        return Union(self.name, self.sot, self._members(), kind_flag=self.kind_flag)

    def enum(self) -> BTFType:
        w, kf = self.w, self.kind_flag
        values = tuple(
            EnumValue(self.string(w[i], " enumerator"), _s32(w[i + 1]) if kf else w[i + 1])
            for i in range(self.p, self.p + 2 * self.vlen, 2)
        )
        return Enum(self.name, self.sot, values, signed=kf)

    def enum64(self) -> BTFType:
        w, kf = self.w, self.kind_flag
        values = []
        for i in range(self.p, self.p + 3 * self.vlen, 3):
            v = w[i + 1] | (w[i + 2] << 32)
            if kf and v >> 63:
                v -= 1 << 64
            values.append(EnumValue(self.string(w[i], " enumerator"), v))
        return Enum64(self.name, self.sot, tuple(values), signed=kf)

    def fwd(self) -> BTFType:
        return Fwd(self.name, is_union=self.kind_flag)

    def typedef(self) -> BTFType:
        self.refs.append(self.sot)
        return Typedef(self.name, self.sot)

    def volatile(self) -> BTFType:
        self.refs.append(self.sot)
        return Volatile(self.sot, name=self.name)

    def const(self) -> BTFType:
        self.refs.append(self.sot)
        return Const(self.sot, name=self.name)

    def restrict(self) -> BTFType:
        self.refs.append(self.sot)
        return Restrict(self.sot, name=self.name)

    def func(self) -> BTFType:
        self.refs.append(self.sot)
        return Func(self.name, self.sot, self.vlen)

    def func_proto(self) -> BTFType:
        w, refs = self.w, self.refs
        refs.append(self.sot)
        params = []
        for i in range(self.p, self.p + 2 * self.vlen, 2):
            refs.append(w[i + 1])
            params.append(Param(self.string(w[i], " parameter"), w[i + 1]))
        return FuncProto(self.sot, tuple(params), name=self.name)

    def var(self) -> BTFType:
        self.refs.append(self.sot)
        return Var(self.name, self.sot, self.w[self.p])

    def datasec(self) -> BTFType:
        w = self.w
        secinfo = []
        for i in range(self.p, self.p + 3 * self.vlen, 3):
            self.refs.append(w[i])
            secinfo.append(VarSecinfo(w[i], w[i + 1], w[i + 2]))
        return Datasec(self.name, self.sot, tuple(secinfo))

    def float_(self) -> BTFType:
        return Float(self.name, self.sot)

    def decl_tag(self) -> BTFType:
        self.refs.append(self.sot)
        return DeclTag(self.name, self.sot, _s32(self.w[self.p]), kind_flag=self.kind_flag)

    def type_tag(self) -> BTFType:
        self.refs.append(self.sot)
        return TypeTag(self.name, self.sot, kind_flag=self.kind_flag)


_DECODERS: dict[int, Callable[[_Decoder], BTFType]] = {
    Kind.INT: _Decoder.int_,
    Kind.PTR: _Decoder.ptr,
    Kind.ARRAY: _Decoder.array,
    Kind.STRUCT: _Decoder.struct,
    Kind.UNION: _Decoder.union,
    Kind.ENUM: _Decoder.enum,
    Kind.FWD: _Decoder.fwd,
    Kind.TYPEDEF: _Decoder.typedef,
    Kind.VOLATILE: _Decoder.volatile,
    Kind.CONST: _Decoder.const,
    Kind.RESTRICT: _Decoder.restrict,
    Kind.FUNC: _Decoder.func,
    Kind.FUNC_PROTO: _Decoder.func_proto,
    Kind.VAR: _Decoder.var,
    Kind.DATASEC: _Decoder.datasec,
    Kind.FLOAT: _Decoder.float_,
    Kind.DECL_TAG: _Decoder.decl_tag,
    Kind.TYPE_TAG: _Decoder.type_tag,
    Kind.ENUM64: _Decoder.enum64,
}
