"""The JIT's run-time side in Python: run sessions, the one trampoline, and faults as exceptions.

Mirrors ``bpf_test_run``'s loop (net/bpf/test_run.c) around ``bpf_prog_run`` for compiled code, and
the kernel's way back from JITed code into C — helpers are called through one stable entry here,
``_trampoline`` (a ctypes ``CFUNCTYPE`` whose address every run state holds), which dispatches on its
``op`` argument: a helper id (``HelperRegistry``, the interpreter's helpers, with the same
``HelperContext``), or an ``Op`` — a region for a memory access the native table missed, a legacy
packet load, a ``callx`` of a helper id, a misaligned atomic (on the arena, for an arena access),
where an arena access the page bitmap did not clear lands (``pybpf.jit.arena``), a map value a
native lookup hands out for the first time (``pybpf.jit.native_maps``), the repair of a map whose
mutex's holder died (``pybpf.jit.native_hash_write``).

A ``JitSession`` is the JIT's ``RunSession`` (``pybpf.engine``): one native state, one register
file and one stack (``MAX_CALL_FRAMES`` frames of 512 bytes, registered in ``Memory`` as region
"stack"), reused by every run.  Each run starts from a stack that reads as zeroes, as the
interpreter's session zeroes it: what a verified program can reach of it is zeroed
(``pybpf.jit.stack_zeroing``), all of it for other programs.  A run of a session kept open
(``Program.run``) is one foreign call, ``bpf_run_once`` (``pybpf.jit.repeat``), which zeroes that
stack, copies the run state's head from a template, sets the registers and runs the program.  The
interpreter's rules hold because the same code decides them:

* memory faults are ``Memory.check``'s ``MemoryAccessError`` for the same access and pc; the Memory's
  stack region is resized to the native call depth before Python looks at it, so helpers and error
  messages see the frames the program may use;
* the budget: the compiled code charges per block as the interpreter does; helpers charge through
  ``HelperContext.meter`` (this session), which reads and writes the native budget;
* helper exceptions become ``helper_fault``'s ``HelperError`` naming the call; a ``TailCall`` is
  not wrapped: it leaves ``run`` with ``instructions`` set (a failed legacy packet load is no
  fault: the compiled code takes the hidden exit, ``pybpf.vm.semantics.LOAD_FAILED``);
* a callback (``HelperContext.call_function``: bpf_loop & co.) re-enters the compiled code at the
  function's slot with a fresh frame, in the same state, within the same call-depth limit;
* the packet: a program with native packet helpers (``pybpf.jit.native_packet``) has the run's
  packet in its state from the start of each run (``NativePacket.start``), and when one of them
  moved the XDP packet, the Memory's packet region follows (``sync_packet``) before Python looks at
  the address space: at the trampoline, after a callback, at the end of the run;
* ring buffer records a verified run holds natively when it ends otherwise than by exit become its
  ``MapAccess``'s (``NativeMapSession.give_back``), which the runner discards as the interpreter's;
* the CPU: a run is on ``RunEnv.cpu``, or for a session that ``follow_host_cpu`` (a test run's, as
  ``bpf_test_run`` runs on the current CPU) on the CPU it starts on, read by the native run entries
  (``pybpf.jit.repeat``) with no foreign call from Python; ``RunEnv.cpu`` is set to it whenever the
  run enters Python (the trampoline), so its native lookups and its Python helpers agree.

The repeats of a test run of a program that calls no helper but native ones
(``pybpf.jit.native_helpers``) run in the native repeat loop (``run_repeated_locked``,
``pybpf.jit.repeat``), which starts each run as ``run_locked`` does.

An exception raised inside the trampoline cannot cross native frames, so it is kept here
(``pending``), the state's ``STATUS`` is set and the compiled code returns at once; ``run`` raises it
once the native code has returned.
"""

from __future__ import annotations

import ctypes
import functools
import struct
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, cast

from pybpf.engine import TailCall
from pybpf.errors import (
    BudgetExceededError,
    CallDepthError,
    ExecutionError,
    HelperError,
    MemoryAccessError,
    UnknownMemoryError,
)
from pybpf.helpers.context import HelperContext, RunEnv
from pybpf.helpers.dynptr import DynptrKern
from pybpf.helpers.registry import Helper, HelperRegistry
from pybpf.helpers.trace_pipe import TRACE_PIPE, TracePipe
from pybpf.isa.opcodes import MAX_CALL_FRAMES, STACK_SIZE
from pybpf.isa.words import M32, M64
from pybpf.jit.repeat import RunBlock, Word, repeat_function, run_once_function
from pybpf.jit.stack_zeroing import zeroed_ranges
from pybpf.jit.state import (
    ATOMIC_FUNCTIONS,
    ENTRY_TYPE,
    HOT_ENTRIES,
    TABLE_ENTRIES,
    TRAMPOLINE_TYPE,
    Field,
    NativeState,
    Op,
    Status,
)
from pybpf.kfuncs.exceptions import Throw
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.kfuncs.proto import ArgKind
from pybpf.maps.base import running_cpu
from pybpf.memory.regions import NULL_GUARD, READ, READ_WRITE, WRITE, Memory, PacketReader, Region
from pybpf.vm import runtime
from pybpf.vm.runtime import DEFAULT_BUDGET, RunState

