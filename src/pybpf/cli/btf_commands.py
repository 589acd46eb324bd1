"""``pybpf btf dump``: BTF as ``bpftool btf dump`` prints it -- raw type records, or C declarations.

Mirrors ``do_dump`` of tools/bpf/bpftool/btf.c: the BTF of a file (an ELF object's ``.BTF`` section as
clang wrote it -- before libbpf's fixups, as bpftool reads it -- or a raw BTF file such as
``/sys/kernel/btf/vmlinux``), of a BTF object by id (``id N``), or of a map or program's BTF (``map id N``,
``prog id N``); ``format raw`` (the default, :mod:`pybpf.cli.btf_text`) or ``format c``
(:mod:`pybpf.cli.btf_c`); ``-j`` gives ``{"types": [...]}``.
"""

from __future__ import annotations

import argparse

from pybpf import libbpf
from pybpf.btf.parse import parse_btf
from pybpf.btf.raw import BTFError
from pybpf.btf.types import BTF
from pybpf.cli.btf_c import c_header
from pybpf.cli.btf_text import raw_json, raw_lines
from pybpf.cli.commands import command_help
from pybpf.cli.inputs import InputError, read_source
from pybpf.cli.map_targets import common_options, number, open_map
from pybpf.cli.output import print_json, usage, wants_json
from pybpf.elf.errors import ELFError
from pybpf.elf.reader import read_elf
from pybpf.kernel.backend import Backend, get_backend
from pybpf.program import Program

__all__ = ["add_parsers", "btf_of_file", "btf_of_id"]

SOURCES = "file FILE | FILE | id N | map (id N | pinned PATH) | prog (id N | pinned PATH)"


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    btf = sub.add_parser("btf", help=command_help("btf"), description="Dump BTF type information.")
    cmds = btf.add_subparsers(dest="btf_command", metavar="BTF_COMMAND")
    dump = cmds.add_parser("dump", help="print BTF types, raw or as C declarations")
    dump.add_argument("words", nargs="+", metavar=f"{SOURCES} [format raw|c]", help="what to dump")
    common_options(dump)
    dump.set_defaults(handler=cmd_dump)
    btf.set_defaults(handler=lambda args: usage(btf))


def btf_of_file(path: str) -> BTF:
    """The BTF of an ELF object (its ``.BTF`` section, unfixed) or of a raw BTF file."""
    data = read_source(path)
    try:
        if data[:4] == b"\x7fELF":
            section = read_elf(data, path).section_named(".BTF")
            if section is None:
                raise InputError(f"{path}: no .BTF section (compile with -g)")
            return parse_btf(section.data)
        return parse_btf(data)
    except (BTFError, ELFError) as exc:
        raise InputError(f"{path}: {exc}") from None


def btf_of_id(btf_id: int, backend: Backend) -> BTF:
    """The BTF object ``btf_id`` (``btf__load_from_kernel_by_id``); bad data is an InputError."""
    try:
        return libbpf.btf_load_from_kernel_by_id(btf_id, backend=backend)
    except BTFError as exc:
        raise InputError(f"BTF id {btf_id}: {exc}") from None


def _source(words: list[str], backend: Backend) -> tuple[BTF, list[str]]:
    if words[0] == "id" and len(words) >= 2:
        return btf_of_id(number(words[1], "BTF id"), backend), words[2:]
    if words[0] == "file" and len(words) >= 2:
        return btf_of_file(words[1]), words[2:]
    if words[0] == "map":
        m, rest = open_map(words[1:], backend)
        with m:
            btf_id = m.info().btf_id
        if not btf_id:
            raise InputError("the map has no BTF")
        return btf_of_id(btf_id, backend), rest
    if words[0] == "prog" and len(words) >= 3:
        how, what = words[1], words[2]
        if how == "id":
            prog = Program.from_id(number(what, "program id"), backend=backend)
        elif how == "pinned":
            prog = Program.from_pinned(what, backend=backend)
        else:
            raise InputError(f"expected 'prog id N' or 'prog pinned PATH', got {' '.join(words[:3])!r}")
        with prog:
            btf_id = prog.info().btf_id
        if not btf_id:
            raise InputError("the program has no BTF")
        return btf_of_id(btf_id, backend), words[3:]
    return btf_of_file(words[0]), words[1:]


def cmd_dump(args: argparse.Namespace) -> int:
    btf, rest = _source(list(args.words), get_backend(args.backend))
    fmt = "raw"
    if rest[:1] == ["format"] and len(rest) == 2 and rest[1] in ("raw", "c"):
        fmt = rest[1]
    elif rest:
        raise InputError(f"expected 'format raw' or 'format c', got {' '.join(rest)!r}")
    if fmt == "c":
        if wants_json(args):
            raise InputError("format c has no JSON form")
        print(c_header(btf), end="")
        return 0
    ids = range(btf.start_id, btf.end_id)
    if wants_json(args):
        print_json(args, {"types": [raw_json(btf, i) for i in ids]})
    else:
        for i in ids:
            print("\n".join(raw_lines(btf, i)))
    return 0
