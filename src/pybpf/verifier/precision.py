"""Precision marks: which scalars' exact values a verified path relied on.

Mirrors mark_chain_precision() / __mark_chain_precision(), backtrack_insn(), get_prev_insn_idx(),
mark_all_scalars_precise() and propagate_precision() of kernel/bpf/verifier.c (Linux 6.18).

A scalar is imprecise until something needs its value: a pointer offset (``ptr += scalar``), a
helper's memory size or constant argument, a conditional jump the verifier decided from it.  Then
the instructions of the path are walked backwards from there (``backtrack_insn``) through the
segments between checkpoints (the current path's own segment first, then each checkpoint's: its
first and last instruction and its ``History`` of non-linear steps), following the registers and
stack slots the value was computed from (``Backtrack``: a register mask and a slot mask per call
frame), and every checkpoint on the way gets those registers / spilled slots marked ``precise``.
``prune.regsafe()`` lets an imprecise scalar of a finished checkpoint match any scalar, so paths
that differ only in values nothing depended on are pruned, as in the kernel.

The history of a segment records what the backwards walk cannot see in the instruction stream:
jumps into a jump target (``idx`` reached from ``prev_idx``), spills and fills through the stack
(the frame and slot), and the registers linked by a shared id at a conditional jump (a jump that
refines one refines all).  Anything the walk cannot follow falls back to marking every scalar of
every checkpoint on the path precise (``mark_all_precise``).  A subprogram's tail call that
returned to its caller is walked back into, as an exit is; a global function's call sets r0.  At
log level 2 the walk is written as the kernel writes it
(``mark_precise: frame0: regs=r2 stack= before 9: (57) r2 &= 7``).

Below level 2 the walk takes shortcuts that change no mark: it passes over the instructions that
cannot change what it asks for in one tight loop (``_needs``), a run of instructions that never
matter in one step (``Needs.floors``), and a history entry that records neither a slot nor linked
registers for an instruction that does not matter; and it remembers its last walk through the
current path's segment (``SegmentWalk``), so that a later walk of the same segment that reaches
that walk's start asking the same goes on from where that one left the segment.
"""

from __future__ import annotations

import errno
import functools
from typing import TYPE_CHECKING, Final, NamedTuple, final

from pybpf.isa import opcodes as op
from pybpf.uapi import BPF_FUNC_tail_call
from pybpf.verifier.regtypes import RegType
from pybpf.verifier.stack import STACK_SPILL

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker
    from pybpf.verifier.prune import Checkpoint
    from pybpf.verifier.regstate import RegState
    from pybpf.verifier.stack import StackSlot
    from pybpf.verifier.state import PathState

ARG_REGS: Final = 0b111110  # r1-r5
_REG_BITS: Final = tuple(1 << regno for regno in range(op.BPF_REG_FP))
"""The mask bit of each of r0-r9 (the registers a precision mark may be on)."""
_SCALAR: Final = RegType.SCALAR_VALUE
HISTORY_LIMIT: Final = 40
"""A path segment with more history entries than this is checkpointed (is_state_visited())."""


class Linked(NamedTuple):
    """One register or stack slot of a linked set: ``number`` is a register, or a slot when ``stack``."""

    frame: int
    number: int
    stack: bool


@final
class History:
    """struct bpf_jmp_history_entry: instruction ``idx`` came from ``prev_idx``; ``slot`` is the
    (frame, spi) a spill or fill there went through; ``linked`` the registers a jump there linked;
    ``stack_ptrs`` (INSN_F_SRC_REG_STACK / INSN_F_DST_REG_STACK) a conditional jump's operand that
    was a stack pointer there (``SRC_STACK``, ``DST_STACK``): the backwards walk leaves it unmarked.

    Immutable once made (pushed branches share entries with the path they leave: one is replaced,
    never changed); a plain class rather than a NamedTuple, as ``tnum.Tnum``: the walk makes one per
    jump, spill and fill."""

    __slots__ = ("idx", "linked", "prev_idx", "slot", "stack_ptrs")

    def __init__(
        self,
        idx: int,
        prev_idx: int,
        slot: tuple[int, int] | None = None,
        linked: tuple[Linked, ...] = (),
        stack_ptrs: int = 0,
    ) -> None:
        self.idx = idx
        self.prev_idx = prev_idx
        self.slot = slot
        self.linked = linked
        self.stack_ptrs = stack_ptrs

    def __repr__(self) -> str:
        return (
            f"History(idx={self.idx}, prev_idx={self.prev_idx}, slot={self.slot}, "
            f"linked={self.linked}, stack_ptrs={self.stack_ptrs})"
        )


