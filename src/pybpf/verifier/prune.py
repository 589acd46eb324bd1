"""State pruning: prune points, checkpoints, is_state_visited(), states_equal().

Mirrors kernel/bpf/verifier.c (Linux 6.18).  check_cfg() marks the prune points (conditional jumps
and their targets, unconditional jump targets, the instruction after every call, bpf-to-bpf calls,
callback-calling helper calls) and the jump points (targets reached other than by falling through,
whose arrival the precision walk must know: ``precision.History``).  At a prune point the current
state is compared with the checkpoints kept for the same instruction (they live in a table of
buckets indexed by instruction and call site, as the kernel's explored_states, whose size is what
``max_states_per_insn`` counts).  A checkpoint is a copy of a path's state with a count of the paths
still running below it (``branches``, update_branch_counts()), the segment of instructions that led
to it from its parent (first and last instruction, history) and the precision marks its
descendants set.

A new state that a finished checkpoint subsumes is safe (states_equal() with regsafe() /
stacksafe()): a register or slot of the old state that was uninitialised, dead (``liveness``;
finished checkpoints forget their dead registers and slots, clean_live_states()) or held an
imprecise scalar was never relied on; a precise scalar must lie within the old range with the same
id links (check_scalar_ids()); pointers must agree.  The checkpoints of an instruction are compared
newest first, and on a hit the old state's precision is carried back along the current path
(propagate_precision()).  A state exactly equal to a checkpoint still being explored (an ancestor
on the same path) loops forever ("infinite loop detected at insn %d", EINVAL).

Loops (compute_scc(): the strongly connected components of each subprogram's control flow, a
callback-calling helper call counting as one) are visited per call chain (``SccVisit``): the first
checkpoint made in a loop visit is its entry.  At a forced checkpoint a state that an ancestor still
being explored subsumes by range (RANGE_WITHIN) converges: at a callback-calling helper call any
such ancestor (and the infinite-loop check is skipped there), at may_goto one whose
``may_goto_depth`` differs (is_may_goto_insn_at(): the may_goto fell through a different number of
times; an ancestor at the same depth is only checked for an infinite loop).  Before such round trips
come back, the scalars that differ from the previous visit of the instruction (find_prev_entry())
are widened to unknown unless precise (widen_imprecise_scalars()), so that they converge.  Any
state of a visit whose marks are not final yet (a visit with back-edges: incomplete_read_marks())
converges the same way on a finished checkpoint.  Such a path ends as a back-edge of its visit:
once every path below the visit's entry has ended (maybe_exit_scc(), from update_branch_counts()),
the precision of the state each back-edge converged on is carried along it again until nothing
changes (propagate_backedges()).  Outside such visits a bounded loop needs nothing special: a finished
checkpoint's marks are final, as every path below it ended, so its states are compared NOT_EXACT.

Two shortcuts that answer as the full comparisons do: a checkpoint remembers the register whose
check failed without the id map in its last comparison (compare_states(): a pointer of another
type, range or offset, a precise scalar out of range) and looks at it first (register_differs()),
as the next state compared with it most often differs there again; and the register whose looks
differed in its last infinite-loop comparison (``Checkpoint.looks_at``), looked at first too.  Both
are tested inline in is_state_visited()'s loop over the checkpoints, its hottest code.

A checkpoint that keeps missing (more than 3 + 3 x its hits, 64 for forced checkpoints still being
explored) is dropped from the comparisons, as the kernel moves it to its free list; it is freed
(and stops counting in ``peak_states``, with the back-edges kept) once no path runs below it and
its loop visit has no back-edges left.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Final, NamedTuple

from pybpf.isa.graphs import is_cycle, strongly_connected_components
from pybpf.isa.opcodes import (
    BPF_JCOND,
    BPF_JMP,
    BPF_JMP32,
    BPF_K,
    BPF_PSEUDO_FUNC,
    BPF_REG_FP,
    LDDW_OPCODE,
    Kind,
)
from pybpf.isa.program import ProgramView, transfer
from pybpf.verifier import helpers, irq, iterators, liveness, precision, tnum
from pybpf.verifier.regstate import ADD_CONST, InnerMapMeta, RegState
from pybpf.verifier.regtypes import RegType
from pybpf.verifier.stack import (
    BPF_REG_SIZE,
    STACK_DYNPTR,
    STACK_INVALID,
    STACK_IRQ_FLAG,
    STACK_ITER,
    STACK_MISC,
    STACK_SPILL,
    STACK_ZERO,
    Stack,
    StackSlot,
)
from pybpf.verifier.state import PathState, Reference

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker


def prune_points(view: ProgramView) -> tuple[frozenset[int], frozenset[int], frozenset[int]]:
    """check_cfg()'s marks: the prune points, the forced checkpoints and the jump points (an lddw of
    a function counts as a call of it, as visit_func_call_insn() makes it)."""
    points: set[int] = set()
    force: set[int] = set()
    jumps: set[int] = set()
    for insn, slot in zip(view.insns, view.starts, strict=True):
        if insn.opcode == LDDW_OPCODE and insn.src == BPF_PSEUDO_FUNC:  # visit_func_call_insn() too
            callee = slot + insn.imm + 1
            points.update((slot, slot + 2, callee))
            jumps.update((slot + 2, callee))
            continue
        if insn.opcode & 0x07 not in _JMP_CLASSES:  # every kind below is a jump class's
            continue
        spec = insn.spec
        if spec is None:
            if insn.opcode == _JCOND_OPCODE:  # a may_goto with reserved fields: still a conditional jump
                branch = slot + insn.off + 1  # to visit_insn() (no forced checkpoint), refused later
                points.update((slot, branch))
                jumps.add(branch)
            continue
        kind = spec.kind
        target = transfer(insn, slot).target if kind in _JUMP_KINDS else None
        if kind in (Kind.JCOND, Kind.MAY_GOTO):  # the jump; its target as a BRANCH edge
            points.add(slot)
            if kind is Kind.MAY_GOTO:
                force.add(slot)
        elif kind is Kind.CALL:
            if insn.src == 0 and insn.imm in helpers.SYNC_CALLBACK_HELPERS:
                points.add(slot)
                force.add(slot)
                jumps.add(slot)
            elif insn.src == 0 and insn.imm == helpers.TIMER_SET_CALLBACK:
                points.add(slot)
            points.add(slot + 1)
            jumps.add(slot + 1)
        elif kind in (Kind.CALL_LOCAL, Kind.CALL_KFUNC):
            points.add(slot + 1)
            jumps.add(slot + 1)
            if kind is Kind.CALL_LOCAL:
                points.add(slot)
        if target is not None:
            points.add(target)
            jumps.add(target)
    return frozenset(points), frozenset(force), frozenset(jumps)


_JMP_CLASSES: Final = (BPF_JMP, BPF_JMP32)
_JCOND_OPCODE: Final = BPF_JMP | BPF_JCOND | BPF_K
_CALL: Final = 0x85  # BPF_JMP | BPF_CALL: a forced checkpoint that is not may_goto calls a callback
_JUMP_KINDS: Final = frozenset({Kind.JCOND, Kind.MAY_GOTO, Kind.JA, Kind.GOTOL, Kind.CALL_LOCAL})


def scc_ids(view: ProgramView, force_points: frozenset[int]) -> dict[int, int]:
    """compute_scc(): slot -> the number of its loop (a strongly connected component of the control
    flow within its subprogram, calls falling through, with more than one instruction or an edge to
    itself; a callback-calling helper call is a loop of its own).  Components are numbered from 1 in
    the order a depth-first walk from each unvisited slot (falling through first) completes them."""
    callback_calls = {slot for slot in force_points if view.insn_at(slot).opcode == _CALL}
    if not liveness.has_back_edge(view) and not callback_calls:
        return {}  # every edge leads forward: no cycle
    slots = view.starts
    known = set(slots)
    succs = {s: [t for t in view.successors(s) if t in known] for s in slots}
    out: dict[int, int] = {}
    number = 1
    for component in strongly_connected_components(slots, succs):
        if is_cycle(component, succs) or component[-1] in callback_calls:
            for member in component:
                out[member] = number
            number += 1
    return out


def callchain(w: Walker, state: PathState, slot: int) -> tuple[int, ...] | None:
    """compute_scc_callchain(): for the outermost frame of ``state`` (standing at ``slot``) that
    stands in a loop, the call sites leading to it and the loop's number; None outside loops."""
    frames = state.frames
    last = len(frames) - 1
    sccs = w.sccs
    for i in range(last + 1):
        at = slot if i == last else frames[i + 1].callsite
        scc = sccs.get(at)
        if scc:
            return (*[frames[j + 1].callsite for j in range(i)], scc)
    return None


