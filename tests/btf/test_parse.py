"""The BTF decoder and encoder: a hand-built blob of every kind, round trips, endianness, split BTF,
member walks, and the clear ``BTFError`` for every malformation (never IndexError/struct.error)."""

from __future__ import annotations

import contextlib
import functools
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf.btf import (
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
    Field,
    Float,
    Func,
    FuncLinkage,
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
    VarLinkage,
    VarSecinfo,
    Void,
    Volatile,
    encode_btf,
    parse_btf,
)
from pybpf.btf.raw import BTF_MAGIC, Header
from pybpf.btf.types import BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED


def blob(
    types: bytes, strings: bytes, e: str = "<", *, hdr_len: int = 24, extra_header: bytes = b""
) -> bytes:
    """Header (fields as given), then the type section, then the string section."""
    header = Header(BTF_MAGIC, 1, 0, hdr_len, 0, len(types), len(types), len(strings), extra_header)
    return header.pack(e == "<") + types + strings


def encode(types: list[BTFType], e: str = "<") -> bytes:
    return encode_btf(BTF(tuple(types)), little_endian=e == "<")


def _hand_built() -> bytes:
    """Every kind, written field by field with struct.pack (independently of the encoder)."""
    strs = b"\0int\0char\0u32\0s\0a\0b\0c\0E\0X\0Y\0f\0x\0v\0.data\0tag\0float\0Big\0"

    def off(name: str) -> int:
        return strs.index(name.encode() + b"\0") if name else 0

    def t(name: str, kind: int, vlen: int, kf: int, st_: int) -> bytes:
        return struct.pack("<3I", off(name), (kf << 31) | (kind << 24) | vlen, st_)

    ty = b""
    ty += t("int", 1, 0, 0, 4) + struct.pack("<I", (BTF_INT_SIGNED << 24) | 32)  # 1 int
    ty += t("char", 1, 0, 0, 1) + struct.pack("<I", (BTF_INT_CHAR << 24) | 8)  # 2 char
    ty += t("", 2, 0, 0, 1)  # 3 int *
    ty += t("", 3, 0, 0, 0) + struct.pack("<3I", 2, 1, 16)  # 4 char[16]
    ty += t("s", 4, 3, 1, 8)  # 5 struct s { int a:3; int b:5; char c[..] }  (kind_flag bitfields)
    ty += struct.pack("<3I", off("a"), 1, (3 << 24) | 0)
    ty += struct.pack("<3I", off("b"), 1, (5 << 24) | 3)
    ty += struct.pack("<3I", off("c"), 2, 32)
    ty += t("", 5, 2, 0, 4)  # 6 union { int a; char b; }
    ty += struct.pack("<3I", off("a"), 1, 0) + struct.pack("<3I", off("b"), 2, 0)
    ty += t("E", 6, 2, 1, 4) + struct.pack("<Ii", off("X"), -1) + struct.pack("<Ii", off("Y"), 7)  # 7
    ty += t("X", 7, 0, 1, 0)  # 8 fwd union X
    ty += t("u32", 8, 0, 0, 1)  # 9 typedef int u32
    ty += t("", 9, 0, 0, 9)  # 10 volatile u32
    ty += t("", 10, 0, 0, 10)  # 11 const volatile u32
    ty += t("", 11, 0, 0, 3)  # 12 restrict int *
    ty += t("", 13, 2, 0, 1) + struct.pack("<2I", off("x"), 1) + struct.pack("<2I", 0, 0)  # 13 proto
    ty += t("f", 12, 0, 0, 13)  # 14 func f (vlen 0: static) -- overwritten below as global
    ty += t("v", 14, 0, 0, 1) + struct.pack("<I", 1)  # 15 var v (global)
    ty += t(".data", 15, 1, 0, 4) + struct.pack("<3I", 15, 0, 4)  # 16 datasec
    ty += t("float", 16, 0, 0, 8)  # 17 float
    ty += t("tag", 17, 0, 0, 5) + struct.pack("<i", 1)  # 18 decl_tag on s member 1
    ty += t("tag", 18, 0, 0, 3)  # 19 type_tag
    ty += t("Big", 19, 1, 1, 8) + struct.pack("<3I", off("X"), 0xFFFFFFFE, 0xFFFFFFFF)  # 20 enum64 -2
    # make FUNC 14 global: vlen 1
    func_at = ty.index(t("f", 12, 0, 0, 13))
    ty = ty[:func_at] + t("f", 12, 1, 0, 13) + ty[func_at + 12 :]
    return blob(ty, strs)


