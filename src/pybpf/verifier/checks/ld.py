"""check_ld_imm() and check_ld_abs(): the BPF_LD class.

Mirrors kernel/bpf/verifier.c: an lddw writes dst with its constant, a map pointer
(CONST_PTR_TO_MAP), a pointer into an array's one value (PTR_TO_MAP_VALUE with the offset) or a
subprogram (PTR_TO_FUNC; "missing btf func_info" without BTF, "callback function not static" for a
global one); LD_ABS / LD_IND need a program type
with skb access, r6 holding the unmodified context ("at the time of BPF_LD_ABS|IND R6 != pointer to
skb"), clobber r0-r5 and leave an unknown scalar in r0; in a subprogram a failed load returns 0 to
the caller at once.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.uapi import BPF_MAP_TYPE_ARENA
from pybpf.verifier import helpers, references
from pybpf.verifier.registers import check_ptr_off_reg
from pybpf.verifier.regstate import func_target
from pybpf.verifier.regtypes import RegType

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker


def check_ld_imm(w: Walker, insn: Instruction) -> None:
    w.check_reg_write(insn.dst)
    dst = w.state.cur.regs[insn.dst]
    slot = w.insn_idx
    if insn.src == 0:
        dst.mark_known(insn.imm & 0xFFFFFFFF | (insn.imm_hi & 0xFFFFFFFF) << 32)
        return
    if insn.src == op.BPF_PSEUDO_FUNC:
        if w.env.func_info is None:
            w.fail(errno.EINVAL, "missing btf func_info")
        subprog = w.view.subprog_of(slot + insn.imm + 1)
        if not w.globals.is_static(subprog):
            w.fail(errno.EINVAL, "callback function not static")
        dst.mark_pointer(RegType.PTR_TO_FUNC)
        dst.map = func_target(subprog)
        return
    found = w.env.lddw_maps.get(slot)
    if found is None:  # resolved by the pseudo pass, which refuses every other source
        dst.mark_unknown()
        return
    map_ref, value_off = found
    if insn.src in (op.BPF_PSEUDO_MAP_VALUE, op.BPF_PSEUDO_MAP_IDX_VALUE):
        if map_ref.map_type == BPF_MAP_TYPE_ARENA:  # an arena's user address: a plain number
            dst.mark_unknown()
            return
        dst.mark_pointer(RegType.PTR_TO_MAP_VALUE)
        dst.off = value_off
    else:
        dst.mark_pointer(RegType.CONST_PTR_TO_MAP)
    dst.map = map_ref


def check_ld_abs(w: Walker, insn: Instruction, indirect: bool) -> int:
    """check_ld_abs(); the slot the walk goes on at.

    In a subprogram (Linux 6.18, the fix of "bpf_gen_ld_abs() emits a hidden exit"), a load that
    fails leaves the subprogram with r0 = 0: the walk pushes the path that goes on after the load (r0
    unknown) and returns to the caller with r0 known zero, as a tail call in a subprogram does."""
    if not helpers.may_access_skb(w.env.request.prog_type.prog_type):
        w.fail(errno.EINVAL, "BPF_LD_[ABS|IND] instructions not allowed for this program type")
    if insn.dst or insn.off or insn.opcode & 0x18 == op.BPF_DW or (not indirect and insn.src):
        w.fail(errno.EINVAL, "BPF_LD_[ABS|IND] uses reserved fields")
    w.check_reg_read(6)
    references.check_resource_leak(w, True, "BPF_LD_[ABS|IND]")
    regs = w.state.cur.regs
    if regs[6].type is not RegType.PTR_TO_CTX:
        w.fail(errno.EINVAL, "at the time of BPF_LD_ABS|IND R6 != pointer to skb")
    if indirect:
        w.check_reg_read(insn.src)
    check_ptr_off_reg(w, regs[6], 6)
    for regno in range(6):
        regs[regno].mark_not_init()
        w.scratch_reg(regno)
    regs[0].mark_unknown()
    if not w.state.curframe:
        return w.insn_idx + 1
    w.scratch_reg(0)
    w.push_branch(w.insn_idx + 1)
    w.state.cur.regs[0].mark_known(0)
    return w.prepare_func_exit()
