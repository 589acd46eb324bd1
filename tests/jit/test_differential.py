"""The JIT against the interpreter on random programs: the same registers, memory, count or fault.

Programs come from the interpreter's own random-program strategy (every opcode of the table,
forward jumps, helper calls including bpf_loop callbacks and unknown ids, loads and stores around
the data region and the stack, atomics, local calls, callx, may_goto, unresolved lddw): both engines
run each at the same addresses (``tests.jit.harness``) and must agree on everything — the final
registers and instruction count, or the fault's type, pc and message — and on the bytes of the data
and of the stack afterwards.  Budgets small enough to run out mid-program check that the budget
error names the same instruction.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf.isa.instruction import Instruction
from tests.jit.harness import Pair
from tests.vm.test_random_programs import programs


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(), initial=st.binary(min_size=64, max_size=64))
def test_random_programs_agree(program: list[Instruction], initial: bytes) -> None:
    Pair(program, data=initial).compare(budget=3000)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(), initial=st.binary(min_size=64, max_size=64), budget=st.integers(0, 25))
def test_random_programs_agree_when_the_budget_runs_out(
    program: list[Instruction], initial: bytes, budget: int
) -> None:
    Pair(program, data=initial).compare(budget=budget)
