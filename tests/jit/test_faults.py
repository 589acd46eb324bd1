"""Faults on the JIT are the interpreter's: the same exception type, pc and message, the same memory.

Each program runs on both engines at the same addresses (``tests.jit.harness``) and must end the
same way: out-of-bounds and NULL loads and stores, writes to read-only memory, accesses below the
frames in use, the budget running out (in a loop, inside a block, inside a callee, through helper
charges), the call depth, helper failures, unknown helpers, misaligned atomics.
"""

from __future__ import annotations

import pytest

from pybpf.errors import BudgetExceededError, CallDepthError, HelperError, MemoryAccessError
from pybpf.helpers import HelperContext, HelperRegistry, default_registry
from pybpf.isa import assemble
from pybpf.vm.trace import TraceEvent
from tests.jit.harness import Pair, both, r0

LOOP = """
    r0 = 0
loop:
    r0 += 1
    *(u64 *)(r10 - 8) = r0
    r2 = *(u64 *)(r10 - 8)
    if r0 < 1000 goto loop
    exit
"""


def _fault(text: str, **kwargs: object) -> tuple[object, ...]:
    outcome = both(assemble(text), **kwargs)  # type: ignore[arg-type]
    assert outcome.result[0] != "ok", outcome.result
    return outcome.result


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("r0 = *(u64 *)(r1 + 60)\nexit", MemoryAccessError),  # 4 bytes past the data
        ("*(u32 *)(r1 + 64) = 1\nexit", MemoryAccessError),
        ("r0 = *(u8 *)(r1 - 1)\nexit", MemoryAccessError),
        ("r1 = 0\nr0 = *(u64 *)(r1 + 16)\nexit", MemoryAccessError),  # NULL
        ("r0 = *(u64 *)(r10 - 520)\nexit", MemoryAccessError),  # below the frame in use
        ("r0 = *(u64 *)(r10 + 0)\nexit", MemoryAccessError),  # the stack's top
        ("r2 = 1\nlock *(u64 *)(r1 + 3) += r2\nr0 = *(u64 *)(r1 + 3)\nexit", None),  # misaligned: ok
        ("r2 = 1\nlock *(u64 *)(r1 + 60) += r2\nexit", MemoryAccessError),
        ("r0 = load_acquire((u64 *)(r1 + 61))\nexit", MemoryAccessError),
    ],
)
def test_memory_faults_match(text: str, error: type | None) -> None:
    outcome = both(assemble(text))
    if error is None:
        assert outcome.result[0] == "ok"
    else:
        assert outcome.result[0] is error


def test_a_read_only_region_refuses_writes() -> None:
    pair = Pair(assemble("r1 = *(u64 *)(r1 + 0)\n*(u64 *)(r6 + 0) = r1\nexit"))
    read_only = pair.memory.add_region(bytes(16), writable=False, name="ro")
    result = pair.compare(registers={6: read_only.start}).result  # type: ignore[arg-type]
    assert result[0] is MemoryAccessError and "read-only" in result[2]


@pytest.mark.parametrize("budget", [0, 1, 2, 3, 5, 8, 13, 100, 1001, 4003])
def test_the_budget_runs_out_at_the_same_instruction(budget: int) -> None:
    outcome = both(assemble(LOOP), budget=budget)
    if outcome.result[0] != "ok":
        assert outcome.result[0] is BudgetExceededError


def test_the_budget_is_exact_for_a_finished_run() -> None:
    assert r0(both(assemble(LOOP), budget=None)) == 1000


def test_call_depth() -> None:
    result = _fault("call f\nexit\nf:\ncall f\nexit")
    assert result[0] is CallDepthError and result[1] == 2


def test_budget_inside_a_callee() -> None:
    text = "r6 = 0\ncall f\nexit\nf:\nr6 += 1\n*(u64 *)(r10 - 8) = r6\ncall f\nexit"
    for budget in range(0, 20):
        outcome = both(assemble(text), budget=budget)
        assert outcome.result[0] in (BudgetExceededError, CallDepthError)


