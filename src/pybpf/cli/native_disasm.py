"""Disassembling native code (a JIT's image) into machine instructions, with capstone.

Mirrors what bpftool's jit_disasm.c asks of its disassembler (LLVM's ``LLVMDisasmInstruction`` or
libbfd's): walk a function's bytes from offset 0, one instruction at a time, each with its offset
(``pc``), its length, its mnemonic (bpftool's JSON ``operation``) and its operands in AT&T syntax
(both of bpftool's disassemblers print AT&T on x86).  Bytes that decode to no instruction come out
as one-byte ``.byte`` entries (capstone's SKIPDATA), so the lengths always add up to the image.

capstone is a dependency; where it cannot be imported (or knows no disassembler for this machine),
``disassembler()`` returns ``None`` and says why, and callers print the bytes instead.
"""

from __future__ import annotations

import platform
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OPERAND_SEPARATORS = re.compile(r"[ \t,()]+")
"""bpftool (LLVM) cuts an instruction's operand text into JSON ``operands`` at these characters."""


@dataclass(frozen=True)
class NativeInstruction:
    """One decoded machine instruction of a function."""

    pc: int
    """Offset from the start of the function."""
    code: bytes
    operation: str
    operands: str
    """The operand text, AT&T syntax ("" when the instruction has none)."""

    def text(self) -> str:
        """bpftool's plain form of the instruction: the mnemonic, a tab, the operands."""
        return f"{self.operation}\t{self.operands}" if self.operands else self.operation

    def operand_list(self) -> list[str | None]:
        """bpftool's JSON ``operands``: the operand text cut into tokens, ``[null]`` when there are none."""
        tokens: list[str | None] = [token for token in OPERAND_SEPARATORS.split(self.operands) if token]
        return tokens or [None]


Disassembler = Callable[[bytes], list[NativeInstruction]]
"""Decodes a whole function's bytes, offsets from 0."""


def _capstone_modes(capstone: Any) -> dict[str, tuple[int, int]]:
    """capstone's (architecture, mode) for the machines pybpf's JIT and the kernel's JIT run on."""
    return {
        "x86_64": (capstone.CS_ARCH_X86, capstone.CS_MODE_64),
        "amd64": (capstone.CS_ARCH_X86, capstone.CS_MODE_64),
        "aarch64": (capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM),
        "arm64": (capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM),
    }


def disassembler(machine: str | None = None) -> tuple[Disassembler | None, str]:
    """A disassembler for ``machine`` (default: this one), or ``None`` and the reason there is none."""
    try:
        import capstone
    except ImportError as exc:
        return None, f"capstone cannot be imported ({exc})"
    machine = (machine or platform.machine()).lower()
    mode = _capstone_modes(capstone).get(machine)
    if mode is None:
        return None, f"capstone is not set up for this machine ({machine})"
    engine = capstone.Cs(*mode)
    engine.skipdata = True
    if mode[0] == capstone.CS_ARCH_X86:
        engine.syntax = capstone.CS_OPT_SYNTAX_ATT

    def decode(code: bytes) -> list[NativeInstruction]:
        return [
            NativeInstruction(insn.address, bytes(insn.bytes), insn.mnemonic, insn.op_str.strip())
            for insn in engine.disasm(code, 0)
        ]

    return decode, ""


__all__ = ["OPERAND_SEPARATORS", "Disassembler", "NativeInstruction", "disassembler"]
