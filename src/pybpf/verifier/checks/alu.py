"""check_alu_op(): ALU and ALU64 instructions on registers holding scalars and pointers.

Mirrors kernel/bpf/verifier.c: check_alu_op() (operand order: src then dst read, "div by zero" /
"invalid shift %d" for constants, dst written), adjust_reg_min_max_vals() (pointer ± pointer, scalar
+ pointer), scalar_byte_swap() (BPF_END: swapped tnum, truncated 16/32-bit conversions),
coerce_reg_to_size_sx() for sign-extending moves, adjust_ptr_min_max_vals() (which pointer types
allow arithmetic, fixed offsets accumulated in ``off``, variable offsets in the bounds; "R%d pointer
arithmetic on %s prohibited", "R%d subtraction from stack pointer prohibited", "R%d bitwise operator
%s on pointer prohibited", "R%d 32-bit pointer arithmetic prohibited") and, for two scalars,
``bounds.alu``. A loader with allow_ptr_leaks (CAP_PERFMON) turns partial copies of pointers and
pointer differences into unknown scalars; without it they are "R%d partial copy of pointer", "R%d
sign-extension part of pointer", "R%d pointer -= pointer prohibited", and NEG/END of a pointer is
"R%d pointer arithmetic prohibited". Register copies share an id (assign_scalar_id_before_mov) and
``rX += const`` keeps a link (BPF_ADD_CONST), as the log prints them.  For a loader without the
Spectre v1 bypass, ``+=``/``-=`` of a register are sanitized (``pybpf.verifier.sanitize``).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Final

from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import BPF_ALU, BPF_REG_FP, BPF_X, MAX_BPF_REG, Kind, OpSpec
from pybpf.uapi import BPF_MAX_VAR_OFF, BPF_TO_BE
from pybpf.verifier import bounds, sanitize, tnum
from pybpf.verifier.bounds import S32_MAX, S32_MIN
from pybpf.verifier.regstate import ADD_CONST, ADD_CONST32, ADD_CONST64, RegState
from pybpf.verifier.regtypes import RegType, TypeFlag
from pybpf.verifier.tnum import U32, U64

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

ALU_STRINGS: Final = {
    bounds.ADD: "+=", bounds.SUB: "-=", bounds.MUL: "*=", bounds.DIV: "/=", bounds.OR: "|=",
    bounds.AND: "&=", bounds.LSH: "<<=", bounds.RSH: ">>=", bounds.NEG: "neg", bounds.MOD: "%=",
    bounds.XOR: "^=", bounds.MOV: "=", bounds.ARSH: "s>>=", bounds.END: "endian",
}  # fmt: skip
_ARITH_POINTERS: Final = frozenset(
    {
        RegType.PTR_TO_CTX, RegType.PTR_TO_MAP_VALUE, RegType.PTR_TO_MAP_KEY, RegType.PTR_TO_STACK,
        RegType.PTR_TO_PACKET_META, RegType.PTR_TO_PACKET, RegType.PTR_TO_TP_BUFFER,
        RegType.PTR_TO_BTF_ID, RegType.PTR_TO_MEM, RegType.PTR_TO_BUF, RegType.PTR_TO_FUNC,
        RegType.CONST_PTR_TO_DYNPTR,
    }
)  # fmt: skip
"""The pointer types adjust_ptr_min_max_vals() lets a program move."""
_MAX_BPF_REG: Final = MAX_BPF_REG
_NOT_INIT: Final = RegType.NOT_INIT
_SCALAR: Final = RegType.SCALAR_VALUE
_SHIFTS: Final = (bounds.LSH, bounds.RSH, bounds.ARSH)
_FOLD_FAST: Final = frozenset({bounds.ADD, bounds.SUB, bounds.MUL, bounds.XOR})
"""The operations check_alu() folds directly on two constants: those adjust_scalar_min_max_vals()
always tracks and maybe_fork_scalars() never looks at (and/or may fork, shifts depend on the amount)."""


def check_alu(w: Walker, insn: Instruction, spec: OpSpec) -> None:
    op = insn.opcode & 0xF0
    alu32 = not spec.alu64
    regs = w.state.cur.regs
    if op in (bounds.NEG, bounds.END):
        w.check_reg_read(insn.dst)
        dst = regs[insn.dst]
        pointer = not dst.is_scalar
        if pointer and not w.env.allow_ptr_leaks:
            w.fail(errno.EACCES, f"R{insn.dst} pointer arithmetic prohibited")
        w.check_reg_write(insn.dst, mark=pointer)  # a pointer becomes an unknown scalar, nothing more
        if pointer:
            return
        if op == bounds.NEG:
            bounds.alu(dst, dst, bounds.NEG, alu32)
            dst.id = 0
        else:
            _byte_swap(dst, insn, alu32)
        return
    if op == bounds.MOV:  # check_reg_arg() of src (SRC_OP) and dst (DST_OP_NO_MARK), the common case inline
        if spec.use_src_reg:
            srcno = insn.src
            if 0 <= srcno < _MAX_BPF_REG and regs[srcno].type is not _NOT_INIT:
                w.scratched.add(srcno)
            else:
                w.check_reg_read(srcno)
        if 0 <= insn.dst < BPF_REG_FP:
            w.scratched.add(insn.dst)
        else:  # refused: R%d is invalid, or the frame pointer's write
            w.check_reg_write(insn.dst, mark=False)
        _mov(w, insn, spec, alu32)
        return
    # check_reg_arg(SRC_OP) of src, then of dst, written out for the common case (a valid register
    # holding a value: it is scratched); anything else goes to the walker's check, which refuses it
    dstno, scratched = insn.dst, w.scratched
    dst_read_ok = 0 <= dstno < _MAX_BPF_REG and regs[dstno].type is not _NOT_INIT
    if spec.use_src_reg:
        srcno = insn.src
        if 0 <= srcno < _MAX_BPF_REG and regs[srcno].type is not _NOT_INIT:
            scratched.add(srcno)
        else:
            w.check_reg_read(srcno)
        src = regs[srcno]
    else:  # (the immediate's checks come after dst's read)
        if dst_read_ok and op in (bounds.DIV, bounds.MOD) and insn.imm == 0:
            w.fail(errno.EINVAL, "div by zero")
        if dst_read_ok and op in _SHIFTS and not 0 <= insn.imm < (32 if alu32 else 64):
            w.fail(errno.EINVAL, f"invalid shift {insn.imm}")
        src = w.const_reg(insn.imm)
    if dst_read_ok and dstno != BPF_REG_FP:
        scratched.add(dstno)  # (read, then written: check_reg_arg(DST_OP_NO_MARK) needs no more)
    else:  # refused: R%d is invalid, R%d !read_ok, or the frame pointer's write
        w.check_reg_read(dstno)
        w.check_reg_write(dstno, mark=False)
    dst = regs[dstno]
    if (
        op in _FOLD_FAST
        and not dst.var_off.mask
        and not src.var_off.mask
        and dst.type is _SCALAR
        and src.type is _SCALAR
    ):
        # two constants: what _adjust_reg_min_max_vals() ends with on them (bounds.alu()'s folding;
        # a constant destination is linked to nothing, so its id and offset are cleared)
        if not w.bypass_spec_v1 and op in (bounds.ADD, bounds.SUB):
            sanitize.sanitize_val_alu(w, insn)
        bounds.mark_known(dst, bounds.fold(op, dst.var_off.value, src.var_off.value, 32 if alu32 else 64))
        dst.id = dst.off = 0
        return
    _adjust_reg_min_max_vals(w, insn, dst, src)


def _mov(w: Walker, insn: Instruction, spec: OpSpec, alu32: bool) -> None:
    regs = w.state.cur.regs
    dst = regs[insn.dst]
    if not spec.use_src_reg:
        dst.mark_known(insn.imm & 0xFFFFFFFF if alu32 else insn.imm)
        return
    src = regs[insn.src]
    width = spec.width if spec.kind is Kind.MOVSX else 0
    if not alu32 and not width:
        if src.type is _SCALAR:
            assign_scalar_id_before_mov(w, src)
        dst.copy_from(src)
        return
    if not src.is_scalar:  # a partial copy of a pointer (allowed to a privileged loader)
        if not w.env.allow_ptr_leaks:
            what = "sign-extension part" if width and not alu32 else "partial copy"
            w.fail(errno.EACCES, f"R{insn.src} {what} of pointer")
        dst.mark_unknown()
        if alu32:
            bounds.zext_32_to_64(dst)
            bounds.sync(dst)
        return
    if width:  # movsx: the low ``width`` bits sign-extended (to 32 bits for ALU32)
        no_sext = src.umax < 1 << (width - 1)
        if no_sext:
            assign_scalar_id_before_mov(w, src)
        dst.copy_from(src)
        if not no_sext:
            dst.id = 0
        if alu32:
            bounds.coerce_subreg_to_size_sx(dst, width // 8)
            bounds.zext_32_to_64(dst)
        else:
            bounds.coerce_to_size_sx(dst, width // 8)
        bounds.sync(dst)
        return
    no_sext = src.umax < 1 << 32
    if no_sext:
        assign_scalar_id_before_mov(w, src)
    dst.copy_from(src)
    if not no_sext:
        dst.id = 0
    bounds.zext_32_to_64(dst)
    bounds.sync(dst)


def _byte_swap(dst: RegState, insn: Instruction, alu32: bool) -> None:
    """scalar_byte_swap(): bswap (ALU64) always swaps; le/be (ALU) swap when converting to the
    other byte order than the machine's (pybpf runs programs little-endian), else truncate."""
    swap = not alu32 or bool(insn.opcode & BPF_TO_BE)
    if swap or insn.imm in (16, 32):
        dst.id = 0
    bounds.byte_swap(dst, insn.imm, swap)


