"""scripts/gen_uapi.py: C header scanning, #define evaluation, ctypes layouts for awkward BTF
(bitfields sharing a unit with earlier members, packed members, trailing padding, flexible arrays,
nested anonymous members), determinism, and that the committed module is what it generates."""

from __future__ import annotations

import ctypes
import enum
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pybpf.btf import BTF, Array, Enum, EnumValue, Int, Member, Ptr, Struct, Typedef, Union
from pybpf.btf.types import BTF_INT_CHAR, BTF_INT_SIGNED
from tests.uapi.test_layout import _Checker

ROOT = Path(__file__).resolve().parents[2]


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_uapi", ROOT / "scripts" / "gen_uapi.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building classes
    spec.loader.exec_module(module)
    return module


gen_uapi = _load_generator()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("(1U << 3)", 8),
        ("16U", 16),
        ("0x1fULL", 31),
        ("(A | B)", 6),
        ("A+1", 3),
        ("-1", -1),
        ("((1ULL << 32) - 1)", 0xFFFFFFFF),
        ("FOO(x)", None),
        ("0755", None),
        ('"str"', None),
        ("(__u64)1", None),
        ("~0", None),
        ("UNKNOWN", None),
        ("1 ? 2 : 3", None),
        ("", None),
    ],
)
def test_eval_c_int(text: str, value: int | None) -> None:
    assert gen_uapi.eval_c_int(text, {"A": 2, "B": 4}) == value


HEADER = r"""
/* comment with enum { NOT_ME } and struct fake { */
#ifndef __T_H__
#define __T_H__
#define T_FLAG (1U << 4) /* trailing */
#define T_FN(x) ((x) + 1)
#define T_MULTI (T_FLAG | \
                 T_ONE)
#define T_STR "hello"
enum t_kind { T_A, T_B = 5, T_C, };
enum {
    T_ONE = 1, // line comment
    T_TWO,
    T_BIG = (1ULL << 40),
};
enum { T_ABSENT_X = T_FLAG, T_ABSENT_Y };
struct t_rec {
    int x;
};
union t_attr { int y; };
#endif
"""


def test_scan_header() -> None:
    h = gen_uapi.Header()
    gen_uapi.scan_header(HEADER, h, "linux/t.h")
    assert [(n, " ".join(t.split())) for n, t, _ in h.defines] == [
        ("T_FLAG", "(1U << 4)"),
        ("T_MULTI", "(T_FLAG | T_ONE)"),
        ("T_STR", '"hello"'),
    ]
    assert h.enum_tags == ["t_kind"]
    assert {"T_ONE", "T_TWO", "T_BIG", "T_ABSENT_X", "T_ABSENT_Y"} == h.anon_enumerators
    assert h.records == [("struct", "t_rec"), ("union", "t_attr")]
    assert "NOT_ME" not in h.anon_enumerators
    kind_items = dict(h.enums)["t_kind"]
    assert gen_uapi.header_enum_values(kind_items, {}) == [("T_A", 0), ("T_B", 5), ("T_C", 6)]


def _synthetic_btf() -> BTF:
    """Layouts that need every trick of the generator's planner."""
    types = [
        Int("unsigned int", 4, 0, 0, 32),  # 1
        Int("unsigned char", 1, 0, 0, 8),  # 2
        Int("long long", 8, BTF_INT_SIGNED, 0, 64),  # 3
        Int("char", 1, BTF_INT_CHAR, 0, 8),  # 4
        Typedef("__u32", 1),  # 5
        Array(4, 1, 8),  # 6 char[8]
        Array(2, 1, 0),  # 7 u8[] (flexible)
        Ptr(2),  # 8
        Enum("t_kind", 4, (EnumValue("T_A", 0), EnumValue("T_B", 5), EnumValue("T_C", 6))),  # 9
        # 10: { u8 x; u32 lo:4 (bit 12); u32 hi:12 (bit 16) } -- bitfields share x's 4-byte unit
        Struct("", 4, (Member("x", 2, 0), Member("lo", 5, 12, 4), Member("hi", 5, 16, 12)), kind_flag=True),
        # 11: packed { u8 tag; u32 val @1 } size 5
        Struct("t_packed", 5, (Member("tag", 2, 0), Member("val", 1, 8))),
        # 12: aligned(16) struct with one u32: trailing padding
        Struct("t_padded", 16, (Member("v", 1, 0),)),
        # 13: anonymous union { __u32 a; u8 b[]; }
        Union("", 4, (Member("a", 5, 0), Member("b", 7, 0))),
        # 14: struct t_rec { char name[8]; enum t_kind k; <anon union 13>; s64 big; void *p; struct 10 bits;
        #                    u8 data[]; }
        Struct(
            "t_rec",
            48,
            (
                Member("name", 6, 0),
                Member("k", 9, 64),
                Member("", 13, 96),
                Member("big", 3, 128),
                Member("p", 8, 192),
                Member("bits", 10, 256),
                Member("data", 7, 288),
            ),
        ),
        # 15: union bpf_attr { struct { __u32 a0; s64 a1; }; struct t_rec rec; }
        Struct("", 16, (Member("a0", 5, 0), Member("a1", 3, 64))),
        Union("bpf_attr", 48, (Member("", 15, 0), Member("rec", 14, 0))),  # 16
    ]
    return BTF(tuple(types))


