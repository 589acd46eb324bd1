"""``bpf_loop`` lowered natively (``pybpf.jit.native_loop``): no trampoline while the callback runs,
and the interpreter's results, budget, faults and call-depth limit — and the kernel's results."""

from __future__ import annotations

import errno
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf.errors import ExecutionError
from pybpf.helpers import default_registry
from pybpf.isa import assemble
from pybpf.jit.executable import JitProgram
from pybpf.kernel import prog_run
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.program import instructions_of
from pybpf.uapi import BPF_MAX_LOOPS
from pybpf.vm import Interpreter
from tests.helpers.support import signed
from tests.programs.corpus import Case
from tests.programs.test_differential_programs import load_with_func_info

LOOP_HELPER = 181

SUM = """
    r6 = r1
    r7 = r2
    *(u64 *)(r10 - 8) = 0
    *(u64 *)(r10 - 16) = r3
    r1 = r6
    r2 = func(cb) ll
    r3 = r10
    r3 += -16
    r4 = r7
    call bpf_loop
    r1 = *(u64 *)(r10 - 8)
    r0 <<= 32
    r0 += r1
    exit
cb:
    r3 = *(u64 *)(r2 + 8)
    r3 += r1
    *(u64 *)(r2 + 8) = r3
    r0 = 0
    r4 = *(u64 *)(r2 + 0)
    if r1 != r4 goto out
    r0 = r5
    r0 += 1
out:
    exit
"""
"""``bpf_loop(r1, cb, ctx, flags = r2)`` whose callback adds the index to a sum and stops (returns
1) at index r3; r0 = the loop's result << 32 | the sum."""


def engines(text: str) -> tuple[Interpreter, JitProgram]:
    insns = assemble(text)
    return Interpreter(insns, helpers=default_registry()), JitProgram(insns, helpers=default_registry())


def outcome(engine: Interpreter | JitProgram, budget: int | None = 1_000_000, **registers: int) -> Any:
    regs = {int(name[1:]): value for name, value in registers.items()}
    try:
        return engine.run(registers=regs, budget=budget)
    except ExecutionError as error:
        return (type(error), error.pc, str(error))


def test_bpf_loop_is_native_and_loops_natively(services: Counter[int]) -> None:
    _, jit = engines(SUM)
    assert [name for name, _ in jit.native.calls.values()] == ["loop"]
    assert jit.loops_natively
    assert outcome(jit, r1=100, r2=0, r3=1000) == 100 << 32 | sum(range(100))
    assert services == Counter()


def test_programs_that_tail_call_keep_the_python_form() -> None:
    text = SUM.replace("    exit\ncb:", "    call bpf_tail_call\n    exit\ncb:", 1)
    assert not engines(text)[1].native.calls


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.sampled_from([0, 1, 2, 7, 100, BPF_MAX_LOOPS + 1, 0xFFFF_FFFF, (1 << 32) + 5, 1 << 63]),
    flags=st.sampled_from([0, 0, 0, 1, 1 << 40]),
    stop=st.integers(0, 120),
)
def test_results_agree_with_the_interpreter(count: int, flags: int, stop: int) -> None:
    interpreter, jit = engines(SUM)
    expected = outcome(interpreter, r1=count, r2=flags, r3=stop)
    assert outcome(jit, r1=count, r2=flags, r3=stop) == expected
    if flags:
        assert signed(expected) >> 32 == -errno.EINVAL
    elif count & 0xFFFF_FFFF > BPF_MAX_LOOPS:
        assert signed(expected) >> 32 == -errno.E2BIG


def test_the_full_loop_count_runs() -> None:
    """2**23 callbacks natively (the interpreter would take minutes: the result is known)."""
    _, jit = engines(SUM)
    assert outcome(jit, budget=None, r1=BPF_MAX_LOOPS, r2=0, r3=1 << 40) == (
        (BPF_MAX_LOOPS << 32) + sum(range(BPF_MAX_LOOPS))
    )


@pytest.mark.parametrize("budget", [*range(0, 60), 200, 311, 312, 313, 1000])
def test_the_budget_runs_out_where_it_does_on_the_interpreter(budget: int) -> None:
    """Before a callback's charge, inside a callback, or not at all."""
    interpreter, jit = engines(SUM)
    expected = outcome(interpreter, budget, r1=20, r2=0, r3=1000)
    assert outcome(jit, budget, r1=20, r2=0, r3=1000) == expected


def test_an_address_that_is_no_function_is_the_python_helpers_error(services: Counter[int]) -> None:
    for callback in ("r2 = r6", "r2 = func(cb) ll\n    r2 += 8"):
        text = SUM.replace("r2 = func(cb) ll", callback, 1)
        interpreter, jit = engines(text)
        expected, got = outcome(interpreter, r1=3, r2=0, r3=9), outcome(jit, r1=3, r2=0, r3=9)
        assert got[:2] == expected[:2]  # (the engines' code addresses differ)
        assert expected[0].__name__ == "HelperError"
        assert got[2].endswith("is not the address of a BPF function of this program")
    assert services[LOOP_HELPER] == 2


NESTED = """
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    exit
cb:
    *(u64 *)(r10 - 8) = r1
    r1 = 2
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
"""
"""A callback that loops over itself: the frames run out."""


def test_callbacks_within_callbacks_hit_the_call_depth_limit_as_on_the_interpreter() -> None:
    interpreter, jit = engines(NESTED)
    expected = outcome(interpreter)
    assert outcome(jit) == expected
    assert expected[0].__name__ == "CallDepthError"


def test_a_fault_inside_the_callback_is_the_interpreters() -> None:
    text = SUM.replace("    r3 = *(u64 *)(r2 + 8)\n", "    r3 = *(u64 *)(r2 + 8)\n    r5 = *(u8 *)(r1 + 0)\n")
    interpreter, jit = engines(text)
    expected = outcome(interpreter, r1=3, r2=0, r3=9)
    assert outcome(jit, r1=3, r2=0, r3=9) == expected
    assert expected[0].__name__ == "MemoryAccessError"


# -- loaded programs: the repeat loop and the kernel ----------------------------------------------------
XDP_LOOP = """
    *(u64 *)(r10 - 16) = 0
    *(u64 *)(r10 - 8) = 37
    r1 = 50
    r2 = func(cb) ll
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_loop
    r1 = *(u64 *)(r10 - 16)
    r0 <<= 16
    r0 += r1
    exit
cb:
    r3 = *(u64 *)(r2 + 0)
    r3 += r1
    *(u64 *)(r2 + 0) = r3
    r0 = 0
    r4 = *(u64 *)(r2 + 8)
    if r1 != r4 goto out
    r0 = 1
out:
    exit
"""


def loaded_runs(backend: Backend, engine: str) -> Iterator[int]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, engine)
        case = Case("bpf_loop", "xdp", XDP_LOOP, ())
        with load_with_func_info(case, instructions_of(XDP_LOOP, {}), backend) as prog:
            for repeat in (1, 9, 100):
                yield prog.run(bytes(64), repeat=repeat).retval


def test_loaded_programs_loop_natively_and_agree_with_the_interpreter_and_the_kernel(
    services: Counter[int],
) -> None:
    jit = list(loaded_runs(UserBackend(), "jit"))
    assert services == Counter()
    assert jit == list(loaded_runs(UserBackend(), "interpreter")) == [38 << 16 | sum(range(38))] * 3
    if kernel_bpf_available():
        assert jit == list(loaded_runs(NativeBackend(), "jit"))
