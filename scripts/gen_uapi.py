#!/usr/bin/env python3
"""Generate ``src/pybpf/uapi/_generated.py``: the kernel's bpf(2) ABI as ctypes types and constants.

Mirrors the kernel's UAPI header ``linux/bpf.h`` (and ``linux/bpf_common.h``) with the running
kernel's BTF as the authority on layouts and values:

* which names exist is read from the header — the ``struct``/``union`` tags it defines, the tags
  of its enums and the enumerators of its anonymous enums, its simple integer ``#define``s;
* every layout (offsets, sizes, bitfields, padding, anonymous members) and every enumerator value
  comes from the BTF (``/sys/kernel/btf/vmlinux`` by default), so a newer kernel than the header
  contributes its newer fields and its newer enumerators (an anonymous BTF enum is taken whole
  when it holds any enumerator the header declares);
* ``#define``s are evaluated (integer literals with C suffixes, ``|``, ``&``, ``^``, shifts,
  ``+ - *``, parentheses, references to other defines and enumerators); function-like macros and
  anything else are skipped.

What an installed header cannot say comes from the generator's own tables, each entry with the
kernel file that defines it:

* ``NEWER_UAPI_ENUMS``: named enums of ``linux/bpf.h`` newer than the installed header (taken from
  the BTF, which has every enum the kernel uses); ``NEWER_UAPI_DEFINES``: its ``#define``s newer
  than the installed header (``#define``s are not in BTF), checked against the header when it has
  them;
* ``KERNEL_INTERNAL``: constants of kernel-internal files that pybpf mirrors (the errnos above 511
  of ``include/linux/errno.h`` such as ``ENOTSUPP``, verifier limits, log levels ...), checked
  against the BTF where the kernel has an enumerator of that name;
* ``ATTR_COMMAND_MEMBERS``: public names for the anonymous structs of ``union bpf_attr``, after
  the commands that use them (``bpf_attr_map_create``, ``bpf_attr_prog_load`` ...).

The kernel release recorded is the running kernel's without its local version (``6.18.44`` for
``6.18.44-fc-v1272``).

Every struct/union becomes a ``ctypes.Structure``/``ctypes.Union`` whose field offsets equal the
BTF's: explicit ``_pad_*`` fields fill gaps, C anonymous members are flattened with
``_anonymous_``, pointers become ``c_uint64`` (a BPF-side address), ``char[]`` becomes
``c_char * n``.  The generator builds each ctypes type while planning it, checks every offset and
size against the BTF and refuses to write a file that does not match.  The output targets the
x86-64 (LP64, little-endian) ABI of the machines pybpf runs on.

Usage::

    .venv/bin/python scripts/gen_uapi.py                 # live kernel BTF + /usr/include headers
    .venv/bin/python scripts/gen_uapi.py --btf FILE --release 6.18.0 [--header .../bpf.h]
    .venv/bin/python scripts/gen_uapi.py --check         # exit 1 if the committed file differs, or
                                                         # if a module of src/pybpf retypes its names
"""

from __future__ import annotations

import argparse
import ast
import ctypes
import difflib
import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pybpf.btf import (  # noqa: E402
    BTF,
    Array,
    BTFError,
    Enum,
    Enum64,
    Float,
    Int,
    Ptr,
    Struct,
    Union,
    read_btf_file,
)

DEFAULT_BTF = "/sys/kernel/btf/vmlinux"
DEFAULT_HEADER = "/usr/include/linux/bpf.h"
DEFAULT_COMMON = "/usr/include/linux/bpf_common.h"
PACKAGE = ROOT / "src" / "pybpf"
OUTPUT = PACKAGE / "uapi" / "_generated.py"

# Records other modules need whatever the header says (alternatives: the first one present wins).
REQUIRED_RECORDS: tuple[tuple[str, ...], ...] = (
    ("union bpf_attr",),
    ("struct bpf_map_info",),
    ("struct bpf_prog_info",),
    ("struct bpf_btf_info",),
    ("struct bpf_link_info",),
    ("struct bpf_insn",),
    ("struct __sk_buff",),
    ("struct xdp_md",),
    ("struct bpf_sock",),
    ("struct bpf_flow_keys",),
    ("struct bpf_spin_lock",),
    ("struct bpf_timer",),
    ("struct bpf_lpm_trie_key", "struct bpf_lpm_trie_key_hdr"),
)


# What the installed header may lack.  pybpf runs on kernels newer than the ``linux/bpf.h`` a
# distribution ships (Debian 12 ships 6.1's); the kernel's BTF has every enum the kernel uses, so
# these named enums of ``linux/bpf.h`` are taken from the BTF when the header does not declare them
# (and left out, with a note, when the BTF lacks them too: the kernel is older than the enum).
NEWER_UAPI_ENUMS: tuple[tuple[str, str], ...] = (
    # (enum tag, first Linux release whose linux/bpf.h has it)
    ("bpf_cond_pseudo_jmp", "6.9"),  # BPF_MAY_GOTO
    ("bpf_addr_space_cast", "6.9"),  # BPF_ADDR_SPACE_CAST
)

# ``#define``s are not in the BTF: the ones pybpf needs that an older installed header lacks are
# typed here, with the header that defines them and the release that added them.  When the
# installed header has one, its value must equal this table's (the generator refuses otherwise).
NEWER_UAPI_DEFINES: tuple[tuple[str, str, str, str], ...] = (
    # (name, C replacement text, UAPI header, first Linux release that has it)
    ("BPF_F_BEFORE", "(1U << 3)", "linux/bpf.h", "6.6"),
    ("BPF_F_AFTER", "(1U << 4)", "linux/bpf.h", "6.6"),
    ("BPF_F_ID", "(1U << 5)", "linux/bpf.h", "6.6"),
    ("BPF_F_XDP_DEV_BOUND_ONLY", "(1U << 6)", "linux/bpf.h", "6.3"),
    ("BPF_F_PREORDER", "(1U << 6)", "linux/bpf.h", "6.15"),
    ("BPF_MEMSX", "0x80", "linux/bpf.h", "6.6"),
    ("BPF_F_TEST_REG_INVARIANTS", "(1U << 7)", "linux/bpf.h", "6.8"),
    ("BPF_JCOND", "0xe0", "linux/bpf.h", "6.9"),
    ("BPF_LOAD_ACQ", "0x100", "linux/bpf.h", "6.15"),
    ("BPF_STORE_REL", "0x110", "linux/bpf.h", "6.15"),
)

