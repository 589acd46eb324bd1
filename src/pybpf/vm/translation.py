"""Lazy, shared translation of a program into Python code objects, chunk by chunk.

Loading a program must be cheap even when it is large (the kernel loads a 4,000-instruction
program in milliseconds, and accepts up to a million): compiling generated Python costs about a
hundred microseconds per instruction, so nothing is compiled when an ``Interpreter`` is built.

* A program is cut into *chunks*: runs of consecutive basic blocks of about ``CHUNK_INSNS``
  instructions (a cut prefers an existing block boundary, otherwise it starts a new block).  Each
  chunk becomes one dispatch function (``pybpf.vm.codegen.translate_chunk``) and, when tracing or
  spending the last instructions of a budget, one step function per instruction; both are
  generated and compiled the first time control reaches the chunk.  A program that never runs
  costs no compilation; a program whose hot path is small compiles only that.
* The analysis (block leaders and function entries: the program view's, ``pybpf.isa.program``;
  chunk bounds) is linear, done on first use, and memory stays linear: instructions, one set of
  leaders and the code of the chunks that ran.
* The generated code depends only on the program bytes, the loader's resolved ``lddw`` values and
  which helper ids exist (never on addresses: the interpreter's code address is the global
  ``_code_base``), so ``translation_for`` shares one ``Translation`` — and its compiled code
  objects — between interpreters of identical programs (a small LRU cache).  Each interpreter binds
  the code objects to its own globals (its memory accessors and helpers).

Generated sources are registered with ``linecache`` (as ``pybpf-generated/...`` files, lazily: the
commented source is generated only when a traceback or debugger reads it) and dropped with the
translation.
"""

from __future__ import annotations

import bisect
import itertools
import linecache
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from types import CodeType

from pybpf.isa.opcodes import Kind, OpSpec
from pybpf.isa.program import ProgramView
from pybpf.objects.forking import fork_safe
from pybpf.vm import codegen

CHUNK_INSNS = 256
"""Instructions per chunk (a cut moves up to a quarter further to land after an exit, or at least on
an existing block start)."""
CACHE_SIZE = 32
"""Translations kept for reuse by later interpreters of the same program."""

_serial = itertools.count()


