"""Register operand checks that need no value tracking: check_reg_arg()'s structural half.

Mirrors the kernel's __check_reg_arg(): a register number at or above MAX_BPF_REG is "R%d is invalid"
(EINVAL) whether read or written; writing r10 is "frame pointer is read only" (EACCES).  Whether a
source register was initialised ("R%d !read_ok") is value tracking's part and is not checked here.

Also __check_ptr_off_reg(): a pointer register used in its original form only (no negative or, unless
allowed, fixed offset; no variable offset), for memory accesses, helper and kfunc arguments and the
kptrs stored into map values alike.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from pybpf.isa.opcodes import BPF_REG_FP, MAX_BPF_REG
from pybpf.verifier import tnum
from pybpf.verifier.regstate import RegState
from pybpf.verifier.state import VerifierState

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker


def check_src(state: VerifierState, regno: int) -> None:
    """check_reg_arg(regno, SRC_OP)."""
    if not 0 <= regno < MAX_BPF_REG:
        state.einval(f"R{regno} is invalid")


def check_dst(state: VerifierState, regno: int) -> None:
    """check_reg_arg(regno, DST_OP / DST_OP_NO_MARK)."""
    if not 0 <= regno < MAX_BPF_REG:
        state.einval(f"R{regno} is invalid")
    if regno == BPF_REG_FP:
        state.eacces("frame pointer is read only")


def check_ptr_off_reg(w: Walker, reg: RegState, regno: int, *, fixed_off_ok: bool = False) -> None:
    """__check_ptr_off_reg(): the pointer must be unmodified (but for a fixed offset, if allowed)."""
    if reg.off < 0:
        w.fail(errno.EACCES, f"negative offset {reg.type_name()} ptr R{regno} off={reg.off} disallowed")
    if reg.off and not fixed_off_ok:
        w.fail(
            errno.EACCES, f"dereference of modified {reg.type_name()} ptr R{regno} off={reg.off} disallowed"
        )
    if not tnum.is_const(reg.var_off) or reg.var_off.value:
        w.fail(
            errno.EACCES, f"variable {reg.type_name()} access var_off={tnum.format_(reg.var_off)} disallowed"
        )
