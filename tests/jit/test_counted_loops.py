"""Counted loops (``pybpf.jit.counted_loops``): the budget checked once on entry, not per way round.

An innermost loop stepped by one ``r += imm`` and left by a test of that register gets a copy
without any budget check, entered when the budget covers every way round the counter allows on
entry; otherwise the fast copies check it each way round.  A copy that cannot fault (its memory
accesses proven) charges only the edges off the shortest way round: the edges leaving it charge
the rest, from what the counter counted.  Every budget — none left, too little for the whole
loop, more than the run needs — must end the run where the interpreter ends it, with the same
instruction count, for each relation of the exit test (64- and 32-bit, signed, counting down,
against a register), a counter that starts past its bound, one that never meets it (the loop runs
until the budget does), loops left early by another exit, and a counted loop inside another loop;
with and without the verifier's facts.
"""

from __future__ import annotations

import pytest

from pybpf.errors import BudgetExceededError
from pybpf.isa import assemble
from pybpf.isa.instruction import encode_program, validate_program
from pybpf.isa.opcodes import Kind
from pybpf.isa.program import ProgramView
from pybpf.jit import JitProgram
from pybpf.jit.kinds import LOWERERS
from pybpf.jit.lower import Lowering
from pybpf.vm.translation import translation_for
from tests.jit.harness import Outcome, Pair, r0

MEMORY = frozenset({Kind.LDX, Kind.LDXSX, Kind.ST, Kind.STX})


def _accesses(text: str) -> frozenset[int]:
    """The slots of the memory accesses of ``text`` (all in bounds in these tests: the verifier's
    facts a verified program would have)."""
    program = assemble(text)
    view = ProgramView(program)
    specs = validate_program(program, view)
    return frozenset(view.starts[i] for i, spec in enumerate(specs) if spec.kind in MEMORY)


def _both(text: str, budget: int | None, proven: bool, data: bytes = bytes(64)) -> Outcome:
    """Run ``text`` on both engines (the JIT with its accesses proven, or not); they must agree."""
    program = assemble(text)
    pair = Pair(program, data=data)
    if proven:
        pair.jit = JitProgram(program, memory=pair.memory, facts=_accesses(text))
        pair.jit.code_base = pair.interpreter.code_base
    return pair.compare(budget)


def _run_out_everywhere(text: str, proven: bool, data: bytes = bytes(64)) -> int:
    """Run ``text`` with every budget up to the one it needs; the instructions the finished run took."""
    finished = _both(text, None, proven, data)
    assert finished.result[0] == "ok", finished.result
    needed: int = finished.result[2]
    for budget in range(needed + 2):
        outcome = _both(text, budget, proven, data)
        assert (outcome.result[0] is BudgetExceededError) == (budget < needed), (budget, outcome.result)
    return needed


def _plan(text: str, proven: bool = False) -> Lowering:
    """The lowering of ``text`` as the JIT builds it."""
    program = assemble(text)
    view = ProgramView(program)
    specs = validate_program(program, view)
    leaders = translation_for(encode_program(program), view, specs, resolved={}, helper_ids={1000}).leaders
    lowering = Lowering(
        view, specs, leaders=leaders, resolved={}, helper_ids={1000}, lowerers=LOWERERS,
        proven=_accesses(text) if proven else frozenset(),
    )  # fmt: skip
    lowering.lower()
    return lowering


def _loop(init: str, step: str, test: str, *, before: bool = False) -> str:
    """A loop of two blocks summing its counter r6 into r0; the test after the step, or (``before``)
    at the header, before the step."""
    if before:
        return f"""
    r0 = 0
    r7 = 7
    {init}
loop:
    {test.replace("goto loop", "goto body")}
    exit
body:
    r0 += r6
    *(u64 *)(r10 - 8) = r0
    {step}
    goto loop
"""
    return f"""
    r0 = 0
    r7 = 7
    {init}
loop:
    r0 += r6
    r2 = r0
    r2 &= 1
    if r2 == 0 goto even
    r0 += 3
    goto join
even:
    r0 ^= 5
    r0 += 1
join:
    *(u64 *)(r10 - 8) = r0
    {step}
    {test}
    exit
"""


SHAPES = {
    "ne_up": _loop("r6 = 0", "r6 += 1", "if r6 != 12 goto loop"),
    "ne_up_by_3": _loop("r6 = 1", "r6 += 3", "if r6 != 31 goto loop"),
    "ne_down": _loop("r6 = 40", "r6 -= 4", "if r6 != 0 goto loop"),
    "lt": _loop("r6 = 0", "r6 += 5", "if r6 < 52 goto loop"),
    "le": _loop("r6 = 2", "r6 += 2", "if r6 <= 20 goto loop"),
    "gt_down": _loop("r6 = 30", "r6 += -3", "if r6 > 4 goto loop"),
    "ge_down": _loop("r6 = 30", "r6 -= 2", "if r6 >= 9 goto loop"),
    "bound_first": _loop("r6 = 0", "r6 += 1", "if r7 > r6 goto loop"),
    "register_bound": _loop("r6 = 0\n    r7 = 11", "r6 += 1", "if r6 < r7 goto loop"),
    "signed": _loop("r6 = -9", "r6 += 2", "if r6 s< 9 goto loop"),
    "signed_down": _loop("r6 = 5", "r6 -= 1", "if r6 s>= -6 goto loop"),
    "jmp32": _loop("r6 = 0xfffffff0 ll", "r6 += 2", "if w6 != 12 goto loop"),
    "jmp32_signed": _loop("r6 = -3", "r6 += 1", "if w6 s< 8 goto loop"),
    "exit_is_taken": _loop("r6 = 0", "r6 += 1", "if r6 == 14 goto +1\n    goto loop"),
    "test_before_step": _loop("r6 = 0", "r6 += 1", "if r6 < 13 goto loop", before=True),
    "starts_past_bound": _loop("r6 = 100", "r6 += 1", "if r6 < 13 goto loop"),
    "near_the_top": _loop("r6 = -20", "r6 += 4", "if r6 < -4 goto loop"),
}


