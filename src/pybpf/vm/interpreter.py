"""The reference interpreter: runs eBPF programs with the kernel's semantics, checking every access.

Mirrors kernel/bpf/core.c ``___bpf_prog_run`` — the kernel's own interpreter — for programs that
may be unverified: where the kernel relies on the verifier, this interpreter checks at run time
and raises an ``ExecutionError`` subclass naming the instruction (bad memory access, unknown
helper, call depth, instruction budget, falling off the end).

Execution model
    The program is decoded and structurally validated once (``validate_program``) when the
    interpreter is built; that is all construction costs.  Translation is lazy
    (``pybpf.vm.translation``): the program is cut into chunks of a few hundred instructions, and
    the first time control reaches a chunk it is translated into Python by the semantics table
    (``pybpf.vm.semantics``) and compiled into one function that keeps the registers in locals
    and dispatches over the chunk's basic blocks (``pybpf.vm.codegen``); the instruction budget is
    charged per block.  Identical programs share their compiled code.  When the budget cannot
    cover a whole block, or a trace callback is given, the interpreter switches to
    single-instruction functions generated from the same table (also per chunk, on demand), so
    the budget error names the exact instruction and the trace sees every instruction.

The budget
    ``budget`` (default ``DEFAULT_BUDGET``, 10 million) bounds a run in instructions and so in
    time: every instruction costs one unit, and helpers charge the work they do for the program
    (each callback, each map element walked, system calls, bytes copied or formatted: the weights
    are defined once, in ``pybpf.helpers.context``).  A run that spends its budget stops with
    ``BudgetExceededError`` naming the instruction (the helper call, when a helper's charge did not
    fit); a program that runs off its end, however it gets there, stops with the fall-off fault.
    Measured on the project's 2-core EPYC VM (CPython 3.11): plain ALU and stack code costs
    30-40 ns per unit, memory and division 130-180 ns, and the worst cases found (atomics through
    libatomic, loops of helper calls, callbacks, hash-map walks, faulting probe reads) 0.3-0.65 µs
    per unit — so the default budget is about 0.3-1.5 s of wall time for ordinary programs and at
    most about 7 s for the worst.  ``budget=None`` removes the bound.

Memory
    Registers hold real addresses.  Each run gets a zeroed stack — ``MAX_CALL_FRAMES`` frames of
    512 bytes in one native buffer, reused by sequential runs — and registers, in
    ``Interpreter.memory``, the part of it the current call depth may use: a program reaches its
    own frame and its callers' (pointers to a caller's stack may be passed down, as in the kernel)
    but not below.  The input buffer of raw runs is registered as region "input"; later layers
    register contexts, packets and map values.  Several interpreters may share one ``Memory``
    (the programs of a tail-call chain do): each run registers its own stack, so runs of different
    programs may follow each other or nest (a helper of one starting a run of another).  Many
    runs in a row (the repeats of BPF_PROG_TEST_RUN) go through ``Interpreter.session()``
    (``pybpf.vm.session``), which keeps one stack registered and reuses the run state.

Atomics
    BPF_ATOMIC operations and load-acquire/store-release are native atomic operations on the
    checked address (``pybpf.vm.atomics``, libatomic through ctypes), so they are atomic against
    other processes sharing the memory (a map's mmap), like the kernel's locked instructions.

Tail calls
    A helper may raise ``pybpf.vm.TailCall(target)``: it is not wrapped into a
    ``HelperError`` but leaves ``execute`` as it is (after the run's stack is released), carrying
    the instructions executed so far, for the program-type runner to start ``target`` with the
    same context.

Calls
    Helper calls go through the ``HelperRegistry`` bound when the interpreter was built: r1–r5 are
    passed, the result lands in r0, and r1–r5 keep their values (the kernel marks them unreadable
    after a call, so a verified program cannot tell).  bpf-to-bpf calls save r6–r9 and r10, give the
    callee a fresh 512-byte frame (r10 = its top) and at most ``MAX_CALL_FRAMES`` (8) frames may be
    live, as in the kernel.  ``callx`` (BPF_JMP|BPF_CALL|BPF_X, target register in dst as LLVM ≥ 19
    and GCC encode it) calls the BPF function whose address the register holds — the value an
    ``lddw src=BPF_PSEUDO_FUNC`` produced — or, failing that, the helper whose id it holds, as uBPF
    and the bpf_conformance ``callx`` test expect.  The kernel itself refuses callx.

may_goto
    Like the kernel's run-time rewrite of may_goto (``do_misc_fixups``): each function invocation
    has a hidden loop counter initialised to BPF_MAX_LOOPS (2**23); a may_goto jumps when it is 0
    and otherwise decrements it and falls through.

Loader hooks
    ``lddw`` with a map/BTF pseudo source needs the 64-bit value the loader resolved for that slot
    (``resolved={slot: value}``), else it raises "unresolved map reference" when executed.  Legacy
    ``LD_ABS``/``LD_IND`` need a packet reader (``packet=``), which program types supply; an
    out-of-range packet load returns 0 from the function it is in, like the kernel's hidden exit
    (``pybpf.vm.semantics.LOAD_FAILED``).
"""

