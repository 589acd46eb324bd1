"""``pybpf prog load|run|show|dump``: programs from the command line, shaped like ``bpftool prog``.

``load`` is BPF_PROG_LOAD of an assembly, raw or hex program (``--map NAME=PATH|id:N`` resolves the
``map_fd(NAME)`` references of assembly) -- or, for an ELF object (told by its magic), of every program
in it, like ``bpftool prog loadall`` (see ``prog_objects``); ``run`` is BPF_PROG_TEST_RUN of a file,
a pinned program or an id and also prints what the run wrote with bpf_trace_printk, ``show`` lists programs as
``bpftool prog show`` does (id, type, name, tag, gpl, loaded_at, uid, xlated bytes, map_ids) and
``dump xlated`` disassembles the translated instructions as ``bpftool prog dump xlated`` does
(kernel disassembler spelling: ``goto pc+N``, ``(r10 -8)``, ``r1 = map[id:5]``,
``map[id:5][0]+16``).  Every command takes ``--backend user|native`` (default ``$PYBPF_BACKEND`` or
user) and ``-j``/``-p``; ``run`` and ``dump xlated`` also take an ELF object (``--program NAME``), and
``dump xlated --linum`` shows the C source line of each instruction.  ``dump jited`` disassembles the
native code the JIT made of a program (``pybpf.cli.jited``), ``show`` its size (``bytes_jited``);
``dump ... --file PATH`` writes the raw image as bpftool's ``file FILE`` does.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import time
from functools import partial
from typing import Any

from pybpf import libbpf
from pybpf.cli import prog_objects
from pybpf.cli.commands import command_help
from pybpf.cli.inputs import InputError, detect_format, load_program, parse_hex, read_source, u32
from pybpf.cli.jited import format_jited, jited_functions, jited_json
from pybpf.cli.listing import live_objects, show
from pybpf.cli.native_disasm import disassembler
from pybpf.cli.objects import is_elf
from pybpf.cli.output import add_json_options, print_json, wants_json
from pybpf.cli.xlated import format_xlated
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import Instruction, encode_program, slot_starts
from pybpf.kernel.backend import Backend, get_backend
from pybpf.object import ObjectProgram
from pybpf.program import Program, prog_type_name, prog_type_number
from pybpf.trace_output import TraceCollector

DEFAULT_TYPE = "socket_filter"
UNPINNED_NOTE = "note: the program is not pinned: it is unloaded when this command exits (use --pin PATH)"


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    prog = sub.add_parser(
        "prog",
        help=command_help("prog"),
        description="Load, run, list and dump BPF programs through bpf(2) (pybpf's or the kernel's).",
    )
    cmds = prog.add_subparsers(dest="prog_command", metavar="PROG_COMMAND")

    load = cmds.add_parser(
        "load",
        aliases=["loadall"],
        help="load a program (BPF_PROG_LOAD), or every program of an ELF object, and print the ids",
    )
    load.add_argument(
        "file",
        help="an ELF object (clang -target bpf), or a program: assembly (either syntax), "
        "raw bytes or hex text ('-': stdin)",
    )
    load.add_argument("pindir", nargs="?", help="ELF objects: pin every program here as PINDIR/<name>")
    _load_options(load)
    load.add_argument("--pin", help="pin the program at this path (else it is gone when the command exits)")
    load.add_argument("--pinmaps", metavar="DIR", help="ELF objects: pin every map here as DIR/<name>")
    _object_options(load)
    _common(load)
    load.set_defaults(handler=cmd_load)

    run = cmds.add_parser("run", help="run a program once or N times (BPF_PROG_TEST_RUN)")
    run.add_argument(
        "target", nargs="+", metavar="OBJ | FILE | pinned PATH | id N", help="the program to run"
    )
    _load_options(run)
    run.add_argument("--program", help="ELF objects: the program to run (default: the only one)")
    _object_options(run)
    data = run.add_mutually_exclusive_group()
    data.add_argument("--data-in", help="packet data: a file of raw bytes, or hex text")
    data.add_argument("--data-in-file", help="packet data: raw bytes of this file")
    ctx = run.add_mutually_exclusive_group()
    ctx.add_argument("--ctx-in", help="context (e.g. __sk_buff, xdp_md) as hex text")
    ctx.add_argument("--ctx-in-file", help="context: raw bytes of this file")
    run.add_argument("--data-size-out", type=u32, help="capacity for data_out (default: input + 4096)")
    run.add_argument("--ctx-size-out", type=u32, help="capacity for ctx_out (default: size of ctx in)")
    run.add_argument("--repeat", type=u32, default=1, help="run N times; duration is the mean")
    _common(run)
    run.set_defaults(handler=cmd_run)

    show = cmds.add_parser("show", aliases=["list"], help="show loaded programs (all, or one)")
    show.add_argument("target", nargs="*", metavar="id N | pinned PATH", help="one program (default: all)")
    _common(show)
    show.set_defaults(handler=cmd_show)

    dump = cmds.add_parser("dump", help="disassemble a program's translated instructions, or its native code")
    dump.add_argument(
        "kind",
        choices=("xlated", "jited"),
        help="what to dump (xlated: after the verifier; jited: the JIT's machine code)",
    )
    dump.add_argument("target", nargs="+", metavar="id N | pinned PATH | OBJ", help="the program")
    dump.add_argument("--opcodes", action="store_true", help="also print each instruction's bytes")
    dump.add_argument("--linum", action="store_true", help="show the C source line of each instruction")
    dump.add_argument("--program", help="ELF objects: the program to dump (default: the only one)")
    dump.add_argument(
        "--file", metavar="PATH", help="write the raw image to PATH instead (bpftool's file FILE)"
    )
    _object_options(dump)
    _common(dump)
    dump.set_defaults(handler=cmd_dump)

    prog.set_defaults(handler=lambda args: _usage(prog))


def _load_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--type", "-t", dest="prog_type", help=f"program type (default {DEFAULT_TYPE})")
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="NAME=PATH|id:N",
        help="a map for map_fd(NAME) in assembly: a pinned path or id:N (repeatable)",
    )
    parser.add_argument("--name", default="", help="program name (at most 15 characters are kept)")
    parser.add_argument("--license", default="GPL", help="license string (default GPL)")
    parser.add_argument("--log-level", type=u32, default=0, help="verifier log level (1, 2; +4 for stats)")
    parser.add_argument(
        "-s",
        "--syntax",
        choices=("auto", "kernel", "ubpf"),
        default="auto",
        help="assembly syntax when the input is assembly",
    )


def _object_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="[SECTION:]NAME=VALUE",
        help="ELF objects: set a global variable before loading (default section .rodata)",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=("user", "native"),
        default=None,
        help="bpf(2) to use: pybpf's (user) or the kernel's (native); default $PYBPF_BACKEND",
    )
    add_json_options(parser)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _backend(args: argparse.Namespace) -> Backend:
    return get_backend(args.backend)


# --- finding programs and maps --------------------------------------------------------------------
def _number(text: str, what: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise InputError(f"{what} must be a number, not {text!r}") from None
    if value < 0:
        raise InputError(f"{what} must not be negative")
    return value


def _open_program(target: list[str], backend: Backend) -> Program:
    """``id N`` or ``pinned PATH``."""
    if len(target) == 2 and target[0] == "id":
        return Program.from_id(_number(target[1], "program id"), backend=backend)
    if len(target) == 2 and target[0] == "pinned":
        return Program.from_pinned(target[1], backend=backend)
    raise InputError(f"expected 'id N' or 'pinned PATH', got {' '.join(target)!r}")


def _map_fds(specs: list[str], backend: Backend) -> dict[str, int]:
    fds: dict[str, int] = {}
    try:
        for spec in specs:
            name, sep, where = spec.partition("=")
            if not sep or not name or not where:
                raise InputError(f"--map expects NAME=PINNED_PATH or NAME=id:N, got {spec!r}")
            if where.startswith("id:"):
                fds[name] = libbpf.bpf_map_get_fd_by_id(_number(where[3:], "map id"), backend=backend)
            else:
                fds[name] = libbpf.bpf_obj_get(where, backend=backend)
    except BaseException:
        _close_all(fds)
        raise
    return fds


def _close_all(fds: dict[str, int]) -> None:
    for fd in fds.values():
        os.close(fd)


def _instructions(path: str, syntax: str, maps: dict[str, int]) -> list[Instruction]:
    data = read_source(path)
    if detect_format(data) == "asm":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:  # pragma: no cover - detect_format said UTF-8
            raise InputError("assembly input is not UTF-8 text") from None
        return assemble(text, syntax, maps=maps)
    return load_program(data)


def _load(args: argparse.Namespace, path: str, backend: Backend) -> Program:
    """BPF_PROG_LOAD the program in ``path``; a refusal names the errno and the verifier's reason."""
    prog_type = prog_type_number(args.prog_type or DEFAULT_TYPE)
    maps = _map_fds(args.map, backend)
    try:
        insns = _instructions(path, args.syntax, maps)
        options: dict[str, Any] = {"license": args.license, "name": args.name, "backend": backend}
        try:
            return Program.load(insns, prog_type, log_level=args.log_level, **options)
        except BPFError as exc:
            log = getattr(exc, "log", "")
            if not log and not args.log_level:  # ask again with a log, as libbpf does
                try:
                    Program.load(insns, prog_type, log_level=1, **options).close()
                except BPFError as again:
                    log = getattr(again, "log", "")
            raise _refusal(exc, log, args.log_level) from None
    finally:
        _close_all(maps)


