"""Spectre v1 sanitation of pointer arithmetic and speculative paths, for loaders without the bypass.

Mirrors kernel/bpf/verifier.c (Linux 6.18): when the loader is not ``perfmon_capable`` (CAP_PERFMON
or CAP_SYS_ADMIN), bpf_check() runs with ``env->bypass_spec_v1`` (and ``bypass_spec_v4``) false and

* retrieve_ptr_limit() / sanitize_ptr_alu() / sanitize_val_alu() / update_alu_sanitation_state():
  ``ptr += reg`` and ``ptr -= reg`` (a register offset: an immediate needs no masking) on a stack or
  map value pointer record in the instruction's facts (``insn_aux_data.alu_state`` / ``alu_limit``)
  how far the pointer may move, for do_misc_fixups() to mask the offset with (``fixups_spectre``);
  an offset whose signed bounds straddle zero is refused ("R%d has unknown scalar with mixed signed
  bounds, pointer arithmetic with it prohibited for !root"), so is another pointer type ("R%d has
  pointer with unsupported alu operation, ..."), a move the value (stack) cannot hold ("R%d tried
  to %s beyond pointer bounds, ...") and an instruction sanitized differently on another path
  ("R%d tried to %s from different maps, paths or scalars, ...");
* sanitize_check_bounds(): the moved pointer must still point into its stack frame ("R%d variable
  stack access prohibited for !root, var_off=%s off=%d", "R%d stack pointer arithmetic goes out of
  range, prohibited for !root; off=%d") or map value ("R%d pointer arithmetic of map value goes out
  of range, prohibited for !root");
* sanitize_speculative_path(): what a mispredicted branch may run is verified too: a conditional
  jump whose outcome is known pushes the other way as a *speculative* path with its operands
  unknown, and a sanitized register offset pushes the next instruction with the offset masked to 0
  (the pointer unmoved).  On a speculative path, an error that a barrier can stop
  (error_recoverable_with_nospec(): EPERM, EACCES, EINVAL) is no refusal since Linux 6.17 ("Fall
  back to nospec for Spectre v1"): the instruction gets a barrier before it (``InsnFacts.nospec``)
  and the path ends, as every later speculative path reaching it does.

Linux 6.12 refused those speculative errors (no ``nospec`` fallback): pybpf models 6.18.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import BPF_X
from pybpf.uapi import MAX_BPF_STACK
from pybpf.verifier import bounds, tnum, value_fields
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.mem_region import check_mem_region_access
from pybpf.verifier.regstate import RegState, map_value_size
from pybpf.verifier.regtypes import RegType

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

BPF_ALU_SANITIZE_SRC: Final = 1 << 0
BPF_ALU_SANITIZE_DST: Final = 1 << 1
BPF_ALU_NEG_VALUE: Final = 1 << 2
BPF_ALU_NON_POINTER: Final = 1 << 3
BPF_ALU_IMMEDIATE: Final = 1 << 4
BPF_ALU_SANITIZE: Final = BPF_ALU_SANITIZE_SRC | BPF_ALU_SANITIZE_DST
"""include/linux/bpf_verifier.h's ``alu_state`` bits."""

REASON_BOUNDS: Final = -1
REASON_TYPE: Final = -2
REASON_PATHS: Final = -3
REASON_LIMIT: Final = -4
"""sanitize_ptr_alu()'s refusals (REASON_STACK, a failed push, is ``Walker.push_speculative``'s)."""

RECOVERABLE: Final = frozenset({errno.EPERM, errno.EACCES, errno.EINVAL})
"""error_recoverable_with_nospec(): the errors a speculative path ends with behind a barrier."""

_PROHIBITED: Final = "pointer arithmetic with it prohibited for !root"
_ADD: Final = bounds.ADD
_SUB: Final = bounds.SUB


@dataclass
class SanitizeInfo:
    """``struct bpf_sanitize_info``: the first window's state and limit, and the masking direction."""

    alu_state: int = 0
    alu_limit: int = 0
    mask_to_left: bool = False


def sanitize_needed(op: int) -> bool:
    return op in (_ADD, _SUB)


