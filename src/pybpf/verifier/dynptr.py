"""Dynptrs on the stack: ``struct bpf_dynptr`` (16 bytes, two slots of STACK_DYNPTR) as the verifier
tracks them.

Mirrors kernel/bpf/verifier.c of Linux 6.18 for the helpers' dynptrs (local ones from
bpf_dynptr_from_mem, ring-buffer ones from bpf_ringbuf_reserve_dynptr) and the kfuncs' (skb ones
from bpf_dynptr_from_skb, xdp ones from bpf_dynptr_from_xdp, clones from bpf_dynptr_clone):

* dynptr_get_spi(): a dynptr argument is a stack pointer at a constant offset ("dynptr has to be at
  a constant offset"), 8-aligned and at least two slots deep ("cannot pass in dynptr at an
  offset=%d");
* process_dynptr_func(): an argument that creates a dynptr (MEM_UNINIT; a kfunc's ``__uninit``)
  needs slots that hold no initialised dynptr ("Dynptr has to be an uninitialized dynptr"),
  writes both slots (as two 8-byte stores) and marks them (mark_stack_slots_dynptr(): a new id,
  and for a ring-buffer dynptr a new reference that must be released like a record; a clone takes
  its source's type and reference); any other dynptr argument must be an initialised dynptr
  ("Expected an initialized dynptr as arg #%d") of the helper's type ("Expected a dynptr of
  type %s as arg #%d"; a kfunc takes any type, and a const dynptr as read-only);
* a releasing argument (bpf_ringbuf_submit_dynptr / discard_dynptr) must hold a reference ("arg %d
  is an unacquired reference"); the release (unmark_stack_slots_dynptr()) drops the reference —
  every slice of the record becomes an unknown scalar — and empties both slots;
* destroy_if_dynptr_stack_slot(): a store over either slot of a referenced dynptr is refused
  ("cannot overwrite referenced dynptr"); over another one it empties both slots; a helper never
  writes over one ("potential write to dynptr at off=%d disallowed") and no load or helper read
  may read its bytes ("invalid read from stack off %d+%d size %d");
* bpf_dynptr_data returns ``mem_or_null`` of the constant size asked for, carrying the dynptr's
  reference (so the record's release invalidates it); bpf_dynptr_slice returns a read-only
  ``mem_or_null`` of its constant size (``pybpf.verifier.kfuncs``), with that reference too, whose
  type flag names a packet
  dynptr's type (DYNPTR_TYPE_SKB / _XDP: clear_all_pkt_pointers() makes such slices unknown with
  the packet pointers).

The slot pair's spilled registers are the kernel's: type CONST_PTR_TO_DYNPTR, ``id`` the dynptr's
id, ``ref_obj_id`` its reference, and in ``map`` (the kernel's union of map_ptr and ``dynptr``) a
``DynptrSlot``: the dynptr type and whether the slot is the first (lower) one.

Linux 6.18 as built on the machine the corpus was recorded on (6.18.44) differs from the release's
source in one respect modelled here: a slice given a stack buffer remembers it (``StackBuffer``,
``buf=fp[N]OFF+SIZE`` in the log) and any write to those stack bytes makes the slice an unknown
scalar (``invalidate_buffer_slices``), since the slice may be the buffer itself.

A slice remembers the id of its dynptr (the kernel's ``dynptr_id``, here ``DynptrSlice`` in the
slice's ``map``): destroying the dynptr -- a store over its slots, re-initialising them, in any frame
-- makes every slice of it an unknown scalar (destroy_if_dynptr_stack_slot()).

Not modelled: skb_meta dynptrs.
"""

from __future__ import annotations

import errno
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pybpf.helpers.protos import ArgFlag, ArgType
from pybpf.kfuncs.skb_meta import DYNPTR_SKB_META
from pybpf.kfuncs.table import DYNPTR_SKB, DYNPTR_XDP
from pybpf.verifier import references
from pybpf.verifier.bounds import s64
from pybpf.verifier.regstate import DynptrSlice, RegState, StackBuffer
from pybpf.verifier.regtypes import RegType, TypeFlag
from pybpf.verifier.stack import (
    BPF_REG_SIZE,
    SPI_ERANGE,
    SPI_INVALID,
    STACK_DYNPTR,
    STACK_INVALID,
    Stack,
    stack_object_spi,
)

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker
    from pybpf.verifier.state import PathState