def format_callchain(chain: tuple[int, ...]) -> str:
    """format_callchain(): the call sites up to the first one at instruction 0 (the kernel's array
    ends at a zero entry, so a call from the first instruction ends what is printed), then the loop."""
    sites = chain[:-1]
    shown = sites[: sites.index(0)] if 0 in sites else sites
    return "(" + "".join(f"{site}," for site in shown) + f"{chain[-1]})"


class Backedge(NamedTuple):
    """struct bpf_scc_backedge: a path of a loop pruned at a state of the same loop visit (``equal``)
    before the loop was fully explored, kept to carry that state's precision marks along it again
    once the visit ends."""

    end: precision.PathEnd
    equal: PathState


class SccVisit:
    """struct bpf_scc_visit: one visit of a loop by a call chain: the first checkpoint made in it
    (``entry``, until every path below it ended) and the back-edges recorded meanwhile."""

    __slots__ = ("backedges", "entry")

    def __init__(self) -> None:
        self.entry: Checkpoint | None = None
        self.backedges: list[Backedge] = []


class Checkpoint:
    """struct bpf_verifier_state_list: an explored state and the segment that led to it."""

    __slots__ = ("_key", "_looks", "branches", "chain", "cleaned", "evicted", "first_idx", "freed", "history",
                 "hits", "insn", "last_idx", "looks_at", "miss_at", "miss_reg", "misses", "parent",
                 "state")  # fmt: skip

    def __init__(
        self,
        state: PathState,
        parent: Checkpoint | None,
        insn: int,
        segment: tuple[int, int, tuple[precision.History, ...]],
        chain: tuple[int, ...] | None,
    ) -> None:
        self.state = state
        self._key: tuple[object, ...] | None = None
        self._looks: tuple[object, ...] | None = None
        self.parent = parent
        self.insn = insn
        self.first_idx, self.last_idx, self.history = segment
        self.chain = chain  # the loop visit it belongs to (callchain())
        self.branches = 1
        self.hits = self.misses = 0
        self.evicted = self.cleaned = self.freed = False
        self.miss_at = MISSED  # where the last comparison found a difference (compare_states())
        self.miss_reg: RegState | None = None  # the register there when in the first frame
        self.looks_at = 0  # where the last looks differed (same_looks(): 1 + a register; 0 unknown)

    # Both views of the state are computed when first asked, by is_state_visited() while paths still
    # run below the checkpoint: until then only precision marks change its state, and both leave
    # them out.

    def key(self) -> tuple[object, ...]:
        """The state's exact key (PathState.key())."""
        if self._key is None:
            self._key = self.state.key()
        return self._key

    def looks(self) -> tuple[object, ...]:
        """What states_maybe_looping() compares (``looks_of``)."""
        if self._looks is None:
            self._looks = looks_of(self.state)
        return self._looks

    def same_looks(self, looks: tuple[object, ...]) -> bool:
        """states_maybe_looping(): the current state's ``looks`` are the same as this one's; if not,
        where they first differ is remembered (``looks_at``: is_state_visited() looks there first)."""
        mine = self.looks()
        if mine == looks:
            return True
        self.looks_at = next((i for i in range(1, min(len(mine), len(looks))) if mine[i] != looks[i]), 0)
        return False


