"""Resilient spin locks: the verifier's side of bpf_res_spin_lock() and its family.

Mirrors kernel/bpf/verifier.c of Linux 6.18 (the kfuncs themselves: ``pybpf.kfuncs.res_spin_lock``):

* check_kfunc_call() of bpf_res_spin_lock / bpf_res_spin_lock_irqsave, before the arguments are
  checked, pushes the path where the lock was not taken (``fork_failure``): resumed after the call,
  r0-r5 not readable but r0, whose low 32 bits are an error in [-MAX_ERRNO, -1], no lock held and
  no IRQ flag saved; the path that goes on took the lock and has r0 == 0 (a known zero), so a
  program that uses the lock without looking at r0 reaches the unlock on the failing path too
  ("bpf_res_spin_unlock without taking a lock");
* check_kfunc_args() of a KF_ARG_PTR_TO_RES_SPIN_LOCK parameter (``struct bpf_res_spin_lock *``,
  ``process_arg``): a map value ("arg#%d doesn't point to map value or allocated object", EINVAL;
  allocated objects' locks are not modelled) at a constant offset of a map with BTF whose values
  hold a ``struct bpf_res_spin_lock`` at that offset (the messages of process_spin_lock() with
  ``bpf_res_spin`` for ``bpf_spin``); then a lock must not be held already -- the same id and map
  among the resilient locks held: "Acquiring the same lock again, AA deadlock detected" (EINVAL) --
  and becomes a REF_TYPE_RES_LOCK (REF_TYPE_RES_LOCK_IRQ for irqsave) reference, the last lock
  taken; an unlock must name a held lock of its own kind ("bpf_res_spin_unlock of different lock")
  that is the last one taken ("bpf_res_spin_unlock cannot be out of order"; ``references``);
* the irqsave / irqrestore flag is an IRQ flag of the lock class (``irq``).

While any lock is held, spin locks and resilient ones alike, only the kfuncs of
kfunc_spin_allowed() may be called (these four among them): "function calls are not allowed while
holding a lock"; an exit is "BPF_EXIT instruction in main prog cannot be used inside
bpf_spin_lock-ed region" (``references.check_resource_leak``).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from pybpf.kfuncs.res_spin_lock import LOCKING, WITH_IRQ
from pybpf.verifier import bounds, references, tnum
from pybpf.verifier.regstate import map_name
from pybpf.verifier.regtypes import RegType
from pybpf.verifier.state import Reference

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

MAX_ERRNO = 4095
_CALLER_SAVED = 6
_LOCK_STR = "bpf_res_spin"


def fork_failure(w: Walker, name: str) -> None:
    """check_kfunc_call() of a locking kfunc: the path where the lock failed, pushed."""
    if name not in LOCKING:
        return
    branch = w.push_branch(w.insn_idx + 1)
    regs = branch.cur.regs
    for regno in range(_CALLER_SAVED):
        regs[regno].mark_not_init()
    r0 = regs[0]
    r0.mark_unknown()
    # __mark_reg_s32_range(): as Linux 6.18's log shows, only the 32-bit bounds are narrowed (the
    # 64-bit ones follow from them in reg_bounds_sync(): the upper half stays unknown)
    r0.smin32, r0.smax32 = -MAX_ERRNO, -1
    bounds.sync(r0)


def mark_result(w: Walker, name: str) -> None:
    """check_kfunc_call()'s scalar result of a locking kfunc: 0 where the lock was taken."""
    if name in LOCKING:
        w.state.cur.regs[0].mark_known(0)


def process_arg(w: Walker, name: str, argno: int, regno: int) -> None:
    """check_kfunc_args()'s KF_ARG_PTR_TO_RES_SPIN_LOCK case: process_spin_lock() of a resilient
    lock (``name``: which of the four kfuncs)."""
    reg = w.state.cur.regs[regno]
    if reg.type is not RegType.PTR_TO_MAP_VALUE:
        w.fail(errno.EINVAL, f"arg#{argno} doesn't point to map value or allocated object")
    if not tnum.is_const(reg.var_off):
        w.fail(
            errno.EINVAL,
            f"R{regno} doesn't have constant offset. {_LOCK_STR}_lock has to be at the constant offset",
        )
    map_ref = reg.map
    map_label = map_name(map_ref)
    if not references.has_btf(map_ref):
        w.fail(errno.EINVAL, f"map '{map_label}' has to have BTF in order to use {_LOCK_STR}_lock")
    lock_off = references.res_spin_lock_off(map_ref)
    if lock_off is None:
        w.fail(errno.EINVAL, f"map '{map_label}' has no valid {_LOCK_STR}_lock")
    off = reg.var_off.value + reg.off
    if off != lock_off:
        w.fail(errno.EINVAL, f"off {off} doesn't point to 'struct {_LOCK_STR}_lock' that is at {lock_off}")
    kind = references.REF_TYPE_RES_LOCK_IRQ if name in WITH_IRQ else references.REF_TYPE_RES_LOCK
    if name not in LOCKING:
        references.release_lock(w, kind, reg, _LOCK_STR)
        return
    state = w.state
    ptr = references.lock_address(map_ref)
    resilient = frozenset({references.REF_TYPE_RES_LOCK, references.REF_TYPE_RES_LOCK_IRQ})
    if references.find_lock_state(state, resilient, reg.id, ptr) is not None:
        w.fail(errno.EINVAL, "Acquiring the same lock again, AA deadlock detected")
    state.refs.append(Reference(kind, reg.id, w.insn_idx, ptr))