# Kernel-internal constants that reach user space or shape bpf(2)'s behaviour, by the kernel source
# file that defines them (none is in a UAPI header, so no installed file has them).  The C text may
# name UAPI constants and earlier entries.  Where the kernel's BTF has an enumerator of the same
# name (an internal ``enum``), its value must equal this table's (the generator refuses otherwise).
KERNEL_INTERNAL: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "include/linux/errno.h",  # errnos above 511, meant to stay inside the kernel; some escape
        (
            ("ERESTARTSYS", "512"),
            ("ERESTARTNOINTR", "513"),
            ("ERESTARTNOHAND", "514"),
            ("ENOIOCTLCMD", "515"),
            ("ERESTART_RESTARTBLOCK", "516"),
            ("EPROBE_DEFER", "517"),
            ("EOPENSTALE", "518"),
            ("ENOPARAM", "519"),
            ("EBADHANDLE", "521"),
            ("ENOTSYNC", "522"),
            ("EBADCOOKIE", "523"),
            ("ENOTSUPP", "524"),  # returned by bpf(2) as is: "operation not supported" by a map/prog type
            ("ETOOSMALL", "525"),
            ("ESERVERFAULT", "526"),
            ("EBADTYPE", "527"),
            ("EJUKEBOX", "528"),
            ("EIOCBQUEUED", "529"),
            ("ERECALLCONFLICT", "530"),
            ("ENOGRACE", "531"),
        ),
    ),
    (
        "include/linux/filter.h",
        (
            ("BPF_REG_FP", "BPF_REG_10"),  # the read-only frame pointer
            ("MAX_BPF_STACK", "512"),
        ),
    ),
    (
        "include/linux/bpf.h",
        (
            ("MAX_BPF_FUNC_ARGS", "12"),
            ("MAX_TAIL_CALL_CNT", "33"),
            ("BPF_COMPLEXITY_LIMIT_INSNS", "1000000"),  # also the most insns a privileged load may have
            ("BPF_MAX_LOOPS", "(8 * 1024 * 1024)"),  # an enumerator: checked against the BTF
        ),
    ),
    (
        "include/linux/bpf_verifier.h",
        (
            ("BPF_MAX_VAR_OFF", "(1 << 29)"),
            ("MAX_CALL_FRAMES", "8"),
            ("MAX_USED_MAPS", "64"),
            ("BPF_MAX_SUBPROGS", "256"),
            ("BPF_LOG_LEVEL1", "1"),
            ("BPF_LOG_LEVEL2", "2"),
            ("BPF_LOG_STATS", "4"),
            ("BPF_LOG_LEVEL", "(BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2)"),
            ("BPF_LOG_FIXED", "8"),
            ("BPF_LOG_MASK", "(BPF_LOG_LEVEL | BPF_LOG_STATS | BPF_LOG_FIXED)"),
        ),
    ),
    (
        "kernel/bpf/helpers.c",
        (("BPF_STRTOX_BASE_MASK", "0x1F"),),
    ),
)

# The anonymous structs of ``union bpf_attr`` have no C name; each serves one family of commands
# (the header's comment above it says which).  Their classes are named after that family,
# ``bpf_attr_<name>``, found by the struct's first member; a member of ``bpf_attr`` that has a C
# name gives its type the class name ``bpf_attr_<member>`` (``bpf_attr_batch``, ``bpf_attr_test``).
ATTR_COMMAND_MEMBERS: dict[str, tuple[str, str]] = {
    # first member: (class name suffix, the commands that use the struct)
    "map_type": ("map_create", "BPF_MAP_CREATE"),
    "map_fd": ("map_elem", "BPF_MAP_*_ELEM, BPF_MAP_GET_NEXT_KEY and BPF_MAP_FREEZE"),
    "prog_type": ("prog_load", "BPF_PROG_LOAD"),
    "pathname": ("obj", "BPF_OBJ_PIN and BPF_OBJ_GET"),
    "target_fd": ("prog_attach", "BPF_PROG_ATTACH and BPF_PROG_DETACH"),
    "start_id": ("get_id", "BPF_*_GET_NEXT_ID and BPF_*_GET_FD_BY_ID"),
    "btf": ("btf_load", "BPF_BTF_LOAD"),
}


class GenError(Exception):
    """The inputs cannot be turned into a correct module."""


# -- the header ---------------------------------------------------------------------------------


@dataclass
class Header:
    """What C headers declare: defines and enums (in order, with their C text), record tags."""

    defines: list[tuple[str, str, str]] = field(default_factory=list)  # (name, C text, header)
    enums: list[tuple[str, list[tuple[str, str | None]]]] = field(default_factory=list)  # (tag, items)
    records: list[tuple[str, str]] = field(default_factory=list)  # ("struct"|"union", tag)

    @property
    def enum_tags(self) -> list[str]:
        return [tag for tag, _ in self.enums if tag]

    @property
    def anon_enumerators(self) -> set[str]:
        return {name for tag, items in self.enums if not tag for name, _ in items}


