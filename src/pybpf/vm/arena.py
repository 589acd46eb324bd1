"""Arena accesses on the interpreter: ``BPF_PROBE_MEM32`` loads and stores through arena pointers.

Mirrors what the kernel's JITs emit for the accesses convert_ctx_accesses() marks ``BPF_PROBE_MEM32``
(arch/x86/net/bpf_jit_comp.c): the address is the arena's kernel window (``kern_vm_start``) plus
the pointer's low 32 bits plus the instruction's offset, and a fault there -- a page no program
allocated and no user touched, or an address outside the arena's pages -- is caught by the
exception table: a load leaves 0 in its destination, a store is dropped.  The verifier names those
accesses (``VerifiedProgram.arena_accesses``); ``ArenaWindow`` is the one model of where they land
(shared with the JIT's runtime, ``pybpf.jit.arena``), and ``arena_accessing`` gives the
interpreter's generated code accessors that carry them out on the program's arena
(``pybpf.maps.arena.ArenaMap``: the arena's pages are its storage, shared with every process and
with user space's mappings) and leave every other access as it was.  The arena's pages are never
registered as regions: a program reaches them only through its arena pointers.

The cast from address space 0 to 1 (``rD = addr_space_cast(rS, 1, 0)``, which the verifier leaves for
the JITs) gives 0 for a pointer whose low 32 bits are 0, else those bits under the upper half of the
arena's user address (the x86 JIT's ``shl; or; rol; test; cmove``).  The interpreter receives it as the
32-bit move ``wD = wS`` with that upper half in ``resolved`` at its slot (``arena_casts``), which
``pybpf.vm.semantics`` emits as the cast.

Atomics on arena memory (the kernel's ``BPF_PROBE_ATOMIC``) run as the other atomics do
(``pybpf.vm.atomics``: natively atomic, also against other processes) on the arena's page; where no
page is, nothing is written and a fetch gives 0.  Not modelled: BPF_F_SEGV_ON_FAULT's report of a
faulting access.
"""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Callable, Collection, MutableMapping
from typing import Any

from pybpf.isa.instruction import Instruction
from pybpf.isa.words import M64
from pybpf.maps.arena import ArenaMap, clear_lo32
from pybpf.maps.base import MapOps
from pybpf.memory.regions import READ, WRITE, Memory
from pybpf.verifier.arena import is_cast_user
from pybpf.vm.atomics import Atomics
from pybpf.vm.probe import EMPTY_RANGE, ZERO_VIEW

_SINK = memoryview(bytearray(8))
"""Where a dropped store writes (any size, at offset 0): the kernel's faulting store does nothing."""
_LOADS = {
    "_ld1": (1, "<B"), "_ld2": (2, "<H"), "_ld4": (4, "<I"), "_ld8": (8, "<Q"),
    "_lds1": (1, "<b"), "_lds2": (2, "<h"), "_lds4": (4, "<i"),
}  # fmt: skip
_STORES = {"_st1": (1, "<B"), "_st2": (2, "<H"), "_st4": (4, "<I"), "_st8": (8, "<Q")}
_MOV32_X = 0xBC


def arena_casts(insns: list[Instruction], map_: MapOps | None) -> tuple[list[Instruction], dict[int, int]]:
    """The instructions with every cast to address space 1 made ``wD = wS``, and slot -> the upper half
    of the arena's user address for each (nothing to change without one: the list as given)."""
    if not isinstance(map_, ArenaMap) or not any(is_cast_user(insn) for insn in insns):
        return insns, {}
    upper = clear_lo32(map_.user_vm_start)
    casts: dict[int, int] = {}
    changed: list[Instruction] = []
    slot = 0
    for insn in insns:
        if is_cast_user(insn):
            casts[slot] = upper
        changed.append(Instruction(_MOV32_X, insn.dst, insn.src) if is_cast_user(insn) else insn)
        slot += insn.slots
    return changed, casts