if TYPE_CHECKING:
    from pybpf.jit.executable import JitProgram
    from pybpf.jit.native_maps import NativeMapSession  # its lowering needs llvmlite: not imported to run
    from pybpf.jit.native_packet import NativePacket

UNLIMITED = 1 << 62
STACK_BYTES = STACK_SIZE * MAX_CALL_FRAMES
_ZEROS = bytes(STACK_BYTES)
_WRITE_OF_NEED = {1: False, 2: True, 3: READ_WRITE}

_REMAINING = int(Field.REMAINING)
_STATUS = int(Field.STATUS)
_FAULT_PC = int(Field.FAULT_PC)
_ARG = int(Field.ARG)
_DEPTH = int(Field.DEPTH)
_STACK_TOP = int(Field.STACK_TOP)
_TRAMPOLINE = int(Field.TRAMPOLINE)
_CODE_BASE = int(Field.CODE_BASE)
_MAY_GOTO = int(Field.MAY_GOTO)
_TABLE = int(Field.TABLE)
_CPU = int(Field.CPU)
_ARENA_PAGES = int(Field.ARENA_PAGES)
_ARENA_START = int(Field.ARENA_START)
_ARENA_SIZE = int(Field.ARENA_SIZE)
_ARENA_BITMAP = int(Field.ARENA_BITMAP)
_ARENA_UPPER = int(Field.ARENA_UPPER)
_RUNNING = int(Status.RUNNING)
_TABLE_WORDS = 3 * TABLE_ENTRIES
_TABLE_LAYOUT = struct.Struct(f"={_TABLE_WORDS}Q")
"""The region table as one block of native words (written in one call)."""
_HOT_ACCESS = tuple(int(Field.HOT) + 3 * entry + 2 for entry in range(HOT_ENTRIES))
"""The access bits of each hot entry: zero empties it."""
_REGS_LAYOUT = struct.Struct("=11Q")
_ARGS_LAYOUT = struct.Struct("=5Q")
_ARGS_OFFSET = 8 * int(Field.ARGS)
_HEAD_LAYOUT = struct.Struct(f"={_TABLE}Q")
"""The state's fields before the region table, written in one copy at the start of each run."""
_HEAD_BYTES = _HEAD_LAYOUT.size
_R1 = int(Word.R1)

_ACTIVE: dict[int, JitSession] = {}
"""Open sessions by the address of their native state: the trampoline's way back to its session.
A closed session leaves it (``close``) and comes back when reopened, so that the table never keeps a
session -- its program, and the maps that program's native lookups reach -- alive on its own."""


def _trampoline(state: int, op: int, pc: int) -> int:
    session = _ACTIVE[state]
    try:
        if session.host_cpu:  # the CPU the run started on (``follow_host_cpu``), as the native code saw it
            session.ctx.env.cpu = int(session.fields[_CPU])
        if session.native_packet is not None:
            session.sync_packet()
        args: tuple[int, int, int, int, int] = _ARGS_LAYOUT.unpack_from(session._state_view, _ARGS_OFFSET)
        return session.service(op, args, pc)
    except BaseException as exc:  # kept for ``run``: nothing may unwind through native frames
        session.pending = exc
        session.fields[_STATUS] = Status.PENDING
    return 0


TRAMPOLINE = TRAMPOLINE_TYPE(_trampoline)
"""The one trampoline into Python (kept alive for the life of the process)."""
TRAMPOLINE_ADDRESS = ctypes.cast(TRAMPOLINE, ctypes.c_void_p).value or 0


def _forget(memory: Memory, state: int, regions: list[Region]) -> None:
    _ACTIVE.pop(state, None)
    with memory.lock:
        for region in regions:
            memory.remove_region(region)


@functools.cache
def _dynptr_args(btf_id: int) -> tuple[int, ...]:
    """The register arguments of kfunc ``btf_id`` that are initialised dynptrs (none: no such kfunc)."""
    kfunc = kernel_btf().kfunc(btf_id)
    return tuple(i for i, arg in enumerate(kfunc.args[:5] if kfunc else ()) if arg.kind is ArgKind.DYNPTR)