SRC_STACK = 1
DST_STACK = 2


class Backtrack:
    """struct backtrack_state: the registers and stack slots still to be made precise, per frame."""

    __slots__ = ("frame", "regs", "stack")

    def __init__(self, frame: int) -> None:
        self.frame = frame
        self.regs = [0] * op.MAX_CALL_FRAMES
        self.stack = [0] * op.MAX_CALL_FRAMES

    def empty(self) -> bool:
        if self.frame == 0:
            return not self.regs[0] and not self.stack[0]
        return not any(self.regs[: self.frame + 1]) and not any(self.stack[: self.frame + 1])

    def has_reg(self, regno: int) -> bool:
        return bool(self.regs[self.frame] >> regno & 1)

    def set_reg(self, regno: int, frame: int | None = None) -> None:
        self.regs[self.frame if frame is None else frame] |= 1 << regno

    def clear_reg(self, regno: int, frame: int | None = None) -> None:
        self.regs[self.frame if frame is None else frame] &= ~(1 << regno)

    def has_slot(self, frame: int, spi: int) -> bool:
        return bool(self.stack[frame] >> spi & 1)

    def set_slot(self, frame: int, spi: int) -> None:
        self.stack[frame] |= 1 << spi

    def clear_slot(self, frame: int, spi: int) -> None:
        self.stack[frame] &= ~(1 << spi)

    def sync_linked(self, hist: History | None) -> None:
        """bt_sync_linked_regs(): one register of a linked set needs precision, so do all."""
        if hist is None or not hist.linked:
            return
        if not any(
            self.has_slot(e.frame, e.number) if e.stack else self.regs[e.frame] >> e.number & 1
            for e in hist.linked
        ):
            return
        for e in hist.linked:
            if e.stack:
                self.set_slot(e.frame, e.number)
            else:
                self.set_reg(e.number, e.frame)


@functools.lru_cache(maxsize=1024)  # (the level-2 log prints one per backtracked instruction)
def reg_list(mask: int) -> str:
    return ",".join(f"r{i}" for i in range(32) if mask >> i & 1)


@functools.lru_cache(maxsize=1024)
def slot_list(mask: int) -> str:
    return ",".join(str(-(i + 1) * 8) for i in range(64) if mask >> i & 1)


def is_spilled_scalar(slot: StackSlot) -> bool:
    """is_spilled_scalar_reg(): the slot holds a spilled scalar."""
    return slot.kinds[7] == STACK_SPILL and slot.spilled is not None and slot.spilled.is_scalar


class _NotSupported(Exception):
    """backtrack_insn()'s -ENOTSUPP (and the kernel's verifier_bug cases): fall back."""


