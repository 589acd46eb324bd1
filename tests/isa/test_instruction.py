"""Instruction encoding and the structural checks the kernel applies before the verifier proper.

Each refusal is an ``InstructionError`` (EINVAL, naming the instruction), as the kernel's
``bpf_check`` / ``resolve_pseudo_ldimm64`` / ``check_subprogs`` refuse such programs with EINVAL.
"""

from __future__ import annotations

import errno
import struct

import pytest

from pybpf.errors import BPFError, InstructionError
from pybpf.isa import opcodes
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import (
    LDDW_OPCODE,
    Instruction,
    decode,
    decode_program,
    encode_program,
    slot_starts,
    validate,
    validate_program,
)

EXIT = Instruction(0x95)


def raw(*slots: tuple[int, int, int, int, int]) -> bytes:
    """Instruction slots given as (code, dst, src, off, imm)."""
    return b"".join(
        struct.pack("<BBhi", code, (src << 4) | dst, off, imm) for code, dst, src, off, imm in slots
    )


def test_lddw_is_one_instruction_of_two_slots() -> None:
    insn = Instruction.lddw(3, 0x1122334455667788)
    assert (insn.imm, insn.imm_hi, insn.imm64, insn.slots) == (0x55667788, 0x11223344, 0x1122334455667788, 2)
    assert insn.encode() == raw((0x18, 3, 0, 0, 0x55667788), (0, 0, 0, 0, 0x11223344))
    assert decode_program(insn.encode() + EXIT.encode()) == [insn, EXIT]
    assert slot_starts([EXIT, insn, EXIT]) == [0, 1, 3]


def test_fields_are_signed() -> None:
    insn = decode(raw((0x07, 1, 0, -1, -5)))
    assert (insn.off, insn.imm) == (-1, -5)


