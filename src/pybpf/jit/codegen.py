"""The code library: module -> verify -> optimise -> object -> finalise -> function pointer, cached.

Mirrors ``bpf_int_jit_compile`` (arch/x86/net/bpf_jit_comp.c) and ``bpf_prog_select_runtime``
(kernel/bpf/core.c): a program is compiled once, at load, into executable memory, and its size and
machine code are what ``bpf_prog_info`` reports as ``jited_prog_len`` / ``jited_prog_insns``.  The
steps are explicit:

1. **lower** the program to an LLVM module (``pybpf.jit.lower`` / ``pybpf.jit.kinds``);
2. **verify** it (``llvmlite.binding.parse_assembly`` + ``verify``);
3. **optimise** it with the new pass manager for the host CPU: ``OPTIMISING`` (``OPT_LEVEL``), or
   ``LIGHT`` for a module costing LLVM more than ``LIGHT_COST`` (``pipeline_for``, see below);
4. **emit** the object file (the target machine's code generation; with ``PYBPF_JIT_DUMP`` set to a
   directory, the lowered and optimised modules and the assembly are written there too, ``dump``);
5. **finalise**: link the object into executable memory (MCJIT) binding its relocations — the
   loader's resolved ``lddw`` values (``pybpf.jit.lower.RESOLVED_SYMBOL``) — and take the address of
   ``bpf_run``.

The object holds no per-process address (the trampoline, the stack and the address of functions
come from the run state; map addresses, and the map storage and C library functions native helper
calls use, are relocations), so it is cached across processes
(``pybpf.jit.cache``) under the digest of everything the code depends on: the program's bytes,
which ``lddw`` slots are resolved, the helper ids that exist, the block leaders, the accesses the
verifier proved (compiled unchecked), the optimisation level, the target (triple, CPU, features),
the LLVM and llvmlite versions and pybpf's own sources,
and, for a program with native helper calls (``pybpf.jit.native_helpers``), the calls and the
maps' shapes (``NativeCalls.layout``), not their addresses (bound at link time:
``NativeCalls.addresses``).  Every input of the lowering must be a part of that key.
A program seen before is only linked (about a millisecond); within a process ``compiled_for`` also
keeps the linked program for the same resolved values (``CACHE_SIZE`` programs, least recently
used dropped).

Compilation is bounded (``check_budget``): LLVM's time and memory grow with the function — with its
instructions and, faster, with its blocks (each carries the budget's cut check, its fault exit and
the registers' phis) and its checked memory accesses (each is a hot-region check, a slow path and a
fault exit) — so a program's ``compile_cost`` is its instructions plus ``BLOCK_COST`` per block and
``CHECKED_ACCESS_COST`` per access the verifier did not prove, and one costing more than ``MAX_COST``
is not compiled: it runs on the interpreter, after the notice.  Below that bound the pipeline is
chosen from the lowered module itself (``lowered_cost``: its LLVM instructions and blocks): LLVM's
optimisation and code generation are superlinear in the blocks and memory operations of one
function (an unverified 1,000-instruction program of stack accesses took 5-8 s at O2 and at O1),
so a module costing more than ``LIGHT_COST`` gets the ``LIGHT`` pipeline — no optimisation passes,
LLVM's fast instruction selection and register allocation, linear in the module (about 0.1 s for
that program) — and runs correct, if slower, native code.  The bounds are static, so the same
program always gets the same engine and code, on any machine and under any load (a deadline would
not: LLVM cannot be interrupted, and a timer would make the engine depend on the machine's load).
Every llvmlite failure is caught at this boundary and becomes ``JitUnavailable`` (the engine then
falls back to the interpreter with a notice): no LLVM traceback reaches a user.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import struct
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pybpf.isa.opcodes import LDDW_OPCODE, Kind, OpSpec
from pybpf.isa.program import ProgramView
from pybpf.isa.words import M64
from pybpf.jit.cache import RECORD_SUFFIX, object_cache
from pybpf.jit.cost import compile_cost
from pybpf.objects.forking import fork_safe

if TYPE_CHECKING:
    from pybpf.jit.native_helpers import NativeCalls

OPT_LEVEL = 2
"""The optimisation level of the pass pipeline (O2: O3's loop passes cost compile time, not speed, here)."""
MAX_COST = 50_000
"""The most ``compile_cost`` the JIT takes: at the bound, 1.5-2 s of CPU here (lowering in Python and
the ``LIGHT`` pipeline) for straight-line code or about 1,200 checked accesses; a jump chain reaches
it at about 1,000 instructions, 0.3 s (benchmarks/README.md, "Bounded compile")."""
LIGHT_COST = 12_000
"""Lowered modules costing more (``lowered_cost``) are compiled by the ``LIGHT`` pipeline.  At this
cost O2 took 0.1-0.4 s here for the shapes measured (stack or input accesses checked at run time,
jump chains, switch-like chains, nested branches; benchmarks/README.md); beyond it their times
grow faster than their size.  Every program of the benchmark suite costs less than 6,000."""
IR_BLOCK_COST = 8
"""What one block of the lowered module costs LLVM in ``lowered_cost``, in LLVM instructions."""


@dataclass(frozen=True)
class Pipeline:
    """How a lowered module becomes machine code: the pass pipeline's speed level and the code
    generator's optimisation level (0: fast instruction selection and register allocation)."""

    name: str
    speed_level: int
    codegen_level: int


OPTIMISING = Pipeline("optimising", OPT_LEVEL, 3)
LIGHT = Pipeline("light", 0, 0)
MEMORY_ACCESSES = frozenset(
    {Kind.LDX, Kind.LDXSX, Kind.ST, Kind.STX, Kind.ATOMIC, Kind.LOAD_ACQ, Kind.STORE_REL}
)
"""The kinds of instruction the lowering checks at run time unless the verifier proved them."""
CACHE_SIZE = 64
"""Linked programs kept for reuse by later executables of the same program in this process."""
KEEP_BRANCHES = (
    "-two-entry-phi-node-folding-threshold=0",
    "-phi-node-folding-threshold=0",
    "-speculate-one-expensive-inst=false",
)
"""LLVM options (process-wide, set once with the target) that keep an eBPF program's conditional
branches branches, as the kernel's JIT does: SimplifyCFG would otherwise speculate a short arm into
``select``s, a data dependency where the program had a branch the CPU predicts (the suite's sort:
``if (diff s< 0)`` became ``smin``, every compare-and-swap waiting on the one before).  clang's BPF
backend has no ``select``: a branch in eBPF is what the C compiler chose or had to emit."""


class JitUnavailable(Exception):
    """The JIT cannot compile this program (or cannot run here); the message says why."""


class _Target:
    """llvmlite, initialised once: the native target machine and its description."""

    def __init__(self) -> None:
        try:
            import llvmlite
            import llvmlite.binding as llvm
        except ImportError as exc:  # the dependency is missing or broken
            raise JitUnavailable(f"llvmlite cannot be imported ({exc})") from exc
        try:
            llvm.initialize_native_target()
            llvm.initialize_native_asmprinter()
            for option in KEEP_BRANCHES:
                llvm.set_option("pybpf", option)
            self._target = llvm.Target.from_default_triple()
            self.cpu = llvm.get_host_cpu_name()
            self.features = llvm.get_host_cpu_features().flatten()
            self.machine = self.new_machine()
            self._light_machines: dict[int, Any] = {}
            versions = f"{llvmlite.__version__}/{'.'.join(map(str, llvm.llvm_version_info))}"
        except Exception as exc:
            raise JitUnavailable(f"LLVM has no native target here ({exc})") from exc
        self.llvm = llvm
        self.triple = llvm.get_default_triple()
        self.key = (self.triple, self.cpu, self.features, versions, KEEP_BRANCHES)

    def new_machine(self, opt: int = 3) -> Any:
        """A target machine for the host; an execution engine owns (and destroys) the one it is given."""
        return self._target.create_target_machine(
            cpu=self.cpu, features=self.features, opt=opt, codemodel="jitdefault"
        )

    def machine_for(self, pipeline: Pipeline) -> Any:
        """The target machine emitting code for ``pipeline``: ``machine`` at full code generation, else
        one made for its level on first use."""
        level = pipeline.codegen_level
        if level == 3:
            return self.machine
        machine = self._light_machines.get(level)
        if machine is None:
            machine = self._light_machines[level] = self.new_machine(level)
        return machine


def require_llvmlite() -> None:
    """``JitUnavailable`` unless llvmlite's IR builder imports (the lowering and the native helpers'
    plans need it; its binding to LLVM is loaded only to compile or when a cached object's target
    record is missing, ``target_key``)."""
    try:
        import llvmlite  # first: its own error when the package is missing
        import llvmlite.ir  # noqa: F401
    except ImportError as exc:
        raise JitUnavailable(f"llvmlite cannot be imported ({exc})") from exc


_target: _Target | None = None
_target_lock = fork_safe(threading.Lock())


def target() -> _Target:
    """The native target (``JitUnavailable`` when llvmlite cannot load)."""
    global _target
    with _target_lock:
        if _target is None:
            _target = _Target()
        return _target


_target_key: str | None = None
TARGET_FACTS = ("vendor_id", "cpu family", "model", "model name", "stepping", "microcode", "flags")
"""The lines of /proc/cpuinfo's first processor that name the host CPU and its features for
``target_key``'s record (not ``cpu MHz``, which changes between reads)."""


def _host_identity() -> str | None:
    """What determines LLVM's description of the host, read without LLVM: this boot, the CPU
    (``TARGET_FACTS``), the llvmlite package and its LLVM library (path, size, mtime), the options
    the target is set up with and pybpf's sources (which say how the key is made); None when it
    cannot all be read (then LLVM is asked)."""
    import importlib.util

    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as file:
            boot = file.read().strip()
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as file:
            first = file.read().split("\n\n", 1)[0]
        spec = importlib.util.find_spec("llvmlite")
        if spec is None or not spec.submodule_search_locations:
            return None
        package = Path(next(iter(spec.submodule_search_locations)))
        libraries = sorted((package / "binding").glob("libllvmlite*"))
        stats = [(str(lib), lib.stat().st_size, lib.stat().st_mtime_ns) for lib in libraries]
    except (OSError, ValueError, ImportError):
        return None
    facts = [line for line in first.splitlines() if line.split(":", 1)[0].strip() in TARGET_FACTS]
    if not boot or not stats or not facts:
        return None
    return repr((boot, facts, str(package), stats, KEEP_BRANCHES, sources_digest()))


def target_key() -> str:
    """The target part of an object's key (``repr`` of ``target().key``: triple, CPU, features, LLVM
    and llvmlite versions, options): LLVM's answer, kept in the object cache under a digest of
    ``_host_identity`` so that a later process of the same boot, CPU and LLVM build reads it instead
    of loading LLVM (a process whose programs are all cached then never imports llvmlite's binding);
    asked of LLVM (``target()``) when there is no record."""
    global _target_key
    if _target_key is not None:
        return _target_key
    identity = _host_identity()
    store = object_cache()
    name = "target-" + hashlib.sha256(identity.encode()).hexdigest() if identity is not None else None
    recorded = store.load(name, RECORD_SUFFIX) if name is not None else None
    if recorded is not None:
        _target_key = recorded.decode("utf-8", errors="replace")
    else:
        _target_key = repr(target().key)
        if name is not None:
            store.store(name, _target_key.encode(), RECORD_SUFFIX)
    return _target_key


_sources_digest: str | None = None


def sources_digest() -> str:
    """A digest of pybpf's own sources (each file's path, size and modification time, as Python's
    own bytecode cache checks them): code cached by one pybpf is never used by another.  The package
    is walked with ``os.scandir`` (its entries carry their stat: pathlib's rglob took ~10 ms)."""
    global _sources_digest
    if _sources_digest is None:
        root = str(Path(__file__).resolve().parents[1])  # the pybpf package
        entries: list[tuple[str, int, int]] = []
        pending = [root]
        while pending:
            with os.scandir(pending.pop()) as listing:
                for entry in listing:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    elif entry.name.endswith(".py"):
                        st = entry.stat()
                        entries.append((os.path.relpath(entry.path, root), st.st_size, st.st_mtime_ns))
        digest = hashlib.sha256()
        for name, size, mtime in sorted(entries):
            digest.update(f"{name}\0{size}\0{mtime}\n".encode())
        _sources_digest = digest.hexdigest()
    return _sources_digest


@dataclass(frozen=True)
class NativeFunction:
    """One function of the compiled code: its symbol, where it is in ``machine_code`` and in memory."""

    name: str
    offset: int
    size: int
    address: int
    """Where it runs (``jited_ksyms``)."""


@dataclass(eq=False)
class CompiledProgram:
    """One program's native code: the entry point, kept alive with the engine that owns it."""

    address: int
    """Address of ``i64 bpf_run(i64 *state, i64 *regs, i64 start)``."""
    compile_ns: int
    """Wall time this process took to have the code: lowering, verifying, optimising, emitting and
    linking it, or, for a cached object (``cached``), loading and linking it."""
    object_code: bytes = field(repr=False)
    """The object file LLVM emitted (relocations unbound)."""
    cached: bool
    """Whether the object came from the object cache (``pybpf.jit.cache``)."""
    _engine: Any = field(repr=False)
    ir_text: str = field(default="", repr=False)
    """The optimised module, when this process compiled it ("" for a cached object)."""
    _image: tuple[bytes, tuple[NativeFunction, ...]] | None = field(default=None, repr=False)

    @property
    def machine_code(self) -> bytes:
        """The machine code as it runs (relocations bound), its functions one after the other:
        ``jited_prog_insns``."""
        return self._linked_image()[0]

    @property
    def functions(self) -> tuple[NativeFunction, ...]:
        """The functions of ``machine_code``, in order: ``jited_func_lens`` and the symbols of
        ``prog dump jited``."""
        return self._linked_image()[1]

    @property
    def jited_len(self) -> int:
        """``jited_prog_len``."""
        return len(self.machine_code)

    def _linked_image(self) -> tuple[bytes, tuple[NativeFunction, ...]]:
        if self._image is None:
            self._image = _image_of(self.object_code, self.address)
        return self._image


def _image_of(obj: bytes, entry: int) -> tuple[bytes, tuple[NativeFunction, ...]]:
    """The functions of the section holding ``bpf_run``, read from where they were linked: the entry
    first (the kernel's ``func[0]``), then the others in address order."""
    from pybpf.jit.lower import RUN_FUNCTION

    try:
        funcs = _function_symbols(obj)
        (section, run_offset) = next(
            (shndx, value) for name, shndx, value, _ in funcs if name == RUN_FUNCTION
        )
    except Exception as exc:
        raise JitUnavailable(f"the object file LLVM emitted cannot be read: {exc}") from exc
    base = entry - run_offset
    code = bytearray()
    functions = []
    ordered = sorted((f for f in funcs if f[1] == section), key=lambda f: (f[0] != RUN_FUNCTION, f[2]))
    for name, _, value, size in ordered:
        functions.append(NativeFunction(name, len(code), size, base + value))
        code += ctypes.string_at(base + value, size)
    return bytes(code), tuple(functions)


_SHT_SYMTAB, _STT_FUNC = 2, 2
_ELF64_SHDR = struct.Struct("<IIQQQQIIQQ")  # sh_name, sh_type, flags, addr, offset, size, link, info, ...
_ELF64_SYM = struct.Struct("<IBBHQQ")  # st_name, st_info, st_other, st_shndx, st_value, st_size


def _function_symbols(obj: bytes) -> list[tuple[str, int, int, int]]:
    """(name, section index, value, size) of every sized STT_FUNC symbol of the symbol table of the
    ELF64 little-endian object LLVM emitted for this host (``Elf64_Shdr``/``Elf64_Sym``, elf.h);
    ValueError/struct.error for anything else."""
    if obj[:6] != b"\x7fELF\x02\x01":
        raise ValueError("not an ELF64 little-endian object")
    (shoff,) = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
    if shentsize != _ELF64_SHDR.size or shoff + shnum * shentsize > len(obj):
        raise ValueError("bad section header table")
    headers = [_ELF64_SHDR.unpack_from(obj, shoff + i * shentsize) for i in range(shnum)]
    symtab = next((h for h in headers if h[1] == _SHT_SYMTAB), None)
    if symtab is None or not symtab[6] < shnum:
        raise ValueError("no symbol table")
    strtab = headers[symtab[6]]
    strings = obj[strtab[4] : strtab[4] + strtab[5]]
    start, size = symtab[4], symtab[5]
    if start + size > len(obj):
        raise ValueError("symbol table past the end")
    funcs = []
    for st_name, st_info, _, st_shndx, st_value, st_size in _ELF64_SYM.iter_unpack(
        obj[start : start + size - size % _ELF64_SYM.size]
    ):
        if st_info & 0xF == _STT_FUNC and st_size:
            end = strings.find(b"\0", st_name)
            name = strings[st_name : end if end >= 0 else len(strings)].decode()
            funcs.append((name, st_shndx, st_value, st_size))
    return funcs


_LIVE: weakref.WeakSet[CompiledProgram] = weakref.WeakSet()
"""Every program linked in this process and still in use (for ``native_symbol``)."""


def native_symbol(address: int) -> str | None:
    """The name of the compiled function at ``address`` in this process (pybpf's ``kallsyms``)."""
    for compiled in list(_LIVE):
        for function in compiled.functions:
            if function.address == address:
                return function.name
    return None


def checked_accesses(view: ProgramView, specs: Sequence[OpSpec], proven: Collection[int]) -> int:
    """The memory accesses of the program the lowering checks at run time: those not ``proven``."""
    starts = view.starts
    return sum(
        1 for index, spec in enumerate(specs) if spec.kind in MEMORY_ACCESSES and starts[index] not in proven
    )


def check_budget(instructions: int, blocks: int = 0, checked: int = 0) -> None:
    """``JitUnavailable`` for a program too costly to compile in bounded time (``blocks`` 0: the
    check its instruction count alone allows, before its blocks are known)."""
    cost = compile_cost(instructions, blocks, checked)
    if cost > MAX_COST:
        size = f"{instructions} instructions" + (f" in {blocks} blocks" if blocks else "")
        if checked:
            size += f" with {checked} checked accesses"
        raise JitUnavailable(f"a program of {size} is larger than the JIT takes (cost {cost} > {MAX_COST})")


def lowered_cost(module: Any) -> int:
    """What the lowered module (an ``llvmlite.ir.Module``) costs LLVM: its instructions, and
    ``IR_BLOCK_COST`` per block."""
    blocks = [block for function in module.functions for block in function.blocks]
    return sum(len(block.instructions) for block in blocks) + IR_BLOCK_COST * len(blocks)


def pipeline_for(module: Any) -> Pipeline:
    """The pipeline a lowered module is compiled by: ``LIGHT`` beyond ``LIGHT_COST``."""
    return LIGHT if lowered_cost(module) > LIGHT_COST else OPTIMISING


def build_object(
    view: ProgramView,
    specs: Sequence[OpSpec],
    *,
    leaders: Collection[int],
    resolved: Mapping[int, int],
    helper_ids: Collection[int],
    native: NativeCalls | None = None,
    proven: Collection[int] = frozenset(),
    probes: Collection[int] = frozenset(),
    arena_accesses: Collection[int] = frozenset(),
    arena_casts: Collection[int] = frozenset(),
) -> tuple[bytes, str]:
    """Lower, verify, optimise and emit one program (``native``: its helper calls lowered natively,
    ``pybpf.jit.native_helpers``; ``proven``: the slots of the memory accesses the verifier proved in
    bounds, lowered unchecked; ``probes``: the slots of its probe loads, reading 0 where no memory
    is; ``arena_accesses``, ``arena_casts``: the slots of its arena accesses and casts,
    ``pybpf.jit.arena``): its object file and optimised module."""
    tgt = target()
    from pybpf.jit.kinds import LOWERERS  # the lowering builds llvmlite.ir: imported once llvmlite loads
    from pybpf.jit.lower import Lowering, LoweringError

    llvm = tgt.llvm
    try:
        lowerers = native.lowerers(LOWERERS) if native is not None and native.calls else LOWERERS
        module = Lowering(
            view, specs, leaders=leaders, resolved=resolved, helper_ids=helper_ids, lowerers=lowerers,
            proven=proven, probes=probes, arena_accesses=arena_accesses, arena_casts=arena_casts,
        ).lower()  # fmt: skip
    except LoweringError as exc:
        raise JitUnavailable(str(exc)) from exc
    pipeline = pipeline_for(module)
    lowered = str(module)  # llvmlite's printing of a large module costs as much as LLVM's optimisation
    try:
        parsed = llvm.parse_assembly(lowered)
        parsed.triple = tgt.triple
        parsed.data_layout = str(tgt.machine.target_data)
        parsed.verify()
    except Exception as exc:  # a lowering bug: LLVM refuses the module
        raise JitUnavailable(f"LLVM refused the lowered module: {exc}") from exc
    try:
        machine = tgt.machine_for(pipeline)
        tuning = llvm.create_pipeline_tuning_options(speed_level=pipeline.speed_level)
        builder = llvm.create_pass_builder(machine, tuning)
        builder.getModulePassManager().run(parsed, builder)
        obj = bytes(machine.emit_object(parsed))
    except Exception as exc:
        raise JitUnavailable(f"LLVM failed to compile the program: {exc}") from exc
    dump(lowered, parsed, tgt)
    return obj, str(parsed)


DUMP_VARIABLE = "PYBPF_JIT_DUMP"
"""A directory: when set, each program compiled writes its lowered module, its optimised module and
their x86 assembly there (``<digest>.lowered.ll``, ``.ll``, ``.s``), for reading the code it runs."""


def dump(lowered: str, optimised: Any, tgt: _Target) -> None:
    """Write the program's modules and assembly under ``DUMP_VARIABLE``'s directory, if it is set."""
    directory = os.environ.get(DUMP_VARIABLE)
    if not directory:
        return
    stem = Path(directory) / hashlib.sha256(lowered.encode()).hexdigest()[:16]
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".lowered.ll").write_text(lowered)
    stem.with_suffix(".ll").write_text(str(optimised))
    try:
        stem.with_suffix(".s").write_text(tgt.machine.emit_assembly(optimised))
    except Exception as exc:  # a debugging aid: never a reason not to run
        stem.with_suffix(".s").write_text(f"# no assembly: {exc}\n")


