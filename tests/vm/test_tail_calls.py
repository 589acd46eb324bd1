"""Tail calls leave ``execute`` unwrapped; interpreters sharing one Memory run in turn and nested.

The kernel's bpf_tail_call (helper 12) replaces the running program with another one of the prog
array, keeping the context (r1); the program-type runner implements the chain by catching
``TailCall`` from the helper.  The programs of a chain share one ``Memory`` (the context and map
values are registered once), each run with its own stack.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pybpf.engine import TailCall
from pybpf.errors import MemoryAccessError
from pybpf.helpers import HelperContext
from pybpf.isa.instruction import Instruction
from pybpf.vm import Interpreter, Memory
from tests.vm.builders import EXIT, insn, ld_func, mov

TAIL_CALL = 12


def tail_call(ctx: HelperContext, *args: int) -> int:
    """bpf_tail_call(ctx, prog_array, index): jump to program ``index`` (here: the index itself)."""
    raise TailCall(args[2])


def _regions(memory: Memory) -> list[str]:
    return [region.name for region in memory.regions]


@pytest.mark.parametrize("traced", [False, True])
def test_tail_call_leaves_execute_unwrapped(traced: bool) -> None:
    memory = Memory()
    program = [mov(6, 1), mov(3, 5), insn("call", imm=TAIL_CALL), mov(0, 99), EXIT]
    interpreter = Interpreter(program, helpers={TAIL_CALL: tail_call}, memory=memory)
    with pytest.raises(TailCall) as info:
        interpreter.execute(bytes(4), trace=(lambda event: None) if traced else None)
    assert info.value.target == 5
    assert info.value.instructions is not None and 3 <= info.value.instructions <= 5
    assert _regions(memory) == []  # the run's stack and input were released
    with pytest.raises(TailCall):  # and the interpreter runs again
        interpreter.run()


def test_tail_call_from_a_subprogram_and_through_callx() -> None:
    program = [
        insn("call local", imm=3),  # 0 -> 4
        ld_func(5, 4),  # 1: r5 = &(slot 6)
        insn("callx", 5),  # 3
        mov(3, 7),  # 4: the subprogram
        insn("call", imm=TAIL_CALL),  # 5
        EXIT,  # 6
    ]
    with pytest.raises(TailCall) as info:
        Interpreter(program, helpers={TAIL_CALL: tail_call}).run()
    assert info.value.target == 7
    callx_helper = [mov(3, 8), mov(5, TAIL_CALL), insn("callx", 5), EXIT]  # callx of a helper id (uBPF)
    with pytest.raises(TailCall) as info:
        Interpreter(callx_helper, helpers={TAIL_CALL: tail_call}).run()
    assert info.value.target == 8


def test_tail_call_is_not_swallowed_by_helpers_catching_exception() -> None:
    """A helper running a BPF callback (like bpf_loop) and catching Exception lets it through."""

    def careful_loop(ctx: HelperContext, r1: int, r2: int, *rest: int) -> int:
        try:
            return ctx.call_function(r2, 0, 0)
        except Exception:  # what a careless helper might do
            return 12345

    program = [
        ld_func(2, 3),  # 0: r2 = &callback (slot 4)
        insn("call", imm=181),  # 2
        EXIT,  # 3
        mov(3, 9),  # 4: callback
        insn("call", imm=TAIL_CALL),  # 5
        EXIT,  # 6
    ]
    interpreter = Interpreter(program, helpers={TAIL_CALL: tail_call, 181: careful_loop})
    with pytest.raises(TailCall) as info:
        interpreter.run()
    assert info.value.target == 9


def _chain_program(index: int, last: bool) -> list[Instruction]:
    """*(u32 *)(ctx + 4 * index) = r10 & 0xff ... then tail-call program index + 1 (or return)."""
    body: list[Instruction] = [
        insn("mov", 6, 1),  # keep ctx
        insn("stdw", 10, off=-8, imm=index + 100),  # use this run's stack
        insn("ldxdw", 7, 10, off=-8),
        insn("stxw", 6, 7, off=4 * index),  # ctx[index] = index + 100
    ]
    if not last:
        body += [insn("mov", 1, 6), mov(2, 0), mov(3, index + 1), insn("call", imm=TAIL_CALL)]
    return [*body, insn("mov", 0, 7), EXIT]


def test_a_runner_chains_programs_sharing_one_memory() -> None:
    memory = Memory()
    context = bytearray(16)
    ctx = memory.add_region(context, writable=True, name="ctx")
    programs = [
        Interpreter(_chain_program(i, i == 3), helpers={TAIL_CALL: tail_call}, memory=memory)
        for i in range(4)
    ]
    current, tail_calls = 0, 0
    while True:  # what the program-type runner does, with the kernel's limit of 33 tail calls
        try:
            retval = programs[current].run(registers={1: ctx.start})
            break
        except TailCall as call:
            assert isinstance(call.target, int)
            current, tail_calls = call.target, tail_calls + 1
            assert tail_calls <= 33
    assert retval == 103 and tail_calls == 3
    assert [int.from_bytes(context[i : i + 4], "little") for i in range(0, 16, 4)] == [100, 101, 102, 103]
    assert _regions(memory) == ["ctx"]


def test_interpreters_sharing_memory_run_in_turn_and_nested() -> None:
    memory = Memory()
    inner = Interpreter([insn("stdw", 10, off=-8, imm=7), insn("mov", 0, 10), EXIT], memory=memory)
    seen: list[int] = []

    def run_inner(ctx: HelperContext, *args: int) -> int:
        result = inner.execute()  # a nested run on the same Memory, with its own stack
        seen.append(result.retval)
        return result.retval

    outer_program = [
        insn("stdw", 10, off=-8, imm=42),  # outer stack slot
        insn("call", imm=1000),  # r0 = inner's r10
        insn("mov", 6, 0),
        insn("ldxdw", 0, 10, off=-8),  # outer stack slot intact after the nested run
        insn("mov", 7, 10),
        EXIT,
    ]
    outer = Interpreter(outer_program, helpers={1000: run_inner}, memory=memory)
    result = outer.execute()
    assert result.retval == 42
    inner_top, outer_top = result.registers[6], result.registers[7]
    assert inner_top != outer_top  # each run had its own stack region
    assert _regions(memory) == []
    with pytest.raises(MemoryAccessError):  # the nested run's stack is no longer mapped
        memory.load(inner_top - 8, 8)
    # one after another: both still run, each reusing its own stack
    assert inner.run() == inner_top
    assert outer.run() == 42 and seen[-1] == inner_top


def test_nested_run_of_the_same_interpreter_gets_another_stack() -> None:
    memory = Memory()
    depth: list[int] = []

    def recurse(ctx: HelperContext, *args: int) -> int:
        depth.append(1)
        if len(depth) < 3:
            return interpreter.execute().registers[7]
        return 0

    program = [
        insn("stdw", 10, off=-8, imm=5),
        insn("call", imm=1000),
        insn("mov", 8, 0),  # the nested run's stack top
        insn("ldxdw", 6, 10, off=-8),  # 5: our slot survived the nested runs
        insn("mov", 7, 10),
        insn("mov", 0, 6),
        EXIT,
    ]
    interpreter = Interpreter(program, helpers={1000: recurse}, memory=memory)
    result = interpreter.execute()
    assert result.retval == 5 and len(depth) == 3
    assert result.registers[8] not in (0, result.registers[7])


def _in_place_tail_call(runs: list[object]) -> Callable[..., int]:
    """bpf_tail_call whose runner can run the target in place of a BPF function's frame: the
    target ``index`` returns ``index * 10``."""

    def run_target(target: object) -> int:
        runs.append(target)
        assert isinstance(target, int)
        return target * 10

    def helper(ctx: HelperContext, *args: int) -> int:
        if args[2] == 0:  # an empty slot: the tail call fails, the program goes on
            return -2
        raise TailCall(args[2], run_target)

    return helper


@pytest.mark.parametrize("traced", [False, True])
def test_tail_call_in_a_function_returns_the_targets_r0_to_its_caller(traced: bool) -> None:
    """The kernel's x86-64 JIT: the target replaces the function's frame only; the caller goes on
    with its own r6-r9 and frame."""
    program = [
        mov(6, 1000),  # 0: kept across the call
        insn("stdw", 10, off=-8, imm=3),  # 1: the main frame's stack
        insn("call local", imm=4),  # 2 -> 7
        insn("add", 0, 6),  # 3
        insn("ldxdw", 1, 10, off=-8),  # 4
        insn("add", 0, 1),  # 5
        EXIT,  # 6
        mov(6, 5),  # 7: the function (its own r6)
        mov(3, 4),  # 8
        insn("call", imm=TAIL_CALL),  # 9: slot 4 runs in the function's place: r0 = 40
        mov(0, 99),  # 10: not reached
        EXIT,  # 11
    ]
    runs: list[object] = []
    interpreter = Interpreter(program, helpers={TAIL_CALL: _in_place_tail_call(runs)})
    result = interpreter.execute(trace=(lambda event: None) if traced else None)
    assert result.retval == 1043 and runs == [4]
    failing = [*program[:8], mov(3, 0), *program[9:]]  # the empty slot: the function goes on
    assert Interpreter(failing, helpers={TAIL_CALL: _in_place_tail_call(runs)}).execute().retval == 1102


def test_tail_call_in_the_main_program_still_leaves_the_run() -> None:
    program = [mov(3, 4), insn("call", imm=TAIL_CALL), mov(0, 99), EXIT]
    runs: list[object] = []
    with pytest.raises(TailCall) as info:
        Interpreter(program, helpers={TAIL_CALL: _in_place_tail_call(runs)}).run()
    assert info.value.target == 4 and runs == []
