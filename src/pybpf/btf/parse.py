"""Decode BTF into the type model: ``parse_btf`` (a blob) and ``read_btf_file`` (``/sys/kernel/btf/*``).

Mirrors what libbpf's ``btf__parse`` accepts (``include/uapi/linux/btf.h``, ``Documentation/bpf/btf.rst``)
for ``/sys/kernel/btf/*``, an ELF ``.BTF`` section or a BPF_BTF_LOAD blob, in either byte order (the one
the magic is written in).  The bytes are read by ``pybpf.btf.raw`` (header, raw records, strings); this
module is strict on top of it and turns each raw record into its kind's model (``pybpf.btf.types``),
names resolved.

A large blob (a type section of ``LAZY_SECTION_BYTES`` or more: the kernel's vmlinux BTF, about 130 000
types) is decoded lazily: one pass over the raw words finds where each record starts and makes every check
below (the names' and references' ranges included), then each type is built by the same per-kind
builders the first time it is asked for (``_LazyTable``, a ``TypeTable``), and names are found in the
string section and the records' name offsets without building the types.  When that pass finds anything
wrong, the blob is decoded eagerly, which raises the same ``BTFError`` as it always does.  The offsets
of a base blob that checked out are kept on disk by the blob's SHA-256 (``pybpf.btf.index_cache``), so
the next process skips the pass.

Malformed input raises ``BTFError`` (a ``ValueError``) saying what is wrong and where; no
``IndexError``/``struct.error``/``UnicodeDecodeError`` escapes.  The checks are those every
consumer needs (bounds, alignment, known kinds, valid string offsets, every referenced type id in
range); a header longer than 24 bytes is accepted only if its extra bytes are zero.  The stricter
semantic checks the kernel applies at BPF_BTF_LOAD (name validity, member ordering, size
consistency ...) belong to that command (``pybpf.kernel.btf_check``), not to decoding.
"""

from __future__ import annotations

import array
import os
import struct
from collections.abc import Callable
from itertools import chain, compress, repeat

from pybpf.btf.index_cache import blob_digest, load_index, store_index
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
    record_shapes,
    section_words,
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
    TypeTable,
    TypeTag,
    Union,
    Var,
    VarSecinfo,
    Volatile,
    type_refs,
)

__all__ = ["LAZY_SECTION_BYTES", "parse_btf", "read_btf_file", "read_btf_file_once"]

LAZY_SECTION_BYTES = 1 << 16
"""A type section this large or larger is decoded on demand (``parse_btf``'s ``lazy`` left to None)."""
_FIND_OFFSETS = 64
"""Up to this many name offsets a lookup searches the offsets' bytes once per offset, beyond it scans."""
_NATIVE_WORD = struct.Struct("=I")


def read_btf_file(path: str, base: BTF | None = None) -> BTF:
    """Parse the BTF file at ``path`` (e.g. ``/sys/kernel/btf/vmlinux``); OSError if unreadable."""
    with open(path, "rb") as f:
        return parse_btf(f.read(), base=base)


_FILES: dict[tuple[str, int, int, int, int], BTF] = {}


def read_btf_file_once(path: str) -> BTF:
    """``read_btf_file(path)`` parsed once per process for each version of the file (its device,
    inode, mtime and size): the running kernel's ``/sys/kernel/btf/vmlinux``, which the kfunc
    table, the verifier, the map images and CO-RE all read, is opened and indexed once."""
    st = os.stat(path)
    key = (path, st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)
    found = _FILES.get(key)
    if found is None:
        found = _FILES[key] = read_btf_file(path)
    return found