class Translation:
    """The analysis and the lazily compiled code of one program; shared, holds no per-run state."""

    def __init__(
        self,
        view: ProgramView,
        specs: Sequence[OpSpec],
        *,
        resolved: Mapping[int, int],
        helper_ids: Collection[int],
    ) -> None:
        self.program = codegen.Program(view, specs, resolved=resolved, helper_ids=helper_ids)
        self.name = f"{next(_serial)}"
        self._lock = fork_safe(threading.Lock())
        self._analysed = False
        self._leaders: set[int] = set()
        self._nestable: set[int] = set()
        self._entries: frozenset[int] = frozenset()
        self._chunk_first: list[int] = []  # first instruction index of each chunk
        self._chunk_lo: list[int] = []  # first slot of each chunk
        self._run_code: list[CodeType | None] = []
        self._step_code: list[dict[int, CodeType] | None] = []

    # -- analysis ---------------------------------------------------------------------------------
    def _analyse(self) -> None:
        with self._lock:
            if self._analysed:
                return
            program = self.program
            view = program.view
            leaders = set(view.leaders)  # a copy: cutting chunks may add leaders
            self._entries = frozenset(view.subprograms)
            count = len(program.insns)
            firsts = [0]
            while firsts[-1] + CHUNK_INSNS < count:
                firsts.append(self._cut(firsts[-1] + CHUNK_INSNS, leaders))
            self._leaders = leaders
            self._nestable = codegen.nestable_blocks(program)
            self._chunk_first = firsts
            self._chunk_lo = [program.starts[index] for index in firsts]
            self._run_code = [None] * len(firsts)
            self._step_code = [None] * len(firsts)
            self._analysed = True

    def _cut(self, cut: int, leaders: set[int]) -> int:
        """Where the chunk ending near instruction ``cut`` ends: at a function boundary (after an
        exit) if one is near, else at a block boundary, else at ``cut`` (which becomes one)."""
        program = self.program
        specs, starts = program.specs, program.starts
        limit = min(len(specs), cut + CHUNK_INSNS // 4)
        first_leader = None
        for index in range(cut, limit):
            if starts[index] in leaders:
                if specs[index - 1].kind is Kind.EXIT:
                    return index  # no fall-through, and loops rarely span functions
                if first_leader is None:
                    first_leader = index
        if first_leader is not None:
            return first_leader
        leaders.add(starts[cut])  # a new block starts here
        return cut

    @property
    def entries(self) -> frozenset[int]:
        """Slots where BPF functions start (the main program, call targets, ``lddw`` function targets)."""
        if not self._analysed:
            self._analyse()
        return self._entries

    @property
    def chunks(self) -> int:
        if not self._analysed:
            self._analyse()
        return len(self._chunk_first)

    @property
    def leaders(self) -> frozenset[int]:
        if not self._analysed:
            self._analyse()
        return frozenset(self._leaders)

    def chunk_of(self, slot: int) -> int:
        """The chunk holding ``slot``."""
        if not self._analysed:
            self._analyse()
        return bisect.bisect_right(self._chunk_lo, slot) - 1

    def bounds(self, chunk: int) -> tuple[int, int]:
        """The slots ``[lo, hi)`` of a chunk."""
        lo = self._chunk_lo
        return lo[chunk], lo[chunk + 1] if chunk + 1 < len(lo) else self.program.total

    def _range(self, chunk: int) -> tuple[int, int]:
        firsts = self._chunk_first
        return firsts[chunk], firsts[chunk + 1] if chunk + 1 < len(firsts) else len(self.program.insns)

    # -- code -------------------------------------------------------------------------------------------
    def run_source(self, chunk: int, *, comments: bool = True) -> str:
        """The source of chunk ``chunk``'s dispatch function ``_run(R, pc, st)``."""
        if not self._analysed:
            self._analyse()
        first, end = self._range(chunk)
        source, _ = codegen.translate_chunk(
            self.program, self._leaders, first, end, comments=comments, nestable=self._nestable
        )
        return self._header(f"run-{chunk}") + source

    def step_source(self, chunk: int, *, comments: bool = True) -> str:
        """The source of the step functions ``_s<slot>(R, st)`` of chunk ``chunk``'s instructions."""
        if not self._analysed:
            self._analyse()
        source = codegen.translate_steps(self.program, *self._range(chunk), comments=comments)
        return self._header(f"steps-{chunk}") + source

    def run_code(self, chunk: int) -> CodeType:
        """The compiled dispatch function of a chunk (compiled on first request)."""
        code = self._run_code[chunk]
        if code is None:
            source = self.run_source(chunk, comments=False)
            functions = self._compile(source, f"run-{chunk}", lambda: self.run_source(chunk))
            code = self._run_code[chunk] = functions["_run"]
        return code

    def step_code(self, chunk: int) -> dict[int, CodeType]:
        """Slot -> compiled step function, for the instructions of a chunk (compiled on first request)."""
        codes = self._step_code[chunk]
        if codes is None:
            source = self.step_source(chunk, comments=False)
            functions = self._compile(source, f"steps-{chunk}", lambda: self.step_source(chunk))
            codes = self._step_code[chunk] = {int(name[2:]): code for name, code in functions.items()}
        return codes

    def _header(self, part: str) -> str:
        return f"# Generated by pybpf.vm.codegen ({part} of translation {self.name}); do not edit.\n"

    def _compile(self, source: str, part: str, commented: Callable[[], str]) -> dict[str, CodeType]:
        """Compile generated source; returns its functions' code objects by name.

        ``linecache`` gets a lazy entry: the same lines with their disassembly comments, generated
        only if a traceback or debugger asks (the file name has no angle brackets, which would
        make linecache skip lazy entries).
        """
        filename = f"pybpf-generated/translation-{self.name}/{part}.py"
        linecache.cache[filename] = (commented,)
        weakref.finalize(self, linecache.cache.pop, filename, None)
        module = compile(source, filename, "exec")
        return {code.co_name: code for code in module.co_consts if isinstance(code, CodeType)}


_CacheKey = tuple[bytes, tuple[tuple[int, int], ...], frozenset[int], frozenset[int]]
"""The program's bytes, its lddw values, its helper ids and its function entries no call names."""
_CACHE: OrderedDict[_CacheKey, Translation] = OrderedDict()
_CACHE_LOCK = fork_safe(threading.Lock())


def translation_for(
    code: bytes,
    view: ProgramView,
    specs: Sequence[OpSpec],
    *,
    resolved: Mapping[int, int],
    helper_ids: Collection[int],
) -> Translation:
    """The shared translation of the program whose bytes are ``code`` (created if not cached)."""
    key = (code, tuple(sorted(resolved.items())), frozenset(helper_ids), view.entries)
    with _CACHE_LOCK:
        translation = _CACHE.get(key)
        if translation is not None:
            _CACHE.move_to_end(key)
            return translation
    translation = Translation(view, specs, resolved=dict(resolved), helper_ids=frozenset(helper_ids))
    with _CACHE_LOCK:
        _CACHE[key] = translation
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return translation


def clear_cache() -> None:
    """Forget every cached translation (interpreters keep theirs)."""
    with _CACHE_LOCK:
        _CACHE.clear()


__all__ = ["CACHE_SIZE", "CHUNK_INSNS", "Translation", "clear_cache", "translation_for"]
