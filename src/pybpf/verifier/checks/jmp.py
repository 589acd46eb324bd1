"""check_cond_jmp_op(): conditional jumps, with dead-branch pruning and both-branch refinement.

Mirrors kernel/bpf/verifier.c: the operand checks (dst read, reserved fields, src read),
is_branch_taken() (two scalars: ``bounds.branch_taken``; a pointer that cannot be NULL against 0),
push_stack() of the jump target with reg_set_min_max() refining both copies (``bounds.refine``),
sanitize_speculative_path() of the way a known outcome does not take (a loader without the Spectre
v1 bypass: ``sanitize``), sync_linked_regs() (registers sharing an id — copies, and ``+const``
links — learn the same),
mark_ptr_or_null_regs() (``if rX == 0`` on a ``*_or_null`` pointer resolves every register and
spill with its id: NULL on one branch, the pointer on the other) and try_match_pkt_pointers() /
find_good_pkt_pointers() (comparing a packet pointer with data_end proves a range).

``may_goto`` (BPF_JCOND): the walk goes on at the jump target (the counter ran out) and pushes the
fall-through (one more iteration) with the path's ``may_goto_depth`` one higher and, against the
path's previous state at the same instruction (find_prev_entry()), its differing imprecise scalars
widened: is_state_visited() ends the loop where a state at the may_goto, at another depth, lies
within an ancestor's ranges.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Final

from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import OpSpec
from pybpf.verifier import bounds, kfunc_objects, precision, prune, references, sanitize, tnum
from pybpf.verifier.regstate import ADD_CONST, ADD_CONST32, RegState
from pybpf.verifier.regtypes import PACKET_TYPES, RegType, TypeFlag
from pybpf.verifier.state import PathState

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

_NOT_NULL: Final = frozenset(
    {
        RegType.PTR_TO_SOCKET, RegType.PTR_TO_TCP_SOCK, RegType.PTR_TO_XDP_SOCK, RegType.PTR_TO_MAP_VALUE,
        RegType.PTR_TO_MAP_KEY, RegType.PTR_TO_SOCK_COMMON, RegType.PTR_TO_MEM, RegType.CONST_PTR_TO_MAP,
    }
)  # fmt: skip
"""reg_not_null(): pointer types that are never NULL (unless flagged maybe-NULL)."""
MAX_PACKET_OFF: Final = 0xFFFF
AT_PKT_END: Final = -1
"""A packet pointer's ``range`` once a comparison proved it at least at data_end (mark_pkt_end())."""
BEYOND_PKT_END: Final = -2
"""... and once one proved it past data_end."""
_PKT_ANY: Final = PACKET_TYPES | {RegType.PTR_TO_PACKET_END}
"""reg_is_pkt_pointer_any()."""
_SCALAR: Final = RegType.SCALAR_VALUE
_MAYBE_NULL: Final = TypeFlag.PTR_MAYBE_NULL
_NO_FLAGS: Final = TypeFlag.NONE


def branch_taken(a: RegState, b: RegState, op: int, is32: bool) -> int:
    """is_branch_taken() (both operands were read: each is a scalar or a pointer)."""
    if a.type is _SCALAR and b.type is _SCALAR:  # the common case first
        return bounds.branch_taken(a, b, op, is32)
    if not is32 and a.type in _PKT_ANY and b.type in _PKT_ANY:
        return _pkt_ptr_branch_taken(a, b, op)
    if (a.type in _PKT_ANY and b.is_pointer) or is32:
        return -1  # Linux 6.18 decides no JMP32 comparison of a pointer, not even with 0
    if not b.is_scalar or bounds.const_value(b, is32) is None:  # is_reg_const(): a scalar's only
        a, b = b, a
        op = bounds.FLIP.get(op, op)
    if bounds.const_value(b, is32) is not None and b.is_scalar:
        if a.maybe_null or not _reg_not_null(a) or bounds.const_value(b, is32) != 0:
            return -1
        return {bounds.JEQ: 0, bounds.JNE: 1}.get(op, -1)
    return -1


