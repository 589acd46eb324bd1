"""Test data: raw BTF blobs for BPF_BTF_LOAD, valid and malformed, written field by field.

Each malformed case names the check of the kernel's ``btf_parse`` it trips; the differential tests
load every blob into pybpf and into the real kernel and compare errno and log.
"""

from __future__ import annotations

import struct

# kinds
INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
RESTRICT, FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64 = range(11, 20)

STRINGS = b"\0int\0s\0a\0b\0bpf_spin_lock\0val\0f\0.data\0tag\0E\0long\0x1\0"


def off(name: str) -> int:
    """Offset of ``name`` in ``STRINGS`` (0 for "")."""
    return STRINGS.index(b"\0" + name.encode() + b"\0") + 1 if name else 0


def t(name: str | int, kind: int, vlen: int = 0, kf: int = 0, sot: int = 0) -> bytes:
    """One ``struct btf_type`` head."""
    name_off = off(name) if isinstance(name, str) else name
    return struct.pack("<3I", name_off, (kf << 31) | (kind << 24) | vlen, sot)


def u32(*words: int) -> bytes:
    return struct.pack(f"<{len(words)}I", *(w & 0xFFFFFFFF for w in words))


def int_type(size: int = 4, bits: int = 32, enc: int = 1, name: str = "int", offset: int = 0) -> bytes:
    return t(name, INT, sot=size) + u32((enc << 24) | (offset << 16) | bits)


def member(name: str, type_id: int, bit_off: int) -> bytes:
    return u32(off(name), type_id, bit_off)


def blob(types: bytes, strings: bytes = STRINGS, *, magic: int = 0xEB9F, version: int = 1, flags: int = 0,
         hdr_len: int = 24, type_off: int = 0, type_len: int | None = None, str_off: int | None = None,
         str_len: int | None = None, extra: bytes = b"", tail: bytes = b"") -> bytes:  # fmt: skip
    """Header + types + strings (offsets overridable to build malformed layouts)."""
    type_len = len(types) if type_len is None else type_len
    str_off = len(types) if str_off is None else str_off
    str_len = len(strings) if str_len is None else str_len
    header = struct.pack("<HBBIIIII", magic, version, flags, hdr_len, type_off, type_len, str_off, str_len)
    return header + extra + types + strings + tail


I32 = int_type()  # [1] int
SPIN_LOCK = t("bpf_spin_lock", STRUCT, 1, sot=4) + member("val", 1, 0)  # needs [1] int


def valid_cases() -> dict[str, bytes]:
    """Blobs the kernel accepts (one per kind and some combinations)."""
    return {
        "int": blob(I32),
        "struct": blob(I32 + t("s", STRUCT, 2, sot=8) + member("a", 1, 0) + member("b", 1, 32)),
        "spin_lock_value": blob(
            I32 + SPIN_LOCK + t("val", STRUCT, 2, sot=16) + member("a", 2, 0) + member("b", 1, 64)
        ),
        "every_kind": blob(
            I32  # 1
            + t("", PTR, sot=1)  # 2
            + t("", ARRAY, sot=0)
            + u32(1, 1, 4)  # 3 int[4]
            + t("s", STRUCT, 3, sot=32)
            + member("a", 1, 0)
            + member("b", 2, 64)
            + member("f", 3, 128)  # 4
            + t("b", UNION, 2, sot=8)
            + member("a", 1, 0)
            + member("b", 2, 0)  # 5
            + t("E", ENUM, 2, sot=4)
            + u32(off("a"), 0, off("b"), 7)  # 6
            + t("x1", FWD)  # 7
            + t("long", TYPEDEF, sot=1)  # 8
            + t("", VOLATILE, sot=1)
            + t("", CONST, sot=9)
            + t("", RESTRICT, sot=2)  # 9 10 11
            + t("", FUNC_PROTO, 2, sot=1)
            + u32(off("a"), 1, off("b"), 2)  # 12
            + t("f", FUNC, 1, sot=12)  # 13
            + t("val", VAR, sot=1)
            + u32(1)  # 14
            + t(".data", DATASEC, 1, sot=4)
            + u32(14, 0, 4)  # 15
            + t("long", FLOAT, sot=8)  # 16
            + t("tag", DECL_TAG, sot=4)
            + u32(1)  # 17
            + t("tag", TYPE_TAG, sot=1)  # 18
            + t("E", ENUM64, 1, sot=8)
            + u32(off("a"), 1, 2)  # 19
            + t("", FUNC_PROTO, 1, sot=0)
            + u32(0, 0)  # 20 void (...)
        ),
        "bitfields": blob(
            I32
            + t("s", STRUCT, 2, kf=1, sot=4)
            + member("a", 1, (3 << 24) | 0)
            + member("b", 1, (5 << 24) | 3)
        ),
        "ptr_to_self_struct": blob(
            I32 + t("s", STRUCT, 2, sot=16) + member("a", 1, 0) + member("b", 3, 64) + t("", PTR, sot=2)
        ),
        "hdr_len_32_zero_tail": blob(I32, hdr_len=32, extra=bytes(8)),
        "identifier_starting_with_a_dot": blob(I32 + t(".data", STRUCT, 1, sot=4) + member("a", 1, 0)),
        # tag values may hold any byte but NUL, UTF-8 or not (a type tag makes the load look for kptrs;
        # session 21, fuzz_abi btf_load:400212: pybpf's decoder refused the name with a traceback)
        "tag_values_not_utf8": blob(
            I32
            + t(len(STRINGS), TYPE_TAG, sot=1)
            + t("", PTR, sot=2)
            + t("long", TYPEDEF, sot=3)
            + t(len(STRINGS), DECL_TAG, sot=4)
            + u32(-1),
            STRINGS + b"\xff\xfe\x80\0",
        ),
    }