def link(
    obj: bytes, resolved: Mapping[int, int], addresses: Mapping[str, int] | None = None
) -> tuple[Any, int]:
    """Finalise: the object in executable memory with its ``lddw`` relocations bound to ``resolved``
    and its native helpers' relocations (``pybpf.jit.lower.ADDRESS_SYMBOL``) to ``addresses`` (role
    -> address: ``NativeCalls.addresses``); what keeps the code mapped and the address of ``bpf_run``.
    pybpf's own loader links it (``pybpf.jit.objlink``: no LLVM in a process whose programs all come
    from the object cache), else LLVM's (MCJIT)."""
    from pybpf.jit.lower import ADDRESS_SYMBOL, RESOLVED_SYMBOL, RUN_FUNCTION, UNLINKABLE
    from pybpf.jit.objlink import link_object

    bound = {
        RESOLVED_SYMBOL.format(slot=slot): value & M64
        for slot, value in sorted(resolved.items())
        if value & M64 != UNLINKABLE
    }
    bound.update((ADDRESS_SYMBOL.format(role=role), value & M64) for role, value in (addresses or {}).items())
    if os.environ.get(LINKER_VARIABLE, "") != "llvm":
        image = link_object(obj, bound, RUN_FUNCTION)
        if image is not None:
            return image, image.address
    tgt = target()
    llvm = tgt.llvm
    try:
        symbols = llvm.parse_assembly("".join(f"@{name} = extern_weak global i8\n" for name in bound))
        symbols.triple = tgt.triple
        engine = llvm.create_mcjit_compiler(symbols, tgt.new_machine())
        for name, value in bound.items():
            engine.add_global_mapping(symbols.get_global_variable(name), value)
        engine.add_object_file(llvm.ObjectFileRef.from_data(obj))
        engine.finalize_object()
        address = engine.get_function_address(RUN_FUNCTION)
    except Exception as exc:
        raise JitUnavailable(f"LLVM failed to link the program: {exc}") from exc
    if not address:
        raise JitUnavailable("LLVM produced no entry point")
    return engine, address


