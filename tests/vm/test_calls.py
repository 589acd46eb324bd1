"""Helper calls, bpf-to-bpf calls, callx, exit, may_goto, the budget and falling off the end."""

from __future__ import annotations

import errno

import pytest

from pybpf.errors import (
    BudgetExceededError,
    CallDepthError,
    ExecutionError,
    HelperError,
    InstructionError,
    MemoryAccessError,
)
from pybpf.helpers import HelperContext, HelperRegistry, default_registry
from pybpf.isa.instruction import Instruction, encode_program
from pybpf.vm import Interpreter, runtime
from tests.vm.builders import EXIT, M64, insn, ld_func, lddw, mov, run, run_both


def _recording_registry(calls: list[tuple[int, ...]]) -> HelperRegistry:
    registry = HelperRegistry()

    @registry.helper(1000)
    def record(ctx: HelperContext, *args: int) -> int:
        calls.append(args)
        return -errno.ENOENT  # a negative result arrives as u64

    return registry


def test_helper_gets_r1_to_r5_and_sets_r0() -> None:
    calls: list[tuple[int, ...]] = []
    program = [*(mov(reg, reg * 11) for reg in range(1, 6)), mov(1, -1), insn("call", imm=1000), EXIT]
    result = Interpreter(program, helpers=_recording_registry(calls)).execute()
    assert calls == [(M64, 22, 33, 44, 55)]
    assert result.retval == -errno.ENOENT & M64
    assert result.registers[1:6] == (M64, 22, 33, 44, 55)  # r1-r5 are left as they were (documented)


def test_helper_call_inside_a_loop() -> None:
    calls: list[tuple[int, ...]] = []
    program = [
        mov(6, 3),
        insn("mov", 1, 6),
        insn("call", imm=1000),
        insn("sub", 6, imm=1),
        insn("jne", 6, off=-4),
        EXIT,
    ]
    Interpreter(program, helpers=_recording_registry(calls)).run()
    assert [c[0] for c in calls] == [3, 2, 1]


def test_unknown_helper() -> None:
    with pytest.raises(HelperError, match="unknown helper") as info:
        run([mov(0, 0), insn("call", imm=99999), EXIT])
    assert info.value.pc == 1


def test_helper_exception_becomes_helper_error() -> None:
    def broken(ctx: HelperContext, *args: int) -> int:
        raise ZeroDivisionError("boom")

    with pytest.raises(HelperError, match="ZeroDivisionError") as info:
        Interpreter([insn("call", imm=7), EXIT], helpers={7: broken}).run()
    assert info.value.pc == 0


def test_helper_memory_fault_names_the_call() -> None:
    def reads(ctx: HelperContext, r1: int, *args: int) -> int:
        return ctx.memory.load(r1, 8)

    with pytest.raises(MemoryAccessError) as info:
        Interpreter([mov(0, 0), mov(1, 16), insn("call", imm=7), EXIT], helpers={7: reads}).run()
    assert info.value.pc == 2 and info.value.address == 16


# -- bpf-to-bpf calls ------------------------------------------------------------------------------
def test_local_call_passes_arguments_and_preserves_callee_saved() -> None:
    program = [
        mov(6, 6),
        mov(7, 7),
        mov(8, 8),
        mov(9, 9),
        mov(1, 100),
        mov(2, 20),
        insn("call local", imm=5),  # -> 12
        insn("add", 0, 6),
        insn("add", 0, 7),
        insn("add", 0, 8),
        insn("add", 0, 9),
        EXIT,
        # callee: r0 = r1 + r2; clobber r6-r9 and its own stack
        insn("mov", 0, 1),
        insn("add", 0, 2),
        mov(6, 0),
        mov(7, 0),
        mov(8, 0),
        mov(9, 0),
        EXIT,
    ]
    assert run_both(program) == 120 + 30