def _refusal(exc: BPFError, log: str, log_level: int) -> BPFError:
    if log_level and log:
        sys.stderr.write(log if log.endswith("\n") else log + "\n")
    lines = [line for line in log.splitlines() if line.strip()]
    skip = ("processed ", "verification time")
    reason = next((line for line in reversed(lines) if not line.startswith(skip)), "")
    message = f"program load failed: {os.strerror(exc.errno or 0)}"
    if reason:
        message += f": {reason.strip()}"
    return BPFError(exc.errno or errno.EINVAL, message)


# --- prog load ------------------------------------------------------------------------------------
def cmd_load(args: argparse.Namespace) -> int:
    backend = _backend(args)
    if is_elf(args.file):
        return prog_objects.load_all(args, backend)
    if args.pindir or args.pinmaps:
        raise InputError(f"PINDIR and --pinmaps are for ELF objects; {args.file} is not one (use --pin PATH)")
    with _load(args, args.file, backend) as prog:
        if args.pin:
            prog.pin(args.pin)
        if wants_json(args):
            out = {
                "id": prog.id,
                "type": prog_type_name(prog.prog_type),
                "name": prog.name,
                "tag": prog.tag,
                "pinned": args.pin,
                "backend": backend.name,
            }
            if args.log_level:
                out["log"] = prog.log
            print_json(args, out)
        else:
            if args.log_level and prog.log:
                sys.stdout.write(prog.log if prog.log.endswith("\n") else prog.log + "\n")
            print(f"id {prog.id}" + (f"  pinned {args.pin}" if args.pin else ""))
        if not args.pin:
            print(UNPINNED_NOTE, file=sys.stderr)
    return 0


