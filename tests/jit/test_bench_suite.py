"""The JIT benchmark suite (``benchmarks/jit_suite.py``) computes the same on both engines and the kernel.

Each program compiled from C in ``benchmarks/c`` is loaded by pybpf's ELF loader on pybpf's user backend
once per engine (``interpreter``, ``jit``: the runtime is checked to be that engine) and on the real
kernel, and run twice on the suite's frame: once, then three repeats on what the first run wrote.  The
retvals, the packets out and the raw contents of every map afterwards must be the same on all three
(the kernel's part is skipped where bpf(2) is unavailable).  This also keeps the benchmark programs
loadable: a program pybpf's verifier refuses fails here.
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


def outcome(program: SuiteProgram, backend: Backend, engine: str | None) -> tuple[Any, ...]:
    with loaded(program, backend, engine) as obj:
        prog = obj.programs[program.name]
        first = prog.run(FRAME)
        again = prog.run(first.data_out, repeat=3)
        if engine is not None:
            runtime = ProgRuntime.of(ProgObject.from_fd(prog.fd))
            assert isinstance(runtime.executable, ENGINE_TYPES[engine])
        return first.retval, first.data_out, again.retval, again.data_out, map_contents(obj)


@pytest.mark.parametrize("program", SUITE, ids=lambda p: p.name)
def test_engines_and_the_kernel_agree(program: SuiteProgram) -> None:
    interpreted = outcome(program, UserBackend(), "interpreter")
    assert outcome(program, UserBackend(), "jit") == interpreted
    if kernel_bpf_available():
        assert outcome(program, NativeBackend(), None) == interpreted