def test_callee_gets_fresh_frame_below_the_caller() -> None:
    program = [
        insn("stdw", 10, off=-8, imm=11),
        insn("mov", 1, 10),  # pointer to the caller's frame
        insn("call local", imm=3),  # -> 6
        insn("ldxdw", 6, 10, off=-8),  # caller's slot untouched by the callee's own -8
        insn("add", 0, 6),
        EXIT,
        insn("stdw", 10, off=-8, imm=1000),  # the callee's own frame
        insn("ldxdw", 0, 1, off=-8),  # reads the caller's frame through the pointer
        insn("mov", 2, 1),
        insn("sub", 2, 10),
        insn("add", 0, 2),  # + (caller r10 - callee r10) = 512
        EXIT,
    ]
    assert run_both(program) == 11 + 512 + 11


def _recursion(depth: int) -> list[Instruction]:
    """main calls f(depth); f(n) calls f(n - 1) until n == 0, which returns 42."""
    return [
        mov(1, depth),
        insn("call local", imm=1),  # -> 3
        EXIT,
        insn("jeq", 1, off=3, imm=0),  # -> 7
        insn("sub", 1, imm=1),
        insn("call local", imm=-3),  # -> 3
        EXIT,
        mov(0, 42),
        EXIT,
    ]


def test_eight_frames_are_allowed() -> None:
    assert run_both(_recursion(6)) == 42  # main + 7 frames of f


def test_nine_frames_are_too_deep() -> None:
    with pytest.raises(CallDepthError, match="9 frames") as info:
        run(_recursion(7))
    assert info.value.pc == 5
    with pytest.raises(CallDepthError):
        Interpreter(_recursion(7)).run(trace=lambda event: None)


def test_deepest_frame_cannot_reach_below_its_stack() -> None:
    program = _recursion(6)
    program[7] = insn("stdw", 10, off=-513, imm=0)
    with pytest.raises(MemoryAccessError, match="below stack"):
        run(program)


# -- callx ---------------------------------------------------------------------------------------------
def test_callx_calls_function_address() -> None:
    program = [
        ld_func(2, 5),  # -> slot 6
        mov(1, 5),
        insn("callx", 2),
        insn("add", 0, imm=1),
        EXIT,
        insn("mov", 0, 1),
        insn("mul", 0, 1),  # slot 6: r0 = r1 * r1
        EXIT,
    ]
    interpreter = Interpreter(program)
    assert interpreter.run() == 26
    assert interpreter.function_at(interpreter.function_address(6)) == 6
    assert interpreter.function_at(interpreter.function_address(7)) is None  # not a function entry


def test_callx_with_helper_id_like_bpf_conformance() -> None:
    # bpf_conformance callx.data: mov r1, -1; mov r2, 5; callx r2; mov r0, 2; exit
    assert run([mov(1, -1), mov(2, 5), insn("callx", 2), mov(0, 2), EXIT]) == 2
    calls: list[tuple[int, ...]] = []
    program = [mov(1, 7), mov(3, 1000), insn("callx", 3), EXIT]
    assert Interpreter(program, helpers=_recording_registry(calls)).run() == -errno.ENOENT & M64
    assert calls == [(7, 0, 1000, 0, 0)]


def test_callx_to_nothing() -> None:
    with pytest.raises(HelperError, match="callx") as info:
        run([lddw(2, 0x1234_5678_9000), insn("callx", 2), EXIT])
    assert info.value.pc == 2


def test_kfunc_call_is_refused_at_run_time() -> None:
    with pytest.raises(ExecutionError, match="kfunc"):
        run([insn("call kfunc", imm=1234), EXIT])


# -- exit, falling off, budget ----------------------------------------------------------------------
def test_fall_off_the_end() -> None:
    with pytest.raises(ExecutionError, match="fell off") as info:
        run([mov(0, 1), mov(0, 2)])
    assert info.value.pc == 1


def test_budget_stops_an_infinite_loop() -> None:
    with pytest.raises(BudgetExceededError) as info:
        run([mov(0, 0), insn("add", 0, imm=1), insn("ja", off=-2)], budget=1000)
    assert info.value.pc in (1, 2)


@pytest.mark.parametrize("trace", [None, lambda event: None])
def test_budget_is_exact(trace: object) -> None:
    program = [mov(0, 1), mov(1, 3), insn("sub", 1, imm=1), insn("jne", 1, off=-2), EXIT]  # 9 instructions
    interpreter = Interpreter(program)
    assert interpreter.execute(budget=9, trace=trace).instructions == 9  # type: ignore[arg-type]
    with pytest.raises(BudgetExceededError) as info:
        interpreter.run(budget=8, trace=trace)  # type: ignore[arg-type]
    assert info.value.pc == 4


