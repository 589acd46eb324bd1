"""The JIT benchmark suite (``benchmarks/jit_suite.py``) computes the same on both engines and the kernel.

Each program compiled from C in ``benchmarks/c`` is loaded by pybpf's ELF loader on pybpf's user backend
once per engine (``interpreter``, ``jit``: the runtime is checked to be that engine) and on the real
kernel, and run twice on the suite's frame: once, then three repeats on what the first run wrote.  The
retvals, the packets out and the raw contents of every map afterwards must be the same on all three
(the kernel's part is skipped where bpf(2) is unavailable).  This also keeps the benchmark programs
loadable: a program pybpf's verifier refuses fails here, unless listed in ``PYBPF_REFUSES`` with the
reason.
"""

from __future__ import annotations

from typing import Any

import pytest
from benchmarks.jit_suite import FRAME, SUITE, SuiteProgram, loaded, map_contents

from pybpf.jit import JitProgram
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.prog_run import ProgRuntime
from pybpf.kernel.progobj import ProgObject
from pybpf.vm import Interpreter

ENGINE_TYPES = {"interpreter": Interpreter, "jit": JitProgram}

PYBPF_REFUSES = {
    name: "Linux 6.18 accepts it; pybpf's verifier prunes fewer states in its loops and reaches the "
    "1,000,000-instruction limit (it also takes 20-80 s to get there)"
    for name in ("primes", "dispatch", "hash_map", "sort")
}
"""Suite programs pybpf's verifier refuses today (issue 11), and why."""


def outcome(program: SuiteProgram, backend: Backend, engine: str | None) -> tuple[Any, ...]:
    with loaded(program, backend, engine) as obj:
        prog = obj.programs[program.name]
        first = prog.run(FRAME)
        again = prog.run(first.data_out, repeat=3)
        if engine is not None:
            runtime = ProgRuntime.of(ProgObject.from_fd(prog.fd))
            assert isinstance(runtime.executable, ENGINE_TYPES[engine])
        return first.retval, first.data_out, again.retval, again.data_out, map_contents(obj)


@pytest.mark.parametrize(
    "program",
    [
        pytest.param(p, id=p.name, marks=[pytest.mark.skip(reason=PYBPF_REFUSES[p.name])])
        if p.name in PYBPF_REFUSES
        else pytest.param(p, id=p.name)
        for p in SUITE
    ],
)
def test_engines_and_the_kernel_agree(program: SuiteProgram) -> None:
    interpreted = outcome(program, UserBackend(), "interpreter")
    assert outcome(program, UserBackend(), "jit") == interpreted
    if kernel_bpf_available():
        assert outcome(program, NativeBackend(), None) == interpreted
