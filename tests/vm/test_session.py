"""RunSession: repeated runs sharing their setup give exactly the results of separate executes.

A session keeps its stack registered, reuses one run state and carries the generated code's region
cache from one run to the next (only while ``Memory.generation`` shows no region changed).  These
tests check that none of that is visible: the stack is zero at the start of every run, a fault
inside a call leaves nothing behind, stale cached regions are never used, tail calls and nested runs
behave as with ``execute``, and random programs give the same outcome on every run.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pybpf
from pybpf.engine import TailCall
from pybpf.errors import BudgetExceededError, CallDepthError, ExecutionError, MemoryAccessError
from pybpf.helpers import HelperContext, RunEnv, TracePipe
from pybpf.isa.instruction import Instruction
from pybpf.vm import Interpreter, Memory
from tests.vm.builders import EXIT, insn, ld_func, mov
from tests.vm.test_random_programs import programs


def _interpreter(source: str, memory: Memory | None = None, **kwargs: object) -> Interpreter:
    return Interpreter(pybpf.assemble(source), memory=memory, **kwargs)  # type: ignore[arg-type]


def test_stack_is_zero_at_the_start_of_every_run() -> None:
    interpreter = _interpreter(
        """
        r0 = *(u64 *)(r10 - 8)
        r2 = *(u64 *)(r10 - 512)
        r0 += r2
        r1 = 77
        *(u64 *)(r10 - 8) = r1
        *(u64 *)(r10 - 512) = r1
        exit
        """
    )
    with interpreter.session() as session:
        assert [session.run() for _ in range(3)] == [0, 0, 0]
        assert session.instructions == 7


def test_the_stack_stays_registered_only_while_the_session_is_open() -> None:
    memory = Memory()
    interpreter = _interpreter("r0 = r10\nexit", memory)
    session = interpreter.session()
    assert [region.name for region in memory.regions] == ["stack"]
    top = session.run()
    assert session.run() == top  # same stack, same r10 every run
    stack = memory.regions[0]
    assert (stack.start, stack.end) == (top - 512, top)  # one frame accessible between runs
    session.close()
    assert memory.regions == ()
    assert session.closed
    with pytest.raises(ValueError, match="closed"):
        session.run()
    session.close()  # idempotent


def test_registers_start_from_r1_and_zero() -> None:
    interpreter = _interpreter("r0 = r1\nr0 += r2\nr0 += r6\nr6 = 5\nr2 = 9\nexit")
    with interpreter.session() as session:
        assert session.run(40) == 40
        assert session.run(41) == 41


def test_a_fault_inside_a_call_leaves_nothing_behind() -> None:
    # r1 == 0: a bpf-to-bpf call dereferences NULL; otherwise it returns 7 + its stack slot (zero).
    source = """
        r6 = r1
        call fn
        exit
    fn:
        r0 = *(u64 *)(r10 - 8)
        r2 = 3
        *(u64 *)(r10 - 8) = r2
        if r6 != 0 goto ok
        r0 = *(u64 *)(r6 + 0)
    ok:
        r0 += 7
        exit
    """
    interpreter = _interpreter(source)
    with interpreter.session() as session:
        assert session.run(1) == 7
        with pytest.raises(MemoryAccessError):
            session.run(0)
        assert session.run(1) == 7
        stack = session._state.stack
        assert stack.end - stack.start == 512  # back to one frame


def test_call_depth_and_budget_faults_match_execute() -> None:
    recursive = [insn("call local", imm=-1), EXIT]
    interpreter = Interpreter(recursive)
    with interpreter.session() as session:
        for _ in range(2):
            with pytest.raises(CallDepthError):
                session.run()
    looping = _interpreter("r0 = 0\nloop:\nr0 += 1\nif r0 < 100 goto loop\nexit")
    with looping.session(budget=50) as session:
        for _ in range(2):
            with pytest.raises(BudgetExceededError) as info:
                session.run()
            assert info.value.pc is not None
    with pytest.raises(BudgetExceededError) as expected:
        looping.execute(budget=50)
    assert expected.value.pc == info.value.pc
    with looping.session(budget=None) as session:
        assert session.run() == 100
        assert session.instructions == looping.execute().instructions


def test_cached_regions_are_dropped_when_regions_change() -> None:
    memory = Memory()
    first = bytearray(struct.pack("<Q", 11) + bytes(8))
    region = memory.add_region(first, writable=True, name="first")
    interpreter = _interpreter("r0 = *(u64 *)(r1 + 0)\nr2 = 5\n*(u64 *)(r1 + 8) = r2\nexit", memory)
    with interpreter.session() as session:
        address = region.start
        assert session.run(address) == 11
        first[:8] = struct.pack("<Q", 12)  # the cache holds the view, not the bytes
        assert session.run(address) == 12
        assert first[8:] == struct.pack("<Q", 5)
        memory.remove_region(region)
        with pytest.raises(MemoryAccessError):
            session.run(address)  # the region the last run cached is gone
        second = bytearray(struct.pack("<Q", 13) + bytes(8))
        other = memory.add_region(second, writable=True, name="second")
        assert session.run(other.start) == 13
        read_only = memory.add_region(bytes(16), writable=False, name="ro")
        with pytest.raises(MemoryAccessError):
            session.run(read_only.start)  # the write of the cached region must not pass for this one
        assert session.run(other.start) == 13


def test_alternating_reads_of_several_regions() -> None:
    memory = Memory()
    regions = [
        memory.add_region(bytearray(struct.pack("<Q", value)), writable=False, name=f"r{value}")
        for value in (1, 20, 300)
    ]
    source = """
        r0 = *(u64 *)(r1 + 0)
        r4 = *(u64 *)(r2 + 0)
        r0 += r4
        r4 = *(u64 *)(r1 + 0)
        r0 += r4
        r4 = *(u64 *)(r3 + 0)
        r0 += r4
        r4 = *(u64 *)(r2 + 0)
        r0 += r4
        r4 = *(u64 *)(r10 - 8)
        r0 += r4
        exit
    """
    interpreter = _interpreter(source, memory)
    a, b, c = (region.start for region in regions)
    expected = interpreter.execute(registers={1: a, 2: b, 3: c}).retval
    assert expected == 1 + 20 + 1 + 300 + 20
    # r2 and r3 are zero in a session: load them from the context r1 points to instead
    ctx = bytearray(struct.pack("<QQQ", a, b, c))
    ctx_region = memory.add_region(ctx, writable=False, name="ctx")
    prologue = "r2 = *(u64 *)(r1 + 8)\nr3 = *(u64 *)(r1 + 16)\nr1 = *(u64 *)(r1 + 0)\n"
    interpreter = _interpreter(prologue + source, memory)
    with interpreter.session() as session:
        assert [session.run(ctx_region.start) for _ in range(3)] == [expected] * 3


TAIL_CALL = 12


def _tail_call(ctx: HelperContext, *args: int) -> int:
    raise TailCall(args[2])


def test_tail_call_leaves_run_with_the_instructions_charged() -> None:
    program = [mov(6, 1), mov(3, 5), insn("call", imm=TAIL_CALL), mov(0, 99), EXIT]
    interpreter = Interpreter(program, helpers={TAIL_CALL: _tail_call})
    with interpreter.session() as session:
        for _ in range(2):
            with pytest.raises(TailCall) as info:
                session.run(1234)
            assert info.value.target == 5
            assert info.value.instructions == session.instructions
            assert info.value.instructions is not None and 3 <= info.value.instructions <= 5


def test_a_run_started_inside_a_run_falls_back_to_execute() -> None:
    sessions: list[object] = []

    def nested(ctx: HelperContext, r1: int, *_: int) -> int:
        if r1 == 0:
            return 1000
        run = sessions[0].run  # type: ignore[attr-defined]
        return int(run(0, ctx.env)) + 1

    program = [insn("call", imm=4242), insn("mov", 1, 0), EXIT]  # r0 = helper(r1)
    interpreter = Interpreter(program, helpers={4242: nested})
    with interpreter.session() as session:
        sessions.append(session)
        assert session.run(1) == 1001
        assert session.run(0) == 1000


def test_env_reaches_helpers_per_run() -> None:
    def read_env(ctx: HelperContext, *_: int) -> int:
        return ctx.env.cpu

    interpreter = Interpreter([insn("call", imm=4243), EXIT], helpers={4243: read_env})
    with interpreter.session() as session:
        assert session.run(0, RunEnv(cpu=3)) == 3
        assert session.run(0, RunEnv(cpu=4)) == 4
        assert session.run(0) == 0


def test_ld_abs_out_of_range_ends_the_run_with_zero() -> None:
    program = [Instruction(0x20, imm=100), mov(0, 5), EXIT]  # r0 = ntohl(*(u32 *)(skb + 100))
    interpreter = Interpreter(program)
    with interpreter.session() as session:
        assert session.run(0, None, lambda offset, size: None) == 0
        assert session.run(0, None, lambda offset, size: 7) == 5


def _outcome(run: object) -> tuple[object, ...]:
    try:
        value = run()  # type: ignore[operator]
    except ExecutionError as error:
        return type(error), error.pc
    return ("ok", value)


def _uses_the_frame_pointer_as_a_value(program: list[Instruction]) -> bool:
    """Whether r10 is an operand of an ALU operation, a comparison or a store (not only a base)."""
    for one in program:
        kind = one.opcode & 0x07
        if one.src == 10 and (kind == 0x03 or (kind in (0x04, 0x05, 0x06, 0x07) and one.opcode & 0x08)):
            return True
    return False


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(), initial=st.binary(min_size=64, max_size=64))
def test_random_programs_run_alike_in_a_session_and_alone(program: list[Instruction], initial: bytes) -> None:
    memory = Memory()
    data = bytearray(64)
    region = memory.add_region(data, writable=True, name="data")
    interpreter = Interpreter(program, memory=memory)
    pipe = TracePipe()

    def alone() -> tuple[int, int, bytes]:
        result = interpreter.execute(registers={1: region.start}, budget=3000, trace_pipe=pipe)
        return result.retval, result.instructions, bytes(data)

    data[:] = initial
    reference = _outcome(alone)
    with interpreter.session(budget=3000, trace_pipe=pipe) as session:

        def in_session() -> tuple[int, int, bytes]:
            return session.run(region.start), session.instructions, bytes(data)

        outcomes = []
        for _ in range(3):  # later runs start with the region cache the previous one left
            data[:] = initial
            outcomes.append(_outcome(in_session))
        top = session._state.top
    assert outcomes[1] == outcomes[0] and outcomes[2] == outcomes[0]
    if _uses_the_frame_pointer_as_a_value(program):
        return  # its results depend on where the stack is, which differs between the two
    # r0 and the data may hold stack addresses, which differ between the session and execute
    if reference[0] == "ok" and outcomes[0][0] == "ok":
        ours, theirs = outcomes[0][1], reference[1]
        assert isinstance(ours, tuple) and isinstance(theirs, tuple)
        assert ours[1] == theirs[1]  # instructions
        if not top - 8192 <= ours[0] <= top:
            assert ours[0] == theirs[0]
    else:
        assert outcomes[0] == reference


def test_a_callback_never_starts_with_a_region_its_helper_removed() -> None:
    """The cache a run starts with is taken by that run: a callback entered later looks regions up."""
    memory = Memory()
    region = memory.add_region(bytearray(struct.pack("<Q", 21)), writable=False, name="a")
    remove = [False]

    def call_back(ctx: HelperContext, r1: int, r2: int, *_: int) -> int:
        if remove[0]:
            memory.remove_region(region)
        return ctx.call_function(r2, r1)

    program = [
        insn("mov", 6, src=1),  # 0: r6 = r1 (the region's address)
        ld_func(2, 4),  # 1: r2 = &callback (slot 6)
        insn("call", imm=4244),  # 3: r0 = call_back(r1, r2)
        insn("ldxdw", 0, 6),  # 4: r0 = *(u64 *)(r6 + 0): the run ends with the region cached
        EXIT,  # 5
        insn("ldxdw", 0, 1),  # 6: callback: r0 = *(u64 *)(r1 + 0)
        EXIT,  # 7
    ]
    interpreter = Interpreter(program, helpers={4244: call_back}, memory=memory)
    with interpreter.session() as session:
        assert session.run(region.start) == 21
        assert session.run(region.start) == 21
        remove[0] = True
        with pytest.raises(MemoryAccessError):
            session.run(region.start)
