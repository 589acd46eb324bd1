"""BPF_PROG_TEST_RUN's repeats of a JIT program that calls no helper run in the native repeat loop
(``pybpf.jit.repeat``), with the results of the interpreter's loop: every repeat re-runs on the
same packet (what one run wrote, the next one sees), the stack starts zeroed, the budget counts per
run, faults end a run as they do one by one, a failed legacy packet load exits it; and the kernel
agrees.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pybpf import Map, Program, uapi
from pybpf.errors import ExecutionError
from pybpf.isa import assemble
from pybpf.jit import repeat as native_repeat
from pybpf.jit import tiered
from pybpf.jit.executable import JitProgram
from pybpf.jit.repeat import loops_natively
from pybpf.kernel import prog_run
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.memory.regions import Memory

PACKET = bytes(14) + bytes(range(50))
BUMP_BYTE = """
    r0 = 0
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 20
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 19)
    r5 += 3
    *(u8 *)(r2 + 19) = r5
    r0 = r5
    r0 &= 3
out:
    exit
"""
CALLS = """
    r6 = 0
    r7 = 0
loop:
    r1 = r6
    call twice
    r7 += r0
    r6 += 1
    if r6 < 40 goto loop
    *(u64 *)(r10 - 8) = r7
    r0 = *(u64 *)(r10 - 8)
    r0 &= 3
    exit
twice:
    r0 = r1
    r0 <<= 1
    *(u64 *)(r10 - 16) = r0
    r0 = *(u64 *)(r10 - 16)
    exit
"""
HELPER = "call bpf_get_current_cgroup_id\nr0 = 2\nexit"
SKB_LD_ABS = "r6 = r1\nr0 = *(u16 *)skb[12]\nr0 += 5\nr0 = *(u32 *)skb[200]\nr0 = 7\nexit"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The counts the native loop was called with (it still runs)."""
    calls: list[int] = []
    real = native_repeat.repeat_function

    def spy() -> Any:
        function = real()

        def call(*args: Any) -> int:
            calls.append(args[-1])
            result: int = function(*args)
            return result

        return call

    monkeypatch.setattr("pybpf.jit.runtime.repeat_function", spy)
    return calls


def runs(text: str, prog_type: str, engine: str, backend: Backend, **run: Any) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, engine)
        with Program.load(text, prog_type, backend=backend) as prog:
            for repeat in (0, 1, 9):
                result = prog.run(repeat=repeat, **run)
                yield result.retval, result.data_out, result.ctx_out


def test_which_programs_loop_natively() -> None:
    assert loops_natively(assemble(BUMP_BYTE))
    assert loops_natively(assemble(CALLS))
    assert not loops_natively(assemble(HELPER))
    assert loops_natively(assemble("r6 = r1\nr0 = *(u8 *)skb[0]\nexit"))
    assert not loops_natively(assemble("r6 = r1\nr1 = r6\ncallx r1\nexit"))


SKB_LD_ABS_ENDS = [9]
"""Each run of SKB_LD_ABS ends at its failed packet load, the kernel's hidden exit: an exit like
any other, so all its repeats stay in one call of the loop.  (A single run -- repeat 0 or 1 -- is
one call of the program, not the loop.)"""


@pytest.mark.parametrize(
    ("text", "prog_type", "counts"),
    [(BUMP_BYTE, "xdp", [9]), (CALLS, "xdp", [9]), (SKB_LD_ABS, "sched_cls", SKB_LD_ABS_ENDS)],
    ids=["packet", "calls", "ld_abs"],
)
def test_repeats_agree_with_the_interpreter(
    counted: list[int], text: str, prog_type: str, counts: list[int]
) -> None:
    jit = list(runs(text, prog_type, "jit", UserBackend(), data=PACKET))
    assert counted == counts
    interpreted = list(runs(text, prog_type, "interpreter", UserBackend(), data=PACKET))
    assert jit == interpreted
    if kernel_bpf_available():
        assert jit == list(runs(text, prog_type, "jit", NativeBackend(), data=PACKET))


def test_every_repeat_sees_what_the_last_one_wrote(counted: list[int]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, "jit")
        with Program.load(BUMP_BYTE, "xdp", backend=UserBackend()) as prog:
            result = prog.run(PACKET, repeat=1000)
    assert result.data_out[19] == (PACKET[19] + 3 * 1000) & 0xFF
    assert counted == [1000]
    assert result.duration >= 0


def test_programs_calling_helpers_repeat_one_run_at_a_time(counted: list[int]) -> None:
    """Helpers through the trampoline (here the lookup in a hash map that grows on demand, the cgroup
    id); the helpers lowered natively loop natively (tests/jit/test_native_helpers.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, "jit")
        growing = uapi.BPF_F_NO_PREALLOC
        with Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 1, growing, backend=UserBackend()) as counts:
            from tests.programs.test_repeat_runs import COUNTER

            with Program.load(COUNTER, "xdp", maps={"counts": counts}, backend=UserBackend()) as prog:
                assert prog.run(PACKET, repeat=5).retval == 0
        with Program.load(HELPER, "xdp", backend=UserBackend()) as prog:
            assert prog.run(PACKET, repeat=5).retval == 2
    assert counted == []


@pytest.mark.parametrize(
    "text",
    ["r0 = 0\nloop:\nr0 += 1\nif r0 < 100 goto loop\nexit", "r1 = 4096\nr0 = *(u64 *)(r1 + 0)\nexit"],
    ids=["budget", "memory"],
)
def test_a_fault_ends_the_repeats_as_it_ends_one_run(counted: list[int], text: str) -> None:
    program = JitProgram(assemble(text), memory=Memory())
    session = program.session(budget=50)
    try:
        with program.memory.lock:
            with pytest.raises(ExecutionError) as repeated:
                session.run_repeated_locked(0, None, None, 3)
            with pytest.raises(ExecutionError) as once:
                session.run_locked(0)
    finally:
        session.close()
    assert type(repeated.value) is type(once.value)
    assert str(repeated.value) == str(once.value)
    assert counted == [3]


def test_tiered_repeats_loop_natively_once_compiled(
    counted: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tiered, "COMPILE_AFTER", 700)  # four runs of about 200 instructions
    looping = "r0 = 0\nloop:\nr0 += 3\nif r0 < 300 goto loop\nr0 &= 3\nexit"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, "auto")
        with Program.load(looping, "xdp", backend=UserBackend()) as prog:
            assert prog.run(PACKET, repeat=10).retval == 0
            assert counted == [5]  # the fifth run moved to the JIT, the other five looped natively
            assert prog.run(PACKET, repeat=3).retval == 0
    assert counted == [5, 3]  # Program.run keeps the session open between calls: on the JIT already