SYNTH_HEADER = """
enum t_kind { T_A, T_B = 5, T_C };
enum { T_GONE = 3, T_GONE2 };
#define T_LEN 8U
#define T_MASK (T_B | T_LEN)
struct t_rec { int x; };
struct t_packed { int x; };
struct t_padded { int x; };
struct t_missing { int x; };
"""


def _generate(btf: BTF, header_text: str, required: tuple[tuple[str, ...], ...] = ()) -> str:
    h = gen_uapi.Header()
    gen_uapi.scan_header(header_text, h, "linux/t.h")
    text: str = gen_uapi.generate(
        btf, h, "9.9.9-test", required=required, newer_enums=(), newer_defines=(), internal=()
    )
    return text


def _exec(text: str) -> dict[str, Any]:
    ns: dict[str, Any] = {"__name__": "synthetic"}
    exec(compile(text, "synthetic", "exec"), ns)
    return ns


def test_generator_handles_awkward_layouts(capsys: pytest.CaptureFixture[str]) -> None:
    btf = _synthetic_btf()
    text = _generate(btf, SYNTH_HEADER, required=(("union bpf_attr",),))
    assert (
        text.splitlines()[0]
        == "# GENERATED by scripts/gen_uapi.py from 9.9.9-test BTF and linux/bpf.h — do not edit."
    )
    assert "t_missing" in capsys.readouterr().err
    ns = _exec(text)
    checker = _Checker(btf)
    for spelled, cls in ns["C_TYPES"].items():
        kw, tag = spelled.split()
        checker.record(cls, btf.find(tag, Union if kw == "union" else Struct), spelled)
    assert set(ns["C_TYPES"]) == {"union bpf_attr", "struct t_rec", "struct t_packed", "struct t_padded"}
    attr = ns["bpf_attr"]()
    attr.a1 = -5  # bytes 8..16 of the union
    attr.rec.bits.hi = 0xABC  # bytes 34..36
    assert (attr.a1, attr.rec.bits.hi, attr.rec.k) == (-5, 0xABC, 0xFFFFFFFB)
    attr.rec.a = 7  # the anonymous union at byte 12 overlaps a1's upper half
    assert attr.a1 == 7 << 32 | 0xFFFFFFFB
    assert ns["t_rec"].data.offset == 36 and ctypes.sizeof(ns["t_packed"]) == 5
    assert ns["ATTR_SIZE"] == 48
    assert issubclass(ns["t_kind"], enum.IntEnum) and ns["t_kind"].T_B == 5 and ns["T_C"] == 6
    assert (ns["T_GONE"], ns["T_GONE2"]) == (3, 4)  # not in this BTF: evaluated from the header
    assert (ns["T_LEN"], ns["T_MASK"]) == (8, 13)
    assert _generate(btf, SYNTH_HEADER, required=(("union bpf_attr",),)) == text  # deterministic


def test_generator_refuses_missing_required_record() -> None:
    with pytest.raises(gen_uapi.GenError, match="none of"):
        _generate(_synthetic_btf(), SYNTH_HEADER, required=(("struct nope", "struct nope2"),))


def test_committed_module_is_what_the_generator_writes() -> None:
    """``scripts/gen_uapi.py --check``: the committed module is what the generator writes from this
    kernel and header, and no module of the package types its names by hand."""
    from pybpf.uapi import _generated

    release = gen_uapi.kernel_release(os.uname().release)
    if release != _generated.UAPI_KERNEL_RELEASE:
        pytest.skip(f"generated from {_generated.UAPI_KERNEL_RELEASE}, running {release}")
    paths = [Path(gen_uapi.DEFAULT_COMMON), Path(gen_uapi.DEFAULT_HEADER), Path(gen_uapi.DEFAULT_BTF)]
    if not all(p.exists() for p in paths):
        pytest.skip("linux/bpf.h or the kernel's BTF is not available")
    assert gen_uapi.main(["--check"]) == 0, "src/pybpf/uapi/_generated.py is stale: run scripts/gen_uapi.py"