# --- prog run -------------------------------------------------------------------------------------
OUT_BUFFER_MAX = 1 << 20
"""The largest data_out / ctx_out buffer ``prog run`` allocates: more than BPF_PROG_TEST_RUN ever
writes (a page and its fragment pages), so a larger ``--*-size-out`` changes nothing but memory."""


def _out_size(size: int | None) -> int | None:
    return None if size is None else min(size, OUT_BUFFER_MAX)


def _bytes_option(hex_text: str | None, path: str | None, what: str) -> bytes:
    if path:
        return read_source(path)
    return parse_hex(hex_text, what) if hex_text else b""


def cmd_run(args: argparse.Namespace) -> int:
    backend = _backend(args)
    target: list[str] = args.target
    if target[0] in ("id", "pinned"):
        prog = _open_program(target, backend)
    elif len(target) == 1 and is_elf(target[0]):
        prog = prog_objects.object_program(args, target[0], backend)
    elif len(target) == 1:
        args.file = target[0]  # names the file in assembly errors
        prog = _load(args, target[0], backend)
    else:
        raise InputError(f"expected FILE, 'id N' or 'pinned PATH', got {' '.join(target)!r}")
    data_file = args.data_in_file or (args.data_in if args.data_in and os.path.isfile(args.data_in) else None)
    data = _bytes_option(None if data_file else args.data_in, data_file, "--data-in")
    ctx = _bytes_option(args.ctx_in, args.ctx_in_file, "--ctx-in")
    with prog, TraceCollector(backend) as trace:
        data_size_out, ctx_size_out = _out_size(args.data_size_out), _out_size(args.ctx_size_out)
        result = prog.run(
            data, ctx=ctx or None, repeat=args.repeat, data_size_out=data_size_out, ctx_size_out=ctx_size_out
        )
    lines = trace.lines
    if wants_json(args):
        out: dict[str, Any] = {
            "id": prog.id,
            "retval": result.retval,
            "duration": result.duration,
            "data_out": result.data_out.hex(),
            "trace": lines,
        }
        if result.ctx_out is not None:
            out["ctx_out"] = result.ctx_out.hex()
        print_json(args, out)
        return 0
    signed = result.retval - (1 << 32) if result.retval >> 31 else result.retval
    print(f"retval: {result.retval} ({result.retval:#x}{f', {signed}' if signed < 0 else ''})")
    print(f"duration: {result.duration} ns" + (f" (mean of {args.repeat} runs)" if args.repeat > 1 else ""))
    if result.data_out:
        print(f"data_out: {result.data_out.hex(' ')}")
    if result.ctx_out is not None:
        print(f"ctx_out: {result.ctx_out.hex(' ')}")
    if lines:
        print("trace_printk:")
        for line in lines:
            print(line)
    return 0