def test_hand_built_blob_every_kind() -> None:
    btf = parse_btf(_hand_built())
    assert len(btf) == 21 and btf.little_endian
    assert btf[0] == Void()
    assert btf[1] == Int("int", 4, BTF_INT_SIGNED, 0, 32) and btf[1].signed
    assert btf[2] == Int("char", 1, BTF_INT_CHAR, 0, 8) and btf[2].is_char
    assert btf[3] == Ptr(1)
    assert btf[4] == Array(2, 1, 16)
    assert btf[5] == Struct("s", 8, (Member("a", 1, 0, 3), Member("b", 1, 3, 5), Member("c", 2, 32)), True)
    assert btf[6] == Union("", 4, (Member("a", 1, 0), Member("b", 2, 0)))
    assert btf[7] == Enum("E", 4, (EnumValue("X", -1), EnumValue("Y", 7)), signed=True)
    assert btf[8] == Fwd("X", is_union=True)
    assert btf[9] == Typedef("u32", 1)
    assert btf[10] == Volatile(9) and btf[11] == Const(10) and btf[12] == Restrict(3)
    assert btf[13] == FuncProto(1, (Param("x", 1), Param("", 0))) and btf[13].variadic
    assert btf[14] == Func("f", 13, FuncLinkage.GLOBAL)
    assert btf[15] == Var("v", 1, VarLinkage.GLOBAL_ALLOCATED)
    assert btf[16] == Datasec(".data", 4, (VarSecinfo(15, 0, 4),))
    assert btf[17] == Float("float", 8)
    assert btf[18] == DeclTag("tag", 5, 1)
    assert btf[19] == TypeTag("tag", 3)
    assert btf[20] == Enum64("Big", 8, (EnumValue("X", -2),), signed=True)
    assert btf.string(0) == "" and btf.string(1) == "int"


def test_resolution_sizes_alignments_names() -> None:
    btf = parse_btf(_hand_built())
    assert btf.resolve(11) == 1 and btf.resolve(19) == 3
    assert [btf.size_of(i) for i in (1, 2, 3, 4, 5, 6, 7, 11, 15, 16, 17, 20)] == [
        4,
        1,
        8,
        16,
        8,
        4,
        4,
        4,
        4,
        4,
        8,
        8,
    ]
    assert btf.align_of(5) == 4 and btf.align_of(4) == 1 and btf.align_of(3) == 8
    assert btf.find("s") == 5 and btf.find("X") == 8 and btf.find("X", Kind.FWD) == 8
    assert btf.get("u32", Typedef) == Typedef("u32", 1)
    assert btf.ids_by_name("tag") == (18, 19)
    assert btf.name_of(11) == "const volatile u32" and btf.name_of(4) == "char[16]"
    assert btf.name_of(3) == "int *" and btf.name_of(5) == "struct s" and btf.name_of(8) == "union X"
    with pytest.raises(BTFError, match="no type named"):
        btf.find("nope")
    with pytest.raises(BTFError, match="no STRUCT type"):
        btf.find("E", Kind.STRUCT)
    with pytest.raises(BTFError, match="has no size"):
        btf.size_of(14)
    with pytest.raises(BTFError, match="out of range"):
        btf[21]


def test_packed_struct_alignment_is_one() -> None:
    u32 = Int("u32", 4, 0, 0, 32)
    packed = Struct("p", 5, (Member("a", 2, 0), Member("b", 1, 8)))  # u32 at byte 1
    padded = Struct("q", 6, (Member("a", 2, 0), Member("b", 1, 32)))  # size not a multiple of 4
    btf = BTF((u32, Int("u8", 1, 0, 0, 8), packed, padded))
    assert btf.align_of(3) == 1 and btf.align_of(4) == 1 and btf.align_of(1) == 4


def test_loops_raise_btferror() -> None:
    btf = BTF((Typedef("a", 2), Typedef("b", 1), Struct("s", 4, (Member("x", 3, 0), Member("y", 3, 0)))))
    for call in (
        lambda: btf.resolve(1),
        lambda: btf.size_of(2),
        lambda: btf.align_of(1),
        lambda: btf.align_of(3),
    ):
        with pytest.raises(BTFError):
            call()
    arr = BTF((Array(1, 1, 2),))
    with pytest.raises(BTFError):
        arr.size_of(1)
    assert arr.name_of(1).endswith("[2]")