BPF_DYNPTR_SIZE = 16
BPF_DYNPTR_NR_SLOTS = 2
LOCAL, RINGBUF, SKB, XDP = "local", "ringbuf", DYNPTR_SKB, DYNPTR_XDP
REFCOUNTED = frozenset({RINGBUF})
"""dynptr_type_refcounted()."""
SLICE_TYPE_FLAGS = {
    SKB: TypeFlag.DYNPTR_TYPE_SKB,
    XDP: TypeFlag.DYNPTR_TYPE_XDP,
    DYNPTR_SKB_META: TypeFlag.DYNPTR_TYPE_SKB_META,
}
"""get_dynptr_type_flag() of the packet dynptrs: the flag their slices carry (clear_all_pkt_pointers()
invalidates those slices with the packet pointers)."""
_ERANGE, _INVALID = SPI_ERANGE, SPI_INVALID


@dataclass(frozen=True)
class DynptrSlot:
    """``bpf_reg_state.dynptr`` of a STACK_DYNPTR slot's register: the type, first slot or second."""

    name: str
    first_slot: bool


@functools.cache
def dynptr_slot(name: str, first_slot: bool) -> DynptrSlot:
    """The interned ``DynptrSlot`` (states compare these by identity)."""
    return DynptrSlot(name, first_slot)


@dataclass(frozen=True)
class InitializedDynptr:
    """``meta->initialized_dynptr``: the id, type and reference of an initialised dynptr argument."""

    id: int
    name: str
    ref_obj_id: int


def arg_dynptr_type(arg: ArgType) -> str | None:
    """arg_to_dynptr_type(): the dynptr type an argument names (None: any)."""
    if ArgFlag.DYNPTR_TYPE_LOCAL in arg.flags:
        return LOCAL
    if ArgFlag.DYNPTR_TYPE_RINGBUF in arg.flags:
        return RINGBUF
    return None


def _slot_info(stack: Stack, spi: int) -> DynptrSlot | None:
    if spi >= len(stack.slots):
        return None
    slot = stack.slots[spi]
    info = slot.spilled.map if slot.spilled is not None else None
    return info if slot.kinds[0] == STACK_DYNPTR and isinstance(info, DynptrSlot) else None


def get_spi(w: Walker, reg: RegState) -> int:
    """dynptr_get_spi(): the slot of the dynptr's first half (logging why not), _ERANGE past the
    allocated stack, _INVALID when it cannot hold a dynptr."""
    slots = len(w.state.frames[reg.frameno].stack.slots)
    return stack_object_spi(reg, slots, "dynptr", BPF_DYNPTR_NR_SLOTS, w.env.log.line)


def _is_valid_init(w: Walker, reg: RegState) -> bool:
    """is_dynptr_reg_valid_init()."""
    if reg.type is RegType.CONST_PTR_TO_DYNPTR:
        return True
    spi = get_spi(w, reg)
    if spi < 0:
        return False
    stack = w.state.frames[reg.frameno].stack
    info = _slot_info(stack, spi)
    if info is None or not info.first_slot:
        return False
    return all(k == STACK_DYNPTR for k in stack.slots[spi].kinds + stack.slots[spi - 1].kinds)


def process_dynptr_func(w: Walker, regno: int, reg: RegState, arg: ArgType) -> None:
    """process_dynptr_func() for a helper's dynptr argument."""
    if arg.uninit:
        name = arg_dynptr_type(arg)
        assert name is not None
        _process(w, regno, reg, uninit=True, readonly=False, name=name)
    else:
        _process(w, regno, reg, uninit=False, readonly=arg.readonly, name=arg_dynptr_type(arg))


