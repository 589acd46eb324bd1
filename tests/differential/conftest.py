"""Fixtures of the differential tests: the kernel oracle and pybpf's two engines, side by side.

Every test here needs the real bpf(2) (BPF_PROG_LOAD, BPF_PROG_TEST_RUN, array maps); the ``kernel``
fixture skips the test, never fails it, where this process cannot use the syscall.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator, Sequence

import pytest

from pybpf.errors import BPFError
from pybpf.isa.instruction import Instruction
from pybpf.kernel.native import kernel_bpf_available
from tests.differential.kernel_harness import (
    BPF_PROG_TYPE_SOCKET_FILTER,
    BPF_PROG_TYPE_XDP,
    Comparator,
    KernelRejected,
    KernelRunner,
    listing,
)
from tests.differential.program_gen import EXIT

# Refusals meaning "not here" rather than "wrong": permissions, no syscall, program type unsupported
# (ENOTSUPP is the kernel-internal 524 that bpf(2) leaks for some unsupported test runs).
_UNSUPPORTED = (errno.EPERM, errno.EACCES, errno.ENOSYS, errno.EOPNOTSUPP, 524)


def _runner(prog_type: int) -> Iterator[KernelRunner]:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) syscall is not available to this process")
    try:
        runner = KernelRunner(prog_type)
        runner.run([Instruction.lddw(0, 1)])  # can we load and test-run programs too?
    except (BPFError, KernelRejected) as err:
        if err.errno in _UNSUPPORTED:
            pytest.skip(f"cannot load and test-run programs on this kernel: {err}")
        raise
    with runner:
        yield runner


@pytest.fixture(scope="session")
def kernel() -> Iterator[KernelRunner]:
    """Runs bodies as BPF_PROG_TYPE_SOCKET_FILTER programs on the real kernel."""
    yield from _runner(BPF_PROG_TYPE_SOCKET_FILTER)


@pytest.fixture(scope="session")
def xdp_kernel() -> Iterator[KernelRunner]:
    """Runs bodies as BPF_PROG_TYPE_XDP programs on the real kernel."""
    yield from _runner(BPF_PROG_TYPE_XDP)


@pytest.fixture(scope="session")
def differential(kernel: KernelRunner) -> Comparator:
    """``differential(body)`` runs the body on the kernel and on each of pybpf's engines (the
    interpreter and the JIT: every generated program, without generating it twice), asserts equal r0
    and returns it."""
    from pybpf.jit import JitProgram
    from pybpf.vm import Interpreter

    def compare(body: Sequence[Instruction]) -> int:
        expected = kernel.run(body)
        for engine in (Interpreter, JitProgram):
            actual = engine([*body, EXIT]).run()
            if actual != expected:
                message = f"r0 differs: pybpf's {engine.__name__} {actual:#x}, kernel {expected:#x}"
                raise AssertionError(f"{message}\nbody:\n{listing(body)}")
        return expected

    return compare
