"""A frame's stack as the verifier sees it: per-byte slot kinds and spilled registers.

Mirrors ``struct bpf_stack_state`` (include/linux/bpf_verifier.h) and the parts of
kernel/bpf/verifier.c that keep it: grow_stack_state() (the stack grows in 8-byte slots as accesses
reach deeper), save_register_state() (a spill marks its bytes STACK_SPILL and keeps the register),
check_stack_write_fixed_off() / check_stack_read_fixed_off() (data writes make bytes STACK_MISC or
STACK_ZERO and destroy a spill), and the stack part of print_verifier_state() (``fp-8=ctx()``,
``fp-16=mmmm????``, ``fp-16=dynptr_ringbuf(id=1,ref_id=2,dynptr_id=1)``,
``fp-8=iter_num(ref_id=1,state=active,depth=0)``, ``fp-8=ffffffff``).  A dynptr
(``pybpf.verifier.dynptr``) takes two whole slots of STACK_DYNPTR bytes, an open-coded iterator
(``pybpf.verifier.iterators``) whole slots of STACK_ITER bytes, a saved IRQ flag
(``pybpf.verifier.irq``) one slot of STACK_IRQ_FLAG bytes (printed as its bytes, ``f`` each); their
spilled registers describe them.  Slot ``spi`` covers ``fp-8*(spi+1)`` .. ``fp-8*spi-1``; byte ``j``
of a slot is the one at ``fp - 8*spi - 1 - j`` (so ``j = 7`` is the slot's lowest address), as in the kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from pybpf.verifier import tnum
from pybpf.verifier.bounds import s64
from pybpf.verifier.regstate import RegState, format_reg, is_null


def format_dynptr(reg: RegState) -> str:
    """``dynptr_<type>(id=N,ref_id=M,dynptr_id=1)``: the dynptr a slot pair's first spilled register
    describes.  The kernel prints the register's ``dynptr_id``, which shares its bytes with
    ``dynptr.first_slot`` (a union in struct bpf_reg_state): 1 in the first slot, always."""
    parts = [f"id={reg.id}"] if reg.id else []
    if reg.ref_obj_id:
        parts.append(f"ref_id={reg.ref_obj_id}")
    parts.append("dynptr_id=1")
    return f"dynptr_{getattr(reg.map, 'name', '')}(" + ",".join(parts) + ")"


def format_iter(reg: RegState) -> str:
    """``iter_<type>(ref_id=N,state=S,depth=D)``: the iterator a slot's spilled register describes."""
    info = reg.map
    name, state, depth = getattr(info, "name", ""), getattr(info, "state", ""), getattr(info, "depth", 0)
    return f"iter_{name}(ref_id={reg.ref_obj_id},state={state},depth={depth})"


STACK_INVALID: Final = 0
STACK_SPILL: Final = 1
STACK_MISC: Final = 2
STACK_ZERO: Final = 3
STACK_DYNPTR: Final = 4
STACK_ITER: Final = 5
STACK_IRQ_FLAG: Final = 6
SLOT_CHARS: Final = "?rm0dif"
_SPECIAL: Final = (STACK_SPILL, STACK_ITER, STACK_IRQ_FLAG)
"""Kinds a write at a variable offset turns into STACK_MISC (a dynptr is destroyed first)."""
BPF_REG_SIZE: Final = 8


class StackSlot:
    __slots__ = ("kinds", "spilled")

    def __init__(self, kinds: list[int] | None = None, spilled: RegState | None = None) -> None:
        self.kinds = [STACK_INVALID] * BPF_REG_SIZE if kinds is None else kinds
        self.spilled = spilled

    def copy(self) -> StackSlot:
        spilled = self.spilled
        return StackSlot(self.kinds[:], spilled.copy() if spilled is not None else None)

    @property
    def is_spill(self) -> bool:
        """is_spilled_reg(): the slot's last byte holds a spilled register."""
        return self.kinds[BPF_REG_SIZE - 1] == STACK_SPILL and self.spilled is not None

    def spill_size(self) -> int:
        size = 1
        for j in range(BPF_REG_SIZE - 1, 0, -1):
            if self.kinds[j - 1] != STACK_SPILL:
                break
            size += 1
        return size

    def key(self) -> tuple[object, ...]:
        described = self.is_spill or self.kinds[0] in (STACK_DYNPTR, STACK_ITER, STACK_IRQ_FLAG)
        return (tuple(self.kinds), self.spilled.key() if described and self.spilled is not None else None)


