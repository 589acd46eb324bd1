"""The JIT's code library: compile once per program, measured, its machine code available, and
every failure a clear fallback to the interpreter — never an LLVM traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybpf.helpers import HelperRegistry
from pybpf.isa.opcodes import Kind
from pybpf.jit import JitProgram, JitUnavailable, codegen, jit_engine
from pybpf.jit.kinds import LOWERERS
from pybpf.jit.lower import Lowering, Site
from pybpf.memory.regions import Memory
from pybpf.vm import Interpreter
from tests.vm.builders import EXIT, insn, mov

PROGRAM = [mov(0, 1), insn("add", 0, imm=41), EXIT]


def test_identical_programs_share_their_compiled_code() -> None:
    first, second = JitProgram(PROGRAM), JitProgram(PROGRAM)
    assert first.compiled is second.compiled
    assert first.run() == second.run() == 42
    other = JitProgram([mov(0, 2), EXIT])
    assert other.compiled is not first.compiled


def test_compile_time_and_machine_code_are_reported() -> None:
    compiled = JitProgram([mov(0, 3), insn("mul", 0, imm=5), EXIT]).compiled
    assert compiled.compile_ns > 0
    code = compiled.machine_code
    assert isinstance(code, bytes)
    assert compiled.jited_len == len(code) > 0
    assert b"\xc3" in code  # x86-64: the function returns (ret)
    assert compiled.object_code.startswith(b"\x7fELF")  # the object file the cache keeps


def test_prepare_compiles_at_once() -> None:
    codegen.clear_cache()
    program = JitProgram([mov(0, 9), EXIT])
    assert program._compiled is None
    program.prepare()
    assert program._compiled is not None
    assert program.run() == 9


def test_a_lowering_failure_names_the_instruction(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(lowering: Lowering, site: Site) -> None:
        raise ValueError("no can do")

    monkeypatch.setitem(LOWERERS, Kind.NEG, broken)
    codegen.clear_cache()
    with pytest.raises(JitUnavailable, match=r"lowering pc 1 \(r0 = -r0\): ValueError: no can do"):
        JitProgram([mov(0, 1), insn("neg", 0), EXIT]).prepare()


def test_the_engine_falls_back_to_the_interpreter_with_one_notice(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def unavailable() -> object:
        raise JitUnavailable("llvmlite cannot be imported (test)")

    monkeypatch.setattr(codegen, "target", unavailable)
    # nothing cached either (a cached object and target record are linked without LLVM)
    monkeypatch.setenv("PYBPF_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(codegen, "_target_key", None)
    codegen.clear_cache()
    memory = Memory()
    for _ in range(2):
        executable = jit_engine(PROGRAM, helpers=HelperRegistry(), memory=memory, resolved={})
        assert isinstance(executable, Interpreter)
        with executable.session() as session:
            assert session.run() == 42
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "pybpf: the JIT is not used (llvmlite cannot be imported (test)); running on the interpreter"
    ]


def test_the_engine_compiles_when_it_can() -> None:
    executable = jit_engine(PROGRAM, helpers=HelperRegistry(), memory=Memory(), resolved={})
    assert isinstance(executable, JitProgram)
    with executable.session() as session:
        assert [session.run() for _ in range(3)] == [42, 42, 42]
        assert session.instructions == 3


def test_programs_larger_than_the_limit_stay_on_the_interpreter(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(codegen, "MAX_COST", 2)
    executable = jit_engine(PROGRAM, helpers=HelperRegistry(), memory=Memory(), resolved={})
    assert isinstance(executable, Interpreter)
    with executable.session() as session:
        assert session.run() == 42
    assert "a program of 3 instructions is larger than the JIT takes (cost 3 > 2)" in capsys.readouterr().err
