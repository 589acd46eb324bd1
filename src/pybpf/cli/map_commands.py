"""``pybpf map show|dump|lookup|update|delete|create|pin|freeze``: maps from the shell, like ``bpftool map``.

Mirrors tools/bpf/bpftool/map.c: a map is named ``id N``, ``pinned PATH`` or ``name NAME``; keys and
values are given as bytes (``key 6 0 0 0``, ``key 0x06 0 0 0``, ``key hex 06 00 00 00``); ``show``
prints the ``bpf_map_info`` fields under bpftool's names (``bytes_key``, ``bytes_value``, ...); ``dump``
and ``lookup`` print each entry's bytes and, for a map with BTF, the key and value as C data
(``formatted``: structs as objects, see :mod:`pybpf.cli.btf_values`) -- in plain text only the
formatted form, as bpftool does; per-CPU maps give one value per CPU.  ``create`` creates a map and pins
it (the only way it outlives the command).  ``event-pipe`` is in :mod:`pybpf.cli.map_events`.

``bytes_memlock`` comes from the map fd's ``/proc/self/fdinfo`` on the kernel; pybpf's maps have none
and the field is left out.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pybpf import libbpf, uapi
from pybpf.btf.raw import BTFError
from pybpf.btf.types import BTF
from pybpf.cli import map_events
from pybpf.cli.btf_values import format_value
from pybpf.cli.commands import command_help
from pybpf.cli.inputs import InputError
from pybpf.cli.listing import show
from pybpf.cli.map_targets import (
    MAP_SPEC,
    MAP_TYPE_NAMES,
    all_maps,
    common_options,
    keyword,
    map_type_name,
    no_more,
    number,
    open_map,
    parse_bytes,
)
from pybpf.cli.output import hex_array, hex_bytes, print_json, usage, wants_json
from pybpf.errors import BPFError
from pybpf.kernel.backend import get_backend
from pybpf.map import Map

__all__ = ["add_parsers", "describe_map", "entry_json", "map_btf", "map_entries"]

UPDATE_FLAGS = {"any": uapi.BPF_ANY, "noexist": uapi.BPF_NOEXIST, "exist": uapi.BPF_EXIST}
PERCPU_TYPES = frozenset(
    {
        uapi.BPF_MAP_TYPE_PERCPU_HASH,
        uapi.BPF_MAP_TYPE_PERCPU_ARRAY,
        uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH,
        uapi.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
    }
)


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    maps = sub.add_parser(
        "map",
        help=command_help("map"),
        description="Show, dump and edit maps through bpf(2) (pybpf's or the kernel's).",
    )
    cmds = maps.add_subparsers(dest="map_command", metavar="MAP_COMMAND")
    commands = {
        "show": ("show one map, or all (bpf_map_info)", f"[{MAP_SPEC}]", cmd_show),
        "dump": ("print every entry (typed through BTF when the map has it)", MAP_SPEC, cmd_dump),
        "lookup": ("print one entry", f"{MAP_SPEC} key BYTES", cmd_lookup),
        "update": ("write one entry", f"{MAP_SPEC} key BYTES value BYTES [any|exist|noexist]", cmd_update),
        "delete": ("delete one entry", f"{MAP_SPEC} key BYTES", cmd_delete),
        "create": (
            "create a map and pin it",
            "PATH type TYPE key KEY_SIZE value VALUE_SIZE entries N name NAME [flags F]",
            cmd_create,
        ),
        "pin": ("pin a map at a path", f"{MAP_SPEC} PATH", cmd_pin),
        "freeze": ("freeze a map: no more writes from user space", MAP_SPEC, cmd_freeze),
    }
    for name, (text, syntax, handler) in commands.items():
        parser = cmds.add_parser(
            name, aliases=["list"] if name == "show" else [], help=text, description=text
        )
        parser.add_argument("words", nargs="*", metavar=syntax, help="bpftool's syntax")
        common_options(parser)
        parser.set_defaults(handler=handler)
    map_events.add_parser(cmds)
    maps.set_defaults(handler=lambda args: usage(maps))


# --- BTF of a live map ----------------------------------------------------------------------------
@dataclass(frozen=True)
class MapBTF:
    btf: BTF
    key_type_id: int
    value_type_id: int


def map_btf(m: Map) -> MapBTF | None:
    """The map's BTF object (``btf__load_from_kernel_by_id``) with the key/value type ids, if any."""
    info = m.info()
    if not info.btf_id or not info.btf_value_type_id:
        return None
    try:
        btf = libbpf.btf_load_from_kernel_by_id(info.btf_id, backend=m.backend)
    except (BPFError, BTFError):
        return None
    return MapBTF(btf, info.btf_key_type_id, info.btf_value_type_id)


