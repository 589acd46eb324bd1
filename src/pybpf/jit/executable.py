"""A program the JIT has compiled: the ``Executable`` of the JIT engine, with the interpreter's API.

Mirrors the kernel's ``bpf_prog`` after ``bpf_prog_select_runtime`` (kernel/bpf/core.c) chose the
JIT: ``bpf_func`` is native code, ``jited_len`` its size.  ``JitProgram`` takes what
``pybpf.vm.Interpreter`` takes (a program, helpers, the address space, the loader's resolved ``lddw``
values) and, for a program the verifier accepted, its ``facts`` (the accesses it proved in bounds,
compiled without a check), ``stack_depths`` (what each run zeroes of the stack) and, for a program
using an arena, its ``arena_accesses`` and ``arena`` (``pybpf.jit.arena``); it validates
the program the same way, and answers the same calls —
``run``/``execute`` (raw mode: r1 = the input buffer, r2 = its length), ``session()`` for many runs,
``prepare()`` — with the same results, faults and budget (``pybpf.jit.runtime``).  Tracing needs
every instruction: a run with ``trace`` runs on an interpreter of the same program over the same
memory.

The blocks the compiled code charges the budget per are the interpreter's
(``pybpf.vm.translation``), so both engines count the same instructions.
"""

from __future__ import annotations

import ctypes
from collections.abc import Collection, Mapping
from typing import Any

from pybpf.helpers import default_registry
from pybpf.helpers.context import RunEnv
from pybpf.helpers.registry import Helper, HelperRegistry
from pybpf.helpers.trace_pipe import TracePipe
from pybpf.isa.instruction import Instruction, decode_program, encode_program, validate_program
from pybpf.isa.program import ProgramView
from pybpf.isa.words import M64
from pybpf.jit.codegen import CompiledProgram, check_budget, compiled_for, forget_compiled
from pybpf.jit.repeat import loops_natively
from pybpf.jit.runtime import JitSession
from pybpf.jit.stack_zeroing import zeroing_plan
from pybpf.maps.base import MapOps
from pybpf.memory.regions import Memory, PacketReader, Region
from pybpf.vm.arena import ArenaWindow, arena_casts
from pybpf.vm.atomics import atomic_functions
from pybpf.vm.interpreter import BytesPacket, InputBuffer, Interpreter, ProgramSource, RunResult
from pybpf.vm.runtime import DEFAULT_BUDGET
from pybpf.vm.trace import TraceCallback
from pybpf.vm.translation import translation_for