# --- prog show ------------------------------------------------------------------------------------
def _boot_wall_offset() -> float:
    """Seconds to add to a CLOCK_BOOTTIME stamp to get the wall clock."""
    return time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)


def describe(prog: Program) -> dict[str, Any]:
    """The fields ``bpftool prog show --json`` prints, for one program."""
    info = prog.info()
    entry: dict[str, Any] = {"id": info.id, "type": prog_type_name(info.type)}
    if prog.name:
        entry["name"] = prog.name
    entry["tag"] = bytes(info.tag).hex()
    entry["gpl_compatible"] = bool(info.gpl_compatible)
    if info.run_time_ns:  # kept while BPF_ENABLE_STATS is on
        entry["run_time_ns"] = info.run_time_ns
        entry["run_cnt"] = info.run_cnt
    if info.recursion_misses:
        entry["recursion_misses"] = info.recursion_misses
    entry["loaded_at"] = int(_boot_wall_offset() + info.load_time / 1e9)
    entry["uid"] = info.created_by_uid
    entry["bytes_xlated"] = info.xlated_prog_len
    entry["jited"] = bool(info.jited_prog_len)
    if info.jited_prog_len:
        entry["bytes_jited"] = info.jited_prog_len
    if info.nr_map_ids:
        entry["map_ids"] = prog.map_ids()
    if info.btf_id:
        entry["btf_id"] = info.btf_id
    if info.verified_insns:
        entry["verified_insns"] = info.verified_insns
    return entry


