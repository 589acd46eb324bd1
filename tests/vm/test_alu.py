"""ALU semantics, table-driven: every operation in both widths, with the kernel's edge cases."""

from __future__ import annotations

import pytest

from tests.vm.builders import EXIT, INT32_MIN, INT64_MIN, M32, M64, insn, lddw, run_both

NEG1 = M64
MAX64 = INT64_MIN - 1

# (mnemonic, dst value, src value, expected) — the source operand is a register.
REG_CASES = [
    # 64-bit
    ("add", 1, 2, 3),
    ("add", M64, 1, 0),
    ("add", INT64_MIN, NEG1, MAX64),
    ("sub", 0, 1, M64),
    ("sub", INT64_MIN, 1, MAX64),
    ("mul", 1 << 32, 1 << 32, 0),
    ("mul", M64, M64, 1),
    ("mul", 3, NEG1, M64 - 2),
    ("div", 10, 3, 3),
    ("div", M64, 2, MAX64),
    ("div", 5, 0, 0),
    ("div", 0, 0, 0),
    ("mod", 10, 3, 1),
    ("mod", 5, 0, 5),
    ("mod", M64, 0, M64),
    ("mod", M64, 16, 15),
    ("sdiv", -7 & M64, 2, -3 & M64),
    ("sdiv", 7, -2 & M64, -3 & M64),
    ("sdiv", -7 & M64, -2 & M64, 3),
    ("sdiv", INT64_MIN, NEG1, INT64_MIN),
    ("sdiv", 5, 0, 0),
    ("smod", -7 & M64, 2, -1 & M64),
    ("smod", 7, -2 & M64, 1),
    ("smod", -7 & M64, -2 & M64, -1 & M64),
    ("smod", INT64_MIN, NEG1, 0),
    ("smod", -5 & M64, 0, -5 & M64),
    ("or", 0xF0, 0x0F, 0xFF),
    ("and", 0xFF00FF, 0x0FF0F0, 0x0F00F0),
    ("xor", M64, 0xFF, M64 ^ 0xFF),
    ("lsh", 1, 63, INT64_MIN),
    ("lsh", 1, 64, 1),
    ("lsh", 1, 65, 2),
    ("lsh", M64, 4, 0xFFFF_FFFF_FFFF_FFF0),
    ("rsh", INT64_MIN, 63, 1),
    ("rsh", INT64_MIN, 64, INT64_MIN),
    ("rsh", M64, 68, 0x0FFF_FFFF_FFFF_FFFF),
    ("arsh", INT64_MIN, 63, M64),
    ("arsh", INT64_MIN, 1, 0xC000_0000_0000_0000),
    ("arsh", 1 << 62, 62, 1),
    ("arsh", INT64_MIN, 64, INT64_MIN),
    ("arsh", INT64_MIN, 127, M64),
    ("mov", 123, M64, M64),
    # 32-bit: low halves in, result zero-extended
    ("add32", M32, 1, 0),
    ("add32", 0x1_0000_0005, 0x1_0000_0003, 8),
    ("sub32", 0, 1, M32),
    ("sub32", M64, 0, M32),
    ("mul32", 0x10000, 0x10000, 0),
    ("mul32", M32, M32, 1),
    ("div32", 0x1_0000_000A, 3, 3),
    ("div32", M64, 1 << 32, 0),
    ("div32", M32, 2, 0x7FFF_FFFF),
    ("mod32", 0x1_0000_000A, 3, 1),
    ("mod32", 0xFFFF_FFFF_0000_0005, 0, 5),
    ("mod32", 7, 1 << 32, 7),
    ("sdiv32", 0xFFFF_FFF9, 2, 0xFFFF_FFFD),
    ("sdiv32", INT32_MIN, M32, INT32_MIN),
    ("sdiv32", 5, 0, 0),
    ("sdiv32", 0xFFFF_FFFF_0000_0008, 0xFFFF_FFFE, 0xFFFF_FFFC),
    ("smod32", 0xFFFF_FFF9, 2, M32),
    ("smod32", INT32_MIN, M32, 0),
    ("smod32", -5 & M64, 0, 0xFFFF_FFFB),
    ("or32", 0xFFFF_FFFF_0000_0000, 1, 1),
    ("and32", M64, 0x1_0000_00FF, 0xFF),
    ("xor32", 0xAAAA_AAAA_AAAA_AAAA, M64, 0x5555_5555),
    ("lsh32", 1, 31, INT32_MIN),
    ("lsh32", 1, 32, 1),
    ("lsh32", 1, 33, 2),
    ("lsh32", M64, 0, M32),
    ("rsh32", INT32_MIN, 31, 1),
    ("rsh32", 0xFFFF_FFFF_8000_0000, 32, INT32_MIN),
    ("arsh32", INT32_MIN, 31, M32),
    ("arsh32", INT32_MIN, 32, INT32_MIN),
    ("arsh32", 0x8000_0000_4000_0000, 30, 1),
    ("mov32", 7, M64, M32),
]


@pytest.mark.parametrize(("mnemonic", "a", "b", "expected"), REG_CASES)
def test_alu_register_operand(mnemonic: str, a: int, b: int, expected: int) -> None:
    program = [lddw(0, a), lddw(1, b), insn(mnemonic, 0, 1), EXIT]
    assert run_both(program) == expected