def update_branch_counts(w: Walker, cp: Checkpoint | None) -> None:
    """A path ended: its checkpoints with no other running path below them are finished; a loop
    visit whose first checkpoint finished is over (maybe_exit_scc()), and an evicted checkpoint is
    freed then."""
    while cp is not None:
        cp.branches -= 1
        if cp.branches:
            break
        if cp.chain is not None:
            _maybe_exit_scc(w, cp)
        _maybe_free(w, cp)
        cp = cp.parent


def _maybe_free(w: Walker, cp: Checkpoint) -> None:
    """maybe_free_verifier_state(): an evicted checkpoint is freed once no path runs below it and its
    loop visit keeps no back-edges."""
    if cp.evicted and not cp.freed and not cp.branches and not incomplete_marks(w, cp):
        cp.freed = True
        w.live_states -= 1


def incomplete_marks(w: Walker, cp: Checkpoint) -> bool:
    """incomplete_read_marks(): ``cp`` stands in a loop visit with back-edges not yet propagated, so
    its precision marks may be missing some."""
    if cp.chain is None or not w.num_backedges:
        return False
    visit = w.visits.get(cp.chain)
    return visit is not None and bool(visit.backedges)


def _update_peak(w: Walker) -> None:
    """update_peak_states(): explored and evicted-but-kept checkpoints and back-edges."""
    env = w.env
    env.peak_states = max(env.peak_states, w.live_states + w.num_backedges)


def _maybe_enter_scc(w: Walker, cp: Checkpoint) -> None:
    """maybe_enter_scc(): the first checkpoint of a loop visit is its entry."""
    assert cp.chain is not None
    visit = w.visits.get(cp.chain)
    if visit is None:
        visit = w.visits[cp.chain] = SccVisit()
    if visit.entry is None:
        visit.entry = cp
        if w.level2:
            w.env.log.verbose(f"SCC enter {format_callchain(cp.chain)}\n")


def _maybe_exit_scc(w: Walker, cp: Checkpoint) -> None:
    """maybe_exit_scc(): every path below the entry of its loop visit ended: the visit is over and
    its back-edges carry their precision marks until nothing changes (propagate_backedges())."""
    assert cp.chain is not None
    visit = w.visits.get(cp.chain)
    if visit is None or visit.entry is not cp:
        return
    if w.level2:
        w.env.log.verbose(f"SCC exit {format_callchain(cp.chain)}\n")
    visit.entry = None
    w.num_backedges -= len(visit.backedges)
    _update_peak(w)
    backedges = visit.backedges[::-1]  # the kernel's list: the newest first
    rounds = 0
    while True:
        rounds += 1
        if rounds > MAX_BACKEDGE_ITERS + 1:
            if w.level2:
                w.env.log.verbose("propagate_backedges: too many iterations\n")
            for backedge in backedges:
                precision.mark_all_precise(w, backedge.end)
            break
        changed = False
        for backedge in backedges:
            changed = precision.propagate_precision(w, backedge.equal, backedge.end) or changed
        if not changed:
            break
    visit.backedges = []


MAX_BACKEDGE_ITERS: Final = 64


