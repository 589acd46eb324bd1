"""Open-coded iterators on the stack: ``struct bpf_iter_<type>`` as the verifier tracks it.

Mirrors kernel/bpf/verifier.c of Linux 6.18:

* process_iter_arg(): an iterator argument is a stack pointer ("arg#%d expected pointer to an
  iterator on stack") at a constant, 8-aligned offset (stack_slot_obj_get_spi(): "iter has to be at
  a constant offset", "cannot pass in iter at an offset=%d"); bpf_iter_<type>_new() wants slots
  holding no iterator ("expected uninitialized iter_%s as arg #%d"), writes them (8-byte stores)
  and marks them (mark_stack_slots_iter(): STACK_ITER bytes, a new reference — an iterator not
  destroyed leaks like an acquired pointer — state ACTIVE, depth 0); _next() and _destroy() want an
  initialised iterator of that type ("expected an initialized iter_%s as arg #%d"), read its slots
  and, for _destroy(), release the reference and empty the slots (unmark_stack_slots_iter());
* process_iter_next_call(): an ACTIVE iterator's _next() forks: the state that goes on (queued
  with push_stack()) gets a non-NULL r0 and the iterator one level deeper, its imprecise scalars
  widened against the loop's previous visit of the call (widen_imprecise_scalars()); the current
  path sees the iterator DRAINED and r0 = 0 (the sticky NULL that ends every iterator loop);
* is_state_visited()'s convergence rule: an iter_next call is a forced checkpoint (check_cfg());
  a state there that an ancestor still being explored subsumes by range, its iterator ACTIVE, is
  a loop that converged (``iter_active_at_next``), and no infinite-loop check runs there;
* stacksafe() of STACK_ITER slots: the same iterator type and state, references that map (the
  depth is not compared); the depth keeps the exact comparison of the infinite-loop check apart
  (iter_active_depths_differ());
* loads from an iterator's bytes are refused as uninitialised stack ("invalid read from stack off
  %d+%d size %d"), stores over them turn the slot into data (the reference stays: a leak at exit).

A slot's spilled register describes it as the kernel's ``spilled_ptr`` does: type PTR_TO_STACK, the
reference in the first slot's ``ref_obj_id``, and ``map`` (the kernel's ``iter`` union member) an
``IterSlot``: iterator type, BTF id, state and depth.  An iterator of a KF_RCU_PROTECTED type (tasks,
css) started inside an RCU section (in_rcu_cs(): a non-sleepable program is one) has its slots typed
MEM_RCU, outside one PTR_UNTRUSTED (check_kfunc_call() refuses that new() anyway: "kernel func %s
requires RCU critical section protection"); bpf_rcu_read_unlock() turns MEM_RCU slots untrusted
(``btf_ptrs.end_rcu_section``) and _next() / _destroy() on them are "expected an RCU CS when using
%s" (-EPROTO); _next() of a MEM_RCU iterator returns an RCU pointer, of any other a trusted one
(``next_result_flag``).  bpf_iter_css_task_new() is allowed in LSM, bpf_iter and sleepable programs
only (``check_css_task_allowed``).  Kfuncs other than new/next/destroy taking an iterator are not
modelled (pybpf implements none).
"""

from __future__ import annotations

import errno
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pybpf.uapi import BPF_F_SLEEPABLE, BPF_PROG_TYPE_LSM, BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER
from pybpf.verifier import references
from pybpf.verifier.bounds import s64
from pybpf.verifier.regstate import RegState
from pybpf.verifier.regtypes import RegType, TypeFlag
from pybpf.verifier.stack import (
    BPF_REG_SIZE,
    SPI_ERANGE,
    SPI_INVALID,
    STACK_INVALID,
    STACK_ITER,
    Stack,
    stack_object_spi,
)

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker
    from pybpf.verifier.prune import IdMap
    from pybpf.verifier.state import PathState

ACTIVE, DRAINED = "active", "drained"
_ERANGE, _INVALID = SPI_ERANGE, SPI_INVALID


@dataclass(frozen=True)
class IterSlot:
    """``bpf_reg_state.iter`` of a STACK_ITER slot: type name, BTF id, state and depth (interned:
    an exact state comparison compares these by identity)."""

    name: str
    btf_id: int
    state: str
    depth: int


@functools.cache
def iter_slot(name: str, btf_id: int, state: str, depth: int) -> IterSlot:
    return IterSlot(name, btf_id, state, depth)


@dataclass
class IterArg:
    """What process_iter_arg() remembers of an initialised iterator argument (``meta->iter``)."""

    frameno: int
    spi: int
    ref_obj_id: int


