"""A large program (thousands of instructions, a loop spanning chunks) gives the kernel's r0.

The kernel loads the program (its verifier walks every path) and runs it with BPF_PROG_TEST_RUN;
pybpf's interpreter runs it lazily translated in chunks of several sizes, and stepping; pybpf's JIT
compiled whole.  Skipped where the real bpf(2) is unavailable.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pybpf.errors import BPFError
from pybpf.isa.instruction import Instruction
from pybpf.jit import JitProgram
from pybpf.kernel.native import kernel_bpf_available
from pybpf.vm import Interpreter
from tests.differential.kernel_harness import KernelRejected, KernelRunner
from tests.vm.builders import EXIT, insn, lddw, mov
from tests.vm.test_translation import chunk_size


def _section(seed: int) -> list[Instruction]:
    """Twelve instructions mixing ALU64/ALU32, the stack, atomics and a forward branch."""
    return [
        insn("mov", 1, 0),
        insn("mul", 1, imm=3 + seed % 5),
        insn("add", 0, imm=seed),
        insn("stxdw", 10, 0, off=-8),
        insn("ldxdw", 2, 10, off=-8),
        insn("jgt", 2, off=1, imm=seed * 7919 % 100_000),
        insn("xor", 0, 1),
        insn("lock add", 10, 1, off=-16),
        insn("rsh", 1, imm=seed % 13),
        insn("add32", 0, 1),
        insn("ldxdw", 3, 10, off=-16),
        insn("add", 0, 3),
    ]


def large_body(sections: int, loop_sections: int) -> list[Instruction]:
    """A body (no exit) of about 12 * (sections + loop_sections) instructions with a 5-turn loop."""
    loop = [insn for seed in range(loop_sections) for insn in _section(1000 + seed)]
    body = [
        lddw(0, 0x0123_4567_89AB_CDEF),
        insn("stdw", 10, off=-16, imm=0),
        mov(6, 5),
        *loop,
        insn("sub", 6, imm=1),
        insn("jne", 6, off=-(len(loop) + 2), imm=0),
    ]
    for seed in range(sections):
        body += _section(seed)
    return body


@pytest.fixture(scope="module")
def kernel() -> Iterator[KernelRunner]:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) syscall is not available to this process")
    try:
        runner = KernelRunner()
        runner.run([Instruction.lddw(0, 1)])
    except (BPFError, KernelRejected) as err:
        pytest.skip(f"cannot load and test-run programs here: {err}")
    with runner:
        yield runner


def test_large_program_matches_the_kernel(kernel: KernelRunner) -> None:
    body = large_body(sections=250, loop_sections=30)  # about 3,400 instructions, a 362-insn loop
    expected = kernel.run(body)
    program = [*body, EXIT]
    for size in (256, 61):
        with chunk_size(size):
            interpreter = Interpreter(program)
            assert interpreter.translation.chunks > 1
            assert interpreter.run() == expected
    assert interpreter.run(trace=lambda event: None) == expected


def test_large_program_matches_the_kernel_on_the_jit(kernel: KernelRunner) -> None:
    # About 1,000 instructions: compiling the 3,400 above with every access checked (no verifier
    # facts) takes the JIT about 8 s of CPU, a cost for its own tests (tests/jit), not this one.
    body = large_body(sections=60, loop_sections=20)
    assert JitProgram([*body, EXIT]).run() == kernel.run(body)