_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)(\(?)(.*)$")
_ENUM = re.compile(r"\benum\s+([A-Za-z_]\w*)?\s*\{(.*?)\}", re.S)
_RECORD = re.compile(r"\b(struct|union)\s+([A-Za-z_]\w*)\s*\{")
_ENUMERATOR = re.compile(r"^\s*([A-Za-z_]\w*)\s*(=.*)?$", re.S)


def scan_header(text: str, into: Header, label: str) -> None:
    """Collect the declarations of one header (comments, preprocessor lines handled)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = text.replace("\\\n", " ")
    body_lines = []
    for line in text.splitlines():
        m = _DEFINE.match(line)
        if m:
            name, paren, value = m.group(1), m.group(2), m.group(3).strip()
            if not paren and value:
                into.defines.append((name, value, label))
            continue
        if line.lstrip().startswith("#"):
            continue
        body_lines.append(line)
    body = "\n".join(body_lines)
    for m in _ENUM.finditer(body):
        tag, items = m.group(1) or "", []
        for item in m.group(2).split(","):
            em = _ENUMERATOR.match(item)
            if em:
                value = em.group(2)
                items.append((em.group(1), value[1:].strip() if value else None))
        if not tag or tag not in into.enum_tags:
            into.enums.append((tag, items))
    for m in _RECORD.finditer(body):
        rec = (m.group(1), m.group(2))
        if rec not in into.records:
            into.records.append(rec)


_SUFFIX = re.compile(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b")
_BINOPS = {
    ast.BitOr: int.__or__,
    ast.BitAnd: int.__and__,
    ast.BitXor: int.__xor__,
    ast.LShift: int.__lshift__,
    ast.RShift: int.__rshift__,
    ast.Add: int.__add__,
    ast.Sub: int.__sub__,
    ast.Mult: int.__mul__,
}


def eval_c_int(expr: str, env: dict[str, int]) -> int | None:
    """The value of a simple C integer constant expression, or None if it is not one."""
    text = _SUFFIX.sub(r"\1", expr.strip())
    if re.search(r"\b0\d", text):  # C octal: not worth supporting, and not Python syntax
        return None
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return None

    def ev(node: ast.AST) -> int | None:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Name):
            return env.get(node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = ev(node.left), ev(node.right)
            if left is None or right is None:
                return None
            return _BINOPS[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = ev(node.operand)
            return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
        return None

    return ev(tree.body)


# -- enums --------------------------------------------------------------------------------------


@dataclass
class EnumOut:
    name: str  # C tag, "" for anonymous
    values: list[tuple[str, int]]
    from_header: bool = False  # the kernel's BTF lacks it: values evaluated from the header
    newer_than_header: str = ""  # a NEWER_UAPI_ENUMS tag the header lacks: the release that added it


def header_enum_values(
    items: list[tuple[str, str | None]], env: dict[str, int]
) -> list[tuple[str, int]] | None:
    """Enumerator values as C assigns them (explicit, else previous + 1), or None if not evaluable."""
    out: list[tuple[str, int]] = []
    nxt = 0
    for name, text in items:
        if text is not None:
            v = eval_c_int(text, {**env, **dict(out)})
            if v is None:
                return None
            nxt = v
        out.append((name, nxt))
        nxt += 1
    return out


def select_enums(
    btf: BTF,
    header: Header,
    defines: dict[str, int] | None,
    newer: tuple[tuple[str, str], ...] = NEWER_UAPI_ENUMS,
) -> list[EnumOut]:
    """The BTF enums the header declares: by tag, and anonymous ones sharing an enumerator.  An
    enum the BTF does not have at all (the kernel never used its type) comes from the header.
    ``newer``: (tag, release) of UAPI enums to take from the BTF when the header lacks them."""
    since = {tag: release for tag, release in newer if tag not in header.enum_tags}
    named: dict[str, EnumOut] = {}
    anon: dict[tuple[tuple[str, int], ...], EnumOut] = {}
    for _tid, t in btf:
        if not isinstance(t, (Enum, Enum64)):
            continue
        values = [(v.name, v.value) for v in t.values]
        if t.name:
            if t.name in header.enum_tags or t.name in since:
                prev = named.get(t.name)
                if prev is not None and prev.values != values:
                    raise GenError(f"BTF has two different definitions of enum {t.name}")
                named[t.name] = EnumOut(t.name, values, newer_than_header=since.get(t.name, ""))
        elif any(n in header.anon_enumerators for n, _ in values):
            anon.setdefault(tuple(values), EnumOut("", values))
    if defines is not None:
        for tag in sorted(set(since) - set(named)):
            print(f"gen_uapi: enum {tag} is in neither the header nor the BTF: left out", file=sys.stderr)
    known = {n for e in [*named.values(), *anon.values()] for n, _ in e.values}
    for tag, items in header.enums if defines is not None else []:
        if (tag and tag in named) or not items or (not tag and any(n in known for n, _ in items)):
            continue
        env = {**(defines or {}), **{n: v for e in anon.values() for n, v in e.values}}
        evaluated = header_enum_values(items, env)
        if evaluated is None:
            print(
                f"gen_uapi: cannot evaluate {'enum ' + tag if tag else 'an anonymous enum'} "
                f"({items[0][0]} ...) from the header",
                file=sys.stderr,
            )
            continue
        print(
            f"gen_uapi: {'enum ' + tag if tag else 'anonymous enum'} ({items[0][0]} ...) is not in the "
            "BTF: taking its values from the header",
            file=sys.stderr,
        )
        if tag:
            named[tag] = EnumOut(tag, evaluated, from_header=True)
        else:
            anon.setdefault(tuple(evaluated), EnumOut("", evaluated, from_header=True))
    return [named[k] for k in sorted(named)] + sorted(anon.values(), key=lambda e: e.values[0][0])


# -- records ------------------------------------------------------------------------------------


# ctypes types are handled as Any: typeshed cannot express "a ctypes type times n is a ctypes type".
CT = Any

_INTS: dict[tuple[int, bool], CT] = {
    (1, False): ctypes.c_uint8,
    (1, True): ctypes.c_int8,
    (2, False): ctypes.c_uint16,
    (2, True): ctypes.c_int16,
    (4, False): ctypes.c_uint32,
    (4, True): ctypes.c_int32,
    (8, False): ctypes.c_uint64,
    (8, True): ctypes.c_int64,
}
_INT_NAMES: dict[CT, str] = {
    _INTS[size, signed]: f"c_{'' if signed else 'u'}int{8 * size}" for size, signed in _INTS
}


@dataclass
class CType:
    """A ctypes type together with how to spell it in source and in a type annotation."""

    ct: CT
    expr: str  # source for the ctypes type: "ctypes.c_uint32 * 4"
    annotation: str  # attribute annotation: "int", "bytes", "ctypes.Array[ctypes.c_uint32]"
    generic: str  # as a type argument: "ctypes.c_uint32", "ctypes.Array[ctypes.c_uint32]"
    is_int: bool = False  # may carry a bitfield


@dataclass
class FieldOut:
    name: str
    ctype: CType
    bits: int | None = None
    anonymous: bool = False
    flat: list[tuple[str, str]] = field(default_factory=list)  # flattened (name, annotation)


@dataclass
class RecordOut:
    type_id: int
    cname: str  # "struct bpf_insn", "union (anon)"
    pyname: str
    is_union: bool
    fields: list[FieldOut]
    doc: str = ""
    scope: str = ""  # prefix for the classes of named members: the nearest non-anonymous record
    pack: bool = False
    cls: CT | None = None


def _align_up(v: int, a: int) -> int:
    return (v + a - 1) // a * a


def python_name(c_tag: str) -> str:
    """``__sk_buff`` -> ``sk_buff``: a C tag as a public Python identifier."""
    return c_tag.lstrip("_")


@dataclass
class _Unit:
    """An open bitfield storage unit: where it starts, its ctypes type, how many bits are used."""

    start: int
    ct: CT
    used: int


_SIGNED = (ctypes.c_int8, ctypes.c_int16, ctypes.c_int32, ctypes.c_int64)


def _bitfield(name: str, ct: CT, nbits: int, annotation: str = "int") -> FieldOut:
    spelled = f"ctypes.{_INT_NAMES[ct]}"
    return FieldOut(name, CType(ct, spelled, annotation, spelled, is_int=True), nbits)


def _place_bitfield(
    fname: str,
    ctype: CType,
    bit_offset: int,
    nbits: int,
    *,
    cur: int,
    unit: _Unit | None,
    is_union: bool,
    pack: bool,
    pad: Callable[[int], None],
    fields: list[FieldOut],
) -> tuple[_Unit, int] | None:
    """Place one bitfield: in the open unit if it fits, else in a new unit of its declared type, or of
    a smaller one of the same signedness when the declared unit would overlap earlier members (the
    same bits on little-endian).  Returns the open unit and the new end of the laid-out bytes."""
    signed = ctype.ct in _SIGNED
    if unit is not None:
        size = ctypes.sizeof(unit.ct)
        if (
            bit_offset >= unit.start * 8 + unit.used
            and bit_offset + nbits <= (unit.start + size) * 8
            and (unit.ct in _SIGNED) == signed
        ):
            gap = bit_offset - (unit.start * 8 + unit.used)
            if gap:
                fields.append(_bitfield(f"_bits{len(fields)}", unit.ct, gap))
            fields.append(_bitfield(fname, unit.ct, nbits, ctype.annotation))
            return _Unit(unit.start, unit.ct, bit_offset + nbits - unit.start * 8), cur
    for size in (8, 4, 2, 1):
        if size > ctypes.sizeof(ctype.ct):
            continue
        start = bit_offset // 8 // size * size
        if is_union and start != 0:
            continue
        if bit_offset + nbits > (start + size) * 8 or (start < cur and not is_union):
            continue
        ct = _INTS[(size, signed)]
        a = 1 if pack else ctypes.alignment(ct)
        if start % a:
            continue
        if not is_union and start != _align_up(cur, a):
            pad(start - cur)
        lead = bit_offset - start * 8
        if lead:
            fields.append(_bitfield(f"_bits{len(fields)}", ct, lead))
        fields.append(_bitfield(fname, ct, nbits, ctype.annotation))
        end = start + size
        return _Unit(start, ct, lead + nbits), (max(cur, end) if is_union else end)
    return None


class RecordBuilder:
    """Plans, builds and checks one ctypes class per BTF struct/union, dependencies first."""

    def __init__(self, btf: BTF) -> None:
        self.btf = btf
        self.records: dict[int, RecordOut] = {}
        self.order: list[RecordOut] = []
        self.names: dict[str, int] = {}

    # -- type mapping ---------------------------------------------------------------------------
    def ctype(self, type_id: int, context: str) -> CType:
        btf = self.btf
        rid = btf.resolve(type_id)
        t = btf[rid]
        if isinstance(t, Int):
            if t.is_bool and t.size == 1:
                return CType(ctypes.c_bool, "ctypes.c_bool", "bool", "ctypes.c_bool", is_int=True)
            if t.size == 1 and (t.is_char or t.name == "char"):
                return CType(ctypes.c_char, "ctypes.c_char", "bytes", "ctypes.c_char")
            ct = _INTS.get((t.size, t.signed))
            if ct is None:
                raise GenError(f"{context}: no ctypes type for {t.size}-byte integer {t.name!r}")
            return CType(ct, f"ctypes.{_INT_NAMES[ct]}", "int", f"ctypes.{_INT_NAMES[ct]}", is_int=True)
        if isinstance(t, (Enum, Enum64)):
            ct = _INTS.get((t.size, t.signed))
            if ct is None:
                raise GenError(f"{context}: no ctypes type for {t.size}-byte enum {t.name!r}")
            return CType(ct, f"ctypes.{_INT_NAMES[ct]}", "int", f"ctypes.{_INT_NAMES[ct]}", is_int=True)
        if isinstance(t, Ptr):
            return CType(ctypes.c_uint64, "ctypes.c_uint64", "int", "ctypes.c_uint64", is_int=True)
        if isinstance(t, Float):
            fl = {4: ctypes.c_float, 8: ctypes.c_double}.get(t.size)
            if fl is None:
                raise GenError(f"{context}: no ctypes type for {t.size}-byte float")
            return CType(fl, f"ctypes.{fl.__name__}", "float", f"ctypes.{fl.__name__}")
        if isinstance(t, Array):
            elem = self.ctype(t.elem_type, context)
            expr = f"{elem.expr} * {t.nelems}" if " " not in elem.expr else f"({elem.expr}) * {t.nelems}"
            generic = f"ctypes.Array[{elem.generic}]"
            ann = "bytes" if elem.ct is ctypes.c_char else generic
            return CType(elem.ct * t.nelems, expr, ann, generic)
        if isinstance(t, (Struct, Union)):
            rec = self.record(rid, None)
            return CType(self._cls(rec), rec.pyname, rec.pyname, rec.pyname)
        raise GenError(f"{context}: cannot lay out {btf.name_of(type_id)}")

    @staticmethod
    def _cls(rec: RecordOut) -> CT:
        if rec.cls is None:
            raise GenError(f"{rec.cname} refers to itself by value")
        return rec.cls

    # -- records --------------------------------------------------------------------------------
    def record(self, type_id: int, suggested: str | None, doc: str = "", scope: str = "") -> RecordOut:
        """The planned and built class for the struct/union ``type_id`` (named ``suggested`` if anon).

        ``scope``: for an anonymous member's type, the prefix its own named members' classes get
        (its parent's scope, since C flattens an anonymous member's names into the parent)."""
        rid = self.btf.resolve(type_id)
        done = self.records.get(rid)
        if done is not None:
            return done
        t = self.btf[rid]
        if not isinstance(t, (Struct, Union)):
            raise GenError(f"type id {type_id} is not a struct or union")
        kw = "union" if isinstance(t, Union) else "struct"
        if t.name:
            pyname = python_name(t.name)
        elif suggested:
            pyname = suggested
        else:
            raise GenError(f"anonymous {kw} (type id {rid}) reached without a name")
        if pyname in self.names and self.names[pyname] != rid:
            raise GenError(f"two records would both be called {pyname}")
        self.names[pyname] = rid
        rec = RecordOut(
            rid,
            f"{kw} {t.name or '(anon)'}",
            pyname,
            isinstance(t, Union),
            [],
            doc=doc or f"``{kw} {t.name}``.",
            scope=scope or pyname,
        )
        self.records[rid] = rec
        self._plan(rec, t)
        self.order.append(rec)
        return rec

    def _first_leaf(self, type_id: int) -> str:
        t = self.btf[self.btf.resolve(type_id)]
        if isinstance(t, (Struct, Union)):
            for m in t.members:
                return m.name or self._first_leaf(m.type_id)
        raise GenError(f"anonymous member of type {self.btf.name_of(type_id)} has no named member")

    def _plan(self, rec: RecordOut, t: Struct | Union) -> None:
        for pack in (False, True):
            fields = self._layout(rec, t, pack)
            if fields is not None:
                rec.fields, rec.pack = fields, pack
                rec.cls = self._build(rec)
                self._check(rec, t)
                return
        raise GenError(f"{rec.cname}: no ctypes layout matches the BTF")

    def _member_type(self, rec: RecordOut, name: str, type_id: int) -> tuple[str, CType, bool]:
        """(field name, ctype, anonymous?) of one member; names anonymous nested types."""
        inner = self.btf[self.btf.resolve(type_id)]
        while isinstance(inner, Array):
            inner = self.btf[self.btf.resolve(inner.elem_type)]
        if name:
            if isinstance(inner, (Struct, Union)) and not inner.name:
                kw = "union" if isinstance(inner, Union) else "struct"
                self.record(
                    self._array_base(type_id),
                    f"{rec.scope}_{name}",
                    doc=f"The anonymous ``{kw}`` type of ``{rec.scope}.{name}``.",
                )
            return name, self.ctype(type_id, f"{rec.cname}.{name}"), False
        leaf = self._first_leaf(type_id)
        if not isinstance(inner, (Struct, Union)):
            raise GenError(f"{rec.cname}: anonymous member that is not a struct/union")
        kw = "union" if isinstance(inner, Union) else "struct"
        command = ATTR_COMMAND_MEMBERS.get(leaf) if rec.cname == "union bpf_attr" else None
        if command is not None:
            self.record(
                type_id,
                f"bpf_attr_{command[0]}",
                scope=rec.scope,
                doc=f"The anonymous ``{kw}`` of ``union bpf_attr`` used by {command[1]}: "
                f"``bpf_attr.{leaf}`` ...",
            )
        else:
            if rec.cname == "union bpf_attr":
                print(
                    f"gen_uapi: the anonymous member of union bpf_attr starting with {leaf} is not in "
                    "ATTR_COMMAND_MEMBERS: named after its first member",
                    file=sys.stderr,
                )
            self.record(
                type_id,
                f"{rec.pyname}_anon_{leaf}",
                scope=rec.scope,
                doc=f"An anonymous ``{kw}`` member of ``{rec.scope}``: ``{rec.scope}.{leaf}`` ...",
            )
        return f"_anon_{leaf}", self.ctype(type_id, rec.cname), True

    def _array_base(self, type_id: int) -> int:
        t = self.btf[self.btf.resolve(type_id)]
        while isinstance(t, Array):
            type_id = t.elem_type
            t = self.btf[self.btf.resolve(type_id)]
        return type_id

    def _flat(self, type_id: int) -> list[tuple[str, str]]:
        """Names (with annotations) an anonymous member contributes to its parent."""
        rec = self.records[self.btf.resolve(type_id)]
        out: list[tuple[str, str]] = []
        for f in rec.fields:
            if f.anonymous:
                out.extend(f.flat)
            elif not f.name.startswith("_pad"):
                out.append((f.name, f.ctype.annotation))
        return out

    def _layout(self, rec: RecordOut, t: Struct | Union, pack: bool) -> list[FieldOut] | None:
        """Fields placing every member at its BTF offset under ctypes' rules, or None if impossible."""
        fields: list[FieldOut] = []

        def pad(nbytes: int) -> None:
            pads = sum(1 for f in fields if f.name.startswith("_pad"))
            arr = "ctypes.Array[ctypes.c_uint8]"
            fields.append(
                FieldOut(
                    f"_pad{pads}", CType(ctypes.c_uint8 * nbytes, f"ctypes.c_uint8 * {nbytes}", arr, arr)
                )
            )

        cur = 0  # end of the bytes ctypes has laid out so far
        unit: _Unit | None = None  # the open bitfield storage unit
        max_align = 1
        for m in t.members:
            fname, ctype, anonymous = self._member_type(rec, m.name, m.type_id)
            if m.bitfield_size:
                if not ctype.is_int:
                    raise GenError(f"{rec.cname}.{m.name}: bitfield of non-integer type")
                placed = _place_bitfield(
                    fname,
                    ctype,
                    m.bit_offset,
                    m.bitfield_size,
                    cur=cur,
                    unit=unit,
                    is_union=rec.is_union,
                    pack=pack,
                    pad=pad,
                    fields=fields,
                )
                if placed is None:
                    return None
                unit, cur = placed
                max_align = max(max_align, 1 if pack else ctypes.alignment(unit.ct))
                continue
            unit = None
            if m.bit_offset % 8:
                raise GenError(f"{rec.cname}.{m.name}: member at bit offset {m.bit_offset} is not a bitfield")
            off = m.bit_offset // 8
            a = 1 if pack else ctypes.alignment(ctype.ct)
            max_align = max(max_align, a)
            if rec.is_union:
                if off != 0:
                    raise GenError(f"{rec.cname}.{m.name}: union member at offset {off}")
            else:
                if off < cur:
                    raise GenError(f"{rec.cname}.{m.name}: overlaps the previous member")
                if off % a:
                    return None  # misaligned for ctypes: retry packed
                if off != _align_up(cur, a):
                    pad(off - cur)
            f = FieldOut(fname, ctype, anonymous=anonymous)
            if anonymous:
                f.flat = self._flat(m.type_id)
            fields.append(f)
            end = off + ctypes.sizeof(ctype.ct)
            cur = max(cur, end) if rec.is_union else end
        if _align_up(cur, max_align) != t.size:
            if t.size < cur:
                return None
            pad(t.size if rec.is_union else t.size - cur)
            if _align_up(t.size, max_align) != t.size:
                return None
        return fields

    def _build(self, rec: RecordOut) -> CT:
        base = ctypes.Union if rec.is_union else ctypes.Structure
        ns: dict[str, object] = {}
        if rec.pack:
            ns["_pack_"] = 1
            ns["_layout_"] = "ms"
        anon = [f.name for f in rec.fields if f.anonymous]
        if anon:
            ns["_anonymous_"] = tuple(anon)
        ns["_fields_"] = [
            (f.name, f.ctype.ct) if f.bits is None else (f.name, f.ctype.ct, f.bits) for f in rec.fields
        ]
        return type(rec.pyname, (base,), ns)

    def _check(self, rec: RecordOut, t: Struct | Union) -> None:
        cls = self._cls(rec)
        if ctypes.sizeof(cls) != t.size:
            raise GenError(f"{rec.cname}: ctypes size {ctypes.sizeof(cls)} != BTF size {t.size}")
        placed = [f for f in rec.fields if not f.name.startswith(("_pad", "_bits"))]
        for m, f in zip(t.members, placed, strict=True):
            got = getattr(cls, f.name)
            if m.bitfield_size:
                continue  # checked by the tests bit by bit
            if got.offset != m.bit_offset // 8 or got.size != self.btf.size_of(m.type_id):
                raise GenError(
                    f"{rec.cname}.{m.name}: ctypes offset/size {got.offset}/{got.size} != BTF "
                    f"{m.bit_offset // 8}/{self.btf.size_of(m.type_id)}"
                )


# -- rendering ----------------------------------------------------------------------------------


def _docstring(w: Callable[[str], None], text: str) -> None:
    """A class docstring, wrapped to the line length."""
    lines = textwrap.wrap(text, 100)
    if len(lines) == 1:
        w(f'    """{text}"""')
        return
    w(f'    """{lines[0]}')
    for line in lines[1:]:
        w(f"    {line}")
    w('    """')


def _define_line(d: DefineOut) -> str:
    literal = _SUFFIX.sub(r"\1", d.text)
    if re.fullmatch(r"0[xX][0-9a-fA-F]+|[1-9]\d*|0", literal):
        return f"{d.name} = {literal.lower()}" + (f"  # {d.note}" if d.note else "")
    value = f"{d.value:#x}" if ("0x" in literal or "<<" in literal) and d.value >= 0 else str(d.value)
    return f"{d.name} = {value}  # {d.text}" + (f"; {d.note}" if d.note else "")


def render(release: str, records: list[RecordOut], enums: list[EnumOut], defines: list[DefineOut]) -> str:
    out: list[str] = []
    w = out.append
    w(f"# GENERATED by scripts/gen_uapi.py from {release} BTF and linux/bpf.h — do not edit.")
    w('"""The bpf(2) UAPI (``linux/bpf.h``) as ctypes types and integer constants.')
    w("")
    w(f"Layouts and enumerator values come from the BTF of Linux {release}; which names exist")
    w("comes from ``linux/bpf.h`` and ``linux/bpf_common.h``.  Regenerate with")
    w("``python scripts/gen_uapi.py``.")
    w("")
    w("* records: ``ctypes.Structure``/``ctypes.Union`` with every field at its BTF offset; C anonymous")
    w("  members are flattened (``_anonymous_``), gaps are ``_pad*`` fields, pointers are ``c_uint64``,")
    w("  ``char[n]`` is ``c_char * n``; ``struct __sk_buff`` is ``sk_buff`` (leading underscores dropped).")
    w('  ``C_TYPES`` maps each C spelling (``"union bpf_attr"``) to its class.')
    w("* enums: an ``enum.IntEnum`` per named C enum (enumerators starting with ``__`` are module-level")
    w("  only), and every enumerator, named or anonymous enum alike, as a module-level ``int``.")
    w("* ``#define``s: the simple integer ones, as module-level ``int``s.")
    w('"""')
    w("")
    w("from __future__ import annotations")
    w("")
    w("import ctypes")
    w("import enum")
    w("")
    w(f'UAPI_KERNEL_RELEASE = "{release}"')
    w("")
    w("# -- records " + "-" * 95)
    for rec in records:
        w("")
        w("")
        base = "ctypes.Union" if rec.is_union else "ctypes.Structure"
        w(f"class {rec.pyname}({base}):")
        _docstring(w, rec.doc)
        w("")
        annotations: list[tuple[str, str]] = []
        for f in rec.fields:
            if f.name.startswith(("_pad", "_bits")):
                continue
            annotations.append((f.name, f.ctype.annotation))
            annotations.extend(f.flat)
        for name, ann in annotations:
            if not name.startswith("__"):
                w(f"    {name}: {ann}")
        if annotations:
            w("")
        if rec.pack:
            w("    _pack_ = 1")
            w('    _layout_ = "ms"')
        anon = [f.name for f in rec.fields if f.anonymous]
        if anon:
            w("    _anonymous_ = (")
            for a in anon:
                w(f'        "{a}",')
            w("    )")
        w("    _fields_ = (")
        for f in rec.fields:
            bits = f", {f.bits}" if f.bits is not None else ""
            w(f'        ("{f.name}", {f.ctype.expr}{bits}),')
        w("    )")
    w("")
    w("")
    w("C_TYPES: dict[str, type[ctypes.Structure] | type[ctypes.Union]] = {")
    for rec in sorted((r for r in records if not r.cname.endswith("(anon)")), key=lambda r: r.cname):
        w(f'    "{rec.cname}": {rec.pyname},')
    w("}")
    w("")
    w("ATTR_SIZE = ctypes.sizeof(bpf_attr)")
    w("")
    w("# -- enums " + "-" * 97)
    for e in enums:
        if not e.name:
            continue
        w("")
        w("")
        w(f"class {e.name}(enum.IntEnum):")
        w(f'    """``enum {e.name}``."""')
        w("")
        for n, v in e.values:
            if not n.startswith("__"):
                w(f"    {n} = {v}")
    w("")
    w("")
    for e in enums:
        where = " (not in the kernel's BTF: values from the header)" if e.from_header else ""
        if e.newer_than_header:
            where = (
                f" (linux/bpf.h since {e.newer_than_header}, newer than the installed header: from the BTF)"
            )
        w(f"# enum {e.name}{where}" if e.name else f"# anonymous enum{where}")
        for n, v in e.values:
            w(f"{n} = {v}")
        w("")
    label = ""
    for d in defines:
        if d.header != label:
            label = d.header
            w("")
            w(f"# -- #defines of {label} " + "-" * (91 - len(label)))
            w("")
        w(_define_line(d))
    names = sorted(
        {"ATTR_SIZE", "C_TYPES", "UAPI_KERNEL_RELEASE"}
        | {r.pyname for r in records}
        | {e.name for e in enums if e.name}
        | {n for e in enums for n, _ in e.values}
        | {d.name for d in defines},
        key=_ruff_all_key,
    )
    w("")
    w("__all__ = [")
    for n in names:
        w(f'    "{n}",')
    w("]")
    return "\n".join(out) + "\n"


def _ruff_all_key(name: str) -> tuple[int, tuple[tuple[int, int, str], ...]]:
    """``__all__`` in the order ruff's RUF022 wants: SCREAMING_CASE, CamelCase, then the rest, each
    in natural order (``BPF_REG_9`` before ``BPF_REG_10``)."""
    group = 0 if name.upper() == name else 1 if name[:1].isupper() else 2
    chunks = tuple((0, int(c), "") if c.isdigit() else (1, 0, c) for c in re.split(r"(\d+)", name) if c)
    return group, chunks


# -- driver -------------------------------------------------------------------------------------


@dataclass
class DefineOut:
    name: str
    value: int
    text: str  # the C replacement text
    header: str  # the section it is listed under: the header or kernel file, and where its value came from
    note: str = ""  # said after the value


def _enumerators(enums: list[EnumOut]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for e in enums:
        for n, v in e.values:
            if n in seen and seen[n] != v:
                raise GenError(f"enumerator {n} has two values ({seen[n]}, {v})")
            seen[n] = v
    return seen


def evaluate_defines(header: Header, env: dict[str, int]) -> dict[str, int]:
    """Every evaluable define, to a fixed point (a define may use a later one)."""
    values: dict[str, int] = {}
    changed = True
    while changed:
        changed = False
        for n, text, _ in header.defines:
            if n not in values:
                v = eval_c_int(text, {**env, **values})
                if v is not None:
                    values[n] = v
                    changed = True
    return values


def select_defines(header: Header, enumerators: dict[str, int]) -> list[DefineOut]:
    """The integer defines, in header order; a name that is also an enumerator stays an enumerator."""
    values = evaluate_defines(header, enumerators)
    out: list[DefineOut] = []
    skipped: list[str] = []
    for n, text, label in header.defines:
        if n.startswith("__") and n.endswith("_H__"):
            continue  # include guard
        if n in enumerators:
            if n in values and values[n] != enumerators[n]:
                print(
                    f"gen_uapi: #define {n} = {values[n]} but the BTF enumerator is {enumerators[n]}; "
                    "keeping the BTF's",
                    file=sys.stderr,
                )
            continue
        if n not in values:
            skipped.append(n)
        elif all(d.name != n for d in out):
            out.append(DefineOut(n, values[n], " ".join(text.split()), label))
    if skipped:
        print(f"gen_uapi: skipped non-integer #defines: {', '.join(skipped)}", file=sys.stderr)
    return out


def _btf_enumerators(btf: BTF) -> dict[str, set[int]]:
    """Every enumerator of every enum in the BTF (the kernel's internal ones too): name -> values."""
    out: dict[str, set[int]] = {}
    for _tid, t in btf:
        if isinstance(t, (Enum, Enum64)):
            for v in t.values:
                out.setdefault(v.name, set()).add(v.value)
    return out


def table_defines(
    btf: BTF,
    known: dict[str, int],
    newer: tuple[tuple[str, str, str, str], ...] = NEWER_UAPI_DEFINES,
    internal: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = KERNEL_INTERNAL,
) -> list[DefineOut]:
    """The constants of the generator's own tables: UAPI ``#define``s newer than the installed header
    (unless it has them: then it must agree) and kernel-internal ones.  ``known``: every name the
    header and the BTF enums already give, with its value.  Each value is checked against a BTF
    enumerator of the same name where the kernel has one."""
    in_btf = _btf_enumerators(btf)
    env = dict(known)
    out: list[DefineOut] = []

    def value(name: str, text: str) -> int:
        v = eval_c_int(text, env)
        if v is None:
            raise GenError(f"table entry {name} = {text!r} is not an integer constant expression")
        if name in in_btf and v not in in_btf[name]:
            raise GenError(
                f"table entry {name} = {v} but the BTF's enumerator is {sorted(in_btf[name])}: "
                "update the table in scripts/gen_uapi.py"
            )
        return v

    for name, text, header_name, release in newer:
        v = value(name, text)
        if name in known:
            if known[name] != v:
                raise GenError(f"{name}: the installed {header_name} says {known[name]}, the table {v}")
            continue
        out.append(
            DefineOut(
                name, v, text, f"{header_name}, newer than the installed header", f"since Linux {release}"
            )
        )
        env[name] = v
    for source, entries in internal:
        for name, text in entries:
            if name in env:
                raise GenError(f"kernel-internal {name} ({source}) is also a UAPI name")
            env[name] = value(name, text)
            out.append(DefineOut(name, env[name], text, f"{source}, kernel-internal (not UAPI)"))
    return out


def generate(
    btf: BTF,
    header: Header,
    release: str,
    required: tuple[tuple[str, ...], ...] = REQUIRED_RECORDS,
    *,
    newer_enums: tuple[tuple[str, str], ...] = NEWER_UAPI_ENUMS,
    newer_defines: tuple[tuple[str, str, str, str], ...] = NEWER_UAPI_DEFINES,
    internal: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = KERNEL_INTERNAL,
) -> str:
    """The text of the generated module.  ``required``: records to emit whatever the header says;
    ``newer_enums``, ``newer_defines``, ``internal``: the generator's tables (see their comments)."""
    btf_only = _enumerators(select_enums(btf, header, None, newer_enums))
    enums = select_enums(btf, header, evaluate_defines(header, btf_only), newer_enums)
    enumerators = _enumerators(enums)
    defines = select_defines(header, enumerators)
    known = {**enumerators, **{d.name: d.value for d in defines}}
    defines += table_defines(btf, known, newer_defines, internal)

    builder = RecordBuilder(btf)
    wanted: list[tuple[str, str]] = list(header.records)
    for alternatives in required:
        present = [a for a in alternatives if _find_record(btf, a) is not None]
        if not present:
            raise GenError(f"the BTF has none of {', '.join(alternatives)}")
        rec = tuple(present[0].split())
        if (rec[0], rec[1]) not in wanted:
            wanted.append((rec[0], rec[1]))
    missing = []
    for kw, tag in sorted(wanted, key=lambda r: r[1]):
        tid = _find_record(btf, f"{kw} {tag}")
        if tid is None:
            missing.append(f"{kw} {tag}")
            continue
        builder.record(tid, None)
    if missing:
        print(
            f"gen_uapi: records declared by the header but absent from BTF: {', '.join(missing)}",
            file=sys.stderr,
        )
    _check_names(builder.order, enums, [(d.name, d.value) for d in defines])
    return render(release, builder.order, enums, defines)


def _find_record(btf: BTF, spelled: str) -> int | None:
    kw, tag = spelled.split()
    kind = Union if kw == "union" else Struct
    ids = [i for i in btf.ids_by_name(tag) if isinstance(btf[i], kind)]
    if len({btf[i] for i in ids}) > 1:
        print(
            f"gen_uapi: BTF has {len(ids)} definitions of {spelled}; using type id {ids[0]}", file=sys.stderr
        )
    return ids[0] if ids else None


def _check_names(records: list[RecordOut], enums: list[EnumOut], defines: list[tuple[str, int]]) -> None:
    seen: dict[str, str] = {
        "C_TYPES": "table",
        "ATTR_SIZE": "constant",
        "UAPI_KERNEL_RELEASE": "constant",
        "ctypes": "module",
        "enum": "module",
        "annotations": "import",
    }
    items: Iterator[tuple[str, str]] = iter(
        [(r.pyname, r.cname) for r in records]
        + [(e.name, f"enum {e.name}") for e in enums if e.name]
        + [(n, "enumerator") for e in enums for n, _ in e.values]
        + [(n, "#define") for n, _ in defines]
    )
    for name, what in items:
        if not name.isidentifier():
            raise GenError(f"{what}: {name!r} is not a Python identifier")
        if name in seen and not (what == "enumerator" and seen[name] == "enumerator"):
            raise GenError(f"name clash: {name} is both {seen[name]} and {what}")
        seen[name] = what


def exported_names(text: str) -> set[str]:
    """The ``__all__`` of a generated module's text."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return {ast.literal_eval(elt) for elt in getattr(node.value, "elts", ())}
    raise GenError("the generated module has no __all__")


def _module_level_targets(body: list[ast.stmt]) -> Iterator[tuple[int, str]]:
    """(line, name) of every name a module binds by assignment outside functions and classes."""
    for node in body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    yield node.lineno, name.id
        for block in ("body", "orelse", "finalbody"):
            if isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
                yield from _module_level_targets(getattr(node, block, []))
        if isinstance(node, ast.Try):
            for handler in node.handlers:
                yield from _module_level_targets(handler.body)


def hand_typed_constants(package: Path, exported: set[str]) -> list[str]:
    """Where the package outside ``uapi/`` types by hand what the generated module defines (a
    module-level name the module exports, bound again) or reaches into the private ``_generated``
    instead of ``pybpf.uapi``: one ``path:line: what`` per finding."""
    found: list[str] = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent)
        if rel.parts[:2] == ("pybpf", "uapi"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for line, name in _module_level_targets(tree.body):
            if name in exported:
                found.append(f"{rel}:{line}: {name} is defined by pybpf.uapi: import it from there")
        for node in ast.walk(tree):
            private = (
                (isinstance(node, ast.Attribute) and node.attr == "_generated")
                or (
                    isinstance(node, ast.ImportFrom)
                    and (node.module or "").startswith("pybpf.uapi._generated")
                )
                or (
                    isinstance(node, ast.ImportFrom)
                    and node.module == "pybpf.uapi"
                    and any(a.name == "_generated" for a in node.names)
                )
                or (
                    isinstance(node, ast.Import)
                    and any(a.name.startswith("pybpf.uapi._generated") for a in node.names)
                )
            )
            if private:
                found.append(f"{rel}:{getattr(node, 'lineno', 0)}: uses the private pybpf.uapi._generated")
    return found


def check(out: Path, text: str) -> int:
    """``--check``: 0 if ``out`` is what the generator writes now and no module of the package types
    by hand what it defines; 1 (saying why) otherwise."""
    current = out.read_text(encoding="utf-8") if out.exists() else ""
    failed = False
    if current != text:
        failed = True
        committed = re.search(r'^UAPI_KERNEL_RELEASE = "(.*)"$', current, re.M)
        running = re.search(r'^UAPI_KERNEL_RELEASE = "(.*)"$', text, re.M)
        if committed and running and committed.group(1) != running.group(1):
            print(
                f"gen_uapi: {out} was generated from Linux {committed.group(1)}, this is "
                f"{running.group(1)}: regenerate it here to compare",
                file=sys.stderr,
            )
        else:
            diff = list(
                difflib.unified_diff(
                    current.splitlines(), text.splitlines(), "committed", "generated", lineterm="", n=1
                )
            )
            print(f"gen_uapi: {out} is out of date:", *diff[:60], sep="\n", file=sys.stderr)
    for finding in hand_typed_constants(PACKAGE, exported_names(text)):
        failed = True
        print(f"gen_uapi: {finding}", file=sys.stderr)
    return 1 if failed else 0


def kernel_release(uname_release: str) -> str:
    """``6.18.44`` from ``6.18.44-fc-v1272``: the release without its local version, which names one
    build of a kernel (rebuilds of a release have the same UAPI, so they give the same module)."""
    m = re.match(r"\d+\.\d+(?:\.\d+)?", uname_release)
    return m.group(0) if m else uname_release


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--btf", default=DEFAULT_BTF, help=f"BTF file (default {DEFAULT_BTF})")
    ap.add_argument("--header", default=DEFAULT_HEADER, help=f"linux/bpf.h (default {DEFAULT_HEADER})")
    ap.add_argument("--common", default=DEFAULT_COMMON, help=f"linux/bpf_common.h (default {DEFAULT_COMMON})")
    ap.add_argument(
        "--release",
        help="kernel release the BTF belongs to (default: the running kernel's when --btf is the live one)",
    )
    ap.add_argument("-o", "--output", default=str(OUTPUT), help="where to write (default: the package)")
    ap.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the output would change "
        "or a module outside pybpf.uapi binds a name it exports or uses pybpf.uapi._generated",
    )
    args = ap.parse_args(argv)
    release = args.release or (kernel_release(os.uname().release) if args.btf == DEFAULT_BTF else "unknown")
    try:
        btf = read_btf_file(args.btf)
        header = Header()
        for path in (args.common, args.header):
            scan_header(Path(path).read_text(encoding="utf-8"), header, "linux/" + Path(path).name)
        text = generate(btf, header, release)
    except (OSError, BTFError, GenError) as e:
        print(f"gen_uapi: {e}", file=sys.stderr)
        return 2
    out = Path(args.output)
    if args.check:
        return check(out, text)
    out.write_text(text, encoding="utf-8")
    print(f"gen_uapi: wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
