"""The fast copies of loops (``pybpf.jit.lower``): the budget checked at checkpoints, not per block.

A block on a cycle of the control flow has a fast copy that only charges the budget; a checkpoint
checks that the budget covers its longest path to the next checkpoint and otherwise continues in
the checked blocks, which count to the exact instruction.  So every budget — from none left to more
than the run needs — must end the run where the interpreter ends it, with the same registers,
memory and instruction count: loops of several blocks, nested loops, loops through bpf-to-bpf
calls, may_goto, loops whose helper charges the budget always, sometimes or never (a fast copy
that called out goes on in the checked blocks once Python charged), faults inside a loop.
"""

from __future__ import annotations

import pytest

from pybpf.errors import BudgetExceededError, MemoryAccessError
from pybpf.helpers import HelperContext, HelperRegistry, default_registry
from pybpf.isa import assemble
from pybpf.isa.instruction import encode_program, validate_program
from pybpf.isa.program import ProgramView
from pybpf.jit.cost import BLOCK_COST
from pybpf.jit.kinds import LOWERERS
from pybpf.jit.lower import FAST_MAX_COST, Lowering
from pybpf.vm.translation import translation_for
from tests.jit.harness import both, r0

BRANCHY = """
    r0 = 0
    r6 = 0
loop:
    r2 = r6
    r2 &= 3
    if r2 == 0 goto even
    r0 += r6
    *(u64 *)(r10 - 8) = r0
    goto next
even:
    r0 ^= r6
    r3 = *(u64 *)(r10 - 8)
    r0 += r3
next:
    r6 += 1
    if r6 < 40 goto loop
    exit
"""

NESTED = """
    r0 = 0
    r6 = 0
outer:
    r7 = 0
inner:
    r0 += r7
    *(u8 *)(r1 + 3) = r0
    r7 += 1
    if r7 < 6 goto inner
    r6 += 1
    if r6 < 5 goto outer
    exit
"""

CALLS = """
    r6 = 0
    r0 = 0
loop:
    r1 = r6
    call twice
    r0 += r6
    r6 += 1
    if r6 < 12 goto loop
    exit
twice:
    r0 = r1
    r0 <<= 1
    *(u64 *)(r10 - 16) = r0
    call once
    exit
once:
    r0 += 1
    exit
"""

MAY_GOTO = """
    r0 = 0
loop:
    r0 += 1
    may_goto done
    if r0 < 30 goto loop
done:
    exit
"""

CHARGING_LOOP = """
    r6 = 0
loop:
    r1 = 2
    call 1000
    r6 += 1
    if r6 < 8 goto loop
    r0 = r6
    exit
"""

SOMETIMES_CHARGING_LOOP = """
    r6 = 0
    r7 = 0
loop:
    r1 = r6
    r1 &= 3
    r1 >>= 1
    call 1000
    r7 += r0
    r1 = 0
    call 1000
    r6 += 1
    if r6 < 12 goto loop
    r0 = r7
    exit
"""

FAULTING_LOOP = """
    r6 = 0
loop:
    r2 = r1
    r2 += r6
    r0 = *(u8 *)(r2 + 0)
    r6 += 8
    goto loop
"""


def _charging() -> HelperRegistry:
    registry = default_registry()

    @registry.helper(1000)
    def charging(ctx: HelperContext, units: int, *args: int) -> int:
        ctx.charge(units)
        return units

    return registry


def _run_out_everywhere(text: str, **kwargs: object) -> int:
    """Run ``text`` with every budget up to the one it needs (asserting the engines agree on each);
    the instructions the finished run took."""
    finished = both(assemble(text), budget=None, **kwargs)  # type: ignore[arg-type]
    assert finished.result[0] == "ok", finished.result
    needed: int = finished.result[2]
    for budget in range(needed + 2):
        outcome = both(assemble(text), budget=budget, **kwargs)  # type: ignore[arg-type]
        assert (outcome.result[0] is BudgetExceededError) == (budget < needed), (budget, outcome.result)
    return needed


@pytest.mark.parametrize(
    "text", [BRANCHY, NESTED, CALLS, MAY_GOTO], ids=["branchy", "nested", "calls", "may_goto"]
)
def test_every_budget_ends_where_the_interpreter_ends(text: str) -> None:
    _run_out_everywhere(text)


def test_a_loop_whose_helper_charges_the_budget() -> None:
    _run_out_everywhere(CHARGING_LOOP, helpers=_charging())


def test_a_loop_whose_helper_charges_the_budget_on_some_rounds_only() -> None:
    # rounds 2 and 3 of every 4 charge a unit, the others and the second call nothing
    needed = _run_out_everywhere(SOMETIMES_CHARGING_LOOP, helpers=_charging())
    assert needed == 2 + 12 * 9 + 2 + 6  # the instructions, and the six charged units
    assert r0(both(assemble(SOMETIMES_CHARGING_LOOP), budget=None, helpers=_charging())) == 6


def test_a_fault_inside_a_fast_loop_names_its_instruction() -> None:
    for budget in (None, 10, 37, 200):
        result = both(assemble(FAULTING_LOOP), budget=budget).result
        assert result[0] in (MemoryAccessError, BudgetExceededError)
    assert both(assemble(FAULTING_LOOP), budget=None).result[0] is MemoryAccessError


def test_the_results_are_the_interpreters() -> None:
    assert r0(both(assemble(CALLS), budget=None)) == 2 * 11 + 1 + 11  # the last round's call, plus r6


def _plan(text: str) -> Lowering:
    """The lowering of ``text`` as the JIT builds it (its blocks the interpreter's)."""
    program = assemble(text)
    view = ProgramView(program)
    specs = validate_program(program, view)
    helper_ids = {1000}
    leaders = translation_for(
        encode_program(program), view, specs, resolved={}, helper_ids=helper_ids
    ).leaders
    lowering = Lowering(view, specs, leaders=leaders, resolved={}, helper_ids=helper_ids, lowerers=LOWERERS)
    lowering.lower()
    return lowering


def test_loops_have_fast_copies_and_straight_code_none() -> None:
    plan = _plan(BRANCHY)
    assert plan._fast_region and plan._checkpoints
    # the loop's header is the one checkpoint, and it needs its longest way round: 3 + 3 + 2 instructions
    assert list(plan._checkpoints.values()) == [8]
    assert not _plan("r0 = 1\nr0 += 2\nexit")._fast_region
    # a helper may charge the budget: the fast copy goes on in the checked blocks when it did
    charging = _plan(CHARGING_LOOP)
    assert charging._fast_region and "_if_uncharged" in str(charging.module)


def _long_loop(tests: int) -> str:
    """A loop of ``tests`` blocks (a conditional jump each)."""
    body = "".join("    r0 += 1\n    if r0 == 7 goto +0\n" for _ in range(tests))
    return f"    r0 = 0\nloop:\n{body}    if r0 < 5000 goto loop\n    exit\n"


def test_loops_costing_llvm_too_much_have_no_fast_copies() -> None:
    assert _plan(_long_loop(20))._fast_region
    assert not _plan(_long_loop(FAST_MAX_COST // BLOCK_COST))._fast_region
