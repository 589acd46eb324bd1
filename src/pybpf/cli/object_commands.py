"""``pybpf object show FILE``: what a clang-compiled object asks for, read without loading anything.

Mirrors what ``bpf_object__open`` learns (libbpf.c) and what ``llvm-objdump -h -t`` and ``bpftool btf
dump`` would show of it, in one view: the programs (section, program type and expected attach type as
the SEC() table gives them, instructions, the C function and where it starts), the maps (type, key and
value sizes and BTF types, max_entries, flags, pinning, where the definition came from), the global data
sections with their variables and initial values (typed through BTF), externs, and a BTF summary (types
by kind, func_info / line_info / CO-RE records).  ``-j`` / ``-p`` give the same as one JSON document.
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from pybpf import uapi
from pybpf.btf.raw import BTFError
from pybpf.btf.types import BTF, Datasec, Var
from pybpf.cli.btf_values import format_value
from pybpf.cli.commands import command_help
from pybpf.cli.map_targets import map_type_name
from pybpf.cli.output import add_json_options, print_json, usage, wants_json
from pybpf.elf import MapSpec, ObjectSpec, ProgramSpec, read_object
from pybpf.program import prog_type_name

__all__ = ["add_parsers", "describe_object"]

ATTACH_TYPE_NAMES = {m.value: m.name.removeprefix("BPF_").lower() for m in uapi.bpf_attach_type}


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    obj = sub.add_parser("object", help=command_help("object"), description="Inspect BPF ELF objects.")
    cmds = obj.add_subparsers(dest="object_command", metavar="OBJECT_COMMAND")
    show = cmds.add_parser(
        "show", help="programs, maps, global data and BTF of an object (nothing is loaded)"
    )
    show.add_argument("file", help="the object (clang -O2 -g -target bpf -c prog.c)")
    add_json_options(show)
    show.set_defaults(handler=cmd_show)
    obj.set_defaults(handler=lambda args: usage(obj))


def _type_name(btf: BTF | None, type_id: int) -> str | None:
    if btf is None or not type_id:
        return None
    try:
        return btf.name_of(type_id)
    except BTFError:
        return None


def _program(spec: ObjectSpec, p: ProgramSpec) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": p.name,
        "section": p.section,
        "type": prog_type_name(p.prog_type),
        "insns": p.slots,
        "bytes": len(p.code),
    }
    if p.expected_attach_type:
        entry["expected_attach_type"] = ATTACH_TYPE_NAMES.get(p.expected_attach_type, p.expected_attach_type)
    if p.attach_target:
        entry["attach_target"] = p.attach_target
    if p.prog_flags:
        entry["prog_flags"] = p.prog_flags
    if p.line_info:
        first = p.line_info[0]
        entry["source"] = f"{first.file.rsplit('/', 1)[-1]}:{first.line}"
    calls = sorted(
        {r.section + ":" + str(r.offset) for r in p.references if r.kind.value in ("call", "func")}
    )
    if calls:
        entry["calls"] = [_function_name(spec, c) for c in calls]
    maps = sorted({r.target for r in p.references if r.kind.value in ("map", "map_value")})
    if maps:
        entry["maps"] = maps
    if p.core_relos:
        entry["core_relocations"] = len(p.core_relos)
    return entry


def _function_name(spec: ObjectSpec, where: str) -> str:
    section, _, offset = where.rpartition(":")
    found = spec.function_starting_at(section, int(offset))
    return found.name if found is not None else where


def _map(spec: ObjectSpec, m: MapSpec) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": m.name,
        "type": map_type_name(m.map_type),
        "key_size": m.key_size,
        "value_size": m.value_size,
        "max_entries": m.max_entries,
        "flags": m.flags,
        "definition": m.kind.value,
    }
    key, value = _type_name(spec.btf, m.key_type_id), _type_name(spec.btf, m.value_type_id)
    if key is not None:
        entry["key_type"] = key
    if value is not None and not m.kind.is_global_data:
        entry["value_type"] = value
    if m.kernel_name and m.kernel_name != m.name:
        entry["kernel_name"] = m.kernel_name
    if m.pinning:
        entry["pinning"] = "by_name"
    if m.numa_node:
        entry["numa_node"] = m.numa_node
    if m.map_extra:
        entry["map_extra"] = m.map_extra
    if m.inner is not None:
        entry["inner_map"] = _map(spec, m.inner)
    if m.contents:
        entry["initial"] = {str(k): v for k, v in sorted(m.contents.items())}
    return entry


def _global_data(spec: ObjectSpec, m: MapSpec) -> dict[str, Any]:
    entry: dict[str, Any] = {"section": m.name, "size": m.value_size, "frozen": m.frozen}
    btf = spec.btf
    if btf is None or not m.value_type_id or m.data is None:
        return entry
    sec = btf[m.value_type_id]
    if not isinstance(sec, Datasec):
        return entry
    variables = []
    for v in sec.vars:
        var = btf[v.type_id]
        if not isinstance(var, Var):
            continue
        raw = bytes(m.data[v.offset : v.offset + v.size])
        variables.append(
            {
                "name": var.name,
                "type": _type_name(btf, var.type_id),
                "offset": v.offset,
                "size": v.size,
                "value": format_value(btf, var.type_id, raw),
            }
        )
    entry["variables"] = variables
    return entry


def _btf_summary(spec: ObjectSpec) -> dict[str, Any] | None:
    if spec.btf is None:
        return None
    kinds = Counter(t.kind.name for _, t in spec.btf)
    functions = [p for p in spec.functions]
    return {
        "types": len(spec.btf) - 1,
        "kinds": dict(sorted(kinds.items())),
        "func_info": sum(len(p.func_info) for p in functions),
        "line_info": sum(len(p.line_info) for p in functions),
        "core_relocations": sum(len(p.core_relos) for p in functions),
    }


def describe_object(spec: ObjectSpec) -> dict[str, Any]:
    """The object as ``object show -j`` prints it."""
    document: dict[str, Any] = {"file": spec.path, "name": spec.name, "license": spec.license}
    if spec.kernel_version:
        document["kernel_version"] = spec.kernel_version
    document["programs"] = [_program(spec, p) for p in spec.programs.values()]
    subprograms = [p.name for p in spec.functions if p.is_subprogram]
    if subprograms:
        document["subprograms"] = subprograms
    document["maps"] = [_map(spec, m) for m in spec.maps.values() if not m.kind.is_global_data]
    document["global_data"] = [_global_data(spec, m) for m in spec.maps.values() if m.kind.is_global_data]
    if spec.externs:
        document["externs"] = [
            {"name": e.name, "section": e.section, "weak": e.weak} for e in spec.externs.values()
        ]
    btf = _btf_summary(spec)
    if btf is not None:
        document["btf"] = btf
    return document


def format_object(document: dict[str, Any]) -> str:
    """The plain-text view: one block per program, map and data section."""
    lines = [f"{document['file']}: license {document['license'] or '(none)'}"]
    lines.append(f"programs ({len(document['programs'])}):")
    for p in document["programs"]:
        head = f"  {p['name']}  section {p['section']}  type {p['type']}  {p['insns']} insns"
        if "expected_attach_type" in p:
            head += f"  attach {p['expected_attach_type']}"
        lines.append(head + (f"  ({p['source']})" if "source" in p else ""))
        for key in ("calls", "maps"):
            if key in p:
                lines.append(f"\t{key} {', '.join(p[key])}")
    if "subprograms" in document:
        lines.append(f"subprograms: {', '.join(document['subprograms'])}")
    lines.append(f"maps ({len(document['maps'])}):")
    for m in document["maps"]:
        key = f" {m['key_type']}" if "key_type" in m else ""
        value = f" {m['value_type']}" if "value_type" in m else ""
        lines.append(
            f"  {m['name']}  {m['type']}  key {m['key_size']}B{key}  value {m['value_size']}B{value}"
            f"  max_entries {m['max_entries']}  flags {m['flags']:#x}  ({m['definition']})"
            + ("  pinned by name" if "pinning" in m else "")
        )
        if "inner_map" in m:
            inner = m["inner_map"]
            lines.append(f"\tinner {inner['type']}  key {inner['key_size']}B  value {inner['value_size']}B")
        if "initial" in m:
            lines.append("\tinitial " + ", ".join(f"[{k}] = {v}" for k, v in m["initial"].items()))
    if document["global_data"]:
        lines.append("global data:")
        for d in document["global_data"]:
            lines.append(
                f"  {d['section']}  {d['size']}B" + ("  (read-only once loaded)" if d["frozen"] else "")
            )
            for v in d.get("variables", []):
                lines.append(f"\t{v['type']} {v['name']} = {v['value']!r}  (offset {v['offset']})")
    if "externs" in document:
        lines.append("externs: " + ", ".join(e["name"] for e in document["externs"]))
    if "btf" in document:
        b = document["btf"]
        kinds = ", ".join(f"{n} {k}" for k, n in b["kinds"].items())
        lines.append(f"BTF: {b['types']} types ({kinds})")
        ext = f"{b['func_info']} func_info, {b['line_info']} line_info"
        lines.append(f"BTF.ext: {ext}, {b['core_relocations']} CO-RE relocations")
    else:
        lines.append("BTF: none (compile with -g)")
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace) -> int:
    document = describe_object(read_object(args.file))
    if wants_json(args):
        print_json(args, document)
    else:
        print(format_object(document))
    return 0
