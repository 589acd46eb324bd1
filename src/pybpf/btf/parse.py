"""Decode BTF into the type model: ``parse_btf`` (a blob) and ``read_btf_file`` (``/sys/kernel/btf/*``).

Mirrors what libbpf's ``btf__parse`` accepts (``include/uapi/linux/btf.h``, ``Documentation/bpf/btf.rst``)
for ``/sys/kernel/btf/*``, an ELF ``.BTF`` section or a BPF_BTF_LOAD blob, in either byte order (the one
the magic is written in).  The bytes are read by ``pybpf.btf.raw`` (header, raw records, strings); this
module is strict on top of it and turns each raw record into its kind's model (``pybpf.btf.types``),
names resolved.

Malformed input raises ``BTFError`` (a ``ValueError``) saying what is wrong and where; no
``IndexError``/``struct.error``/``UnicodeDecodeError`` escapes.  The checks are those every
consumer needs (bounds, alignment, known kinds, valid string offsets, every referenced type id in
range); a header longer than 24 bytes is accepted only if its extra bytes are zero.  The stricter
semantic checks the kernel applies at BPF_BTF_LOAD (name validity, member ordering, size
consistency ...) belong to that command (``pybpf.kernel.btf_check``), not to decoding.
"""

from __future__ import annotations

from collections.abc import Callable