def _reg_not_null(reg: RegState) -> bool:
    """reg_not_null() of a pointer not flagged maybe-NULL: one of ``_NOT_NULL`` or a trusted
    PTR_TO_BTF_ID (a referenced object, an allocated one, ...: is_trusted_reg()); untrusted memory
    (rdonly_untrusted_mem: bpf_rdonly_cast to void, may be anything, NULL too) is not."""
    if reg.type is RegType.PTR_TO_MEM and reg.flags & TypeFlag.PTR_UNTRUSTED:
        return False
    return reg.type in _NOT_NULL or (reg.type is RegType.PTR_TO_BTF_ID and kfunc_objects.is_trusted(reg))


def _pkt_ptr_branch_taken(a: RegState, b: RegState, op: int) -> int:
    """is_pkt_ptr_branch_taken(): a packet pointer a comparison marked as at or beyond data_end
    (AT_PKT_END / BEYOND_PKT_END, mark_pkt_end()) decides a later comparison with data_end."""
    if b.type is RegType.PTR_TO_PACKET_END:
        pkt = a
    elif a.type is RegType.PTR_TO_PACKET_END:
        pkt, op = b, bounds.FLIP.get(op, op)
    else:
        return -1
    if pkt.range >= 0:
        return -1
    if op in (bounds.JLE, bounds.JGT) and pkt.range == BEYOND_PKT_END:
        return int(op == bounds.JGT)
    if op in (bounds.JLT, bounds.JGE):
        return int(op == bounds.JGE)
    return -1


def check_cond_jmp(w: Walker, insn: Instruction, spec: OpSpec) -> int:
    """Check the jump and return the next instruction index of the current path (the other one,
    when both are possible, is pushed)."""
    cur = w.state
    regs = cur.frames[-1].regs
    use_src = spec.use_src_reg
    w.check_reg_read(insn.dst)
    if (use_src and insn.imm) or (not use_src and insn.src):
        w.fail(errno.EINVAL, "BPF_JMP/JMP32 uses reserved fields")
    if use_src:
        w.check_reg_read(insn.src)
        src = regs[insn.src]
        if not (
            w.env.allow_ptr_leaks
            or src.is_scalar
            or (regs[insn.dst].type in _PKT_ANY and src.type in _PKT_ANY)
        ):
            w.fail(errno.EACCES, f"R{insn.src} pointer comparison prohibited")
    else:
        src = w.const_reg(insn.imm)
    dst = regs[insn.dst]
    stack_ptrs = (precision.SRC_STACK if use_src and src.type is RegType.PTR_TO_STACK else 0) | (
        precision.DST_STACK if dst.type is RegType.PTR_TO_STACK else 0
    )
    if stack_ptrs:  # check_cond_jmp_op(): recorded for the backwards walk, whatever the outcome
        w.push_history(stack_ptrs=stack_ptrs)
    op = insn.opcode & 0xF0
    is32 = not spec.alu64
    target = w.jump_target(insn)
    fall = w.insn_idx + 1
    pred = branch_taken(dst, src, op, is32)
    if pred >= 0:  # the outcome relied on the operands' values: they must stay precise
        if dst.type is _SCALAR:
            w.mark_chain_precision(insn.dst)
        if use_src and src.type is _SCALAR:
            w.mark_chain_precision(insn.src)
        if not w.bypass_spec_v1:  # the way not taken, verified as a mispredicted branch runs it
            sanitize.speculative_jump(w, insn, fall if pred == 1 else target)
        if w.trace:
            w.print_insn_state()
        return target if pred == 1 else fall
    other = w.push_branch(target)
    oregs = other.frames[-1].regs
    if dst.type is _SCALAR and src.type is _SCALAR:
        true_b: bounds.Bounds
        false_b: bounds.Bounds
        if use_src:
            true_a, true_b, false_a, false_b = oregs[insn.dst], oregs[insn.src], dst, src
        else:
            # (the immediate's two refined copies are thrown away: their numbers are all refine() needs)
            true_a, true_b, false_a, false_b = oregs[insn.dst], _numbers(src), dst, _numbers(src)
        bounds.refine(false_a, false_b, bounds.REVERSE[op], is32)
        bounds.refine(true_a, true_b, op, is32)
        w.check_reg_invariants(true_a, "true_reg1")  # reg_set_min_max()'s sanity checks, in its order
        w.check_reg_invariants(true_b, "true_reg2")
        w.check_reg_invariants(false_a, "false_reg1")
        w.check_reg_invariants(false_b, "false_reg2")
        if use_src and src.id:
            _sync_linked(w.link_candidates(cur), src)
            _sync_linked(w.link_candidates(other), oregs[insn.src])
        if dst.id:
            _sync_linked(w.link_candidates(cur), dst)
            _sync_linked(w.link_candidates(other), oregs[insn.dst])
    if not is32 and use_src and op in (bounds.JEQ, bounds.JNE):
        _infer_not_null(dst, src, insn, (other if op == bounds.JEQ else cur).cur.regs)
    if not is32 and not use_src and insn.imm == 0 and op in (bounds.JEQ, bounds.JNE) and dst.maybe_null:
        ident = dst.id
        _mark_ptr_or_null(cur, ident, op == bounds.JNE)
        _mark_ptr_or_null(other, ident, op == bounds.JEQ)
    elif not (not is32 and use_src and _match_packet_pointers(op, insn, cur, other)) and not (
        w.env.allow_ptr_leaks or dst.is_scalar
    ):  # (the packet pointers are matched first: their marks are the kernel's, the error comes after)
        w.fail(errno.EACCES, f"R{insn.dst} pointer comparison prohibited")
    if w.trace:
        w.print_insn_state()
    return fall


