"""Interrupt-disabled regions: the IRQ flags of bpf_local_irq_save() / bpf_local_irq_restore().

Mirrors kernel/bpf/verifier.c of Linux 6.18 (the kfuncs themselves: ``pybpf.kfuncs.irq``):

* check_kfunc_args() of a KF_ARG_PTR_TO_IRQ_FLAG parameter (``unsigned long *flags__irq_flag``):
  the register must point to the stack ("arg#%d doesn't point to an irq flag on stack", EINVAL),
  then process_irq_flag():

  - a save wants a slot that holds no flag yet (is_irq_flag_reg_valid_uninit(): a slot past the
    allocated stack is fine; else "expected uninitialized irq flag as arg#%d", EINVAL, after
    stack_slot_obj_get_spi()'s own complaint -- "irq_flag has to be at a constant offset", "cannot
    pass in irq_flag at an offset=%d" -- when the pointer cannot hold one), writes it as an 8-byte
    store (check_mem_access(): a spill or an iterator there is scrubbed, the stack grows) and marks
    it (mark_stack_slot_irq_flag()): acquire_irq_state() records a new REF_TYPE_IRQ reference with
    the saving instruction and makes it ``active_irq_id``; the slot's eight bytes become
    STACK_IRQ_FLAG (printed ``ffffffff``), its spilled register a PTR_TO_STACK carrying the
    reference (``ref_obj_id``) and the class of kfunc that saved it (``IrqFlag``);
  - a restore wants a slot holding a saved flag (is_irq_flag_reg_valid_init(): "expected an
    initialized irq flag as arg#%d", EINVAL: a store over the flag, even one byte of it, made it
    data), reads it (mark_irq_flag_read()) and unmarks it (unmark_stack_slot_irq_flag()): a flag
    saved by another class of kfunc is "irq flag acquired by %s kfuncs cannot be restored with %s
    kfuncs" (EINVAL); release_irq_state() releases only the innermost region ("cannot restore irq
    state out of order, expected id=%d acquired at insn_idx=%d", EACCES), ``active_irq_id`` going
    back to the previous IRQ reference (references are kept in acquisition order: the path's refs
    are a stack of regions); the slot becomes STACK_INVALID;

* while ``active_irq_id`` is set: no helper that might sleep ("sleepable helper %s#%d in
  IRQ-disabled region", EINVAL -- with the same check of the RCU read-side and non-preemptible
  regions, "... in rcu_read_lock region", "... in non-preemptible region", which come first, as in
  check_helper_call()), no sleepable kfunc ("kernel func %s is sleepable within IRQ-disabled
  region", EACCES), no global function that may sleep (``globals``), no exit of the main program and
  no tail call (check_resource_leak(): ``references``); static subprograms may save and restore
  through a pointer to their caller's slot;
* states_equal(): refsafe() maps ``active_irq_id`` like any id (``prune``), stacksafe() of a
  STACK_IRQ_FLAG slot wants references that map and the same kfunc class (``flag_safe``).

Loads from the flag are refused like those from an iterator ("invalid read from stack off %d+%d
size %d": ``checks.mem``).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pybpf.helpers.protos import HelperProto
from pybpf.kfuncs.irq import LOCAL_IRQ_RESTORE, LOCAL_IRQ_SAVE
from pybpf.kfuncs.res_spin_lock import RES_SPIN_LOCK_IRQSAVE, RES_SPIN_UNLOCK_IRQRESTORE
from pybpf.verifier import references
from pybpf.verifier.helpers import func_id_name
from pybpf.verifier.regstate import RegState
from pybpf.verifier.regtypes import RegType
from pybpf.verifier.stack import BPF_REG_SIZE, SPI_ERANGE, STACK_INVALID, STACK_IRQ_FLAG, stack_object_spi
from pybpf.verifier.state import Reference

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker
    from pybpf.verifier.prune import IdMap


@dataclass(frozen=True)
class IrqFlag:
    """``bpf_reg_state.irq`` of a STACK_IRQ_FLAG slot: the class of kfunc that saved the flag
    (IRQ_NATIVE_KFUNC or IRQ_LOCK_KFUNC); one object per class."""

    kfunc_class: str


NATIVE = IrqFlag("native")
"""IRQ_NATIVE_KFUNC: bpf_local_irq_save / bpf_local_irq_restore."""

LOCK = IrqFlag("lock")
"""IRQ_LOCK_KFUNC: bpf_res_spin_lock_irqsave / bpf_res_spin_unlock_irqrestore (``res_lock``)."""

SAVES = {LOCAL_IRQ_SAVE: NATIVE, RES_SPIN_LOCK_IRQSAVE: LOCK}
"""The kfuncs that save a flag, with their class."""
RESTORES = {LOCAL_IRQ_RESTORE: NATIVE, RES_SPIN_UNLOCK_IRQRESTORE: LOCK}
"""The kfuncs that restore one, with their class."""


def get_spi(w: Walker, reg: RegState) -> int:
    """irq_flag_get_spi(): the flag's slot (logging why the pointer cannot hold one), SPI_ERANGE
    when it lies past the allocated stack."""
    slots = len(w.state.frames[reg.frameno].stack.slots)
    return stack_object_spi(reg, slots, "irq_flag", 1, w.env.log.line)


def _valid_uninit(w: Walker, reg: RegState) -> bool:
    """is_irq_flag_reg_valid_uninit(): no byte of the slot is a flag's."""
    spi = get_spi(w, reg)
    if spi == SPI_ERANGE:
        return True
    if spi < 0:
        return False
    return STACK_IRQ_FLAG not in w.state.frames[reg.frameno].stack.slots[spi].kinds