_TYPES: list[BTFType] = [
    Int("unsigned int", 4, 0, 0, 32),
    Int("_Bool", 1, BTF_INT_BOOL, 0, 8),
    Ptr(5),
    Array(1, 1, 0),
    Struct("node", 16, (Member("next", 3, 0), Member("v", 1, 64), Member("data", 4, 96))),
    Union("u", 8, (Member("p", 3, 0), Member("", 7, 0))),
    Struct("", 4, (Member("lo", 1, 0, 4), Member("hi", 1, 4, 28)), kind_flag=True),
    Enum("e", 4, (EnumValue("A", 0), EnumValue("B", 0xFFFFFFFF))),
    Enum64("e64", 8, (EnumValue("C", 1 << 40),)),
    Typedef("node_t", 5),
    FuncProto(0, (Param("n", 10),)),
    Func("walk", 11, FuncLinkage.EXTERN),
    TypeTag("user", 5, kind_flag=True),
    DeclTag("k", 12, -1, kind_flag=True),
]


@pytest.mark.parametrize("endian", ["<", ">"])
def test_round_trip_both_endiannesses(endian: str) -> None:
    btf = parse_btf(encode(_TYPES, endian))
    assert btf.types == tuple(_TYPES)
    assert btf.little_endian == (endian == "<")
    assert btf.size_of(5) == 16 and btf.align_of(5) == 8 and btf.size_of(7) == 4


def test_split_btf_continues_ids_and_strings() -> None:
    base = parse_btf(encode(_TYPES))
    split_types = (Ptr(5), Struct("wrapper", 8, (Member("n", 15, 0),)))
    data = encode_btf(BTF(split_types, strings=b"", base=base))
    assert data[-len(b"wrapper\0n\0") :] == b"wrapper\0n\0"  # offsets continue the base's: no leading NUL
    split = parse_btf(data, base=base)
    assert encode_btf(split) == data
    assert split.start_id == len(_TYPES) + 1 and len(split) == len(_TYPES) + 3
    assert split[15] == Ptr(5) and split[16].name == "wrapper"
    assert split.find("node") == 5 and split.find("wrapper") == 16
    assert split.size_of(16) == 8 and split[1] == _TYPES[0]
    with pytest.raises(BTFError, match="out of range"):
        parse_btf(encode_btf(BTF((Ptr(99),), strings=b"", base=base)), base=base)


# -- malformed input -----------------------------------------------------------------------------

_GOOD = encode(_TYPES)
_HDR = struct.Struct("<HBBIIIII")


def _with_header(**fields: int) -> bytes:
    names = ["magic", "version", "flags", "hdr_len", "type_off", "type_len", "str_off", "str_len"]
    values = dict(zip(names, _HDR.unpack_from(_GOOD), strict=True))
    values.update(fields)
    return _HDR.pack(*(values[n] for n in names)) + _GOOD[_HDR.size :]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "too short"),
        (b"\x9f\xeb\x01", "too short"),
        (_GOOD[:20], "too short"),
        (b"\x00\x00" + _GOOD[2:], "bad BTF magic"),
        (_with_header(version=2), "unsupported BTF version"),
        (_with_header(hdr_len=8), "bad BTF header length"),
        (_with_header(hdr_len=1 << 20), "bad BTF header length"),
        (_with_header(type_off=2), "not 4-byte aligned"),
        (_with_header(type_len=1 << 20), "type section"),
        (_with_header(str_len=1 << 20), "string section"),
        (_with_header(str_off=0), "overlap"),
        (_with_header(type_len=_HDR.unpack_from(_GOOD)[5] - 2), "multiple of 4"),
        (_with_header(type_len=_HDR.unpack_from(_GOOD)[5] - 4), "truncated"),
        (blob(b"", b"x\0"), "must start with a NUL"),
        (blob(b"", b"\0x"), "must end with a NUL"),
        (blob(b"", b""), "must start with a NUL"),
        (blob(struct.pack("<3I", 50, 1 << 24, 4) + b"\0\0\0\0", b"\0a\0"), "name offset|string offset"),
        (blob(struct.pack("<3I", 0, 2 << 24, 7), b"\0"), "refers to type id 7"),
        (blob(struct.pack("<3I", 0, 20 << 24, 0), b"\0"), "unknown BTF kind 20"),
        (blob(struct.pack("<3I", 0, 0, 0), b"\0"), "unknown BTF kind 0"),
        (blob(struct.pack("<3I", 0, (4 << 24) | 2, 4) + struct.pack("<3I", 0, 0, 0), b"\0"), "truncated"),
        (blob(struct.pack("<3I", 0, 1 << 24, 4), b"\0"), "truncated"),
        (blob(b"", b"\0", extra_header=b"\1\0\0\0", hdr_len=28), "non-zero"),
    ],
)
def test_malformed_blobs_raise_btferror(data: bytes, message: str) -> None:
    with pytest.raises(BTFError, match=message):
        parse_btf(data)


