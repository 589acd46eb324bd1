"""Hand-written edge programs compared between pybpf and the kernel, with the kernel's answer spelled out.

Each case is a body (result in r0, no exit) and the r0 the kernel returns for it, written down so that
the expected semantics are readable here: signed division overflow (INT_MIN / -1), division and modulo
by zero in both widths, sign extension (movsx, sign-extending loads, BPF_ST immediates), byte swaps,
jset, signed and unsigned comparisons at their boundaries, shift counts masked to the operand width,
atomics returning old values, and cmpxchg success and failure.
"""

from __future__ import annotations

import pytest

from pybpf.isa.instruction import Instruction
from tests.differential.kernel_harness import Comparator, KernelRunner
from tests.differential.program_gen import (
    alu,
    alu_op,
    atomic,
    endian,
    jmp,
    lddw,
    load,
    movsx,
    neg,
    store_imm,
    store_reg,
)

pytestmark = pytest.mark.kernel

U64 = (1 << 64) - 1
I64_MIN = 1 << 63
I32_MIN = 1 << 31


def binary(name: str, a: int, b: int, *, is64: bool = True, imm: bool = False) -> list[Instruction]:
    """r0 = a; r0 <name>= b (b in r1, or as the immediate)."""
    if imm:
        return [lddw(0, a), alu_op(name, 0, None, b, is64=is64)]
    return [lddw(0, a), lddw(1, b), alu_op(name, 0, 1, is64=is64)]


def branch(cond: str, a: int, b: int, *, jmp32: bool = False, imm: bool = False) -> list[Instruction]:
    """r0 = 1 if (a <cond> b) else 0."""
    test = jmp(cond, 1, 1, None, b, jmp32=jmp32) if imm else jmp(cond, 1, 1, 2, jmp32=jmp32)
    return [lddw(1, a), lddw(2, b), alu("mov", 0, imm=1), test, alu("mov", 0, imm=0)]


def on_stack(value: int, *insns: Instruction) -> list[Instruction]:
    """*(u64 *)(r10 - 8) = value, then ``insns``."""
    return [lddw(9, value), store_reg(8, -8, 9), *insns]


def cmpxchg(size: int, old: int, expected: int, new: int) -> list[Instruction]:
    """r0 = (stack value before, stack value after) of cmpxchg, packed as before ^ (after << 1)."""
    return [
        *on_stack(old),
        lddw(0, expected),
        lddw(1, new),
        atomic(size, "cmpxchg", -8, 1),
        load(8, 2, -8),  # r2 = memory after
        alu("lsh", 2, imm=1),
        alu("xor", 0, 2),
    ]