def assign_scalar_id_before_mov(w: Walker, src: RegState) -> None:
    """assign_scalar_id_before_mov(): a copy shares the source's id (a fresh one, when the source
    has none or is a ``+const`` link)."""
    if src.id & ADD_CONST:
        src.id = src.off = 0
    if not src.id and not tnum.is_const(src.var_off):
        src.id = w.new_id()


def _adjust_reg_min_max_vals(w: Walker, insn: Instruction, dst: RegState, src: RegState) -> None:
    op, alu32 = insn.opcode & 0xF0, insn.opcode & 0x07 == BPF_ALU
    if dst.type is RegType.PTR_TO_ARENA:  # any arithmetic on an arena pointer, kept 32-bit
        if not alu32:
            w.facts().needs_zext = True
        return
    # (both operands were read: not NOT_INIT, so anything but a scalar is a pointer)
    if src.type is not _SCALAR:
        if dst.type is not _SCALAR:
            if op == bounds.SUB and w.env.allow_ptr_leaks:
                dst.mark_unknown()
                return
            w.fail(errno.EACCES, f"R{insn.dst} pointer {ALU_STRINGS[op]} pointer prohibited")
        w.mark_chain_precision(insn.dst)  # scalar += pointer: the offset's value is relied on
        _adjust_ptr(w, insn, src, dst, dst_is_offset=True)
        return
    if dst.type is not _SCALAR:
        if insn.opcode & BPF_X:  # pointer += scalar register (not an immediate)
            w.mark_chain_precision(insn.src)
        _adjust_ptr(w, insn, dst, src, dst_is_offset=False)
        return
    if not w.bypass_spec_v1 and op in (bounds.ADD, bounds.SUB):
        sanitize.sanitize_val_alu(w, insn)
    if op in (bounds.AND, bounds.OR) and tnum.is_const(src.var_off):
        _maybe_fork_scalars(w, insn.dst, dst)
    value = bounds.const_value(src, alu32)
    # a copy moved by a constant stays linked (BPF_ADD_CONST); a 32-bit one only when the upper
    # half is zero (observed on Linux 6.18)
    linked = (  # (a loader without CAP_BPF links nothing)
        op in (bounds.ADD, bounds.SUB)
        and w.env.bpf_capable
        and dst.id
        and value is not None
        and not tnum.is_const(dst.var_off)
        and (not alu32 or dst.umax <= U32)
    )
    bounds.alu(dst, src, op, alu32)
    if linked and value is not None:  # the BPF_ADD_CONST link of a register copy moved by a constant
        off = bounds.s32(value)
        in_range = alu32 or S32_MIN <= bounds.s64(value) <= S32_MAX
        if op == bounds.SUB:
            in_range = in_range and off != S32_MIN
            off = -off
        if in_range and not dst.id & ADD_CONST:
            dst.id |= ADD_CONST32 if alu32 else ADD_CONST64
            dst.off = off
            return
    dst.id = 0
    dst.off = 0