def can_skip(w: Walker, insn: Instruction) -> bool:
    """can_skip_alu_sanitation(): the loader bypasses it, the operand is an immediate, or a barrier
    already stands before the instruction."""
    if w.bypass_spec_v1 or not insn.opcode & BPF_X:
        return True
    return w.facts().nospec


def retrieve_ptr_limit(ptr: RegState, mask_to_left: bool) -> tuple[int, int]:
    """retrieve_ptr_limit(): (0, how far the pointer may move) or (reason, 0); u32 arithmetic."""
    if ptr.type is RegType.PTR_TO_STACK:
        # offset 0 is out of bounds but a fine start moving left (the frame pointer itself)
        most = MAX_BPF_STACK + int(mask_to_left)
        limit = -(ptr.var_off.value + ptr.off) & 0xFFFFFFFF
    elif ptr.type is RegType.PTR_TO_MAP_VALUE:
        most = map_value_size(ptr.map)
        limit = ((ptr.smin if mask_to_left else ptr.umax) + ptr.off) & 0xFFFFFFFF
    else:
        return REASON_TYPE, 0
    if limit >= most:
        return REASON_LIMIT, 0
    return 0, limit


def _update_state(w: Walker, alu_state: int, alu_limit: int) -> int:
    """update_alu_sanitation_state(): one state and limit per instruction, whatever the path."""
    facts = w.facts()
    if facts.alu_state and (facts.alu_state != alu_state or facts.alu_limit != alu_limit):
        return REASON_PATHS
    facts.alu_state, facts.alu_limit = alu_state, alu_limit
    return 0


def sanitize_val_alu(w: Walker, insn: Instruction) -> None:
    """sanitize_val_alu(): scalar ``+=``/``-=`` of a register marks the instruction as no pointer's."""
    if can_skip(w, insn):
        return
    reason = _update_state(w, BPF_ALU_NON_POINTER, 0)
    if reason:
        sanitize_err(w, insn, reason)


def sanitize_ptr_alu(
    w: Walker,
    insn: Instruction,
    ptr: RegState,
    off_reg: RegState,
    info: SanitizeInfo,
    *,
    ptr_is_dst: bool,
    commit: bool,
) -> None:
    """sanitize_ptr_alu() (refusing with sanitize_err()): the first window (``commit`` False, before
    the pointer moves: the limit on the side the offset moves it, a speculative path with the offset
    masked to 0) or the commit window (after: the limit narrowed to the move, recorded)."""
    if can_skip(w, insn):
        return
    off_is_imm = tnum.is_const(off_reg.var_off)
    if not w.state.speculative:  # (a speculative path only simulates: the facts are the real paths')
        off_is_neg = off_reg.smin < 0
        if not commit:
            if not off_is_imm and (off_reg.smin < 0) != (off_reg.smax < 0):
                sanitize_err(w, insn, REASON_BOUNDS, ptr_is_dst=ptr_is_dst)
            op = insn.opcode & 0xF0
            info.mask_to_left = (op == _ADD and off_is_neg) or (op == _SUB and not off_is_neg)
        reason, limit = retrieve_ptr_limit(ptr, info.mask_to_left)
        if reason:
            sanitize_err(w, insn, reason, ptr_is_dst=ptr_is_dst)
        if commit:
            alu_state = info.alu_state
            moved = (info.alu_limit - limit) & 0xFFFFFFFF
            alu_limit = abs(moved - (1 << 32) if moved >> 31 else moved)  # abs() of the u32 as an int
        else:
            alu_state = BPF_ALU_NEG_VALUE if off_is_neg else 0
            alu_state |= BPF_ALU_IMMEDIATE if off_is_imm else 0
            alu_state |= BPF_ALU_SANITIZE_SRC if ptr_is_dst else BPF_ALU_SANITIZE_DST
            if not off_is_imm:  # pruning compares scalars exactly from now on (other masks elsewhere)
                w.explore_alu_limits = True
        if commit:
            reason = _update_state(w, alu_state, alu_limit)
            if reason:
                sanitize_err(w, insn, reason)
        else:
            info.alu_state, info.alu_limit = alu_state, limit
    if commit or off_is_imm:
        return
    # the offset out of its range is masked to 0 at run time: the pointer itself, speculatively
    other = w.push_speculative(w.insn_idx + 1, alu_dst=insn.dst)
    if not ptr_is_dst:
        other.frames[-1].regs[insn.dst].copy_from(ptr)


