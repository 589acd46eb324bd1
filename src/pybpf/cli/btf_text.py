"""BTF types as ``bpftool btf dump`` prints them (``format raw``): one line per type, members indented.

Mirrors ``dump_btf_type`` of tools/bpf/bpftool/btf.c, text and JSON alike::

    [9] STRUCT 'counters' size=16 vlen=2
        'packets' type_id=10 bits_offset=0
        'bytes' type_id=10 bits_offset=64
    [15] VAR 'proto_counts' type_id=14, linkage=global

and ``{"id": 9, "kind": "STRUCT", "name": "counters", "size": 16, "vlen": 2, "members": [...]}``.
"""

from __future__ import annotations

from typing import Any

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
    Member,
    Param,
    Ptr,
    Restrict,
    Struct,
    Typedef,
    TypeTag,
    Union,
    Var,
    Volatile,
)

__all__ = ["raw_json", "raw_lines"]

_ENCODINGS = {0: "(none)", 1: "SIGNED", 2: "CHAR", 4: "BOOL"}
_FUNC_LINKAGE = {0: "static", 1: "global", 2: "extern"}
_VAR_LINKAGE = {0: "static", 1: "global", 2: "extern"}


def _name(t: BTFType | Member | Param) -> str:
    return t.name or "(anon)"


def raw_json(btf: BTF, type_id: int) -> dict[str, Any]:
    """One type as ``bpftool -j btf dump`` writes it."""
    t = btf[type_id]
    entry: dict[str, Any] = {"id": type_id, "kind": t.kind.name, "name": _name(t)}
    if isinstance(t, Int):
        entry.update(
            size=t.size, bits_offset=t.bit_offset, nr_bits=t.bits, encoding=_ENCODINGS.get(t.encoding, "UNKN")
        )
    elif isinstance(t, (Ptr, Const, Volatile, Restrict, Typedef, TypeTag)):
        entry["type_id"] = t.type_id
    elif isinstance(t, Array):
        entry.update(type_id=t.elem_type, index_type_id=t.index_type, nr_elems=t.nelems)
    elif isinstance(t, (Struct, Union)):
        members = []
        for m in t.members:
            member: dict[str, Any] = {"name": _name(m), "type_id": m.type_id, "bits_offset": m.bit_offset}
            if m.bitfield_size:
                member["bitfield_size"] = m.bitfield_size
            members.append(member)
        entry.update(size=t.size, vlen=len(t.members), members=members)
    elif isinstance(t, (Enum, Enum64)):
        entry.update(
            encoding="SIGNED" if t.signed else "UNSIGNED",
            size=t.size,
            vlen=len(t.values),
            values=[{"name": v.name, "val": v.value} for v in t.values],
        )
    elif isinstance(t, Fwd):
        entry["fwd_kind"] = "union" if t.is_union else "struct"
    elif isinstance(t, Func):
        entry.update(type_id=t.type_id, linkage=_FUNC_LINKAGE.get(t.linkage, "(unknown)"))
    elif isinstance(t, FuncProto):
        entry.update(
            ret_type_id=t.return_type,
            vlen=len(t.params),
            params=[{"name": _name(p), "type_id": p.type_id} for p in t.params],
        )
    elif isinstance(t, Var):
        entry.update(type_id=t.type_id, linkage=_VAR_LINKAGE.get(t.linkage, "(unknown)"))
    elif isinstance(t, Datasec):
        entry.update(
            size=t.size,
            vlen=len(t.vars),
            vars=[{"type_id": v.type_id, "offset": v.offset, "size": v.size} for v in t.vars],
        )
    elif isinstance(t, Float):
        entry["size"] = t.size
    elif isinstance(t, DeclTag):
        entry.update(type_id=t.type_id, component_idx=t.component_idx)
    return entry


def raw_lines(btf: BTF, type_id: int) -> list[str]:
    """One type as ``bpftool btf dump`` prints it: a head line and its members, params or vars."""
    t = btf[type_id]
    e = raw_json(btf, type_id)
    head = f"[{type_id}] {e['kind']} '{e['name']}'"
    if isinstance(t, Int):
        return [f"{head} size={t.size} bits_offset={t.bit_offset} nr_bits={t.bits} encoding={e['encoding']}"]
    if isinstance(t, (Ptr, Const, Volatile, Restrict, Typedef, TypeTag)):
        return [f"{head} type_id={t.type_id}"]
    if isinstance(t, Array):
        return [f"{head} type_id={t.elem_type} index_type_id={t.index_type} nr_elems={t.nelems}"]
    if isinstance(t, (Struct, Union)):
        lines = [f"{head} size={t.size} vlen={len(t.members)}"]
        for m in e["members"]:
            line = f"\t'{m['name']}' type_id={m['type_id']} bits_offset={m['bits_offset']}"
            lines.append(line + (f" bitfield_size={m['bitfield_size']}" if "bitfield_size" in m else ""))
        return lines
    if isinstance(t, (Enum, Enum64)):
        lines = [f"{head} encoding={e['encoding']} size={t.size} vlen={len(t.values)}"]
        return lines + [f"\t'{v.name}' val={v.value}" for v in t.values]
    if isinstance(t, Fwd):
        return [f"{head} fwd_kind={e['fwd_kind']}"]
    if isinstance(t, Func):
        return [f"{head} type_id={t.type_id} linkage={e['linkage']}"]
    if isinstance(t, FuncProto):
        lines = [f"{head} ret_type_id={t.return_type} vlen={len(t.params)}"]
        return lines + [f"\t'{p['name']}' type_id={p['type_id']}" for p in e["params"]]
    if isinstance(t, Var):
        return [f"{head} type_id={t.type_id}, linkage={e['linkage']}"]
    if isinstance(t, Datasec):
        lines = [f"{head} size={t.size} vlen={len(t.vars)}"]
        for v in t.vars:
            target = btf[v.type_id]
            described = f"{target.kind.name} '{_name(target)}'"
            lines.append(f"\ttype_id={v.type_id} offset={v.offset} size={v.size} ({described})")
        return lines
    if isinstance(t, Float):
        return [f"{head} size={t.size}"]
    if isinstance(t, DeclTag):
        return [f"{head} type_id={t.type_id} component_idx={t.component_idx}"]
    return [head]