LINKER_VARIABLE = "PYBPF_JIT_LINKER"
"""``llvm``: link every object with LLVM's MCJIT, never with ``pybpf.jit.objlink`` (for comparing them)."""


def _relocated(code: bytes, resolved: Collection[int]) -> bytes:
    """``code`` with the immediates of its resolved ``lddw`` instructions zeroed: the code of such an
    ``lddw`` is its relocation (``RESOLVED_SYMBOL``) whatever it named -- a map's fd or id, different
    in every process -- so they are no part of the object's key."""
    out = bytearray(code)
    for slot in resolved:
        at = 8 * slot
        if at >= 0 and at + 16 <= len(out) and out[at] == LDDW_OPCODE:
            out[at + 4 : at + 8] = bytes(4)
            out[at + 12 : at + 16] = bytes(4)
    return bytes(out)


def object_key(
    code: bytes,
    *,
    leaders: Collection[int],
    resolved: Mapping[int, int],
    helper_ids: Collection[int],
    proven: Collection[int] = frozenset(),
    probes: Collection[int] = frozenset(),
    arena_accesses: Collection[int] = frozenset(),
    arena_casts: Collection[int] = frozenset(),
    entries: Collection[int] = frozenset(),
    native: tuple[object, ...] = (),
) -> str:
    """The digest naming a program's object: every input of its code, none of its addresses
    (``entries``: the functions no call names, an exception callback: ``ProgramView.entries``;
    ``native``: its native helper calls' ``NativeCalls.layout``)."""
    from pybpf.jit.lower import UNLINKABLE

    parts = (
        "pybpf-jit-object",
        sources_digest(),
        target_key(),
        (OPTIMISING, LIGHT, LIGHT_COST, IR_BLOCK_COST),
        _relocated(code, resolved).hex(),
        sorted((slot, value & M64 == UNLINKABLE) for slot, value in resolved.items()),
        sorted(helper_ids),
        sorted(leaders),
        sorted(proven),
        sorted(probes),
        sorted(arena_accesses),
        sorted(arena_casts),
        sorted(entries),
        native,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def compile_program(
    code: bytes,
    view: ProgramView,
    specs: Sequence[OpSpec],
    *,
    leaders: Collection[int],
    resolved: Mapping[int, int],
    helper_ids: Collection[int],
    native: NativeCalls | None = None,
    proven: Collection[int] = frozenset(),
    probes: Collection[int] = frozenset(),
    arena_accesses: Collection[int] = frozenset(),
    arena_casts: Collection[int] = frozenset(),
) -> CompiledProgram:
    """The program's native code: its object from the object cache, or built and stored; linked.
    A program with native helper calls names this process's map storage and C library functions by
    relocations (``pybpf.jit.native_helpers``), bound here: its object is cached like any other."""
    start = time.perf_counter_ns()
    check_budget(len(view.insns), len(leaders), checked_accesses(view, specs, proven))
    layout = native.layout if native is not None and native.calls else ()
    key = object_key(
        code, leaders=leaders, resolved=resolved, helper_ids=helper_ids, proven=proven, probes=probes,
        arena_accesses=arena_accesses, arena_casts=arena_casts, entries=view.entries, native=layout,
    )  # fmt: skip
    store = object_cache()
    obj = store.load(key)
    cached, ir_text = obj is not None, ""
    if obj is None:
        obj, ir_text = build_object(
            view, specs, leaders=leaders, resolved=resolved, helper_ids=helper_ids, native=native,
            proven=proven, probes=probes, arena_accesses=arena_accesses, arena_casts=arena_casts,
        )  # fmt: skip
        store.store(key, obj)
    engine, address = link(obj, resolved, native.addresses() if native is not None else None)
    compiled = CompiledProgram(address, time.perf_counter_ns() - start, obj, cached, engine, ir_text=ir_text)
    _LIVE.add(compiled)
    return compiled


_CacheKey = tuple[
    bytes,
    tuple[tuple[int, int], ...],
    frozenset[int],
    frozenset[int],
    tuple[object, ...],
    frozenset[int],
    frozenset[int],
    frozenset[int],
    frozenset[int],
    frozenset[int],
]
_CACHE: OrderedDict[_CacheKey, CompiledProgram] = OrderedDict()
_CACHE_LOCK = fork_safe(threading.Lock())


def compiled_for(
    code: bytes,
    view: ProgramView,
    specs: Sequence[OpSpec],
    *,
    leaders: Collection[int],
    resolved: Mapping[int, int],
    helper_ids: Collection[int],
    native: NativeCalls | None = None,
    proven: Collection[int] = frozenset(),
    probes: Collection[int] = frozenset(),
    arena_accesses: Collection[int] = frozenset(),
    arena_casts: Collection[int] = frozenset(),
) -> CompiledProgram:
    """The linked code of the program whose bytes are ``code`` (compiled if not cached)."""
    check_budget(len(view.insns), len(leaders), checked_accesses(view, specs, proven))
    key: _CacheKey = (
        code,
        tuple(sorted(resolved.items())),
        frozenset(helper_ids),
        frozenset(leaders),
        native.key if native is not None else (),
        frozenset(proven),
        frozenset(probes),
        frozenset(arena_accesses),
        frozenset(arena_casts),
        view.entries,
    )
    with _CACHE_LOCK:
        compiled = _CACHE.get(key)
        if compiled is not None:
            _CACHE.move_to_end(key)
            return compiled
    compiled = compile_program(
        code, view, specs, leaders=leaders, resolved=resolved, helper_ids=helper_ids, native=native,
        proven=proven, probes=probes, arena_accesses=arena_accesses, arena_casts=arena_casts,
    )  # fmt: skip
    with _CACHE_LOCK:
        _CACHE[key] = compiled
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return compiled


def forget_compiled(compiled: CompiledProgram) -> None:
    """Drop ``compiled`` from the cache of linked programs: code whose native helper calls were linked
    to the storage addresses of maps its program was released with (``JitProgram.release``) is never
    wanted again, and the cache would otherwise keep it, and its engine, among its last entries."""
    with _CACHE_LOCK:
        for key in [key for key, kept in _CACHE.items() if kept is compiled]:
            del _CACHE[key]


def clear_cache() -> None:
    """Forget every program linked in this process (executables keep theirs; the object cache stays)."""
    with _CACHE_LOCK:
        _CACHE.clear()


__all__ = [
    "CACHE_SIZE",
    "IR_BLOCK_COST",
    "KEEP_BRANCHES",
    "LIGHT",
    "LIGHT_COST",
    "MAX_COST",
    "MEMORY_ACCESSES",
    "OPTIMISING",
    "OPT_LEVEL",
    "CompiledProgram",
    "JitUnavailable",
    "NativeFunction",
    "Pipeline",
    "build_object",
    "check_budget",
    "checked_accesses",
    "clear_cache",
    "compile_program",
    "compiled_for",
    "forget_compiled",
    "link",
    "lowered_cost",
    "native_symbol",
    "object_key",
    "pipeline_for",
    "require_llvmlite",
    "sources_digest",
    "target",
    "target_key",
]
