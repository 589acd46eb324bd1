"""Kernel function (kfunc) calls: ``call`` with src BPF_PSEUDO_KFUNC_CALL, imm = a FUNC's BTF id.

Mirrors kernel/bpf/verifier.c of Linux 6.18:

* add_kfunc_call() (from add_subprog_and_kfunc(), before anything else is checked): a non-GPL
  program may call no kfunc ("cannot call kernel function from non-GPL compatible program"); a call
  with imm 0 and off 0 is left for later; a module BTF (off != 0) is not modelled ("kfunc offset >
  0 without fd_array is invalid" (EPROTO), "negative offset disallowed for kernel module function
  call", then "failed to find BTF for kernel function"); imm must name a FUNC of the kernel's BTF
  (``pybpf.kfuncs.kernel_btf``: "kernel btf_id %u is not a function");
* check_kfunc_call() in do_check: a call with imm 0 changes nothing (fixup_kfunc_call() refuses it
  later when it was reached: "invalid kernel function call not eliminated in verifier pass"); a
  function outside the program type's kfunc sets is "calling kernel function %s is not allowed"
  (EACCES) — pybpf's sets are the kfuncs it implements (``pybpf.kfuncs.table``), so a kernel kfunc
  it lacks is refused this way too; no call while a spin lock is held ("function calls are not
  allowed while holding a lock"); a sleepable kfunc needs a sleepable program ("program must be
  sleepable to call sleepable kfunc %s"); then check_kfunc_args(): a scalar parameter takes a
  scalar ("R%d is not a scalar"), a pointer parameter no NULL ("Possibly NULL pointer passed to
  trusted arg%d": Linux 6.18 treats every kfunc's arguments as trusted), an iterator parameter goes
  to process_iter_arg()
  (``iterators``), a ``struct`` pointer to ``kfunc_objects`` (trusted, RCU and referenced kernel
  objects: acquire and release kfuncs); r0-r5 are clobbered, r0 becomes the return value (an
  unknown scalar, or for a pointer to a scalar PTR_TO_MEM | MEM_RDONLY of its size carrying the
  iterator's reference, ``_or_null`` with a new id under KF_RET_NULL); an iter_next call then forks
  (process_iter_next_call()); bpf_rcu_read_lock/unlock open and close the RCU read-side region
  ("nested rcu read lock (kernel function %s)", "unmatched rcu read unlock (kernel function %s)"),
  bpf_preempt_disable/enable count non-preemptible regions ("unmatched attempt to enable
  preemption (kernel function %s)"); ``references.check_resource_leak`` refuses an exit inside
  either.  Not modelled: MEM_RCU pointers (pybpf's program types hand out none), sleepable helpers
  inside the regions (pybpf's sleepable programs have none that sleep), global function calls with
  preemption disabled;
* check_cfg(): every iter_next call is a forced checkpoint (``iter_next_slots``).

The log prints a kfunc call as ``call <name>#<BTF id>`` (disasm_kfunc_name()).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.program import CALL_OPCODE
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.kfuncs.table import (
    ITER_STATE_SIZES,
    PREEMPT_DISABLE,
    PREEMPT_ENABLE,
    RCU_READ_LOCK,
    RCU_READ_UNLOCK,
    ArgKind,
    KfFlag,
    KFunc,
    RetKind,
)
from pybpf.uapi import BPF_F_SLEEPABLE
from pybpf.verifier import iterators, kfunc_objects, references
from pybpf.verifier.regstate import is_null
from pybpf.verifier.regtypes import RegType, TypeFlag
from pybpf.verifier.state import VerifierState

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker


def is_kfunc_call(insn: Instruction) -> bool:
    return insn.opcode == CALL_OPCODE and insn.src == op.BPF_PSEUDO_KFUNC_CALL


def add_kfunc_call(state: VerifierState, insn: Instruction) -> None:
    """add_kfunc_call(): what the kernel refuses about a kfunc call before walking the program."""
    if not state.request.gpl_compatible:
        state.einval("cannot call kernel function from non-GPL compatible program")
    if insn.imm == 0 and insn.off == 0:
        return  # refused later if reached (fixup_kfunc_call())
    if insn.off:
        err = errno.EINVAL
        if insn.off < 0:
            state.log.line("negative offset disallowed for kernel module function call")
        elif state.request.fd_array is None:
            state.log.line("kfunc offset > 0 without fd_array is invalid")
            err = errno.EPROTO
        state.fail(err, "failed to find BTF for kernel function")
    if kernel_btf().func_name(insn.imm & 0xFFFFFFFF) is None:
        state.einval(f"kernel btf_id {insn.imm & 0xFFFFFFFF} is not a function")


def kfunc_name(imm: int) -> str | None:
    """disasm_kfunc_name(): the name the log prints for kfunc ``imm`` ("" for id 0, void's; None:
    no function)."""
    return kernel_btf().func_name(imm & 0xFFFFFFFF) if imm else ""


def iter_next_slots(state: VerifierState) -> frozenset[int]:
    """The slots of iter_next kfunc calls (check_cfg() forces a checkpoint at each)."""
    slots = set()
    kbtf = None
    for slot, insn in zip(state.view.starts, state.view.insns, strict=True):
        if is_kfunc_call(insn) and insn.imm and not insn.off:
            kbtf = kbtf or kernel_btf()
            kfunc = kbtf.kfunc(insn.imm)
            if kfunc is not None and kfunc.flags & KfFlag.ITER_NEXT:
                slots.add(slot)
    return frozenset(slots)


def check_kfunc_call(w: Walker, insn: Instruction) -> None:
    """check_kfunc_call() of the kfunc call at the current instruction."""
    env = w.env
    state = w.state
    if references.active_lock(state) is not None:
        w.fail(errno.EINVAL, "function calls are not allowed while holding a lock")
    if not insn.imm:
        w.facts()  # reached: fixup_kfunc_call() refuses it (``refuse_reached_zero_calls``)
        w.scratch_reg(0)  # (do_check_insn() marks r0 scratched after every call)
        return
    kbtf = kernel_btf()
    btf_id = insn.imm & 0xFFFFFFFF
    kfunc = kbtf.kfunc(btf_id)
    prog_type = env.request.prog_type.prog_type
    if kfunc is None or not kfunc.allowed(prog_type):
        w.fail(errno.EACCES, f"calling kernel function {kbtf.func_name(btf_id)} is not allowed")
    if kfunc.flags & KfFlag.SLEEPABLE and not env.request.prog_flags & BPF_F_SLEEPABLE:
        w.fail(errno.EACCES, f"program must be sleepable to call sleepable kfunc {kfunc.name}")
    regs = state.cur.regs
    iter_at: iterators.IterArg | None = None
    ref_obj_id = released = 0
    for i, arg in enumerate(kfunc.args):  # check_kfunc_args()
        regno = i + 1
        reg = regs[regno]
        if arg.kind is ArgKind.SCALAR:
            if reg.type is not RegType.SCALAR_VALUE:
                w.fail(errno.EINVAL, f"R{regno} is not a scalar")
            continue
        if is_null(reg) or reg.maybe_null:
            w.fail(errno.EACCES, f"Possibly NULL pointer passed to trusted arg{i}")
        if reg.ref_obj_id:
            ref_obj_id = reg.ref_obj_id
        if arg.kind is ArgKind.BTF_ID:
            released = kfunc_objects.check_btf_arg(w, kfunc, i, arg) or released
            continue
        name = kfunc.iter_type
        struct_id = kbtf.iter_struct_id(name)
        iter_at = iterators.process_iter_arg(
            w,
            regno,
            name,
            struct_id,
            ITER_STATE_SIZES[name],
            new=bool(kfunc.flags & KfFlag.ITER_NEW),
            destroy=bool(kfunc.flags & KfFlag.ITER_DESTROY),
        )
        if iter_at is not None:
            ref_obj_id = iter_at.ref_obj_id
    if kfunc.flags & KfFlag.RELEASE:
        kfunc_objects.release(w, kfunc, btf_id, released)
    _regions(w, kfunc)
    for regno in range(6):
        regs[regno].mark_not_init()
        w.scratch_reg(regno)
    r0 = regs[0]
    if kfunc.ret is RetKind.SCALAR:
        r0.mark_unknown()
    elif kfunc.ret is RetKind.RDONLY_MEM:
        r0.mark_pointer(RegType.PTR_TO_MEM, TypeFlag.MEM_RDONLY)
        r0.mem_size = kfunc.ret_size
        r0.ref_obj_id = ref_obj_id
    elif kfunc.ret is RetKind.BTF_ID:
        kfunc_objects.mark_result(w, kfunc, r0)
    if kfunc.ret in (RetKind.SCALAR, RetKind.RDONLY_MEM) and kfunc.flags & KfFlag.RET_NULL:
        r0.flags |= TypeFlag.PTR_MAYBE_NULL
        r0.id = w.new_id()
    if kfunc.flags & KfFlag.ITER_NEXT and iter_at is not None:
        iterators.process_iter_next_call(w, iter_at)


def _regions(w: Walker, kfunc: KFunc) -> None:
    """check_kfunc_call(): the RCU read-side region (one at a time) and the non-preemptible
    regions (nested, counted) the call opens or closes; no sleepable kfunc inside either."""
    state = w.state
    name = kfunc.name
    sleepable = bool(kfunc.flags & KfFlag.SLEEPABLE)
    if state.active_rcu_lock:
        if name == RCU_READ_LOCK:
            w.fail(errno.EINVAL, f"nested rcu read lock (kernel function {name})")
        elif name == RCU_READ_UNLOCK:
            state.active_rcu_lock = False
        elif sleepable:
            w.fail(errno.EACCES, f"kernel func {name} is sleepable within rcu_read_lock region")
    elif name == RCU_READ_LOCK:
        state.active_rcu_lock = True
    elif name == RCU_READ_UNLOCK:
        w.fail(errno.EINVAL, f"unmatched rcu read unlock (kernel function {name})")
    if state.active_preempt_locks:
        if name == PREEMPT_DISABLE:
            state.active_preempt_locks += 1
        elif name == PREEMPT_ENABLE:
            state.active_preempt_locks -= 1
        elif sleepable:
            w.fail(errno.EACCES, f"kernel func {name} is sleepable within non-preemptible region")
    elif name == PREEMPT_DISABLE:
        state.active_preempt_locks = 1
    elif name == PREEMPT_ENABLE:
        w.fail(errno.EINVAL, f"unmatched attempt to enable preemption (kernel function {name})")


def refuse_reached_zero_calls(state: VerifierState) -> None:
    """fixup_kfunc_call(): a kfunc call with imm 0 that do_check reached is refused."""
    insns = state.request.insns
    for index in sorted(state.facts):
        if index < len(insns) and is_kfunc_call(insns[index]) and not insns[index].imm:
            state.einval("invalid kernel function call not eliminated in verifier pass")


class KfuncFixupPass:
    name = "fixup_kfunc_call"

    def run(self, state: VerifierState) -> None:
        refuse_reached_zero_calls(state)
