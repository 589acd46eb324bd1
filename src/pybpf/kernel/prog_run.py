"""Running loaded programs: the per-process runtime of a program, tail calls, BPF_PROG_TEST_RUN.

Mirrors ``bpf_prog_test_run`` (kernel/bpf/syscall.c) and ``bpf_test_finish`` / ``bpf_ctx_finish``
(net/bpf/test_run.c) around the program type's own test_run (``pybpf.progtypes``), and the
kernel's tail calls (``bpf_tail_call``: at most ``MAX_TAIL_CALL_CNT`` = 33 per run, an empty slot
or an index past the array falls through to the next instruction).  A prog array whose last fd and
pin are gone is empty, as the kernel emptied it then (``map_release_uref``): pybpf sees no close, so
the first tail call of a run through an array asks ``pybpf.objects.refs`` to release it if so.

The runtime
    A program file (``pybpf.kernel.progobj``) holds the xlated instructions with maps named by id.
    The first time a process runs a program it opens the program's maps through the program's
    reference directory, maps them, resolves each map ``lddw`` to this process's address of the map
    (``MapObject.pointer``, where ``pybpf.helpers.map_image`` images its kernel struct; value
    references: the address of the value, ``MapObject.address`` plus their offset) and builds an
    ``Executable`` with the engine ``PYBPF_ENGINE`` or else ``DEFAULT_ENGINE`` names
    (``pybpf.engine``; ``"jit"``: native code, or the interpreter with a
    one-line notice where the JIT cannot take the program; ``"auto"``: the interpreter, then the JIT
    once the program has run enough), the JIT's with the program's facts (the memory accesses the
    verifier proved in bounds, compiled without a check).  With the JIT the loading process does this at
    load (``select_runtime``, the kernel's ``bpf_prog_select_runtime``): the program is compiled then,
    and its object cached (``pybpf.jit.cache``) so other processes only link it.  All programs of a
    process share one address space, ``EXEC_MEMORY``, holding no map storage at all: what a run may
    reach of maps is a ``MapAccess`` (``pybpf.helpers.map_access``) the ``Runner`` puts in
    ``RunEnv.maps`` -- the program's own maps (``ProgRuntime.program_maps``), its global data and each
    value a helper hands out, a region of exactly ``value_size`` bytes.  One ``MapAccess`` lives as long
    as the Runner (one BPF_PROG_TEST_RUN, all its repeats, like the kernel's RCU read section around
    ``bpf_test_run``; a Runner kept between test runs releases it at the end of each, ``Runner.end``);
    a tail call switches it to the target program's maps.

BPF_PROG_TEST_RUN comes in through the bpf_attr (``test_run``) or, for ``Program.run`` on the user
backend, in process (``test_run_in_process``: the same checks, results and errors without the attr
and the copies through user memory; ``TestRunHandle`` keeps one program's test run ready between
calls -- its Runner's sessions open, the program type's ``TestRunFixture`` registered -- so that a
call costs a few microseconds; ``TestRunHandle.run_given``, a call given only a packet or only a
context, is ``Program.run``'s per-call path: one frame, no argument or result objects).  The
repeats of a JIT program that calls no helper run in the JIT's native loop (``Runner.run_repeated``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import time
import weakref
from collections.abc import Callable
from typing import Any

from pybpf import jit, uapi
from pybpf.btf.types import BTF
from pybpf.engine import Engine, Executable, RunSession, TailCall
from pybpf.errors import BPFError, ExecutionError, HelperError, ProgramFaultError
from pybpf.helpers import TRACE_PIPE, HelperContext, RunEnv, default_registry
from pybpf.helpers.basic import JiffiesCell
from pybpf.helpers.map_access import NO_MAPS, MapAccess, ProgramMaps
from pybpf.helpers.map_image import expose
from pybpf.helpers.maps import release_spin_locks
from pybpf.helpers.registry import HelperRegistry
from pybpf.helpers.task_image import set_btf_source
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import BPF_PSEUDO_BTF_ID, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE
from pybpf.isa.program import slot_starts
from pybpf.jit import JitProgram, TieredProgram, jit_engine, tiered_engine
from pybpf.jit.codegen import CompiledProgram
from pybpf.jit.repeat import loops_natively
from pybpf.jit.runtime import JitSession
from pybpf.jit.tiered import TieredSession
from pybpf.kernel import btfobj, links, run_stats
from pybpf.kernel.async_host import ProgramHost
from pybpf.kernel.progobj import ProgObject, get_fd_by_id
from pybpf.kernel.usermem import copy_from_user, copy_to_user
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.maps.base import FdKind, MapOps, running_cpu
from pybpf.maps.object import MapObject
from pybpf.memory.regions import Memory, PacketReader
from pybpf.objects import refs
from pybpf.objects.files import bpffs_root
from pybpf.progtypes import get_prog_type
from pybpf.progtypes.base import PAGE_SIZE, U32_MAX, TestRunArgs, TestRunFixture, TestRunResult
from pybpf.progtypes.generic import U16_MAX
from pybpf.progtypes.xdp_helpers import MAX_SKB_FRAGS
from pybpf.uapi import ENOTSUPP, MAX_TAIL_CALL_CNT, bpf_attr, offsetof
from pybpf.verifier.inline_helpers import jiffies_loads
from pybpf.vm.interpreter import Interpreter
from pybpf.vm.runtime import VERIFIED_BUDGET


def _kernel_btf_for_images() -> BTF | None:
    """The running kernel's BTF for the task and cgroup images (``pybpf.helpers.task_image``)."""
    found = kernel_btf()
    return found.btf if found.from_kernel else None


set_btf_source(_kernel_btf_for_images)

