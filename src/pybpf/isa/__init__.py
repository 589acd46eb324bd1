"""The eBPF instruction set: the opcode table, instructions, encoding, assembly and disassembly."""

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

__all__ = [
    "OPCODES",
    "Instruction",
    "Kind",
    "OpSpec",
    "decode",
    "decode_program",
    "encode_program",
    "slot_starts",
    "validate",
    "validate_program",
]
