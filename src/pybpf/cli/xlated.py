"""Translated instructions spelled as ``bpftool prog dump xlated`` prints them.

Mirrors kernel/bpf/disasm.c (``print_bpf_insn``) with bpftool's callbacks: jumps as ``goto pc+N``,
memory operands as ``(r10 -8)``, jump immediates in hex, a 64-bit immediate as ``r1 = 0x...``, map
references as ``r1 = map[id:5]`` and ``r1 = map[id:5][0]+16`` (what the kernel leaves in a dumped
map lddw: the map's id and the value offset), ``map[idx:N]`` for fd_array indexes, helper calls
as ``call bpf_NAME#IMM``.  In the kernel's xlated code a helper call's immediate is the offset of
the helper from ``__bpf_call_base``; like bpftool, the name is then found in /proc/kallsyms.
"""

from __future__ import annotations

import functools
import re

from pybpf import uapi
from pybpf.isa.disasm import format_instruction
from pybpf.isa.instruction import Instruction

PSEUDO_MAP_FD, PSEUDO_MAP_VALUE, PSEUDO_FUNC, PSEUDO_MAP_IDX, PSEUDO_MAP_IDX_VALUE = 1, 2, 4, 5, 6
_CALL = 0x85

_GOTO = re.compile(r"\b(goto|gotol|may_goto) ([+-]\d+)$")
_MEM = re.compile(r"\((r\d+) ([+-]) (\d+)\)")
_JMP_IMM = re.compile(r"^if ([wr]\d+) (\S+) (-?\d+) goto")

_HELPERS = {
    m.value: m.name.removeprefix("BPF_FUNC_") for m in uapi.bpf_func_id if m.name.startswith("BPF_FUNC_")
}


def format_xlated(insn: Instruction) -> str:
    """One instruction of an xlated dump, without the ``N: (op)`` prefix."""
    if insn.is_lddw:
        return f"r{insn.dst} = {_imm64(insn)}"
    if insn.opcode == _CALL and insn.src == 0:
        return f"call {_helper_name(insn.imm)}#{insn.imm}"
    text = format_instruction(insn, "kernel")
    text = _GOTO.sub(lambda m: f"{m.group(1)} pc{m.group(2)}", text)
    text = _MEM.sub(lambda m: f"({m.group(1)} {m.group(2)}{m.group(3)})", text)
    return _JMP_IMM.sub(
        lambda m: f"if {m.group(1)} {m.group(2)} {int(m.group(3)) & 0xFFFFFFFF:#x} goto", text
    )


def _imm64(insn: Instruction) -> str:
    if insn.src == PSEUDO_MAP_FD:
        return f"map[id:{insn.imm & 0xFFFFFFFF}]"
    if insn.src == PSEUDO_MAP_VALUE:
        return f"map[id:{insn.imm & 0xFFFFFFFF}][0]+{insn.imm_hi & 0xFFFFFFFF}"
    if insn.src == PSEUDO_MAP_IDX:
        return f"map[idx:{insn.imm & 0xFFFFFFFF}]"
    if insn.src == PSEUDO_MAP_IDX_VALUE:
        return f"map[idx:{insn.imm & 0xFFFFFFFF}]+{insn.imm_hi & 0xFFFFFFFF}"
    if insn.src == PSEUDO_FUNC:
        return f"subprog[{insn.imm:+d}]"
    return f"{insn.imm64 & 0xFFFFFFFFFFFFFFFF:#x}"


def _helper_name(imm: int) -> str:
    if imm in _HELPERS and imm > 0:
        return f"bpf_{_HELPERS[imm]}"
    return _kallsyms_name(imm) or "unknown"


@functools.cache
def _kallsyms() -> tuple[int | None, dict[int, str]]:
    """(address of __bpf_call_base, address -> text symbol) from /proc/kallsyms; empty when unreadable."""
    base: int | None = None
    symbols: dict[int, str] = {}
    try:
        with open("/proc/kallsyms", encoding="ascii", errors="replace") as handle:
            for line in handle:
                parts = line.split()
                if len(parts) < 3 or parts[1] not in "tTwW":
                    continue
                address = int(parts[0], 16)
                if parts[2] == "__bpf_call_base":
                    base = address
                symbols.setdefault(address, parts[2])
    except (OSError, ValueError):
        return None, {}
    return base, symbols


def _kallsyms_name(imm: int) -> str | None:
    base, symbols = _kallsyms()
    if not base:
        return None
    return symbols.get(base + imm)
