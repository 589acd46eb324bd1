"""The BTF wire format: the header, raw ``struct btf_type`` records with their trailing data, strings.

Mirrors ``include/uapi/linux/btf.h`` and ``Documentation/bpf/btf.rst``:

* ``struct btf_header`` (``Header``) -- magic 0xeB9F, version, flags, ``hdr_len``, then the type and string
  sections' offsets and lengths, relative to the end of the header.  As the kernel's ``btf_parse_hdr``
  does, ``unpack_header`` reads only the first ``min(hdr_len, 24)`` bytes (the rest reads as zero) and keeps
  the bytes between ``sizeof(struct btf_header)`` and ``hdr_len`` apart (``extension``).
* the type section -- ``struct btf_type`` (``name_off``; ``info``: vlen bits 0-15, kind bits 24-28,
  kind_flag bit 31; ``size``/``type``), each followed by its kind's trailing u32 words, whose count the
  kind table (``pybpf.btf.kinds``) gives.  ``RawType`` is one record with its trailing words and the
  accessors that read them (``BTF_INT_ENCODING`` / ``_OFFSET`` / ``_BITS``, ``btf_member`` offsets under
  kind_flag, signed enumerators, ``btf_decl_tag.component_idx`` ...).
* the string section -- NUL-terminated names; offset 0 is the empty string.

Decoding here is lenient on purpose: ``decode_type_section`` never raises; it decodes every whole record and
says where and why it stopped (an unknown kind, trailing data past the end, fewer than 12 bytes left), so
that a strict reader (``pybpf.btf.parse``) and the BPF_BTF_LOAD checks (``pybpf.kernel.btf_check``, which
must answer each malformation with the kernel's own words) both build on it.  Byte order is a parameter:
the magic says which one a blob is written in.
"""

from __future__ import annotations

import array
import struct
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from pybpf.btf.kinds import KINDS, Kind

__all__ = [
    "BTF_INT_BOOL",
    "BTF_INT_CHAR",
    "BTF_INT_SIGNED",
    "BTF_MAGIC",
    "BTF_VERSION",
    "HEADER_SIZE",
    "INFO_MASK",
    "INT_DATA_MASK",
    "MAX_NAME_OFFSET",
    "MAX_TYPE",
    "TYPE_HEAD_SIZE",
    "BTFError",
    "Header",
    "RawType",
    "TypeSection",
    "byte_order",
    "encode_type_section",
    "info_word",
    "pack_btf",
    "record_shapes",
    "s32",
    "section_words",
    "string_at",
    "unpack_header",
]

BTF_MAGIC = 0xEB9F
BTF_VERSION = 1
HEADER_SIZE = 24
"""``sizeof(struct btf_header)``."""
TYPE_HEAD_SIZE = 12
"""``sizeof(struct btf_type)``."""
MAX_TYPE = 0x000FFFFF
"""``BTF_MAX_TYPE``: the largest type id."""
MAX_NAME_OFFSET = 0x00FFFFFF
"""``BTF_MAX_NAME_OFFSET``: the largest string offset."""
INFO_MASK = 0x9F00FFFF
"""The bits of ``btf_type.info`` that mean something (vlen, kind, kind_flag); the others must be 0."""
INT_DATA_MASK = 0x0FFFFFFF
"""``BTF_INT_MASK``: the bits of an INT's encoding word that mean something."""

# BTF_INT_ENCODING bits (btf.h)
BTF_INT_SIGNED = 1 << 0
BTF_INT_CHAR = 1 << 1
BTF_INT_BOOL = 1 << 2

_HEADER = "HBB5I"


class BTFError(ValueError):
    """Malformed or inconsistent BTF: the only exception the BTF decoder, model and encoder raise."""


