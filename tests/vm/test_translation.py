"""Lazy, chunked translation: nothing compiled at construction, chunks compiled when reached, shared.

Large programs are cut into chunks (``pybpf.vm.translation``); control crosses chunks through
jumps, fall-through, calls, exits and callx.  Programs run with tiny chunks must behave exactly
like the same programs run as one chunk (fast path and step path alike).
"""

from __future__ import annotations

import contextlib
import linecache
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf.errors import BudgetExceededError, ExecutionError
from pybpf.helpers import TracePipe
from pybpf.isa.instruction import Instruction, encode_program
from pybpf.vm import Interpreter, Memory, translation
from pybpf.vm.trace import TraceEvent
from tests.vm.builders import EXIT, insn, ld_func, lddw, mov
from tests.vm.test_random_programs import programs


@contextlib.contextmanager
def chunk_size(size: int) -> Iterator[None]:
    """Interpreters built inside use chunks of ``size`` instructions (fresh translations)."""
    saved = translation.CHUNK_INSNS
    translation.CHUNK_INSNS = size
    translation.clear_cache()
    try:
        yield
    finally:
        translation.CHUNK_INSNS = saved
        translation.clear_cache()


def mixed_program(count: int) -> list[Instruction]:
    """``count`` instructions of ALU, stack stores/loads, forward branches and helper calls."""
    body = [
        insn("add", 0, 6),
        insn("stxdw", 10, 0, off=-8),
        insn("ldxdw", 1, 10, off=-8),
        insn("jgt", 1, off=1, imm=5),
        insn("xor", 0, imm=3),
        insn("call", imm=7),  # bpf_get_prandom_u32
        insn("lsh", 6, imm=1),
        insn("mov", 0, 6),
    ]
    program = [mov(0, 0), mov(6, 1)]
    while len(program) < count - 1:
        program.append(body[len(program) % len(body)])
    return [*program, EXIT]


def test_construction_compiles_nothing() -> None:
    interpreter = Interpreter(mixed_program(1000))
    assert interpreter._chunks is None and not interpreter._steps
    assert not interpreter.translation._analysed  # not even the block analysis
    assert interpreter.execute(bytes(8)).instructions > 900
    assert interpreter.translation.chunks > 1


def test_only_reached_chunks_are_compiled() -> None:
    # A jump over most of the program: the skipped chunks are never translated.
    program = [insn("ja", off=2000), *([insn("add", 0, imm=1)] * 2000), mov(0, 7), EXIT]
    interpreter = Interpreter(program)
    assert interpreter.run() == 7
    chunks = interpreter._chunks
    assert chunks is not None and len(chunks) > 3
    assert chunks[0] is not None and chunks[-1] is not None
    assert sum(chunk is not None for chunk in chunks) == 2


def test_large_program_builds_and_runs() -> None:
    """A program of 30,000 instructions is built without translating it (linear and lazy)."""
    program = [mov(0, 0), insn("gotol", imm=29_996), *([insn("add", 0, imm=1)] * 29_996), mov(0, 5), EXIT]
    interpreter = Interpreter(encode_program(program))
    assert interpreter.run() == 5
    chunks = interpreter._chunks
    assert chunks is not None and sum(chunk is not None for chunk in chunks) == 2


def test_identical_programs_share_their_translation() -> None:
    program = mixed_program(300)
    first, second = Interpreter(program), Interpreter(encode_program(program))
    assert first.translation is second.translation
    assert first.run(bytes(8)) == second.run(bytes(8))
    other = Interpreter(program, resolved={5: 1})  # different loader values: different code
    assert other.translation is not first.translation
    assert Interpreter(program, helpers={}).translation is not first.translation  # different helpers


def test_shared_translation_keeps_function_addresses_per_interpreter() -> None:
    program = [ld_func(1, 3), insn("mov", 0, 1), EXIT, mov(0, 9), EXIT]  # r0 = &(slot 4)
    first, second = Interpreter(program), Interpreter(program)
    assert first.translation is second.translation
    assert first.run() == first.function_address(4)
    assert second.run() == second.function_address(4)
    assert first.function_address(4) != second.function_address(4)


def test_prepare_compiles_every_chunk_and_sources_are_inspectable() -> None:
    with chunk_size(16):
        interpreter = Interpreter(mixed_program(100))
        interpreter.prepare()
        assert interpreter._chunks is not None and all(interpreter._chunks)
        source = interpreter.python_source
        assert source.count("def _run(") == interpreter.translation.chunks > 4
        assert "# 2: r1 = *(u64 *)(r10 - 8)" in source
        assert interpreter.step_source.count("def _s") == 100
        assert interpreter.blocks >= interpreter.translation.chunks


def _loop_across_chunks() -> list[Instruction]:
    """A counted loop whose body spans several chunks, with a call into another chunk each turn."""
    return [
        mov(6, 50),
        mov(7, 0),
        # loop:
        *([insn("add", 7, imm=1)] * 10),
        insn("mov", 1, 6),
        insn("call local", imm=5),  # -> f
        insn("add", 7, 0),
        insn("sub", 6, imm=1),
        insn("jne", 6, off=-15, imm=0),
        insn("mov", 0, 7),
        EXIT,
        # f: r0 = r1 & 1 (several instructions, so it spans chunks too)
        insn("mov", 0, 1),
        insn("and", 0, imm=1),
        insn("add", 0, imm=0),
        insn("add", 0, imm=0),
        insn("add", 0, imm=0),
        EXIT,
    ]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 256])