def is_state_visited(w: Walker, slot: int) -> bool:
    """True when the current path can stop here (a finished checkpoint covers it, or, at a loop's
    forced checkpoint, one of its own ancestors does)."""
    env = w.env
    cur = w.state
    force = slot in w.force_points
    exact = w.explore_alu_limits  # sanitized pointer arithmetic: scalars compared exactly
    jmps = w.jmps_processed - w.prev_jmps_processed
    insns = env.insn_processed - w.prev_insn_processed
    # force_new_state: BPF_F_TEST_STATE_FREQ makes a checkpoint at every prune point reached
    force_new = force or env.test_state_freq or len(w.history) > precision.HISTORY_LIMIT
    add = force_new or (jmps >= 2 and insns >= 8)
    bucket = ((slot ^ cur.frames[-1].callsite) & 0xFFFFFFFF) % w.view.slot_count
    checkpoints = w.explored.get(bucket)
    compared = len(checkpoints) if checkpoints else 0
    if checkpoints:
        key: tuple[object, ...] | None = None
        looks: tuple[object, ...] | None = None
        backedges = w.num_backedges > 0  # (a hit adds one, and returns)
        one_frame = len(cur.frames) == 1
        live: list[int] = [w.live.get(slot, ALL_REGS)] if one_frame else []
        live0 = live[0] if one_frame else 0
        cur_regs = cur.frames[-1].regs
        for cp in reversed(checkpoints):  # the kernel's list: the newest first (kept when one is removed)
            if cp.insn != slot:
                continue
            if cp.branches:
                # a loop converging at a forced checkpoint: may_goto (an ancestor that fell through
                # it fewer or more times) or a callback-calling helper call (any ancestor)
                may_goto = force and w.view.insn_at(slot).opcode != _CALL
                if force and (not may_goto or cp.state.may_goto_depth != cur.may_goto_depth):
                    live = live or _live_masks(w, cur, slot)
                    subsumed = states_subsumed(
                        cp.state, cur, live, precise=False, exact=exact, uninit=env.allow_uninit_stack
                    )
                    if subsumed and (
                        slot not in w.iter_next or iterators.iter_active_at_next(cur)
                    ):  # (an iterator's loop converges while the iterator is active)
                        _clean_older(w, checkpoints, cp, slot, cur)
                        _hit(w, cp, slot, loop=True)
                        return True
                at = cp.looks_at  # the register whose look differed last differs again?
                if at:  # (looks_at is set by same_looks(), after the looks were computed)
                    reg = cur_regs[at - 1]
                    if cp._looks is None or cp._looks[at] != (reg.var_off, reg.type, reg.off, reg.umax):
                        at = -1
                # (the looks and the key computed once, when first needed: no walrus on them, whose
                # Optional target mypyc's compiled code mistypes)
                looping = False
                if at >= 0 and (may_goto or not force) and cp.state.may_goto_depth == cur.may_goto_depth:
                    if looks is None:
                        looks = looks_of(cur)
                    if cp.same_looks(looks):
                        if key is None:
                            key = cur.key()
                        looping = cp.key() == key and not (cp.state.speculative and not cur.speculative)
                if looping:
                    message = f"infinite loop detected at insn {slot}"
                    w.source_lines.verbose_linfo(env.log, slot, "; ")
                    env.log.line(message)
                    env.log.line("cur state:" + w.format_state(cur, None))
                    env.log.line("old state:" + w.format_state(cp.state, None))
                    raise_loop(w, message)
                if not force_new and jmps < 20 and insns < 100:
                    add = False
            else:
                loop = backedges and cp.chain is not None and incomplete_marks(w, cp)
                if not cp.cleaned and not loop:
                    _clean(w, cp, cur)  # clean_live_states() (before any comparison: see _clean_older())
                if not live:  # (a cleaned state's dead registers are unset)
                    live = _live_masks(w, cur, slot)
                # (the register that differed last time is looked at first: it differs again most often;
                # register_differs() written out for the current frame of a one-frame path)
                ro = cp.miss_reg
                if exact:  # (the shortcuts below judge scalars by their ranges)
                    differs = False
                elif ro is not None and one_frame:
                    old_type = ro.type
                    if old_type is not _NOT_INIT and live0 >> cp.miss_at & 1:
                        rc = cur_regs[cp.miss_at]
                        if old_type is not rc.type:
                            differs = True
                        elif old_type is _SCALAR:
                            differs = (loop or ro.precise) and not (
                                ro.umin <= rc.umin and ro.umax >= rc.umax and range_within(ro, rc)
                            )
                        else:
                            differs = range_unsafe(ro.range, rc.range) or ro.off != rc.off
                    else:
                        differs = False
                else:
                    at = cp.miss_at
                    differs = at >= 0 and register_differs(cp.state, cur, live, at, not loop)
                if not differs:
                    found = compare_states(
                        cp.state, cur, live, precise=not loop, exact=exact, uninit=env.allow_uninit_stack
                    )
                    if found == SUBSUMED:
                        _clean_older(w, checkpoints, cp, slot, cur)
                        _hit(w, cp, slot, loop=loop)
                        return True
                    cp.miss_at = found
                    cp.miss_reg = cp.state.frames[0].regs[found] if 0 <= found < 16 else None
            if add:  # misses count only when a state is added (loop iterations keep theirs)
                cp.misses += 1
            elif not force:
                continue  # nothing changed since it was last kept
            n = 64 if force and cp.branches else 3
            if cp.misses > cp.hits * n + n:  # unlikely to be useful: stop comparing with it
                cp.evicted = True
                checkpoints.remove(cp)
                _maybe_free(w, cp)
    env.max_states_per_insn = max(env.max_states_per_insn, compared)
    if not add:
        return False
    chain = callchain(w, cur, slot) if w.sccs else None
    cp = Checkpoint(cur.copy(), w.parent, slot, (w.first_idx, w.prev_idx, tuple(w.history)), chain)
    w.explored.setdefault(bucket, []).append(cp)
    w.parent = cp
    w.first_idx = slot
    w.history = []
    w.prev_jmps_processed = w.jmps_processed
    w.prev_insn_processed = env.insn_processed
    env.total_states += 1
    w.live_states += 1
    _update_peak(w)
    if chain is not None:
        _maybe_enter_scc(w, cp)
    return False


