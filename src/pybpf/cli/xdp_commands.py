"""``pybpf xdp replay OBJ --pcap FILE``: an XDP program of an ELF object run over a packet capture.

The command around :func:`pybpf.replay.replay`: the object is loaded (``--set`` changes ``.rodata``
constants first), the capture's framing checked (:func:`pybpf.capture.open_capture`), every frame run
through BPF_PROG_TEST_RUN on the chosen backend, and then it prints the verdict totals, the frames refused
as test input, the speed, the program's maps afterwards as C data through their BTF (arrays without
their all-zero entries, global data as variables) and what the program wrote with bpf_trace_printk.
``-j``/``-p`` print all of it as one JSON document (``packets``, ``verdicts``, ``refused``, ``maps``,
``trace`` ...); ``--per-packet FILE`` writes one JSON line per frame (verdict, and the bytes after the
run when the program changed them).  A progress bar (tqdm) shows on a terminal for long captures.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO, Any

from pybpf import uapi
from pybpf.btf.types import Datasec, Var
from pybpf.capture import Capture, open_capture
from pybpf.cli.btf_values import format_value
from pybpf.cli.commands import command_help
from pybpf.cli.inputs import InputError
from pybpf.cli.map_commands import MapBTF, entry_json, map_entries
from pybpf.cli.map_targets import map_type_name
from pybpf.cli.objects import choose_program, load_object
from pybpf.cli.output import add_json_options, print_json, usage, wants_json
from pybpf.kernel.backend import get_backend
from pybpf.object import Object
from pybpf.replay import VERDICTS, FrameOutcome, ReplayReport, replay

__all__ = ["add_parsers", "object_maps"]

PROGRESS_FROM = 2000
"""Captures of at least this many frames get a progress bar (on a terminal)."""


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    xdp = sub.add_parser("xdp", help=command_help("xdp"), description="XDP programs.")
    cmds = xdp.add_subparsers(dest="xdp_command", metavar="XDP_COMMAND")
    rep = cmds.add_parser(
        "replay",
        help="run an XDP program of an object over every frame of a pcap/pcapng capture",
        description="Run an XDP program over every frame of a capture (one BPF_PROG_TEST_RUN per frame, "
        "maps kept across frames) and print verdicts, maps and trace output.",
    )
    rep.add_argument("object", help="ELF object with the XDP program (clang -O2 -g -target bpf -c)")
    rep.add_argument("--pcap", required=True, help="the capture (pcap or pcapng, Ethernet)")
    rep.add_argument("--program", help="the program to run (default: the object's only XDP program)")
    rep.add_argument("--per-packet", metavar="FILE", help="write each frame's verdict and bytes (JSON lines)")
    rep.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="[SECTION:]NAME=VALUE",
        help="set a global variable before loading (default section .rodata); repeatable",
    )
    rep.add_argument(
        "--backend",
        choices=("user", "native"),
        default=None,
        help="bpf(2) to use: pybpf's (user) or the kernel's (native); default $PYBPF_BACKEND",
    )
    add_json_options(rep)
    rep.set_defaults(handler=cmd_replay)
    xdp.set_defaults(handler=lambda args: usage(xdp))


def object_maps(obj: Object, *, skip_zero: bool) -> dict[str, dict[str, Any]]:
    """Every map of a loaded object, typed through the object's BTF: ``{name: {"type", "entries"}}``.

    Global data reads as ``{"variables": {name: value}}``; with ``skip_zero`` array entries whose value
    is all zero bytes are left out (and counted in ``"zero_entries"``).
    """
    out: dict[str, dict[str, Any]] = {}
    btf = obj.spec.btf
    for name in obj.maps:
        spec, live = obj.spec.maps[name], obj.maps[name]
        described: dict[str, Any] = {"type": map_type_name(live.map_type)}
        if live.map_type in (uapi.BPF_MAP_TYPE_RINGBUF, uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY):
            out[name] = described
            continue
        if spec.kind.is_global_data and btf is not None and isinstance(btf[spec.value_type_id], Datasec):
            value = live.lookup(0) if live.value_type is None else bytes(live.lookup(0))
            described["variables"] = _variables(obj, spec.value_type_id, bytes(value))
            out[name] = described
            continue
        types = (
            MapBTF(btf, spec.key_type_id, spec.value_type_id)
            if btf is not None and spec.value_type_id
            else None
        )
        entries, zero = [], 0
        arrays = (uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_PERCPU_ARRAY)
        for key, value in map_entries(live):
            if skip_zero and live.map_type in arrays and not any(value):
                zero += 1
                continue
            entries.append(entry_json(live, key, value, types))
        described["entries"] = entries
        if zero:
            described["zero_entries"] = zero
        out[name] = described
    return out


def _variables(obj: Object, datasec_id: int, data: bytes) -> dict[str, Any]:
    btf = obj.spec.btf
    assert btf is not None
    sec = btf[datasec_id]
    assert isinstance(sec, Datasec)
    found = {}
    for v in sec.vars:
        var = btf[v.type_id]
        if isinstance(var, Var):
            found[var.name] = format_value(btf, var.type_id, data[v.offset : v.offset + v.size])
    return found


def _frames(capture: Capture) -> Any:
    if len(capture) < PROGRESS_FROM or not sys.stderr.isatty():
        return capture
    from tqdm import tqdm

    return tqdm(capture, total=len(capture), unit="frame", file=sys.stderr, leave=False)


def cmd_replay(args: argparse.Namespace) -> int:
    backend = get_backend(args.backend)
    capture = open_capture(args.pcap)
    per_packet: IO[str] | None = None
    with load_object(args.object, backend, settings=args.set) as obj:
        program = choose_program(obj, args.program, uapi.BPF_PROG_TYPE_XDP)
        try:
            if args.per_packet:
                try:
                    per_packet = open(args.per_packet, "w", encoding="utf-8")  # noqa: SIM115  (closed below)
                except OSError as exc:
                    raise InputError(f"cannot write {args.per_packet}: {exc.strerror}") from None
            sink = per_packet

            def write(outcome: FrameOutcome) -> None:
                assert sink is not None
                sink.write(json.dumps(outcome.as_json(), separators=(",", ":")) + "\n")

            report = replay(program, _frames(capture), on_frame=write if sink is not None else None)
        finally:
            if per_packet is not None:
                per_packet.close()
        maps = object_maps(obj, skip_zero=not wants_json(args))
    if wants_json(args):
        document = report.as_json()
        document["capture"] = {"path": capture.path, "format": capture.format, "frames": len(capture)}
        document["maps"] = maps
        print_json(args, document)
        return 0
    print(_summary(args, capture, report, maps))
    return 0


def _summary(args: argparse.Namespace, capture: Capture, report: ReplayReport, maps: dict[str, Any]) -> str:
    where = "pybpf" if report.backend == "user" else "the kernel"
    lines = [f"{report.program}: {report.packets} frames of {capture.path} ({capture.format}) on {where}"]
    verdicts = [f"{name} {report.verdicts.get(name, 0)}" for name in VERDICTS]
    verdicts += [f"{name} {n}" for name, n in report.verdicts.items() if name not in VERDICTS]
    lines.append("verdicts: " + ", ".join(verdicts))
    refused = sum(report.refused.values())
    if refused:
        frames = ", ".join(str(n) for n in report.refused_frames[:10])
        reasons = "; ".join(f"{reason}: {n}" for reason, n in report.refused.items())
        lines.append(f"refused as test input: {refused} ({reasons}; frame {frames})")
    lines.append(f"speed: {report.packets_per_second:,.0f} frames/s ({report.seconds:.3f} s)")
    if args.per_packet:
        lines.append(f"per-frame verdicts and bytes: {args.per_packet}")
    lines.append("maps:")
    for name, described in maps.items():
        lines.extend(_map_lines(name, described))
    lines.append(f"trace_printk ({len(report.trace)} lines):" if report.trace else "trace_printk: nothing")
    lines.extend("  " + line.strip() for line in report.trace)
    return "\n".join(lines)


def _map_lines(name: str, described: dict[str, Any]) -> list[str]:
    if "variables" in described:
        values = ", ".join(f"{var} = {json.dumps(value)}" for var, value in described["variables"].items())
        return [f"  {name}: {values or '(no variables)'}"]
    if "entries" not in described:
        return [f"  {name} ({described['type']}): read it with 'pybpf map event-pipe'"]
    note = f", {described['zero_entries']} all-zero entries not shown" if "zero_entries" in described else ""
    lines = [f"  {name} ({described['type']}, {len(described['entries'])} entries{note})"]
    for entry in described["entries"]:
        formatted = entry.get("formatted")
        if formatted is None:
            lines.append(f"    {' '.join(entry['key'])}: {' '.join(entry.get('value', []))}")
            continue
        key = formatted.get("key", entry["key"])
        value = formatted.get("value", formatted.get("values"))
        lines.append(f"    {json.dumps(key)}: {json.dumps(value)}")
    return lines
