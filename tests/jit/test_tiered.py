"""Tiered execution (``PYBPF_ENGINE=auto``): the interpreter first, the JIT once a program is hot."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from pybpf import Map, Program, uapi
from pybpf.helpers import HelperRegistry
from pybpf.isa import assemble
from pybpf.jit import JitUnavailable, TieredProgram, codegen, tiered, tiered_engine
from pybpf.jit.runtime import JitSession
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.prog_run import ProgRuntime
from pybpf.kernel.progobj import ProgObject
from pybpf.memory.regions import Memory
from pybpf.vm.session import RunSession
from tests.programs.test_repeat_runs import COUNTER

LOOP = "r0 = 0\nloop:\nr0 += 3\n*(u64 *)(r10 - 8) = r0\nr1 = *(u64 *)(r10 - 8)\nif r0 < 300 goto loop\nexit"


def test_a_session_moves_to_the_jit_between_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tiered, "COMPILE_AFTER", 700)
    program = tiered_engine(assemble(LOOP), helpers=HelperRegistry(), memory=Memory(), resolved={})
    assert isinstance(program, TieredProgram)
    program.prepare()
    session = program.session()
    kinds, results, counts = [], [], []
    for _ in range(4):
        results.append(session.run())
        counts.append(session.instructions)
        kinds.append(type(session._session))
    session.close()
    assert results == [300] * 4
    assert counts == [counts[0]] * 4  # both engines charge the same blocks
    assert kinds == [RunSession, RunSession, JitSession, JitSession]  # 2 x 402 instructions, then hot
    assert program.jit is not None


def test_a_program_the_jit_cannot_take_stays_on_the_interpreter(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def unavailable() -> object:
        raise JitUnavailable("no LLVM here (tiered test)")

    monkeypatch.setattr(tiered, "COMPILE_AFTER", 10)
    monkeypatch.setattr(codegen, "target", unavailable)
    # nothing cached either (a cached object and target record are linked without LLVM)
    monkeypatch.setenv("PYBPF_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(codegen, "_target_key", None)
    codegen.clear_cache()
    program = tiered_engine(assemble(LOOP), helpers=HelperRegistry(), memory=Memory(), resolved={})
    session = program.session()
    assert [session.run() for _ in range(3)] == [300] * 3
    assert isinstance(session._session, RunSession)
    session.close()
    assert program.jit is None
    assert "no LLVM here (tiered test)" in capsys.readouterr().err


def test_hot_programs_loaded_with_auto_run_natively(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYBPF_ENGINE", "auto")
    monkeypatch.setattr(tiered, "COMPILE_AFTER", 500)
    backend = UserBackend()
    with (
        Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, name="counts", backend=backend) as counts,
        Program.load(COUNTER, "xdp", maps={"counts": counts}, backend=backend) as prog,
    ):
        executable = ProgRuntime.of(ProgObject.from_fd(prog.fd)).executable
        assert isinstance(executable, TieredProgram)
        assert prog.run(bytes(64)).retval == 1
        assert executable.jit is None
        assert prog.run(bytes(64), repeat=100).retval == 101  # crosses the threshold half-way
        assert executable.jit is not None
        assert prog.run(bytes(64)).retval == 102
        assert struct.unpack("<Q", counts[struct.pack("<I", 0)])[0] == 102