def process_kfunc_dynptr(
    w: Walker,
    regno: int,
    reg: RegState,
    *,
    uninit: bool,
    name: str = "",
    source: InitializedDynptr | None = None,
) -> InitializedDynptr | None:
    """check_kfunc_args() of a KF_ARG_PTR_TO_DYNPTR: an initialised dynptr of any type (a const one
    is read-only: MEM_RDONLY), whose id, type and reference are returned; or, for a ``__uninit``
    argument, the dynptr the call makes there, of type ``name`` (a clone: ``source``'s type and
    reference)."""
    if not uninit:
        readonly = reg.type is RegType.CONST_PTR_TO_DYNPTR
        _process(w, regno, reg, uninit=False, readonly=readonly, name=None)
        return InitializedDynptr(dynptr_id(w, reg), _type_of(w, reg) or "", slice_reference(w, reg))
    if source is not None:
        _process(w, regno, reg, uninit=True, readonly=False, name=source.name, clone_of=source)
    else:
        _process(w, regno, reg, uninit=True, readonly=False, name=name)
    return None


def _process(
    w: Walker,
    regno: int,
    reg: RegState,
    *,
    uninit: bool,
    readonly: bool,
    name: str | None,
    clone_of: InitializedDynptr | None = None,
) -> None:
    """process_dynptr_func(): make a dynptr (``uninit``) or check an initialised one."""
    from pybpf.verifier.checks import mem

    if reg.type not in (RegType.PTR_TO_STACK, RegType.CONST_PTR_TO_DYNPTR):
        w.fail(errno.EINVAL, f"arg#{regno - 1} expected pointer to stack or const struct bpf_dynptr")
    if uninit:
        assert name is not None
        spi = _INVALID if reg.type is RegType.CONST_PTR_TO_DYNPTR else get_spi(w, reg)
        if spi == _INVALID:
            w.fail(errno.EINVAL, "Dynptr has to be an uninitialized dynptr")
        for off in range(0, BPF_DYNPTR_SIZE, BPF_REG_SIZE):  # two 8-byte stores
            mem.check_stack_store(w, regno, reg, off, BPF_REG_SIZE)
        _mark_slots(w, reg, name, clone_of)
        return
    if reg.type is RegType.CONST_PTR_TO_DYNPTR and not readonly:
        w.fail(errno.EINVAL, "cannot pass pointer to const bpf_dynptr, the helper mutates it")
    if not _is_valid_init(w, reg):
        w.fail(errno.EINVAL, f"Expected an initialized dynptr as arg #{regno - 1}")
    if name is not None and _type_of(w, reg) != name:
        w.fail(errno.EINVAL, f"Expected a dynptr of type {name} as arg #{regno - 1}")
    if reg.type is RegType.PTR_TO_STACK:  # mark_dynptr_read(): both slots read (and shown in the log)
        spi = get_spi(w, reg)
        w.mark_stack_read(reg.frameno, 0b11 << (spi - 1))
        w.scratch_stack(spi, reg.frameno)
        w.scratch_stack(spi - 1, reg.frameno)


def dynptr_type(w: Walker, reg: RegState) -> str | None:
    """dynptr_get_type() of the initialised dynptr ``reg`` points to."""
    return _type_of(w, reg)


def dynptr_id(w: Walker, reg: RegState) -> int:
    """dynptr_id(): the id of the dynptr ``reg`` points to."""
    if reg.type is RegType.CONST_PTR_TO_DYNPTR:
        return reg.id
    spilled = w.state.frames[reg.frameno].stack.slots[get_spi(w, reg)].spilled
    return spilled.id if spilled is not None else 0


def _type_of(w: Walker, reg: RegState) -> str | None:
    if reg.type is RegType.CONST_PTR_TO_DYNPTR:
        return getattr(reg.map, "name", None)
    info = _slot_info(w.state.frames[reg.frameno].stack, get_spi(w, reg))
    return info.name if info is not None else None