class JitSession:
    """Runs of one ``JitProgram`` sharing a native state, registers and a registered stack.

    ``budget``: instructions each run may execute (None: unlimited).  ``trace_pipe``: where
    bpf_trace_printk writes.  ``registered``: keep the stack registered between runs (a session;
    close it, or use ``with``, to unregister it) or only during each run (``JitProgram.execute``).
    ``stack``: the buffer to use as the stack (``STACK_BYTES``), e.g. to run at the same addresses
    as another engine.
    """

    def __init__(
        self,
        program: JitProgram,
        *,
        budget: int | None = DEFAULT_BUDGET,
        trace_pipe: TracePipe | None = None,
        registered: bool = True,
        stack: ctypes.Array[ctypes.c_char] | None = None,
        pool: list[JitSession] | None = None,
    ) -> None:
        self.program = program
        self.memory = memory = program.memory
        self.helpers: HelperRegistry = program.registry
        self._functions: Mapping[int, Helper] = program.helper_functions
        self._entry = ENTRY_TYPE(program.compiled.address)
        self._state = NativeState()
        self.fields = self._state.fields
        self._state_address = ctypes.addressof(self._state)
        self._state_view = memoryview(self._state).cast("B")
        self._table_view = self._state_view[8 * _TABLE :]
        self._regs = (ctypes.c_uint64 * 11)()
        self._regs_address = ctypes.addressof(self._regs)
        self._regs_view = memoryview(self._regs).cast("B")
        if stack is not None and ctypes.sizeof(stack) != STACK_BYTES:
            raise ValueError(f"a stack is {STACK_BYTES} bytes")
        self._stack = stack if stack is not None else (ctypes.c_char * STACK_BYTES)()
        self._top = ctypes.addressof(self._stack) + STACK_BYTES
        self._stack_view = memoryview(self._stack).cast("B")
        self._head_template = (ctypes.c_uint64 * _TABLE)()
        """The head fields each run of the native repeat loop starts with."""
        self._head_template_view = memoryview(self._head_template).cast("B")
        self._block = RunBlock(
            entry=program.compiled.address, state=self._state_address,
            head=ctypes.addressof(self._head_template), head_bytes=_HEAD_BYTES, regs=self._regs_address,
            top=self._top, zeroed=zeroed_ranges(program.stack_zeroing, self._top),
        )  # fmt: skip
        """What the native run entries read (``pybpf.jit.repeat``): each run zeroes what the
        program can read of the stack (``JitProgram.stack_zeroing``)."""
        self._block_words = self._block.words
        self._block_address = self._block.address
        self._run_once = run_once_function()
        self._head = b""
        """The head fields every run starts with, packed (``_start``), for ``_head_for``."""
        self._head_budget = self._head_may_goto = -1
        """The budget and may_goto budget ``_head`` was packed with."""
        self._registered = registered
        """Whether the stack stays registered between runs (a session), or only during one (``execute``)."""
        self._stack_region: Region | None = None
        self._closed = False
        self._pool: list[JitSession] = pool if pool is not None else []
        """Where ``close`` puts the session for its program to reopen."""
        self._regions: list[Region] = []  # what the finalizer unregisters
        if registered:
            self._register_stack()
        self._finalizer = weakref.finalize(self, _forget, memory, self._state_address, self._regions)
        fields = self.fields
        fields[_STACK_TOP] = self._top
        fields[_TRAMPOLINE] = TRAMPOLINE_ADDRESS
        fields[_CODE_BASE] = program.code_base
        fields[_DEPTH] = 1
        self._set_arena(program)
        self._generation = -1
        self._next_entry = 0
        self.packet: PacketReader | None = None
        self.pending: BaseException | None = None
        self.ctx = HelperContext(memory, TRACE_PIPE, self.call_function, meter=self)
        self.native_maps = program.native.session(self._state, memory, self.ctx.random.getrandbits(64))
        """The stamps and per-run fields of native map lookups (``pybpf.jit.native_maps``), if any."""
        native_maps = self.native_maps
        self._own_words: tuple[int, ...] = native_maps.table_words if native_maps is not None else ()
        """The first entries of the region table, the session's own (a verified program's map value
        storage): refreshes and misses fill the entries after them."""
        self._first_shared = len(self._own_words) // 3
        self._reaching = native_maps is not None and native_maps.verified
        """Whether Python may be given pointers into values no region holds yet (``_reach``)."""
        self.native_packet: NativePacket | None = program.native.packet_session(self._state)
        """Where the run's packet is for native packet helpers (``pybpf.jit.native_packet``), if any."""
        self._holding = native_maps is not None and native_maps.holds_records
        """Whether runs may hold ring buffer records natively (``_give_back``)."""
        self.set_limits(budget, trace_pipe)
        self._running = False
        self.host_cpu = False
        """Whether a run's CPU is the one it starts on rather than ``RunEnv.cpu`` (``follow_host_cpu``)."""
        self.instructions = 0
        """Instructions the last run executed (charged per basic block, as the interpreter's)."""
        _ACTIVE[self._state_address] = self

    def _set_arena(self, program: JitProgram) -> None:
        """The arena's window in the state (``pybpf.jit.arena``): its pages in this process, where
        pointers start, its size and page bitmap, the upper half the casts add; all 0 without one."""
        window, fields = program.arena_window, self.fields
        arena = window.arena
        fields[_ARENA_UPPER] = program.arena_upper
        if arena is None:
            fields[_ARENA_PAGES] = fields[_ARENA_START] = fields[_ARENA_SIZE] = fields[_ARENA_BITMAP] = 0
            return
        fields[_ARENA_PAGES] = window.base + arena.data_at
        fields[_ARENA_START] = arena.user_vm_start & 0xFFFF_FFFF
        fields[_ARENA_SIZE] = arena.size
        fields[_ARENA_BITMAP] = window.base + arena.bitmap_at

    def set_limits(self, budget: int | None, trace_pipe: TracePipe | None) -> None:
        """The budget of the next runs (None: unlimited) and where bpf_trace_printk writes."""
        self.budget = UNLIMITED if budget is None else max(0, min(budget, UNLIMITED))
        self._budget_arg = budget
        self.trace_pipe = trace_pipe
        self.ctx.trace_pipe = trace_pipe if trace_pipe is not None else TRACE_PIPE

    def follow_host_cpu(self, follow: bool = True) -> None:
        """Runs from now on (``follow``) are on the CPU they start on, read natively at their start
        (``RunBlock.read_cpu``: no foreign call from Python), and ``RunEnv.cpu`` follows it whenever
        Python looks (the trampoline); or (not ``follow``) on ``RunEnv.cpu``, as given."""
        self.host_cpu = follow
        self._block.read_cpu(self._state_address + 8 * _CPU if follow else 0)

    def _register_stack(self) -> None:
        with self.memory.lock:
            # A view of its own each time: unregistering a region releases its view.
            self._stack_region = self.memory.add_view(
                self._stack_view[:], self._top - STACK_BYTES, access=READ | WRITE, name="stack"
            )
        self._regions.append(self._stack_region)
        self._depth_in_memory = MAX_CALL_FRAMES  # the region covers every frame until synced
        self._sync_depth()

    def _unregister_stack(self) -> None:
        region, self._stack_region = self._stack_region, None
        if region is not None:
            self._regions.remove(region)
            with self.memory.lock:
                self.memory.remove_region(region)

    # -- the budget meter (``HelperContext.meter``) -----------------------------------------------------
    @property
    def remaining(self) -> int:
        return int(self.fields[_REMAINING])

    @remaining.setter
    def remaining(self, value: int) -> None:
        self.fields[_REMAINING] = value

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Unregister the stack; the session cannot run until ``reopen`` (its program reuses it)."""
        if not self._closed:
            self._closed = True
            self._unregister_stack()
            _ACTIVE.pop(self._state_address, None)
            self._pool.append(self)

    def park(self, parked: bool = True) -> None:
        """Out of (``parked``) or back in the trampoline's table: an unregistered session kept between
        ``JitProgram.execute`` calls waits out of it, so that the table does not keep it alive."""
        if parked:
            _ACTIVE.pop(self._state_address, None)
        else:
            _ACTIVE[self._state_address] = self

    def dispose(self) -> None:
        """End a closed or parked session for good (its program is released): out of the trampoline's
        table, its regions unregistered, and its references to its program's maps and to itself
        (the helper context's callbacks) dropped, so that it is freed as soon as it is unreferenced."""
        self._closed = True
        self._finalizer()
        self.native_maps = None
        self.native_packet = None
        self.ctx = HelperContext(self.memory, TRACE_PIPE)

    def reopen(self, budget: int | None, trace_pipe: TracePipe | None) -> JitSession:
        """A closed session open again (its native state, registers and stack reused)."""
        assert self._closed
        self._closed = False
        _ACTIVE[self._state_address] = self
        self.set_limits(budget, trace_pipe)
        self.follow_host_cpu(False)
        self._generation = -1
        if self._registered:
            self._register_stack()
        return self

    def __enter__(self) -> JitSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running ---------------------------------------------------------------------------------
    def run(self, r1: int = 0, env: RunEnv | None = None, packet: PacketReader | None = None) -> int:
        with self.memory.lock:
            return self.run_locked(r1, env, packet)

    def run_locked(self, r1: int = 0, env: RunEnv | None = None, packet: PacketReader | None = None) -> int:
        """``run`` for a caller already holding ``memory.lock``."""
        if self._running or self._closed:
            if self._closed:
                raise ValueError("the run session is closed")
            return self.program.execute(
                registers={1: r1}, env=env, packet=packet, budget=self._budget_arg, trace_pipe=self.trace_pipe
            ).retval
        if not self._registered:
            _REGS_LAYOUT.pack_into(self._regs_view, 0, 0, r1 & M64, 0, 0, 0, 0, 0, 0, 0, 0, self._top)
            self._run(env, packet)
            return int(self._regs[0])
        # The per-call path of Program.run: the stack stays registered; one foreign call starts the
        # run (stack, head fields, registers: ``bpf_run_once``) and runs it.
        self._running = True
        try:
            if (
                self._depth_in_memory != 1
                or self.memory.generation != self._generation
                or self._head_may_goto != runtime.MAY_GOTO_LOOPS
                or self._head_budget != self.budget
            ):
                self._renew()
            self.packet = packet
            if env is None:
                env = RunEnv()
            self.ctx.env = env
            native_maps = self.native_maps
            if native_maps is not None:
                if not native_maps.still_armed(env):
                    native_maps.start(env)
                if not self.host_cpu:
                    self.fields[_CPU] = env.cpu & M64
            if self.native_packet is not None:
                self.native_packet.start(env.packet)
            self._block_words[_R1] = r1  # a c_uint64: r1 taken modulo 2**64
            if self._run_once(self._block_address):
                self._failed()
            else:
                self.instructions = self.budget - self.fields[_REMAINING]
        finally:
            if self.native_packet is not None:
                self.sync_packet()
            self._generation = self.memory.generation
            self.packet = None
            self._running = False
        result: int = self._regs[0]
        return result

    def call_locked(self, slot: int, args: tuple[int, ...], env: RunEnv | None = None) -> int:
        """One run that starts at the BPF function at ``slot`` with ``args`` in r1..r5: an
        asynchronous callback's run (``pybpf.helpers.timers``), started as ``run_locked`` starts a
        run (zeroed stack, head fields, region table, environment) and, as the kernel's
        ``bpf_timer_cb`` calls ``callback_fn``, as the program's entry: in frame 0, r10 the top of the
        whole stack, the call depth counted from it.  For a caller holding ``memory.lock``; returns r0."""
        if self._running or self._closed:
            raise ValueError("the run session is closed or running")
        if self.program.function_at(self.program.function_address(slot)) != slot or len(args) > 5:
            raise ValueError(f"slot {slot} is no BPF function of this program, or too many arguments")
        words = [0, *(arg & M64 for arg in args), *(0 for _ in range(9 - len(args))), self._top]
        _REGS_LAYOUT.pack_into(self._regs_view, 0, *words)
        try:
            self._run(env, None, slot)
        finally:
            self._sync_depth()
        return int(self._regs[0])

    def run_repeated_locked(
        self, r1: int, env: RunEnv | None, packet: PacketReader | None, count: int
    ) -> int:
        """``count`` (>= 1) runs from r1 = ``r1`` in the native repeat loop (``pybpf.jit.repeat``),
        for a program that ``loops_natively``; the last run's r0.  Each run starts as ``run_locked``
        starts one; a fault ends the runs with its exception.  For a caller holding ``memory.lock``."""
        if self._running or self._closed or not self._registered:
            retval = 0
            for _ in range(count):
                retval = self.run_locked(r1, env, packet)
            return retval
        repeat = repeat_function()
        fields = self.fields
        self._running = True
        try:
            self._start(env, packet)
            self._block_words[_R1] = r1 & M64
            left = count
            while left:
                left -= repeat(self._block_address, left)
                self.instructions = self.budget - fields[_REMAINING]
                if fields[_STATUS] != _RUNNING:
                    if self._holding:
                        self._give_back()
                    raise self._take_fault()
        finally:
            self._sync_depth()
            if self.native_packet is not None:
                self.sync_packet()
            self._generation = self.memory.generation
            self.packet = None
            self._running = False
        return int(self._regs[0])

    def run_registers(self, initial: list[int], env: RunEnv | None, packet: PacketReader | None) -> list[int]:
        """One run from ``initial`` r0..r9 (r10 is the stack's top); the final registers."""
        _REGS_LAYOUT.pack_into(self._regs_view, 0, *initial[:10], self._top)
        self._run(env, packet)
        return list(_REGS_LAYOUT.unpack_from(self._regs_view))

    def _run(self, env: RunEnv | None, packet: PacketReader | None, entry: int = 0) -> None:
        """One run from the registers in ``_regs``, starting at slot ``entry`` (the program's first
        instruction, or an asynchronous callback); the final ones are left there."""
        self._running = True
        fields = self.fields
        if not self._registered:
            self._register_stack()
        try:
            self._stack.raw = _ZEROS  # one memcpy (ctypes.memmove costs a foreign call)
            budget = self.budget
            self._start(env, packet)
            self._state_view[:_HEAD_BYTES] = self._head
            failed = self._entry(self._state_address, self._regs_address, entry)
            self.instructions = budget - fields[_REMAINING]
            if failed:
                self._failed()
        except TailCall as call:  # for the runner: the program is replaced
            call.instructions = self.instructions
            raise
        finally:
            if self.native_packet is not None:
                self.sync_packet()
            if not self._registered:
                self._unregister_stack()
            self._generation = self.memory.generation
            self.packet = None
            self._running = False

    def _failed(self) -> None:
        """After a run that did not exit: bpf_throw() runs the exception callback, anything else
        raises its fault (a tail call its ``TailCall``, with the instructions counted)."""
        self.instructions = self.budget - self.fields[_REMAINING]
        if self._holding:
            self._give_back()
        fault = self._take_fault()
        if isinstance(fault, Throw):
            self._regs[0] = self._exception_exit(fault)
            return
        if isinstance(fault, TailCall):  # for the runner: the program is replaced
            fault.instructions = self.instructions
        raise fault

    def _exception_exit(self, thrown: Throw) -> int:
        """After bpf_throw(): every frame is dropped, then the program's exception callback runs in a
        fresh frame with the cookie in r1 and its r0 is the program's (the default callback's: the
        cookie)."""
        callback = self.program.exception_callback
        if callback is None:
            return thrown.cookie
        self.fields[_DEPTH] = 1
        self._sync_depth()
        try:
            return self.call_function(self.program.function_address(callback), thrown.cookie)
        finally:
            self.instructions = self.budget - self.fields[_REMAINING]

    def _give_back(self) -> None:
        """After a run that did not exit: the ring buffer records it holds natively become its
        ``MapAccess``'s, which the runner discards as after the interpreter's run."""
        native = self.native_maps
        assert native is not None
        native.give_back(self.ctx.env)

    def _start(self, env: RunEnv | None, packet: PacketReader | None) -> None:
        """What every run starts with but the head fields, which the native run entries copy from
        the template (``_renew``), the stack and the registers: the stack region at one frame, the
        region table current, the packet and the helpers' environment in place."""
        self._renew()
        self.packet = packet
        env = self.ctx.env = env if env is not None else RunEnv()
        if self.host_cpu:  # (the native run entries read it again)
            env.cpu = running_cpu()
        self.fields[_CPU] = env.cpu & M64
        if self.native_maps is not None:
            self.native_maps.start(env)
        if self.native_packet is not None:
            self.native_packet.start(self.ctx.env.packet)

    def _renew(self) -> None:
        """The head template packed for the current budget and may_goto budget, the stack region
        at one frame and the region table current (each only if it is not)."""
        may_goto = runtime.MAY_GOTO_LOOPS
        if self._head_budget != self.budget or self._head_may_goto != may_goto:
            self._head = _HEAD_LAYOUT.pack(
                self.budget, _RUNNING, 0, 0, 1, self._top, TRAMPOLINE_ADDRESS,
                self.program.code_base, may_goto, 0, 0, 0, 0, 0,
            )  # fmt: skip
            self._head_template_view[:_HEAD_BYTES] = self._head
            self._head_budget, self._head_may_goto = self.budget, may_goto
        if self._depth_in_memory != 1 and self._stack_region is not None:
            self.memory.resize_region(self._stack_region, self._top - STACK_SIZE, self._top)
            self._depth_in_memory = 1
        if self.memory.generation != self._generation:
            self._refresh_table()

    # -- memory --------------------------------------------------------------------------------------
    def _sync_depth(self) -> None:
        """Make the Memory's stack region cover the frames the native code is using."""
        depth = int(self.fields[_DEPTH])
        if depth != self._depth_in_memory and self._stack_region is not None:
            self.memory.resize_region(self._stack_region, self._top - STACK_SIZE * depth, self._top)
            self._depth_in_memory = depth

    def _refresh_table(self) -> None:
        """Copy the regions (but this session's stack, checked inline) into the native table."""
        stack = self._stack_region
        words: list[int] = list(self._own_words)
        for region in self.memory.regions:
            if region is not stack:
                words += (region.start, region.end, region.access)
                if len(words) == _TABLE_WORDS:
                    break
        entries = len(words) // 3
        words += [0] * (_TABLE_WORDS - len(words))
        _TABLE_LAYOUT.pack_into(self._table_view, 0, *words)
        for access in _HOT_ACCESS:  # a refreshed table empties the hot entries copied from it
            self.fields[access] = 0
        self._next_entry = entries if entries < TABLE_ENTRIES else self._first_shared
        self._generation = self.memory.generation

    def sync_packet(self) -> None:
        """After a native helper moved the packet: the Memory's packet region follows, and the native
        table is rebuilt from it (``pybpf.jit.native_packet``)."""
        native = self.native_packet
        if native is not None and native.moved():
            generation = self.memory.generation
            native.sync(self.ctx.env.packet)
            self._after_python(generation)

    def _set_entry(self, entry: int, region: Region) -> None:
        base = _TABLE + 3 * entry
        fields = self.fields
        fields[base] = region.start
        fields[base + 1] = region.end
        fields[base + 2] = region.access

    def _fill(self, address: int, size: int, need: int, pc: int) -> int:
        self._sync_depth()
        if self._reaching:
            self._reach(address)
        try:
            region = self.memory.check(address, size, _WRITE_OF_NEED[need], pc)
        except UnknownMemoryError:
            raise  # kernel memory pybpf stands in for but cannot know: even a probe load stops
        except MemoryAccessError:
            if pc in self.program.probe_loads:  # a probe load where no memory is: it reads 0
                return 0
            raise
        if region is not self._stack_region:
            self._cache_region(region)
        return 1

    def _reach(self, *addresses: int) -> None:
        """Verified programs: the map values natively handed out that ``addresses`` lie in become
        regions before Python looks at them (``NativeMapSession.reach``); the table stays current."""
        native = self.native_maps
        assert native is not None
        generation = self.memory.generation
        env = self.ctx.env
        for address in addresses:
            if address >= NULL_GUARD:
                native.reach(env, address)
        if self._generation == generation:  # regions were only added: the table is still right
            self._generation = self.memory.generation

    def _cache_region(self, region: Region) -> None:
        """Put ``region`` in the native table (replacing the oldest entry put there this way; the
        session's own entries stay)."""
        self._set_entry(self._next_entry, region)
        following = self._next_entry + 1
        self._next_entry = following if following < TABLE_ENTRIES else self._first_shared

    # -- the trampoline's services ------------------------------------------------------------------
    def service(self, op: int, args: tuple[int, int, int, int, int], pc: int) -> int:
        """What the trampoline was asked for: ``op`` (a helper id or an ``Op``) with its operands."""
        a1, a2, a3, _, _ = args
        if op >= 0:
            return self._call_helper(op, args, pc)
        if op == Op.FILL:
            return self._fill(a1, a2, a3, pc)
        if op == Op.PACKET:
            offset = a1 - (1 << 64) if a1 >> 63 else a1
            return runtime.load_packet(cast(RunState, self), offset, a2, pc)
        if op == Op.CALLX:
            return self._callx_helper(int(self.fields[_ARG]), args, pc)
        if op == Op.KFUNC:
            return self._call_kfunc(int(self.fields[_ARG]), args, pc)
        if op == Op.ATOMIC:
            return self._atomic(ATOMIC_FUNCTIONS[self.fields[_ARG]], a1, a2, a3, pc)
        if op == Op.ARENA:
            return self.program.arena_window.native_address(a1, a2)
        if op == Op.VALUE and self.native_maps is not None:
            return self._hand_value(self.native_maps, a1, a2, a3)
        if op == Op.RECOVER and self.native_maps is not None:
            return self.native_maps.recover(a1)
        raise ExecutionError(pc, f"the JIT asked its runtime for unknown service {op}")

    def _after_python(self, generation: int) -> None:
        """Regions changed while Python ran: the native table is stale, and so are the native packet
        helpers' socket-buffer fields if a helper reshaped the packet (``NativePacket.follow``)."""
        if self.memory.generation != generation:
            self._refresh_table()
            if self.native_packet is not None:
                self.native_packet.follow(self.ctx.env.packet)

    def _call_helper(self, helper: int, args: tuple[int, int, int, int, int], pc: int) -> int:
        self._sync_depth()
        if self._reaching:
            self._reach(*args)
        generation = self.memory.generation
        function = self._functions[helper]
        try:
            result = function(self.ctx, *args) & M64
        except Exception as exc:
            raise runtime.helper_fault(exc, helper, pc, self.program.helper_name(helper)) from None
        except TailCall as call:  # made in a BPF function: the target runs in its frame's place
            if self.fields[_DEPTH] <= 1:
                raise
            result = call.replace_frame() & M64
            self.fields[_ARG] = 1  # the lowering of the call returns from the function (``kinds``)
            return result
        finally:
            self._after_python(generation)
        if result >= NULL_GUARD:  # a pointer (a map value, a ringbuf record): the program reads it next
            region = self.memory.region_at(result)
            if region is not None and region is not self._stack_region:
                self._cache_region(region)
        return result

    def _call_kfunc(self, btf_id: int, args: tuple[int, int, int, int, int], pc: int) -> int:
        self._sync_depth()
        if self._reaching:  # a map value a native lookup handed out (a bpf_wq's): a region first
            self._reach(*args, *self._dynptr_memory(btf_id, args))
        function = runtime.kfunc_impl(btf_id, pc)
        generation = self.memory.generation
        try:
            return function(self.ctx, *args) & M64
        except Exception as exc:
            raise runtime.kfunc_fault(exc, btf_id, pc) from None
        finally:
            self._after_python(generation)

    def _dynptr_memory(self, btf_id: int, args: tuple[int, int, int, int, int]) -> list[int]:
        """Where the dynptr arguments of kfunc ``btf_id`` point (``data + offset`` of each initialised
        one): a local dynptr made natively over a map value names memory the kfunc follows in Python."""
        found: list[int] = []
        for index in _dynptr_args(btf_id & M32):
            if self.memory.region_at(args[index]) is not None:
                dynptr = DynptrKern.at(self.ctx, args[index])
                if dynptr.data:
                    found.append(dynptr.at_offset(0))
        return found

    def _hand_value(self, native: NativeMapSession, index: int, address: int, stamp_slot: int) -> int:
        """``Op.VALUE``: the value joins the run's regions; a table that was current stays valid (a
        region was added, none removed), so it is not rebuilt."""
        generation = self.memory.generation
        try:
            return native.hand(self.ctx.env, index, address, stamp_slot)
        finally:
            if self._generation == generation and self.memory.generation == generation + 1:
                self._generation += 1
            else:
                self._after_python(generation)

    def _callx_helper(self, value: int, args: tuple[int, int, int, int, int], pc: int) -> int:
        self._sync_depth()
        generation = self.memory.generation
        try:
            return runtime.callx_helper(cast(RunState, self), value, args, pc)
        finally:
            self._after_python(generation)

    def _atomic(self, name: str, address: int, operand: int, desired: int, pc: int) -> int:
        if pc in self.program.arena_accesses:  # on the arena's page, as the interpreter's
            function: Callable[..., int | None] = functools.partial(self.program.arena_window.atomic, name)
        else:
            self._sync_depth()
            if self._reaching:
                self._reach(address)
            function = self.program.atomics[name]
        if name.startswith("cmpxchg"):
            result = function(address, operand, desired, pc)
        elif name.startswith("load_acq"):
            result = function(address, pc)
        else:
            result = function(address, operand, pc)
        return result or 0

    def call_function(self, function: int, *args: int) -> int:
        """Run the BPF function at address ``function`` from inside a helper; returns its r0."""
        target = self.program.function_at(function)
        if target is None:
            raise HelperError(None, f"{function:#x} is not the address of a BPF function of this program")
        if len(args) > 5:
            raise HelperError(None, "a BPF function takes at most five arguments")
        fields = self.fields
        depth = int(fields[_DEPTH])
        if depth >= MAX_CALL_FRAMES:
            why = f"the call stack of {depth + 1} frames is too deep (at most {MAX_CALL_FRAMES})"
            raise CallDepthError(None, why)
        regs = (ctypes.c_uint64 * 11)()
        for index, arg in enumerate(args, start=1):
            regs[index] = arg & M64
        regs[10] = self._top - STACK_SIZE * depth
        fields[_DEPTH] = depth + 1
        try:
            failed = self._entry(self._state_address, ctypes.addressof(regs), target)
        finally:
            fields[_DEPTH] = depth
            self._sync_depth()
            if self.native_packet is not None:
                self.sync_packet()
        if failed:
            raise self._take_fault()
        return int(regs[0])

    # -- faults ----------------------------------------------------------------------------------------
    def _take_fault(self) -> BaseException:
        """The exception for the state's STATUS (which is cleared)."""
        fields = self.fields
        status, pc = Status(fields[_STATUS]), int(fields[_FAULT_PC])
        fields[_STATUS] = Status.RUNNING
        if status is Status.PENDING:
            pending, self.pending = self.pending, None
            assert pending is not None
            return pending
        if status is Status.BUDGET:  # FAULT_PC: the block's leader, ARG: the index of the cut in it
            pc = self.program.slot_after(pc, int(fields[_ARG]))
            return BudgetExceededError(pc, f"instruction budget of {self.budget} instructions exhausted")
        insn = self.program.insn_at(pc)
        if status is Status.FELL_OFF:
            return runtime.fell_off(pc)
        if status is Status.CALL_DEPTH:
            depth = int(fields[_DEPTH])
            why = f"the call stack of {depth + 1} frames is too deep (at most {MAX_CALL_FRAMES})"
            return CallDepthError(pc, why)
        if status is Status.NO_HELPER:
            return runtime.no_helper(insn.imm, pc, self.program.helper_name(insn.imm))
        assert status is Status.UNRESOLVED, status
        return runtime.unresolved(pc, insn.src)


__all__ = ["STACK_BYTES", "TRAMPOLINE_ADDRESS", "JitSession"]