@pytest.mark.parametrize(
    ("insn", "words"),
    [
        (Instruction(0xFF), "unknown opcode 0xff"),
        (Instruction(0x8F), "unknown opcode 0x8f"),
        (Instruction(0xB7, off=5), "invalid field values for opcode 0xb7"),  # mov with a movsx offset
        (Instruction(0x3F, off=2), "invalid field values"),  # neither div nor sdiv
        (Instruction(0xD4, imm=8), "invalid field values"),  # le8 does not exist
        (Instruction(0x85, src=3), "invalid field values"),  # no such call kind
        (Instruction(0xB7, src=1, imm=1), "reserved field src"),
        (Instruction(0x0F, dst=1, src=2, imm=1), "reserved field imm"),
        (Instruction(0x95, dst=1), "reserved field dst"),
        (Instruction(0x05, imm=1), "reserved field imm"),  # goto uses off, not imm
        (Instruction(0x06, off=1), "reserved field off"),  # gotol uses imm, not off
        (Instruction(0x85, off=1, imm=1), "reserved field off"),  # only kfunc calls use off
        (Instruction(0x20, dst=1, imm=1), "reserved field dst"),  # ld_abs always loads into r0
        (Instruction(0xB7, dst=11), "R11 is invalid"),
        (Instruction(0xBF, dst=1, src=12), "R12 is invalid"),
        (Instruction(0xB7, dst=16), "dst register 16 out of range"),
        (Instruction(LDDW_OPCODE, dst=1, src=7), "unrecognized bpf_ld_imm64 insn"),
        (Instruction(0xB7, imm_hi=1), "only lddw has it"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_validate_refuses(insn: Instruction, words: str) -> None:
    with pytest.raises(InstructionError, match=words) as caught:
        validate(insn, 4)
    assert caught.value.errno == errno.EINVAL
    assert caught.value.index == 4
    assert isinstance(caught.value, BPFError)


def test_validate_returns_the_table_entry() -> None:
    assert validate(Instruction(0x3F, dst=1, src=2, off=1)).mnemonic == "sdiv"
    assert validate(Instruction(0xBF, dst=1, src=2, off=16)).kind is opcodes.Kind.MOVSX
    assert validate(Instruction(0x85, src=2, off=3, imm=7)).kind is opcodes.Kind.CALL_KFUNC


@pytest.mark.parametrize(
    ("text", "slot", "words"),
    [
        ("goto +1", 0, "jump out of range from insn 0 to 2"),
        ("goto -2\nexit", 0, "jump out of range from insn 0 to -1"),
        ("if r1 > 2 goto +5\nexit", 0, "jump out of range"),
        ("exit\ngotol +1", 1, "jump out of range"),
        ("call pc+3\nexit", 0, "jump out of range"),
        ("r1 = func(+7) ll\nexit", 0, "jump out of range"),
        ("goto +1\nr1 = 1 ll\nexit", 0, "into the middle of lddw at insn 1"),
        ("r0 = 0\nmay_goto +1\nr2 = 0x100000000 ll\nexit", 1, "into the middle of lddw"),
    ],
)
def test_validate_program_refuses_branches(text: str, slot: int, words: str) -> None:
    with pytest.raises(InstructionError, match=words) as caught:
        validate_program(assemble(text))
    assert caught.value.index == slot


def test_validate_program_names_the_slot_of_a_bad_instruction() -> None:
    with pytest.raises(InstructionError) as caught:
        validate_program([Instruction.lddw(1, 5), Instruction(0xFF), EXIT])
    assert caught.value.index == 2


def test_empty_program() -> None:
    with pytest.raises(InstructionError, match="empty program"):
        validate_program([])


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (bytes(12), "not a multiple of 8 bytes"),
        (raw((0x18, 1, 0, 0, 1)), "truncated lddw"),
        (raw((0x18, 1, 0, 0, 1), (1, 0, 0, 0, 0)), "invalid bpf_ld_imm64 insn"),
        (raw((0x18, 1, 0, 0, 1), (0, 2, 0, 0, 0)), "invalid bpf_ld_imm64 insn"),
        (raw((0x18, 1, 0, 0, 1), (0, 0, 0, 4, 0)), "invalid bpf_ld_imm64 insn"),
    ],
)
def test_decode_program_refuses(data: bytes, words: str) -> None:
    with pytest.raises(InstructionError, match=words):
        decode_program(data)


def test_decode_truncated_instruction() -> None:
    with pytest.raises(InstructionError, match="truncated instruction: 5 of 8 bytes"):
        decode(bytes(5))


@pytest.mark.parametrize(
    "insn",
    [
        Instruction(0xB7, dst=16),
        Instruction(0xB7, src=-1),
        Instruction(0xB7, imm=1 << 31),
        Instruction(0xB7, off=1 << 15),
        Instruction(0xB7, imm_hi=1),
        Instruction(0x100),
    ],
)
def test_encode_refuses_what_does_not_fit(insn: Instruction) -> None:
    with pytest.raises(InstructionError, match="cannot encode"):
        insn.encode()


def test_encode_program() -> None:
    assert encode_program([Instruction(0xB7, imm=1), EXIT]).hex() == "b7000000010000009500000000000000"


def test_equal_instructions_decode_to_one_object() -> None:
    # (what the per-instruction tables keyed by id() rely on; values stay values)
    code = raw((0xB7, 0, 0, 0, 42), (0xB7, 0, 0, 0, 42), (0xB7, 0, 0, 0, 7), (0x95, 0, 0, 0, 0))
    first, second, third, last = decode_program(code)
    assert first is second and first == Instruction(0xB7, 0, 0, 0, 42)
    assert third is not first and third == Instruction(0xB7, 0, 0, 0, 7)
    assert encode_program([first, second, third, last]) == code


def test_validate_program_names_the_first_slot_of_a_repeated_bad_instruction() -> None:
    bad = Instruction(0xFF)
    with pytest.raises(InstructionError) as caught:
        validate_program([EXIT, bad, bad, EXIT])
    assert caught.value.index == 1
