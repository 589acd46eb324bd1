"""The interpreter's own ISA suite, run again on the JIT: every case must hold there too.

The modules of ``tests/vm`` that test what programs compute — ALU and jump tables with the RFC 9669
edge cases (division and modulo by zero, INT_MIN / -1, masked shifts, zero-extension, sign
extension, byte swaps), loads, stores, sign-extending loads, atomics, helper and bpf-to-bpf calls,
callx, may_goto, the budget, falling off the end, faults naming their pc, tail calls — are collected
here a second time with ``Interpreter`` replaced by ``pybpf.jit.JitProgram`` wherever they build one
(traced runs still go to the interpreter, as the JIT's ``execute`` sends them).  The modules that
test the interpreter's own machinery (its translation, chunks, generated source, traces, session
internals) are not.
"""

from __future__ import annotations

from types import ModuleType

import pytest

from pybpf.jit import JitProgram
from tests.vm import (
    builders,
    test_alu,
    test_atomics,
    test_calls,
    test_helpers,
    test_jumps,
    test_memory,
    test_tail_calls,
)

MODULES: tuple[ModuleType, ...] = (
    test_alu,
    test_jumps,
    test_memory,
    test_atomics,
    test_calls,
    test_helpers,
    test_tail_calls,
)

for _module in MODULES:
    _short = _module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    for _name, _test in vars(_module).items():
        if _name.startswith("test_") and callable(_test):
            globals()[f"test_{_short}__{_name.removeprefix('test_')}"] = _test


@pytest.fixture(autouse=True)
def _on_the_jit(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (builders, *MODULES):
        if hasattr(module, "Interpreter"):
            monkeypatch.setattr(module, "Interpreter", JitProgram)


def test_the_cases_above_run_on_the_jit() -> None:
    assert builders.Interpreter is JitProgram
    assert isinstance(builders.execute.__globals__["Interpreter"]([builders.EXIT]), JitProgram)
