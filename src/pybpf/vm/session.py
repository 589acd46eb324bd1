"""Repeated runs of one program with the per-run setup done once: the repeats of a test run.

Mirrors the loop of ``bpf_test_run`` (net/bpf/test_run.c): the kernel sets up a run context once
and then calls the program ``repeat`` times on the same stack (each call's frame is whatever the
previous one left; the verifier forbids reading uninitialised stack, so no program can tell).
``Interpreter.execute`` pays for a whole run's setup every time — a stack buffer registered in and
removed from ``Memory``, a ``RunState``, a ``HelperContext`` — which for a short program costs
far more than its instructions.  A ``RunSession`` keeps all of that for as long as it is open:

* its stack (``MAX_CALL_FRAMES`` frames of 512 bytes) stays registered as region "stack" at the
  depth of one frame between runs and is zeroed with one ``memset`` per run, so runs stay
  deterministic even for programs pybpf's structural verifier let read uninitialised stack;
* one ``RunState`` and one ``HelperContext`` are reset per run (registers, budget, frames,
  may_goto counter, packet reader, ``env``);
* the region cache of the generated code (the last region read and written) is carried from the
  end of one run into the next while ``Memory.generation`` shows no region was added, removed or
  resized in between, so a run whose accesses hit the same context and packet as the previous run
  never looks a region up.

Results are those of ``Interpreter.execute``: the same r0, faults, budget and tail calls
(``TailCall`` leaves ``run`` with ``instructions`` set).  A run started while the session is
already running (a helper of the program running it again) falls back to ``execute``.  Close the
session (or use it as a context manager) to unregister its stack.
"""

from __future__ import annotations

import ctypes
import weakref
from types import TracebackType
from typing import TYPE_CHECKING, Any

from pybpf.engine import TailCall
from pybpf.helpers.context import HelperContext, RunEnv
from pybpf.helpers.trace_pipe import TRACE_PIPE, TracePipe
from pybpf.isa.opcodes import MAX_CALL_FRAMES, STACK_SIZE
from pybpf.isa.words import M64
from pybpf.kfuncs.exceptions import Throw
from pybpf.memory.regions import Memory, PacketReader, Region
from pybpf.vm.runtime import DEFAULT_BUDGET, MAY_GOTO_LOOPS, NO_CACHE, RunState

if TYPE_CHECKING:
    from pybpf.vm.interpreter import Interpreter

_STACK_BYTES = STACK_SIZE * MAX_CALL_FRAMES
_UNLIMITED = 1 << 62


def _unregister(memory: Memory, region: Region) -> None:
    with memory.lock:
        memory.remove_region(region)