def parse_btf(
    data: bytes | bytearray | memoryview, base: BTF | None = None, *, lazy: bool | None = None
) -> BTF:
    """Decode one BTF blob.  ``base``: the base BTF when ``data`` is split BTF (a module's).

    ``lazy``: decode each type when it is first asked for (True), all of them now (False), or by the
    type section's size (None: lazily from ``LAZY_SECTION_BYTES``); the answers and errors are the same."""
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
    section = hdr.type_section(buf)
    start_id = base.end_id if base is not None else 1
    if lazy or (lazy is None and len(section) >= LAZY_SECTION_BYTES):
        table = _LazyTable.open(buf, section, little_endian, _Strings(strings, base, cached=False), start_id)
        if table is not None:
            return BTF(table, strings=strings, base=base, little_endian=little_endian)
    names = _Strings(strings, base)
    refs: list[int] = []
    types = _decode_types(section, little_endian, names, start_id, refs)
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

    def __init__(self, data: bytes, base: BTF | None, *, cached: bool = True) -> None:
        base_end = base.strings_end if base is not None else 0
        if base is None and (not data or data[0] != 0):
            raise BTFError('invalid string section (must start with a NUL byte: offset 0 is "")')
        if data and data[-1] != 0:
            raise BTFError("invalid string section (must end with a NUL byte)")
        if base_end + len(data) - 1 > MAX_NAME_OFFSET:
            raise BTFError(f"string section too large ({len(data)} bytes)")
        self.own = BTF((), strings=data, base=base)
        self.end = base_end + len(data)
        # Index every string that starts right after a NUL (nearly every name offset): one pass
        # (``cached``: for a blob whose every type is decoded now, not one decoded on demand).
        self.cache: dict[int, str] = {}
        if cached and data.isascii():
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


