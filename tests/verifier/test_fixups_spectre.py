"""do_misc_fixups()' masking of sanitized pointer arithmetic, run on both engines.

``fixups_spectre.masked_alu`` rewrites ``dst += src`` / ``dst -= src`` into the branch-free sequence
on the hidden register AX (r11): an offset within ``alu_limit`` moves the pointer as before, one
outside it (what a mispredicted bounds check lets through) moves it by 0.  Here the sequences run on
plain numbers, in the interpreter and the JIT (both give AX a register of their own, and take the
barrier ``nospec`` for a no-op), against what the masking must give; the kernel's own xlated code
and results are compared in ``test_spectre.py``.
"""

from __future__ import annotations

import pytest

import pybpf
from pybpf.isa import Instruction
from pybpf.jit import JitProgram
from pybpf.verifier.fixups_spectre import NOSPEC, masked_alu
from pybpf.verifier.sanitize import (
    BPF_ALU_IMMEDIATE,
    BPF_ALU_NEG_VALUE,
    BPF_ALU_SANITIZE_DST,
    BPF_ALU_SANITIZE_SRC,
)
from pybpf.vm import Interpreter

BASE = 0x1000
LIMIT = 7


def _run(engine: str, body: list[Instruction]) -> int:
    program = [*body, *pybpf.assemble("exit")]
    runner = Interpreter(program) if engine == "interpreter" else JitProgram(program)
    return runner.run()


def _program(insn: str, offset: int, state: int, *, offset_in_dst: bool = False) -> list[Instruction]:
    """r0 = BASE (the pointer), r1 = ``offset``; the masked ``insn``; then ``nospec`` and r0 - BASE
    (how far the pointer moved), plus r1 (the offset register must be left as it was) times 2**32."""
    setup = pybpf.assemble(f"r0 = {BASE}\nr1 = {offset}")
    masked = masked_alu(pybpf.assemble(insn)[0], state, LIMIT)
    tail = pybpf.assemble(f"r0 -= {BASE}\nw0 = w0\nr1 <<= 32\nr0 |= r1")
    if offset_in_dst:  # r1 = r1 + r0: the pointer in the source, the offset in the destination
        tail = pybpf.assemble(f"r0 = r1\nr0 -= {BASE}")
    return [*setup, *masked, NOSPEC, *tail]


ENGINES = ["interpreter", "jit"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("offset", [0, 3, LIMIT, LIMIT + 1, 1 << 20, -1 & 0xFFFFFFFF])
def test_add_moves_by_the_offset_only_within_the_limit(engine: str, offset: int) -> None:
    moved = offset if offset <= LIMIT else 0
    assert _run(engine, _program("r0 += r1", offset, BPF_ALU_SANITIZE_SRC)) == moved | offset << 32


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("offset", [0, 5, LIMIT, LIMIT + 1])
def test_sub_moves_back_only_within_the_limit(engine: str, offset: int) -> None:
    moved = -offset & 0xFFFFFFFF if offset <= LIMIT else 0
    assert _run(engine, _program("r0 -= r1", offset, BPF_ALU_SANITIZE_SRC)) == moved | offset << 32


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("offset", [1, LIMIT, LIMIT + 1])
def test_negative_offset_turns_the_operation_and_restores_the_register(engine: str, offset: int) -> None:
    """``ptr += off`` with a negative ``off``: made positive, subtracted, made negative again."""
    negative = -offset & 0xFFFFFFFFFFFFFFFF
    state = BPF_ALU_SANITIZE_SRC | BPF_ALU_NEG_VALUE
    body = _program("r0 += r1", 0, state)
    body[1:2] = pybpf.assemble(f"r1 = {negative} ll")
    moved = -offset & 0xFFFFFFFF if offset <= LIMIT else 0
    assert _run(engine, body) == moved | (negative << 32 & 0xFFFFFFFFFFFFFFFF)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("offset", [2, LIMIT + 3])
def test_offset_in_the_destination(engine: str, offset: int) -> None:
    """``off += ptr``: the pointer moved into the destination, then the masked offset added."""
    body = _program("r1 += r0", offset, BPF_ALU_SANITIZE_DST, offset_in_dst=True)
    assert _run(engine, body) == (offset if offset <= LIMIT else 0)


@pytest.mark.parametrize("engine", ENGINES)
def test_constant_offset_is_the_limit_itself(engine: str) -> None:
    """A constant offset: AX = the move recorded (``alu_limit``), whatever the register holds."""
    body = _program("r0 += r1", 3, BPF_ALU_SANITIZE_SRC | BPF_ALU_IMMEDIATE)
    assert (
        len(masked_alu(pybpf.assemble("r0 += r1")[0], BPF_ALU_SANITIZE_SRC | BPF_ALU_IMMEDIATE, LIMIT)) == 2
    )
    assert _run(engine, body) == LIMIT | 3 << 32