def _chain(n: int) -> bytes:
    """int, then ``n`` typedefs each naming the next one, the last the int (resolving depth ``n``)."""
    return I32 + b"".join(t("long", TYPEDEF, sot=i + 3 if i < n - 1 else 1) for i in range(n))


def malformed_cases() -> dict[str, bytes]:
    """Blobs the kernel refuses, each tripping one check."""
    s = STRINGS
    return {
        "too_short": b"\x9f\xeb\x01\x00",
        "hdr_len_past_data": blob(I32, hdr_len=4096),
        "hdr_tail_not_zero": blob(I32, hdr_len=32, extra=b"\1" + bytes(7)),
        "bad_magic": blob(I32, magic=0x9FEB),
        "bad_version": blob(I32, version=2),
        "bad_flags": blob(I32, flags=1),
        "no_data": blob(b"", b""),
        "section_offset_past_data": blob(I32, str_off=1000),
        "section_gap": blob(I32, s, str_off=len(I32) + 4, tail=bytes(4)),
        "section_overlap": blob(I32, s, str_off=len(I32) - 4),
        "section_too_long": blob(I32, s, str_len=len(s) + 8),
        "trailing_bytes": blob(I32, s, tail=b"\0\0\0\0"),
        "strings_no_leading_nul": blob(I32, b"x" + s[1:]),
        "strings_no_trailing_nul": blob(I32, s[:-1] + b"x"),
        "no_strings": blob(I32, b""),
        "strings_not_at_end": blob(I32, s, type_off=len(s), str_off=0)[:24] + s + I32,
        "unaligned_type_off": blob(I32, b"\0\0", type_off=2, str_off=0)[:24] + b"\0\0" + I32,
        "no_types": blob(b"", s),
        "hdr_len_2": blob(I32, hdr_len=2),  # the kernel copies 2 header bytes: version reads 0
        "hdr_len_12": blob(I32, hdr_len=12),  # ... 12: the string section reads as empty
        "truncated_type": blob(I32[:10]),
        "truncated_after_a_type": blob(I32 + I32[:10]),
        "truncated_int_data": blob(I32[:14]),
        "bad_info_bits": blob(t("int", INT, sot=4)[:4] + u32(0x41000000) + u32(4) + u32(32)),
        "kind_unknown": blob(t("", 0)),
        "kind_too_big": blob(t("", 25)),
        "kind_unknown_after_a_type": blob(I32 + t("", 25) + u32(1, 2, 3)),
        "bad_info_bits_and_kind": blob(t("int", 25)[:4] + u32((25 << 24) | 0x10000) + u32(4)),
        # where decoding stops short, the kernel's order of checks still holds: info, kind, name, then size
        "truncated_struct_bad_info": blob(
            I32 + t("s", STRUCT, 2, sot=8)[:4] + u32((STRUCT << 24) | 0x20002, 8)
        ),
        "truncated_struct_bad_name_off": blob(I32 + t(9999, STRUCT, 2, sot=8) + member("a", 1, 0)),
        "truncated_enum64": blob(t("E", ENUM64, 2, sot=8) + u32(off("a"), 1, 0, off("b"))),
        "name_off_out_of_range": blob(t(10_000, INT, sot=4) + u32(32)),
        "int_vlen": blob(t("int", INT, 1, sot=4) + u32(32)),
        "int_kflag": blob(t("int", INT, kf=1, sot=4) + u32(32)),
        "int_bad_int_data": blob(t("int", INT, sot=4) + u32(0x10000020)),
        "int_bits_over_128": blob(int_type(16, 120, 0, offset=16)),
        "int_bits_over_size": blob(int_type(2, 32)),
        "int_bad_encoding": blob(int_type(enc=3)),
        "ptr_named": blob(I32 + t("a", PTR, sot=1)),
        "ptr_to_missing_type": blob(I32 + t("", PTR, sot=9)),
        "const_kflag": blob(I32 + t("", CONST, kf=1, sot=1)),
        "typedef_bad_name": blob(I32 + t(off("x1") + 1, TYPEDEF, sot=1)),
        "typedef_no_name": blob(I32 + t("", TYPEDEF, sot=1)),
        "array_named": blob(I32 + t("a", ARRAY) + u32(1, 1, 2)),
        "array_void_elem": blob(I32 + t("", ARRAY) + u32(0, 1, 2)),
        "array_struct_index": blob(I32 + t("s", STRUCT, 0, sot=0) + t("", ARRAY) + u32(1, 2, 2)),
        "array_size_nonzero": blob(I32 + t("", ARRAY, sot=4) + u32(1, 1, 2)),
        "array_overflow": blob(I32 + t("", ARRAY) + u32(1, 1, 0x7FFFFFFF)),
        "struct_member_past_size": blob(I32 + t("s", STRUCT, 1, sot=2) + member("a", 1, 0)),
        "struct_member_offsets_decrease": blob(
            I32 + t("s", STRUCT, 2, sot=8) + member("a", 1, 32) + member("b", 1, 0)
        ),
        "struct_member_offset_past_size": blob(I32 + t("s", STRUCT, 1, sot=4) + member("a", 1, 64)),
        "struct_member_void": blob(I32 + t("s", STRUCT, 1, sot=4) + member("a", 0, 0)),
        "struct_member_bad_name": blob(I32 + t("s", STRUCT, 1, sot=4) + u32(off("x1") + 1, 1, 0)),
        "struct_member_not_byte_aligned": blob(
            I32 + t("s", STRUCT, 2, sot=8) + member("a", 1, 0) + member("b", 3, 33) + t("", PTR, sot=1)
        ),
        "struct_member_func_proto": blob(
            I32 + t("s", STRUCT, 1, sot=8) + member("a", 3, 0) + t("", FUNC_PROTO, 0, sot=1)
        ),
        "struct_meta_truncated": blob(I32 + t("s", STRUCT, 2, sot=8) + member("a", 1, 0)),
        "struct_loop": blob(I32 + t("s", STRUCT, 1, sot=4) + member("a", 2, 0)),
        "union_member_offset": blob(I32 + t("b", UNION, 1, sot=8) + member("a", 1, 32)),
        "kflag_bitfield_too_wide": blob(I32 + t("s", STRUCT, 1, kf=1, sot=8) + member("a", 1, 40 << 24)),
        "kflag_unaligned_nonbitfield": blob(I32 + t("s", STRUCT, 1, kf=1, sot=8) + member("a", 1, 3)),
        "const_ptr_loop": blob(t("", CONST, sot=2) + t("", PTR, sot=1)),
        "typedef_loop": blob(t("long", TYPEDEF, sot=1)),
        "resolve_too_deep": blob(_chain(40)),
        "enum_bad_size": blob(t("E", ENUM, 1, sot=3) + u32(off("a"), 1)),
        "enum_member_no_name": blob(t("E", ENUM, 1, sot=4) + u32(0, 1)),
        "enum_member_bad_name_off": blob(t("E", ENUM, 1, sot=4) + u32(9999, 1)),
        "enum64_bad_size": blob(t("E", ENUM64, 1, sot=16) + u32(off("a"), 1, 0)),
        "fwd_with_type": blob(t("x1", FWD, sot=1)),
        "fwd_no_name": blob(t("", FWD)),
        "func_no_name": blob(I32 + t("", FUNC_PROTO, 0, sot=1) + t("", FUNC, sot=2)),
        "func_not_proto": blob(I32 + t("f", FUNC, sot=1)),
        "func_bad_linkage": blob(I32 + t("", FUNC_PROTO, 0, sot=1) + t("f", FUNC, 3, sot=2)),
        "func_extern_linkage": blob(I32 + t("", FUNC_PROTO, 0, sot=1) + t("f", FUNC, 2, sot=2)),
        "func_unnamed_arg": blob(I32 + t("", FUNC_PROTO, 1, sot=1) + u32(0, 1) + t("f", FUNC, sot=2)),
        "func_proto_named": blob(I32 + t("f", FUNC_PROTO, 0, sot=1)),
        "func_proto_bad_arg": blob(I32 + t("", FUNC_PROTO, 1, sot=1) + u32(off("a"), 7)),
        "func_proto_named_vararg": blob(I32 + t("", FUNC_PROTO, 2, sot=1) + u32(off("a"), 1, off("b"), 0)),
        "func_proto_bad_return": blob(I32 + t("", FUNC_PROTO, 0, sot=8)),
        "var_bad_linkage": blob(I32 + t("val", VAR, sot=1) + u32(5)),
        "var_void": blob(I32 + t("val", VAR, sot=0) + u32(0)),
        "var_of_func_proto": blob(I32 + t("", FUNC_PROTO, 0, sot=1) + t("val", VAR, sot=2) + u32(0)),
        "datasec_size_zero": blob(
            I32 + t("val", VAR, sot=1) + u32(0) + t(".data", DATASEC, 1, sot=0) + u32(2, 0, 4)
        ),
        "datasec_not_var": blob(I32 + t(".data", DATASEC, 1, sot=4) + u32(1, 0, 4)),
        "datasec_var_too_big": blob(
            I32 + t("val", VAR, sot=1) + u32(0) + t(".data", DATASEC, 1, sot=8) + u32(2, 0, 2)
        ),
        "datasec_offset_past_size": blob(
            I32 + t("val", VAR, sot=1) + u32(0) + t(".data", DATASEC, 1, sot=4) + u32(2, 4, 4)
        ),
        "float_bad_size": blob(t("long", FLOAT, sot=3)),
        "decl_tag_no_value": blob(I32 + t("", DECL_TAG, sot=1) + u32(0xFFFFFFFF)),
        "decl_tag_bad_component": blob(
            I32 + t("s", STRUCT, 1, sot=4) + member("a", 1, 0) + t("tag", DECL_TAG, sot=2) + u32(-2)
        ),
        "decl_tag_component_past_members": blob(
            I32 + t("s", STRUCT, 1, sot=4) + member("a", 1, 0) + t("tag", DECL_TAG, sot=2) + u32(1)
        ),
        "decl_tag_on_int": blob(I32 + t("tag", DECL_TAG, sot=1) + u32(-1)),
        "type_tag_no_name": blob(I32 + t("", TYPE_TAG, sot=1)),
        "struct_with_two_spin_locks": blob(
            I32 + SPIN_LOCK + t("s", STRUCT, 2, sot=8) + member("a", 2, 0) + member("b", 2, 32)
        ),
        "spin_lock_after_bitfield": blob(
            I32
            + SPIN_LOCK
            + t("s", STRUCT, 3, kf=1, sot=8)
            + member("a", 1, 3 << 24)
            + member("b", 1, (5 << 24) | 3)
            + member("f", 2, 32)
        ),
        "misaligned_spin_lock": blob(
            I32 + SPIN_LOCK + t("s", STRUCT, 2, sot=8) + member("a", 1, 0) + member("b", 2, 16)
        ),
        "type_tag_after_const": blob(
            I32
            + t("tag", TYPE_TAG, sot=1)
            + t("", CONST, sot=2)
            + t("tag", TYPE_TAG, sot=3)
            + t("", PTR, sot=4)
        ),
    }