def get_spi(w: Walker, reg: RegState, nr_slots: int) -> int:
    """stack_slot_obj_get_spi(reg, "iter", nr_slots): the iterator's first slot (logging why not),
    _ERANGE when it lies past the allocated stack, _INVALID when it cannot hold one."""
    slots = len(w.state.frames[reg.frameno].stack.slots)
    return stack_object_spi(reg, slots, "iter", nr_slots, w.env.log.line)


def _valid_uninit(w: Walker, reg: RegState, nr_slots: int) -> bool:
    """is_iter_reg_valid_uninit()."""
    spi = get_spi(w, reg, nr_slots)
    if spi == _ERANGE:
        return True
    if spi < 0:
        return False
    slots = w.state.frames[reg.frameno].stack.slots
    return all(STACK_ITER not in slots[spi - i].kinds for i in range(nr_slots))


def _valid_init(w: Walker, reg: RegState, name: str, btf_id: int, nr_slots: int) -> int:
    """is_iter_reg_valid_init(): every slot an iterator's, the reference in the first only (0);
    -EINVAL when not, -EPROTO for an RCU-protected iterator whose RCU section ended."""
    spi = get_spi(w, reg, nr_slots)
    if spi < 0:
        return -errno.EINVAL
    slots = w.state.frames[reg.frameno].stack.slots
    for i in range(nr_slots):
        slot = slots[spi - i]
        st = slot.spilled
        info = st.map if st is not None else None
        if st is None or not isinstance(info, IterSlot):
            return -errno.EINVAL
        if st.flags & TypeFlag.PTR_UNTRUSTED:
            return -errno.EPROTO
        if (i == 0) != bool(st.ref_obj_id):
            return -errno.EINVAL
        if info.name != name or info.btf_id != btf_id:
            return -errno.EINVAL
        if any(k != STACK_ITER for k in slot.kinds):
            return -errno.EINVAL
    return 0


def process_iter_arg(
    w: Walker,
    regno: int,
    name: str,
    btf_id: int,
    size: int,
    *,
    new: bool,
    destroy: bool,
    func_name: str = "",
    rcu_protected: bool = False,
) -> IterArg | None:
    """process_iter_arg() for the iterator in ``regno`` (of type ``name``, ``size`` bytes, named by
    the BTF id ``btf_id`` of its struct) given to kfunc ``func_name``; for _new() it marks the
    slots (None returned: MEM_RCU or, outside an RCU section, PTR_UNTRUSTED for an
    ``rcu_protected`` iterator), else returns where the initialised iterator is."""
    from pybpf.verifier.checks import mem

    reg = w.state.cur.regs[regno]
    if reg.type is not RegType.PTR_TO_STACK:
        w.fail(errno.EINVAL, f"arg#{regno - 1} expected pointer to an iterator on stack")
    nr_slots = size // BPF_REG_SIZE
    if new:
        if not _valid_uninit(w, reg, nr_slots):
            w.fail(errno.EINVAL, f"expected uninitialized iter_{name} as arg #{regno - 1}")
        for off in range(0, nr_slots * BPF_REG_SIZE, BPF_REG_SIZE):
            mem.check_stack_store(w, regno, reg, off, BPF_REG_SIZE)
        flags = TypeFlag.NONE
        if rcu_protected:
            flags = TypeFlag.MEM_RCU if references.in_rcu_cs(w) else TypeFlag.PTR_UNTRUSTED
        _mark_slots(w, reg, name, btf_id, nr_slots, flags=flags)
        return None
    err = _valid_init(w, reg, name, btf_id, nr_slots)
    if err == -errno.EPROTO:
        w.fail(errno.EPROTO, f"expected an RCU CS when using {func_name}")
    if err:
        w.fail(errno.EINVAL, f"expected an initialized iter_{name} as arg #{regno - 1}")
    spi = get_spi(w, reg, nr_slots)
    stack = w.state.frames[reg.frameno].stack
    first = stack.slots[spi].spilled
    assert first is not None
    for i in range(nr_slots):  # mark_iter_read() (the log shows the iterator after the call)
        w.mark_stack_read(reg.frameno, 1 << (spi - i))
        w.scratch_stack(spi - i, reg.frameno)
    found = IterArg(reg.frameno, spi, first.ref_obj_id)
    if destroy:
        _unmark_slots(w, stack, spi, nr_slots, reg.frameno)
    return found


def _mark_slots(w: Walker, reg: RegState, name: str, btf_id: int, nr_slots: int, *, flags: TypeFlag) -> None:
    """mark_stack_slots_iter(): a new reference; every slot STACK_ITER, ACTIVE, depth 0, its type
    PTR_TO_STACK with ``flags``."""
    spi = get_spi(w, reg, nr_slots)
    ident = references.acquire_reference(w)
    stack = w.state.frames[reg.frameno].stack
    info = iter_slot(name, btf_id, ACTIVE, 0)
    for i in range(nr_slots):
        slot = stack.slots[spi - i]
        described = RegState()
        described.mark_pointer(RegType.PTR_TO_STACK, flags)
        described.ref_obj_id = ident if i == 0 else 0
        described.map = info
        slot.spilled = described
        slot.kinds = [STACK_ITER] * BPF_REG_SIZE
        w.mark_stack_write(reg.frameno, 1 << (spi - i))
        w.scratch_stack(spi - i, reg.frameno)