# (mnemonic, dst value, imm, expected) — imm is sign-extended to 64 bits (ALU64) or used as 32 bits.
IMM_CASES = [
    ("add", 0, -1, M64),
    ("add32", 0, -1, M32),
    ("add", 0x1_0000_0000, -1, M32),
    ("sub", 0, -1, 1),
    ("mov", 5, -1, M64),
    ("mov32", 5, -1, M32),
    ("mov", 0, 0x7FFF_FFFF, 0x7FFF_FFFF),
    ("or", 0, -(1 << 31), 0xFFFF_FFFF_8000_0000),
    ("or32", 0, -(1 << 31), INT32_MIN),
    ("and", M64, -2, M64 - 1),
    ("xor", M64, -1, 0),
    ("mul", 3, -1, M64 - 2),
    ("div", M64, -1, 1),
    ("div", 5, -1, 0),
    ("div", 5, 0, 0),
    ("div32", M64, -1, 1),
    ("mod", 5, 0, 5),
    ("mod32", 0xFFFF_FFFF_0000_0007, 0, 7),
    ("mod", 10, -1, 10),
    ("sdiv", INT64_MIN, -1, INT64_MIN),
    ("sdiv", 9, -3, -3 & M64),
    ("smod", INT64_MIN, -1, 0),
    ("smod", 9, 0, 9),
    ("sdiv32", INT32_MIN, -1, INT32_MIN),
    ("smod32", INT32_MIN, -1, 0),
    ("smod32", 0xFFFF_FFFF_0000_0009, 0, 9),
    ("lsh", 1, 63, INT64_MIN),
    ("lsh", 1, 64 + 3, 8),
    ("rsh", M64, 60, 15),
    ("arsh", INT64_MIN, 4, 0xF800_0000_0000_0000),
    ("arsh32", INT32_MIN, 4, 0xF800_0000),
    ("lsh32", 3, 31, INT32_MIN),
    ("rsh32", M64, 28, 15),
]


@pytest.mark.parametrize(("mnemonic", "a", "imm", "expected"), IMM_CASES)
def test_alu_immediate_operand(mnemonic: str, a: int, imm: int, expected: int) -> None:
    program = [lddw(0, a), insn(mnemonic, 0, imm=imm), EXIT]
    assert run_both(program) == expected


UNARY_CASES = [
    ("neg", 0, 0),
    ("neg", 1, M64),
    ("neg", INT64_MIN, INT64_MIN),
    ("neg32", 1, M32),
    ("neg32", 1 << 32, 0),
    ("neg32", INT32_MIN, INT32_MIN),
]


@pytest.mark.parametrize(("mnemonic", "a", "expected"), UNARY_CASES)
def test_neg(mnemonic: str, a: int, expected: int) -> None:
    assert run_both([lddw(0, a), insn(mnemonic, 0), EXIT]) == expected


MOVSX_CASES = [
    ("movsx8", 0x80, 0xFFFF_FFFF_FFFF_FF80),
    ("movsx8", 0x17F, 0x7F),
    ("movsx16", 0x8000, 0xFFFF_FFFF_FFFF_8000),
    ("movsx16", 0xFFFF_0001, 1),
    ("movsx32", INT32_MIN, 0xFFFF_FFFF_8000_0000),
    ("movsx32", 0x1_7FFF_FFFF, 0x7FFF_FFFF),
    ("movsx832", 0x80, 0xFFFF_FF80),
    ("movsx832", M64, M32),
    ("movsx1632", 0x8001, 0xFFFF_8001),
    ("movsx1632", 0x1_0000_7FFF, 0x7FFF),
]


@pytest.mark.parametrize(("mnemonic", "a", "expected"), MOVSX_CASES)
def test_movsx(mnemonic: str, a: int, expected: int) -> None:
    assert run_both([lddw(1, a), lddw(0, M64), insn(mnemonic, 0, 1), EXIT]) == expected


VALUE = 0x1122_3344_5566_7788
END_CASES = [
    ("le16", 0x7788),
    ("le32", 0x5566_7788),
    ("le64", VALUE),
    ("be16", 0x8877),
    ("be32", 0x8877_6655),
    ("be64", 0x8877_6655_4433_2211),
    ("bswap16", 0x8877),
    ("bswap32", 0x8877_6655),
    ("bswap64", 0x8877_6655_4433_2211),
]


@pytest.mark.parametrize(("mnemonic", "expected"), END_CASES)
def test_byte_order(mnemonic: str, expected: int) -> None:
    assert run_both([lddw(0, VALUE), insn(mnemonic, 0), EXIT]) == expected


def test_mov_register_to_itself_32_truncates() -> None:
    assert run_both([lddw(3, M64), insn("mov32", 3, 3), insn("mov", 0, 3), EXIT]) == M32


def test_lddw_loads_64_bits() -> None:
    assert run_both([lddw(0, 0x0123_4567_89AB_CDEF), EXIT]) == 0x0123_4567_89AB_CDEF


def test_registers_start_at_zero_except_r1_r2_r10() -> None:
    assert run_both([insn("mov", 0, 6), insn("add", 0, 7), insn("add", 0, 9), EXIT]) == 0
