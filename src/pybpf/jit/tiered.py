"""Tiered execution: a program starts on the interpreter and moves to the JIT once it has run enough.

Mirrors the split the kernel makes between ``___bpf_prog_run`` and the JIT in
``bpf_prog_select_runtime`` (kernel/bpf/core.c), with the choice made by use rather than at load,
as tiered virtual machines do: compiling costs tens of milliseconds (LLVM's pipeline and code
generation), interpreting costs tens of nanoseconds per instruction, so a program is compiled once
the instructions it has executed on the interpreter (``COMPILE_AFTER``) would have paid for its
compilation — a program loaded to run a few times never waits for LLVM, one replayed over a
capture or test-run with a large ``repeat`` runs natively after its first runs.

Both engines give the same results (the JIT's tests prove it against the interpreter), so the switch
is invisible but in speed: it happens between two runs (each run starts from a zeroed stack and
its own registers), inside a session too — the repeats of one BPF_PROG_TEST_RUN move to the JIT
as soon as the threshold is crossed.  When the JIT cannot compile the program the interpreter keeps
it (``pybpf.jit.notice`` says so once).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from pybpf.engine import RunSession
from pybpf.helpers.context import RunEnv
from pybpf.helpers.registry import HelperRegistry
from pybpf.isa.instruction import Instruction
from pybpf.jit.codegen import JitUnavailable, check_budget, target
from pybpf.jit.executable import JitProgram
from pybpf.jit.fallback import notice
from pybpf.maps.base import MapOps
from pybpf.memory.regions import Memory, PacketReader
from pybpf.vm.interpreter import Interpreter
from pybpf.vm.runtime import DEFAULT_BUDGET

COMPILE_AFTER = 1_000_000
"""Instructions a program executes on the interpreter before it is compiled (about 40-150 ms of
interpretation here: a few times what compiling a program of ordinary size costs)."""


class TieredProgram:
    """An ``Executable`` running on the interpreter until ``COMPILE_AFTER`` instructions, then the JIT."""

    def __init__(
        self,
        instructions: Sequence[Instruction],
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
    ) -> None:
        self.interpreter = Interpreter(
            instructions, helpers=helpers, memory=memory, resolved=resolved, probe_loads=probe_loads,
            arena_accesses=arena_accesses, arena=arena, exception_callback=exception_callback,
        )  # fmt: skip
        self._instructions = instructions
        self._helpers, self._memory, self._resolved = helpers, memory, resolved
        self._facts = facts
        """The verifier's facts the JIT compiles the program with (``JitProgram``'s ``facts``)."""
        self._stack_depths = stack_depths
        """The verifier's stack depths, for the JIT (``JitProgram``'s ``stack_depths``)."""
        self._probe_loads = probe_loads
        """The verifier's probe loads, for both engines (``JitProgram``'s ``probe_loads``)."""
        self._arena_accesses, self._arena = arena_accesses, arena
        """The arena accesses and the arena, for both engines (``JitProgram``'s)."""
        self._exception_callback = exception_callback
        """The program's own exception callback, for both engines (``JitProgram``'s)."""
        self.executed = 0
        """Instructions run on the interpreter so far."""
        self.jit: JitProgram | None = None
        self._gave_up = False

    def prepare(self) -> None:
        self.interpreter.prepare()

    def session(self, *, budget: int | None = DEFAULT_BUDGET) -> TieredSession:
        return TieredSession(self, budget)

    def function_at(self, address: int) -> int | None:
        """The slot of the BPF function at ``address`` on either engine (their code bases differ)."""
        slot = self.interpreter.function_at(address)
        if slot is None and self.jit is not None:
            slot = self.jit.function_at(address)
        return slot

    def release(self) -> None:
        """``JitProgram.release`` of the compiled program, if any (the runtime is gone)."""
        if self.jit is not None:
            self.jit.release()

    def compiled_program(self) -> JitProgram | None:
        """The JIT's program once the interpreter has run enough (compiled then), else None."""
        if self.jit is None and not self._gave_up and self.executed >= COMPILE_AFTER:
            try:
                target()
                check_budget(len(self._instructions))
                program = JitProgram(
                    self._instructions,
                    helpers=self._helpers,
                    memory=self._memory,
                    resolved=self._resolved,
                    facts=self._facts,
                    stack_depths=self._stack_depths,
                    probe_loads=self._probe_loads,
                    arena_accesses=self._arena_accesses,
                    arena=self._arena,
                    exception_callback=self._exception_callback,
                )
                program.prepare()
            except JitUnavailable as exc:
                self._gave_up = True
                notice(str(exc) or type(exc).__name__)
                return None
            self.jit = program
        return self.jit


class TieredSession:
    """A ``RunSession`` on the interpreter that moves to a JIT session when its program is compiled."""

    def __init__(self, program: TieredProgram, budget: int | None = DEFAULT_BUDGET) -> None:
        self.program = program
        self._budget = budget
        self._session: RunSession = program.interpreter.session(budget=budget)
        self._native = False
        self.instructions = 0

    @property
    def native(self) -> RunSession | None:
        """The JIT's session once this one has moved to it, else None."""
        return self._session if self._native else None

    def run(self, r1: int = 0, env: RunEnv | None = None, packet: PacketReader | None = None) -> int:
        with self.program.interpreter.memory.lock:
            return self.run_locked(r1, env, packet)

    def _current(self) -> RunSession:
        """The session to run on now: the JIT's once the program is compiled."""
        if not self._native:
            compiled = self.program.compiled_program()
            if compiled is not None:
                self._session.close()
                self._session = compiled.session(budget=self._budget)
                self._native = True
        return self._session

    def run_locked(self, r1: int = 0, env: RunEnv | None = None, packet: PacketReader | None = None) -> int:
        session = self._current()
        try:
            return session.run_locked(r1, env, packet)
        finally:
            self.instructions = session.instructions
            if not self._native:
                self.program.executed += session.instructions

    def call_locked(self, slot: int, args: tuple[int, ...], env: RunEnv | None = None) -> int:
        """``RunSession.call_locked`` on the engine the program runs on now."""
        session = self._current()
        try:
            return session.call_locked(slot, args, env)
        finally:
            self.instructions = session.instructions
            if not self._native:
                self.program.executed += session.instructions

    def close(self) -> None:
        self._session.close()


def tiered_engine(
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
) -> TieredProgram:
    """The ``Engine`` of tiered execution (``facts``, ``stack_depths``: the verifier's, for the JIT;
    ``probe_loads``, ``arena_accesses``, ``arena`` and ``exception_callback``: for both engines)."""
    return TieredProgram(
        instructions, helpers=helpers, memory=memory, resolved=resolved, facts=facts,
        stack_depths=stack_depths, probe_loads=probe_loads, arena_accesses=arena_accesses, arena=arena,
        exception_callback=exception_callback,
    )  # fmt: skip


__all__ = ["COMPILE_AFTER", "TieredProgram", "TieredSession", "tiered_engine"]