class JitProgram:
    """A decoded, validated program compiled to native code (on ``prepare`` or first run)."""

    def __init__(
        self,
        program: ProgramSource,
        *,
        helpers: Mapping[int, Helper] | None = None,
        memory: Memory | None = None,
        resolved: Mapping[int, int] | None = None,
        facts: Collection[int] | None = None,
        stack_depths: Mapping[int, int] | None = None,
        probe_loads: Collection[int] = (),
        arena_accesses: Collection[int] = (),
        arena: MapOps | None = None,
        exception_callback: int | None = None,
    ) -> None:
        if isinstance(program, bytes | bytearray | memoryview):
            code = bytes(program)
            insns = decode_program(code)
        else:
            insns = list(program)
            code = b""
        self.source: tuple[Instruction, ...] = tuple(insns)
        """The program as given (an interpreter of it is built from these: ``interpreter``)."""
        insns, casts = arena_casts(insns, arena)
        if casts:
            code = b""
        self.arena_casts = frozenset(casts)
        """The slots of the casts to address space 1, given as ``wD = wS`` (``pybpf.vm.arena``)."""
        self.arena_accesses = frozenset(arena_accesses)
        """The slots of the accesses through arena pointers (``BPF_PROBE_MEM32``): carried out on
        ``arena`` (``pybpf.jit.arena``; with no arena, each faults: a load reads 0, a store is dropped)."""
        self.arena = arena
        self.exception_callback = exception_callback
        """The slot of the program's own exception callback (a function entry), which a bpf_throw()
        runs with the cookie once every frame unwound; None: the program returns the cookie."""
        self.arena_window = ArenaWindow(arena)
        """The program's arena as both engines see it (``pybpf.vm.arena.ArenaWindow``)."""
        self.arena_upper = next(iter(casts.values()), 0)
        """The upper half of the arena's user address, which the casts put above a pointer."""
        view = ProgramView(insns, () if exception_callback is None else (exception_callback,))
        self._specs = validate_program(insns, view, hidden_regs=True)
        if not code:
            code = encode_program(insns)
        self.view = view
        self.instructions: tuple[Instruction, ...] = view.insns
        self.total_slots = view.slot_count
        if isinstance(helpers, HelperRegistry):
            self.registry = helpers
        else:
            self.registry = default_registry() if helpers is None else HelperRegistry(helpers)
        self.helper_functions: dict[int, Helper] = dict(self.registry.items())
        """The helpers as the program was built with them (the interpreter binds them then too)."""
        self.memory = memory if memory is not None else Memory()
        self.resolved = dict(resolved or {})
        self.verified = facts is not None
        """Whether the program went through the verifier (``facts`` given, even empty): its native map
        lookups then hand values out without registering them (``pybpf.jit.native_maps``)."""
        self.proven: frozenset[int] = frozenset(facts or ())
        """The verifier's facts: the slots of the memory accesses it proved in bounds on every path
        (``VerifiedProgram.proven_accesses``), compiled without a run-time check.  A program that did
        not go through the verifier has none: every access is checked."""
        self.probe_loads = frozenset(probe_loads)
        """The slots of the verifier's probe loads (``pybpf.vm.probe``): a load there from an address
        no region holds reads 0 (the kernel's ``BPF_PROBE_MEM``)."""
        self.stack_zeroing = zeroing_plan(view, stack_depths)
        """Bytes of each call level's frame a run starts zeroed (``pybpf.jit.stack_zeroing``): from the
        verifier's stack depth of each subprogram by start slot (``stack_depths``, the kernel's
        ``stack_depth`` of each subprogram), or every frame whole for a program without them."""
        self._bytes = code
        self._code = ctypes.create_string_buffer(code, 8 * self.total_slots)
        self.code_base = ctypes.addressof(self._code)
        """What ``lddw src=BPF_PSEUDO_FUNC`` adds ``8 * slot`` to (the interpreter's convention)."""
        self._entries = frozenset(view.subprograms)
        from pybpf.jit.native_helpers import plan_native_calls  # llvmlite: imported once it loads

        self.native = plan_native_calls(
            view, self._specs, resolved=self.resolved, helpers=self.helper_functions, verified=self.verified
        )
        """The helper calls lowered natively (``pybpf.jit.native_helpers``)."""
        self.loops_natively = loops_natively(self.instructions, self.native.calls)
        """Whether repeated runs may run in the native repeat loop (``pybpf.jit.repeat``)."""
        self.atomics: Mapping[str, Any] = atomic_functions(self.memory)
        """The atomics a misaligned access calls (``Op.ATOMIC``): the address space's shared table."""
        self._compiled: CompiledProgram | None = None
        self._interpreter: Interpreter | None = None
        self._spare: list[JitSession] = []
        self._idle_sessions: list[JitSession] = []  # closed sessions, reopened by ``session``

    # -- compilation -----------------------------------------------------------------------------
    @property
    def compiled(self) -> CompiledProgram:
        """The native code (compiled on first use; ``JitUnavailable`` if it cannot be)."""
        if self._compiled is None:
            check_budget(len(self.instructions))  # a program too large for the JIT is not translated
            translation = translation_for(
                self._bytes,
                self.view,
                self._specs,
                resolved=self.resolved,
                helper_ids=set(self.helper_functions),
            )
            self._compiled = compiled_for(
                self._bytes,
                self.view,
                self._specs,
                leaders=translation.leaders,
                resolved=self.resolved,
                helper_ids=frozenset(self.helper_functions),
                native=self.native,
                proven=self.proven,
                probes=self.probe_loads,
                arena_accesses=self.arena_accesses,
                arena_casts=self.arena_casts,
            )
        return self._compiled

    def prepare(self) -> None:
        """Compile now (the kernel JITs at load)."""
        _ = self.compiled

    @property
    def interpreter(self) -> Interpreter:
        """An interpreter of the same program over the same memory (for tracing)."""
        if self._interpreter is None:
            self._interpreter = Interpreter(
                self.source, helpers=self.registry, memory=self.memory, resolved=self.resolved,
                probe_loads=self.probe_loads, arena_accesses=self.arena_accesses, arena=self.arena,
                exception_callback=self.exception_callback,
            )  # fmt: skip
        return self._interpreter

    # -- program layout ----------------------------------------------------------------------------
    def insn_at(self, slot: int) -> Instruction:
        return self.view.insn_at(slot)

    def slot_after(self, slot: int, count: int) -> int:
        """The slot of the instruction ``count`` instructions after the one at ``slot``."""
        index = self.view.index_at(slot)
        assert index is not None
        return self.view.starts[index + count]

    def helper_name(self, helper: int) -> str:
        return self.registry.name(helper)

    def function_at(self, address: int) -> int | None:
        """The slot of the BPF function whose address is ``address`` (an lddw BPF_PSEUDO_FUNC value)."""
        offset = address - self.code_base
        if 0 <= offset < 8 * self.total_slots and not offset & 7 and offset >> 3 in self._entries:
            return offset >> 3
        return None

    def function_address(self, slot: int) -> int:
        return self.code_base + 8 * slot

    # -- running -----------------------------------------------------------------------------------
    def release(self) -> None:
        """Dispose of the sessions kept for reuse (``JitSession.dispose``): the program's runtime is
        gone (``pybpf.kernel.prog_run``), and with the sessions the cycle they make with this program,
        so that the maps its native lookups reach are freed without the cycle collector."""
        with self.memory.lock:
            kept = [*self._idle_sessions, *self._spare]
            self._idle_sessions.clear()
            self._spare.clear()
            for session in kept:
                session.dispose()
        if self._compiled is not None and self.native.maps:
            forget_compiled(self._compiled)

    def session(
        self, *, budget: int | None = DEFAULT_BUDGET, trace_pipe: TracePipe | None = None
    ) -> JitSession:
        """Many runs (r1 = a context) sharing one native state and registered stack."""
        idle = self._idle_sessions
        if idle:
            return idle.pop().reopen(budget, trace_pipe)
        return JitSession(self, budget=budget, trace_pipe=trace_pipe, pool=idle)

    def run(
        self,
        memory: InputBuffer | None = None,
        *,
        registers: Mapping[int, int] | None = None,
        budget: int | None = DEFAULT_BUDGET,
        trace: TraceCallback | None = None,
        packet: InputBuffer | PacketReader | None = None,
        trace_pipe: TracePipe | None = None,
        env: RunEnv | None = None,
    ) -> int:
        """Run once and return r0 (see ``execute``)."""
        result = self.execute(
            memory,
            registers=registers,
            budget=budget,
            trace=trace,
            packet=packet,
            trace_pipe=trace_pipe,
            env=env,
        )
        return result.retval

    def execute(
        self,
        memory: InputBuffer | None = None,
        *,
        registers: Mapping[int, int] | None = None,
        budget: int | None = DEFAULT_BUDGET,
        trace: TraceCallback | None = None,
        packet: InputBuffer | PacketReader | None = None,
        trace_pipe: TracePipe | None = None,
        env: RunEnv | None = None,
    ) -> RunResult:
        """Run once, as ``Interpreter.execute`` does (the same arguments and results)."""
        if trace is not None:
            return self.interpreter.execute(
                memory,
                registers=registers,
                budget=budget,
                trace=trace,
                packet=packet,
                trace_pipe=trace_pipe,
                env=env,
            )
        reader = BytesPacket(packet) if isinstance(packet, bytes | bytearray | memoryview) else packet
        initial = [0] * 11
        for reg in registers or {}:
            if not 0 <= reg < 10:
                raise ValueError(f"cannot set the initial value of r{reg}")
        with self.memory.lock:
            # Sequential runs reuse one stack (same addresses every run); nested runs get their own.
            spare = self._spare
            if spare:
                session = spare.pop()
                session.park(False)
            else:
                session = JitSession(self, registered=False)
            session.set_limits(budget, trace_pipe)
            region: Region | None = None
            try:
                if memory is not None:
                    region = self._input_region(memory)
                    if region is not None:
                        initial[1], initial[2] = region.start, region.length
                for reg, value in (registers or {}).items():
                    initial[reg] = value & M64
                final = session.run_registers(initial, env, reader)
                return RunResult(final[0], session.instructions, tuple(final))
            finally:
                session.park()
                spare.append(session)
                if region is not None:
                    self.memory.remove_region(region)

    def _input_region(self, data: InputBuffer) -> Region | None:
        view = memoryview(data)
        if view.nbytes == 0:
            return None
        if view.readonly:
            return self.memory.add_region(bytearray(view), writable=True, name="input")
        return self.memory.add_region(view, writable=True, name="input")


__all__ = ["JitProgram"]
