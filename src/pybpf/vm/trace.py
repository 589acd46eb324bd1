"""Execution traces: one event per executed instruction with the registers it changed.

The kernel has no instruction tracer (its closest relative is the verifier log, which prints
``<insn>: (<code>) <disasm> ; R0_w=...`` per instruction); this module gives the interpreter's
``trace`` callback a value shaped like that line, and ``TraceEvent.format`` prints it for
``pybpf run --trace``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from pybpf.isa.instruction import Instruction
from pybpf.vm.codegen import describe


class RegisterChange(NamedTuple):
    """Register ``reg`` went from ``old`` to ``new`` (unsigned 64-bit values)."""

    reg: int
    old: int
    new: int


@dataclass(frozen=True)
class TraceEvent:
    """An executed instruction: its slot ``pc``, the instruction, the registers it changed.

    ``depth`` is the bpf-to-bpf call depth the instruction ran at (0 in the main program).
    """

    pc: int
    insn: Instruction
    changes: tuple[RegisterChange, ...]
    depth: int = 0

    def format(self) -> str:
        """``<pc>: <disassembly>  ; r0 0x0 -> 0x2a`` with two spaces of indent per call depth."""
        spec = self.insn.spec
        text = describe(self.insn, spec) if spec is not None else repr(self.insn)
        line = f"{'  ' * self.depth}{self.pc:4d}: {text}"
        if self.changes:
            line = f"{line:<48} ; " + ", ".join(f"r{c.reg} {c.old:#x} -> {c.new:#x}" for c in self.changes)
        return line


TraceCallback = Callable[[TraceEvent], None]
"""Receives every executed instruction, after it ran."""


def diff_registers(before: list[int], after: list[int]) -> tuple[RegisterChange, ...]:
    """The registers whose values differ between two register files."""
    pairs = enumerate(zip(before, after, strict=True))
    return tuple(RegisterChange(reg, old, new) for reg, (old, new) in pairs if old != new)
