"""The JIT: eBPF compiled to native code with llvmlite, behind the engine seam (``pybpf.engine``).

Mirrors the kernel's JIT and ``bpf_prog_select_runtime`` (kernel/bpf/core.c): a program is compiled
at load when the JIT can, and runs on the interpreter otherwise.  ``jit_engine`` is the ``Engine``
``pybpf.kernel.prog_run`` registers as ``"jit"`` (the default engine): it compiles the program at
once and, when llvmlite cannot load, LLVM cannot compile the program or it is beyond the compile
bound (``codegen.check_budget``), prints a one-line notice and returns the interpreter for it — the
program still runs, with the same results.  The package imports without llvmlite: only the lowering
needs it, and it is imported once llvmlite has loaded.

``tiered_engine`` (``"auto"``) starts a program on the interpreter and compiles it once it has run
enough to pay for the compilation (``pybpf.jit.tiered``).

The pieces: ``state`` (the native run state), ``lower`` (the program as one LLVM function: blocks,
budget, memory checks, frames), ``kinds`` (one lowering function per instruction kind),
``native_helpers`` + ``native_maps`` (hot helpers as native code), ``stack_zeroing`` (what of the
stack a run starts zeroed), ``repeat`` (the native entries: one run, or a test run's repeats),
``codegen`` (module -> verify -> optimise -> object -> finalise -> pointer, bounded), ``cache`` (the object
files on disk, shared by every process), ``runtime`` (sessions, the one trampoline into Python,
faults), ``executable`` (``JitProgram``, with the interpreter's API), ``tiered`` (interpreter
first, JIT when hot), ``fallback`` (the one-line notice).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from pybpf.engine import Executable
from pybpf.helpers.registry import HelperRegistry
from pybpf.isa.instruction import Instruction
from pybpf.jit.codegen import JitUnavailable, check_budget, require_llvmlite
from pybpf.jit.executable import JitProgram
from pybpf.jit.fallback import notice
from pybpf.jit.runtime import JitSession
from pybpf.jit.tiered import TieredProgram, tiered_engine
from pybpf.maps.base import MapOps
from pybpf.memory.regions import Memory
from pybpf.vm.interpreter import Interpreter


def jit_engine(
    instructions: Sequence[Instruction],
    /,
    *,
    helpers: HelperRegistry,
    memory: Memory,
    resolved: Mapping[int, int],
    facts: Collection[int] | None = None,
    stack_depths: Mapping[int, int] | None = None,
    probe_loads: Collection[int] = (),
    arena_accesses: Collection[int] = (),
    arena: MapOps | None = None,
    exception_callback: int | None = None,
) -> Executable:
    """The ``Engine`` of the JIT: a compiled program, or the interpreter when it cannot be compiled.
    ``facts``: the slots of the accesses the verifier proved in bounds, ``stack_depths``: its stack
    depth of each subprogram by start slot, ``probe_loads``: the slots of its probe loads,
    ``arena_accesses``: the slots of its arena accesses, carried out on ``arena``,
    ``exception_callback``: the slot of the program's own exception callback (``JitProgram``)."""
    try:
        require_llvmlite()  # or the program runs on the interpreter
        check_budget(len(instructions))  # before building anything for a program far too large
        program = JitProgram(
            instructions, helpers=helpers, memory=memory, resolved=resolved, facts=facts,
            stack_depths=stack_depths, probe_loads=probe_loads, arena_accesses=arena_accesses, arena=arena,
            exception_callback=exception_callback,
        )  # fmt: skip
        program.prepare()
    except JitUnavailable as exc:
        notice(str(exc) or type(exc).__name__)
        return Interpreter(
            instructions, helpers=helpers, memory=memory, resolved=resolved, probe_loads=probe_loads,
            arena_accesses=arena_accesses, arena=arena, exception_callback=exception_callback,
        )  # fmt: skip
    return program


__all__ = [
    "JitProgram",
    "JitSession",
    "JitUnavailable",
    "TieredProgram",
    "jit_engine",
    "notice",
    "tiered_engine",
]
