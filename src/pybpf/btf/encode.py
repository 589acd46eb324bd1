"""Encode the type model back into BTF bytes: the inverse of ``pybpf.btf.parse``.

Mirrors the encoding of ``include/uapi/linux/btf.h`` as libbpf's ``btf__raw_data`` writes it: a 24-byte
header, the type section, then the string section.  Each model record becomes one raw record
(``pybpf.btf.raw.RawType``: the kind, vlen and kind_flag in ``info``, trailing data as its kind's
structs); names go to a string section that keeps every offset of the BTF's own string section (so a
parsed blob encodes back to the same bytes when it was laid out this way) and appends new names once
each.  Split BTF continues its base's type ids and string offsets, as the kernel reads it.

The result is what BPF_BTF_LOAD takes: a loader can parse a ``.BTF`` section, change it and load it.
"""

from __future__ import annotations

from collections.abc import Callable

from pybpf.btf.kinds import Kind
from pybpf.btf.raw import BTFError, RawType, encode_type_section, info_word, pack_btf
from pybpf.btf.types import (
    BTF,
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
    Ptr,
    Restrict,
    Struct,
    Typedef,
    TypeTag,
    Union,
    Var,
    Volatile,
)

__all__ = ["StringTable", "encode_btf", "to_raw"]

_U32 = 0xFFFFFFFF


class StringTable:
    """A string section under construction: ``offset(name)`` adds a name once and returns its offset.

    ``initial`` (an existing section) keeps its offsets; ``start`` is the first offset of this section
    (split BTF: the end of the base's strings).  A section of its own starts with the empty string.
    """

    def __init__(self, initial: bytes = b"", start: int = 0) -> None:
        self.data = bytearray(initial if initial or start else b"\0")
        if self.data and self.data[-1]:
            self.data += b"\0"
        self.start = start
        self.offsets: dict[bytes, int] = {b"": 0} if start else {}
        at = start
        for part in bytes(self.data).split(b"\0")[:-1]:
            self.offsets.setdefault(part, at)
            at += len(part) + 1

    def offset(self, name: str) -> int:
        raw = name.encode(errors="surrogateescape")  # (the bytes a name was decoded from)
        found = self.offsets.get(raw)
        if found is None:
            found = self.offsets[raw] = self.start + len(self.data)
            self.data += raw + b"\0"
        return found


def _fields(t: BTFType, name: Callable[[str], int]) -> tuple[int, int, tuple[int, ...]]:
    """(vlen, the size/type word, the trailing words) of one record."""
    if isinstance(t, (Ptr, Typedef, Volatile, Const, Restrict, TypeTag)):
        return 0, t.type_id, ()
    if isinstance(t, Int):
        return 0, t.size, (((t.encoding & 0x0F) << 24) | ((t.bit_offset & 0xFF) << 16) | (t.bits & 0xFF),)
    if isinstance(t, Array):
        return 0, 0, (t.elem_type, t.index_type, t.nelems)
    if isinstance(t, (Struct, Union)):
        words: list[int] = []
        for m in t.members:
            if m.bitfield_size and not t.kind_flag:
                raise BTFError(f"member {m.name!r} of {t.name or '(anon)'}: a bitfield needs kind_flag")
            words += (name(m.name), m.type_id, (m.bitfield_size << 24) | m.bit_offset)
        return len(t.members), t.size, tuple(words)
    if isinstance(t, Enum):
        return len(t.values), t.size, tuple(w for v in t.values for w in (name(v.name), v.value & _U32))
    if isinstance(t, Enum64):
        halves = ((name(v.name), v.value & _U32, (v.value >> 32) & _U32) for v in t.values)
        return len(t.values), t.size, tuple(w for entry in halves for w in entry)
    if isinstance(t, Fwd):
        return 0, 0, ()
    if isinstance(t, Func):
        return t.linkage, t.type_id, ()
    if isinstance(t, FuncProto):
        return len(t.params), t.return_type, tuple(w for p in t.params for w in (name(p.name), p.type_id))
    if isinstance(t, Var):
        return 0, t.type_id, (t.linkage,)
    if isinstance(t, Datasec):
        return len(t.vars), t.size, tuple(w for v in t.vars for w in (v.type_id, v.offset, v.size))
    if isinstance(t, Float):
        return 0, t.size, ()
    if isinstance(t, DeclTag):
        return 0, t.type_id, (t.component_idx & _U32,)
    raise BTFError("void (type id 0) is never encoded")


def _kind_flag(t: BTFType) -> bool:
    if isinstance(t, (Enum, Enum64)):
        return t.signed
    if isinstance(t, Fwd):
        return t.is_union
    if isinstance(t, (Struct, Union, DeclTag, TypeTag)):
        return t.kind_flag
    return False


def info_of(t: BTFType) -> int:
    """A record's ``info`` word (kind, kind_flag, vlen) as it is encoded; 0 for void."""
    if t.kind == Kind.UNKN:
        return 0
    vlen = _fields(t, lambda _: 0)[0]
    return info_word(Kind(t.kind), vlen, _kind_flag(t))


def to_raw(t: BTFType, name: Callable[[str], int], type_id: int = 0) -> RawType:
    """The raw record of one model record; ``name`` gives a name's string offset."""
    name_off = name(t.name)  # the record's own name first, then its members', as libbpf adds them
    vlen, size_type, trailer = _fields(t, name)
    if vlen > 0xFFFF:
        raise BTFError(f"type id {type_id} ({t.kind.name}): vlen {vlen} does not fit in 16 bits")
    info = info_word(Kind(t.kind), vlen, _kind_flag(t))
    return RawType(type_id, name_off, info, size_type, trailer)


def encode_btf(btf: BTF, *, little_endian: bool | None = None) -> bytes:
    """The BTF blob of ``btf``'s own types (not its base's), in its byte order unless told otherwise."""
    order = btf.little_endian if little_endian is None else little_endian
    base_end = btf.base.strings_end if btf.base is not None else 0
    strings = StringTable(btf.strings, base_end)
    records = [to_raw(t, strings.offset, type_id) for type_id, t in btf]
    try:
        types = encode_type_section(records, order)
    except OverflowError as exc:
        raise BTFError(f"a field does not fit in 32 bits: {exc}") from None
    return pack_btf(types, bytes(strings.data), order)