def _backtrack_insn(w: Walker, idx: int, subseq: int, hist: History | None, bt: Backtrack) -> None:
    view = w.view
    insn = w.insn_or_none(idx)
    if insn is None:
        return  # the second half of an lddw (code 0)
    code = insn.opcode
    if code & 0x07 in (op.BPF_ALU, op.BPF_ALU64) and not bt.regs[bt.frame] >> insn.dst & 1 and hist is None:
        if w.level2:
            w.env.log.verbose(
                f"mark_precise: frame{bt.frame}: regs={reg_list(bt.regs[bt.frame])} "
                f"stack={slot_list(bt.stack[bt.frame])} before {w.insn_text(idx, insn)}\n"
            )
        return  # an ALU instruction on a register nobody asked about
    if w.level2:
        w.env.log.verbose(
            f"mark_precise: frame{bt.frame}: regs={reg_list(bt.regs[bt.frame])} "
            f"stack={slot_list(bt.stack[bt.frame])} before {w.insn_text(idx, insn)}\n"
        )
    bt.sync_linked(hist)
    cls, opc, mode = code & 0x07, code & 0xF0, code & 0xE0
    dreg, sreg = insn.dst, insn.src
    if cls in (op.BPF_ALU, op.BPF_ALU64):
        if not bt.has_reg(dreg) or opc in (0xD0, 0x80):  # END and NEG keep dst's dependency
            return
        if opc == 0xB0:  # mov
            bt.clear_reg(dreg)
            if code & op.BPF_X and sreg != op.BPF_REG_FP:
                bt.set_reg(sreg)
        elif code & op.BPF_X and sreg != op.BPF_REG_FP:
            bt.set_reg(sreg)
    elif cls == op.BPF_LDX or (cls == op.BPF_STX and mode == 0xC0 and (insn.imm & 0x01 or insn.imm == 0x100)):
        load_reg = dreg
        if cls == op.BPF_STX and insn.imm != 0x100:  # an atomic fetch loads the old value (load-acquire: dst)
            load_reg = 0 if insn.imm == 0xF1 else sreg
        if not bt.has_reg(load_reg):
            return
        bt.clear_reg(load_reg)
        if hist is not None and hist.slot is not None:  # a fill: the slot's value is the one
            bt.set_slot(*hist.slot)
    elif cls in (op.BPF_STX, op.BPF_ST):
        if bt.has_reg(dreg):
            raise _NotSupported  # a scalar used as the address: pointer subtraction upstream
        if hist is None or hist.slot is None or not bt.has_slot(*hist.slot):
            return
        bt.clear_slot(*hist.slot)
        if cls == op.BPF_STX:
            bt.set_reg(sreg)
    elif cls in (op.BPF_JMP, op.BPF_JMP32):
        if code == op.BPF_JMP | 0x80 and sreg == op.BPF_PSEUDO_CALL:
            if w.globals.is_global(view.subprog_of(idx + insn.imm + 1)):
                # a global function is not entered: it sets r0, and r1-r5 are dead after it
                if bt.regs[bt.frame] & ARG_REGS:
                    raise _NotSupported
                bt.clear_reg(0)
                return
            # the call of a subprogram: leaving it backwards, r1-r5 become the caller's
            if bt.regs[bt.frame] & ~ARG_REGS or bt.stack[bt.frame] or bt.frame == 0:
                raise _NotSupported
            for regno in range(1, 6):
                if bt.has_reg(regno):
                    bt.clear_reg(regno)
                    bt.set_reg(regno, bt.frame - 1)
            bt.frame -= 1
            return
        if opc == 0x80:
            if sreg == op.BPF_PSEUDO_KFUNC_CALL and insn.imm == 0:
                raise _NotSupported
            if sreg == 0 and insn.imm == BPF_FUNC_tail_call:
                bt.clear_reg(0)
                if bt.regs[bt.frame] & ARG_REGS:
                    raise _NotSupported
                if subseq >= 0 and subseq != view.next_slot(idx):  # a subprogram's successful tail call
                    if bt.frame + 1 >= op.MAX_CALL_FRAMES:
                        raise _NotSupported
                    bt.frame += 1  # back into the subprogram that returned through it
                return
            if subseq >= 0 and subseq != view.next_slot(idx):  # back from a callback's exit
                # Linux 6.18 calls these verifier bugs and fails the load (EFAULT): a callback's r0
                # asked for precise (its exit reached by a tail call's return), or stack slots
                regs, slots = bt.regs[bt.frame], bt.stack[bt.frame]
                if regs & ~ARG_REGS:
                    w.fail(errno.EFAULT, f"verifier bug: callback unexpected regs {regs:x}")
                if slots:
                    w.fail(errno.EFAULT, f"verifier bug: callback leftover stack slots {slots:x}")
                if bt.frame == 0:
                    raise _NotSupported
                bt.regs[bt.frame] &= ~ARG_REGS
                bt.frame -= 1
                return
            bt.clear_reg(0)
            if bt.regs[bt.frame] & ARG_REGS:
                raise _NotSupported
        elif opc == 0x90:  # exit: entering the callee backwards
            prev = subseq - 1
            after_call = prev >= 0 and view.is_insn_start(prev) and _is_pseudo_call(view.insn_at(prev))
            # a callback's exit: the caller's r1-r5 stay marked (the helper call set them up; Linux
            # 6.18 keeps them across the callback's instructions, as its log shows)
            if (after_call and bt.regs[bt.frame] & ARG_REGS) or bt.frame + 1 >= op.MAX_CALL_FRAMES:
                raise _NotSupported
            r0_precise = after_call and bt.has_reg(0)
            bt.clear_reg(0)
            bt.frame += 1
            if r0_precise:
                bt.set_reg(0)
            return
        elif code & op.BPF_X and opc not in (0x00, 0xE0):
            if not bt.has_reg(dreg) and not bt.has_reg(sreg):
                return
            stack_ptrs = hist.stack_ptrs if hist is not None else 0  # (a pointer is never precise)
            if not stack_ptrs & SRC_STACK:
                bt.set_reg(sreg)
            if not stack_ptrs & DST_STACK:
                bt.set_reg(dreg)
    elif cls == op.BPF_LD:
        if not bt.has_reg(dreg):
            if mode in (0x20, 0x40) and subseq >= 0 and subseq != view.next_slot(idx):
                # a subprogram's failed LD_ABS / LD_IND returned from it (check_ld_abs()'s hidden exit)
                if bt.frame + 1 >= op.MAX_CALL_FRAMES:
                    raise _NotSupported
                bt.frame += 1  # back into the subprogram that returned through it
            return
        bt.clear_reg(dreg)
        if mode in (0x20, 0x40):  # LD_ABS / LD_IND: not analysed
            raise _NotSupported
    bt.sync_linked(hist)


