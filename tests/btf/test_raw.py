"""The wire layer: the kind table, the header as the kernel copies it, raw records and their accessors,
and the lenient type-section decoder (where and why it stops; never an exception)."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf.btf import KINDS, Kind, kind_info
from pybpf.btf.kinds import KIND_MAX, MODIFIER_KINDS, SIZE_KINDS
from pybpf.btf.raw import (
    TYPE_HEAD_SIZE,
    Header,
    RawType,
    TypeSection,
    encode_type_section,
    info_word,
    string_at,
    unpack_header,
)


def head(kind: int, vlen: int = 0, kflag: int = 0, sot: int = 0, name_off: int = 0) -> bytes:
    return struct.pack("<3I", name_off, (kflag << 31) | (kind << 24) | vlen, sot)


def words(*values: int) -> bytes:
    return struct.pack(f"<{len(values)}I", *(v & 0xFFFFFFFF for v in values))


# -- the kind table ----------------------------------------------------------------------------------
def test_kind_table_rows() -> None:
    assert [row.kind for row in KINDS] == list(Kind) and KIND_MAX == Kind.ENUM64
    assert KINDS[0].name == "UNKNOWN" and KINDS[Kind.FUNC_PROTO].name == "FUNC_PROTO"
    assert kind_info(0) is None and kind_info(KIND_MAX + 1) is None and kind_info(Kind.INT) is KINDS[1]
    assert {Kind.TYPEDEF, Kind.VOLATILE, Kind.CONST, Kind.RESTRICT, Kind.TYPE_TAG} == MODIFIER_KINDS
    assert {Kind.INT, Kind.STRUCT, Kind.UNION, Kind.ENUM, Kind.DATASEC, Kind.FLOAT, Kind.ENUM64} == SIZE_KINDS
    # vlen counts entries exactly where entries follow; FUNC's vlen is its linkage
    for row in KINDS[1:]:
        assert bool(row.entry_words) == (row.vlen not in ("", "linkage")), row
    assert KINDS[Kind.STRUCT].trailer_size(3) == 36 and KINDS[Kind.ENUM].trailer_size(2) == 16
    assert KINDS[Kind.INT].trailer_size(5) == 4  # a fixed part does not grow with vlen


# -- the header ----------------------------------------------------------------------------------------
def test_header_as_the_kernel_copies_it() -> None:
    full = Header(0xEB9F, 1, 0, 24, 0, 16, 16, 5).pack()
    assert unpack_header(full + bytes(21)) == Header(0xEB9F, 1, 0, 24, 0, 16, 16, 5)
    # a hdr_len below 24: only that many bytes are read, the rest is zero (below 8, hdr_len itself too)
    short = unpack_header(struct.pack("<HBBI", 0xEB9F, 1, 0, 12) + words(4, 99, 99, 99))
    assert (short.hdr_len, short.type_off, short.type_len, short.str_off) == (12, 4, 0, 0)
    tiny = unpack_header(struct.pack("<HBBI", 0xEB9F, 1, 0, 2) + bytes(20))
    assert (tiny.magic, tiny.version, tiny.hdr_len) == (0xEB9F, 0, 0)
    longer = unpack_header(Header(0xEB9F, 1, 0, 32, 0, 0, 0, 1).pack() + b"\0\0\1\0abcd\0")
    assert longer.extension == b"\0\0\1\0abcd" and longer.string_section(b"x" * 40) == b"x"
    assert Header(0xEB9F, 1, 0, 28, 0, 0, 0, 0, b"\0" * 4).pack(little_endian=False)[:2] == b"\xeb\x9f"


def test_string_at() -> None:
    strings = b"\0int\0x"
    assert [string_at(strings, off) for off in (0, 1, 2, 5, 6, 99, -1)] == [
        b"",
        b"int",
        b"nt",
        b"x",
        b"",
        b"",
        b"",
    ]


# -- records -------------------------------------------------------------------------------------------
def test_records_and_their_accessors() -> None:
    section = (
        head(Kind.INT, sot=4) + words((1 << 24) | (3 << 16) | 13)  # 1: signed, 13 bits at bit 3
        + head(Kind.STRUCT, 2, 1, sot=8) + words(1, 1, (4 << 24) | 3, 0, 1, 32)  # 2: kflag members
        + head(Kind.ENUM, 2, 1, sot=4) + words(1, -2, 1, 7)  # 3: signed 32-bit enumerators
        + head(Kind.ENUM64, 1, 0, sot=8) + words(1, 0xFFFFFFFE, 0xFFFFFFFF)  # 4: unsigned 64-bit
        + head(Kind.ENUM64, 1, 1, sot=8) + words(1, 0xFFFFFFFE, 0xFFFFFFFF)  # 5: signed 64-bit
        + head(Kind.FUNC_PROTO, 2, sot=1) + words(1, 1, 0, 0)  # 6
        + head(Kind.DATASEC, 1, sot=4, name_off=1) + words(8, 0, 4)  # 7
        + head(Kind.DECL_TAG, sot=2, name_off=1) + words(-1)  # 8
        + head(Kind.ARRAY) + words(1, 1, 9)  # 9
        + head(Kind.VAR, sot=1, name_off=1) + words(1)  # 10
        + head(Kind.FUNC, 1, sot=6, name_off=1)  # 11: vlen is the linkage, nothing follows
    )  # fmt: skip
    decoded = TypeSection(section)
    types = list(decoded)
    assert decoded.left == 0 and decoded.incomplete is None
    assert [t.id for t in types] == list(range(1, 12)) and types[1].offset == 16
    i, s, e, e64, e64s, proto, sec, tag, arr, var, func = types
    assert (i.int_encoding, i.int_offset, i.int_bits) == (1, 3, 13)
    assert s.members() == [(1, 1, (4 << 24) | 3), (0, 1, 32)] and s.kind_flag and s.vlen == 2
    assert [(s.bit_offset(m[2]), s.bitfield_size(m[2])) for m in s.members()] == [(3, 4), (32, 0)]
    plain = RawType(0, 0, info_word(Kind.STRUCT, 1), 4, (0, 1, (4 << 24) | 3))
    assert (plain.bit_offset((4 << 24) | 3), plain.bitfield_size((4 << 24) | 3)) == ((4 << 24) | 3, 0)
    assert e.enumerators() == [(1, -2), (1, 7)]
    assert e64.enumerators() == [(1, (1 << 64) - 2)] and e64s.enumerators() == [(1, -2)]
    assert proto.params() == [(1, 1), (0, 0)] and sec.secinfos() == [(8, 0, 4)]
    assert tag.component_idx == -1 and arr.array == (1, 1, 9) and var.var_linkage == 1
    assert func.kind == Kind.FUNC and func.vlen == 1 and func.trailer == ()
    assert encode_type_section(types) == section


def test_where_decoding_stops() -> None:
    int_ = head(Kind.INT, sot=4) + words(32)
    cases = {
        "whole": (int_ + int_, 2, 0, None),
        "unknown kind": (int_ + head(20) + bytes(40), 1, 52, 20),
        "void": (int_ + head(0), 1, 12, 0),
        "trailing data past the end": (
            int_ + head(Kind.STRUCT, 2, sot=8) + words(1, 1, 0),
            1,
            24,
            Kind.STRUCT,
        ),
        "no room for a btf_type": (int_ + bytes(11), 1, 11, None),
        "not a multiple of 4": (int_ + head(Kind.INT, sot=4) + b"\0\0", 1, 14, Kind.INT),
    }
    for what, (section, count, left, stop_kind) in cases.items():
        decoded = TypeSection(section, first_id=5)
        types = list(decoded)
        assert (len(types), decoded.left) == (count, left), what
        if stop_kind is None:
            assert decoded.incomplete is None, what
        else:
            stop = decoded.incomplete
            assert stop is not None and stop.kind == stop_kind and stop.trailer == (), what
            assert stop.id == 5 + count and stop.offset == len(section) - left, what


def test_big_endian_section() -> None:
    section = struct.pack(">3II", 0, Kind.INT << 24, 4, 32)
    (t,) = TypeSection(section, little_endian=False)
    assert (t.kind, t.size_type, t.int_bits) == (Kind.INT, 4, 32)
    assert encode_type_section([t], little_endian=False) == section


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120))
def test_decoding_never_raises_and_accounts_for_every_byte(section: bytes) -> None:
    decoded = TypeSection(section)
    types = list(decoded)
    size = sum(TYPE_HEAD_SIZE + 4 * len(t.trailer) for t in types)
    assert size + decoded.left == len(section)
    assert encode_type_section(types) == section[:size]
    if decoded.incomplete is not None:
        info = kind_info(decoded.incomplete.kind)
        assert info is None or info.trailer_size(decoded.incomplete.vlen) > decoded.left - TYPE_HEAD_SIZE
