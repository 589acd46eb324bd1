"""Bounded fuzzing of the raw-VM entry points: random programs end within the budget.

``pybpf.vm.Interpreter(...).run(budget=...)``, ``pybpf.vm.run`` and the conformance plugin's
``main`` run unverified programs.  Random raw slots and random well-formed instructions (any
opcode of the table, jumps anywhere inside the program, loops, calls, may_goto, helper calls with
random arguments) must give a result, an ``ExecutionError`` (fault, budget, fall-off) or an
``InstructionError`` (refused at decoding), never another exception and never outlive the budget:
a time limit turns a hang into a failure.  Each test runs on both engines (the ``engine``
fixture): the JIT compiles every random program the interpreter runs (``pybpf.vm.run`` itself is the
interpreter's entry point; on the JIT its counterpart is ``JitProgram(...).run``).
"""

from __future__ import annotations

import contextlib
import io
import signal
import sys
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf.cli import conformance
from pybpf.errors import ExecutionError, InstructionError
from pybpf.isa.instruction import Instruction, encode_program
from pybpf.isa.opcodes import OPCODES
from pybpf.jit import JitProgram
from pybpf.vm import Interpreter, run

pytestmark = pytest.mark.usefixtures("engine")

BUDGET = 20_000
TIME_LIMIT = 10.0
_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expired(*_: object) -> None:
        raise Hang(f"the run took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_SMALL = st.one_of(st.integers(-4, 4), st.sampled_from([-(2**31), 2**31 - 1, 5, 7, 16, 181, 164, 6, 182]))


@st.composite
def instructions(draw: st.DrawFn) -> bytes:
    """A program of random instructions from the opcode table, ending anywhere (not always in exit)."""
    count = draw(st.integers(1, 12))
    insns: list[Instruction] = []
    for _ in range(count):
        spec = draw(st.sampled_from(OPCODES))
        fields = {
            "dst": draw(st.integers(0, 10)),
            "src": draw(st.integers(0, 10)),
            "off": draw(st.one_of(st.integers(-count, count), _SMALL)),
            "imm": draw(st.one_of(st.integers(-count, count), _SMALL)),
        }
        if spec.discriminator is not None:
            fields[spec.discriminator[0]] = spec.discriminator[1]
        try:
            insns.append(Instruction(spec.opcode, **fields))
        except (ValueError, TypeError):
            continue
    try:
        return encode_program(insns) if insns else bytes(8)
    except (ValueError, InstructionError):
        return bytes(8)


_PROGRAMS = st.one_of(st.binary(min_size=8, max_size=96).map(lambda b: b[: len(b) // 8 * 8]), instructions())


def _expect_clean(function: object) -> None:
    with time_limit(TIME_LIMIT), contextlib.suppress(ExecutionError, InstructionError):
        function()  # type: ignore[operator]


EXECUTABLES = {"interpreter": Interpreter, "jit": JitProgram}
"""The class each engine runs a raw program with (the JIT's own: a program it cannot take fails)."""


@_SETTINGS
@given(code=_PROGRAMS, memory=st.binary(max_size=64))
def test_raw_runs_end_within_the_budget(engine: str, code: bytes, memory: bytes) -> None:
    def go() -> None:
        vm = EXECUTABLES[engine](code)
        vm.run(bytearray(memory) if memory else None, budget=BUDGET)
        vm.run(bytearray(memory) if memory else None, budget=BUDGET, trace=lambda event: None)

    _expect_clean(go)


@_SETTINGS
@given(code=_PROGRAMS)
def test_vm_run_ends_within_the_budget(engine: str, code: bytes) -> None:
    if engine == "interpreter":
        _expect_clean(lambda: run(code, bytearray(16), budget=BUDGET))
    else:
        _expect_clean(lambda: JitProgram(code).run(bytearray(16), budget=BUDGET))


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(code=_PROGRAMS, memory=st.binary(max_size=16))
def test_conformance_plugin_ends_with_a_status(code: bytes, memory: bytes) -> None:
    stdin, stdout, stderr = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(code.hex()), io.StringIO(), io.StringIO()
    try:
        with time_limit(TIME_LIMIT):
            status = conformance.main(["--budget", str(BUDGET), memory.hex()])
        errors = sys.stderr.getvalue()
    finally:
        sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
    assert status in (0, 1)
    assert "Traceback" not in errors