def _registry() -> HelperRegistry:
    registry = default_registry()

    @registry.helper(1000)
    def charging(ctx: HelperContext, units: int, *args: int) -> int:
        ctx.charge(units)
        return units

    @registry.helper(1001)
    def failing(ctx: HelperContext, *args: int) -> int:
        raise ValueError("broken helper")

    @registry.helper(1002)
    def reading(ctx: HelperContext, address: int, *args: int) -> int:
        return ctx.memory.load(address, 8)

    return registry


@pytest.mark.parametrize("budget", [2, 5, 6, 7, 10, 40, 200])
def test_helper_charges_count_like_the_interpreters(budget: int) -> None:
    program = assemble("r1 = 3\ncall 1000\nr1 = 30\ncall 1000\nr0 += 1\nexit")
    outcome = both(program, helpers=_registry(), budget=budget)
    if outcome.result[0] != "ok":
        assert outcome.result[0] is BudgetExceededError


def test_helper_failures_name_the_call() -> None:
    result = _fault("r0 = 0\ncall 1001\nexit", helpers=_registry())
    assert result[0] is HelperError and result[1] == 1
    result = _fault("r0 = 0\ncall 4242\nexit", helpers=_registry())
    assert result[0] is HelperError and "unknown helper" in result[2]


def test_a_helper_reads_the_frame_of_a_callee() -> None:
    text = "call f\nexit\nf:\nr1 = 77\n*(u64 *)(r10 - 8) = r1\nr1 = r10\nr1 += -8\ncall 1002\nexit"
    assert r0(both(assemble(text), helpers=_registry())) == 77
    text = "call f\nexit\nf:\nr1 = r10\nr1 += 8\ncall 1002\nexit"  # the caller's frame: allowed
    assert both(assemble(text), helpers=_registry()).result[0] == "ok"
    text = "r1 = r10\nr1 += -520\ncall 1002\nexit"  # below the frame in use
    assert both(assemble(text), helpers=_registry()).result[0] is MemoryAccessError  # naming the call


LOAD_IN_FUNCTION = """
    r7 = 5
    call f
    r0 += r7
    r0 += 100
    exit
f:
    r7 = 9
    r0 = *(u8 *)skb[200]
    r0 = 7
    exit
"""
"""A legacy packet load in a BPF function: when the packet is short, the kernel's hidden exit returns
0 to the caller (``pybpf.vm.semantics.LOAD_FAILED``), which goes on with its own r7."""


@pytest.mark.parametrize(("size", "expected"), [(64, 105), (256, 112)])
def test_failed_packet_load_returns_from_its_function_on_both_engines(size: int, expected: int) -> None:
    """The same r0, registers and instruction count, and with every budget the same fault at the
    same instruction: the interpreter single-steps the block the budget cuts (step functions), the
    JIT checks its cut."""
    pair = Pair(assemble(LOAD_IN_FUNCTION))
    packet = bytes(size)
    assert r0(pair.compare(packet=packet)) == expected
    for budget in range(12):
        pair.compare(budget, packet=packet)


def test_failed_packet_load_returns_from_its_function_when_traced() -> None:
    """Traced, the interpreter runs step functions only: the registers of the dispatch functions
    (not their instruction count: those charge the load's whole block up front, as for a tail call)."""
    pair = Pair(assemble(LOAD_IN_FUNCTION))
    steps: list[TraceEvent] = []
    traced = pair.outcome(pair.interpreter, packet=bytes(64), trace=steps.append)
    assert traced.result[:2] == pair.outcome(pair.interpreter, packet=bytes(64)).result[:2]
    assert r0(traced) == 105
    ran = [step.pc for step in steps]
    assert 6 in ran and 7 not in ran  # the load ran, the instruction after it did not
    assert [step.depth for step in steps if step.pc == 6] == [1]
