"""Execution traces: every executed instruction, in order, with the registers it changed."""

from __future__ import annotations

from pybpf.vm import Interpreter, RegisterChange, TraceEvent
from tests.vm.builders import EXIT, insn, mov


def _trace(program: list, **kwargs: object) -> tuple[int, list[TraceEvent]]:
    events: list[TraceEvent] = []
    result = Interpreter(program).run(trace=events.append, **kwargs)  # type: ignore[arg-type]
    return result, events


def test_trace_lists_every_instruction_with_changes() -> None:
    program = [mov(0, 0), mov(1, 2), insn("add", 0, 1), insn("sub", 1, imm=1), insn("jne", 1, off=-3), EXIT]
    result, events = _trace(program)
    assert result == 3
    assert [event.pc for event in events] == [0, 1, 2, 3, 4, 2, 3, 4, 5]
    assert events[1].changes == (RegisterChange(1, 0, 2),)
    assert events[2].changes == (RegisterChange(0, 0, 2),)
    assert events[4].changes == ()  # a jump changes no register
    assert events[-1].insn == EXIT


def test_trace_shows_call_depth_and_frame_pointer() -> None:
    program = [insn("call local", imm=1), EXIT, mov(0, 7), EXIT]
    result, events = _trace(program)
    assert result == 7
    assert [(event.pc, event.depth) for event in events] == [(0, 0), (2, 1), (3, 1), (1, 0)]
    (change,) = events[0].changes
    assert change.reg == 10 and change.old - change.new == 512
    assert events[2].changes == (RegisterChange(10, change.new, change.old),)


def test_trace_event_format() -> None:
    _, events = _trace([mov(0, 42), EXIT])
    line = events[0].format()
    assert line.lstrip().startswith("0: ") and "r0 = 42" in line and "r0 0x0 -> 0x2a" in line
    assert "exit" in events[1].format()


def test_trace_and_fast_path_agree_on_registers() -> None:
    program = [mov(6, 5), insn("lsh", 6, imm=60), insn("arsh", 6, imm=3), insn("mov", 0, 6), EXIT]
    interpreter = Interpreter(program)
    assert interpreter.execute().registers == interpreter.execute(trace=lambda event: None).registers