def _clean_older(
    w: Walker, checkpoints: list[Checkpoint], hit: Checkpoint, slot: int, cur: PathState
) -> None:
    """clean_live_states() of the checkpoints older than ``hit`` that the hit spared the comparison:
    the kernel cleans every finished checkpoint of the instruction before comparing (before the
    hit's back-edge can make their marks incomplete)."""
    for cp in checkpoints:
        if cp is hit:
            return
        if cp.insn == slot and not cp.branches and not cp.cleaned and not incomplete_marks(w, cp):
            _clean(w, cp, cur)


def looks_of(state: PathState) -> tuple[object, ...]:
    """What states_maybe_looping() compares, as one tuple (a cheap filter before the exact
    comparison): the number of frames and the current frame's registers' var_off, type, fixed
    offset and umax."""
    return (len(state.frames), *[(r.var_off, r.type, r.off, r.umax) for r in state.frames[-1].regs])


def _hit(w: Walker, cp: Checkpoint, slot: int, *, loop: bool = False) -> None:
    """The current path is pruned at ``cp``: what ``cp`` needed precise, this path needs too.  Inside
    a loop whose marks are not final (``loop``: compared by every scalar's range), the path is kept
    as a back-edge of the loop visit, to carry ``cp``'s final marks along it once the visit ends."""
    cp.hits += 1
    if slot in w.jmp_points:
        w.push_history()
    precision.propagate_precision(w, cp.state)
    if not loop:
        return
    chain = cp.chain
    visit = w.visits.get(chain) if chain is not None else None
    end = precision.PathEnd(slot, w.first_idx, tuple(w.history), w.parent, w.state.curframe)
    if chain is None or visit is None:  # not in a loop visit (the kernel's verifier_bug): rely on all
        precision.mark_all_precise(w, end)
        return
    if w.level2:
        w.env.log.verbose(f"SCC backedge {format_callchain(chain)}\n")
    visit.backedges.append(Backedge(end, cp.state))
    w.num_backedges += 1
    _update_peak(w)


def find_prev_entry(w: Walker, slot: int, skip: Checkpoint | None = None) -> Checkpoint | None:
    """find_prev_entry(): the newest checkpoint kept for ``slot`` in the current frame's call chain
    that a path still runs below (an ancestor of the current path: the loop's previous visit of
    ``slot``), ``skip`` (the checkpoint just made there) left out."""
    frames = w.state.frames
    bucket = ((slot ^ frames[-1].callsite) & 0xFFFFFFFF) % w.view.slot_count
    for cp in reversed(w.explored.get(bucket, ())):
        old = cp.state.frames
        if (
            cp.insn == slot
            and cp.branches
            and cp is not skip
            and len(old) == len(frames)
            and all(a.callsite == b.callsite for a, b in zip(old, frames, strict=True))
        ):
            return cp
    return None


def widen_imprecise_scalars(old: PathState, cur: PathState) -> None:
    """widen_imprecise_scalars(): every scalar register or spilled scalar of ``cur`` that differs
    from ``old``'s (an earlier visit of the same loop instruction on this path), neither of them
    precise, becomes unknown, so that the loop's states converge (maybe_widen_reg())."""
    ids = IdMap()
    for old_frame, cur_frame in zip(reversed(old.frames), reversed(cur.frames), strict=True):
        for old_reg, cur_reg in zip(old_frame.regs, cur_frame.regs, strict=True):
            _maybe_widen(old_reg, cur_reg, ids)
        for old_slot, cur_slot in zip(old_frame.stack.slots, cur_frame.stack.slots, strict=False):
            if old_slot.is_spill and cur_slot.is_spill and old_slot.spilled and cur_slot.spilled:
                _maybe_widen(old_slot.spilled, cur_slot.spilled, ids)


def _maybe_widen(old: RegState, cur: RegState, ids: IdMap) -> None:
    """maybe_widen_reg(): regs_exact() compares all but the ids, and those through the id map."""
    if old.type is not RegType.SCALAR_VALUE or cur.type is not RegType.SCALAR_VALUE:
        return
    if old.precise or cur.precise:
        return
    if (
        old.off == cur.off
        and old.bounds_key() == cur.bounds_key()
        and ids.same(old.id, cur.id)
        and ids.same(old.ref_obj_id, cur.ref_obj_id)
    ):
        return
    cur.mark_unknown()


def _clean(w: Walker, cp: Checkpoint, cur: PathState) -> None:
    """clean_verifier_state(): a finished checkpoint forgets the registers and stack slots no path
    from it reads (once, when compared with a state of the same call chain)."""
    frames = cp.state.frames
    if len(frames) != len(cur.frames) or any(
        fo.callsite != fc.callsite for fo, fc in zip(frames, cur.frames, strict=True)
    ):
        return
    cp.cleaned = True
    last = len(frames) - 1
    alive_slots: list[int] = []  # (the stack's live slots are only asked when a frame has a stack)
    if any(f.stack.slots for f in frames):
        alive_slots = w.stack_live.alive_masks(w.stack_chains(cp.state), cp.insn)
    for i, frame in enumerate(frames):
        at = cp.insn if i == last else frames[i + 1].callsite
        live = w.live.get(at, ALL_REGS)
        regs = frame.regs
        for regno in REG_NUMBERS[~live & _GENERAL_REGS]:
            reg = regs[regno]
            if reg.type is not _NOT_INIT:  # (nothing of an uninitialised register is ever looked at)
                reg.mark_not_init()
        if not frame.stack.slots:
            continue
        alive = alive_slots[i]
        for spi, slot in enumerate(frame.stack.slots):
            if not alive >> spi & 1:
                slot.kinds = [STACK_INVALID] * BPF_REG_SIZE
                slot.spilled = None