# --- show -------------------------------------------------------------------------------------------
def describe_map(m: Map) -> dict[str, Any]:
    """The fields ``bpftool map show --json`` prints."""
    info = m.info()
    entry: dict[str, Any] = {
        "id": info.id,
        "type": map_type_name(info.type),
        "name": bytes(info.name).rstrip(b"\0").decode(),
        "flags": info.map_flags,
        "bytes_key": info.key_size,
        "bytes_value": info.value_size,
        "max_entries": info.max_entries,
    }
    memlock = _fdinfo(m, "memlock") if m.backend.name == "native" else None
    if memlock is not None:
        entry["bytes_memlock"] = memlock
    frozen = _fdinfo(m, "frozen") if m.backend.name == "native" else _user_frozen(m)
    entry["frozen"] = frozen or 0
    if info.btf_id:
        entry["btf_id"] = info.btf_id
    return entry


def _fdinfo(m: Map, field: str) -> int | None:
    try:
        with open(f"/proc/self/fdinfo/{m.fd}", encoding="ascii") as handle:
            for line in handle:
                name, _, value = line.partition(":")
                if name.strip() == field:
                    return int(value.strip())
    except (OSError, ValueError):
        return None
    return None


def _user_frozen(m: Map) -> int:
    from pybpf.maps.object import MapObject

    try:
        return int(bool(MapObject.from_fd(m.fd).frozen))
    except (OSError, AttributeError):
        return 0


def format_show(entry: dict[str, Any]) -> str:
    lines = [f"{entry['id']}: {entry['type']}  name {entry['name']}  flags {entry['flags']:#x}"]
    sizes = f"\tkey {entry['bytes_key']}B  value {entry['bytes_value']}B  max_entries {entry['max_entries']}"
    if "bytes_memlock" in entry:
        sizes += f"  memlock {entry['bytes_memlock']}B"
    lines.append(sizes)
    if "btf_id" in entry:
        lines.append(f"\tbtf_id {entry['btf_id']}")
    if entry["frozen"]:
        lines.append("\tfrozen")
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace) -> int:
    backend = get_backend(args.backend)

    def named() -> Map:
        m, rest = open_map(args.words, backend)
        no_more(rest)
        return m

    return show(args, named if args.words else None, all_maps(backend), describe_map, format_show)