CASES: dict[str, tuple[list[Instruction], int]] = {
    # signed division overflow: the result is INT_MIN (sdiv) and 0 (smod), no trap
    "sdiv64 INT64_MIN/-1 reg": (binary("sdiv", I64_MIN, U64), I64_MIN),
    "sdiv64 INT64_MIN/-1 imm": (binary("sdiv", I64_MIN, -1, imm=True), I64_MIN),
    "smod64 INT64_MIN%-1 reg": (binary("smod", I64_MIN, U64), 0),
    "smod64 INT64_MIN%-1 imm": (binary("smod", I64_MIN, -1, imm=True), 0),
    "sdiv32 INT32_MIN/-1 reg": (binary("sdiv", 0xFFFF_FFFF_8000_0000, U64, is64=False), I32_MIN),
    "sdiv32 INT32_MIN/-1 imm": (binary("sdiv", I32_MIN, -1, is64=False, imm=True), I32_MIN),
    "smod32 INT32_MIN%-1 reg": (binary("smod", I32_MIN, 0xFFFF_FFFF, is64=False), 0),
    "smod32 INT32_MIN%-1 imm": (binary("smod", 0x1234_5678_8000_0000, -1, is64=False, imm=True), 0),
    # signed division truncates toward zero; the remainder takes the dividend's sign
    "sdiv64 -7/2": (binary("sdiv", -7 & U64, 2), -3 & U64),
    "smod64 -7%2": (binary("smod", -7 & U64, 2), -1 & U64),
    "smod64 7%-2": (binary("smod", 7, -2, imm=True), 1),
    "smod32 -7%2": (binary("smod", 0xFFFF_FFF9, 2, is64=False), 0xFFFF_FFFF),
    # division and modulo by zero: quotient 0, remainder the dividend (32-bit: zero-extended)
    "div64 by 0": (binary("div", 12345, 0), 0),
    "div32 by 0": (binary("div", 12345, 1 << 32, is64=False), 0),
    "sdiv64 by 0": (binary("sdiv", -5 & U64, 0), 0),
    "sdiv32 by 0": (binary("sdiv", 0xFFFF_FFFB, 0, is64=False), 0),
    "mod64 by 0": (binary("mod", 0xDEAD_BEEF_0000_0001, 0), 0xDEAD_BEEF_0000_0001),
    "mod32 by 0": (binary("mod", 0xDEAD_BEEF_0000_0001, 0xFFFF_FFFF_0000_0000, is64=False), 1),
    "smod64 by 0": (binary("smod", -5 & U64, 0), -5 & U64),
    "smod32 by 0": (binary("smod", 0xDEAD_BEEF_FFFF_FFFB, 0, is64=False), 0xFFFF_FFFB),
    # unsigned division immediates are sign-extended to 64 bits (ALU64) or used as u32 (ALU)
    "div64 by imm -1": (binary("div", U64, -1, imm=True), 1),
    "div64 small by imm -1": (binary("div", 12345, -1, imm=True), 0),
    "mod32 by imm -1": (binary("mod", 0xFFFF_FFFF_FFFF_FFFE, -1, is64=False, imm=True), 0xFFFF_FFFE),
    # shifts by a register use only the low 6 (64-bit) or 5 (32-bit) bits of the count
    "lsh64 by 65": (binary("lsh", 1, 65), 2),
    "rsh32 by 33": (binary("rsh", 0x8000_0000, 33, is64=False), 0x4000_0000),
    "arsh64 by 127": (binary("arsh", I64_MIN, 127), U64),
    "arsh32 negative": (binary("arsh", 0x8000_0000, 4, is64=False, imm=True), 0xF800_0000),
    # 32-bit operations zero-extend into the upper half
    "add32 wraps": (binary("add", 0xFFFF_FFFF_FFFF_FFFF, 1, is64=False, imm=True), 0),
    "mul32 truncates": (binary("mul", 0x1_0001_0001, 0x10000, is64=False), 0x1_0000),
    "mov32 imm -1": ([lddw(0, U64), alu("mov", 0, imm=-1, is64=False)], 0xFFFF_FFFF),
    "mov64 imm -1": ([alu("mov", 0, imm=-1)], U64),
    "neg32 INT32_MIN": ([lddw(0, 0xFFFF_FFFF_8000_0000), neg(0, is64=False)], I32_MIN),
    "neg64 1": ([lddw(0, 1), neg(0)], U64),
    # sign-extending moves
    "movsx64 8": ([lddw(1, 0x1234_5680), movsx(0, 1, 8)], 0xFFFF_FFFF_FFFF_FF80),
    "movsx64 16": ([lddw(1, 0x1234_8000), movsx(0, 1, 16)], 0xFFFF_FFFF_FFFF_8000),
    "movsx64 32": ([lddw(1, 0x1_8000_0000), movsx(0, 1, 32)], 0xFFFF_FFFF_8000_0000),
    "movsx64 8 positive": ([lddw(1, 0xFFFF_FF7F), movsx(0, 1, 8)], 0x7F),
    "movsx32 8": ([lddw(1, 0xFFFF_FFFF_0000_0080), movsx(0, 1, 8, is64=False)], 0xFFFF_FF80),
    "movsx32 16": ([lddw(1, 0x8000), movsx(0, 1, 16, is64=False)], 0xFFFF_8000),
    # byte order
    "bswap16": ([lddw(0, 0x1122_3344_5566_7788), endian("bswap", 0, 16)], 0x8877),
    "bswap32": ([lddw(0, 0x1122_3344_5566_7788), endian("bswap", 0, 32)], 0x8877_6655),
    "bswap64": ([lddw(0, 0x1122_3344_5566_7788), endian("bswap", 0, 64)], 0x8877_6655_4433_2211),
    "le16": ([lddw(0, 0x1122_3344_5566_7788), endian("le", 0, 16)], 0x7788),
    "le32": ([lddw(0, 0x1122_3344_5566_7788), endian("le", 0, 32)], 0x5566_7788),
    "le64": ([lddw(0, 0x1122_3344_5566_7788), endian("le", 0, 64)], 0x1122_3344_5566_7788),
    "be16": ([lddw(0, 0x1122_3344_5566_7788), endian("be", 0, 16)], 0x8877),
    "be32": ([lddw(0, 0x1122_3344_5566_7788), endian("be", 0, 32)], 0x8877_6655),
    "be64": ([lddw(0, 0x1122_3344_5566_7788), endian("be", 0, 64)], 0x8877_6655_4433_2211),
    # jset tests bits; JMP32 sees only the low 32 bits
    "jset64 high bit": (branch("jset", I64_MIN, I64_MIN), 1),
    "jset32 high bit ignored": (branch("jset", I64_MIN, I64_MIN, jmp32=True), 0),
    "jset64 imm sign-extended": (branch("jset", 1 << 40, -1, imm=True), 1),
    "jset no common bit": (branch("jset", 0xF0, 0x0F), 0),
    # signed and unsigned comparisons at the boundaries
    "jsgt INT64_MAX > INT64_MIN": (branch("jsgt", I64_MIN - 1, I64_MIN), 1),
    "jgt INT64_MAX > INT64_MIN (unsigned)": (branch("jgt", I64_MIN - 1, I64_MIN), 0),
    "jslt -1 < 0": (branch("jslt", U64, 0), 1),
    "jlt -1 < 0 (unsigned)": (branch("jlt", U64, 0), 0),
    "jsge equal": (branch("jsge", I64_MIN, I64_MIN), 1),
    "jsle imm -1": (branch("jsle", U64, -1, imm=True), 1),
    "jgt imm -1 sign-extended": (branch("jgt", U64 - 1, -1, imm=True), 0),
    "jge imm -1 sign-extended": (branch("jge", U64, -1, imm=True), 1),
    "jsgt32 INT32_MAX > INT32_MIN": (branch("jsgt", 0x7FFF_FFFF, I32_MIN, jmp32=True), 1),
    "jsgt32 ignores upper half": (branch("jsgt", 0x1_0000_0000, 0xFFFF_FFFF, jmp32=True), 1),
    "jslt32 imm INT32_MIN": (branch("jslt", I32_MIN, -(1 << 31), jmp32=True, imm=True), 0),
    "jeq32 imm -1": (branch("jeq", 0x5_FFFF_FFFF, -1, jmp32=True, imm=True), 1),
    "jeq64 imm -1 upper half differs": (branch("jeq", 0x5_FFFF_FFFF, -1, imm=True), 0),
    "jle32 unsigned": (branch("jle", 0x8000_0000, 0x7FFF_FFFF, jmp32=True), 0),
    # stack: sign-extending loads and BPF_ST immediates
    "ldxsb": (on_stack(0x80, load(1, 0, -8, signed=True)), 0xFFFF_FFFF_FFFF_FF80),
    "ldxsh": (on_stack(0x8001, load(2, 0, -8, signed=True)), 0xFFFF_FFFF_FFFF_8001),
    "ldxsw": (on_stack(0x8000_0000, load(4, 0, -8, signed=True)), 0xFFFF_FFFF_8000_0000),
    "ldxsw positive": (on_stack(0xFFFF_FFFF_7FFF_FFFF, load(4, 0, -8, signed=True)), 0x7FFF_FFFF),
    "ldxb upper byte": (on_stack(0x1122_3344_5566_7788, load(1, 0, -1)), 0x11),
    "stdw imm sign-extended": ([store_imm(8, -8, -2), load(8, 0, -8)], U64 - 1),
    "stw imm keeps upper half": (on_stack(U64, store_imm(4, -8, 0), load(8, 0, -8)), 0xFFFF_FFFF_0000_0000),
    # atomics return old values zero-extended to 64 bits
    "fetch add64": (
        on_stack(
            5,
            alu("mov", 0, imm=7),
            atomic(8, "add", -8, 0, fetch=True),
            load(8, 1, -8),
            alu("lsh", 1, imm=32),
            alu("or", 0, 1),
        ),
        (12 << 32) | 5,
    ),
    "fetch add32 old value": (on_stack(U64, lddw(0, U64), atomic(4, "add", -8, 0, fetch=True)), 0xFFFF_FFFF),
    "add32 carries stay in the word": (
        on_stack(0xFFFF_FFFF, alu("mov", 1, imm=1), atomic(4, "add", -8, 1), load(8, 0, -8)),
        0,
    ),
    "fetch and32": (
        on_stack(
            0xF0F0,
            alu("mov", 1, imm=0xFF),
            atomic(4, "and", -8, 1, fetch=True),
            load(8, 0, -8),
            alu("lsh", 0, imm=16),
            alu("or", 0, 1),
        ),
        0xF0_F0F0,
    ),
    "xchg64": (
        on_stack(
            0x1111,
            lddw(1, 0x2222),
            atomic(8, "xchg", -8, 1),
            load(8, 0, -8),
            alu("lsh", 0, imm=16),
            alu("or", 0, 1),
        ),
        0x2222_1111,
    ),
    "xchg32 high word kept": (
        on_stack(
            0xAAAA_AAAA_0000_0001,
            lddw(1, 0xFFFF_FFFF_0000_0002),
            atomic(4, "xchg", -8, 1),
            load(8, 0, -8),
            alu("add", 0, 1),
        ),
        0xAAAA_AAAA_0000_0003,
    ),
    # cmpxchg: r0 = old memory value either way; memory changes only when r0 matched
    "cmpxchg64 success": (cmpxchg(8, 10, 10, 20), 10 ^ (20 << 1)),
    "cmpxchg64 failure": (cmpxchg(8, 10, 11, 20), 10 ^ (10 << 1)),
    "cmpxchg32 success ignores r0 upper half": (cmpxchg(4, 10, (7 << 32) | 10, 20), 10 ^ (20 << 1)),
    "cmpxchg32 failure": (cmpxchg(4, (1 << 32) | 10, 11, 20), 10 ^ (((1 << 32) | 10) << 1)),
}


def bounded_loop_sum() -> list[Instruction]:
    """r0 = sum(1..10) with a backward jump the verifier accepts as a bounded loop."""
    return [
        alu("mov", 0, imm=0),
        alu("mov", 1, imm=10),
        alu("add", 0, 1),
        alu("add", 1, imm=-1),
        jmp("jne", 1, -3, None, 0),
    ]


CASES["bounded loop"] = (bounded_loop_sum(), 55)


@pytest.mark.parametrize("name", list(CASES))
def test_edge_case(differential: Comparator, name: str) -> None:
    body, expected = CASES[name]
    assert differential(body) == expected


@pytest.mark.parametrize("name", ["bswap64", "sdiv64 INT64_MIN/-1 reg", "cmpxchg64 success"])
def test_edge_cases_as_xdp(xdp_kernel: KernelRunner, name: str) -> None:
    """The kernel's answer does not depend on the program type the harness uses."""
    body, expected = CASES[name]
    assert xdp_kernel.run(body) == expected