from pybpf.btf.kinds import KIND_MAX, Kind
from pybpf.btf.raw import (
    BTF_VERSION,
    HEADER_SIZE,
    MAX_NAME_OFFSET,
    MAX_TYPE,
    BTFError,
    RawType,
    TypeSection,
    byte_order,
    unpack_header,
)
from pybpf.btf.types import (
    BTF,
    Array,
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

__all__ = ["parse_btf", "read_btf_file"]


def read_btf_file(path: str, base: BTF | None = None) -> BTF:
    """Parse the BTF file at ``path`` (e.g. ``/sys/kernel/btf/vmlinux``); OSError if unreadable."""
    with open(path, "rb") as f:
        return parse_btf(f.read(), base=base)


def parse_btf(data: bytes | bytearray | memoryview, base: BTF | None = None) -> BTF:
    """Decode one BTF blob.  ``base``: the base BTF when ``data`` is split BTF (a module's)."""
    buf = bytes(data)
    if len(buf) < 4:
        raise BTFError(f"BTF data too short for a header ({len(buf)} bytes)")
    little_endian = byte_order(buf)
    if little_endian is None:
        raise BTFError(f"bad BTF magic {buf[:2].hex()} (expected 0xeb9f)")
    if base is not None and base.little_endian != little_endian:
        raise BTFError("split BTF and its base have different byte orders")
    if buf[2] != BTF_VERSION:
        raise BTFError(f"unsupported BTF version {buf[2]}")
    if len(buf) < HEADER_SIZE:
        raise BTFError(f"BTF data too short for a header ({len(buf)} < {HEADER_SIZE} bytes)")
    hdr = unpack_header(buf, little_endian)
    if hdr.hdr_len < HEADER_SIZE or hdr.hdr_len > len(buf):
        raise BTFError(f"bad BTF header length {hdr.hdr_len} (data is {len(buf)} bytes)")
    if any(hdr.extension):
        raise BTFError("unsupported non-zero fields in the extended BTF header")
    body = len(buf) - hdr.hdr_len
    type_off, type_len, str_off, str_len = hdr.type_off, hdr.type_len, hdr.str_off, hdr.str_len
    if type_off % 4:
        raise BTFError(f"type section offset {type_off} is not 4-byte aligned")
    if type_off + type_len > body:
        raise BTFError(f"type section [{type_off}, +{type_len}) runs past the data ({body} bytes)")
    if str_off + str_len > body:
        raise BTFError(f"string section [{str_off}, +{str_len}) runs past the data ({body} bytes)")
    if type_off < str_off + str_len and str_off < type_off + type_len:
        raise BTFError("type and string sections overlap")
    strings = hdr.string_section(buf)
    names = _Strings(strings, base)
    start_id = base.end_id if base is not None else 1
    refs: list[int] = []
    types = _decode_types(hdr.type_section(buf), little_endian, names, start_id, refs)
    if start_id + len(types) - 1 > MAX_TYPE:
        raise BTFError(f"too many types ({start_id + len(types) - 1} > {MAX_TYPE})")
    end_id = start_id + len(types)
    if refs and max(refs) >= end_id:
        for i, t in enumerate(types):
            for ref in type_refs(t):
                if ref >= end_id:
                    raise BTFError(
                        f"type id {start_id + i} ({t.kind.name}) refers to type id {ref}, "
                        f"out of range (max {end_id - 1})"
                    )
    return BTF(tuple(types), strings=strings, base=base, little_endian=little_endian)


class _Strings:
    """Name lookup during decoding: this blob's string section, continuing the base's offsets."""

    def __init__(self, data: bytes, base: BTF | None) -> None:
        base_end = base.strings_end if base is not None else 0
        if base is None and (not data or data[0] != 0):
            raise BTFError('invalid string section (must start with a NUL byte: offset 0 is "")')
        if data and data[-1] != 0:
            raise BTFError("invalid string section (must end with a NUL byte)")
        if base_end + len(data) - 1 > MAX_NAME_OFFSET:
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


def _decode_types(
    section: bytes, little_endian: bool, names: _Strings, first_id: int, refs: list[int]
) -> list[BTFType]:
    if len(section) % 4:
        raise BTFError(f"type section length {len(section)} is not a multiple of 4")
    decoded = TypeSection(section, little_endian, first_id)
    build, cache = _BUILDERS, names.cache
    types = []
    for raw in decoded:
        name = cache.get(raw.name_off)
        if name is None:
            name = names.name(raw.name_off, raw.id)
        types.append(build[raw.kind](raw, name, names, refs))
    stop = decoded.incomplete
    if decoded.left:
        type_id = first_id + len(types)
        if stop is None:
            raise BTFError(
                f"type id {type_id} truncated at type section offset {len(section) - decoded.left}"
            )
        if not 0 < stop.kind <= KIND_MAX:
            raise BTFError(f"type id {type_id}: unknown BTF kind {stop.kind}")
        raise BTFError(
            f"type id {type_id} ({Kind(stop.kind).name}, vlen {stop.vlen}) truncated at type "
            f"section offset {stop.offset}"
        )
    return types


# -- one builder per kind: (raw record, its name, the names, the references seen) -> the model ------------
_Builder = Callable[[RawType, str, "_Strings", list[int]], BTFType]


def _int(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    return Int(name, r.size_type, encoding=r.int_encoding, bit_offset=r.int_offset, bits=r.int_bits)


def _ptr(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    refs.append(r.size_type)
    return Ptr(r.size_type, name=name)


def _array(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    elem, index, nelems = r.array
    refs += (elem, index)
    return Array(elem, index, nelems, name=name)


def _members(r: RawType, names: _Strings, refs: list[int]) -> tuple[Member, ...]:
    cache, bitfields = names.cache, r.kind_flag
    members = []
    for m_name_off, m_type, m_off in r.members():
        refs.append(m_type)
        m_name = cache.get(m_name_off)
        if m_name is None:
            m_name = names.name(m_name_off, r.id, " member")
        if bitfields:
            members.append(Member(m_name, m_type, m_off & 0xFFFFFF, m_off >> 24))
        else:
            members.append(Member(m_name, m_type, m_off))
    return tuple(members)


def _struct(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    return Struct(name, r.size_type, _members(r, names, refs), kind_flag=r.kind_flag)


def _union(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    return Union(name, r.size_type, _members(r, names, refs), kind_flag=r.kind_flag)


def _enumerators(r: RawType, names: _Strings) -> tuple[EnumValue, ...]:
    return tuple(EnumValue(names.name(n, r.id, " enumerator"), v) for n, v in r.enumerators())


def _enum(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    return Enum(name, r.size_type, _enumerators(r, names), signed=r.kind_flag)


def _enum64(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    return Enum64(name, r.size_type, _enumerators(r, names), signed=r.kind_flag)


def _fwd(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    return Fwd(name, is_union=r.kind_flag)


def _typedef(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    refs.append(r.size_type)
    return Typedef(name, r.size_type)


def _volatile(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    refs.append(r.size_type)
    return Volatile(r.size_type, name=name)


def _const(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    refs.append(r.size_type)
    return Const(r.size_type, name=name)


def _restrict(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    refs.append(r.size_type)
    return Restrict(r.size_type, name=name)


def _func(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    refs.append(r.size_type)
    return Func(name, r.size_type, r.vlen)


def _func_proto(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    refs.append(r.size_type)
    cache = names.cache
    params = []
    for p_name_off, p_type in r.params():
        refs.append(p_type)
        p_name = cache.get(p_name_off)
        if p_name is None:
            p_name = names.name(p_name_off, r.id, " parameter")
        params.append(Param(p_name, p_type))
    return FuncProto(r.size_type, tuple(params), name=name)


def _var(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    refs.append(r.size_type)
    return Var(name, r.size_type, r.var_linkage)


def _datasec(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    secinfo = []
    for v_type, v_off, v_size in r.secinfos():
        refs.append(v_type)
        secinfo.append(VarSecinfo(v_type, v_off, v_size))
    return Datasec(name, r.size_type, tuple(secinfo))


def _float(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    return Float(name, r.size_type)


def _decl_tag(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    refs.append(r.size_type)
    return DeclTag(name, r.size_type, r.component_idx, kind_flag=r.kind_flag)


def _type_tag(r: RawType, name: str, names: _Strings, refs: list[int]) -> BTFType:
    refs.append(r.size_type)
    return TypeTag(name, r.size_type, kind_flag=r.kind_flag)


_BUILDERS: dict[int, _Builder] = {
    Kind.INT: _int,
    Kind.PTR: _ptr,
    Kind.ARRAY: _array,
    Kind.STRUCT: _struct,
    Kind.UNION: _union,
    Kind.ENUM: _enum,
    Kind.FWD: _fwd,
    Kind.TYPEDEF: _typedef,
    Kind.VOLATILE: _volatile,
    Kind.CONST: _const,
    Kind.RESTRICT: _restrict,
    Kind.FUNC: _func,
    Kind.FUNC_PROTO: _func_proto,
    Kind.VAR: _var,
    Kind.DATASEC: _datasec,
    Kind.FLOAT: _float,
    Kind.DECL_TAG: _decl_tag,
    Kind.TYPE_TAG: _type_tag,
    Kind.ENUM64: _enum64,
}