def _is_pseudo_call(insn: object) -> bool:
    return getattr(insn, "opcode", 0) == op.BPF_JMP | 0x80 and getattr(insn, "src", 0) == op.BPF_PSEUDO_CALL


def mark_chain_precision(w: Walker, regno: int) -> None:
    """mark_chain_precision(): register ``regno`` of the current frame is relied on exactly."""
    bt = Backtrack(w.state.curframe)
    bt.set_reg(regno)
    _walk(w, bt)


def mark_slot_precision(w: Walker, frameno: int, spi: int) -> None:
    """mark_chain_precision_batch() for one stack slot: the spilled scalar there is relied on."""
    bt = Backtrack(w.state.curframe)
    bt.set_slot(frameno, spi)
    _walk(w, bt)


def propagate_precision(w: Walker, old: PathState, end: PathEnd | None = None) -> bool:
    """propagate_precision(): a path was pruned at ``old`` (the current path, or the back-edge path
    that ended at ``end``); what was precise there must be precise on the way there too.  Whether a
    checkpoint got a new mark."""
    bt = Backtrack(w.state.curframe if end is None else end.curframe)
    for fr, frame in enumerate(old.frames):
        mask = 0
        for bit, reg in zip(_REG_BITS, frame.regs, strict=False):  # (r0-r9: zip() ends with the bits)
            if reg.precise and reg.type is _SCALAR:
                mask |= bit
        bt.regs[fr] = mask
        slots = frame.stack.slots
        if slots:
            for spi, slot in enumerate(slots):
                spilled = slot.spilled
                if spilled is not None and spilled.precise and is_spilled_scalar(slot):
                    bt.set_slot(fr, spi)
    if w.level2:
        for fr in range(old.curframe, -1, -1):
            names = [f"r{regno}" for regno in range(op.BPF_REG_FP) if bt.regs[fr] >> regno & 1]
            names += [f"fp{-(spi + 1) * 8}" for spi in range(64) if bt.stack[fr] >> spi & 1]
            if names:
                w.env.log.verbose(f"frame {fr}: propagating {','.join(names)}\n")
    if bt.empty():
        return False
    # (a pruned path ends here: a walk of its segment is not remembered, no later walk would use it)
    return _walk(w, bt, end, remember=False)