def format_show(entry: dict[str, Any]) -> str:
    """bpftool's plain text: ``ID: TYPE  name NAME  tag TAG  gpl`` and indented detail lines."""
    head = f"{entry['id']}: {entry['type']}"
    if "name" in entry:
        head += f"  name {entry['name']}"
    head += f"  tag {entry['tag']}" + ("  gpl" if entry["gpl_compatible"] else "")
    if "run_time_ns" in entry:
        head += f" run_time_ns {entry['run_time_ns']} run_cnt {entry['run_cnt']}"
    if "recursion_misses" in entry:
        head += f" recursion_misses {entry['recursion_misses']}"
    loaded = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(entry["loaded_at"]))
    lines = [head, f"\tloaded_at {loaded}  uid {entry['uid']}"]
    sizes = f"\txlated {entry['bytes_xlated']}B"
    sizes += f"  jited {entry['bytes_jited']}B" if entry["jited"] else "  not jited"
    if "map_ids" in entry:
        sizes += "  map_ids " + ",".join(str(i) for i in entry["map_ids"])
    lines.append(sizes)
    if "btf_id" in entry:
        lines.append(f"\tbtf_id {entry['btf_id']}")
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace) -> int:
    backend = _backend(args)
    one = partial(_open_program, args.target, backend) if args.target else None
    next_id = partial(libbpf.bpf_prog_get_next_id, backend=backend)
    every = live_objects(next_id, partial(Program.from_id, backend=backend))
    return show(args, one, every, describe, format_show)


# --- prog dump xlated -----------------------------------------------------------------------------
def cmd_dump(args: argparse.Namespace) -> int:
    backend = _backend(args)
    target: list[str] = args.target
    if len(target) == 1 and is_elf(target[0]):
        prog: Program = prog_objects.object_program(args, target[0], backend)
    else:
        prog = _open_program(target, backend)
    if args.kind == "jited":
        return _dump_jited(args, prog, backend)
    with prog:
        insns = prog.xlated()
        lines = _source_lines(prog, insns) if args.linum and not args.file else {}
    if not insns:
        raise BPFError(errno.EPERM, "no translated instructions (not root, or the program has none)")
    if args.file:
        return _write_image(args, encode_program(insns))
    starts = slot_starts(insns)
    if wants_json(args):
        entries = []
        for insn, slot in zip(insns, starts, strict=True):
            entry: dict[str, Any] = {"pc": slot, "disasm": format_xlated(insn)}
            if slot in lines:
                source, _, where = lines[slot][2:].rpartition(" @ ")
                entry["src"] = source
                entry["linum"] = where
            if args.opcodes:
                entry["opcodes"] = insn.encode().hex(" ")
            entries.append(entry)
        print_json(args, entries)
        return 0
    shown = ""
    for insn, slot in zip(insns, starts, strict=True):
        if lines.get(slot, shown) != shown:  # each C line once, above its first instruction
            shown = lines[slot]
            print(shown)
        print(f"{slot:4d}: ({insn.opcode:02x}) {format_xlated(insn)}")
        if args.opcodes:
            raw = insn.encode()
            print("       " + raw[:8].hex(" ") + (f"\n       {raw[8:].hex(' ')}" if len(raw) > 8 else ""))
    return 0


def _write_image(args: argparse.Namespace, image: bytes) -> int:
    """``file FILE``: the raw bytes, and JSON ``null``, as bpftool prints."""
    with open(args.file, "wb") as file:
        file.write(image)
    if wants_json(args):
        print_json(args, None)
    return 0


def _dump_jited(args: argparse.Namespace, prog: Program, backend: Backend) -> int:
    with prog:
        functions = jited_functions(prog.fd, backend)
    if args.file:
        return _write_image(args, b"".join(function.code for function in functions))
    if args.linum:
        print("note: no line table for the native code (jited_line_info)", file=sys.stderr)
    decode, missing = disassembler()
    if decode is None:
        print(f"note: {missing}: printing the native code as bytes", file=sys.stderr)
    if wants_json(args):
        print_json(args, jited_json(functions, decode, opcodes=args.opcodes))
    else:
        print(format_jited(functions, decode, opcodes=args.opcodes), end="")
    return 0


def _source_lines(prog: Program, insns: list[Instruction]) -> dict[int, str]:
    """C source lines for ``--linum``: the kernel's line_info, else the object's own (a note when none)."""
    found = prog_objects.kernel_source_lines(prog)
    if found is None and isinstance(prog, ObjectProgram):
        found = prog_objects.object_source_lines(prog, insns)
    if found is None:
        print(
            "note: no line_info for this program (load it from an object compiled with -g)",
            file=sys.stderr,
        )
    return found or {}


__all__ = ["add_parsers", "describe", "format_show"]