# --- entries ----------------------------------------------------------------------------------------
def entry_json(m: Map, key: bytes, value: bytes, types: MapBTF | None) -> dict[str, Any]:
    """One entry as ``bpftool -j map dump`` writes it (``formatted`` with BTF; ``values`` per CPU)."""
    entry: dict[str, Any] = {"key": hex_array(key)}
    formatted: dict[str, Any] = {}
    if types is not None and types.key_type_id:
        formatted["key"] = format_value(types.btf, types.key_type_id, key)
    if m.map_type in PERCPU_TYPES:
        slot = (m.value_size + 7) // 8 * 8
        per_cpu = [value[i * slot : i * slot + m.value_size] for i in range(len(value) // slot)]
        entry["values"] = [{"cpu": i, "value": hex_array(v)} for i, v in enumerate(per_cpu)]
        if types is not None:
            formatted["values"] = [
                {"cpu": i, "value": format_value(types.btf, types.value_type_id, v)}
                for i, v in enumerate(per_cpu)
            ]
    else:
        entry["value"] = hex_array(value)
        if types is not None:
            formatted["value"] = format_value(types.btf, types.value_type_id, value)
    if types is not None:
        entry["formatted"] = formatted
    return entry


def _plain_entry(m: Map, entry: dict[str, Any]) -> str:
    key = hex_bytes(bytes(int(b, 16) for b in entry["key"]))
    if "values" in entry:
        lines = [f"key: {key}"]
        for v in entry["values"]:
            lines.append(f"value (CPU {v['cpu']:02d}): {hex_bytes(bytes(int(b, 16) for b in v['value']))}")
        return "\n".join(lines)
    return f"key: {key}  value: {hex_bytes(bytes(int(b, 16) for b in entry['value']))}"


def map_entries(m: Map) -> Iterator[tuple[bytes, bytes]]:
    """(key, value) of every entry, through GET_NEXT_KEY and LOOKUP (slots that vanish are skipped)."""
    raw = Map(os.dup(m.fd), backend=m.backend)  # bytes in, bytes out
    with raw:
        try:
            keys = list(raw.keys())
        except BPFError as exc:
            if exc.errno in (errno.EINVAL, errno.EOPNOTSUPP, 524):
                raise BPFError(
                    exc.errno,
                    f"{map_type_name(m.map_type)} maps cannot be dumped "
                    "(ring buffers and perf event arrays: use 'map event-pipe')",
                ) from None
            raise
        for key in keys:
            try:
                yield key, raw.lookup(key)
            except BPFError as exc:
                if exc.errno != errno.ENOENT:
                    raise


def cmd_dump(args: argparse.Namespace) -> int:
    backend = get_backend(args.backend)
    m, rest = open_map(args.words, backend)
    no_more(rest)
    with m:
        types = map_btf(m)
        entries = [entry_json(m, key, value, types) for key, value in map_entries(m)]
        _print_entries(args, m, entries, types)
    return 0


def _print_entries(
    args: argparse.Namespace, m: Map, entries: list[dict[str, Any]], types: MapBTF | None
) -> None:
    if wants_json(args):
        print_json(args, entries)
    elif types is not None:
        print(json.dumps([e["formatted"] for e in entries], indent=4))
    else:
        for entry in entries:
            print(_plain_entry(m, entry))
        print(f"Found {len(entries)} element{'s' if len(entries) != 1 else ''}")


def cmd_lookup(args: argparse.Namespace) -> int:
    backend = get_backend(args.backend)
    m, rest = open_map(args.words, backend)
    with m:
        key, rest = parse_bytes(keyword(rest, "key"), m.key_size, "key")
        no_more(rest)
        raw = Map(os.dup(m.fd), backend=m.backend)
        with raw:
            value = raw.lookup(key)
        entry = entry_json(m, key, value, map_btf(m))
    if wants_json(args):
        print_json(args, entry)
    elif "formatted" in entry:
        print(json.dumps(entry["formatted"], indent=4))
    else:
        print(_plain_entry(m, entry))
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    backend = get_backend(args.backend)
    m, rest = open_map(args.words, backend)
    with m:
        key, rest = parse_bytes(keyword(rest, "key"), m.key_size, "key")
        value, rest = parse_bytes(keyword(rest, "value"), m.user_value_size, "value")
        flags = uapi.BPF_ANY
        if rest:
            if rest[0] not in UPDATE_FLAGS:
                raise InputError(f"update flag must be any, exist or noexist, not {rest[0]!r}")
            flags = UPDATE_FLAGS[rest[0]]
            rest = rest[1:]
        no_more(rest)
        raw = Map(os.dup(m.fd), backend=m.backend)
        with raw:
            raw.update(key, value, flags)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    backend = get_backend(args.backend)
    m, rest = open_map(args.words, backend)
    with m:
        key, rest = parse_bytes(keyword(rest, "key"), m.key_size, "key")
        no_more(rest)
        m.delete(key)
    return 0


def cmd_pin(args: argparse.Namespace) -> int:
    backend = get_backend(args.backend)
    m, rest = open_map(args.words, backend)
    with m:
        if len(rest) != 1:
            raise InputError("expected one PATH to pin the map at")
        m.pin(rest[0])
    return 0


def cmd_freeze(args: argparse.Namespace) -> int:
    backend = get_backend(args.backend)
    m, rest = open_map(args.words, backend)
    with m:
        no_more(rest)
        m.freeze()
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    backend = get_backend(args.backend)
    words = list(args.words)
    if not words:
        raise InputError("expected PATH type TYPE key KEY_SIZE value VALUE_SIZE entries N name NAME")
    path, words = words[0], words[1:]
    fields: dict[str, str] = {}
    while words:
        if words[0] not in ("type", "key", "value", "entries", "name", "flags") or len(words) < 2:
            raise InputError(f"unexpected {' '.join(words)!r}")
        fields[words[0]], words = words[1], words[2:]
    missing = [f for f in ("type", "key", "value", "entries", "name") if f not in fields]
    if missing:
        raise InputError(f"map create needs {', '.join(missing)}")
    type_names = {name: number for number, name in MAP_TYPE_NAMES.items()}
    if fields["type"] not in type_names:
        raise InputError(f"unknown map type {fields['type']!r} (known: {', '.join(sorted(type_names))})")
    with Map.create(
        type_names[fields["type"]],
        number(fields["key"], "key size"),
        number(fields["value"], "value size"),
        number(fields["entries"], "entries"),
        number(fields.get("flags", "0"), "flags"),
        fields["name"],
        backend=backend,
    ) as m:
        m.pin(path)
        if wants_json(args):
            print_json(args, describe_map(m))
    return 0