def test_loops_and_calls_across_chunks(size: int) -> None:
    with chunk_size(size):
        interpreter = Interpreter(_loop_across_chunks())
        result = interpreter.execute()
        assert result.retval == 50 * 10 + 25
        assert result.instructions == 2 + 50 * 21 + 2
        events: list[TraceEvent] = []
        assert interpreter.run(trace=events.append) == 525
        assert len(events) == result.instructions
        for budget in (0, 1, 17, 100, result.instructions - 1):  # the budget names the exact instruction
            with pytest.raises(BudgetExceededError) as info:
                interpreter.run(budget=budget)
            assert info.value.pc == events[budget].pc
        assert interpreter.execute(budget=result.instructions).retval == 525


@pytest.mark.parametrize("size", [1, 2, 4])
def test_callx_and_helper_callbacks_across_chunks(size: int) -> None:
    program = [
        ld_func(2, 10),  # slot 0: r2 = &callback (slot 11)
        mov(1, 4),  # 2
        mov(3, 0),  # 3
        mov(4, 0),  # 4
        insn("call", imm=181),  # 5: bpf_loop(4, callback, 0, 0) returns 4
        insn("mov", 6, 0),  # 6
        ld_func(5, 5),  # 7: r5 = &g (slot 13)
        insn("callx", 5),  # 9
        EXIT,  # 10
        mov(0, 0),  # 11: callback: continue
        EXIT,  # 12
        mov(0, 42),  # 13: g
        EXIT,  # 14
    ]
    with chunk_size(size):
        interpreter = Interpreter(program)
        result = interpreter.execute()
        assert result.retval == 42 and result.registers[6] == 4
        assert interpreter.run(trace=lambda event: None) == 42


def _outcome(
    interpreter: Interpreter, data: bytearray, initial: bytes, **kwargs: object
) -> tuple[object, ...]:
    data[:] = initial
    region = interpreter.memory.regions[0]
    try:
        result = interpreter.execute(
            registers={1: region.start, 2: len(data)},
            budget=3000,
            trace_pipe=TracePipe(),
            **kwargs,  # type: ignore[arg-type]
        )
    except ExecutionError as error:
        return type(error), error.pc, bytes(data)
    return "ok", result.registers[0], result.instructions, bytes(data)


def retranslate(interpreter: Interpreter, size: int) -> None:
    """Give ``interpreter`` a fresh translation with chunks of ``size`` (same stack, same code address)."""
    with chunk_size(size):
        program = interpreter.translation.program
        interpreter.translation = translation.Translation(
            program.view,
            program.specs,
            resolved=program.resolved,
            helper_ids=program.helper_ids,
        )
        interpreter.translation.chunks  # noqa: B018 - analyse now, with this chunk size
    interpreter._chunks = None
    interpreter._steps = {}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(), initial=st.binary(min_size=64, max_size=64), size=st.sampled_from([1, 2, 3, 5]))
def test_random_programs_run_alike_in_chunks(program: list[Instruction], initial: bytes, size: int) -> None:
    memory = Memory()
    data = bytearray(64)
    memory.add_region(data, writable=True, name="data")
    interpreter = Interpreter(program, memory=memory)
    whole = _outcome(interpreter, data, initial)
    retranslate(interpreter, size)
    assert _outcome(interpreter, data, initial) == whole
    assert _outcome(interpreter, data, initial, trace=lambda event: None)[:2] == whole[:2]


def test_lddw_at_chunk_boundaries() -> None:
    program = [lddw(0, 1), lddw(1, 2), insn("add", 0, 1), lddw(2, 1 << 40), insn("add", 0, 2), EXIT]
    for size in (1, 2, 3):
        with chunk_size(size):
            assert Interpreter(program).run() == 3 + (1 << 40)


def test_tracebacks_show_the_generated_source_with_disassembly() -> None:
    interpreter = Interpreter([mov(0, 1), insn("add", 0, imm=2), EXIT])
    assert interpreter.run() == 3
    chunks = interpreter._chunks
    assert chunks is not None
    filename = chunks[0].__code__.co_filename
    source = "".join(linecache.getlines(filename))
    assert "r0 = (r0 + 2) & 0xffffffffffffffff  # 1: r0 += 2" in source
    assert source.startswith("# Generated by pybpf.vm.codegen")


def test_chunks_end_at_function_boundaries_when_near() -> None:
    main = [mov(0, 0), insn("call local", imm=268), *([insn("add", 0, imm=1)] * 266), insn("add", 0, 1), EXIT]
    function = [*([insn("add", 0, imm=1)] * 20), insn("jeq", 0, off=1, imm=3), mov(0, 2), EXIT]  # 270..
    interpreter = Interpreter([*main, *function])
    assert interpreter.run() == 2 + 266
    assert interpreter.translation._chunk_first == [0, 270]