class Needs(NamedTuple):
    """What _needs() builds once per program: per slot, the registers that make backtrack_insn()
    matter there (``masks``), and where the run of instructions that never matter ending there
    starts (``floors``: the lowest slot of the run, the slot + 1 where it matters)."""

    masks: list[int]
    floors: list[int]


def _needs(w: Walker) -> Needs:
    """Per slot, which registers of the current frame make backtrack_insn() matter there (built once
    per program): 0 where it never changes what needs precision (an lddw's second half, an ALU
    operation other than a move whose source is an immediate or END/NEG, a jump other than
    call/exit comparing with an immediate) unless its history entry links registers; -1 where it
    always must run (calls, exits, atomics, LD_ABS / LD_IND); else a register mask: without a
    history entry and with none of these registers to make precise, the instruction passes nothing
    on."""
    needs = w.precision_needs
    if needs is None:
        table = [0] * w.view.slot_count
        for slot in range(len(table)):
            insn = w.insn_or_none(slot)
            if insn is None:
                continue
            code = insn.opcode
            cls, opc, dst = code & 0x07, code & 0xF0, 1 << insn.dst
            if cls in (op.BPF_ALU, op.BPF_ALU64):
                passes = opc != 0xB0 and (not code & op.BPF_X or opc in (0xD0, 0x80))
                table[slot] = 0 if passes else dst
            elif cls in (op.BPF_JMP, op.BPF_JMP32):
                if opc in (0x00, 0x80, 0x90, 0xE0) or opc > 0xE0:
                    table[slot] = 0 if opc in (0x00, 0xE0) and not code & op.BPF_X else -1
                else:
                    table[slot] = dst | 1 << insn.src if code & op.BPF_X else 0
            elif cls == op.BPF_STX and code & 0xE0 == 0xC0:
                table[slot] = -1
            elif cls == op.BPF_LD and code & 0xE0 in (op.BPF_ABS, op.BPF_IND):
                table[slot] = -1  # (a subprogram's may have left it: check_ld_abs()'s hidden exit)
            else:  # LDX, ST, STX, LD: the destination register
                table[slot] = dst
        floors = [0] * len(table)
        low = 0
        for slot, need in enumerate(table):
            if need:
                low = slot + 1
            floors[slot] = low
        needs = w.precision_needs = Needs(table, floors)
    return needs


class PathEnd(NamedTuple):
    """Where a precision walk starts: a path's instruction, the first instruction and history of its
    segment since its last checkpoint, and that checkpoint (the current path's, or a back-edge's)."""

    insn: int
    first_idx: int
    history: tuple[History, ...] | list[History]
    parent: Checkpoint | None
    curframe: int


def _current_end(w: Walker) -> PathEnd:
    return PathEnd(w.insn_idx, w.first_idx, w.history, w.parent, w.state.curframe)


class SegmentWalk(NamedTuple):
    """The last walk through the current path's segment, remembered: from instruction ``idx`` with
    ``left`` history entries left and ``subseq`` the instruction after it, asking for ``asked``
    (the frame, register masks and slot masks of a Backtrack), it reached the segment's first
    instruction asking for ``found``.  The segment's ``history`` list only grows until the segment
    ends (a checkpoint or another path starts a new list) and only its newest entry changes (the
    current instruction's), so a later walk that arrives at the same point asking the same would
    make the same steps: it goes on from the end (a loop's every iteration decides its jump from the
    counter, whose walk crosses the whole segment again)."""

    history: list[History]
    idx: int
    left: int
    subseq: int
    asked: tuple[int, list[int], list[int]]
    found: tuple[int, list[int], list[int]]