UNEVEN = """
    r0 = 0
    r6 = 0
loop:
    r2 = r6
    r2 &= 3
    if r2 == 0 goto short
    r0 += r6
    r0 *= 3
    r0 &= 0xffff
short:
    *(u64 *)(r10 - 8) = r0
    r6 += 1
    if r6 < 21 goto loop
    exit
"""
SHAPES["uneven_ways_round"] = UNEVEN
PURE = """
    r0 = 1
    r6 = 100
loop:
    r0 *= 3
    if r0 & 8 goto odd
    r0 ^= r6
odd:
    r0 &= 0xfffff
    r6 -= 3
    if r6 s> 7 goto loop
    exit
"""
SHAPES["registers_only"] = PURE
SHAPES["uneven_with_an_early_exit"] = """
    r0 = 0
    r6 = 0
loop:
    r2 = r6
    r2 &= 3
    if r2 == 1 goto long
    r0 += 1
    goto join
long:
    r0 += r6
    r0 *= 7
    r0 &= 0xffff
    if r0 > 40000 goto out
join:
    *(u64 *)(r10 - 8) = r0
    r6 += 1
    if r6 < 33 goto loop
out:
    exit
"""


@pytest.mark.parametrize("proven", [False, True], ids=["checked_accesses", "proven_accesses"])
@pytest.mark.parametrize("text", SHAPES.values(), ids=SHAPES.keys())
def test_every_budget_ends_where_the_interpreter_ends(text: str, proven: bool) -> None:
    plan = _plan(text, proven)
    assert plan._counted, "the loop is counted"
    # the copy leaves its charges to the edges leaving it when nothing in it can fault
    assert bool(plan._uncharged) == (proven or text == PURE)
    _run_out_everywhere(text, proven)


NEVER_MEETS = {
    "ne_skips_the_bound": _loop("r6 = 0", "r6 += 2", "if r6 != 7 goto loop"),
    "le_top": _loop("r6 = -5", "r6 += 1", "if r6 <= -1 goto loop"),
    "lt_wraps": _loop("r6 = -5", "r6 += 3", "if r6 < -1 goto loop"),
}


@pytest.mark.parametrize("text", NEVER_MEETS.values(), ids=NEVER_MEETS.keys())
def test_a_counter_that_never_leaves_runs_out_of_budget_where_the_interpreter_does(text: str) -> None:
    assert _plan(text)._counted
    for budget in (0, 1, 5, 17, 100, 333, 1000):
        for proven in (False, True):
            assert _both(text, budget, proven).result[0] is BudgetExceededError


EARLY_EXIT = """
    r0 = 0
    r6 = 0
loop:
    r3 = *(u8 *)(r1 + 5)
    r0 += r3
    if r0 > 1000 goto out
    r6 += 1
    if r6 != 10000 goto loop
out:
    exit
"""

NESTED = """
    r0 = 0
    r8 = 0
outer:
    r6 = r8
inner:
    r0 += r6
    *(u8 *)(r1 + 3) = r0
    r6 += 1
    if r6 < 7 goto inner
    r8 += 1
    if r8 < 5 goto outer
    exit
"""


def test_a_loop_left_early_by_another_exit() -> None:
    # the counter allows 10,000 rounds: a budget below that takes the checked way round, and the
    # loop leaves after 200 or so rounds either way
    data = bytes(5) + b"\x05" + bytes(58)
    assert _plan(EARLY_EXIT)._counted and _plan(EARLY_EXIT, proven=True)._uncharged
    for proven in (False, True):
        needed = _run_out_everywhere(EARLY_EXIT, proven, data)
        assert r0(_both(EARLY_EXIT, None, proven, data)) == 1005
        assert r0(_both(EARLY_EXIT, needed + 10 * 5 * 10000, proven, data)) == 1005


def test_a_counted_loop_inside_another_loop() -> None:
    plan = _plan(NESTED)
    assert [loop.counter for loop in plan._counted.values()] == [6]  # the outer loop holds a checkpoint
    for proven in (False, True):
        _run_out_everywhere(NESTED, proven)


NOT_COUNTED = {
    "stepped_twice": _loop("r6 = 0", "r6 += 1\n    r6 += 1", "if r6 < 12 goto loop"),
    "stepped_by_a_register": _loop("r6 = 0", "r6 += r7", "if r6 < 70 goto loop"),
    "bound_changes": _loop("r6 = 0", "r6 += 1\n    r7 += 1", "if r6 < r7 goto loop"),
    "stepped_on_one_way_only": """
    r0 = 0
    r6 = 0
loop:
    r0 += 1
    if r0 & 1 goto skip
    r6 += 1
skip:
    if r6 < 9 goto loop
    exit
""",
    "equality_stays": _loop("r6 = 0", "r6 += 1", "if r6 == 1 goto loop"),
    "calls_a_helper": """
    r6 = 0
loop:
    call 1000
    r6 += 1
    if r6 < 8 goto loop
    exit
""",
}


@pytest.mark.parametrize("text", NOT_COUNTED.values(), ids=NOT_COUNTED.keys())
def test_loops_the_count_cannot_bound_are_not_counted(text: str) -> None:
    assert _plan(text)._fast_region and not _plan(text)._counted
