"""The eBPF instruction set: the opcode table, instructions, encoding, the program view (layout and
control flow), assembly and disassembly."""

from pybpf.isa.asm import assemble, detect_syntax
from pybpf.isa.disasm import disassemble, format_instruction
from pybpf.isa.instruction import (
    Instruction,
    decode,
    decode_program,
    encode_program,
    slot_starts,
    validate,
    validate_program,
)
from pybpf.isa.opcodes import OPCODES, Kind, OpSpec
from pybpf.isa.program import CallEdge, CallKind, Flow, ProgramView

__all__ = [
    "OPCODES",
    "CallEdge",
    "CallKind",
    "Flow",
    "Instruction",
    "Kind",
    "OpSpec",
    "ProgramView",
    "assemble",
    "decode",
    "decode_program",
    "detect_syntax",
    "disassemble",
    "encode_program",
    "format_instruction",
    "slot_starts",
    "validate",
    "validate_program",
]