EXEC_MEMORY = Memory()
"""The address space every program of this process runs in (stacks, contexts, packets, and the map
values and records the runs of the moment were handed)."""
_EXEC_LOCK = EXEC_MEMORY.lock
JIFFIES = JiffiesCell(EXEC_MEMORY)
"""The kernel's ``jiffies`` as this process's programs load it (the inlined bpf_jiffies64): refreshed
when a run of a program that reads it starts (``ProgRuntime.reads_jiffies``)."""


ENGINES: dict[str, Engine] = {"interpreter": Interpreter, "jit": jit_engine, "auto": tiered_engine}
"""The engines a program can run on (``pybpf.engine``), by name: the interpreter, the JIT (compiled
at load; the interpreter with a notice where llvmlite cannot), and both tiered (the interpreter
until the program has run enough to pay for its compilation, then the JIT)."""
_NATIVE_WRITES = frozenset(
    {uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH}
)
"""The map types the JIT may update or delete natively (``MapObject.holds_async`` stops it)."""
DEFAULT_ENGINE = "jit"
"""The engine ``ProgRuntime`` builds programs with: the one place an engine is chosen."""
COMPILED_AT_LOAD = frozenset({"jit"})
"""The engines whose programs are built when they are loaded (``select_runtime``)."""
ENGINE_VARIABLE = "PYBPF_ENGINE"
"""The environment variable naming another engine of ``ENGINES`` for the programs this process runs."""


def selected_engine() -> str:
    """The engine named by ``PYBPF_ENGINE`` (when it names one), else ``DEFAULT_ENGINE``."""
    name = os.environ.get(ENGINE_VARIABLE, "")
    return name if name in ENGINES else DEFAULT_ENGINE


def _build(
    engine: str,
    insns: list[Instruction],
    registry: HelperRegistry,
    resolved: dict[int, int],
    facts: frozenset[int],
    *,
    stack_depths: dict[int, int] | None,
    probe_loads: frozenset[int] = frozenset(),
    arena_accesses: frozenset[int] = frozenset(),
    arena: MapOps | None = None,
    exception_callback: int | None = None,
) -> Executable:
    """The executable ``engine`` makes of the program; the JIT's engines get the verifier's facts (the
    accesses it proved in bounds, compiled unchecked) and stack depths (what a run zeroes of the
    stack), the interpreter checks every access and zeroes the whole stack.  Every engine gets the
    probe loads (``ProgMeta.probe_loads``: reading an address no region holds gives 0) and the arena
    accesses (``ProgMeta.arena_accesses``), which they carry out on ``arena``, and the program's own
    exception callback (``ProgMeta.exception_callback``)."""
    make = ENGINES[engine]
    for compiler in (jit_engine, tiered_engine):
        if make is compiler:
            return compiler(
                insns, helpers=registry, memory=EXEC_MEMORY, resolved=resolved, facts=facts,
                stack_depths=stack_depths, probe_loads=probe_loads, arena_accesses=arena_accesses,
                arena=arena, exception_callback=exception_callback,
            )  # fmt: skip
    if make is not Interpreter:  # another engine: the interpreter runs what it cannot
        if arena is not None or arena_accesses:
            jit.notice(f"engine {engine!r} does not reach arenas")
        elif exception_callback is not None:
            jit.notice(f"engine {engine!r} does not run exception callbacks")
        else:
            return make(insns, helpers=registry, memory=EXEC_MEMORY, resolved=resolved)
    return Interpreter(
        insns, helpers=registry, memory=EXEC_MEMORY, resolved=resolved, probe_loads=probe_loads,
        arena_accesses=arena_accesses, arena=arena, exception_callback=exception_callback,
    )  # fmt: skip