def sanitize_err(w: Walker, insn: Instruction, reason: int, *, ptr_is_dst: bool = True) -> None:
    """sanitize_err(): the refusal's message (EACCES).  The register named for a bad offset or
    pointer type is the source when that is a scalar -- and, as Linux 6.18 answers (measured:
    tests/verifier/test_spectre.py), for ``scalar += pointer`` too, where it is the pointer."""
    regs = w.state.cur.regs
    dst, src = insn.dst, insn.src
    op = "add" if insn.opcode & 0xF0 == _ADD else "sub"
    src_is_scalar = not ptr_is_dst or regs[src].type is RegType.SCALAR_VALUE
    if reason == REASON_BOUNDS:
        what = f"R{src if src_is_scalar else dst} has unknown scalar with mixed signed bounds"
    elif reason == REASON_TYPE:
        what = f"R{dst if src_is_scalar else src} has pointer with unsupported alu operation"
    elif reason == REASON_PATHS:
        what = f"R{dst} tried to {op} from different maps, paths or scalars"
    else:
        what = f"R{dst} tried to {op} beyond pointer bounds"
    w.fail(errno.EACCES, f"{what}, {_PROHIBITED}")


def sanitize_check_bounds(w: Walker, regno: int, dst: RegState) -> bool:
    """sanitize_check_bounds(): a moved stack or map value pointer still points into its memory
    (refused with EACCES otherwise); False for a pointer type it does not know (-EOPNOTSUPP)."""
    if dst.type is RegType.PTR_TO_STACK:
        off = bounds.s32(dst.off + dst.var_off.value)
        if not tnum.is_const(dst.var_off):
            w.fail(
                errno.EACCES,
                f"R{regno} variable stack access prohibited for !root, "
                f"var_off={tnum.format_(dst.var_off)} off={off}",
            )
        if off >= 0 or off < -MAX_BPF_STACK:
            w.fail(
                errno.EACCES,
                f"R{regno} stack pointer arithmetic goes out of range, prohibited for !root; off={off}",
            )
        return True
    if dst.type is RegType.PTR_TO_MAP_VALUE:
        try:  # check_map_access() of one byte at the pointer (its own messages logged first),
            # a helper's access: a special field (a spin lock, a timer, a kptr) there refuses it
            check_mem_region_access(w, regno, dst, dst.off, 1, mem_size=map_value_size(dst.map))
            if dst.map is not None:
                value_fields.check_map_fields(w, dst, dst.off, 1, direct=False)
        except VerifierError:
            w.fail(
                errno.EACCES,
                f"R{regno} pointer arithmetic of map value goes out of range, prohibited for !root",
            )
        return True
    return False


def speculative_jump(w: Walker, insn: Instruction, target: int) -> None:
    """sanitize_speculative_path() of a conditional jump whose outcome is known: the way not taken,
    verified as a speculative path with the compared registers unknown."""
    other = w.push_speculative(target)
    regs = other.frames[-1].regs
    regs[insn.dst].mark_unknown()
    if insn.opcode & BPF_X:
        regs[insn.src].mark_unknown()


__all__ = [
    "BPF_ALU_IMMEDIATE",
    "BPF_ALU_NEG_VALUE",
    "BPF_ALU_NON_POINTER",
    "BPF_ALU_SANITIZE",
    "BPF_ALU_SANITIZE_DST",
    "BPF_ALU_SANITIZE_SRC",
    "RECOVERABLE",
    "SanitizeInfo",
    "can_skip",
    "retrieve_ptr_limit",
    "sanitize_check_bounds",
    "sanitize_err",
    "sanitize_needed",
    "sanitize_ptr_alu",
    "sanitize_val_alu",
    "speculative_jump",
]
