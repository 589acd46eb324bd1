"""Blocks reached only by a conditional jump's fall-through are written in place after the jump.

A chain of checks (``if ... goto out`` after ``if ... goto out``) then runs without going back to
the dispatch loop.  The budget is still charged per block, so a budget running out inside the chain
stops at the same instruction as the step-by-step path, and a nested block that turns out to be
the target of some jump is never nested.
"""

from __future__ import annotations

import pytest

import pybpf
from pybpf.errors import BudgetExceededError
from pybpf.vm import Interpreter
from pybpf.vm.codegen import MAX_NESTING

CHAIN = "\n".join(
    ["r0 = 0"]
    + [f"r0 += 1\nif r1 == {value} goto out" for value in range(1, 2 * MAX_NESTING + 3)]
    + ["r0 += 100", "out:", "exit"]
)


def test_a_chain_of_checks_is_nested_and_runs_alike() -> None:
    interpreter = Interpreter(pybpf.assemble(CHAIN))
    source = interpreter.python_source
    assert "    else:\n" in source and source.count("budget -= 2") == 2 * MAX_NESTING + 1
    for r1 in (0, 1, 2, MAX_NESTING, MAX_NESTING + 1, 2 * MAX_NESTING + 2, 99):
        fast = interpreter.execute(registers={1: r1})
        traced = interpreter.execute(registers={1: r1}, trace=lambda event: None)
        assert fast.retval == traced.retval
        assert fast.instructions == traced.instructions
        expected = r1 if 1 <= r1 <= 2 * MAX_NESTING + 2 else 2 * MAX_NESTING + 2 + 100
        assert fast.retval == expected


@pytest.mark.parametrize("budget", range(1, 12))
def test_the_budget_stops_inside_a_nested_block_at_the_same_instruction(budget: int) -> None:
    interpreter = Interpreter(pybpf.assemble(CHAIN))

    def stop(**kwargs: object) -> int | None:
        with pytest.raises(BudgetExceededError) as info:
            interpreter.execute(registers={1: 99}, budget=budget, **kwargs)  # type: ignore[arg-type]
        return info.value.pc

    assert stop() == stop(trace=lambda event: None)


def test_a_fall_through_that_is_also_a_jump_target_stays_a_leaf() -> None:
    source = """
        r0 = 1
        if r1 == 0 goto skip
        r0 = 2
    skip:
        if r1 == 1 goto two
    two:
        r0 += 10
        exit
    """
    interpreter = Interpreter(pybpf.assemble(source))
    assert [interpreter.run(registers={1: r1}) for r1 in (0, 1, 2)] == [11, 12, 12]