class _LazyTable(TypeTable):
    """The records of a type section, each decoded by ``_BUILDERS`` when first asked for.

    ``scan`` makes it: one pass over the words that finds each record's start (``_starts``, in words)
    and checks what the eager decoder checks, so that a table exists only for a blob that decodes."""

    def __init__(
        self, words: array.array[int], starts: array.array[int], names: _Strings, first_id: int
    ) -> None:
        self._words = words
        self._starts = starts
        self._names = names
        self._first_id = first_id
        self._name_offs = array.array("I", map(words.__getitem__, starts))
        self._name_bytes: bytes | None = None
        self._decoded: list[BTFType | None] = [None] * len(starts)

    @classmethod
    def open(
        cls, blob: bytes, section: bytes, little_endian: bool, names: _Strings, first_id: int
    ) -> _LazyTable | None:
        """``scan``, or for base BTF the record offsets a previous process found for the same blob
        (``pybpf.btf.index_cache``: kept by the blob's SHA-256 once it checked out)."""
        if names.own.base is not None or len(section) % 4:
            return cls.scan(section, little_endian, names, first_id)
        digest = blob_digest(blob)
        starts = load_index(digest)
        if starts is not None and starts and starts[0] == 0 and starts[-1] + 3 <= len(section) // 4:
            return cls(section_words(section, little_endian), starts, names, first_id)
        table = cls.scan(section, little_endian, names, first_id)
        if table is not None:
            store_index(digest, table._starts)
        return table

    @classmethod
    def scan(cls, section: bytes, little_endian: bool, names: _Strings, first_id: int) -> _LazyTable | None:
        """The table of ``section``, or None when the eager decoder would raise (it then says why)."""
        if len(section) % 4:
            return None
        w = section_words(section, little_endian)
        shapes, n, pos = _SHAPES_BY_TOP, len(w), 0
        starts: list[int] = []
        add = starts.append
        while pos + 3 <= n:
            info = w[pos + 1]
            shape = shapes[info >> 24]
            if shape is None:
                return None
            end = pos + shape[0] + shape[1] * (info & 0xFFFF)
            if end > n:
                return None
            add(pos)
            pos = end
        if pos != n or first_id + len(starts) - 1 > MAX_TYPE:
            return None
        table = cls(w, array.array("I", starts), names, first_id)
        if not _in_range(w, starts, table._name_offs, first_id + len(starts), names.end):
            return None
        return table

    def __len__(self) -> int:
        return len(self._starts)

    def decode(self, index: int) -> BTFType:
        found = self._decoded[index]
        if found is not None:
            return found
        w, pos = self._words, self._starts[index]
        info = w[pos + 1]
        shape = _SHAPES_BY_TOP[info >> 24]
        assert shape is not None  # scan() checked every record
        end = pos + shape[0] + shape[1] * (info & 0xFFFF)
        raw = RawType(self._first_id + index, w[pos], info, w[pos + 2], tuple(w[pos + 3 : end]), 4 * pos)
        name = self._names.name(raw.name_off, raw.id)
        found = self._decoded[index] = _BUILDERS[raw.kind](raw, name, self._names, [])
        return found

    def local_ids_named(self, name: bytes, offsets: frozenset[int]) -> list[int]:
        """Found with ``bytes.find`` over the name offsets' bytes (a C search, 4-byte aligned hits only),
        not ``array.index`` (which makes an int of every record it passes: milliseconds per name on
        vmlinux's 130,000 records, a CO-RE object asks dozens); a scan for many offsets."""
        name_offs = self._name_offs
        if len(offsets) > _FIND_OFFSETS:
            return [i for i, off in enumerate(name_offs) if off in offsets]
        raw = self._name_bytes
        if raw is None:
            raw = self._name_bytes = name_offs.tobytes()
        found: list[int] = []
        for off in offsets:
            needle = _NATIVE_WORD.pack(off)
            at = raw.find(needle)
            while at >= 0:
                if at % 4 == 0:
                    found.append(at // 4)
                    at = raw.find(needle, at + 4)
                else:
                    at = raw.find(needle, at + 1)
        return sorted(found)


def _in_range(
    w: array.array[int], starts: list[int], name_offs: array.array[int], end_id: int, names_end: int
) -> bool:
    """Every type id the records refer to is below ``end_id`` and every name offset (a type's, a member's,
    a parameter's, an enumerator's) below ``names_end``: what the eager builders check record by record,
    here with the records grouped by kind (``_CHECK``) and each group's words read in C loops."""
    if name_offs and max(name_offs) >= names_end:
        return False
    ends = [*starts[1:], len(w)]
    tops = bytes(map((24).__rrshift__, map(w.__getitem__, map((1).__add__, starts))))
    groups = tops.translate(_GROUP_OF_TOP)
    get = w.__getitem__

    def members(group: int) -> tuple[list[int], list[int]]:
        mask = groups.translate(_MASKS[group])
        return list(compress(starts, mask)), list(compress(ends, mask))

    def words(at: list[int], end: list[int], first: int, step: int) -> int:
        spans = map(range, map(first.__add__, at), end, repeat(step))
        return max(map(get, chain.from_iterable(spans)), default=0)

    refs = [0]
    single, _ = members(_REF)
    refs.append(max(map(get, map((2).__add__, single)), default=0))
    arrays, _ = members(_ARRAY)
    refs.append(max(map(get, map((3).__add__, arrays)), default=0))
    refs.append(max(map(get, map((4).__add__, arrays)), default=0))
    names = [0]
    at, end = members(_MEMBERS)  # struct btf_member: name_off, type, offset
    names.append(words(at, end, 3, 3))
    refs.append(words(at, end, 4, 3))
    at, end = members(_PROTO)  # the return type, then struct btf_param: name_off, type
    refs.append(max(map(get, map((2).__add__, at)), default=0))
    names.append(words(at, end, 3, 2))
    refs.append(words(at, end, 4, 2))
    at, end = members(_ENUM)  # struct btf_enum: name_off, val
    names.append(words(at, end, 3, 2))
    at, end = members(_ENUM64)  # struct btf_enum64: name_off, val_lo32, val_hi32
    names.append(words(at, end, 3, 3))
    at, end = members(_DATASEC)  # struct btf_var_secinfo: type, offset, size
    refs.append(words(at, end, 3, 3))
    return max(refs) < end_id and max(names) < names_end


_NONE, _REF, _ARRAY, _MEMBERS, _PROTO, _ENUM, _ENUM64, _DATASEC = range(8)
_CHECK: dict[int, int] = {
    Kind.PTR: _REF, Kind.TYPEDEF: _REF, Kind.VOLATILE: _REF, Kind.CONST: _REF, Kind.RESTRICT: _REF,
    Kind.FUNC: _REF, Kind.VAR: _REF, Kind.DECL_TAG: _REF, Kind.TYPE_TAG: _REF, Kind.ARRAY: _ARRAY,
    Kind.STRUCT: _MEMBERS, Kind.UNION: _MEMBERS, Kind.FUNC_PROTO: _PROTO, Kind.ENUM: _ENUM,
    Kind.ENUM64: _ENUM64, Kind.DATASEC: _DATASEC,
}  # fmt: skip
"""What each kind's words refer to, for the lazy scan (the references and names the builders below
take: ``refs.append`` and ``names.name``); INT, FWD and FLOAT refer to nothing."""
_GROUP_OF_TOP = bytes(_CHECK.get(top & 0x1F, _NONE) for top in range(256))
"""``bytes.translate`` table: the top byte of ``btf_type.info`` (kind and kind_flag) -> its check group."""
_MASKS = tuple(bytes(int(g == group) for g in range(256)) for group in range(_DATASEC + 1))
"""``bytes.translate`` tables: a check group -> 1, any other -> 0 (``itertools.compress`` masks)."""
_SHAPES_BY_TOP = record_shapes()


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