def _maybe_fork_scalars(w: Walker, regno: int, dst: RegState) -> None:
    """maybe_fork_scalars(): a scalar that is -1 or 0 (``x s>>= 63``, ``w s>>= 31``) ANDed or ORed
    with a constant is followed as two paths: this one with -1, and one pushed to redo the
    instruction with 0 (a Linux 6.18 stable update; the 32-bit form when only the low half is
    -1..0)."""
    if dst.smin == -1 and dst.smax == 0:
        low_half = False
    elif dst.smin32 == -1 and dst.smax32 == 0:
        low_half = True
    else:
        return
    other = w.push_branch(w.insn_idx).cur.regs[regno]
    if low_half:
        bounds.mark_known32(other, 0)
        bounds.mark_known32(dst, U32)
    else:
        other.mark_known(0)
        dst.mark_known(U64)


def _adjust_ptr(
    w: Walker, insn: Instruction, ptr: RegState, off_reg: RegState, *, dst_is_offset: bool
) -> None:
    """adjust_ptr_min_max_vals(): the pointer ``ptr`` moved by the scalar ``off_reg`` into dst."""
    op, alu32 = insn.opcode & 0xF0, insn.opcode & 0x07 == BPF_ALU
    regno = insn.dst
    dst = w.state.cur.regs[regno]
    if alu32:
        if op == bounds.SUB and w.env.allow_ptr_leaks:
            dst.mark_unknown()
            return
        w.fail(errno.EACCES, f"R{regno} 32-bit pointer arithmetic prohibited")
    if ptr.maybe_null:
        w.fail(
            errno.EACCES, f"R{regno} pointer arithmetic on {ptr.type_name()} prohibited, null-check it first"
        )
    if ptr.type is RegType.PTR_TO_MEM and ptr.flags & TypeFlag.PTR_UNTRUSTED:
        dst.copy_from(ptr)  # read by probe loads: the pointer, no offset tracked (Linux 6.17+)
        return
    known = tnum.is_const(off_reg.var_off)
    if ptr.type not in _ARITH_POINTERS:
        allowed = (ptr.type is RegType.PTR_TO_FLOW_KEYS and known) or (
            ptr.type is RegType.CONST_PTR_TO_MAP and known and off_reg.smin == 0 and op == bounds.ADD
        )
        if not allowed:
            w.fail(errno.EACCES, f"R{regno} pointer arithmetic on {ptr.type_name()} prohibited")
    _check_sane_offset(w, off_reg, ptr)
    _check_sane_offset(w, ptr, ptr)
    info: sanitize.SanitizeInfo | None = None
    if not w.bypass_spec_v1 and op in (bounds.ADD, bounds.SUB):
        info = sanitize.SanitizeInfo()
        sanitize.sanitize_ptr_alu(w, insn, ptr, off_reg, info, ptr_is_dst=not dst_is_offset, commit=False)
    if op == bounds.SUB:
        if dst_is_offset:
            w.fail(errno.EACCES, f"R{regno} tried to subtract pointer from scalar")
        if ptr.type is RegType.PTR_TO_STACK:
            w.fail(errno.EACCES, f"R{regno} subtraction from stack pointer prohibited")
    elif op in (bounds.AND, bounds.OR, bounds.XOR):
        w.fail(errno.EACCES, f"R{regno} bitwise operator {ALU_STRINGS[op]} on pointer prohibited")
    elif op != bounds.ADD:
        w.fail(errno.EACCES, f"R{regno} pointer arithmetic with {ALU_STRINGS[op]} operator prohibited")
    result = ptr.copy()
    if known:
        moved = ptr.off + off_reg.smin if op == bounds.ADD else ptr.off - off_reg.smin
        if S32_MIN <= moved <= S32_MAX:
            result.off = moved
            if result.range < 0 and ptr.type in (RegType.PTR_TO_PACKET, RegType.PTR_TO_PACKET_META):
                result.range = 0  # AT_PKT_END / BEYOND_PKT_END do not survive arithmetic (6.18 stable)
            _check_sane_offset(w, result, ptr)
            dst.copy_from(result)
            if info is not None:
                _sanitize_result(w, insn, dst, off_reg, info)
            return
    bounds.pointer_offset(result, off_reg, op)  # a variable offset: the pointer's variable part moves
    if ptr.type in (RegType.PTR_TO_PACKET, RegType.PTR_TO_PACKET_META):
        result.id = w.new_id()
        if op == bounds.ADD or off_reg.smin < 0 or result.range < 0:
            result.range = 0  # a non-negative subtrahend moves it back: the proven bytes stay proven
    _check_sane_offset(w, result, ptr)
    bounds.sync(result)
    dst.copy_from(result)
    if info is not None:
        _sanitize_result(w, insn, dst, off_reg, info)