def test_unlimited_budget() -> None:
    program = [mov(1, 20000), insn("sub", 1, imm=1), insn("jne", 1, off=-2), mov(0, 0), EXIT]
    assert Interpreter(program).execute(budget=None).instructions == 40003


# -- may_goto ---------------------------------------------------------------------------------------------
def _may_goto_loop() -> list[Instruction]:
    return [mov(0, 0), insn("may_goto", off=2), insn("add", 0, imm=1), insn("ja", off=-3), EXIT]


def test_may_goto_falls_through_until_the_counter_is_spent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "MAY_GOTO_LOOPS", 100)
    assert run_both(_may_goto_loop()) == 100


def test_may_goto_counter_is_per_function_invocation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "MAY_GOTO_LOOPS", 10)
    program = [
        mov(6, 0),
        insn("call local", imm=4),  # -> 6, twice
        insn("add", 6, 0),
        insn("call local", imm=2),
        insn("add", 6, 0),
        insn("ja", off=5),  # -> 11
        *_may_goto_loop(),
        insn("mov", 0, 6),
        EXIT,
    ]
    assert run_both(program) == 20


def test_may_goto_default_is_bpf_max_loops() -> None:
    assert runtime.MAY_GOTO_LOOPS == 8 * 1024 * 1024
    with pytest.raises(BudgetExceededError):
        run(_may_goto_loop(), budget=3000)


# -- callbacks from helpers (bpf_loop) -------------------------------------------------------------------
def _bpf_loop(callback: list[Instruction], nr_loops: int = 5) -> list[Instruction]:
    """Sum callback results into the stack slot at r10 - 8, passed as the callback context."""
    return [
        insn("stdw", 10, off=-8, imm=0),
        mov(1, nr_loops),
        ld_func(2, 9),  # -> slot 12, the callback
        insn("mov", 3, 10),
        insn("add", 3, imm=-8),
        mov(4, 0),
        insn("call", imm=181),
        insn("ldxdw", 6, 10, off=-8),
        insn("lsh", 6, imm=8),
        insn("or", 0, 6),  # r0 = (sum << 8) | bpf_loop's result
        EXIT,
        *callback,
    ]


def test_bpf_loop_runs_the_callback() -> None:
    callback = [
        insn("ldxdw", 3, 2),
        insn("add", 3, 1),  # + index
        insn("stxdw", 2, 3),
        mov(0, 0),
        EXIT,
    ]
    assert run_both(_bpf_loop(callback)) == ((0 + 1 + 2 + 3 + 4) << 8) | 5


def test_bpf_loop_stops_when_the_callback_returns_1() -> None:
    callback = [mov(0, 0), insn("jne", 1, off=1, imm=2), mov(0, 1), EXIT]
    assert run_both(_bpf_loop(callback)) == 3


def test_bpf_loop_callback_budget_is_shared() -> None:
    callback = [mov(0, 0), EXIT]
    with pytest.raises(BudgetExceededError):
        run(_bpf_loop(callback, nr_loops=1000), budget=500)


def test_bpf_loop_refuses_a_non_function() -> None:
    program = [mov(1, 1), mov(2, 12345), mov(3, 0), mov(4, 0), insn("call", imm=181), EXIT]
    with pytest.raises(HelperError, match="not the address of a BPF function") as info:
        run(program)
    assert info.value.pc == 4


def test_default_registry_is_a_copy() -> None:
    registry = default_registry()
    registry.unregister("bpf_ktime_get_ns")
    assert 5 not in registry and 5 in default_registry()


def test_invalid_programs_are_refused_before_running() -> None:
    with pytest.raises(InstructionError):
        Interpreter([Instruction(0xFF)])
    with pytest.raises(InstructionError):
        Interpreter([])
    with pytest.raises(InstructionError):
        Interpreter(b"\x95\x00\x00\x00")  # truncated
    with pytest.raises(InstructionError, match="out of range"):
        Interpreter([insn("ja", off=5), EXIT])


def test_raw_bytes_program() -> None:
    assert Interpreter(encode_program([mov(0, 7), EXIT])).run() == 7