class ProgRuntime:
    """A program ready to run in this process: its maps mapped and its executable built.

    ``engine``: a name of ``ENGINES`` (default: ``selected_engine()``).
    """

    def __init__(
        self, prog: ProgObject, engine: str | None = None, replaced: tuple[links.Replacement, ...] = ()
    ) -> None:
        if engine is None:
            engine = selected_engine()
        elif engine not in ENGINES:
            raise BPFError(errno.EINVAL, f"no engine {engine!r} (engines: {', '.join(ENGINES)})")
        self._prog = weakref.ref(prog)
        """The program, weakly: it holds its runtime (``ProgObject.runtime``), so a strong reference
        here would make the two a cycle that only the cycle collector frees, and the maps with them."""
        self.meta = prog.meta
        self.xlated = prog.xlated
        self.replaced = replaced
        """The live freplace links the program runs with (``pybpf.kernel.links``)."""
        combined = links.combined(prog, replaced) if replaced else None
        self.maps: dict[int, MapObject] = {}
        for owner in combined.programs if combined is not None else [prog]:
            for map_id in owner.meta.map_ids:
                fd = owner.open_map(map_id)
                try:
                    obj = MapObject.from_fd(fd)
                finally:
                    os.close(fd)
                self.maps[map_id] = obj
        for obj in self.maps.values():  # the JIT leaves writes of values with timers to Python
            if obj.btf_value_type_id and obj.params.map_type in _NATIVE_WRITES:
                with contextlib.suppress(BPFError, OSError):
                    btfobj.hidden_fields(obj)
        prog_type = get_prog_type(prog.prog_type)
        if prog_type is None:
            raise BPFError(errno.EINVAL, f"program type {prog.prog_type} is not available in this pybpf")
        self.prog_type = prog_type
        registry = default_registry()
        for helper_id, helper in prog_type.helpers().items():
            registry.register(helper_id, helper)
        self.reads_jiffies = False
        """Whether the program loads ``JIFFIES`` (the inlined bpf_jiffies64): its runs refresh it first."""
        insns, resolved, direct = self._resolve(combined.xlated if combined is not None else prog.xlated)
        self.program_maps = ProgramMaps.of(self.maps.values(), direct, prog.id)
        """The maps (and global data) the program's runs may reach."""
        meta = prog.meta
        facts = frozenset(meta.proven_accesses)
        probes = frozenset(meta.probe_loads)
        depths = meta.stack_depths
        stack_depths = (
            dict(zip(meta.subprogs, depths, strict=True)) if len(depths) == len(meta.subprogs) else None
        )
        arena_accesses = frozenset(meta.arena_accesses)
        if combined is not None:  # (an extension's slots: its arena accesses are not carried over)
            facts, probes, stack_depths = combined.proven, combined.probes, combined.stack_depths
            arena_accesses = frozenset()
        arena = next((obj.impl for obj in self.maps.values() if obj.impl.arena), None)
        self.executable = _build(
            engine, insns, registry, resolved, facts, stack_depths=stack_depths, probe_loads=probes,
            arena_accesses=arena_accesses, arena=arena, exception_callback=meta.exception_callback or None,
        )  # fmt: skip
        release = getattr(self.executable, "release", None)  # (the JIT's: ``JitProgram.release``)
        if release is not None:
            weakref.finalize(self, release).atexit = False
        # Translate everything before the first run, so that BPF_PROG_TEST_RUN's duration measures
        # running, like the kernel's (whose JIT runs at load): not pybpf's lazy translation.
        self.executable.prepare()
        self._host: ProgramHost | None = None

    @property
    def host(self) -> ProgramHost:
        """The program as its timers' callbacks need it (``pybpf.kernel.async_host``), made once."""
        host = self._host
        if host is None:
            host = self._host = ProgramHost(
                self.executable, self.program_maps, self.maps, EXEC_MEMORY,
                name=self.meta.name, prog_id=self.meta.id, others=_host_by_id,
                before_run=JIFFIES.refresh if self.reads_jiffies else None,
            )  # fmt: skip
        return host

    @property
    def prog(self) -> ProgObject | None:
        """The program this runtime runs, while this process still holds it (None once released)."""
        return self._prog()

    def _resolve(
        self, xlated: list[Instruction]
    ) -> tuple[list[Instruction], dict[int, int], list[MapObject]]:
        """The instructions, the lddw values by slot, and the maps whose value is addressed directly.
        The lddw of ``jiffies`` (the inlined bpf_jiffies64) become this process's ``JIFFIES``: a
        ksym's address (BPF_PSEUDO_BTF_ID) that the loader resolved, so the JIT's code holds none."""
        resolved: dict[int, int] = {}
        direct: list[MapObject] = []
        starts = slot_starts(xlated)
        inlined = jiffies_loads(xlated)
        self.reads_jiffies = bool(inlined)
        if inlined:
            xlated = list(xlated)
            for index in inlined:
                xlated[index] = Instruction.lddw(xlated[index].dst, 0, BPF_PSEUDO_BTF_ID)
                resolved[starts[index]] = JIFFIES.address
        for slot, insn in zip(starts, xlated, strict=True):
            if insn.opcode == 0x18 and insn.src in (BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE):
                obj = self.maps[insn.imm]
                if insn.src == BPF_PSEUDO_MAP_VALUE:
                    resolved[slot] = obj.address + insn.imm_hi
                    direct.append(obj)
                else:
                    resolved[slot] = obj.pointer
                    expose(EXEC_MEMORY, obj)  # what a read through the pointer finds
        return xlated, resolved, direct

    @classmethod
    def of(cls, prog: ProgObject) -> ProgRuntime:
        """The program's runtime in this process, built anew when the freplace links replacing
        its functions changed since (one directory lookup when none ever did)."""
        runtime = prog.runtime
        replaced = links.replacements(prog.id)
        if runtime is None or runtime.replaced != replaced:
            runtime = prog.runtime = cls(prog, replaced=replaced)
        assert isinstance(runtime, ProgRuntime)
        return runtime


def select_runtime(prog: ProgObject) -> None:
    """``bpf_prog_select_runtime`` (kernel/bpf/core.c), at load: with an engine of
    ``COMPILED_AT_LOAD`` the program's runtime is built in the loading process now — its code
    compiled (or linked from the object cache), or the interpreter chosen with the notice."""
    if selected_engine() in COMPILED_AT_LOAD:
        with contextlib.suppress(BPFError):  # raised again, the same, at the program's first run
            ProgRuntime.of(prog)


def native_code(prog: ProgObject) -> CompiledProgram | None:
    """The JIT's code of ``prog`` in this process (what ``bpf_prog_info`` reports as jited), None
    when the program does not run natively here.  With an engine that compiles at load, a program
    loaded by another process is built now, as its loader built it (linked from the object cache)."""
    runtime = prog.runtime
    if runtime is None:
        if selected_engine() not in COMPILED_AT_LOAD:
            return None
        try:
            runtime = ProgRuntime.of(prog)
        except BPFError:
            return None
    executable = runtime.executable
    if isinstance(executable, TieredProgram):
        executable = executable.jit
    return executable.compiled if isinstance(executable, JitProgram) else None


_by_prog_id: weakref.WeakValueDictionary[tuple[str, int], ProgRuntime] = weakref.WeakValueDictionary()
"""Tail-call targets by (bpffs root, program id): ids are unique within one root."""


def _runtime_in_array(array: MapObject, prog_id: int) -> ProgRuntime:
    key = (bpffs_root(), prog_id)
    runtime = _by_prog_id.get(key)
    if runtime is None:
        fd = refs.open_ref(bpffs_root(), ("map", array.id), ("prog", prog_id), os.O_RDONLY)
        try:
            runtime = ProgRuntime.of(ProgObject.from_fd(fd))
        finally:
            os.close(fd)
        _by_prog_id[key] = runtime
    return runtime


def _host_by_id(prog_id: int) -> ProgramHost | None:
    """The timers' host of program ``prog_id`` of the current root, opened by id (None: gone)."""
    key = (bpffs_root(), prog_id)
    runtime = _by_prog_id.get(key)
    if runtime is None:
        try:
            fd = get_fd_by_id(prog_id, 0, 0)
        except BPFError:
            return None
        try:
            runtime = ProgRuntime.of(ProgObject.from_fd(fd))
        finally:
            os.close(fd)
        _by_prog_id[key] = runtime
    return runtime.host


