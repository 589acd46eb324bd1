"""``pybpf prog load|run|dump`` given an ELF object: every program loaded, one run, C source lines.

Mirrors ``bpftool prog loadall OBJ [PINDIR] [pinmaps DIR]`` (every program of the object loaded through
libbpf, pinned as ``PINDIR/<name>``), ``bpftool prog run`` on one program of it, and ``bpftool prog dump
xlated ... linum``: the C source line of each instruction, from the kernel's ``line_info`` (the
``bpf_prog_info`` arrays and the program's BTF strings) or, for a program this command loaded from an
object, from the object's own ``.BTF.ext`` when the translated program has the loaded one's length.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
from typing import Any

from pybpf import libbpf, uapi
from pybpf.cli.btf_commands import btf_of_id
from pybpf.cli.objects import choose_program, load_object
from pybpf.cli.output import print_json, wants_json
from pybpf.errors import BPFError
from pybpf.isa.instruction import Instruction
from pybpf.kernel.backend import Backend
from pybpf.object import ObjectProgram
from pybpf.program import Program, prog_type_name

__all__ = ["kernel_source_lines", "load_all", "object_program", "object_source_lines"]

UNPINNED = "note: nothing is pinned: the programs are unloaded when this command exits (give PINDIR)"


def load_all(args: argparse.Namespace, backend: Backend) -> int:
    """``prog load OBJ [PINDIR]``: load every program (exit 0 when all load), pin them into PINDIR."""
    with load_object(args.file, backend, log_level=args.log_level, settings=args.set) as obj:
        pinned: dict[str, str] = {}
        if args.pindir:
            os.makedirs(args.pindir, exist_ok=True)
            pinned = obj.pin_programs(args.pindir)
        if args.pinmaps:
            os.makedirs(args.pinmaps, exist_ok=True)
            obj.pin_maps(args.pinmaps)
        rows = []
        for name, program in obj.programs.items():
            row: dict[str, Any] = {
                "id": program.id,
                "type": prog_type_name(program.prog_type),
                "name": name,
                "section": program.section,
                "tag": program.tag,
            }
            if name in pinned:
                row["pinned"] = pinned[name]
            if args.log_level:
                row["log"] = program.log
            rows.append(row)
        if wants_json(args):
            print_json(args, rows)
        else:
            for row in rows:
                if args.log_level and row.get("log"):
                    sys.stdout.write(row["log"].rstrip("\n") + "\n")
                where = f"  pinned {row['pinned']}" if "pinned" in row else ""
                print(
                    f"id {row['id']}  {row['type']}  name {row['name']}  section {row['section']}"
                    f"  tag {row['tag']}{where}"
                )
            for warning in obj.warnings:
                print(f"note: {warning}", file=sys.stderr)
        if not args.pindir:
            print(UNPINNED, file=sys.stderr)
    return 0


def object_program(args: argparse.Namespace, path: str, backend: Backend) -> ObjectProgram:
    """One program of the object at ``path`` (``--program NAME``), loaded with what it needs; the caller
    closes it (the object's other fds are closed here: the program holds its maps)."""
    names = [args.program] if getattr(args, "program", None) else None
    with load_object(path, backend, programs=names, settings=getattr(args, "set", [])) as obj:
        chosen = choose_program(obj, getattr(args, "program", None))
        program = ObjectProgram(os.dup(chosen.fd), backend=backend)
        program.spec, program.linked, program.log = chosen.spec, chosen.linked, chosen.log
    return program


def object_source_lines(program: ObjectProgram, insns: list[Instruction]) -> dict[int, str] | None:
    """Slot -> ``; source @ file:line`` from the object, when the translated program kept its length."""
    if sum(i.slots for i in insns) != program.linked.slots:
        return None
    lines = {}
    for slot in range(program.linked.slots):
        line = program.source_line(slot)
        if line:
            lines[slot] = line
    return lines


def kernel_source_lines(prog: Program) -> dict[int, str] | None:
    """Slot -> ``; source @ file:line`` from ``bpf_prog_info``'s line_info (None when it gives none)."""
    info = prog.info()
    count, rec_size = info.nr_line_info, info.line_info_rec_size
    if not count or not info.btf_id or rec_size < ctypes.sizeof(uapi.bpf_line_info):
        return None
    records = ctypes.create_string_buffer(count * rec_size)
    more = uapi.bpf_prog_info()
    more.nr_line_info, more.line_info_rec_size, more.line_info = count, rec_size, ctypes.addressof(records)
    try:
        libbpf.bpf_prog_get_info_by_fd(prog.fd, more, backend=prog.backend)
        btf = btf_of_id(info.btf_id, prog.backend)
    except (BPFError, ValueError):
        return None
    lines: dict[int, str] = {}
    for i in range(count):
        rec = uapi.bpf_line_info.from_buffer_copy(
            records.raw[i * rec_size : i * rec_size + ctypes.sizeof(uapi.bpf_line_info)]
        )
        try:
            source, file = btf.string(rec.line_off).strip(), btf.string(rec.file_name_off).rsplit("/", 1)[-1]
        except ValueError:
            continue
        if source or file:
            lines[rec.insn_off] = f"; {source} @ {file}:{rec.line_col >> 10}"
    return lines or None