class ArenaWindow:
    """A program's window on its arena: where an access lands in the arena's storage, and the atomics
    on its pages.  The one model of ``BPF_PROBE_MEM32`` every engine uses: the interpreter's
    accessors (``arena_accessing``) and the JIT's runtime (its slow path and misaligned atomics,
    ``pybpf.jit.runtime``).  With no arena (``map_`` not an ``ArenaMap``), every access faults."""

    def __init__(self, map_: MapOps | None) -> None:
        self.arena = map_ if isinstance(map_, ArenaMap) else None
        self.storage: memoryview | None = self.arena.mem if self.arena is not None else None
        """The arena map's storage (its pages from ``ArenaMap.data_at``), or None."""
        self.base = 0
        """The address of ``storage`` in this process (0 without an arena)."""
        self.atomics: dict[str, Callable[..., int | None]] = {}
        """The atomics on the arena's pages (``pybpf.vm.atomics``), by name."""
        if self.storage is not None:
            pages = Memory()  # the arena's pages, for the atomics' checks alone
            self.base = ctypes.addressof(ctypes.c_char.from_buffer(self.storage))
            pages.add_view(self.storage, self.base, access=READ | WRITE, name="arena")
            self.atomics = dict(Atomics(pages).functions)

    def where(self, address: int, size: int) -> int | None:
        """The offset in ``storage`` of an access of ``size`` bytes at ``address`` (a pointer's low 32
        bits plus the instruction's offset), or None where the kernel's access faults."""
        return None if self.arena is None else self.arena.program_offset(address, size)

    def native_address(self, address: int, size: int) -> int:
        """The address in this process the access lands at, or 0 where it faults."""
        offset = self.where(address, size)
        return 0 if offset is None else self.base + offset

    def atomic(self, name: str, address: int, *rest: int) -> int | None:
        """The atomic ``name`` (``Atomics.functions``: operands then the pc in ``rest``) at the arena
        ``address``: nothing written and 0 fetched where no page is (the exception table)."""
        offset = self.where(address, int(name[-1]))
        if offset is None:
            return 0
        return self.atomics[name](self.base + offset, *rest)


def arena_accessing(namespace: MutableMapping[str, Any], slots: Collection[int], map_: MapOps | None) -> None:
    """Replace the accessors of ``namespace`` (the interpreter's generated code's) by ones that carry
    out the arena accesses at ``slots`` on the arena ``map_`` (with no arena, every such access
    faults: a load reads 0, a store is dropped)."""
    if not slots:
        return
    window = ArenaWindow(map_)
    at_slots = frozenset(slots)
    fill = namespace["_fill"]
    storage, where = window.storage, window.where

    def fill_arena(address: int, size: int, write: bool, pc: int) -> tuple[int, int, int, memoryview]:
        if pc not in at_slots:
            return fill(address, size, write, pc)  # type: ignore[no-any-return]
        offset = where(address, size)
        if offset is None or storage is None:
            return EMPTY_RANGE[0], EMPTY_RANGE[1], address, _SINK if write else ZERO_VIEW
        return address, address + size, address - offset, storage

    namespace["_fill"] = fill_arena
    if storage is not None:
        for name in window.atomics:
            key = f"_atomic_{name}"
            namespace[key] = _arena_atomic(namespace[key], window, name, at_slots)
    for name, (size, fmt) in _LOADS.items():
        namespace[name] = _arena_load(namespace[name], at_slots, where, storage, size, fmt)
    for name, (size, fmt) in _STORES.items():
        namespace[name] = _arena_store(namespace[name], at_slots, where, storage, size, fmt)


def _arena_atomic(
    plain: Callable[..., int | None], window: ArenaWindow, name: str, slots: frozenset[int]
) -> Callable[..., int | None]:
    """An atomic (``(address, operands..., pc)``) that, at ``slots``, works on the arena's page."""

    def atomic(address: int, *rest: int) -> int | None:
        if rest[-1] not in slots:
            return plain(address, *rest)
        return window.atomic(name, address, *rest)

    return atomic


def _arena_load(  # noqa: PLR0917
    load: Callable[[int, int], int],
    slots: frozenset[int],
    where: Callable[[int, int], int | None],
    storage: memoryview | None,
    size: int,
    fmt: str,
) -> Callable[[int, int], int]:
    unpack = struct.Struct(fmt).unpack_from

    def load_arena(address: int, pc: int) -> int:
        if pc not in slots:
            return load(address, pc)
        offset = where(address, size)
        if offset is None or storage is None:
            return 0
        value: int = unpack(storage, offset)[0]
        return value & M64

    return load_arena


def _arena_store(  # noqa: PLR0917
    store: Callable[[int, int, int], None],
    slots: frozenset[int],
    where: Callable[[int, int], int | None],
    storage: memoryview | None,
    size: int,
    fmt: str,
) -> Callable[[int, int, int], None]:
    pack = struct.Struct(fmt).pack_into

    def store_arena(address: int, value: int, pc: int) -> None:
        if pc not in slots:
            store(address, value, pc)
            return
        offset = where(address, size)
        if offset is not None and storage is not None:
            pack(storage, offset, value)

    return store_arena


__all__ = ["ArenaWindow", "arena_accessing", "arena_casts"]
