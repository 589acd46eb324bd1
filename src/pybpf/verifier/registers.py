"""Register operand checks that need no value tracking: check_reg_arg()'s structural half.

Mirrors the kernel's __check_reg_arg(): a register number at or above MAX_BPF_REG is "R%d is invalid"
(EINVAL) whether read or written; writing r10 is "frame pointer is read only" (EACCES).  Whether a
source register was initialised ("R%d !read_ok") is value tracking's part and is not checked here.
"""

from __future__ import annotations

from pybpf.isa.opcodes import BPF_REG_FP, MAX_BPF_REG
from pybpf.verifier.state import VerifierState


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
