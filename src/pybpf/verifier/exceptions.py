"""The verifier's side of BPF exceptions: a bpf_throw() call.

Mirrors kernel/bpf/verifier.c (Linux 6.18) with the default exception callback (the program has
no ``exception_callback:`` decl tag):

* check_kfunc_call(): once its argument is checked, a bpf_throw call marks the program as throwing
  (``seen_exception``) and, since the default callback returns the cookie as the program's
  return value, checks R1 as check_return_code() checks R0 at the program's exit ("At program exit
  the register R1 has ...": ``check_throw_cookie``);
* do_check_insn(): the call ends the path like an exit of every frame at once
  (process_bpf_exit_full() with exception_exit): ``check_resource_leak(..., "bpf_throw")`` refuses
  a pointer reference held in any frame ("bpf_throw would lead to reference leak") and an open
  IRQ, RCU or non-preemptible region, in a subprogram too ("bpf_throw cannot be used inside
  bpf_rcu_read_lock-ed region" ...); a held spin lock is refused before, as for any call;
* check_max_stack_depth_subprog(): a bpf_throw in a subprogram run as a callback, or called from
  one, anywhere up its chain of calls, is refused after the walk ("bpf_throw kfunc (insn %d)
  cannot be called from callback subprog %d"; ``check_throw_in_callback``).

The run-time side (unwinding, the cookie as r0) is ``pybpf.kfuncs.exceptions``.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.program import CALL_OPCODE, Slot
from pybpf.kfuncs.exceptions import THROW
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.verifier.state import VerifierState

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker


def is_throw(insn: Instruction | Slot) -> bool:
    """is_bpf_throw_kfunc(): a kfunc call (of vmlinux: off 0) of bpf_throw."""
    code = insn.code if isinstance(insn, Slot) else insn.opcode
    return (
        code == CALL_OPCODE
        and insn.src == op.BPF_PSEUDO_KFUNC_CALL
        and insn.off == 0
        and kernel_btf().func_name(insn.imm & 0xFFFFFFFF) == THROW
    )


def check_throw_cookie(w: Walker) -> None:
    """check_kfunc_call()'s bpf_throw: the cookie is the program's return value (the default
    exception callback returns it): check_return_code(env, BPF_REG_1, "R1")."""
    w.env.seen_exception = True
    w.check_return_code_of(1)


def check_throw_in_callback(state: VerifierState, slot: int, idx: int, callers: Sequence[int]) -> None:
    """check_max_stack_depth_subprog(): a bpf_throw at ``slot`` of subprogram ``idx``, called
    through ``callers``, must not run in a callback (one of them a callback subprogram)."""
    if not is_throw(state.view.slots[slot]):
        return
    if idx in state.callback_subprogs or any(c in state.callback_subprogs for c in callers):
        why = f"bpf_throw kfunc (insn {slot}) cannot be called from callback subprog {idx}"
        state.fail(errno.EINVAL, why)
