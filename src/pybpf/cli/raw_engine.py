"""The engine of the command line's raw runs: ``pybpf run`` and ``pybpf-conformance-plugin``.

A raw run executes instructions in the raw model (r1 = memory, r2 = its length), outside any program
type and without the verifier.  Like loaded programs (``bpf_prog_select_runtime`` in kernel/bpf/core.c,
``pybpf.kernel.prog_run``) it runs on the engine ``PYBPF_ENGINE`` names, else the default, the JIT:
compiled now (``pybpf.jit.jit_engine``, run-time checks on every access), or on the interpreter with
the JIT's one-line notice where it cannot be compiled.  ``auto`` (compile once a program has run
enough) means the interpreter here, as a raw run runs once; so does a traced run (the JIT's traces
come from the interpreter anyway).
"""

from __future__ import annotations

from collections.abc import Sequence

from pybpf.helpers import default_registry
from pybpf.isa.instruction import Instruction
from pybpf.jit import JitProgram, jit_engine
from pybpf.kernel.prog_run import selected_engine
from pybpf.memory.regions import Memory
from pybpf.vm import Interpreter

RAW_ENGINES = ("interpreter", "jit")
"""The engines a raw run can be asked for by name."""


def raw_program(
    insns: Sequence[Instruction], engine: str | None = None, *, traced: bool = False
) -> Interpreter | JitProgram:
    """``insns`` ready to run raw on ``engine`` (default: ``selected_engine()``)."""
    if traced or (engine or selected_engine()) != "jit":
        return Interpreter(insns)
    executable = jit_engine(insns, helpers=default_registry(), memory=Memory(), resolved={})
    assert isinstance(executable, Interpreter | JitProgram)
    return executable


__all__ = ["RAW_ENGINES", "raw_program"]