def _numbers(reg: RegState) -> bounds.Bounds:
    """A copy of the numeric half of ``reg`` (var_off and the bounds)."""
    copy = bounds.Bounds()
    copy.copy_bounds_from(reg)
    return copy


def check_may_goto(w: Walker, insn: Instruction) -> int:
    """check_cond_jmp_op() of may_goto: push the fall-through one level deeper; the jump target."""
    slot = w.insn_idx
    prev = prune.find_prev_entry(w, slot, skip=w.parent)
    queued = w.push_branch(slot + 1)
    queued.may_goto_depth += 1
    if prev is not None:
        prune.widen_imprecise_scalars(prev.state, queued)
    return w.jump_target(insn)


def _sync_linked(candidates: list[RegState], known: RegState) -> None:
    """sync_linked_regs(): every scalar sharing ``known``'s id gets its refined range (shifted by
    the difference of their ``+const`` offsets); the candidates are the live registers and the
    spills (collect_linked_regs() of Linux 6.18 skips dead registers)."""
    base = known.id & ~ADD_CONST
    for reg in candidates:
        if reg is known or not reg.is_scalar or (reg.id & ~ADD_CONST) != base or not reg.id:
            continue
        if (reg.id ^ known.id) & ADD_CONST == ADD_CONST:
            continue  # one moved by alu32, the other by alu64: their difference is not a constant
        if not (reg.id | known.id) & ADD_CONST or reg.off == known.off:
            reg.copy_from(known)
            continue
        saved_id, saved_off = reg.id, reg.off
        delta = RegState()
        delta.mark_known(reg.off - known.off)
        reg.copy_from(known)
        reg.id, reg.off = saved_id, saved_off
        bounds.add_const(reg, delta, zext=bool((reg.id | known.id) & ADD_CONST32))


