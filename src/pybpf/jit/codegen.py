"""The code library: module -> verify -> optimise -> finalise -> function pointer, cached per program.

Mirrors ``bpf_int_jit_compile`` (arch/x86/net/bpf_jit_comp.c) and ``bpf_prog_select_runtime``
(kernel/bpf/core.c): a program is compiled once, at load, into executable memory, and its size and
machine code are what ``bpf_prog_info`` reports as ``jited_prog_len`` / ``jited_prog_insns``.  The
steps are explicit:

1. **lower** the program to an LLVM module (``pybpf.jit.lower`` / ``pybpf.jit.kinds``);
2. **verify** it (``llvmlite.binding.parse_assembly`` + ``verify``);
3. **optimise** it with the new pass manager at ``OPT_LEVEL`` for the host CPU;
4. **finalise** it into executable memory (MCJIT) and take the address of ``bpf_run``.

``compiled_for`` caches the result (``CACHE_SIZE`` programs, least recently used dropped) keyed by
everything the code depends on: the program's bytes, the loader's resolved ``lddw`` values, the
helper ids that exist, the block leaders, the helper calls lowered natively with the maps they
reach (``pybpf.jit.native_helpers``), the accesses the verifier proved (compiled unchecked) and the
target (triple, CPU, features).  The code holds no per-run address: the trampoline, the stack and
the address of functions come from the run state; its per-process addresses (the resolved values,
native helpers' maps and C functions) are why the cache lives in the process.  Compile time is measured
(``CompiledProgram.compile_ns``); the machine code (``machine_code``) is emitted on first request,
from the optimised module, by the target machine's object emission.

Every llvmlite failure is caught at this boundary and becomes ``JitUnavailable`` (the engine then
falls back to the interpreter with a notice): no LLVM traceback reaches a user.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pybpf.isa.opcodes import OpSpec
from pybpf.isa.program import ProgramView
from pybpf.jit.kinds import LOWERERS
from pybpf.jit.lower import RUN_FUNCTION, Lowering, LoweringError
from pybpf.jit.native_helpers import NO_NATIVE_CALLS, NativeCalls

OPT_LEVEL = 2
"""The optimisation level of the pass pipeline (O2: O3's loop passes cost compile time, not speed, here)."""
CACHE_SIZE = 64
"""Compiled programs kept for reuse by later executables of the same program."""
MAX_INSNS = 50_000
"""Larger programs are not compiled (LLVM's time and memory grow with the function: about a second
for 20,000 instructions here); they run on the interpreter, after the notice."""


class JitUnavailable(Exception):
    """The JIT cannot compile this program (or cannot run here); the message says why."""


class _Target:
    """llvmlite, initialised once: the native target machine and its description."""

    def __init__(self) -> None:
        try:
            import llvmlite.binding as llvm
        except ImportError as exc:  # the dependency is missing or broken
            raise JitUnavailable(f"llvmlite cannot be imported ({exc})") from exc
        try:
            llvm.initialize_native_target()
            llvm.initialize_native_asmprinter()
            self._target = llvm.Target.from_default_triple()
            self.cpu = llvm.get_host_cpu_name()
            self.features = llvm.get_host_cpu_features().flatten()
            self.machine = self.new_machine()
        except Exception as exc:
            raise JitUnavailable(f"LLVM has no native target here ({exc})") from exc
        self.llvm = llvm
        self.triple = llvm.get_default_triple()
        self.key = (self.triple, self.cpu, self.features)

    def new_machine(self) -> Any:
        """A target machine for the host; an execution engine owns (and destroys) the one it is given."""
        return self._target.create_target_machine(
            cpu=self.cpu, features=self.features, opt=3, codemodel="jitdefault"
        )


_target: _Target | None = None
_target_lock = threading.Lock()


def target() -> _Target:
    """The native target (``JitUnavailable`` when llvmlite cannot load)."""
    global _target
    with _target_lock:
        if _target is None:
            _target = _Target()
        return _target


@dataclass
class CompiledProgram:
    """One program's native code: the entry point, kept alive with the engine that owns it."""

    address: int
    """Address of ``i64 bpf_run(i64 *state, i64 *regs, i64 start)``."""
    compile_ns: int
    """Wall time lowering, verifying, optimising and finalising took."""
    ir_text: str
    """The optimised module."""
    _engine: Any = field(repr=False)
    _machine_code: bytes | None = field(default=None, repr=False)

    @property
    def machine_code(self) -> bytes:
        """The emitted machine code (the object's ``.text``): ``jited_prog_insns``."""
        if self._machine_code is None:
            self._machine_code = _text_of(self.ir_text)
        return self._machine_code

    @property
    def jited_len(self) -> int:
        """``jited_prog_len``."""
        return len(self.machine_code)


def _text_of(ir_text: str) -> bytes:
    tgt = target()
    llvm = tgt.llvm
    try:
        module = llvm.parse_assembly(ir_text)
        obj = tgt.machine.emit_object(module)
        text = b"".join(
            bytes(section.data())
            for section in llvm.ObjectFileRef.from_data(obj).sections()
            if section.is_text()
        )
    except Exception as exc:
        raise JitUnavailable(f"LLVM failed to emit the machine code: {exc}") from exc
    return text


def compile_program(
    view: ProgramView,
    specs: Sequence[OpSpec],
    *,
    leaders: Collection[int],
    resolved: Mapping[int, int],
    helper_ids: Collection[int],
    native: NativeCalls = NO_NATIVE_CALLS,
    proven: Collection[int] = frozenset(),
) -> CompiledProgram:
    """Lower, verify, optimise and finalise one program (``native``: its helper calls lowered natively;
    ``proven``: the slots of the memory accesses the verifier proved in bounds, lowered unchecked)."""
    start = time.perf_counter_ns()
    tgt = target()
    llvm = tgt.llvm
    try:
        lowerers = native.lowerers(LOWERERS) if native.calls else LOWERERS
        module = Lowering(
            view, specs, leaders=leaders, resolved=resolved, helper_ids=helper_ids, lowerers=lowerers,
            proven=proven,
        ).lower()  # fmt: skip
    except LoweringError as exc:
        raise JitUnavailable(str(exc)) from exc
    try:
        parsed = llvm.parse_assembly(str(module))
        parsed.triple = tgt.triple
        parsed.data_layout = str(tgt.machine.target_data)
        parsed.verify()
    except Exception as exc:  # a lowering bug: LLVM refuses the module
        raise JitUnavailable(f"LLVM refused the lowered module: {exc}") from exc
    try:
        tuning = llvm.create_pipeline_tuning_options(speed_level=OPT_LEVEL)
        builder = llvm.create_pass_builder(tgt.machine, tuning)
        builder.getModulePassManager().run(parsed, builder)
        ir_text = str(parsed)
        engine = llvm.create_mcjit_compiler(parsed, tgt.new_machine())
        engine.finalize_object()
        address = engine.get_function_address(RUN_FUNCTION)
    except Exception as exc:
        raise JitUnavailable(f"LLVM failed to compile the program: {exc}") from exc
    if not address:
        raise JitUnavailable("LLVM produced no entry point")
    return CompiledProgram(address, time.perf_counter_ns() - start, ir_text, engine)


_Resolved = tuple[tuple[int, int], ...]
_CacheKey = tuple[
    bytes, _Resolved, frozenset[int], frozenset[int], tuple[object, ...], frozenset[int], tuple[str, str, str]
]
_CACHE: OrderedDict[_CacheKey, CompiledProgram] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def compiled_for(
    code: bytes,
    view: ProgramView,
    specs: Sequence[OpSpec],
    *,
    leaders: Collection[int],
    resolved: Mapping[int, int],
    helper_ids: Collection[int],
    native: NativeCalls = NO_NATIVE_CALLS,
    proven: Collection[int] = frozenset(),
) -> CompiledProgram:
    """The compiled code of the program whose bytes are ``code`` (compiled if not cached)."""
    if len(view.insns) > MAX_INSNS:
        why = f"a program of {len(view.insns)} instructions is larger than the JIT takes ({MAX_INSNS})"
        raise JitUnavailable(why)
    key: _CacheKey = (
        code,
        tuple(sorted(resolved.items())),
        frozenset(helper_ids),
        frozenset(leaders),
        native.key,
        frozenset(proven),
        target().key,
    )
    with _CACHE_LOCK:
        compiled = _CACHE.get(key)
        if compiled is not None:
            _CACHE.move_to_end(key)
            return compiled
    compiled = compile_program(
        view, specs, leaders=leaders, resolved=resolved, helper_ids=helper_ids, native=native, proven=proven
    )
    with _CACHE_LOCK:
        _CACHE[key] = compiled
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return compiled


def clear_cache() -> None:
    """Forget every cached program (executables keep theirs)."""
    with _CACHE_LOCK:
        _CACHE.clear()


__all__ = [
    "CACHE_SIZE",
    "MAX_INSNS",
    "OPT_LEVEL",
    "CompiledProgram",
    "JitUnavailable",
    "clear_cache",
    "compiled_for",
    "target",
]
