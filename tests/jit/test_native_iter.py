"""The numeric open-coded iterator as the JIT lowers it natively (``pybpf.jit.native_iter``): a verified
program's bpf_iter_num_new/next/destroy calls never reach Python, and they leave what the interpreter's
kfuncs (``pybpf.kfuncs.iter_num``) leave -- every result, every value, the 8 bytes of iterator state
after each call, the edge cases (start > end, ranges past BPF_MAX_LOOPS, the ends of ``int``) --
so an iterator made natively is walked on by the Python kfuncs and the other way round; a bpf_for loop
gives the kernel's answers."""

from __future__ import annotations

import errno
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pybpf
from pybpf.errors import ExecutionError
from pybpf.helpers import default_registry
from pybpf.isa import assemble
from pybpf.jit import native_iter
from pybpf.jit.executable import JitProgram
from pybpf.jit.state import Op
from pybpf.kernel import prog_run
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.prog_run import ProgRuntime
from pybpf.kernel.progobj import ProgObject
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.memory.regions import Memory
from pybpf.uapi import BPF_MAX_LOOPS
from pybpf.vm import Interpreter
from tests.helpers.support import signed

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
NEW, NEXT, DESTROY = (kernel_btf().func_id(f"bpf_iter_num_{name}") for name in ("new", "next", "destroy"))


def _steps(steps: int) -> str:
    """``steps`` calls of next, each folding r0 (0 or the address, less fp) and the state into r7."""
    return "".join(
        f"""
        r1 = r10
        r1 += -8
        call kfunc({NEXT})
        if r0 == 0 goto null{step}
        r0 -= r10
null{step}:
        r7 *= 31
        r7 += r0
        r1 = *(u64 *)(r10 - 8)
        r7 *= 31
        r7 += r1"""
        for step in range(steps)
    )


def _walk(steps: int, destroy: bool) -> str:
    """new(r1, r2), ``steps`` nexts and perhaps destroy: a hash of every result and state seen."""
    tail = (
        f"""
        r1 = r10
        r1 += -8
        call kfunc({DESTROY})
        r7 += r0
        r1 = *(u64 *)(r10 - 8)
        r7 *= 31
        r7 += r1"""
        if destroy
        else ""
    )
    return f"""
        r2 = r1
        r3 = r2
        r3 += r6
        r1 = r10
        r1 += -8
        call kfunc({NEW})
        r7 = r0
        r1 = *(u64 *)(r10 - 8)
        r7 *= 31
        r7 += r1
        {_steps(steps)}
        {tail}
        r0 = r7
        exit
    """


def _engines(text: str) -> Iterator[Interpreter | JitProgram]:
    insns = assemble(text, "kernel")
    yield Interpreter(insns, helpers=default_registry(), memory=Memory())
    yield JitProgram(insns, helpers=default_registry(), memory=Memory(), facts=())  # verified: native


def _answers(text: str, start: int, length: int) -> list[Any]:
    answers = []
    for engine in _engines(text):
        try:
            answers.append(signed(engine.run(registers={1: start & 0xFFFF_FFFF, 6: length})))
        except ExecutionError as error:
            answers.append(type(error).__name__)
    return answers


EDGES = st.sampled_from([INT_MIN, INT_MIN + 1, -1, 0, 1, INT_MAX - 1, INT_MAX])
STARTS = st.one_of(EDGES, st.integers(INT_MIN, INT_MAX))
LENGTHS = st.one_of(
    st.integers(-3, 6),
    st.sampled_from([BPF_MAX_LOOPS, BPF_MAX_LOOPS + 1, 2**31, 2**32 - 1, -(2**31)]),
    st.integers(-(2**32), 2**32),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=STARTS, length=LENGTHS, steps=st.integers(0, 7), destroy=st.booleans())
def test_iterators_as_the_interpreter(start: int, length: int, steps: int, destroy: bool) -> None:
    """end = start + length as an ``int`` (wrapping): empty, short, reversed and oversized ranges."""
    interpreted, native = _answers(_walk(steps, destroy), start, length)
    assert native == interpreted


def test_the_edges() -> None:
    def new_result(start: int, end: int) -> int:
        text = f"""
            r2 = {start}
            r3 = {end}
            r1 = r10
            r1 += -8
            call kfunc({NEW})
            exit
        """
        results = {signed(engine.run()) for engine in _engines(text)}
        assert len(results) == 1
        return results.pop()

    # an int result: r0 holds it zero-extended, as the kernel's x86-64 code leaves it
    assert new_result(5, 4) == -errno.EINVAL & 0xFFFF_FFFF
    assert new_result(0, BPF_MAX_LOOPS + 1) == -errno.E2BIG & 0xFFFF_FFFF
    assert new_result(INT_MIN, INT_MAX) == -errno.E2BIG & 0xFFFF_FFFF
    assert new_result(0, BPF_MAX_LOOPS) == 0
    assert new_result(INT_MAX, INT_MAX) == 0