def _sanitize_result(
    w: Walker, insn: Instruction, dst: RegState, off_reg: RegState, info: sanitize.SanitizeInfo
) -> None:
    """adjust_ptr_min_max_vals()'s end for a loader without the Spectre v1 bypass: the moved pointer
    stays in its memory (sanitize_check_bounds()), then sanitize_ptr_alu()'s commit window."""
    sanitize.sanitize_check_bounds(w, insn.dst, dst)
    sanitize.sanitize_ptr_alu(w, insn, dst, off_reg, info, ptr_is_dst=True, commit=True)


def _check_sane_offset(w: Walker, reg: RegState, ptr: RegState) -> None:
    """check_reg_sane_offset_scalar() / _ptr(): offsets beyond +-2^29 are refused (EINVAL).  ``reg``
    is the offset (a scalar: its ``off`` is a linked copy's delta, not looked at) or a pointer, whose
    value, fixed offset or minimum out of range -- an unbounded minimum too -- is named as its offset
    (Linux 6.18's messages, measured by scripts/fuzz_verifier.py)."""
    value = bounds.s64(reg.var_off.value)
    if reg.is_pointer:  # (check_reg_sane_offset_ptr(): no "unbounded min value" of its own)
        if tnum.is_const(reg.var_off) and not -BPF_MAX_VAR_OFF < value < BPF_MAX_VAR_OFF:
            w.fail(errno.EINVAL, f"{ptr.type_name()} pointer offset {value} is not allowed")
        if not -BPF_MAX_VAR_OFF < reg.off < BPF_MAX_VAR_OFF:
            w.fail(errno.EINVAL, f"{ptr.type_name()} pointer offset {reg.off} is not allowed")
        if not -BPF_MAX_VAR_OFF < reg.smin < BPF_MAX_VAR_OFF:
            w.fail(errno.EINVAL, f"{ptr.type_name()} pointer offset {reg.smin} is not allowed")
        return
    if tnum.is_const(reg.var_off) and not -BPF_MAX_VAR_OFF < value < BPF_MAX_VAR_OFF:
        w.fail(errno.EINVAL, f"math between {ptr.type_name()} pointer and {value} is not allowed")
    if reg.smin == bounds.S64_MIN:
        w.fail(
            errno.EINVAL,
            f"math between {ptr.type_name()} pointer and register with unbounded min value is not allowed",
        )
    if not -BPF_MAX_VAR_OFF < reg.smin < BPF_MAX_VAR_OFF:
        w.fail(errno.EINVAL, f"value {reg.smin} makes {ptr.type_name()} pointer be out of bounds")