def _live_masks(w: Walker, cur: PathState, slot: int) -> list[int]:
    """Per frame, the registers live where it stands (clean_func_state()): the current frame at
    ``slot``, each caller at its call instruction."""
    live = w.live
    frames = cur.frames
    if len(frames) == 1:
        return [live.get(slot, ALL_REGS)]
    masks = [live.get(frames[i + 1].callsite, ALL_REGS) for i in range(len(frames) - 1)]
    masks.append(live.get(slot, ALL_REGS))
    return masks


def raise_loop(w: Walker, message: str) -> None:
    from pybpf.verifier.errors import VerifierError

    raise VerifierError(errno.EINVAL, message, w.env.log.text)


ALL_REGS: Final = (1 << 11) - 1
_GENERAL_REGS: Final = (1 << BPF_REG_FP) - 1
"""r0-r9: the registers a checkpoint forgets when dead (r10 is never written)."""


def states_subsumed(
    old: PathState,
    cur: PathState,
    live: list[int] | None = None,
    *,
    precise: bool = True,
    exact: bool = False,
    uninit: bool = True,
) -> bool:
    """states_equal(): every behaviour of ``cur`` was already explored from ``old`` (``live``: per
    frame, the registers read before written from there on).  ``precise``: NOT_EXACT, where an
    imprecise scalar of ``old`` matches any scalar; else RANGE_WITHIN (every scalar by its range).
    ``uninit``: the loader may read stack never written (stacksafe())."""
    return compare_states(old, cur, live, precise=precise, exact=exact, uninit=uninit) == SUBSUMED


SUBSUMED: Final = -1
MISSED: Final = -2
"""compare_states()'s answers other than a register's position: ``old`` subsumes ``cur``; it does
not, for a reason other than one register alone."""


def compare_states(
    old: PathState,
    cur: PathState,
    live: list[int] | None = None,
    *,
    precise: bool = True,
    exact: bool = False,
    uninit: bool = True,
) -> int:
    """states_subsumed() telling where a miss was found: SUBSUMED, MISSED, or the position
    (``depth * 16 + regno``) of a register whose check failed without the id map -- a check that
    fails whatever the other registers' ids map to, so that register alone (``register_differs()``)
    rejects a later state that differs from ``old`` the same way.  ``uninit``: the loader may read
    stack never written (stacksafe())."""
    old_frames, cur_frames = old.frames, cur.frames
    if len(old_frames) != len(cur_frames):
        return MISSED
    if old.speculative and not cur.speculative:  # a speculative path's checkpoint prunes no real one
        return MISSED
    if old.active_rcu_lock != cur.active_rcu_lock or old.active_preempt_locks != cur.active_preempt_locks:
        return MISSED
    ids: IdMap | None = None
    if old.refs or cur.refs:
        ids = IdMap()
        if not ids.same(old.active_irq_id, cur.active_irq_id) or not refsafe(old.refs, cur.refs, ids):
            return MISSED
    for depth, fo in enumerate(old_frames):
        fc = cur_frames[depth]
        if fo.callsite != fc.callsite or fo.callback_depth > fc.callback_depth:
            return MISSED
        old_regs, cur_regs = fo.regs, fc.regs
        for regno in REG_NUMBERS[live[depth] if live is not None else ALL_REGS]:
            ro, rc = old_regs[regno], cur_regs[regno]
            # regsafe()'s answers that need no id map first (an uninitialised or, for NOT_EXACT,
            # imprecise old register; different types; a pointer's shorter range or other offset)
            old_type = ro.type
            if old_type is _NOT_INIT:
                continue
            if old_type is not rc.type:
                return depth * 16 + regno
            if old_type is _SCALAR:
                if exact:  # explore_alu_limits: every number the same, ids mapping
                    if ids is None:
                        ids = IdMap()
                    if same_numbers(ro, rc) and ids.same_scalar(ro.id, rc.id):
                        continue
                    return MISSED
                if precise and not ro.precise:
                    continue
                if not (ro.id or rc.id):  # regsafe() of scalars without ids: the range alone
                    if range_within(ro, rc):
                        continue
                    return depth * 16 + regno
            elif range_unsafe(ro.range, rc.range) or ro.off != rc.off:
                return depth * 16 + regno
            elif not (ro.id or rc.id or ro.ref_obj_id or rc.ref_obj_id):  # regsafe() of such pointers
                if _same_pointer(ro, rc):
                    continue
                return MISSED
            if ids is None:
                ids = IdMap()
            if not regsafe(ro, rc, ids, precise):
                return depth * 16 + regno if old_type is _SCALAR and not range_within(ro, rc) else MISSED
        if fo.stack.slots:
            if ids is None:
                ids = IdMap()
            if not stacksafe(fo.stack, fc.stack, ids, precise, exact, uninit=uninit):
                return MISSED
    return SUBSUMED


