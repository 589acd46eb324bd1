"""Subprogram prototypes of verifier-corpus programs: C-like declarations turned into program BTF.

A corpus program with ``btf`` gives each subprogram a BTF FUNC (``f0`` the main program, ``f1`` ...,
refs_harness's ``int f(void)``).  Its ``proto`` header lines replace that prototype, one function
each, in a small C-like syntax::

    proto: int f1(struct xdp_md *ctx, int x, struct pair:8 *p __arg_nonnull)
    proto: static int f2(struct task_struct *t __arg_trusted __arg_nullable)

A declaration is ``[static|global] RET NAME(PARAM, ...)`` (linkage as the ``btf`` header says when
neither is written; ``(void)`` or ``()`` for no parameter).  A type is ``[const] BASE`` and ``*`` per
pointer level; BASE is ``void``, ``char``, ``int``, ``long``, ``u8`` .. ``u64``, ``enum NAME``
(4 bytes), ``struct NAME`` (a struct of that name, 8 bytes, or ``struct NAME:SIZE``), ``union
NAME[:SIZE]``, ``fwd NAME`` (a forward declaration: no size) or ``func`` (a ``void (void)``
prototype).  After a parameter's optional name, ``__arg_TAG`` adds the decl tag ``arg:TAG`` to that
parameter (as libbpf's ``__arg_ctx`` ... macros do) and ``__tag_TEXT`` the decl tag ``TEXT``; after the
closing parenthesis, ``__tag_TEXT`` tags the function itself (``__tag_exception_callback:f1`` is
libbpf's ``__exception_cb(f1)``).  The
BTF keeps refs_harness's types and ids (maps with a spin lock still find theirs); the prototypes'
types follow them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pybpf.btf.encode import encode_btf
from pybpf.btf.parse import parse_btf
from pybpf.btf.types import (
    BTF,
    BTF_INT_SIGNED,
    BTFType,
    Const,
    DeclTag,
    Enum,
    Func,
    FuncLinkage,
    FuncProto,
    Fwd,
    Int,
    Param,
    Ptr,
    Struct,
    Union,
)
from tests.verifier import refs_harness

_DECL = re.compile(r"^\s*(?:(static|global)\s+)?(.+?)\s*\b(f\d+)\s*\((.*)\)((?:\s+__tag_\S+)*)\s*$")
_INTS = {
    "char": (1, BTF_INT_SIGNED),
    "int": (4, BTF_INT_SIGNED),
    "long": (8, BTF_INT_SIGNED),
    "u8": (1, 0),
    "u16": (2, 0),
    "u32": (4, 0),
    "u64": (8, 0),
}
_BASE = re.compile(r"^(?:(const)\s+)?(struct|union|enum|fwd)?\s*(\w+)(?::(\d+))?\s*(\**)\s*(.*)$")


@dataclass(frozen=True)
class Proto:
    """One parsed declaration: the function's index (``fN``), linkage and BTF pieces."""

    index: int
    linkage: FuncLinkage | None  # None: as the ``btf`` header says
    ret: str
    params: tuple[tuple[str, str, tuple[str, ...]], ...]  # (type, name, decl tags)
    tags: tuple[str, ...] = ()  # the function's own decl tags (component -1)


def parse_proto(text: str) -> Proto:
    """One ``proto`` header value; ValueError when it is not of the form above."""
    match = _DECL.match(text)
    if match is None:
        raise ValueError(f"bad prototype {text!r}")
    linkage_word, ret, name, args, func_tags = match.groups()
    linkage = None if linkage_word is None else FuncLinkage[linkage_word.upper()]
    params = []
    for raw in [a.strip() for a in args.split(",")] if args.strip() not in ("", "void") else []:
        words = raw.split()
        tags = tuple(
            "arg:" + w[6:] if w.startswith("__arg_") else w[6:]
            for w in words
            if w.startswith(("__arg_", "__tag_"))
        )
        rest = re.sub(
            r"\*\s+(?=\*)", "*", " ".join(w for w in words if not w.startswith(("__arg_", "__tag_")))
        )
        parsed = _BASE.match(rest)
        if parsed is None:
            raise ValueError(f"bad parameter {raw!r} in {text!r}")
        const, kind, base, size, stars, param_name = parsed.groups()
        type_text = " ".join(p for p in (const, kind, base + (f":{size}" if size else "")) if p) + " " + stars
        params.append((type_text.strip(), param_name.strip(), tags))
    tags = tuple(w[6:] for w in func_tags.split())
    return Proto(int(name[1:]), linkage, ret.strip(), tuple(params), tags)


class _Types:
    """The types appended after refs_harness's: each distinct type text once."""

    def __init__(self, first_id: int) -> None:
        self.first_id = first_id
        self.types: list[BTFType] = []
        self.ids: dict[str, int] = {}

    def add(self, t: BTFType) -> int:
        self.types.append(t)
        return self.first_id + len(self.types) - 1

    def type_id(self, text: str) -> int:
        """The id of a type text (``const struct pair:8 **``), adding what it needs."""
        text = " ".join(text.split())
        if text in self.ids:
            return self.ids[text]
        parsed = _BASE.match(text)
        if parsed is None or parsed.group(6):
            raise ValueError(f"bad type {text!r}")
        const, kind, base, size, stars, _ = parsed.groups()
        if stars:
            pointee = text[: text.rindex("*")].strip()
            type_id = self.add(Ptr(self.type_id(pointee)))
        elif const:
            type_id = self.add(Const(self.type_id(text[len("const") :].strip())))
        else:
            type_id = self._base(kind, base, int(size or 8))
        self.ids[text] = type_id
        return type_id

    def _base(self, kind: str | None, base: str, size: int) -> int:
        if kind == "struct":
            return self.add(Struct(base, size))
        if kind == "union":
            return self.add(Union(base, size))
        if kind == "enum":
            return self.add(Enum(base, 4))
        if kind == "fwd":
            return self.add(Fwd(base))
        if base == "void":
            return 0
        if base == "func":
            return self.add(FuncProto(0))
        if base in _INTS:
            width, encoding = _INTS[base]
            return self.add(Int(base, width, encoding, 0, width * 8))
        raise ValueError(f"unknown type {base!r}")


def btf_blob(funcs: int, protos: tuple[str, ...], *, global_subprogs: bool) -> bytes:
    """refs_harness.btf_blob(``funcs``) with the FUNCs of ``protos`` given those prototypes."""
    base = parse_btf(refs_harness.btf_blob(funcs, global_subprogs=global_subprogs))
    types = list(base.types)
    extra = _Types(base.end_id)
    tags: list[DeclTag] = []
    for text in protos:
        proto = parse_proto(text)
        if proto.index >= funcs:
            raise ValueError(f"{text!r}: the program has {funcs} functions")
        func_id = refs_harness.FIRST_FUNC + proto.index
        old = types[func_id - base.start_id]
        assert isinstance(old, Func)
        params = tuple(Param(name, extra.type_id(type_text)) for type_text, name, _ in proto.params)
        proto_id = extra.add(FuncProto(extra.type_id(proto.ret), params))
        linkage = old.linkage if proto.linkage is None else proto.linkage
        types[func_id - base.start_id] = Func(old.name, proto_id, linkage)
        for i, (_, _, param_tags) in enumerate(proto.params):
            tags += [DeclTag(tag, func_id, i) for tag in param_tags]
        tags += [DeclTag(tag, func_id, -1) for tag in proto.tags]
    return encode_btf(BTF(tuple(types) + tuple(extra.types) + tuple(tags)))
