"""The ``pybpf`` commands: each one's module and its one-line help, without importing the module.

``pybpf.cli.main`` builds the real parser of the command a command line names only (importing its
module, and what it needs: the ELF loader, the verifier, the JIT ...); every other command gets a
parser that carries just its name and this help, which is all the top-level ``--help`` and argparse's
"invalid choice" line show.  So ``pybpf --help`` or ``pybpf asm`` never imports what ``pybpf prog
load`` needs.  Each command module takes its help from here (one text per command).
"""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    module: str  # under pybpf.cli
    help: str


COMMANDS: dict[str, Command] = {
    "asm": Command("isa_commands", "assemble eBPF assembly into raw instructions"),
    "disasm": Command("isa_commands", "disassemble raw eBPF instructions"),
    "run": Command("isa_commands", "run a program on raw memory and print r0"),
    "object": Command("object_commands", "inspect ELF objects clang compiled"),
    "prog": Command("prog_commands", "load, run, list and dump programs (like bpftool prog)"),
    "map": Command("map_commands", "inspect and edit maps (like bpftool map)"),
    "link": Command("link_commands", "show, pin and detach links (like bpftool link)"),
    "btf": Command("btf_commands", "dump BTF (like bpftool btf)"),
    "xdp": Command("xdp_commands", "run XDP programs over packet captures"),
    "trace": Command("trace_commands", "print bpf_trace_printk output (the shared trace pipe)"),
}
"""Every command, in the order ``pybpf --help`` lists them."""


def command_help(name: str) -> str:
    """The one-line help of command ``name``."""
    return COMMANDS[name].help
