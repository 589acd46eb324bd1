"""State pruning: checkpoints at prune points, is_state_visited(), states_equal().

Mirrors kernel/bpf/verifier.c: a checkpoint is a copy of a path's state at a prune point with a
count of the paths still running below it (``branches``, update_branch_counts()).  A new state
that a finished checkpoint subsumes is safe (states_equal() with regsafe() / stacksafe(): an
uninitialised register or slot of the old state was never needed; a scalar whose range and known
bits lie within the old one's; everything else equal); a state exactly equal to a checkpoint still
being explored (an ancestor on the same path) loops forever ("infinite loop detected at insn %d",
EINVAL).  may_goto instructions are forced checkpoints whose loop-back states are pruned against
their own ancestors by subsumption, as the kernel does for the may_goto depth.

A checkpoint that keeps missing (more than 3 + 3 x its hits, 64 for may_goto loops) is dropped from
the comparisons, as the kernel frees it.  Only the registers live at the instruction are compared
in the current frame (``liveness``); precision is not tracked yet: a live scalar must lie within the
old one's range, where the kernel lets any imprecise scalar match, so pybpf explores more paths
than the kernel on programs whose pruning relies on precision.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from pybpf.verifier import tnum
from pybpf.verifier.regstate import RegState
from pybpf.verifier.regtypes import RegType
from pybpf.verifier.stack import STACK_INVALID, STACK_MISC, Stack
from pybpf.verifier.state import PathState

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker


class Checkpoint:
    __slots__ = ("branches", "evicted", "hits", "key", "misses", "parent", "state")

    def __init__(self, state: PathState, parent: Checkpoint | None) -> None:
        self.state = state
        self.key = state.key()
        self.parent = parent
        self.branches = 1
        self.hits = self.misses = 0
        self.evicted = False


def update_branch_counts(cp: Checkpoint | None) -> None:
    """A path ended: its checkpoints with no other running path below them are finished."""
    while cp is not None:
        cp.branches -= 1
        if cp.branches:
            break
        cp = cp.parent


def is_state_visited(w: Walker, slot: int) -> bool:
    """True when the current path can stop here (a finished checkpoint covers it)."""
    env = w.env
    cur = w.state
    force = slot in w.force_points
    add = force or (
        w.jmps_processed - w.prev_jmps_processed >= 2 and env.insn_processed - w.prev_insn_processed >= 8
    )
    checkpoints = w.explored.get(slot)
    compared = len(checkpoints) if checkpoints else 0
    if checkpoints:
        key = cur.key()
        evicted = False
        for cp in checkpoints:
            if cp.branches:
                if force and states_subsumed(cp.state, cur, w.live.get(slot, ALL_REGS)):
                    cp.hits += 1
                    return True
                if cp.key == key:
                    message = f"infinite loop detected at insn {slot}"
                    w.source_lines.verbose_linfo(env.log, slot, "; ")
                    env.log.line(message)
                    env.log.line("cur state:" + w.format_state(cur, None))
                    env.log.line("old state:" + w.format_state(cp.state, None))
                    raise_loop(w, message)
                if not force and (
                    w.jmps_processed - w.prev_jmps_processed < 20
                    and env.insn_processed - w.prev_insn_processed < 100
                ):
                    add = False
            elif cp.key == key or states_subsumed(cp.state, cur, w.live.get(slot, ALL_REGS)):
                cp.hits += 1
                return True
            if not add:  # misses count only when a state is added (loop iterations keep theirs)
                continue
            cp.misses += 1
            n = 64 if force and cp.branches else 3
            if cp.misses > cp.hits * n + n:  # unlikely to be useful: stop comparing with it
                cp.evicted = evicted = True
        if evicted:
            kept = [cp for cp in checkpoints if not cp.evicted]
            w.live_states -= len(checkpoints) - len(kept)
            w.explored[slot] = kept
    if not add:
        return False
    cp = Checkpoint(cur.copy(), w.parent)
    w.explored.setdefault(slot, []).append(cp)
    w.parent = cp
    w.prev_jmps_processed = w.jmps_processed
    w.prev_insn_processed = env.insn_processed
    env.total_states += 1
    env.max_states_per_insn = max(env.max_states_per_insn, compared)
    w.live_states += 1
    env.peak_states = max(env.peak_states, w.live_states)
    return False


def raise_loop(w: Walker, message: str) -> None:
    from pybpf.verifier.errors import VerifierError

    raise VerifierError(errno.EINVAL, message, w.env.log.text)


ALL_REGS = (1 << 11) - 1


def states_subsumed(old: PathState, cur: PathState, live: int = ALL_REGS) -> bool:
    """states_equal(RANGE_WITHIN): every behaviour of ``cur`` was already explored from ``old``
    (``live``: the registers of the current frame that are read before written from here)."""
    if len(old.frames) != len(cur.frames) or ((old.refs or cur.refs) and not old.refs_equal(cur)):
        return False
    ids = IdMap()
    last = len(old.frames) - 1
    for depth, (fo, fc) in enumerate(zip(old.frames, cur.frames, strict=True)):
        if fo.callsite != fc.callsite or fo.callback_depth > fc.callback_depth:
            return False
        mask = live if depth == last else ALL_REGS
        for regno, (ro, rc) in enumerate(zip(fo.regs, fc.regs, strict=True)):
            if mask >> regno & 1 and not regsafe(ro, rc, ids):
                return False
        if not stacksafe(fo.stack, fc.stack, ids):
            return False
    return True


class IdMap:
    """check_ids(): the ids of the old state map one-to-one onto the current state's."""

    __slots__ = ("back", "forth")

    def __init__(self) -> None:
        self.forth: dict[int, int] = {}
        self.back: dict[int, int] = {}

    def same(self, old_id: int, cur_id: int) -> bool:
        if not old_id:
            return True  # no link in the old state: nothing was learned through it
        if not cur_id:
            return False
        mapped = self.forth.get(old_id)
        if mapped is None:
            if cur_id in self.back:
                return False
            self.forth[old_id], self.back[cur_id] = cur_id, old_id
            return True
        return mapped == cur_id


def regsafe(old: RegState, cur: RegState, ids: IdMap) -> bool:
    if old.type is RegType.NOT_INIT:
        return True
    if old.type is not cur.type:
        return False
    if old.type is RegType.SCALAR_VALUE:
        if old.id and old.off != cur.off:
            return False
        return range_within(old, cur) and ids.same(old.id, cur.id)
    same = (
        old.flags == cur.flags
        and old.off == cur.off
        and old.map is cur.map
        and old.mem_size == cur.mem_size
        and old.frameno == cur.frameno
        and old.ref_obj_id == cur.ref_obj_id
        and old.range <= cur.range
        and range_within(old, cur)
    )
    return same and ids.same(old.id, cur.id)


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


def stacksafe(old: Stack, cur: Stack, ids: IdMap) -> bool:
    for spi, so in enumerate(old.slots):
        sc = cur.slots[spi] if spi < len(cur.slots) else None
        for j, kind in enumerate(so.kinds):
            if kind in (STACK_INVALID, STACK_MISC):
                continue  # never needed / any data (uninitialised bytes read as data: privileged)
            if sc is None or sc.kinds[j] != kind:
                return False
        if (
            so.is_spill
            and so.spilled is not None
            and (
                sc is None
                or not sc.is_spill
                or sc.spilled is None
                or not regsafe(so.spilled, sc.spilled, ids)
            )
        ):
            return False
    return True