def test_zero_extended_header_and_big_endian_magic_accepted() -> None:
    assert len(parse_btf(blob(b"", b"\0", extra_header=b"\0" * 8, hdr_len=32))) == 1
    assert not parse_btf(blob(b"", b"\0", ">")).little_endian


def test_names_that_are_not_utf8_keep_their_bytes() -> None:
    """A name's bytes are the kernel's, UTF-8 or not (a tag's value): decoded with surrogate
    escapes, they encode back to the same bytes."""
    btf = parse_btf(blob(struct.pack("<3I", 1, 18 << 24, 0), b"\0\xff\xfe\0"))
    name = btf.types[-1].name
    assert name.encode(errors="surrogateescape") == b"\xff\xfe"
    assert encode_btf(btf) == blob(struct.pack("<3I", 1, 18 << 24, 0), b"\0\xff\xfe\0")


def test_btferror_is_a_valueerror() -> None:
    assert issubclass(BTFError, ValueError)


def _exercise(btf: BTF) -> None:
    """Everything a consumer may ask of a parsed object: only BTFError may come out."""
    for type_id, t in btf:
        for call in (btf.resolve, btf.size_of, btf.align_of, btf.name_of):
            with contextlib.suppress(BTFError):
                call(type_id)
        if t.name:
            btf.find(t.name)


_FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(data: bytes) -> None:
    for candidate in (data, b"\x9f\xeb\x01\x00" + data, _HDR.pack(0xEB9F, 1, 0, 24, 0, 0, 0, 0)[:8] + data):
        with contextlib.suppress(BTFError):
            _exercise(parse_btf(candidate))


@_FUZZ
@given(st.lists(st.tuples(st.integers(4, len(_GOOD) - 1), st.integers(0, 255)), min_size=1, max_size=6))
def test_fuzz_mutated_valid_blob(edits: list[tuple[int, int]]) -> None:
    data = bytearray(_GOOD)
    for pos, byte in edits:
        data[pos] = byte
    with contextlib.suppress(BTFError):
        _exercise(parse_btf(bytes(data)))


@_FUZZ
@given(st.lists(st.integers(0, 2**32 - 1), max_size=40), st.binary(max_size=40))
def test_fuzz_type_words(words: list[int], strs: bytes) -> None:
    data = blob(struct.pack(f"<{len(words)}I", *words), b"\0" + strs + b"\0")
    with contextlib.suppress(BTFError):
        _exercise(parse_btf(data))


@st.composite
def _records(draw: st.DrawFn) -> bytes:
    """Type sections made of well-formed-looking records (valid kinds, small ids and vlens)."""
    out = b""
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.integers(1, 19))
        vlen = draw(st.integers(0, 3))
        small = st.integers(0, 12)
        out += struct.pack(
            "<3I",
            draw(st.sampled_from([0, 1, 3])),
            (draw(st.booleans()) << 31) | (kind << 24) | vlen,
            draw(small),
        )
        out += struct.pack("<" + "I" * (3 * vlen + 3), *(draw(small) for _ in range(3 * vlen + 3)))
    return out


@_FUZZ
@given(_records())
def test_fuzz_structured_records(types: bytes) -> None:
    for cut in (len(types), len(types) - 4):
        with contextlib.suppress(BTFError):
            _exercise(parse_btf(blob(types[:cut], b"\0a\0b\0")))