def register_differs(old: PathState, cur: PathState, live: list[int], position: int, precise: bool) -> bool:
    """The register at ``position`` (compare_states()'s) alone shows that ``old`` does not subsume
    ``cur`` (a check of compare_states() that needs no id map fails there)."""
    depth, regno = position >> 4, position & 15
    if depth >= len(live) or not live[depth] >> regno & 1 or depth >= len(old.frames):
        return False
    ro, rc = old.frames[depth].regs[regno], cur.frames[depth].regs[regno]
    old_type = ro.type
    if old_type is _NOT_INIT:
        return False
    if old_type is not rc.type:
        return True
    if old_type is _SCALAR:
        return (not precise or ro.precise) and not range_within(ro, rc)
    return range_unsafe(ro.range, rc.range) or ro.off != rc.off


def refsafe(old: list[Reference], cur: list[Reference], ids: IdMap) -> bool:
    """refsafe(): the same references in the same order, of the same kinds (a lock of the same
    map), their ids mapping one-to-one as the registers' do (compared first: a held lock's id is
    the id of the map value pointers to its value, a pointer reference's their ref_obj_id)."""
    if len(old) != len(cur):
        return False
    for ro, rc in zip(old, cur, strict=True):
        if ro.kind != rc.kind or not ids.same(ro.id, rc.id) or ro.ptr != rc.ptr:
            return False
    return True


_NOT_INIT: Final = RegType.NOT_INIT
_SCALAR: Final = RegType.SCALAR_VALUE
REG_NUMBERS: Final = [
    tuple(regno for regno in range(11) if mask >> regno & 1) for mask in range(ALL_REGS + 1)
]
"""The register numbers of each live-register mask (r0-r10)."""


class IdMap:
    """check_ids() / check_scalar_ids(): the ids of the old state map one-to-one onto the current's."""

    __slots__ = ("back", "forth", "temp")

    def __init__(self) -> None:
        self.forth: dict[int, int] = {}
        self.back: dict[int, int] = {}
        self.temp = 0

    def same(self, old_id: int, cur_id: int) -> bool:
        if not old_id or not cur_id:
            return not old_id and not cur_id  # both set or both zero
        mapped = self.forth.get(old_id)
        if mapped is None:
            if cur_id in self.back:
                return False
            self.forth[old_id], self.back[cur_id] = cur_id, old_id
            return True
        return mapped == cur_id

    def same_scalar(self, old_id: int, cur_id: int) -> bool:
        """A scalar without an id stands for a link of its own (a fresh id on either side).  A
        BPF_ADD_CONST id maps as a whole and by its base id too (Linux 6.18 stable): old ``r3 = r2 +
        10`` against current ``r3 = r4 + 10`` maps A|flag to C|flag and A to C, which a current ``r2``
        already mapped from A refuses."""
        if not old_id:
            self.temp -= 1
            old_id = self.temp
        if not cur_id:
            self.temp -= 1
            cur_id = self.temp
        if not self.same(old_id, cur_id):
            return False
        return not old_id & ADD_CONST or self.same(old_id & ~ADD_CONST, cur_id & ~ADD_CONST)


def regsafe(old: RegState, cur: RegState, ids: IdMap, precise: bool = True, exact: bool = False) -> bool:
    if old.type is RegType.NOT_INIT:
        return True
    if old.type is not cur.type:
        return False
    if old.type is RegType.PTR_TO_ARENA:
        return True  # every arena pointer is as good as any other (nothing about it is tracked)
    if old.type is RegType.SCALAR_VALUE:
        if exact:  # explore_alu_limits: no tnum_in() / range_within(), everything the same
            return same_numbers(old, cur) and ids.same_scalar(old.id, cur.id)
        if precise and not old.precise:
            return True
        if old.id:  # Linux 6.18 (stable): an old scalar without an id relied on no link, so any
            # link of the current one (a BPF_ADD_CONST one too) only adds constraints; one with an
            # id needs the same kind of link, at the same offset, mapping one-to-one
            if (old.id & ADD_CONST) != (cur.id & ADD_CONST):
                return False
            if old.id & ADD_CONST and old.off != cur.off:
                return False
            if not ids.same_scalar(old.id, cur.id):
                return False
        return range_within(old, cur)
    return (
        not range_unsafe(old.range, cur.range)  # (what differs most often first: range and offset)
        and old.off == cur.off
        and _same_pointer(old, cur)
        and (not (old.id or cur.id) or ids.same(old.id, cur.id))
        and (not (old.ref_obj_id or cur.ref_obj_id) or ids.same(old.ref_obj_id, cur.ref_obj_id))
    )


def range_unsafe(old: int, cur: int) -> bool:
    """regsafe()'s test of a packet pointer's range: the current one must cover the old one, and
    the marks AT_PKT_END / BEYOND_PKT_END (negative: a comparison with data_end) match only
    themselves (fuzz ptr_compare:300001: a pointer known past the end is no pointer of range 0)."""
    return old > cur or (old < 0 and old != cur)


def _same_pointer(old: RegState, cur: RegState) -> bool:
    """regsafe() of two pointers of the same type, range and offset, but for their ids: the same
    flags, map, memory size and frame, and ``cur``'s variable offset within ``old``'s -- for a map
    key or value, memory, a buffer or a packet; any other pointer (context, stack, kernel object,
    ...) must have the very same numbers (regs_exact()), and a packet pointer that a comparison
    with data_end marked (a negative range) the same mark."""
    if old.type in _WITHIN_POINTERS:
        if (old.range < 0 or cur.range < 0) and old.range != cur.range:
            return False
        numbers_ok = range_within(old, cur)
    else:
        numbers_ok = old.range == cur.range and old.bounds_key() == cur.bounds_key()
    return (
        old.flags == cur.flags
        and (old.map is cur.map or same_map(old.map, cur.map))
        and old.mem_size == cur.mem_size
        and old.frameno == cur.frameno
        and numbers_ok
    )