def _walk(w: Walker, bt: Backtrack, end: PathEnd | None = None, *, remember: bool = True) -> bool:
    """__mark_chain_precision() from the end of a path (the current instruction by default) back
    through the checkpoints; whether a checkpoint got a new mark.  ``remember``: keep the walk
    through the current path's segment for the next one (``SegmentWalk``).  Without CAP_BPF there
    is nothing to walk: every scalar is precise from the start (``RegState.mark_unknown``)."""
    if not w.env.bpf_capable:
        return False
    log = w.env.log
    trace = w.level2
    needs, floors = _needs(w)
    if trace:
        w.prev_log_pos = 0  # the state of the instruction goes on a line of its own after these
    history: tuple[History, ...] | list[History]
    if end is None:
        history, first, last, parent = w.history, w.first_idx, w.insn_idx, w.parent
    else:
        history, first, last, parent = end.history, end.first_idx, end.insn, end.parent
    # the current segment's remembered walk (not at level 2, whose log shows every step)
    current = end is None and not trace
    memo = w.segment_walk if current else None
    remember = remember and current
    memo_idx = memo.idx if memo is not None and memo.history is history else -1
    start: tuple[int, int, int, tuple[int, list[int], list[int]]] | None = None
    subseq = -1
    skip_first = True
    changed = False
    cp: Checkpoint | None = None
    try:
        while True:
            if trace:
                log.verbose(
                    f"mark_precise: frame{bt.frame}: last_idx {last} first_idx {first} subseq_idx {subseq} \n"
                )
            if last < 0:
                raise _NotSupported
            i, count = last, len(history)
            top_idx = history[count - 1].idx if count else -1  # the newest history entry left
            while True:
                if skip_first:
                    skip_first = False
                    if bt.empty():
                        return changed
                else:
                    if remember and start is None:
                        start = (i, count, subseq, (bt.frame, bt.regs[:], bt.stack[:]))
                    if not trace:  # pass over the instructions that change nothing (needs[])
                        mask, at = bt.regs[bt.frame], i
                        while i != top_idx and i != first and i != memo_idx and i > 0:  # noqa: PLR1714
                            need = needs[i]
                            if need:
                                if need < 0 or need & mask:
                                    break
                            elif floors[i] < i - 2:
                                # a run of instructions that never matter: to the one before it, or
                                # the highest of the points the walk stops at within it
                                low = floors[i]
                                nxt = low - 1 if low else 0
                                if low <= top_idx < i and top_idx > nxt:
                                    nxt = top_idx
                                if low <= first < i and first > nxt:
                                    nxt = first
                                if low <= memo_idx < i and memo_idx > nxt:
                                    nxt = memo_idx
                                i = nxt
                                continue
                            i -= 1
                        if i != at:
                            subseq = i + 1
                    if (
                        i == memo_idx
                        and memo is not None
                        and memo[2:5] == (count, subseq, (bt.frame, bt.regs, bt.stack))
                    ):  # the remembered walk's steps follow: the segment's first instruction reached
                        bt.frame, regs, stack = memo.found
                        bt.regs, bt.stack = regs[:], stack[:]
                        break
                    need = needs[i]
                    if top_idx == i:
                        hist = history[count - 1]
                        # (an entry without a slot, links or stack pointers changes nothing the
                        # instruction alone does not)
                        recorded = hist.slot or hist.linked or hist.stack_ptrs
                        if trace or need < 0 or need & bt.regs[bt.frame] or recorded:
                            _backtrack_insn(w, i, subseq, hist, bt)
                            if bt.empty():
                                return changed
                    elif trace or need < 0 or (need and bt.regs[bt.frame] & need):
                        _backtrack_insn(w, i, subseq, None, bt)
                        if bt.empty():
                            return changed
                subseq = i
                if i == first and (count == 0 or (count == 1 and history[0].idx == i)):
                    break
                if top_idx == i:
                    i = history[count - 1].prev_idx
                    count -= 1
                    top_idx = history[count - 1].idx if count else -1
                else:
                    i -= 1
                if i < 0:
                    raise _NotSupported
            if remember:
                remember, memo_idx = False, -1  # (the older segments are the checkpoints')
                if start is not None:
                    assert isinstance(history, list)
                    found = (bt.frame, bt.regs[:], bt.stack[:])
                    w.segment_walk = SegmentWalk(history, start[0], start[1], start[2], start[3], found)
            cp = parent if cp is None else cp.parent
            if cp is None:
                break
            changed = _mark_in_parent(w, cp.state, bt) or changed
            if bt.empty():
                return changed
            subseq, last, first, history = first, cp.last_idx, cp.first_idx, cp.history
    except _NotSupported:
        pass
    mark_all_precise(w, end)
    return changed