def s32(value: int) -> int:
    """A u32 read as the kernel's ``(s32)`` cast."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


# -- the header ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Header:
    """``struct btf_header``; ``extension``: the bytes of a longer header past the 24 this one knows."""

    magic: int
    version: int
    flags: int
    hdr_len: int
    type_off: int
    type_len: int
    str_off: int
    str_len: int
    extension: bytes = b""

    def type_section(self, data: bytes) -> bytes:
        start = self.hdr_len + self.type_off
        return data[start : start + self.type_len]

    def string_section(self, data: bytes) -> bytes:
        start = self.hdr_len + self.str_off
        return data[start : start + self.str_len]

    def pack(self, little_endian: bool = True) -> bytes:
        fields = (self.magic, self.version, self.flags, self.hdr_len)
        sections = (self.type_off, self.type_len, self.str_off, self.str_len)
        return struct.pack(("<" if little_endian else ">") + _HEADER, *fields, *sections) + self.extension


def byte_order(data: bytes) -> bool | None:
    """True if ``data`` starts with the magic in little-endian order, False if big-endian, else None."""
    if data[:2] == b"\x9f\xeb":
        return True
    if data[:2] == b"\xeb\x9f":
        return False
    return None


def unpack_header(data: bytes, little_endian: bool = True) -> Header:
    """The header as ``btf_parse_hdr`` copies it: ``min(hdr_len, 24)`` bytes, the rest zero (so a
    ``hdr_len`` below 8 reads partly or wholly as 0 too); ``extension``: the bytes from 24 to ``hdr_len``.

    ``data`` must hold at least the 8 bytes up to and including ``hdr_len`` (BTFError otherwise).
    """
    if len(data) < 8:
        raise BTFError(f"BTF data too short for a header ({len(data)} bytes)")
    order = "<" if little_endian else ">"
    hdr_len: int = struct.unpack_from(order + "I", data, 4)[0]
    known = data[: min(hdr_len, HEADER_SIZE)].ljust(HEADER_SIZE, b"\0")
    magic, version, flags, copied_len, type_off, type_len, str_off, str_len = struct.unpack(
        order + _HEADER, known
    )
    extension = data[HEADER_SIZE:hdr_len]
    return Header(magic, version, flags, copied_len, type_off, type_len, str_off, str_len, extension)


def pack_btf(type_section: bytes, string_section: bytes, little_endian: bool = True) -> bytes:
    """A whole blob laid out as every producer writes it: a 24-byte header, the types, the strings."""
    header = Header(BTF_MAGIC, BTF_VERSION, 0, HEADER_SIZE, 0, len(type_section), len(type_section),
                    len(string_section))  # fmt: skip
    return header.pack(little_endian) + type_section + string_section


# -- strings -----------------------------------------------------------------------------------------


def string_at(strings: bytes, offset: int) -> bytes:
    """The bytes of the string at ``offset`` up to its NUL (or the section's end); b"" outside it."""
    if not 0 <= offset < len(strings):
        return b""
    end = strings.find(b"\0", offset)
    return strings[offset:end] if end >= 0 else strings[offset:]


# -- type records ------------------------------------------------------------------------------------


def info_word(kind: int, vlen: int = 0, kind_flag: bool = False) -> int:
    """``btf_type.info`` for a kind, vlen and kind_flag (``BTF_INFO_ENC``)."""
    return (int(kind_flag) << 31) | ((kind & 0x1F) << 24) | (vlen & 0xFFFF)


class RawType(NamedTuple):
    """One ``struct btf_type`` and the u32 words of trailing data that its kind and vlen say follow it.

    ``id`` is its type id, ``offset`` its byte offset in the type section.  The accessors read the trailing
    data as the kind's ``btf.h`` structs; they assume the record has the kind they are named after and
    its whole trailing data (the vlen entries are as many as the trailer holds).  A named tuple: immutable,
    and cheap to hold by the hundred thousand (vmlinux has about 130 000 types).
    """

    id: int
    name_off: int
    info: int
    size_type: int
    """``size`` or ``type``, by kind (see the kind table's ``size_or_type``)."""
    trailer: tuple[int, ...] = ()
    offset: int = 0

    @property
    def kind(self) -> int:
        """``BTF_INFO_KIND``: an int, since a malformed record may carry a kind ``Kind`` does not know."""
        return (self.info >> 24) & 0x1F

    @property
    def vlen(self) -> int:
        return self.info & 0xFFFF

    @property
    def kind_flag(self) -> bool:
        return bool(self.info >> 31)

    # -- INT: the encoding word
    @property
    def int_encoding(self) -> int:
        return (self.trailer[0] >> 24) & 0x0F

    @property
    def int_offset(self) -> int:
        return (self.trailer[0] >> 16) & 0xFF

    @property
    def int_bits(self) -> int:
        return self.trailer[0] & 0xFF

    # -- ARRAY: struct btf_array
    @property
    def array(self) -> tuple[int, int, int]:
        """(element type, index type, number of elements)."""
        t = self.trailer
        return t[0], t[1], t[2]

    # -- VAR: struct btf_var; DECL_TAG: struct btf_decl_tag
    @property
    def var_linkage(self) -> int:
        return self.trailer[0]

    @property
    def component_idx(self) -> int:
        """-1: the tag is on the type itself, else on that member or parameter."""
        return s32(self.trailer[0])

    # -- the vlen entries
    def members(self) -> list[tuple[int, int, int]]:
        """STRUCT/UNION: (name_off, type, offset word) of each ``struct btf_member``."""
        words = iter(self.trailer)
        return list(zip(words, words, words, strict=False))

    def bit_offset(self, offset_word: int) -> int:
        """A member's offset in bits (kind_flag set: the low 24 bits, ``BTF_MEMBER_BIT_OFFSET``)."""
        return offset_word & 0xFFFFFF if self.info >> 31 else offset_word

    def bitfield_size(self, offset_word: int) -> int:
        """A member's bitfield size (``BTF_MEMBER_BITFIELD_SIZE``); 0 without kind_flag."""
        return offset_word >> 24 if self.info >> 31 else 0

    def enumerators(self) -> list[tuple[int, int]]:
        """ENUM/ENUM64: (name_off, value), the value signed when kind_flag is set."""
        words, signed = iter(self.trailer), self.kind_flag
        if self.kind == Kind.ENUM64:
            values = [(n, lo | (hi << 32)) for n, lo, hi in zip(words, words, words, strict=False)]
            return [(n, v - (1 << 64) if v >> 63 else v) for n, v in values] if signed else values
        return (
            [(n, s32(v)) for n, v in zip(words, words, strict=False)]
            if signed
            else list(zip(words, words, strict=False))
        )

    def params(self) -> list[tuple[int, int]]:
        """FUNC_PROTO: (name_off, type) of each ``struct btf_param``."""
        words = iter(self.trailer)
        return list(zip(words, words, strict=False))

    def secinfos(self) -> list[tuple[int, int, int]]:
        """DATASEC: (type, offset, size) of each ``struct btf_var_secinfo``."""
        words = iter(self.trailer)
        return list(zip(words, words, words, strict=False))


# (fixed, per vlen entry) trailing words by kind number 0..31; None: a kind that cannot be decoded.
_SHAPES: tuple[tuple[int, int] | None, ...] = tuple(
    (KINDS[k].fixed_words, KINDS[k].entry_words) if 0 < k < len(KINDS) else None for k in range(32)
)


def section_words(data: bytes, little_endian: bool = True) -> array.array[int]:
    """The whole u32 words of ``data`` (a type section) in host order, as a compact array."""
    words = array.array("I")  # a C unsigned int: 4 bytes on every Linux ABI
    words.frombytes(data[: len(data) & ~3])
    if little_endian != (sys.byteorder == "little"):
        words.byteswap()
    return words


def record_shapes() -> tuple[tuple[int, int] | None, ...]:
    """By the top byte of ``btf_type.info`` (kind and kind_flag, 256 entries): (the words of a record
    before its vlen entries, the words per entry), None for a kind that cannot be decoded."""
    return tuple(None if s is None else (3 + s[0], s[1]) for s in (_SHAPES[i & 0x1F] for i in range(256)))


class TypeSection:
    """The records of a type section, decoded one by one as they are iterated; decoding never raises.

    Iteration yields every whole record (ids from ``first_id``) and ends where the section ends or where a
    record cannot be read whole.  Once it has ended, ``left`` is 0 if every byte was decoded, else the bytes
    from that record to the end of the section; ``incomplete`` is that record's ``btf_type`` (no trailing
    words) when its 12 bytes are there -- its kind is unknown (void included), or its trailing data runs
    past the end -- and None with fewer than 12 bytes left.
    """

    def __init__(self, section: bytes, little_endian: bool = True, first_id: int = 1) -> None:
        self.size = len(section)
        self.first_id = first_id
        self.left = 0
        self.incomplete: RawType | None = None
        self._words = section_words(section, little_endian).tolist()

    def __iter__(self) -> Iterator[RawType]:
        w, shapes, type_id = self._words, _SHAPES, self.first_id
        n, pos, new = len(w), 0, tuple.__new__  # RawType's fields in order, without its Python __new__
        while pos + 3 <= n:
            info = w[pos + 1]
            shape = shapes[(info >> 24) & 0x1F]
            if shape is None:
                break
            end = pos + 3 + shape[0] + shape[1] * (info & 0xFFFF)
            if end > n:
                break
            yield new(RawType, (type_id, w[pos], info, w[pos + 2], tuple(w[pos + 3 : end]), 4 * pos))
            type_id += 1
            pos = end
        self.left = left = self.size - 4 * pos
        if left >= TYPE_HEAD_SIZE:
            self.incomplete = RawType(type_id, w[pos], w[pos + 1], w[pos + 2], (), 4 * pos)


def encode_type_section(types: Iterable[RawType], little_endian: bool = True) -> bytes:
    """The bytes of ``types`` (their ids and offsets are not read)."""
    words = array.array("I")
    for t in types:
        words.extend((t.name_off, t.info, t.size_type))
        words.extend(t.trailer)
    if little_endian != (sys.byteorder == "little"):
        words.byteswap()
    return words.tobytes()