class RunSession:
    """Runs of one ``Interpreter`` sharing a registered stack, a run state and a helper context.

    ``budget``: instructions each run may execute (None: unlimited).  ``trace_pipe``: where
    bpf_trace_printk writes (default ``pybpf.helpers.trace_pipe.TRACE_PIPE``).
    """

    def __init__(
        self,
        interpreter: Interpreter,
        *,
        budget: int | None = DEFAULT_BUDGET,
        trace_pipe: TracePipe | None = None,
    ) -> None:
        self.interpreter = interpreter
        self.memory = memory = interpreter.memory
        self.budget = budget
        self.trace_pipe = trace_pipe
        self._limit = _UNLIMITED if budget is None else max(0, min(budget, _UNLIMITED))
        self._stack = (ctypes.c_char * _STACK_BYTES)()
        with memory.lock:  # the region keeps the buffer alive for as long as it is registered
            region = memory.add_region(self._stack, writable=True, name="stack")
        self._region: Region | None = region
        self._finalizer = weakref.finalize(self, _unregister, memory, region)
        st = self._state = RunState(
            budget=self._limit,
            memory=memory,
            stack=region,
            helpers=interpreter.helpers,
            function_at=interpreter.function_at,
            packet=None,
            trace=None,
        )
        with memory.lock:
            st.set_depth(1)
        call_function = interpreter._call_function
        st.ctx = self._ctx = HelperContext(
            memory,
            trace_pipe if trace_pipe is not None else TRACE_PIPE,
            lambda function, *args: call_function(st, function, args),
            meter=st,
        )
        self._zero_regs = [0] * len(st.regs)
        self._zero_regs[10] = st.top
        self._generation = -1  # Memory.generation when st.cache was saved
        self._idle: RunState | None = st  # None while a run is in progress and once closed
        self._chunks: list[Any] | None = None  # the interpreter's bound chunks, once known to be one
        self.instructions = 0
        """Instructions the last run executed (charged per basic block, as ``RunResult.instructions``)."""

    @property
    def closed(self) -> bool:
        return self._region is None

    def close(self) -> None:
        """Unregister the stack; the session cannot run any more."""
        if self._region is not None:
            self._finalizer()
            self._region = None
            self._idle = None

    def __enter__(self) -> RunSession:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def run(self, r1: int = 0, env: RunEnv | None = None, packet: PacketReader | None = None) -> int:
        """Run the program once with r1 = ``r1`` (r2..r9 = 0); returns r0 (u64).

        ``env`` reaches helpers as ``HelperContext.env``; ``packet`` reads LD_ABS/LD_IND.
        """
        with self.memory.lock:
            return self.run_locked(r1, env, packet)

    def call_locked(self, slot: int, args: tuple[int, ...], env: RunEnv | None = None) -> int:
        """One run that starts at the BPF function at ``slot`` with ``args`` in r1..r5 instead of at
        the program's first instruction: an asynchronous callback's run (a bpf_timer's,
        ``pybpf.helpers.timers``), on a stack that reads as zeroes.  As the kernel's ``bpf_timer_cb``
        calls ``callback_fn``, the callback is the run's entry: frame 0, r10 the top of the whole
        stack, the call depth counted from it, and its ``exit`` ends the run.  For a caller holding
        ``memory.lock``; returns r0."""
        interpreter = self.interpreter
        if interpreter.function_at(interpreter.function_address(slot)) != slot or len(args) > 5:
            raise ValueError(f"slot {slot} is no BPF function of this program, or too many arguments")
        st = self._idle
        if st is None:
            raise ValueError("the run session is closed or running")
        self._idle = None
        try:
            self._stack.raw = _ZEROS
            st.remaining = self._limit
            st.packet = None
            regs = st.regs
            regs[:] = self._zero_regs
            regs[1 : 1 + len(args)] = [arg & M64 for arg in args]
            if st.frames or len(st.may_goto) != 1:
                st.frames.clear()
                del st.may_goto[1:]
                st.set_depth(1)
            st.may_goto[0] = MAY_GOTO_LOOPS
            st.cache = NO_CACHE
            self._generation = -1  # (the cache this call leaves is not carried into the next run)
            self._ctx.env = env if env is not None else RunEnv()
            try:
                interpreter._execute_from(st, slot)
            finally:
                self.instructions = self._limit - st.remaining
            return regs[0]
        finally:
            self._ctx.env = _IDLE_ENV
            if self._region is not None:
                self._idle = st

    def run_locked(self, r1: int = 0, env: RunEnv | None = None, packet: PacketReader | None = None) -> int:
        """``run`` for a caller already holding ``memory.lock`` (a runner holding it for all repeats)."""
        st = self._idle
        if st is None:  # running already (a helper runs the program again), or closed
            if self._region is None:
                raise ValueError("the run session is closed")
            return self.interpreter.execute(
                registers={1: r1}, env=env, packet=packet, budget=self.budget, trace_pipe=self.trace_pipe
            ).retval
        self._idle = None
        limit = self._limit
        try:
            self._stack.raw = _ZEROS  # one memcpy
            st.remaining = limit
            st.packet = packet
            regs = st.regs
            regs[:] = self._zero_regs
            regs[1] = r1
            if st.frames or len(st.may_goto) != 1:  # a previous run faulted inside a call
                st.frames.clear()
                del st.may_goto[1:]
                st.set_depth(1)
            st.may_goto[0] = MAY_GOTO_LOOPS
            memory = self.memory
            if memory.generation != self._generation:
                st.cache = NO_CACHE
            self._ctx.env = env if env is not None else RunEnv()
            try:
                interpreter = self.interpreter
                chunks = interpreter._chunks
                if chunks is self._chunks and chunks is not None:  # a small program: one dispatch function
                    pc = chunks[0](regs, 0, st)
                    if pc >= 0:  # the budget ran short: instruction by instruction
                        interpreter._step(st, pc)
                else:
                    interpreter._execute_from(st, 0)
                    chunks = interpreter._chunks
                    if chunks is not None and len(chunks) == 1:
                        self._chunks = chunks
            except Throw as thrown:  # bpf_throw(): every frame unwinds, the exception callback runs
                regs[0] = self.interpreter.exception_exit(st, thrown)
            except TailCall as call:  # for the runner: the program is replaced
                call.instructions = self.instructions = limit - st.remaining
                raise
            finally:
                self._generation = memory.generation
            self.instructions = limit - st.remaining
            return regs[0]
        finally:
            self._ctx.env = _IDLE_ENV  # the run's maps and host are the caller's to keep, not the session's
            if self._region is not None:
                self._idle = st


_ZEROS = bytes(_STACK_BYTES)
_IDLE_ENV = RunEnv()
"""The helper context's environment between runs (it held the last run's, and with it that run's maps)."""

__all__ = ["RunSession"]