def _mark_in_parent(w: Walker, state: PathState, bt: Backtrack) -> bool:
    """The registers and slots ``bt`` asks for, marked precise in a checkpoint's state (those
    already precise or no longer scalars are dropped from ``bt``); whether one was new."""
    if bt.frame >= len(state.frames):
        raise _NotSupported  # the walk lost track of the frames (a callback's round trips)
    changed = False
    bt_regs = bt.regs
    for fr in range(bt.frame, -1, -1):
        frame = state.frames[fr]
        mask = keep = bt_regs[fr]
        regs = frame.regs
        while mask:
            bit = mask & -mask
            mask ^= bit
            reg = regs[bit.bit_length() - 1]
            if reg.type is not _SCALAR or reg.precise:
                keep ^= bit
            else:
                reg.precise = changed = True
        bt_regs[fr] = keep
        mask = bt.stack[fr]
        slots = frame.stack.slots
        while mask:
            spi = (mask & -mask).bit_length() - 1
            mask &= mask - 1
            slot = slots[spi] if spi < len(slots) else None
            spilled = slot.spilled if slot is not None else None
            if slot is None or spilled is None or not is_spilled_scalar(slot) or spilled.precise:
                bt.clear_slot(fr, spi)
            else:
                spilled.precise = changed = True
        if w.level2:
            w.env.log.verbose(
                f"mark_precise: frame{fr}: parent state regs={reg_list(bt.regs[fr])} "
                f"stack={slot_list(bt.stack[fr])}: " + w.format_state(state, None, fr) + "\n"
            )
    return changed


def mark_all_precise(w: Walker, end: PathEnd | None = None) -> None:
    """mark_all_scalars_precise(): the conservative answer when the walk cannot follow a value
    (every scalar of every checkpoint above the end of the path, the current one by default)."""
    log = w.env.log
    if end is None:
        end = _current_end(w)
    if w.level2:
        log.verbose(f"mark_precise: frame{end.curframe}: falling back to forcing all scalars precise\n")
    cp = end.parent
    while cp is not None:
        for i, frame in enumerate(cp.state.frames):
            for regno, reg in enumerate(frame.regs[: op.BPF_REG_FP]):
                if reg.is_scalar and not reg.precise:
                    reg.precise = True
                    if w.level2:
                        log.verbose(f"force_precise: frame{i}: forcing r{regno} to be precise\n")
            for spi, slot in enumerate(frame.stack.slots):
                spilled = slot.spilled
                if (
                    slot.kinds[7] != STACK_SPILL
                    or spilled is None
                    or not spilled.is_scalar
                    or spilled.precise
                ):
                    continue
                spilled.precise = True
                if w.level2:
                    log.verbose(f"force_precise: frame{i}: forcing fp{-(spi + 1) * 8} to be precise\n")
        cp = cp.parent


LINKED_REGS_MAX: Final = 6
"""The capacity of ``struct linked_regs``: scalars found beyond it lose their id (clear_scalar_id())."""


def linked_regs(candidates: list[tuple[Linked, RegState]], ident: int, linked: list[Linked]) -> None:
    """collect_linked_regs(): append to ``linked`` the scalars among ``candidates`` (the live
    registers and the spills of every frame, the current frame first) sharing ``ident``; one that
    finds the set full is unlinked (its id cleared), as linked_regs_push() failing makes the kernel
    do."""
    from pybpf.verifier.regstate import ADD_CONST

    base = ident & ~ADD_CONST
    for where, reg in candidates:
        if reg.type is not RegType.SCALAR_VALUE or not reg.id or (reg.id & ~ADD_CONST) != base:
            continue
        if len(linked) < LINKED_REGS_MAX:
            linked.append(where)
        else:
            reg.id = reg.off = 0
