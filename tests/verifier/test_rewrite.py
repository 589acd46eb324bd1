"""The context rewrite keeps every branch right: the patched program computes what the original did.

The program type's convert_ctx_access is replaced by an identity rewrite that expands each context
access into three instructions (``goto +0; insn; goto +0``), so every jump, loop back-edge and
bpf-to-bpf call that crosses one must be re-aimed exactly as the kernel's bpf_adj_branches() does.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf.helpers import default_registry
from pybpf.isa import assemble
from pybpf.isa.instruction import Instruction
from pybpf.kernel.prog_run import ENGINES, selected_engine
from pybpf.memory.regions import Memory
from pybpf.verifier import VerifierError, verify
from pybpf.verifier.patch import patch_program
from pybpf.verifier.state import VerifierState
from tests.verifier.stubs import FakeMap, make_request

pytestmark = pytest.mark.usefixtures("engine")  # the programs run on each engine (tests/conftest.py)

NOP = Instruction(0x05)


def run(insns: list[Instruction], mem: bytearray) -> int:
    """r0 of ``insns`` run on the test's engine with r1 = ``mem`` (r2 its length)."""
    executable = ENGINES[selected_engine()](insns, helpers=default_registry(), memory=Memory(), resolved={})
    return int(executable.run(mem))  # type: ignore[attr-defined]  # both engines' raw ``run``


def expand(insn: Instruction) -> list[Instruction]:
    return [NOP, insn, NOP]


PROGRAM = """
    r6 = r1
    r8 = 0
    r7 = 0
loop:
    r2 = *(u32 *)(r6 + 0)
    r8 += r2
    r1 = r6
    call add_one
    r8 += r0
    r7 += 1
    if r7 < 4 goto loop
    r3 = *(u32 *)(r6 + 4)
    if r3 > 100 goto skip
    r4 = *(u32 *)(r6 + 8)
    r8 += r4
    r1 = map_fd(3) ll
skip:
    r0 = r8
    if r0 == 7777 goto set99
    gotol end
set99:
    r0 = 99
end:
    exit
add_one:
    r5 = *(u32 *)(r1 + 12)
    r0 = 1
    exit
"""


MAP_ADDRESS = 0x7F0000000000


def _baseline() -> list[Instruction]:
    """PROGRAM with its map lddw already a constant, as the interpreter runs it."""
    return [Instruction.lddw(i.dst, MAP_ADDRESS) if i.is_lddw else i for i in assemble(PROGRAM)]


def _mem(a: int, b: int, c: int, d: int) -> bytearray:
    return bytearray(struct.pack("<4I", a, b, c, d))


def test_rewrite_keeps_branches() -> None:
    program = assemble(PROGRAM)
    request = make_request(program, rewrite=expand, maps={3: FakeMap(MAP_ADDRESS, 1)})
    result = verify(request)
    ptype = request.prog_type
    converted = getattr(ptype, "converted")  # noqa: B009 - the stub records what it was asked
    assert len(converted) == 4  # the callee's r1 is the context on every call
    assert len(result.insns) == len(program) + 2 * 4
    assert result.subprogs == [0, 27]
    assert list(result.resolved) == [20]  # lddw at slot 14, after three 3-insn expansions
    for values in ((1, 2, 3, 4), (5, 200, 7, 8), (0, 100, 0xFFFF, 0)):
        assert run(result.insns, _mem(*values)) == run(_baseline(), _mem(*values))


@settings(max_examples=12, deadline=None)
@given(st.lists(st.booleans(), min_size=7, max_size=7), st.integers(0, 2**32 - 1))
def test_any_subset_rewritten(which: list[bool], seed: int) -> None:
    """Patch any subset of the non-branch instructions: same result on the interpreter.

    (A replacement's own jumps are relative to the replacement, as in the kernel's patch buffers, so
    branch instructions themselves are never patched.)"""
    program = _baseline()
    state = VerifierState.create(make_request(program))
    plain = [
        i for i, insn in enumerate(program) if insn.opcode & 0x07 not in (0x05, 0x06) or insn.opcode == 0x95
    ]
    chosen = [i for i, flag in zip(plain[::2], which, strict=False) if flag]
    patches = {i: expand(program[i]) for i in chosen}
    patch_program(state, patches)
    mem = _mem(seed & 0xFF, (seed >> 8) & 0xFF, seed >> 16, 3)
    assert run(state.insns, mem) == run(program, mem)


def test_rewrite_out_of_16_bit_range_is_enomem() -> None:
    # 32765 slots; the odd one a move, not a ``goto +0`` that opt_remove_nops() would remove
    pad = [Instruction.lddw(0, 0)] * 16382 + [Instruction(0xB7, 2)]
    far = [
        Instruction(0xBF, 6, 1),  # r6 = r1
        Instruction(0x85, imm=7),  # call bpf_get_prandom_u32: an unknown r0
        Instruction(0x15, off=32766),  # if r0 == 0 goto exit
        Instruction(0x61, 0, 6),  # r0 = *(u32 *)(r6 + 0): a ctx load to rewrite
        *pad,
        Instruction(0x95),
    ]
    with pytest.raises(VerifierError) as info:
        verify(make_request(far, rewrite=expand))
    assert info.value.errno == 12
    assert "cannot be patched due to 16-bit range" in info.value.log