_WITHIN_POINTERS: Final = frozenset(
    {
        RegType.PTR_TO_MAP_KEY, RegType.PTR_TO_MAP_VALUE, RegType.PTR_TO_MEM, RegType.PTR_TO_BUF,
        RegType.PTR_TO_TP_BUFFER, RegType.PTR_TO_PACKET, RegType.PTR_TO_PACKET_META,
    }
)  # fmt: skip
"""regsafe()'s pointer types compared by range_within() / tnum_in(); the others by regs_exact()."""


def same_map(a: object, b: object) -> bool:
    """The same map: a map's uses by different instructions share its object (an inner map's
    template is compared by value)."""
    if a is b:
        return True
    if isinstance(a, InnerMapMeta):
        return a == b
    return a is not None and getattr(a, "obj", a) is getattr(b, "obj", b)


def same_numbers(old: RegState, cur: RegState) -> bool:
    """regsafe()'s memcmp() of two scalars up to their ids (explore_alu_limits): the same offset
    (a linked copy's delta), known bits and bounds."""
    return (
        old.var_off == cur.var_off
        and old.off == cur.off
        and old.smin == cur.smin
        and old.smax == cur.smax
        and old.umin == cur.umin
        and old.umax == cur.umax
        and old.smin32 == cur.smin32
        and old.smax32 == cur.smax32
        and old.umin32 == cur.umin32
        and old.umax32 == cur.umax32
    )


def range_within(old: RegState, cur: RegState) -> bool:
    return (
        old.umin <= cur.umin
        and old.umax >= cur.umax
        and old.smin <= cur.smin
        and old.smax >= cur.smax
        and old.umin32 <= cur.umin32
        and old.umax32 >= cur.umax32
        and old.smin32 <= cur.smin32
        and old.smax32 >= cur.smax32
        and tnum.contains(old.var_off, cur.var_off)
    )


_UNBOUND: Final = RegState()
_UNBOUND.mark_unknown()


def _scalar_for_stack(slot: StackSlot, uninit: bool = True) -> RegState | None:
    """scalar_reg_for_stack(): an 8-byte spilled scalar, or an unknown scalar for 8 bytes of data
    (is_stack_all_misc(): uninitialised bytes count as data where they may be read, ``uninit``:
    env->allow_uninit_stack)."""
    kinds = slot.kinds
    if kinds[0] == STACK_SPILL and slot.spilled is not None and slot.spilled.is_scalar:
        return slot.spilled
    misc = kinds.count(STACK_MISC)
    if misc == BPF_REG_SIZE or (uninit and misc + kinds.count(STACK_INVALID) == BPF_REG_SIZE):
        return _UNBOUND
    return None


def stacksafe(
    old: Stack, cur: Stack, ids: IdMap, precise: bool = True, exact: bool = False, *, uninit: bool = True
) -> bool:
    """stacksafe(): every slot of ``old`` a path may need holds what ``cur``'s does (``uninit``:
    env->allow_uninit_stack, where an old slot's data bytes match anything; without it they match
    data or zeros alone: a loader without CAP_PERFMON may not read stack never written)."""
    cur_slots = cur.slots
    for spi, so in enumerate(old.slots):
        old_kinds = so.kinds
        invalid = old_kinds.count(STACK_INVALID)
        if invalid == BPF_REG_SIZE or (uninit and invalid + old_kinds.count(STACK_MISC) == BPF_REG_SIZE):
            continue  # never needed / any data (uninitialised bytes read as data: privileged)
        sc = cur_slots[spi] if spi < len(cur_slots) else None
        if sc is None:
            return False
        old_reg, cur_reg = _scalar_for_stack(so, uninit), _scalar_for_stack(sc, uninit)
        if old_reg is not None and cur_reg is not None:
            if not regsafe(old_reg, cur_reg, ids, precise, exact):
                return False
            continue
        for j, kind in enumerate(old_kinds):
            if kind == STACK_INVALID or kind == sc.kinds[j]:
                continue
            if kind != STACK_MISC or not (uninit or sc.kinds[j] == STACK_ZERO):
                return False  # (old data: any byte when privileged, else data or zero)
        spilled = so.spilled if old_kinds[7] == STACK_SPILL else None
        if spilled is not None and (
            sc.spilled is None or not regsafe(spilled, sc.spilled, ids, precise, exact)
        ):
            return False
        if so.kinds[0] == STACK_DYNPTR and not _dynptr_safe(so.spilled, sc.spilled, ids):
            return False
        if so.kinds[0] == STACK_ITER and not iterators.iter_safe(so.spilled, sc.spilled, ids):
            return False
        if so.kinds[0] == STACK_IRQ_FLAG and not irq.flag_safe(so.spilled, sc.spilled, ids):
            return False
    return True


def _dynptr_safe(old: RegState | None, cur: RegState | None, ids: IdMap) -> bool:
    """stacksafe() of a STACK_DYNPTR slot: the same dynptr type and half, references that map."""
    if old is None or cur is None:
        return old is cur
    return old.map is cur.map and ids.same(old.ref_obj_id, cur.ref_obj_id)