def _mark_slots(w: Walker, reg: RegState, name: str, clone_of: InitializedDynptr | None) -> None:
    """mark_stack_slots_dynptr(): both slots STACK_DYNPTR, a new id, a reference if refcounted (a
    clone shares its source's)."""
    stack = w.state.frames[reg.frameno].stack
    spi = get_spi(w, reg)
    destroy_if_dynptr_stack_slot(w, stack, spi, reg.frameno)
    destroy_if_dynptr_stack_slot(w, stack, spi - 1, reg.frameno)
    ident = w.new_id()
    w.mark_stack_write(reg.frameno, 0b11 << (spi - 1))
    for at, first in ((spi, True), (spi - 1, False)):
        slot = stack.slots[at]
        slot.kinds = [STACK_DYNPTR] * BPF_REG_SIZE
        described = RegState()
        described.mark_pointer(RegType.CONST_PTR_TO_DYNPTR)
        described.id = ident
        described.map = dynptr_slot(name, first)
        slot.spilled = described
    if name in REFCOUNTED:
        ref = clone_of.ref_obj_id if clone_of is not None else references.acquire_reference(w)
        stack.slots[spi].spilled.ref_obj_id = ref  # type: ignore[union-attr]
        stack.slots[spi - 1].spilled.ref_obj_id = ref  # type: ignore[union-attr]


def destroy_if_dynptr_stack_slot(w: Walker, stack: Stack, spi: int, frameno: int) -> None:
    """destroy_if_dynptr_stack_slot(): a write reaching slot ``spi`` of a dynptr."""
    info = _slot_info(stack, spi)
    if info is None:
        return
    if not info.first_slot:
        spi += 1
        info = _slot_info(stack, spi)
        assert info is not None
    if info.name in REFCOUNTED:
        w.fail(errno.EINVAL, "cannot overwrite referenced dynptr")
    w.scratch_stack(spi, frameno)
    w.scratch_stack(spi - 1, frameno)
    spilled = stack.slots[spi].spilled
    if spilled is not None and spilled.id:
        invalidate_slices(w.state, spilled.id, w.env.allow_ptr_leaks)
    _invalidate(stack, spi)
    w.mark_stack_write(frameno, 0b11 << (spi - 1))


def invalidate_slices(state: PathState, ident: int, allow_ptr_leaks: bool) -> None:
    """destroy_if_dynptr_stack_slot(): every slice of the dynptr ``ident`` (``dynptr_id``), in every
    frame, becomes invalid (mark_reg_invalid(): an unknown scalar, never written for a loader
    without allow_ptr_leaks) -- only the plain ``mem`` and
    ``mem_or_null`` ones (bpf_dynptr_data's): the kernel compares the whole type, and a kfunc's slice
    carries the dynptr's type flag (and bpf_dynptr_slice's MEM_RDONLY), so it stays."""
    for reg in state.all_regs():
        sl = reg.map
        if (
            isinstance(sl, DynptrSlice)
            and sl.dynptr_id == ident
            and reg.type is RegType.PTR_TO_MEM
            and reg.flags in _PLAIN_SLICE_FLAGS
        ):
            references.mark_reg_invalid(reg, allow_ptr_leaks)


_PLAIN_SLICE_FLAGS = (TypeFlag.NONE, TypeFlag.PTR_MAYBE_NULL)


def slice_of(ident: int, buffer: StackBuffer | None) -> DynptrSlice:
    """The ``map`` of a slice of the dynptr ``ident`` (with the stack buffer it was given)."""
    return _slice_of(ident, buffer)


@functools.cache
def _slice_of(ident: int, buffer: StackBuffer | None) -> DynptrSlice:
    return DynptrSlice(ident, buffer)


def _invalidate(stack: Stack, spi: int) -> None:
    """invalidate_dynptr(): both slots empty again."""
    for at in (spi, spi - 1):
        stack.slots[at].kinds = [STACK_INVALID] * BPF_REG_SIZE
        stack.slots[at].spilled = None


