"""Loaded programs on the JIT: engine selection, shared maps, tail calls, repeats.

``PYBPF_ENGINE=jit`` makes every program this process loads run on the JIT (``pybpf.kernel.prog_run``).
Map helpers update real shared maps the Map API (and the interpreter) then read; tail calls chain
and stop at the limit of 33; BPF_PROG_TEST_RUN's repeats run in one JIT session.  (The corpus of
``tests/programs`` against the kernel runs on both engines there: the ``engine`` fixture.)
"""

from __future__ import annotations

import struct

import pytest

from pybpf import Map, Program, uapi
from pybpf.jit import JitProgram
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.prog_run import DEFAULT_ENGINE, ENGINES, ProgRuntime, selected_engine
from pybpf.kernel.progobj import ProgObject
from pybpf.vm import Interpreter
from tests.programs.test_repeat_runs import COUNTER

PACKET = bytes(14) + bytes(50)


@pytest.fixture(autouse=True)
def _on_the_jit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYBPF_ENGINE", "jit")


def _runtime_of(prog: Program) -> ProgRuntime:
    obj = ProgObject.from_fd(prog.fd)
    return ProgRuntime.of(obj)


def test_the_engine_is_chosen_by_pybpf_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ENGINES["jit"] is not ENGINES["interpreter"]
    assert selected_engine() == "jit"
    with Program.load("r0 = 7\nexit", "xdp", backend=UserBackend()) as prog:
        assert isinstance(_runtime_of(prog).executable, JitProgram)
        assert prog.run(PACKET).retval == 7
    monkeypatch.setenv("PYBPF_ENGINE", "interpreter")
    with Program.load("r0 = 7\nexit", "xdp", backend=UserBackend()) as prog:
        assert isinstance(_runtime_of(prog).executable, Interpreter)
    monkeypatch.setenv("PYBPF_ENGINE", "no such engine")
    assert selected_engine() == DEFAULT_ENGINE


def test_map_helpers_update_the_shared_map(backend: Backend) -> None:
    with (
        Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, name="counts", backend=backend) as counts,
        Program.load(COUNTER, "xdp", maps={"counts": counts}, backend=backend) as prog,
    ):
        first = prog.run(PACKET, repeat=37)
        second = prog.run(PACKET)
        value = struct.unpack("<Q", counts[struct.pack("<I", 0)])[0]
    assert (first.retval, second.retval, value) == (37, 38, 38)


def test_the_interpreter_sees_what_the_jit_wrote(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = UserBackend()
    with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, name="counts", backend=backend) as counts:
        with Program.load(COUNTER, "xdp", maps={"counts": counts}, backend=backend) as jitted:
            assert isinstance(_runtime_of(jitted).executable, JitProgram)
            assert jitted.run(PACKET, repeat=5).retval == 5
        monkeypatch.setenv("PYBPF_ENGINE", "interpreter")
        with Program.load(COUNTER, "xdp", maps={"counts": counts}, backend=backend) as interpreted:
            assert isinstance(_runtime_of(interpreted).executable, Interpreter)
            assert interpreted.run(PACKET, repeat=2).retval == 7


def test_tail_calls_chain_and_stop_at_the_limit() -> None:
    """A program tail-calling itself counts its runs in a map: the first run and 33 tail calls."""
    backend = UserBackend()
    text = """
        r6 = r1
        r1 = 0
        *(u32 *)(r10 - 4) = r1
        r2 = r10
        r2 += -4
        r1 = map_fd(hops) ll
        call bpf_map_lookup_elem
        if r0 == 0 goto out
        r1 = 1
        lock *(u64 *)(r0 + 0) += r1
        r1 = r6
        r2 = map_fd(jmp) ll
        r3 = 0
        call bpf_tail_call
    out:
        r0 = 2
        exit
    """
    with (
        Map.create(uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, name="jmp", backend=backend) as jmp,
        Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, name="hops", backend=backend) as hops,
        Program.load(text, "xdp", maps={"jmp": jmp, "hops": hops}, backend=backend) as looping,
    ):
        jmp[0] = looping.fd
        assert looping.run(PACKET).retval == 2
        count = struct.unpack("<Q", hops[struct.pack("<I", 0)])[0]
        del jmp[0]
    assert count == 1 + 33  # the first run and MAX_TAIL_CALL_CNT tail calls