def _valid_init(w: Walker, reg: RegState) -> int:
    """is_irq_flag_reg_valid_init(): the slot holding a saved flag, or -1."""
    spi = get_spi(w, reg)
    if spi < 0:
        return -1
    slot = w.state.frames[reg.frameno].stack.slots[spi]
    st = slot.spilled
    if st is None or not st.ref_obj_id or any(k != STACK_IRQ_FLAG for k in slot.kinds):
        return -1
    return spi


def process_irq_flag_arg(w: Walker, name: str, argno: int, regno: int) -> None:
    """check_kfunc_args()'s KF_ARG_PTR_TO_IRQ_FLAG case for the kfunc ``name``'s argument
    ``argno`` (in ``regno``): process_irq_flag()."""
    from pybpf.verifier.checks import mem

    reg = w.state.cur.regs[regno]
    if reg.type is not RegType.PTR_TO_STACK:
        w.fail(errno.EINVAL, f"arg#{argno} doesn't point to an irq flag on stack")
    saving = SAVES.get(name)
    if saving is not None:
        if not _valid_uninit(w, reg):
            w.fail(errno.EINVAL, f"expected uninitialized irq flag as arg#{regno - 1}")
        mem.check_stack_store(w, regno, reg, 0, BPF_REG_SIZE)
        _mark_slot(w, reg, saving)
        return
    restoring = RESTORES.get(name)
    if restoring is None:
        w.fail(errno.EFAULT, "verifier internal error: unknown irq flags kfunc")
    spi = _valid_init(w, reg)
    if spi < 0:
        w.fail(errno.EINVAL, f"expected an initialized irq flag as arg#{regno - 1}")
    w.mark_stack_read(reg.frameno, 1 << spi)  # mark_irq_flag_read()
    _unmark_slot(w, reg, spi, restoring)


def _mark_slot(w: Walker, reg: RegState, kfunc_class: IrqFlag) -> None:
    """mark_stack_slot_irq_flag(): a new IRQ reference, the innermost region; the slot a flag."""
    spi = get_spi(w, reg)
    state = w.state
    ident = w.new_id()  # acquire_irq_state()
    state.refs.append(Reference(references.REF_TYPE_IRQ, ident, w.insn_idx))
    state.active_irq_id = ident
    described = RegState()
    described.mark_pointer(RegType.PTR_TO_STACK)  # (the kernel has no register type of its own for it)
    described.ref_obj_id = ident
    described.map = kfunc_class
    slot = state.frames[reg.frameno].stack.slots[spi]
    slot.spilled = described
    slot.kinds = [STACK_IRQ_FLAG] * BPF_REG_SIZE
    w.mark_stack_write(reg.frameno, 1 << spi)
    w.scratch_stack(spi, reg.frameno)


def _unmark_slot(w: Walker, reg: RegState, spi: int, kfunc_class: IrqFlag) -> None:
    """unmark_stack_slot_irq_flag(): the region closed (innermost only), the slot emptied."""
    state = w.state
    slot = state.frames[reg.frameno].stack.slots[spi]
    st = slot.spilled
    assert st is not None
    if st.map is not kfunc_class:
        saved = st.map.kfunc_class if isinstance(st.map, IrqFlag) else "?"
        w.fail(
            errno.EINVAL,
            f"irq flag acquired by {saved} kfuncs cannot be restored with {kfunc_class.kfunc_class} kfuncs",
        )
    if not release_irq_state(w, st.ref_obj_id):
        at = next((ref.insn_idx for ref in state.refs if ref.id == state.active_irq_id), 0)
        expected = state.active_irq_id
        w.fail(
            errno.EACCES,
            f"cannot restore irq state out of order, expected id={expected} acquired at insn_idx={at}",
        )
    slot.spilled = None
    slot.kinds = [STACK_INVALID] * BPF_REG_SIZE
    w.mark_stack_write(reg.frameno, 1 << spi)
    w.scratch_stack(spi, reg.frameno)


def release_irq_state(w: Walker, ident: int) -> bool:
    """release_irq_state(): drop the IRQ reference ``ident`` if it is the innermost region
    (``active_irq_id``), which becomes the IRQ reference acquired before it (0: none)."""
    state = w.state
    if ident != state.active_irq_id:
        return False
    prev = 0
    for i, ref in enumerate(state.refs):
        if ref.kind != references.REF_TYPE_IRQ:
            continue
        if ref.id == ident:
            del state.refs[i]  # (the others keep their order: release_reference_state()'s memmove)
            state.active_irq_id = prev
            return True
        prev = ref.id
    return False


def check_sleepable_helper(w: Walker, helper_id: int, fn: HelperProto | None) -> None:
    """check_helper_call(): no helper that might sleep inside an RCU read-side, non-preemptible
    or IRQ-disabled region."""
    if fn is None or not fn.might_sleep:
        return
    state = w.state
    for held, region in (
        (state.active_rcu_lock, "rcu_read_lock region"),
        (state.active_preempt_locks, "non-preemptible region"),
        (state.active_irq_id, "IRQ-disabled region"),
    ):
        if held:
            w.fail(errno.EINVAL, f"sleepable helper {func_id_name(helper_id)}#{helper_id} in {region}")


def check_sleepable_kfunc(w: Walker, name: str, sleepable: bool) -> None:
    """check_kfunc_call(): no sleepable kfunc inside an IRQ-disabled region."""
    if sleepable and w.state.active_irq_id:
        w.fail(errno.EACCES, f"kernel func {name} is sleepable within IRQ-disabled region")


def flag_safe(old: RegState | None, cur: RegState | None, ids: IdMap) -> bool:
    """stacksafe() of a STACK_IRQ_FLAG slot: references that map, the same kfunc class."""
    if old is None or cur is None:
        return old is cur
    return old.map is cur.map and ids.same(old.ref_obj_id, cur.ref_obj_id)
