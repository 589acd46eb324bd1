"""The eBPF disassembler: instructions -> text in the kernel/LLVM or the uBPF assembly syntax.

The kernel syntax is what llvm-objdump prints (``r1 += -1``, ``goto +2``, ``if r1 s> 16 goto -5``),
with the verifier log's ``call bpf_map_lookup_elem#1`` for helpers and ``call pc+5`` for bpf-to-bpf
calls (kernel/bpf/disasm.c); the uBPF syntax is bpf_conformance's (``add %r1, -1``, ``ja +2``).
Branch targets are relative offsets in 8-byte slots, as in the kernel, unless labels are asked for.

An instruction the kernel would refuse (unknown opcode, reserved field in use, register above r10)
prints as the raw ``.insn CODE, DST, SRC, OFF, IMM`` directive, so that for every decodable program
``assemble(disassemble(p, syntax), syntax) == p``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from pybpf.errors import InstructionError
from pybpf.isa import asm_kernel, asm_ubpf
from pybpf.isa.asm_common import format_raw
from pybpf.isa.instruction import Instruction, validate
from pybpf.isa.opcodes import OpSpec
from pybpf.isa.program import ProgramView, transfer

_FORMATTERS: dict[str, Callable[[Instruction, OpSpec, str | None], str]] = {
    "kernel": asm_kernel.format_statement,
    "ubpf": asm_ubpf.format_statement,
}


def format_instruction(
    insn: Instruction,
    syntax: str = "kernel",
    *,
    slot: int | None = None,
    labels: Mapping[int, str] | None = None,
) -> str:
    """One instruction in ``syntax`` ("kernel" or "ubpf").

    With ``slot`` (where the instruction starts) and ``labels`` (slot -> label name), a branch whose
    target has a label names it instead of printing its offset.
    """
    formatter = _formatter(syntax)
    try:
        spec = validate(insn)
    except InstructionError:
        return format_raw(insn)
    label = None
    if slot is not None and labels:
        target = transfer(insn, slot).target
        if target is not None:
            label = labels.get(target)
    return formatter(insn, spec, label)


def disassemble(
    insns: Sequence[Instruction], syntax: str = "kernel", *, labels: bool = False, show_slots: bool = False
) -> str:
    """A whole program, one instruction per line.

    ``labels``: name every branch target (``L5`` for jumps, ``fn5`` for subprograms, after the slot
    they start at) and branch to the names.  ``show_slots``: prefix each instruction with its slot
    (``  12: r0 = 1``), as the verifier log does; the assembler skips such prefixes.
    """
    _formatter(syntax)
    view = ProgramView(insns)
    names = _label_names(view) if labels else {}
    lines: list[str] = []
    for insn, slot in zip(view.insns, view.starts, strict=True):
        if slot in names:
            lines.append(f"{names[slot]}:")
        text = format_instruction(insn, syntax, slot=slot, labels=names)
        lines.append(f"{slot:>4}: {text}" if show_slots else text)
    end = view.slot_count
    if end in names:  # a branch to just past the last instruction
        lines.append(f"{names[end]}:")
    return "".join(line + "\n" for line in lines)


def _formatter(syntax: str) -> Callable[[Instruction, OpSpec, str | None], str]:
    formatter = _FORMATTERS.get(syntax)
    if formatter is None:
        raise ValueError(f"unknown assembly syntax {syntax!r}: expected 'kernel' or 'ubpf'")
    return formatter


def _label_names(view: ProgramView) -> dict[int, str]:
    """slot -> label for every branch target that starts an instruction (or ends the program)."""
    end = view.slot_count
    jumps: set[int] = set()
    calls: set[int] = set()
    for insn, slot in zip(view.insns, view.starts, strict=True):
        target = view.target(slot)
        if target is None or not (target == end or view.is_insn_start(target)):
            continue
        try:
            validate(insn)
        except InstructionError:
            continue
        (jumps if view.call_edge(slot) is None else calls).add(target)
    names = {target: f"L{target}" for target in jumps}
    names.update({target: f"fn{target}" for target in calls})
    return names
