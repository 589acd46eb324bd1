"""The engine seam: what a verified program becomes so that it can run, whatever runs it.

Mirrors the kernel's split between ``bpf_prog_select_runtime`` (kernel/bpf/core.c: the JIT, or the
interpreter ``___bpf_prog_run`` when the JIT is off or fails) and the callers of ``bpf_prog_run``:
the layer above (``pybpf.kernel.prog_run``) builds an ``Executable`` through an ``Engine`` chosen
in one place and only ever uses this protocol.  ``pybpf.vm.Interpreter`` is the first engine (the
reference: tracing, stepping); the JIT (``pybpf.jit``) is the second.  Both share helpers, maps and
memory: an executable is built over the process's ``Memory`` with the program's map ``lddw``s resolved to
real addresses, and each run gets its ``RunEnv`` (CPU, packet, tail-call trampoline).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from pybpf.helpers.context import RunEnv
from pybpf.helpers.registry import HelperRegistry
from pybpf.isa.instruction import Instruction
from pybpf.memory.regions import Memory, PacketReader


class RunSession(Protocol):
    """Many runs of one executable sharing their setup (stack, run state), like ``bpf_test_run``."""

    instructions: int
    """Instructions the last run executed."""

    def run(self, r1: int = 0, env: RunEnv | None = None, packet: PacketReader | None = None) -> int:
        """Run once with r1 = ``r1``; returns r0 (u64).  ``TailCall`` escapes to the caller."""
        ...

    def run_locked(self, r1: int = 0, env: RunEnv | None = None, packet: PacketReader | None = None) -> int:
        """``run`` for a caller already holding the memory's lock (for all the repeats of a test run)."""
        ...

    def call_locked(self, slot: int, args: tuple[int, ...], env: RunEnv | None = None) -> int:
        """One run starting at the BPF function at ``slot`` (``Executable.function_at``) with
        ``args`` in r1..r5: an asynchronous callback's run (a bpf_timer's).  For a caller holding the
        memory's lock; returns r0."""
        ...

    def close(self) -> None:
        """Release the session's resources (its stack leaves the address space)."""
        ...


class Executable(Protocol):
    """A verified program an engine has made runnable."""

    def prepare(self) -> None:
        """Translate or compile everything now (the kernel JITs at load), not lazily on first run."""
        ...

    def session(self, *, budget: int | None = ...) -> RunSession:
        """A new run session whose runs may execute ``budget`` instructions each (None: unlimited;
        the default: the engine's, ``pybpf.vm.DEFAULT_BUDGET``)."""
        ...

    def function_at(self, address: int) -> int | None:
        """The slot of the BPF function whose address is ``address`` (an lddw BPF_PSEUDO_FUNC value,
        as this executable's runs see it), None for any other address."""
        ...


class Engine(Protocol):
    """Builds an ``Executable`` from a program's (xlated) instructions."""

    def __call__(
        self,
        instructions: Sequence[Instruction],
        /,
        *,
        helpers: HelperRegistry,
        memory: Memory,
        resolved: Mapping[int, int],
    ) -> Executable:
        """``resolved``: slot -> the 64-bit value each map ``lddw`` loads (real addresses)."""
        ...


class TailCall(BaseException):
    """Raised by a helper (bpf_tail_call) to replace the running program with ``target``.

    ``target`` is opaque to the engine (the program runner of ``pybpf.kernel`` decides what it is).  A
    BaseException: helpers catching ``Exception`` do not swallow it and the
    engine does not wrap it into a ``HelperError``; it leaves the session's ``run`` unchanged
    after the run's stack is released, with ``instructions`` set to the instructions
    the run was charged (the budget is charged per basic block, so the rest of the calling block
    is included), so the runner can start ``target`` with the same context (r1), as the kernel
    does, and carry the budget over.

    A tail call made in a BPF function (a frame after the main program's) replaces that frame only
    (the kernel's x86-64 JIT with bpf2bpf calls): the engine does not let it escape then, but runs
    ``in_place(target)``, the runner's nested run of the target (and of its own tail calls), and
    returns its r0 to the function's caller, as the function's ``exit`` would.
    """

    def __init__(self, target: object, in_place: Callable[[object], int] | None = None) -> None:
        super().__init__(target)
        self.target = target
        self.in_place = in_place
        """The runner's run of ``target`` in place of a BPF function's frame (None: not possible)."""
        self.instructions: int | None = None

    def replace_frame(self) -> int:
        """Run the target in place of the current BPF function's frame: its r0 (re-raises this
        exception when the runner gave no way to)."""
        if self.in_place is None:
            raise self
        return self.in_place(self.target)


__all__ = ["Engine", "Executable", "RunSession", "TailCall"]