def check_release_arg(w: Walker, regno: int, reg: RegState) -> None:
    """check_func_arg() for a releasing dynptr argument: it must hold a reference."""
    if reg.type is not RegType.PTR_TO_STACK:
        w.fail(errno.EINVAL, "cannot release unowned const bpf_dynptr")
    spi = get_spi(w, reg)
    stack = w.state.frames[reg.frameno].stack
    spilled = stack.slots[spi].spilled if 0 <= spi < len(stack.slots) else None
    if spi < 0 or spilled is None or not spilled.ref_obj_id:
        w.fail(errno.EINVAL, f"arg {regno} is an unacquired reference")


def release(w: Walker, reg: RegState) -> bool:
    """unmark_stack_slots_dynptr(): release the dynptr ``reg`` points to; False if it cannot be."""
    spi = get_spi(w, reg)
    if spi < 0:
        return False
    stack = w.state.frames[reg.frameno].stack
    info = _slot_info(stack, spi)
    spilled = stack.slots[spi].spilled
    if info is None or spilled is None:
        return False
    if info.name not in REFCOUNTED:
        _invalidate(stack, spi)
        w.mark_stack_write(reg.frameno, 0b11 << (spi - 1))
        return True
    ref = spilled.ref_obj_id
    clones = [  # invalidate_dynptr() of every dynptr sharing the reference (its clones), in the frame
        at
        for at, slot in enumerate(stack.slots)
        if at and slot.spilled is not None and slot.spilled.ref_obj_id == ref
        and (clone := _slot_info(stack, at)) is not None and clone.first_slot
    ]  # fmt: skip
    references.release_reference(w.state, ref, w.env.allow_ptr_leaks)  # the record's slices too
    _invalidate(stack, spi)
    for at in clones:  # (the clones' bytes are no dynptr's any more: a helper may read them)
        _invalidate(stack, at)
        w.mark_stack_write(reg.frameno, 0b11 << (at - 1))
    return True


def slice_reference(w: Walker, reg: RegState) -> int:
    """dynptr_ref_obj_id() of bpf_dynptr_data's dynptr: the reference its slice carries."""
    if reg.type is RegType.CONST_PTR_TO_DYNPTR:
        return reg.ref_obj_id
    spi = get_spi(w, reg)
    spilled = w.state.frames[reg.frameno].stack.slots[spi].spilled if spi >= 0 else None
    return spilled.ref_obj_id if spilled is not None else 0


def touches_dynptr(stack: Stack, min_off: int, max_off: int) -> int | None:
    """The first stack offset in [min_off, max_off) holding a dynptr byte, or None."""
    for off in range(min_off, max_off):
        position = -off - 1
        spi = position // BPF_REG_SIZE
        if spi < len(stack.slots) and stack.slots[spi].kinds[position % BPF_REG_SIZE] == STACK_DYNPTR:
            return off
    return None


def stack_buffer(reg: RegState, size: int) -> StackBuffer | None:
    """The stack buffer a slice's ``buffer__opt`` argument ``reg`` names (None: not the stack)."""
    if reg.type is not RegType.PTR_TO_STACK:
        return None
    return _stack_buffer(reg.frameno, reg.off + s64(reg.var_off.value), size)


@functools.cache
def _stack_buffer(frameno: int, off: int, size: int) -> StackBuffer:
    return StackBuffer(frameno, off, size)


def invalidate_buffer_slices(state: PathState, frameno: int, min_off: int, max_off: int) -> None:
    """A write to stack bytes [min_off, max_off) of frame ``frameno``: every slice whose stack
    buffer they overlap becomes an unknown scalar (the slice may be that buffer, whose bytes it
    showed have changed).  Linux 6.18 as the kernel this corpus was recorded on builds it: a slice
    remembers the stack buffer it was given (``buf=fp[N]OFF+SIZE`` in the log)."""
    for reg in state.all_regs():
        buf = reg.map.buffer if isinstance(reg.map, DynptrSlice) else None
        if (
            buf is not None
            and reg.type is RegType.PTR_TO_MEM
            and buf.frameno == frameno
            and buf.off < max_off
            and min_off < buf.off + buf.size
        ):
            reg.mark_unknown()