from __future__ import annotations

import bisect
import ctypes
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from struct import Struct as _struct
from types import FunctionType
from typing import Any

from pybpf.engine import TailCall
from pybpf.errors import BudgetExceededError, HelperError
from pybpf.helpers import default_registry
from pybpf.helpers.context import HelperContext, RunEnv
from pybpf.helpers.registry import Helper, HelperRegistry
from pybpf.helpers.trace_pipe import TRACE_PIPE, TracePipe
from pybpf.isa.instruction import (
    Instruction,
    decode_program,
    encode_program,
    validate_program,
)
from pybpf.isa.opcodes import BPF_REG_AX, MAX_CALL_FRAMES, STACK_SIZE
from pybpf.isa.program import ProgramView
from pybpf.isa.words import M64
from pybpf.kfuncs.exceptions import Throw
from pybpf.maps.base import MapOps
from pybpf.memory.regions import Memory, PacketReader, Region
from pybpf.vm import runtime
from pybpf.vm.arena import arena_accessing, arena_casts
from pybpf.vm.atomics import atomic_functions
from pybpf.vm.probe import probing
from pybpf.vm.runtime import DEFAULT_BUDGET, MAY_GOTO_LOOPS, RunState
from pybpf.vm.session import RunSession
from pybpf.vm.trace import TraceCallback, TraceEvent, diff_registers
from pybpf.vm.translation import translation_for

_UNLIMITED = 1 << 62
_STACK_BYTES = STACK_SIZE * MAX_CALL_FRAMES
_ZERO_STACK = bytes(_STACK_BYTES)
_NO_ARGS = [0] * 5

ProgramSource = bytes | bytearray | memoryview | Sequence[Instruction]
InputBuffer = bytes | bytearray | memoryview

__all__ = [
    "DEFAULT_BUDGET",
    "MAY_GOTO_LOOPS",
    "BytesPacket",
    "Interpreter",
    "PacketReader",
    "RunResult",
    "run",
]


class BytesPacket:
    """A packet reader over bytes: network-order loads inside the buffer, None outside it."""

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self.data = bytes(data)

    def __call__(self, offset: int, size: int) -> int | None:
        if offset < 0 or offset + size > len(self.data):
            return None
        return int.from_bytes(self.data[offset : offset + size], "big")


@dataclass(frozen=True)
class RunResult:
    """What a run produced: r0, how many instructions ran and the final registers r0..r10."""

    retval: int
    instructions: int
    registers: tuple[int, ...]


