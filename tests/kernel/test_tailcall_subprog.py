"""A ``bpf_tail_call`` made in a bpf-to-bpf function replaces that function's frame only.

On Linux (the x86-64 JIT with bpf2bpf calls and tail calls, arch/x86/net/bpf_jit_comp.c) the target
runs in place of the function and its r0 goes back to the function's caller, which goes on; the
tail-call counter (``MAX_TAIL_CALL_CNT`` = 33, kept per run through ``tail_call_cnt_ptr``) is shared
along the whole hierarchy.  Each case loads ``tests/data/c/tail_call_subprog.o`` (tail calls in
functions need BTF), fills its prog array and runs one program through BPF_PROG_TEST_RUN on pybpf
(on each engine: the ``engine`` fixture) and on the kernel, which must answer the same; the kernel
half is skipped where bpf(2) is unavailable.  The values asserted are what Linux 6.18 answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pybpf import uapi
from pybpf.jit import tiered
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.object import load_object

pytestmark = pytest.mark.usefixtures("engine")

OBJECT = Path(__file__).parent.parent / "data" / "c" / "tail_call_subprog.o"
PACKET = bytes(range(64))


def _run(backend: Backend, program: str, slots: dict[int, str]) -> int:
    """Run ``program`` of the object with ``slots`` (index -> program name) in its prog array."""
    with load_object(OBJECT, backend=backend) as obj:
        jmp = obj.maps["jmp"]
        try:
            for index, name in slots.items():
                jmp[index] = obj.programs[name].fd
            return obj.programs[program].run(PACKET).retval
        finally:
            for index in slots:
                del jmp[index]  # (a program in its own array: the reference cycle goes)


def _both(program: str, slots: dict[int, str]) -> int:
    """pybpf's answer, after checking that it is the kernel's where bpf(2) works."""
    mine = _run(UserBackend(), program, slots)
    if kernel_bpf_available():
        assert mine == _run(NativeBackend(), program, slots)
    return mine


def test_tail_call_in_a_function_returns_to_its_caller() -> None:
    assert _both("call_slot0", {0: "five"}) == 105


def test_tail_call_to_an_empty_slot_falls_through_in_the_function() -> None:
    assert _both("call_slot1", {0: "five"}) == 107


def test_tail_call_past_the_array_falls_through_in_the_function() -> None:
    assert _both("call_slot9", {0: "five"}) == 107


def test_tail_call_two_functions_deep_returns_to_the_inner_caller() -> None:
    assert _both("call_nested", {0: "five"}) == 1015


def test_target_tail_calls_on_from_its_main_program() -> None:
    """The target's own tail call (in its main program) replaces the target, still in the
    function's place."""
    assert _both("call_slot0", {0: "main_tail_call", 1: "forty"}) == 140


def test_counter_is_shared_along_the_hierarchy() -> None:
    """``count_runs`` in slot 0 of its own array: each level adds 1 on the way back to what the
    deepest function returns (7, once the 34th tail call fails): 33 tail calls, 34 levels."""
    assert _both("count_runs", {0: "count_runs"}) == 7 + 1 + uapi.MAX_TAIL_CALL_CNT


def test_tail_call_in_the_main_program_ends_the_run() -> None:
    assert _both("main_tail_call", {1: "five"}) == 5
    assert _both("main_tail_call", {}) == 3


def test_counter_spent_by_one_function_is_spent_for_the_next() -> None:
    """The kernel's tailcall_bpf2bpf_hierarchy_2 (retval 33): the first function's chain makes the
    33 tail calls, the second function's tail call then fails (count1 stays 0)."""
    slots = {2: "hierarchy_0", 3: "hierarchy_1"}
    assert _both("hierarchy", slots) == uapi.MAX_TAIL_CALL_CNT


def test_tiered_engine_after_compiling(monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    """The tiered engine (``auto``): the first repeats on the interpreter, the rest compiled."""
    if engine != "jit":
        pytest.skip("the tiered engine once is enough")
    monkeypatch.setenv("PYBPF_ENGINE", "auto")
    monkeypatch.setattr(tiered, "COMPILE_AFTER", 50)
    with load_object(OBJECT, backend=UserBackend()) as obj:
        jmp = obj.maps["jmp"]
        jmp[0] = obj.programs["count_runs"].fd
        jmp[1] = obj.programs["five"].fd
        try:
            counted = obj.programs["count_runs"]
            results = [counted.run(PACKET).retval for _ in range(4)]
            results.append(counted.run(PACKET, repeat=20).retval)
            assert results == [7 + 1 + uapi.MAX_TAIL_CALL_CNT] * 5
            nested = [obj.programs["call_slot1"].run(PACKET, repeat=20).retval for _ in range(3)]
            assert nested == [105] * 3
        finally:
            del jmp[0], jmp[1]
