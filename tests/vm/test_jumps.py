"""Jump semantics: every condition in both widths at the signed/unsigned boundaries, ja, gotol."""

from __future__ import annotations

import pytest

from tests.vm.builders import EXIT, INT32_MIN, INT64_MIN, M32, M64, insn, lddw, mov, run_both

MAX64 = INT64_MIN - 1
MAX32 = INT32_MIN - 1

# (condition, dst value, src value, taken)
REG_CASES = [
    ("jeq", 5, 5, True),
    ("jeq", 5, 6, False),
    ("jne", 5, 6, True),
    ("jne", 5, 5, False),
    ("jgt", M64, 1, True),
    ("jgt", 1, M64, False),
    ("jgt", 5, 5, False),
    ("jge", 5, 5, True),
    ("jge", 4, 5, False),
    ("jge", M64, M64, True),
    ("jlt", 1, M64, True),
    ("jlt", M64, 1, False),
    ("jle", 5, 5, True),
    ("jle", 6, 5, False),
    ("jsgt", 1, M64, True),
    ("jsgt", M64, 1, False),
    ("jsgt", INT64_MIN, MAX64, False),
    ("jsgt", MAX64, INT64_MIN, True),
    ("jsge", M64, M64, True),
    ("jsge", INT64_MIN, M64, False),
    ("jslt", M64, 0, True),
    ("jslt", 0, M64, False),
    ("jsle", INT64_MIN, INT64_MIN, True),
    ("jsle", 0, INT64_MIN, False),
    ("jset", 0b1010, 0b0100, False),
    ("jset", 0b1010, 0b0010, True),
    ("jset", INT64_MIN, INT64_MIN, True),
    # 32-bit: only the low halves are compared
    ("jeq32", 0x1_0000_0005, 5, True),
    ("jeq32", 5, 6, False),
    ("jne32", 0x1_0000_0005, 0x2_0000_0005, False),
    ("jgt32", 1 << 32, 1, False),
    ("jgt32", M32, 1, True),
    ("jge32", 0x5_0000_0000, 0, True),
    ("jlt32", 0xF_0000_0001, 2, True),
    ("jle32", 3, 0xF_0000_0002, False),
    ("jsgt32", M32, 0, False),
    ("jsgt32", MAX32, INT32_MIN, True),
    ("jsge32", 0x7_FFFF_FFFF, M32, True),
    ("jslt32", INT32_MIN, MAX32, True),
    ("jslt32", 0, 0xFFFF_FFFF_0000_0000, False),
    ("jsle32", M32, M32, True),
    ("jset32", 1 << 32, 1 << 32, False),
    ("jset32", 0x1_0000_0001, 1, True),
]


def _branch(condition: str, *, src: int | None = None, imm: int = 0) -> list:
    """r0 = 1 if the condition holds on r1 (and r2 or imm), else 0."""
    return [mov(0, 0), insn(condition, 1, src, off=1, imm=imm), EXIT, mov(0, 1), EXIT]


@pytest.mark.parametrize(("condition", "a", "b", "taken"), REG_CASES)
def test_conditional_jump_register(condition: str, a: int, b: int, taken: bool) -> None:
    program = [lddw(1, a), lddw(2, b), *_branch(condition, src=2)]
    assert run_both(program) == int(taken)


# (condition, dst value, imm, taken): imm is sign-extended to 64 bits, or taken as 32 bits for JMP32.
IMM_CASES = [
    ("jeq", M64, -1, True),
    ("jeq", M32, -1, False),
    ("jeq32", M32, -1, True),
    ("jeq32", M64, -1, True),
    ("jgt", 5, -1, False),
    ("jgt32", 5, -1, False),
    ("jlt", 5, -1, True),
    ("jsgt", 0, -1, True),
    ("jsgt32", 0x1_0000_0000, -1, True),
    ("jslt32", 0x1_FFFF_FFFE, -1, True),
    ("jsge", INT64_MIN, -(1 << 31), False),
    ("jsle", 0xFFFF_FFFF_8000_0000, -(1 << 31), True),
    ("jset", INT64_MIN, -(1 << 31), True),
    ("jset32", INT64_MIN, -1, False),
    ("jne", 7, 7, False),
    ("jge32", 0, 0, True),
    ("jle", 0, 0, True),
]


@pytest.mark.parametrize(("condition", "a", "imm", "taken"), IMM_CASES)
def test_conditional_jump_immediate(condition: str, a: int, imm: int, taken: bool) -> None:
    assert run_both([lddw(1, a), *_branch(condition, imm=imm)]) == int(taken)


def test_ja_skips_forward_and_backward() -> None:
    program = [
        mov(0, 1),
        insn("ja", off=2),  # -> 4
        mov(0, 2),
        EXIT,
        insn("add", 0, imm=10),
        insn("jeq", 0, off=-4, imm=11),  # back to 2 once
        EXIT,
    ]
    assert run_both(program) == 2


def test_gotol_uses_imm() -> None:
    program = [mov(0, 1), insn("gotol", imm=2), mov(0, 2), EXIT, mov(0, 3), EXIT]
    assert run_both(program) == 3


def test_jump_over_lddw_counts_two_slots() -> None:
    program = [mov(0, 1), insn("ja", off=2), lddw(0, 99), EXIT]
    assert run_both(program) == 1


def test_backward_loop_sums() -> None:
    program = [
        mov(0, 0),
        mov(1, 100),
        insn("add", 0, 1),
        insn("sub", 1, imm=1),
        insn("jne", 1, off=-3, imm=0),
        EXIT,
    ]
    assert run_both(program) == 5050