def test_verified_calls_are_native(services: Counter[int]) -> None:
    jit = JitProgram(
        assemble(_walk(3, True), "kernel"), helpers=default_registry(), memory=Memory(), facts=()
    )
    names = sorted(name for name, _ in jit.native.calls.values())
    assert names == ["bpf_iter_num_destroy", "bpf_iter_num_new", *["bpf_iter_num_next"] * 3]
    jit.run(registers={1: 5, 6: 10})
    assert services == Counter()
    raw = JitProgram(assemble(_walk(3, True), "kernel"), helpers=default_registry(), memory=Memory())
    assert not raw.native.calls  # no verifier facts: the trampoline
    raw.run(registers={1: 5, 6: 10})
    assert services[Op.KFUNC] == 5


@pytest.mark.parametrize("native", ["bpf_iter_num_new", "bpf_iter_num_next"])
def test_one_engines_iterator_walked_by_the_other(native: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only ``native`` lowered natively, its partners in Python: the same answers (one state layout)."""
    text = _walk(4, True)
    expected = [signed(next(_engines(text)).run(registers={1: start, 6: 3})) for start in (0, 7, INT_MAX - 1)]
    monkeypatch.setattr(native_iter, "NATIVE_KFUNCS", {native: native_iter.NATIVE_KFUNCS[native]})
    monkeypatch.setattr("pybpf.jit.native_helpers.NATIVE_KFUNCS", native_iter.NATIVE_KFUNCS)
    jit = JitProgram(assemble(text, "kernel"), helpers=default_registry(), memory=Memory(), facts=())
    assert {name for name, _ in jit.native.calls.values()} == {native}
    assert [signed(jit.run(registers={1: start, 6: 3})) for start in (0, 7, INT_MAX - 1)] == expected


BPF_FOR = f"""
    r6 = 0
    r7 = 0
    r1 = r10
    r1 += -8
    r2 = {{start}}
    r3 = {{end}}
    call kfunc({NEW})
loop:
    r1 = r10
    r1 += -8
    call kfunc({NEXT})
    if r0 == 0 goto done
    r1 = *(s32 *)(r0 + 0)
    r6 += 1
    r7 *= 3
    r7 += r1
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc({DESTROY})
    r7 <<= 20
    r0 = r7
    r0 += r6
    exit
"""
"""A bpf_for(i, start, end) loop: the step count and a hash of the values (32 bits of it returned)."""


@pytest.mark.skipif(not kernel_bpf_available(), reason="needs the kernel's bpf(2)")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.one_of(EDGES, st.integers(-1000, 1000)), length=st.integers(-2, 300))
def test_bpf_for_as_the_kernel(start: int, length: int) -> None:
    end = max(INT_MIN, min(INT_MAX, start + length))
    text = BPF_FOR.format(start=start, end=end)
    with pybpf.Program.load(text, "xdp", name="bpf_for", backend=NativeBackend()) as prog:
        theirs = prog.run(bytes(64)).retval
    answers = []
    for name in ("jit", "interpreter"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(prog_run.ENGINE_VARIABLE, name)
            with pybpf.Program.load(text, "xdp", name="bpf_for") as prog:
                answers.append(prog.run(bytes(64), repeat=3).retval)
    assert answers == [theirs, theirs]


def test_a_loaded_bpf_for_loop_runs_natively(services: Counter[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Program.load verifies: every kfunc call is native and repeats run in the native loop."""
    monkeypatch.setenv(prog_run.ENGINE_VARIABLE, "jit")
    with pybpf.Program.load(BPF_FOR.format(start=-3, end=40), "xdp", name="bpf_for") as prog:
        executable = ProgRuntime.of(ProgObject.from_fd(prog.fd)).executable
        assert isinstance(executable, JitProgram) and executable.loops_natively
        assert len(executable.native.calls) == 3
        values = list(range(-3, 40))
        digest = 0
        for value in values:
            digest = (digest * 3 + value) & 0xFFFF_FFFF_FFFF_FFFF
        assert prog.run(bytes(64), repeat=5).retval == ((digest << 20) + len(values)) & 0xFFFF_FFFF
    assert services == Counter()
