"""``pybpf asm``, ``pybpf disasm`` and ``pybpf run``: the instruction set from the command line.

``asm`` turns assembly (kernel/LLVM or uBPF syntax) into raw little-endian eBPF bytes, ``disasm``
does the reverse, and ``run`` executes a program in the raw model userspace VMs use (r1 = address
of the input memory, r2 = its length) and prints r0, optionally tracing every instruction; it runs on
the engine ``PYBPF_ENGINE`` names, by default the JIT (traced runs: the interpreter; ``raw_engine``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pybpf.cli.commands import command_help
from pybpf.cli.inputs import FORMATS, count, load_program, parse_hex, read_source
from pybpf.cli.objects import ELF_MAGIC, not_instructions
from pybpf.cli.raw_engine import raw_program
from pybpf.isa.disasm import disassemble, format_instruction
from pybpf.isa.instruction import Instruction, encode_program, slot_starts
from pybpf.vm import DEFAULT_BUDGET, TraceEvent


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    asm = sub.add_parser(
        "asm",
        help=command_help("asm"),
        description="Assemble kernel/LLVM or uBPF-syntax assembly into raw eBPF bytes.",
    )
    asm.add_argument("file", nargs="?", default="-", help="assembly source ('-' or omitted: stdin)")
    asm.add_argument("-s", "--syntax", choices=("auto", "kernel", "ubpf"), default="auto")
    asm.add_argument("-o", "--output", help="write raw bytes to this file (default: stdout)")
    asm.add_argument("--hex", action="store_true", help="print hex bytes instead of raw bytes")
    asm.add_argument("--json", action="store_true", help="print the instructions as JSON")
    asm.set_defaults(handler=cmd_asm)

    dis = sub.add_parser(
        "disasm",
        help=command_help("disasm"),
        description="Disassemble raw, hex or assembly eBPF input into assembly text.",
    )
    dis.add_argument("file", nargs="?", default="-", help="program ('-' or omitted: stdin)")
    dis.add_argument("-f", "--format", choices=FORMATS, default="auto", help="input format (default: auto)")
    dis.add_argument("-s", "--syntax", choices=("kernel", "ubpf"), default="kernel", help="output syntax")
    dis.add_argument("--labels", action="store_true", help="name branch targets instead of printing offsets")
    dis.add_argument("--slots", action="store_true", help="prefix each line with its instruction index")
    dis.add_argument("--json", action="store_true", help="print the instructions as JSON")
    dis.set_defaults(handler=cmd_disasm)

    run = sub.add_parser(
        "run",
        help=command_help("run"),
        description="Run a program in the raw model (r1 = memory address, r2 = length).",
    )
    run.add_argument("file", help="program: raw bytes, hex text or assembly ('-' for stdin)")
    run.add_argument("-f", "--format", choices=FORMATS, default="auto", help="input format (default: auto)")
    run.add_argument(
        "-s",
        "--syntax",
        choices=("auto", "kernel", "ubpf"),
        default="auto",
        help="assembly syntax when the input is assembly",
    )
    mem = run.add_mutually_exclusive_group()
    mem.add_argument("-m", "--mem", default="", help="input memory as hex text")
    mem.add_argument("--mem-file", help="input memory: raw bytes from this file")
    run.add_argument(
        "--budget",
        type=count,
        default=DEFAULT_BUDGET,
        help=f"instruction budget, 0 for unlimited (default {DEFAULT_BUDGET})",
    )
    run.add_argument("--trace", action="store_true", help="print executed instructions and register changes")
    run.add_argument("--json", action="store_true", help="print the result as JSON")
    run.set_defaults(handler=cmd_run)


def insn_json(insn: Instruction, slot: int) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "slot": slot,
        "opcode": insn.opcode,
        "dst": insn.dst,
        "src": insn.src,
        "off": insn.off,
        "imm": insn.imm,
        "bytes": insn.encode().hex(" "),
        "kernel": format_instruction(insn, "kernel"),
        "ubpf": format_instruction(insn, "ubpf"),
    }
    if insn.is_lddw:
        entry["imm_hi"] = insn.imm_hi
        entry["imm64"] = insn.imm64
    return entry


def _program_json(insns: list[Instruction]) -> str:
    return json.dumps([insn_json(i, s) for i, s in zip(insns, slot_starts(insns), strict=True)], indent=2)


def _instructions_file(path: str, command: str) -> bytes:
    """The bytes of a program file; an ELF object is refused with a hint (it is not raw instructions)."""
    data = read_source(path)
    if data[:4] == ELF_MAGIC:
        raise not_instructions(path, f"pybpf {command}")
    return data


def cmd_asm(args: argparse.Namespace) -> int:
    text = _instructions_file(args.file, "asm")
    insns = load_program(text, "asm", args.syntax)
    raw = encode_program(insns)
    if args.json:
        print(_program_json(insns))
    elif args.hex:
        print(raw.hex(" "))
    elif args.output:
        with open(args.output, "wb") as out:
            out.write(raw)
    else:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
    return 0


def cmd_disasm(args: argparse.Namespace) -> int:
    insns = load_program(_instructions_file(args.file, "disasm"), args.format)
    if args.json:
        print(_program_json(insns))
    else:
        sys.stdout.write(disassemble(insns, args.syntax, labels=args.labels, show_slots=args.slots))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    insns = load_program(_instructions_file(args.file, "run"), args.format, args.syntax)
    if args.mem_file:
        memory = bytearray(read_source(args.mem_file))
    else:
        memory = bytearray(parse_hex(args.mem, "--mem"))
    events: list[TraceEvent] = []
    trace = events.append if args.trace else None
    vm = raw_program(insns, traced=args.trace)
    budget = args.budget if args.budget > 0 else None
    try:
        result = vm.execute(memory if memory else None, budget=budget, trace=trace)
    finally:
        if args.trace and not args.json:
            for event in events:
                print(format_trace_event(event))
    if args.json:
        out: dict[str, Any] = {
            "r0": result.retval,
            "r0_hex": f"{result.retval:#x}",
            "instructions": result.instructions,
        }
        if memory:
            out["memory"] = bytes(memory).hex()
        if args.trace:
            out["trace"] = [
                {
                    "pc": e.pc,
                    "depth": e.depth,
                    "insn": format_instruction(e.insn),
                    "changes": {f"r{c.reg}": [c.old, c.new] for c in e.changes},
                }
                for e in events
            ]
        print(json.dumps(out, indent=2))
    else:
        signed = result.retval - (1 << 64) if result.retval >> 63 else result.retval
        print(f"r0 = {result.retval:#x} ({signed})")
    return 0


def format_trace_event(event: TraceEvent) -> str:
    """``  pc: instruction    ; r0 0x0 -> 0x1`` with the call depth as indentation."""
    line = f"{'  ' * event.depth}{event.pc:5d}: {format_instruction(event.insn)}"
    if event.changes:
        changes = ", ".join(f"r{c.reg} {c.old:#x} -> {c.new:#x}" for c in event.changes)
        line = f"{line:<50} ; {changes}"
    return line
