"""Round trips of the whole ISA layer: text -> instructions -> text, instructions -> bytes -> instructions.

For every valid program and both syntaxes, ``assemble(disassemble(p, syntax), syntax) == p`` (with and
without labels and slot prefixes, and with syntax detection); every decodable instruction, valid or
not, survives disassembly (invalid ones as ``.insn``); ``decode(encode(i)) == i`` and
``encode(decode(b)) == b`` for every valid encoding.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf.isa.asm import assemble, detect_syntax
from pybpf.isa.disasm import disassemble, format_instruction
from pybpf.isa.instruction import (
    LDDW_OPCODE,
    Instruction,
    decode,
    decode_program,
    encode_program,
    validate,
    validate_program,
)
from pybpf.isa.opcodes import OPCODES, OpSpec
from tests.isa.strategies import instructions_of, raw_instructions, valid_instructions, valid_programs

SYNTAXES = ("kernel", "ubpf")


@pytest.mark.parametrize("spec", OPCODES, ids=lambda spec: f"{spec.opcode:#04x}-{spec.mnemonic}")
@settings(max_examples=5)
@given(data=st.data())
def test_every_table_entry_round_trips(spec: OpSpec, data: st.DataObject) -> None:
    insn = data.draw(instructions_of(spec))
    assert validate(insn) == spec
    for syntax in SYNTAXES:
        text = format_instruction(insn, syntax)
        assert assemble(text, syntax) == [insn], text
        assert assemble(text) == [insn], text


@pytest.mark.parametrize("syntax", SYNTAXES)
@given(insn=valid_instructions())
def test_one_instruction_round_trips(syntax: str, insn: Instruction) -> None:
    text = format_instruction(insn, syntax)
    assert assemble(text, syntax) == [insn], text


@pytest.mark.parametrize("syntax", SYNTAXES)
@given(program=valid_programs())
def test_program_round_trips(syntax: str, program: list[Instruction]) -> None:
    validate_program(program)
    for labels in (False, True):
        for show_slots in (False, True):
            text = disassemble(program, syntax, labels=labels, show_slots=show_slots)
            assert assemble(text, syntax) == program, text


@pytest.mark.parametrize("syntax", SYNTAXES)
@given(program=valid_programs())
def test_detected_syntax_reads_disassembly_back(syntax: str, program: list[Instruction]) -> None:
    text = disassemble(program, syntax, labels=True)
    assert assemble(text) == program, (detect_syntax(text), text)


@pytest.mark.parametrize("syntax", SYNTAXES)
@given(insn=raw_instructions())
def test_every_decodable_instruction_round_trips(syntax: str, insn: Instruction) -> None:
    text = format_instruction(insn, syntax)
    assert assemble(text, syntax) == [insn], text


@given(insn=valid_instructions())
def test_valid_instructions_validate(insn: Instruction) -> None:
    validate(insn)


@given(insn=valid_instructions())
def test_decode_encode(insn: Instruction) -> None:
    data = insn.encode()
    assert len(data) == 8 * insn.slots
    assert decode(data) == insn


@given(program=valid_programs())
def test_program_bytes_round_trip(program: list[Instruction]) -> None:
    data = encode_program(program)
    assert decode_program(data) == program
    assert encode_program(decode_program(data)) == data


@given(data=st.binary(min_size=8, max_size=8))
def test_encode_decode_one_slot(data: bytes) -> None:
    if data[0] == LDDW_OPCODE:
        data = data + bytes(4) + b"\x00\x00\x00\x00"  # a complete lddw: second slot zero but imm
    assert decode(data).encode() == data


@given(first=st.binary(min_size=8, max_size=8), imm_hi=st.integers(-(1 << 31), (1 << 31) - 1))
def test_encode_decode_lddw(first: bytes, imm_hi: int) -> None:
    data = bytes([LDDW_OPCODE]) + first[1:] + struct.pack("<BBhi", 0, 0, 0, imm_hi)
    insn = decode(data)
    assert insn.imm_hi == imm_hi
    assert insn.encode() == data