class Stack:
    """One frame's stack: ``slots[spi]`` for the allocated part (``allocated`` bytes deep)."""

    __slots__ = ("slots",)

    def __init__(self, slots: list[StackSlot] | None = None) -> None:
        self.slots = [] if slots is None else slots

    def copy(self) -> Stack:
        return Stack(list(map(StackSlot.copy, self.slots)) if self.slots else None)

    @property
    def allocated(self) -> int:
        return len(self.slots) * BPF_REG_SIZE

    def grow(self, depth: int) -> None:
        """grow_stack_state(): make the stack at least ``depth`` bytes deep (in whole slots)."""
        need = (depth + BPF_REG_SIZE - 1) // BPF_REG_SIZE
        while len(self.slots) < need:
            self.slots.append(StackSlot())

    def byte(self, off: int) -> tuple[StackSlot, int]:
        """The slot and byte index of stack offset ``off`` (negative)."""
        position = -off - 1
        return self.slots[position // BPF_REG_SIZE], position % BPF_REG_SIZE

    def key(self) -> tuple[object, ...]:
        return tuple(slot.key() for slot in self.slots)

    def spill(self, off: int, reg: RegState, size: int) -> None:
        """save_register_state() at the slot-aligned ``off``: the last ``size`` bytes are the spill."""
        slot, _ = self.byte(off)
        slot.spilled = reg.copy()
        for j in range(BPF_REG_SIZE, BPF_REG_SIZE - size, -1):
            slot.kinds[j - 1] = STACK_SPILL
        for j in range(BPF_REG_SIZE - size, 0, -1):
            if slot.kinds[j - 1] not in (STACK_ZERO, STACK_INVALID):
                slot.kinds[j - 1] = STACK_MISC

    def write_data(self, off: int, size: int, zero: bool) -> None:
        """A write of plain data (check_stack_write_fixed_off()): a touched slot that held a spill
        (or an iterator, or an IRQ flag: is_stack_slot_special()) loses it and every byte of it that
        is not STACK_INVALID becomes MISC (scrub_spilled_slot(): STACK_ZERO bytes beside the spill
        too); the written bytes become MISC or ZERO."""
        kind = STACK_ZERO if zero else STACK_MISC
        for o in range(off, off + size):
            slot, j = self.byte(o)
            if slot.spilled is not None:
                slot.spilled = None
                slot.kinds = [k if k == STACK_INVALID else STACK_MISC for k in slot.kinds]
            slot.kinds[j] = kind

    def write_var_off(self, min_off: int, max_off: int, zero: bool) -> bool:
        """check_stack_write_var_off(): every byte in [min_off, max_off) may be written, so each
        becomes MISC -- ZERO only where a zero is written over a ZERO byte; a zero written over a
        spilled constant 0 leaves the spill; other spills in range are destroyed.  True when the
        written zero kept a byte zero (the kernel then marks the written register precise)."""
        zero_used = False
        for o in range(min_off, max_off):
            slot, j = self.byte(o)
            kind = slot.kinds[j]
            spilled = slot.spilled
            if zero and kind == STACK_SPILL and slot.is_spill and spilled is not None and is_null(spilled):
                zero_used = True
                continue
            if spilled is not None:
                slot.spilled = None
                slot.kinds = [STACK_MISC if k in _SPECIAL else k for k in slot.kinds]
            zero_used |= zero and kind == STACK_ZERO
            slot.kinds[j] = STACK_ZERO if zero and kind == STACK_ZERO else STACK_MISC
        return zero_used

    def format(self, frameno: int, scratched: set[int] | None) -> str:
        """The stack part of print_verifier_state(): `` fp-8=...`` per valid (and scratched) slot."""
        out: list[str] = []
        skip = False
        for spi, slot in enumerate(self.slots):
            if skip:  # a dynptr's first slot, printed with its second
                skip = False
                continue
            if all(k == STACK_INVALID for k in slot.kinds):
                continue
            if scratched is not None and spi not in scratched:
                continue
            if slot.kinds[BPF_REG_SIZE - 1] == STACK_DYNPTR and spi + 1 < len(self.slots):
                skip = True
                first = self.slots[spi + 1].spilled
                out.append(f" fp{-(spi + 2) * BPF_REG_SIZE}=" + (format_dynptr(first) if first else "dynptr"))
                continue
            name = f" fp{-(spi + 1) * BPF_REG_SIZE}="
            if slot.kinds[0] == STACK_ITER:  # only an iterator's first slot (with the reference) shows
                if slot.spilled is not None and slot.spilled.ref_obj_id:
                    out.append(name + format_iter(slot.spilled))
                continue
            if slot.is_spill and slot.spilled is not None:
                chars = "".join(SLOT_CHARS[k] for k in slot.kinds if k != STACK_SPILL)
                out.append(name + chars + format_reg(slot.spilled, frameno))
            else:
                out.append(name + "".join(SLOT_CHARS[k] for k in slot.kinds))
        return "".join(out)


SPI_ERANGE: Final = -2
"""stack_slot_obj_get_spi(): the object lies past the allocated stack (fine for a new one)."""
SPI_INVALID: Final = -1
"""stack_slot_obj_get_spi(): the pointer cannot hold the object (the reason is logged)."""


def stack_object_spi(
    reg: RegState, allocated_slots: int, kind: str, nr_slots: int, log: Callable[[str], None]
) -> int:
    """stack_slot_obj_get_spi(): the first slot of a ``nr_slots``-slot stack object (an ``iter``, a
    ``dynptr``) ``reg`` points at in a frame of ``allocated_slots`` slots; SPI_INVALID when it cannot
    hold one (``log`` says why), SPI_ERANGE when it lies past the allocated stack."""
    if not tnum.is_const(reg.var_off):
        log(f"{kind} has to be at a constant offset")
        return SPI_INVALID
    off = reg.off + s64(reg.var_off.value)
    spi = (-off - 1) // BPF_REG_SIZE
    if off % BPF_REG_SIZE or spi + 1 < nr_slots:
        log(f"cannot pass in {kind} at an offset={off}")
        return SPI_INVALID
    if spi >= allocated_slots:
        return SPI_ERANGE
    return spi