class Interpreter:
    """A decoded, validated and translated program, ready to run any number of times.

    ``helpers``: a ``HelperRegistry`` or mapping id -> helper (default: ``pybpf.helpers`` basics),
    bound when the interpreter is built.  ``memory``: the address space (default: a new one); the
    stack and the input buffer are added to it for the duration of each run, and callers may add
    regions of their own (contexts, map values) before running.  ``resolved``: slot -> 64-bit value
    of each ``lddw`` with a map or BTF pseudo source, as the loader resolved it.  ``probe_loads``: the
    slots of the verifier's probe loads (``VerifiedProgram.probe_loads``, the kernel's
    ``BPF_PROBE_MEM``): a load there from an address no region holds reads 0 instead of faulting
    (``probing``).  ``arena_accesses``: the slots of the accesses through arena pointers
    (``VerifiedProgram.arena_accesses``, the kernel's ``BPF_PROBE_MEM32``), carried out on the
    program's ``arena`` (``pybpf.vm.arena``).

    Runs sharing one ``Memory`` are serialised by its lock; a helper may start another run (of this
    or another program) from inside a run.
    """

    def __init__(
        self,
        program: ProgramSource,
        *,
        helpers: Mapping[int, Helper] | None = None,
        memory: Memory | None = None,
        resolved: Mapping[int, int] | None = None,
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
        insns, casts = arena_casts(insns, arena)
        if casts:
            code, resolved = b"", {**(resolved or {}), **casts}
        view = ProgramView(insns, () if exception_callback is None else (exception_callback,))
        specs = validate_program(insns, view, hidden_regs=True)
        if not code:
            code = encode_program(insns)
        self.probe_loads = frozenset(probe_loads)
        """The slots of the probe loads (a load from an address no region holds reads 0 there)."""
        self.arena_accesses = frozenset(arena_accesses)
        """The slots of the accesses through arena pointers, carried out on ``arena``."""
        self.arena = arena
        self.exception_callback = exception_callback
        """The slot of the program's own exception callback, which a bpf_throw() runs with the cookie
        once every frame unwound (its r0 the program's); None: the program returns the cookie."""
        self.instructions: tuple[Instruction, ...] = view.insns
        self.starts: tuple[int, ...] = view.starts
        self.total_slots = view.slot_count
        self.helpers = helpers if isinstance(helpers, HelperRegistry) else _registry(helpers)
        self.memory = memory if memory is not None else Memory()
        self._code = ctypes.create_string_buffer(code, 8 * self.total_slots)
        self.code_base = ctypes.addressof(self._code)
        self.translation = translation_for(
            code, view, specs, resolved=resolved or {}, helper_ids=set(self.helpers)
        )
        self._namespace = self._build_namespace()
        self._chunks: list[Any] | None = None  # chunk -> dispatch function bound to our namespace
        self._steps: dict[int, Any] = {}  # slot -> step function bound to our namespace
        self._spare_stacks: list[ctypes.Array[ctypes.c_char]] = []

    # -- construction ---------------------------------------------------------------------------
    def _build_namespace(self) -> dict[str, Any]:
        memory, helpers = self.memory, self.helpers
        namespace: dict[str, Any] = {
            "_ld1": memory.load1,
            "_ld2": memory.load2,
            "_ld4": memory.load4,
            "_ld8": memory.load8,
            "_lds1": memory.loads1,
            "_lds2": memory.loads2,
            "_lds4": memory.loads4,
            "_st1": memory.store1,
            "_st2": memory.store2,
            "_st4": memory.store4,
            "_st8": memory.store8,
            "_check": memory.check,
            "_fill": memory.filler(),
            "_no_cache": runtime.NO_CACHE,
            "_unpack_u2": _struct("=H").unpack_from,
            "_unpack_u4": _struct("=I").unpack_from,
            "_unpack_u8": _struct("=Q").unpack_from,
            "_unpack_s1": _struct("=b").unpack_from,
            "_unpack_s2": _struct("=h").unpack_from,
            "_unpack_s4": _struct("=i").unpack_from,
            "_pack_u2": _struct("=H").pack_into,
            "_pack_u4": _struct("=I").pack_into,
            "_pack_u8": _struct("=Q").pack_into,
            "_sdiv64": runtime.sdiv64,
            "_smod64": runtime.smod64,
            "_sdiv32": runtime.sdiv32,
            "_smod32": runtime.smod32,
            "_push": runtime.push_frame,
            "_pop": runtime.pop_frame,
            "_call": runtime.call,
            "_exit": runtime.exit_,
            "_TailCall": TailCall,
            "_in_place": runtime.tail_call_in_place,
            "_callx": runtime.callx,
            "_callx_helper": runtime.callx_helper,
            "_function_at": self.function_at,
            "_code_base": self.code_base,
            "_ldpkt": runtime.load_packet,
            "_helper_fault": lambda exc, helper, pc: runtime.helper_fault(
                exc, helper, pc, helpers.name(helper)
            ),
            "_no_helper": lambda helper, pc: runtime.no_helper(helper, pc, helpers.name(helper)),
            "_unresolved": runtime.unresolved,
            "_falloff": runtime.fell_off,
            "_fail": runtime.fail,
            "_kfunc": runtime.kfunc_impl,
            "_kfunc_fault": runtime.kfunc_fault,
        }
        namespace.update({f"_atomic_{name}": function for name, function in _atomics(memory).items()})
        namespace.update({f"_h{helper_id}": function for helper_id, function in helpers.items()})
        probing(namespace, self.probe_loads)
        arena_accessing(namespace, self.arena_accesses, self.arena)
        return namespace

    def _bind_chunk(self, chunk: int) -> Any:
        """The dispatch function of ``chunk`` bound to this interpreter (translated on first use)."""
        if self._chunks is None:
            self._chunks = [None] * self.translation.chunks
        function = self._chunks[chunk] = FunctionType(self.translation.run_code(chunk), self._namespace)
        return function

    def _bind_steps(self, slot: int) -> Any:
        """The step function of ``slot``, binding those of its whole chunk on first use."""
        codes = self.translation.step_code(self.translation.chunk_of(slot))
        namespace = self._namespace
        self._steps.update((at, FunctionType(code, namespace)) for at, code in codes.items())
        return self._steps[slot]

    def prepare(self) -> None:
        """Translate and compile the whole program now instead of on first execution of each part."""
        for chunk in range(self.translation.chunks):
            if self._chunks is None or self._chunks[chunk] is None:
                self._bind_chunk(chunk)

    @property
    def python_source(self) -> str:
        """The generated dispatch code of every chunk (generated for inspection; nothing is compiled)."""
        translation = self.translation
        return "\n".join(translation.run_source(chunk) for chunk in range(translation.chunks))

    @property
    def step_source(self) -> str:
        """The generated step functions of every instruction (for inspection)."""
        translation = self.translation
        return "\n".join(translation.step_source(chunk) for chunk in range(translation.chunks))

    @property
    def blocks(self) -> int:
        """Number of basic blocks the program is dispatched over."""
        return len(self.translation.leaders)

    def function_at(self, address: int) -> int | None:
        """The slot of the BPF function whose address is ``address`` (an lddw BPF_PSEUDO_FUNC value)."""
        offset = address - self.code_base
        if 0 <= offset < 8 * self.total_slots and not offset & 7 and offset >> 3 in self.translation.entries:
            return offset >> 3
        return None

    def function_address(self, slot: int) -> int:
        """The address ``lddw src=BPF_PSEUDO_FUNC`` yields for the function at ``slot``."""
        return self.code_base + 8 * slot

    # -- running -----------------------------------------------------------------------------------
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
        """Run the program and return r0 (see ``execute`` for the arguments)."""
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
        """Run the program once.

        ``memory``: input buffer; r1 = its address, r2 = its length (r1 = r2 = 0 without one).  A
        ``bytearray`` or writable buffer is used in place (the program's writes show in it); bytes
        are copied.  ``registers``: initial values of r0–r9 (override r1/r2).  ``budget``: maximum
        instructions (None: unlimited).  ``trace``: called after every instruction.  ``packet``:
        bytes or a reader for LD_ABS/LD_IND.  ``trace_pipe``: where bpf_trace_printk writes
        (default ``pybpf.helpers.trace_pipe.TRACE_PIPE``).  ``env``: per-run data for helpers.
        """
        limit = _UNLIMITED if budget is None else max(0, min(budget, _UNLIMITED))
        reader = BytesPacket(packet) if isinstance(packet, bytes | bytearray | memoryview) else packet
        with self.memory.lock:
            added: list[Region] = []
            # Sequential runs reuse one stack buffer (same addresses every run); nested runs get their own.
            spare = self._spare_stacks
            stack_buffer = spare.pop() if spare else (ctypes.c_char * _STACK_BYTES)()
            stack_buffer.raw = _ZERO_STACK  # one memcpy (ctypes.memset costs a foreign call)
            try:
                stack = self.memory.add_region(
                    ctypes.addressof(stack_buffer), _STACK_BYTES, writable=True, name="stack"
                )
                added.append(stack)
                st = RunState(
                    budget=limit,
                    memory=self.memory,
                    stack=stack,
                    helpers=self.helpers,
                    function_at=self.function_at,
                    packet=reader,
                    trace=trace,
                )
                st.set_depth(1)
                regs = st.regs
                if memory is not None:
                    region = self._input_region(memory)
                    if region is not None:
                        added.append(region)
                        regs[1], regs[2] = region.start, region.length
                for reg, value in (registers or {}).items():
                    if not 0 <= reg < 10:
                        raise ValueError(f"cannot set the initial value of r{reg}")
                    regs[reg] = value & M64
                st.ctx = HelperContext(
                    self.memory,
                    trace_pipe if trace_pipe is not None else TRACE_PIPE,
                    lambda function, *args: self._call_function(st, function, args),
                    env=env,
                    meter=st,
                )
                try:
                    self._execute_from(st, 0)
                except Throw as thrown:
                    regs[0] = self.exception_exit(st, thrown)
                except TailCall as call:  # for the runner: the program is replaced
                    call.instructions = limit - st.remaining
                    raise
                return RunResult(regs[0], limit - st.remaining, tuple(regs[:BPF_REG_AX]))
            finally:
                for region in reversed(added):
                    self.memory.remove_region(region)
                self._spare_stacks.append(stack_buffer)

    def session(
        self, *, budget: int | None = DEFAULT_BUDGET, trace_pipe: TracePipe | None = None
    ) -> RunSession:
        """A ``RunSession``: many runs (r1 = a context) sharing one registered stack and run state.

        What the repeats of BPF_PROG_TEST_RUN use; close it (or use ``with``) when done.
        """
        return RunSession(self, budget=budget, trace_pipe=trace_pipe)

    def _input_region(self, data: InputBuffer) -> Region | None:
        view = memoryview(data)
        if view.nbytes == 0:
            return None
        if view.readonly:
            return self.memory.add_region(bytearray(view), writable=True, name="input")
        return self.memory.add_region(view, writable=True, name="input")

    def exception_exit(self, st: RunState, thrown: Throw) -> int:
        """After bpf_throw(): every frame unwinds, then the program's exception callback runs in a
        fresh frame with the cookie in r1; the program's r0 is what it returns (the default callback's
        ``r0 = r1``: the cookie)."""
        del st.frames[:]
        del st.may_goto[1:]
        st.set_depth(1)
        if self.exception_callback is None:
            return thrown.cookie
        return self._call_function(st, self.function_address(self.exception_callback), (thrown.cookie,))

    def _call_function(self, st: RunState, function: int, args: tuple[int, ...]) -> int:
        """Run the BPF function at address ``function`` from inside a helper; returns its r0."""
        target = self.function_at(function)
        if target is None:
            raise HelperError(None, f"{function:#x} is not the address of a BPF function of this program")
        if len(args) > 5:
            raise HelperError(None, "a BPF function takes at most five arguments")
        regs = st.regs
        saved, depth = regs[:], len(st.frames)
        regs[1:6] = [arg & M64 for arg in args] + _NO_ARGS[len(args) :]
        try:
            regs[10] = runtime.push_frame(st, -1, tuple(regs[6:11]), None)
            self._execute_from(st, target)  # the callback's exit popped its frame
            return regs[0]
        except BaseException:  # a fault or a tail call inside the callback: drop its frames
            del st.frames[depth:]
            del st.may_goto[depth + 1 :]
            st.set_depth(depth + 1)
            raise
        finally:
            regs[:] = saved

    # -- dispatch ----------------------------------------------------------------------------------
    def _execute_from(self, st: RunState, pc: int) -> int:
        """Run from ``pc`` until the main program or the current callback exits; returns how it ended."""
        if st.trace is None:
            regs, translation = st.regs, self.translation
            chunks = self._chunks
            if chunks is not None and len(chunks) == 1:  # a small program: one dispatch function
                run = chunks[0]
                pc = run(regs, pc, st)
                if pc < 0:
                    return pc
            else:
                while True:
                    chunk = translation.chunk_of(pc)
                    chunks = self._chunks
                    run = chunks[chunk] if chunks is not None else None
                    if run is None:
                        run = self._bind_chunk(chunk)
                    stop: int = run(regs, pc, st)
                    if stop < 0:
                        return stop
                    lo, hi = translation.bounds(chunk)
                    pc = stop
                    if lo <= stop < hi:  # stopped inside its chunk: the budget cannot cover the next block
                        break
        return self._step(st, pc)

    def _step(self, st: RunState, pc: int) -> int:
        """Run instruction by instruction (traces, and the last instructions of a budget)."""
        steps, regs, trace = self._steps, st.regs, st.trace
        while pc >= 0:
            if st.remaining <= 0:
                if pc >= self.total_slots:  # control left the program: that fault, not the budget's
                    raise runtime.fell_off(self.starts[-1])
                raise BudgetExceededError(pc, f"instruction budget of {st.budget} instructions exhausted")
            st.remaining -= 1
            step = steps.get(pc)
            if step is None:
                step = self._bind_steps(pc)
            if trace is None:
                pc = step(regs, st)
                continue
            before, at, depth = regs[:], pc, len(st.frames)
            pc = step(regs, st)
            index = bisect.bisect_left(self.starts, at)
            trace(TraceEvent(at, self.instructions[index], diff_registers(before, regs), depth))
        return pc


def _atomics(memory: Memory) -> Mapping[str, Any]:
    return atomic_functions(memory)


def _registry(helpers: Mapping[int, Helper] | None) -> HelperRegistry:
    if helpers is None:
        return default_registry()
    return HelperRegistry(helpers)


def run(
    program: ProgramSource,
    memory: InputBuffer | None = None,
    *,
    helpers: Mapping[int, Helper] | None = None,
    budget: int | None = DEFAULT_BUDGET,
    trace: TraceCallback | None = None,
) -> int:
    """Run a program once on ``memory`` (r1 = its address, r2 = its length) and return r0 as u64.

    A ``bytearray`` is used in place, so the program's writes are visible in it afterwards.
    """
    return Interpreter(program, helpers=helpers).run(memory, budget=budget, trace=trace)
