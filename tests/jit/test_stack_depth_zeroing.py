"""A run of a verified program on the JIT zeroes only the stack it can read (``pybpf.jit.stack_zeroing``):
per call level, the deepest stack the verifier found for a subprogram that can run there.  The depths
travel from the verifier through the program file; the results are the interpreter's (a root program
reading stack it did not write reads zeroes, on every run and every repeat: pybpf's rule for what
the kernel leaves undefined -- its JIT's frames hold whatever the kernel stack held).
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from typing import Any

import pytest

from pybpf import Program
from pybpf.isa import assemble
from pybpf.isa.opcodes import MAX_CALL_FRAMES, STACK_SIZE
from pybpf.isa.program import ProgramView
from pybpf.jit.executable import JitProgram
from pybpf.jit.repeat import RunBlock, run_once_function
from pybpf.jit.stack_zeroing import EVERY_FRAME, zeroed_ranges, zeroing_plan
from pybpf.kernel import prog_run
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.progobj import ProgObject

PACKET = bytes(64)

# Reads 8 bytes of its stack it never wrote before this point, then scribbles over them: a run that did
# not start from zeroes returns what the last one left.
MAIN_ONLY = """
    r0 = *(u64 *)(r10 - 24)
    r1 = 77
    *(u64 *)(r10 - 24) = r1
    exit
"""
# The same in a subprogram two levels down, and in a bpf_loop callback.
NESTED = """
    call one
    exit
one:
    r1 = 5
    *(u64 *)(r10 - 8) = r1
    call two
    exit
two:
    r0 = *(u64 *)(r10 - 40)
    r1 = 99
    *(u64 *)(r10 - 40) = r1
    exit
"""
CALLBACK = """
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    r5 = 0
    *(u64 *)(r10 - 8) = r5
    call bpf_loop
    r0 = *(u64 *)(r10 - 8)
    exit
cb:
    r0 = *(u64 *)(r10 - 16)
    r3 = *(u64 *)(r2 + 0)
    r3 += r0
    *(u64 *)(r2 + 0) = r3
    r1 = 123
    *(u64 *)(r10 - 16) = r1
    r0 = 0
    exit
"""


def view(text: str) -> ProgramView:
    return ProgramView(assemble(text))


# -- the plan -----------------------------------------------------------------------------------------
def test_a_program_without_the_verifiers_depths_zeroes_every_frame() -> None:
    assert zeroing_plan(view(MAIN_ONLY), None) == EVERY_FRAME == (STACK_SIZE,) * MAX_CALL_FRAMES
    nested = view(NESTED)
    assert zeroing_plan(nested, {0: 0, nested.subprograms[1]: 8}) == EVERY_FRAME  # one subprogram unnamed


def test_each_level_zeroes_the_deepest_stack_of_what_can_run_there() -> None:
    assert zeroing_plan(view(MAIN_ONLY), {0: 24}) == (24,)
    assert zeroing_plan(view("r0 = 0\nexit"), {0: 0}) == ()
    nested = view(NESTED)
    one, two = nested.subprograms[1:]
    assert zeroing_plan(nested, {0: 0, one: 8, two: 40}) == (0, 8, 40)


def test_a_callback_may_run_at_any_level_below_the_first() -> None:
    callback = view(CALLBACK)
    cb = callback.subprograms[1]
    assert zeroing_plan(callback, {0: 8, cb: 16}) == (8,) + (16,) * (MAX_CALL_FRAMES - 1)


def test_zeroed_ranges_sit_under_each_frames_top_and_merge_when_adjacent() -> None:
    top = 1 << 20
    assert zeroed_ranges((24,), top) == [(top - 24, 24)]
    assert zeroed_ranges((0, 8, 40), top) == [(top - STACK_SIZE - 8, 8), (top - 2 * STACK_SIZE - 40, 40)]
    assert zeroed_ranges(EVERY_FRAME, top) == [
        (top - STACK_SIZE * MAX_CALL_FRAMES, STACK_SIZE * MAX_CALL_FRAMES)
    ]
    assert zeroed_ranges((STACK_SIZE, 16), top) == [(top - STACK_SIZE - 16, STACK_SIZE + 16)]


def test_the_native_entry_zeroes_exactly_the_blocks_ranges() -> None:
    program = JitProgram(assemble("r0 = 7\nexit"))
    state = (ctypes.c_uint64 * 14)()
    regs = (ctypes.c_uint64 * 11)()
    stack = (ctypes.c_char * (2 * STACK_SIZE))(*([b"\xff"] * (2 * STACK_SIZE)))
    top = ctypes.addressof(stack) + 2 * STACK_SIZE
    head = (ctypes.c_uint64 * 14)(1 << 40, 0, 0, 0, 1, top, 0, program.code_base, 0)
    block = RunBlock(
        entry=program.compiled.address, state=ctypes.addressof(state), head=ctypes.addressof(head),
        head_bytes=ctypes.sizeof(head), regs=ctypes.addressof(regs), top=top,
        zeroed=zeroed_ranges((16, 32), top),
    )  # fmt: skip
    assert run_once_function()(block.address) == 0
    assert regs[0] == 7 and regs[10] == top and state[5] == top
    raw = stack.raw
    expected = b"\xff" * (STACK_SIZE - 32) + bytes(32) + b"\xff" * (STACK_SIZE - 16) + bytes(16)
    assert raw == expected


# -- loaded programs: the depths from the verifier, the same results as the interpreter and the kernel ----
def test_the_verifiers_depths_reach_the_jit_through_the_program_file() -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, "jit")
        with Program.load(NESTED, "xdp", backend=UserBackend()) as prog:
            obj = ProgObject.from_fd(prog.fd)
            assert obj.meta.stack_depths == [0, 8, 40]
            executable = prog_run.ProgRuntime.of(obj).executable
            assert isinstance(executable, JitProgram)
            assert executable.stack_zeroing == (0, 8, 40)


def results(text: str, backend: Backend, engine: str) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, engine)
        with Program.load(text, "xdp", backend=backend) as prog:
            for repeat in (0, 1, 5, 0):
                yield prog.run(PACKET, repeat=repeat).retval


@pytest.mark.parametrize("text", [MAIN_ONLY, NESTED], ids=["main", "nested"])
@pytest.mark.parametrize("engine", ["jit", "interpreter"])
def test_every_run_reads_zeroes_where_it_did_not_write(text: str, engine: str) -> None:
    assert list(results(text, UserBackend(), engine)) == [0, 0, 0, 0]


def test_a_callback_reads_zeroes_on_every_run() -> None:
    """(A loaded program with a callback needs BTF func_info: the JIT's program, with the depths given.)"""
    cb = view(CALLBACK).subprograms[1]
    program = JitProgram(assemble(CALLBACK), stack_depths={0: 8, cb: 16})
    assert program.stack_zeroing == (8,) + (16,) * (MAX_CALL_FRAMES - 1)
    with program.session() as session:
        assert [session.run(0) for _ in range(3)] == [0, 0, 0]
    assert program.run() == 0