@functools.cache
def _type_strategy(max_id: int) -> st.SearchStrategy[BTFType]:
    name = st.sampled_from(["", "a", "b_c", "node"])
    ref = st.integers(0, max_id)
    u32 = st.integers(0, 2**32 - 1)
    members = st.lists(
        st.builds(Member, name, ref, st.integers(0, 2**24 - 1), st.integers(0, 255)), max_size=4
    )
    values = st.lists(st.builds(EnumValue, name, st.integers(-(2**31), 2**31 - 1)), max_size=4)
    return st.one_of(
        st.builds(
            Int,
            name,
            st.sampled_from([1, 2, 4, 8, 16]),
            st.integers(0, 7),
            st.integers(0, 255),
            st.integers(0, 255),
        ),
        st.builds(Ptr, ref),
        st.builds(Array, ref, ref, u32),
        st.builds(lambda n, s, m: Struct(n, s, tuple(m), kind_flag=True), name, u32, members),
        st.builds(lambda n, s, m: Union(n, s, tuple(m), kind_flag=True), name, u32, members),
        st.builds(lambda n, v: Enum(n, 4, tuple(v), signed=True), name, values),
        st.builds(Fwd, name, st.booleans()),
        st.builds(Typedef, name, ref),
        st.builds(Const, ref),
        st.builds(Func, name, ref, st.integers(0, 2)),
        st.builds(
            lambda r, p: FuncProto(r, tuple(p)), ref, st.lists(st.builds(Param, name, ref), max_size=3)
        ),
        st.builds(Var, name, ref, st.integers(0, 2)),
        st.builds(Float, name, st.sampled_from([4, 8, 16])),
        st.builds(DeclTag, name, ref, st.integers(-1, 5)),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_round_trip_generated_models(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 6))
    types = [data.draw(_type_strategy(n)) for _ in range(n)]
    endian = data.draw(st.sampled_from(["<", ">"]))
    btf = parse_btf(encode(types, endian))
    assert btf.types == tuple(types)
    _exercise(btf)


# -- member walks ------------------------------------------------------------------------------------
def test_walk_members_through_anonymous_and_nested_records() -> None:
    u32 = Int("u32", 4, 0, 0, 32)
    inner = Struct("in", 8, (Member("x", 1, 0), Member("y", 1, 32)))  # 2
    anon = Union("", 4, (Member("u", 1, 0), Member("v", 1, 0)))  # 3
    outer = Struct(  # 4
        "out",
        20,
        (
            Member("a", 1, 0),
            Member("", 3, 32),
            Member("n", 5, 64),
            Member("", 1, 128, 3),
            Member("b", 1, 131, 5),
        ),
        kind_flag=True,
    )
    btf = BTF((u32, inner, anon, outer, Typedef("in_t", 2), Const(4)))
    flat = [(f.name, f.bit_offset, f.bitfield_size) for f in btf.walk_members(6)]
    assert flat == [("a", 0, 0), ("u", 32, 0), ("v", 32, 0), ("n", 64, 0), ("b", 131, 5)]
    nested = [(f.name, f.bit_offset) for f in btf.walk_members(4, nested=True)]
    assert nested == [("a", 0), ("u", 32), ("v", 32), ("n", 64), ("n.x", 64), ("n.y", 96), ("b", 131)]
    assert btf.member_at(4, "n.y") == Field(("n", "y"), 1, 96) and btf.member_at(4, "v").bit_offset == 32
    assert btf.members_of(5) == inner.members
    with pytest.raises(BTFError, match=r"no member 'n\.z'"):
        btf.member_at(4, "n.z")
    with pytest.raises(BTFError, match="not a struct or union"):
        list(btf.walk_members(1))
    looping = BTF((Struct("s", 4, (Member("", 1, 0),)),))
    with pytest.raises(BTFError, match="too deep"):
        list(looping.walk_members(1))


# -- encoding ----------------------------------------------------------------------------------------
def test_encode_gives_back_the_bytes_it_parsed() -> None:
    data = _hand_built()
    assert encode_btf(parse_btf(data)) == data
    big = encode(_TYPES, ">")
    assert encode_btf(parse_btf(big)) == big and encode_btf(parse_btf(big), little_endian=True) == _GOOD


def test_encode_refuses_what_the_format_cannot_hold() -> None:
    for types, message in (
        ([Struct("s", 4, (Member("a", 0, 0, 3),))], "needs kind_flag"),
        ([Int("i", 1 << 32, 0, 0, 8)], "32 bits"),
        ([Struct("s", 4, tuple(Member("", 0, 0) for _ in range(1 << 16)))], "vlen"),
        ([Void()], "never encoded"),
    ):
        with pytest.raises(BTFError, match=message):
            encode_btf(BTF(tuple(types)))