def _unmark_slots(w: Walker, stack: Stack, spi: int, nr_slots: int, frameno: int) -> None:
    """unmark_stack_slots_iter(): the reference released (registers holding it invalidated), the
    slots emptied."""
    for i in range(nr_slots):
        slot = stack.slots[spi - i]
        if i == 0 and slot.spilled is not None:
            references.release_reference(w.state, slot.spilled.ref_obj_id, w.env.allow_ptr_leaks)
        slot.spilled = None
        slot.kinds = [STACK_INVALID] * BPF_REG_SIZE
        w.mark_stack_write(frameno, 1 << (spi - i))
        w.scratch_stack(spi - i, frameno)


def _iter_reg(state: PathState, at: IterArg) -> RegState:
    spilled = state.frames[at.frameno].stack.slots[at.spi].spilled
    assert spilled is not None and isinstance(spilled.map, IterSlot)
    return spilled


def process_iter_next_call(w: Walker, at: IterArg) -> None:
    """process_iter_next_call(): fork an ACTIVE iterator's _next() into the state that goes on
    (queued: r0 not NULL, one level deeper) and the drained one this path continues with (r0 = 0)."""
    from pybpf.verifier import prune

    state = w.state
    cur_iter = _iter_reg(state, at)
    info: IterSlot = cur_iter.map
    if info.state == ACTIVE:
        slot = w.insn_idx
        prev = prune.find_prev_entry(w, slot, skip=w.parent)
        queued = w.push_branch(slot + 1)
        queued_iter = _iter_reg(queued, at)
        queued_iter.map = iter_slot(info.name, info.btf_id, ACTIVE, info.depth + 1)
        if prev is not None:
            prune.widen_imprecise_scalars(prev.state, queued)
        r0 = queued.cur.regs[0]
        r0.flags &= ~TypeFlag.PTR_MAYBE_NULL
    cur_iter.map = iter_slot(info.name, info.btf_id, DRAINED, info.depth)
    state.cur.regs[0].mark_known(0)


def next_result_flag(state: PathState, at: IterArg) -> TypeFlag:
    """check_kfunc_call(): the pointer an iterator's _next() returns is MEM_RCU when the iterator is
    (an RCU-protected one started inside an RCU section), else PTR_TRUSTED."""
    if _iter_reg(state, at).flags & TypeFlag.MEM_RCU:
        return TypeFlag.MEM_RCU
    return TypeFlag.PTR_TRUSTED


def check_css_task_allowed(w: Walker) -> None:
    """check_kfunc_args() of bpf_iter_css_task_new()'s iterator: check_css_task_iter_allowlist() --
    LSM programs, bpf_iter tracing programs and sleepable ones only."""
    request = w.env.request
    prog_type = request.prog_type.prog_type
    if prog_type == BPF_PROG_TYPE_LSM or request.prog_flags & BPF_F_SLEEPABLE:
        return
    if prog_type == BPF_PROG_TYPE_TRACING and request.expected_attach_type == BPF_TRACE_ITER:
        return
    w.fail(errno.EINVAL, "css_task_iter is only allowed in bpf_lsm, bpf_iter and sleepable progs")


def iter_active_at_next(state: PathState) -> bool:
    """is_state_visited() at an iter_next call: the iterator r1 points to is ACTIVE (the state
    subsumed by an ancestor is then a converged loop)."""
    reg = state.cur.regs[1]
    if reg.type is not RegType.PTR_TO_STACK:
        return False
    spi = (-(reg.off + s64(reg.var_off.value)) - 1) // BPF_REG_SIZE
    slots = state.frames[reg.frameno].stack.slots
    spilled = slots[spi].spilled if 0 <= spi < len(slots) else None
    info = spilled.map if spilled is not None else None
    return isinstance(info, IterSlot) and info.state == ACTIVE


def iter_safe(old: RegState | None, cur: RegState | None, ids: IdMap) -> bool:
    """stacksafe() of a STACK_ITER slot: the same type and state (not depth), references that map."""
    if old is None or cur is None:
        return old is cur
    a, b = old.map, cur.map
    if not isinstance(a, IterSlot) or not isinstance(b, IterSlot):
        return False
    return (
        a.name == b.name
        and a.btf_id == b.btf_id
        and a.state == b.state
        and ids.same(old.ref_obj_id, cur.ref_obj_id)
    )