class Runner:
    """``ProgramRunner`` for the program types: runs one program (and its tail calls) on a ctx.

    Each program of the chain runs in a ``RunSession`` opened on its first run and kept until
    ``close``: the repeats of one BPF_PROG_TEST_RUN share a registered stack, a run state and the
    region cache of the generated code, as the kernel's ``bpf_test_run`` loop shares its setup.
    They share one ``MapAccess`` too (``RunEnv.maps``): the value regions helpers registered stay
    until ``close``, switched to the running program's maps at each run and tail call.
    """

    memory = EXEC_MEMORY

    def __init__(self, runtime: ProgRuntime) -> None:
        self.runtime = runtime
        self.max_ctx_offset = runtime.meta.max_ctx_offset
        self.expected_attach_type = runtime.meta.expected_attach_type
        self.attach_btf_id = runtime.meta.attach_btf_id
        self._sessions: dict[tuple[int, int], tuple[ProgRuntime, RunSession]] = {}
        self._tail_calls = 0
        self._nesting = 0
        """Tail-call targets running now in place of a BPF function's frame (``_in_place``)."""
        self._ctx_address = 0
        self._packet: PacketReader | None = None
        """The current run's ctx and packet, which a tail-call target runs with."""
        self._arrays_checked: set[int] = set()
        """The prog arrays this Runner asked whether their user references are gone (once each)."""
        self._main: RunSession | None = None
        self._locked = False
        self._env: RunEnv | None = None
        self._access = MapAccess(EXEC_MEMORY)
        self._stats_hint = run_stats.hint()
        """The hint of the stats key (``pybpf.kernel.run_stats``): 0 while no BPF_ENABLE_STATS fd
        can be open, so a test run asks no more than one byte."""
        self._stats_runs = self._stats_ns = 0
        """Runs made, and their duration, since the statistics were last added to the program's."""
        self._calls_out = True
        """Whether Python may see the run's CPU (the program calls anything but BPF functions) and
        no session of the main program reads it where it runs (``JitSession.follow_host_cpu``):
        each test run then asks which CPU it runs on."""

    def __enter__(self) -> Runner:
        """Hold the address space's lock until ``__exit__``: the repeats of a test run run back to back."""
        EXEC_MEMORY.lock.acquire()
        self._locked = True
        if self._stats_hint[0] or "run" in self.__dict__:
            self._count_runs()
        self._main = self._session(self.runtime)  # set up before the program type starts its timer
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._add_stats()
            self.close()
        finally:
            self._locked = False
            EXEC_MEMORY.lock.release()

    def begin(self) -> None:
        """``__enter__`` for a runner kept between test runs (``TestRunHandle``), whose caller holds
        the address space's lock for the test run: the sessions of the earlier ones are still open."""
        self._locked = True
        if self._stats_hint[0] or "run" in self.__dict__:
            self._count_runs()
        if self._main is None:
            main = self._main = self._session(self.runtime)
            native_cpu = isinstance(main, JitSession)
            self._calls_out = not native_cpu and not loops_natively(self.runtime.xlated)
        env = self._env
        if self._calls_out and env is not None:
            env.cpu = running_cpu()  # helpers may see the CPU: each test run asks which it runs on

    def run_kept(
        self, run: KeptRun, given: bytes, size_out: int, repeat: int
    ) -> tuple[int, bytes | None, int]:
        """A fixture's short path (``KeptRun``) between ``begin`` and ``end``, for
        ``TestRunHandle.run_given`` (one frame less on ``Program.run``'s per-call path)."""
        self.begin()
        try:
            return run(self, given, size_out, repeat)
        finally:
            self.end()

    def end(self) -> None:
        """End a test run ``begin`` started, as ``__exit__`` would but keeping the sessions open: the
        values and records it was handed are released, and the next test run asks again whether a
        prog array's user references are gone."""
        try:
            access = self._access
            if access.holding:  # values (global data too: registered again when the next run starts)
                access.switch(NO_MAPS)
            if access.test_socket is not None:  # the kernel frees the test run's socket
                access.free_test_socket()
            if access.cgroup_storages:  # and its cgroup storage
                access.free_cgroup_storage()
        finally:
            if self._stats_runs:
                self._add_stats()
            if self._arrays_checked:
                self._arrays_checked.clear()
            self._locked = False

    # --- run statistics (BPF_ENABLE_STATS) -------------------------------------------------------
    def _count_runs(self) -> None:
        """At the start of a test run: whether its runs are counted (``bpf_stats_enabled_key``).
        When they are, ``run`` is ``_counted_run`` for this Runner (nothing is paid when not)."""
        if run_stats.stats_enabled():
            self.run = self._counted_run  # type: ignore[method-assign]
        elif "run" in self.__dict__:
            del self.run

    def _counted_run(self, ctx_address: int, env: RunEnv, packet: PacketReader | None = None) -> int:
        """``run``, its duration and count added to the program's statistics (``__bpf_prog_run``
        with the stats key on: ``run_time_ns`` and ``run_cnt`` of the program that was run)."""
        start = time.perf_counter_ns()
        try:
            return Runner.run(self, ctx_address, env, packet)
        finally:
            self._stats_ns += time.perf_counter_ns() - start
            self._stats_runs += 1

    def _add_stats(self) -> None:
        runs, duration = self._stats_runs, self._stats_ns
        self._stats_runs = self._stats_ns = 0
        run_stats.add_runs(self.runtime.meta.id, runs, duration)

    def close(self) -> None:
        """Close the run sessions (their stacks leave the address space), release the map values, and
        let go of the run environment (whose ``tail_call`` is this Runner's: a cycle otherwise)."""
        sessions, self._sessions, self._main = self._sessions, {}, None
        env, self._env = self._env, None
        if env is not None:
            env.tail_call = None
        self.__dict__.pop("run", None)  # ``_count_runs``'s bound method (another cycle)
        try:
            for _, session in sessions.values():
                session.close()
        finally:
            with EXEC_MEMORY.lock:
                self._access.release()

    def _session(self, runtime: ProgRuntime, nesting: int = 0) -> RunSession:
        """The session of ``runtime`` at ``nesting`` (each nested tail-call target runs on its own
        stack: the same program may be running below it)."""
        key = (id(runtime), nesting)
        entry = self._sessions.get(key)
        if entry is None:
            session = runtime.executable.session(budget=VERIFIED_BUDGET)
            if isinstance(session, JitSession):  # a test run is on the CPU it runs on
                session.follow_host_cpu()
            entry = self._sessions[key] = (runtime, session)
        return entry[1]

    def _tail_call(self, map_address: int, index: int) -> int:
        array = self._access.map_arg(map_address, "bpf_tail_call", 2)
        if array.impl.fd_kind is not FdKind.PROG:  # the helper checked it: a prog array of this program
            raise HelperError(None, f"bpf_tail_call: R2 = {map_address:#x} is not a prog array")
        index &= 0xFFFFFFFF
        if index >= array.params.max_entries or self._tail_calls >= MAX_TAIL_CALL_CNT:
            return -errno.ENOENT
        prog_id = array.impl.slot(index)
        if prog_id and array.id not in self._arrays_checked:
            # Emptied already if its last fd and pin went before this run (map_release_uref).
            self._arrays_checked.add(array.id)
            if refs.release_if_unreferenced(bpffs_root(), "map", array.id):
                prog_id = array.impl.slot(index)
        if not prog_id:
            return -errno.ENOENT
        target = _runtime_in_array(array, prog_id)
        self._tail_calls += 1
        raise TailCall(target, self._in_place)

    def _in_place(self, target: object) -> int:
        """A tail call made in a BPF function: ``target`` (and the tail calls it makes in turn) runs
        in place of the function's frame, with the run's ctx, and its r0 goes back to the function's
        caller (the x86-64 JIT's bpf2bpf tail calls).  The counter is the run's (the kernel's
        ``tail_call_cnt_ptr``); the target runs on its own session (the same program may be running
        below it) and the map values the caller holds stay reachable (``MapAccess.enter``)."""
        env = self._env
        assert env is not None and isinstance(target, ProgRuntime)
        access, outer_host = self._access, env.host
        self._nesting += 1
        runtime = target
        with EXEC_MEMORY.lock:
            caller = access.program
            try:
                while True:
                    env.host = runtime.host
                    if runtime.reads_jiffies:
                        JIFFIES.refresh()
                    access.enter(runtime.program_maps)
                    try:
                        session = self._session(runtime, self._nesting)
                        return session.run_locked(self._ctx_address, env, self._packet)
                    except TailCall as call:
                        assert isinstance(call.target, ProgRuntime)
                        runtime = call.target
            finally:
                self._nesting -= 1
                env.host = outer_host
                access.enter(caller)

    def run_repeated(
        self, repeat: int, ctx_address: int, env: RunEnv, packet: PacketReader | None = None
    ) -> tuple[int, int]:
        """``repeat_runs`` of ``run``: (last r0, mean ns per run).  Once the program runs on the JIT
        (from the start, or after the tiered engine compiled it) and if it calls no helper, the
        remaining repeats run in the native loop (``JitSession.run_repeated_locked``), so the
        duration measures the program as the kernel's does; the others run one by one."""
        count = max(repeat, 1)
        retval = 0
        start = time.perf_counter_ns()
        for done in range(count):
            native = self._native_loop()
            if native is not None:
                if self.runtime.reads_jiffies:  # (once for the native loop's runs)
                    JIFFIES.refresh()
                access = self._access
                if env is not self._env:
                    self._set_env(env)
                if access.program is not self.runtime.program_maps:
                    access.switch(self.runtime.program_maps)
                if "run" in self.__dict__:  # counted: the native loop's runs too
                    begun = time.perf_counter_ns()
                    retval = native.run_repeated_locked(ctx_address, env, packet, count - done)
                    self._stats_ns += time.perf_counter_ns() - begun
                    self._stats_runs += count - done
                    break
                retval = native.run_repeated_locked(ctx_address, env, packet, count - done)
                break
            retval = self.run(ctx_address, env, packet)
        return retval, min((time.perf_counter_ns() - start) // count, U32_MAX)

    def _set_env(self, env: RunEnv) -> None:
        env.cpu = running_cpu()
        env.tail_call = self._tail_call
        env.maps = self._access
        env.host = self.runtime.host
        self._env = env

    def _native_loop(self) -> JitSession | None:
        """The main program's JIT session, when its runs may loop natively now."""
        session = self._main
        if isinstance(session, TieredSession):
            session = session.native
        if self._locked and isinstance(session, JitSession):
            return session if session.program.loops_natively else None
        return None

    def run(self, ctx_address: int, env: RunEnv, packet: PacketReader | None = None) -> int:
        access = self._access
        if env is not self._env:  # a new run environment (the repeats of a test run share one)
            self._set_env(env)
        self._tail_calls = 0
        self._ctx_address, self._packet = ctx_address, packet
        if self.runtime.reads_jiffies:
            JIFFIES.refresh()
        session = self._main
        if session is None:
            session = self._main = self._session(self.runtime)
        try:
            try:
                if self._locked:
                    if access.program is not self.runtime.program_maps:  # after a tail call
                        access.switch(self.runtime.program_maps)
                    return session.run_locked(ctx_address, env, packet)
                with EXEC_MEMORY.lock:
                    access.switch(self.runtime.program_maps)
                    return session.run_locked(ctx_address, env, packet)
            except TailCall as call:
                runtime = call.target
            while True:
                assert isinstance(runtime, ProgRuntime)
                env.cpu = running_cpu()  # (the main program's session may have read it natively)
                env.host = runtime.host
                if runtime.reads_jiffies:
                    JIFFIES.refresh()
                try:
                    with EXEC_MEMORY.lock:
                        access.switch(runtime.program_maps)  # the caller's values and records go
                        return self._session(runtime).run_locked(ctx_address, env, packet)
                except TailCall as call:
                    runtime = call.target
        finally:  # what a run ends holding (the verifier refuses such programs) is given back
            if env.spin_locks or access.records or not self._locked:
                with EXEC_MEMORY.lock:
                    if env.spin_locks:
                        release_spin_locks(HelperContext(EXEC_MEMORY, TRACE_PIPE, env=env))
                    access.end_run()
                    if not self._locked:
                        access.release()


TEST_RUN_DATA_MAX = (MAX_SKB_FRAGS + 2) * PAGE_SIZE
"""More data_in than any program type's BPF_PROG_TEST_RUN takes (XDP's is the largest: one page's
linear part and ``MAX_SKB_FRAGS`` fragment pages; skb types take less than a page, the others none).
``test_run`` copies at most this much, so the type refuses a larger ``data_size_in`` (EINVAL, or
ENOMEM for XDP's fragments, as the kernel answers) without anything that size being allocated."""
TEST_RUN_CTX_MAX = U16_MAX + 1
"""More ctx_in than any type takes: SYSCALL programs up to U16_MAX bytes, raw_tp 96; the others'
``bpf_ctx_init`` refuses more than a page (``bpf_check_uarg_tail_zero``: E2BIG)."""

KeptRun = Callable[[Runner, bytes, int, int], tuple[int, bytes | None, int]]
"""A fixture's short path (``TestRunFixture.run_packet``, ``BlobTestRunFixture.run_context``):
``(runner, packet or context, size_out, repeat) -> (retval, data_out or ctx_out, duration_ns)``."""

_RETVAL = offsetof(bpf_attr, "test.retval")
_DATA_SIZE_OUT = offsetof(bpf_attr, "test.data_size_out")
_DURATION = offsetof(bpf_attr, "test.duration")
_CTX_SIZE_OUT = offsetof(bpf_attr, "test.ctx_size_out")


def test_run(attr: Any, write_back: Callable[[int, bytes], None]) -> int:
    """The BPF_PROG_TEST_RUN handler."""
    t = attr.test
    if bool(t.ctx_size_in) != bool(t.ctx_in) or bool(t.ctx_size_out) != bool(t.ctx_out):
        raise BPFError(errno.EINVAL, "ctx size and pointer must be given together")
    runtime = testable_runtime(t.prog_fd)
    prog_type = runtime.prog_type
    # The sizes come from the caller: copy no more than any program type accepts (the type's own
    # check then refuses the size with its errno), never allocate what the caller asked for.
    data_in, data_fault = _copy_in(t.data_in, t.data_size_in, TEST_RUN_DATA_MAX)
    ctx_in, ctx_fault = _copy_in(t.ctx_in, t.ctx_size_in, TEST_RUN_CTX_MAX)
    args = TestRunArgs(
        data_in=data_in or b"", data_size_out=t.data_size_out, ctx_in=ctx_in, ctx_size_out=t.ctx_size_out,
        repeat=t.repeat, flags=t.flags, cpu=t.cpu, batch_size=t.batch_size,
        user_memory=(copy_from_user, copy_to_user),
    )  # fmt: skip
    if data_fault is not None or ctx_fault is not None:
        # The kernel copies in the type's test_run, after its checks of flags and sizes: the data
        # (bpf_test_init), then the ctx (bpf_ctx_init) and the checks of its fields -- or, for a
        # type that reads the ctx first (``ctx_before_data``), the other way round.
        ctx_first = prog_type.ctx_before_data
        if ctx_fault is not None and (ctx_first or data_fault is None):
            _checks_before_ctx(prog_type, args)
            raise ctx_fault
        assert data_fault is not None
        prog_type.check_test_run_attr(args if ctx_first else dataclasses.replace(args, ctx_in=None))
        raise data_fault
    result = run_test(runtime, args)
    err = 0
    if result.data_out is not None:
        size = len(result.data_out)
        copy = size
        if t.data_size_out and copy > t.data_size_out:
            copy, err = t.data_size_out, errno.ENOSPC
        if t.data_out:
            copy_to_user(t.data_out, result.data_out[:copy])
        write_back(_DATA_SIZE_OUT, size.to_bytes(4, "little"))
    write_back(_RETVAL, (result.retval & 0xFFFFFFFF).to_bytes(4, "little"))
    write_back(_DURATION, min(result.duration_ns, 0xFFFFFFFF).to_bytes(4, "little"))
    if err:
        raise BPFError(err, "data_out too small")
    if result.ctx_out is not None and getattr(prog_type, "ctx_out_to_ctx_in", False):
        # BPF_PROG_TYPE_SYSCALL: the kernel writes the context back into the caller's ctx_in
        copy_to_user(t.ctx_in, result.ctx_out[: t.ctx_size_in])
    elif result.ctx_out is not None and t.ctx_out:
        size = len(result.ctx_out)
        copy = min(size, t.ctx_size_out)
        copy_to_user(t.ctx_out, result.ctx_out[:copy])
        write_back(_CTX_SIZE_OUT, size.to_bytes(4, "little"))
        if copy < size:
            raise BPFError(errno.ENOSPC, "ctx_out too small")
    return 0


def _checks_before_ctx(prog_type: Any, args: TestRunArgs) -> None:
    """The type's test-run checks that come before its ctx is copied (the ctx could not be): those
    that refuse the attr alike without a ctx and with zeros standing in for it (a check of the ctx's
    presence or of its fields comes after the copy, and answers differently in the two)."""
    try:
        prog_type.check_test_run_attr(dataclasses.replace(args, ctx_in=None))
    except BPFError as without_ctx:
        try:
            prog_type.check_test_run_attr(args)
        except BPFError as with_zeros:
            if (with_zeros.errno, str(with_zeros)) == (without_ctx.errno, str(without_ctx)):
                raise without_ctx from None


def _copy_in(address: int, size: int, most: int) -> tuple[bytes | None, BPFError | None]:
    """Up to ``most`` of the ``size`` bytes at ``address`` (None for no size), or zeros of that length
    and the EFAULT the copy met, for the caller to raise where the kernel would copy."""
    if not size:
        return None, None
    try:
        return copy_from_user(address, min(size, most)), None
    except BPFError as exc:
        if exc.errno != errno.EFAULT:
            raise
        return bytes(min(size, most)), exc


def testable_runtime(prog_fd: int) -> ProgRuntime:
    """The runtime of the program ``prog_fd`` names, if its type has a BPF_PROG_TEST_RUN."""
    runtime = ProgRuntime.of(prog_from_fd(prog_fd))
    if not hasattr(runtime.prog_type, "test_run"):
        raise BPFError(ENOTSUPP, f"{runtime.prog_type.name} programs cannot be test-run")
    return runtime


def run_test(runtime: ProgRuntime, args: TestRunArgs) -> TestRunResult:
    """``bpf_prog_test_run`` past the attr: the type's checks, then its test_run under a Runner."""
    prog_type = runtime.prog_type
    prog_type.check_test_run_attr(args)
    try:
        with Runner(runtime) as runner:
            result: TestRunResult = prog_type.test_run(runner, args)
    except ExecutionError as fault:  # a program the structural verifier let through faulted
        raise ProgramFaultError(fault) from fault
    return result


def test_run_in_process(prog_fd: int, args: TestRunArgs) -> TestRunResult:
    """BPF_PROG_TEST_RUN for a caller in this process: ``test_run`` without a bpf_attr to decode
    nor user memory to copy (``Program.run`` on the user backend; ``TestRunHandle`` keeps one
    program's test run ready between calls).

    ``args`` are the attr's fields (``data_in`` and ``ctx_in`` the bytes its pointers address);
    the errors are ``test_run``'s, in the same order (ENOSPC when ``data_size_out``, or
    ``ctx_size_out`` for a context the caller asked back, is smaller than what the run produced),
    and the result is what it copies out, whole: ``data_out`` and ``ctx_out`` as the program left
    them, the retval as the attr's u32 and the duration capped at U32_MAX.
    """
    if args.user_memory is None:
        args.user_memory = (copy_from_user, copy_to_user)
    try:
        runtime = testable_runtime(prog_fd)
        _clip(args)
        result = run_test(runtime, args)
    except MemoryError:  # as the bpf(2) entry answers it
        raise BPFError(errno.ENOMEM, "out of memory") from None
    return _copied_out(runtime, args, result)


def _clip(args: TestRunArgs) -> None:
    """Take no more data_in and ctx_in than ``test_run`` copies from user memory."""
    if len(args.data_in) > TEST_RUN_DATA_MAX:
        args.data_in = args.data_in[:TEST_RUN_DATA_MAX]
    if args.ctx_in is not None and len(args.ctx_in) > TEST_RUN_CTX_MAX:
        args.ctx_in = args.ctx_in[:TEST_RUN_CTX_MAX]


def _copied_out(runtime: ProgRuntime, args: TestRunArgs, result: TestRunResult) -> TestRunResult:
    """``test_run``'s copies out, without user memory: its ENOSPC checks, the u32 retval and the
    duration capped at U32_MAX."""
    if result.data_out is not None and args.data_size_out and len(result.data_out) > args.data_size_out:
        raise BPFError(errno.ENOSPC, "data_out too small")
    result.retval &= 0xFFFFFFFF
    result.duration_ns = min(result.duration_ns, 0xFFFFFFFF)
    ctx_out = result.ctx_out
    if (
        ctx_out is not None
        and args.ctx_size_out
        and len(ctx_out) > args.ctx_size_out
        and not runtime.prog_type.ctx_out_to_ctx_in
    ):
        raise BPFError(errno.ENOSPC, "ctx_out too small")
    return result


class TestRunHandle:
    """One program's BPF_PROG_TEST_RUN kept ready in this process: ``test_run_in_process`` for a
    caller that runs the same program again and again (``Program.run`` keeps one per program).

    Built once: the program's runtime, a ``Runner`` whose run sessions (stack, run state, region
    table) stay open between calls, and the program type's ``TestRunFixture`` (its context and
    packet buffers registered once).  A call then only checks its arguments, copies them in, runs
    and copies the results out: the same checks, errors and results as ``test_run_in_process``
    (``run``; ``run_given`` for a packet alone or a context alone, through the fixture's short path).
    ``current`` says whether the handle still runs what ``test_run_in_process`` would (the fd
    still names the same open file of the program, whose runtime was not replaced); ``close`` (or
    collection) closes the sessions and unregisters the buffers.  A call made while the handle is
    running (a helper running the program again), or once it is closed, goes through
    ``test_run_in_process``.
    """

    __test__ = False

    def __init__(self, prog_fd: int) -> None:
        self.prog_fd = prog_fd
        self.prog = prog_from_fd(prog_fd)
        self.runtime = testable_runtime(prog_fd)
        self._mark = _mark_description(prog_fd)
        self.runner = Runner(self.runtime)
        with EXEC_MEMORY.lock:
            self.fixture: TestRunFixture | None = self.runtime.prog_type.test_run_fixture(EXEC_MEMORY)
        self.packet_run: KeptRun | None = self.fixture.run_packet if self.fixture is not None else None
        """The fixture's path for a packet alone (``run_given``)."""
        self.context_run: KeptRun | None = getattr(self.fixture, "run_context", None)
        """The fixture's path for a context alone (``run_given``), if its type has one."""
        self._running = False
        """A test run is going on (or the handle is closed): a call now takes ``test_run_in_process``."""
        self._closed = False
        self._finalizer = weakref.finalize(self, _close_handle, self.runner, self.fixture)
        self._finalizer.atexit = False  # the sessions and the address space go with the process

    @property
    def current(self) -> bool:
        """Whether ``prog_fd`` still refers to the open file description the handle was built on
        (one ``lseek``: a closed fd, or its number reused, is not) and the program still runs on
        the runtime it was built with (not one rebuilt since, with another engine say)."""
        try:
            if _lseek(self.prog_fd, 0, _SEEK_CUR) != self._mark:
                return False
        except OSError:
            return False
        return self.prog.runtime is self.runtime and not self.runtime.replaced

    def run(self, args: TestRunArgs) -> TestRunResult:
        """``test_run_in_process(prog_fd, args)`` on the handle's runner and fixture."""
        runtime, runner, fixture = self.runtime, self.runner, self.fixture
        with EXEC_MEMORY.lock:  # so that only this thread's own runs can see ``_running``
            if self._running:
                return test_run_in_process(self.prog_fd, args)
            self._running = True
            try:
                if len(args.data_in) > TEST_RUN_DATA_MAX or args.ctx_in is not None:
                    _clip(args)
                runner.begin()
                try:
                    if fixture is not None:
                        result = fixture.run(runner, args)
                    else:
                        prog_type = runtime.prog_type
                        prog_type.check_test_run_attr(args)
                        result = prog_type.test_run(runner, args)
                finally:
                    runner.end()
            except ExecutionError as fault:  # a program the structural verifier let through faulted
                raise ProgramFaultError(fault) from fault
            except MemoryError:  # as the bpf(2) entry answers it
                raise BPFError(errno.ENOMEM, "out of memory") from None
            finally:
                self._running = self._closed
        return _copied_out(runtime, args, result)

    def run_given(
        self, run: KeptRun | None, given: bytes, size_out: int, repeat: int
    ) -> tuple[int, bytes | None, int] | None:
        """``run`` of a call given only a packet (``run``: ``packet_run``, ``size_out``: data_size_out)
        or only a context (``context_run``, 0) -- ``given`` not empty, no flags, cpu or batch_size --
        while the handle is ``current``: (retval, data_out or ctx_out, duration_ns) of its result, from
        the fixture's short path.  None, having done nothing, where ``run`` or
        ``test_run_in_process`` must answer instead: the fixture has no such path (``run`` None), the
        handle is not current (the fd closed, reused or the runtime replaced:
        ``test_run_in_process`` then raises EBADF or runs what the fd names now) or is running, or
        ``given`` is larger than ``test_run`` copies in of a context (which it clips).  One frame:
        this is ``Program.run``'s per-call path."""
        if run is None or len(given) > TEST_RUN_CTX_MAX:
            return None
        try:  # ``current``, inline
            if _lseek(self.prog_fd, 0, _SEEK_CUR) != self._mark:
                return None
        except OSError:
            return None
        if self.prog.runtime is not self.runtime or self.runtime.replaced:
            return None
        runner = self.runner
        with _EXEC_LOCK:
            if self._running:
                return None
            self._running = True
            try:
                retval, out, duration = runner.run_kept(run, given, size_out, repeat)
            except ExecutionError as fault:  # a program the structural verifier let through faulted
                raise ProgramFaultError(fault) from fault
            except MemoryError:  # as the bpf(2) entry answers it
                raise BPFError(errno.ENOMEM, "out of memory") from None
            finally:
                self._running = self._closed
        if size_out and out is not None and len(out) > size_out:  # ``_copied_out``'s check
            raise BPFError(errno.ENOSPC, "data_out too small")
        return retval & 0xFFFFFFFF, out, duration if duration < U32_MAX else U32_MAX

    def close(self) -> None:
        """Close the sessions and unregister the buffers; later calls take ``test_run_in_process``."""
        with EXEC_MEMORY.lock:
            self._running = self._closed = True
            self._finalizer()


_lseek = os.lseek
_SEEK_CUR = os.SEEK_CUR
_MARK_BASE = 1 << 42
_MARK_SPAN = 1 << 41
"""The file positions that mark a program fd's open file description (a program file is only ever
read with ``pread``: its position is free), far past any program file's size."""


def _mark_description(fd: int) -> int:
    """Mark the open file description of ``fd`` by its file position (kept if already marked: a
    description shared through dup or fork), for ``TestRunHandle.current``; -1 when it cannot be."""
    try:
        mark = os.lseek(fd, 0, os.SEEK_CUR)
        if not _MARK_BASE <= mark < _MARK_BASE + _MARK_SPAN:
            if mark:
                return -1  # somebody uses this position: leave it alone
            # os.urandom, not random: forked processes share random's state
            mark = _MARK_BASE + int.from_bytes(os.urandom(8), "little") % _MARK_SPAN
            os.lseek(fd, mark, os.SEEK_SET)
    except OSError:
        return -1
    return mark


def _close_handle(runner: Runner, fixture: TestRunFixture | None) -> None:
    try:
        runner.close()
    finally:
        if fixture is not None:
            fixture.close()


def prog_from_fd(fd: int) -> ProgObject:
    if fd > 0x7FFFFFFF:
        raise BPFError(errno.EBADF, f"fd {fd} is not open")
    return ProgObject.from_fd(fd)


def timed_runs(run_once: Callable[[], int], repeat: int) -> tuple[int, int]:
    """Run ``repeat`` times (0 means 1); returns (last retval, mean ns per run) like bpf_test_run."""
    repeat = max(repeat, 1)
    start = time.perf_counter_ns()
    retval = 0
    for _ in range(repeat):
        retval = run_once()
    return retval, (time.perf_counter_ns() - start) // repeat