def _infer_not_null(dst: RegState, src: RegState, insn: Instruction, eq_regs: list[RegState]) -> None:
    """check_cond_jmp_op()'s pointer-to-pointer case: where a maybe-NULL pointer equals one that
    is not NULL (reg_not_null(): a stack or ctx pointer does not count), the first is not NULL
    either -- only that register, its id kept (mark_ptr_not_null_reg())."""
    if not (dst.is_pointer and src.is_pointer) or dst.maybe_null == src.maybe_null:
        return
    if RegType.PTR_TO_BTF_ID in (dst.type, src.type):
        return
    other, regno = (dst, insn.src) if src.maybe_null else (src, insn.dst)
    if other.type in _NOT_NULL:
        eq_regs[regno].flags &= ~TypeFlag.PTR_MAYBE_NULL


def _mark_ptr_or_null(state: PathState, ident: int, is_null: bool) -> None:
    """mark_ptr_or_null_regs(): in the NULL branch the reference the pointer held is dropped."""
    if not ident:
        return
    if is_null:
        references.release_reference_nomark(state, ident)
    for reg in state.all_regs():
        if not reg.maybe_null or reg.id != ident:
            continue
        if is_null:
            reg.mark_known(0)
        else:
            # (the common case without an enum Flag operation, a Python call from compiled code)
            reg.flags = _NO_FLAGS if reg.flags == _MAYBE_NULL else reg.flags & ~TypeFlag.PTR_MAYBE_NULL
            if not references.may_point_to_spin_lock(reg):
                reg.id = 0


def _match_packet_pointers(op: int, insn: Instruction, this: PathState, other: PathState) -> bool:
    """try_match_pkt_pointers(): which branch proves ``pkt + off <= data_end``; False when the
    comparison is none of those."""
    dst, src = this.cur.regs[insn.dst], this.cur.regs[insn.src]
    pkt_vs_end = (dst.type is RegType.PTR_TO_PACKET and src.type is RegType.PTR_TO_PACKET_END) or (
        dst.type is RegType.PTR_TO_PACKET_META and _is_init_pkt_pointer(src, RegType.PTR_TO_PACKET)
    )
    end_vs_pkt = (dst.type is RegType.PTR_TO_PACKET_END and src.type is RegType.PTR_TO_PACKET) or (
        _is_init_pkt_pointer(dst, RegType.PTR_TO_PACKET) and src.type is RegType.PTR_TO_PACKET_META
    )
    if not (pkt_vs_end or end_vs_pkt):
        return False
    ptr, regno = (dst, insn.dst) if pkt_vs_end else (src, insn.src)
    if not pkt_vs_end:  # end > pkt is pkt < end
        op = bounds.FLIP.get(op, op)
    if op == bounds.JGT:  # pkt > end: the fall-through proves the range, the jump is past the end
        good, open_, past, at_end = this, False, other, BEYOND_PKT_END
    elif op == bounds.JLT:
        good, open_, past, at_end = other, True, this, AT_PKT_END
    elif op == bounds.JGE:
        good, open_, past, at_end = this, True, other, AT_PKT_END
    elif op == bounds.JLE:
        good, open_, past, at_end = other, False, this, BEYOND_PKT_END
    else:
        return False
    _find_good_pkt_pointers(good, ptr, open_)
    marked = past.cur.regs[regno]  # mark_pkt_end(): only this register, only a data pointer
    if marked.type is RegType.PTR_TO_PACKET:
        marked.range = at_end
    return True


def _is_init_pkt_pointer(reg: RegState, reg_type: RegType) -> bool:
    """reg_is_init_pkt_pointer(): the packet pointer as loaded from the context."""
    return reg.type is reg_type and not reg.id and not reg.off and tnum.equals_const(reg.var_off, 0)


def _find_good_pkt_pointers(state: PathState, ptr: RegState, range_right_open: bool) -> None:
    if ptr.off < 0 or (ptr.off == 0 and range_right_open):
        return
    if ptr.umax > MAX_PACKET_OFF or ptr.umax + ptr.off > MAX_PACKET_OFF:
        return
    new_range = ptr.off + (1 if range_right_open else 0)
    for reg in state.all_regs():
        if reg.type is ptr.type and reg.id == ptr.id:
            reg.range = max(reg.range, new_range)
