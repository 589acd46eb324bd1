"""Stack liveness per call chain: which stack slots a path may still read, Linux 6.18's analysis.

Mirrors kernel/bpf/liveness.c (Linux 6.18).  Every (call chain, instruction) pair has, per frame
of the chain, four masks of 8-byte stack slots (bit ``spi``: the slot at ``-(spi + 1) * 8``):

- ``may_read``: the slots the instruction may read (the union over every visit);
- ``must_write``: the slots it writes whole on every visit (the intersection; an instruction seen
  once without writing writes nothing);
- ``must_write_acc``: the slots it or every path after it in the subprogram writes;
- ``live_before``: the slots it or a later instruction may read before they are written.

A call chain (``FuncInstance``, the kernel's ``struct func_instance``) is the call instructions
leading to a subprogram and the subprogram's first instruction.  While a path is walked, the
instruction being checked records its reads (bpf_mark_stack_read()) into the current chain's
instance at once, and its whole-slot writes (bpf_mark_stack_write()) are gathered and committed
when it is done (bpf_reset_stack_write_marks() / bpf_commit_stack_write_marks()).  When a path
leaves a subprogram or ends (an exit, a pruned state), every instance of its chain that changed is
solved again (bpf_update_live_stack(): update_instance(), a backward dataflow over the subprogram's
instructions in postorder until nothing changes), and what a callee reads of its callers' frames
before writing it, and what it always writes, passes to the caller's call instruction
(propagate_to_outer_instance()).

A finished checkpoint forgets its dead slots (clean_func_state()): ``alive_masks`` answers, per
frame, the slots that the checkpoint's own instruction may read through its chain's instance, or
that some caller may read after the call returns (at the call itself for a callback-calling helper,
which enters the callback again).

At log level 2 every change of ``live_before`` and ``must_write_acc`` of an instruction that reads
or writes, starts the subprogram or is a prune point is logged (``(0,3) frame 1 insn 11 +live
-8,-16``), and every solved instance says in how many rounds (``(0) live stack update done in 2
iterations``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from pybpf.isa.program import CALL_OPCODE, ProgramView
from pybpf.uapi import BPF_FUNC_tail_call
from pybpf.verifier.log import VerifierLog

Chain = tuple[int, ...]
"""The call instructions leading to a subprogram, then the subprogram's first instruction."""

_ALL: Final = (1 << 64) - 1


class FrameMasks:
    """``struct per_frame_masks`` of every instruction of an instance, for one frame of its chain."""

    __slots__ = ("live_before", "may_read", "must_write", "must_write_acc")

    def __init__(self, count: int) -> None:
        self.may_read = [0] * count
        self.must_write = [0] * count
        self.must_write_acc = [0] * count
        self.live_before = [0] * count


class FuncInstance:
    """``struct func_instance``: the masks of one call chain's subprogram, per frame of the chain."""

    __slots__ = ("chain", "frames", "label", "must_write_any", "must_write_dropped", "must_write_set",
                 "start", "updated")  # fmt: skip

    def __init__(self, chain: Chain, count: int) -> None:
        self.chain = chain
        self.start = chain[-1]
        self.label = "(" + ",".join(str(site) for site in chain) + ")"  # fmt_callchain()
        self.frames: list[FrameMasks | None] = [None] * len(chain)
        self.must_write_set = bytearray(count)  # must_write recorded once for the instruction
        self.must_write_any = bytearray(count)  # some frame's must_write is not empty there
        self.updated = False
        self.must_write_dropped = False

    def masks(self, frame: int) -> FrameMasks:
        """alloc_frame_masks(): the frame's masks, made when first needed."""
        masks = self.frames[frame]
        if masks is None:
            masks = self.frames[frame] = FrameMasks(len(self.must_write_set))
        return masks

    def live_before(self, frame: int, insn: int) -> int:
        """is_live_before() for every slot at once."""
        masks = self.frames[frame]
        return masks.live_before[insn - self.start] if masks is not None else 0


def format_stack_mask(mask: int) -> str:
    """bpf_fmt_stack_mask(): the slots' offsets, ``-8,-16``."""
    return ",".join(str(-(spi + 1) * 8) for spi in range(64) if mask >> spi & 1)


class StackLiveness:
    """``struct bpf_liveness``: the instances of every call chain seen, for one verification."""

    __slots__ = ("_instances", "_log", "_postorder", "_prune_points", "_succs", "_tail_calls", "_view",
                 "calls_callback", "cur", "updated", "write_acc", "write_insn")  # fmt: skip

    def __init__(
        self,
        view: ProgramView,
        log: VerifierLog,
        prune_points: frozenset[int],
        calls_callback: Callable[[int], bool],
    ) -> None:
        self._view = view
        self._log = log
        self._prune_points = prune_points
        self.calls_callback = calls_callback
        self._instances: dict[Chain, FuncInstance] = {}
        self._succs: dict[int, tuple[int, ...]] = {}
        self._tail_calls = frozenset(
            index
            for index, raw in enumerate(view.slots)
            if raw.code == CALL_OPCODE and raw.src == 0 and raw.imm == BPF_FUNC_tail_call
        )
        """The bpf_tail_call instructions: one that succeeds leaves its subprogram there (Linux 6.18.44
        propagates no write after it to the call's entry: measured, selftests_live_stack)."""
        self._postorder: dict[int, list[int]] = {}
        self.cur: FuncInstance | None = None  # the current path's instance (cur_instance)
        self.write_insn = 0  # the instruction whose writes are gathered (write_insn_idx)
        self.write_acc: dict[int, int] = {}  # frame -> slots written by it (write_masks_acc)
        self.updated = False  # some instance has changed since it was last solved

    # --- call chains ---

    def instance(self, chain: Chain) -> FuncInstance:
        """__lookup_instance(): the chain's instance, made when first seen."""
        found = self._instances.get(chain)
        if found is None:
            view = self._view
            count = len(view.subprog_range(view.subprog_of(chain[-1])))
            found = self._instances[chain] = FuncInstance(chain, count)
        return found

    def reset_callchain(self) -> None:
        """bpf_reset_live_stack_callchain(): the path's call chain changed."""
        self.cur = None

    # --- marks ---

    def mark_read(self, inst: FuncInstance, frame: int, insn: int, mask: int) -> None:
        """mark_stack_read(): ``insn`` of ``inst`` may read the slots ``mask`` of ``frame``."""
        masks = inst.masks(frame)
        idx = insn - inst.start
        old = masks.may_read[idx]
        new = old | mask
        if new != old:
            if (new | masks.live_before[idx]) != masks.live_before[idx]:
                inst.updated = self.updated = True
            masks.may_read[idx] = new

    def mark_write(self, frame: int, mask: int) -> None:
        """bpf_mark_stack_write(): the instruction being checked writes the slots ``mask`` of
        ``frame`` whole."""
        acc = self.write_acc
        acc[frame] = acc.get(frame, 0) | mask

    def reset_write_marks(self, insn: int) -> None:
        """reset_stack_write_marks(): the writes of ``insn`` are gathered from now on."""
        self.write_insn = insn
        self.write_acc = {}

    def commit(self) -> None:
        """bpf_commit_stack_write_marks(): the gathered writes become the instruction's must_write in
        the current instance (none when the path's call chain changed meanwhile)."""
        inst = self.cur
        if inst is None:
            self.write_acc = {}
            return
        idx = self.write_insn - inst.start
        if not self.write_acc and not inst.must_write_any[idx]:  # (nothing written, nothing to drop)
            inst.must_write_set[idx] = 1
            return
        self._commit(inst, idx)

    def _commit(self, inst: FuncInstance, idx: int) -> None:
        """commit_stack_write_marks() into ``inst``: intersected with the earlier visits' (the first
        visit's writes as they are)."""
        acc = self.write_acc
        seen = inst.must_write_set[idx]
        written = 0
        for frame in range(len(inst.chain)):
            mask = acc.get(frame, 0)
            masks = inst.frames[frame]
            if mask == 0 and (not seen or masks is None):
                continue  # (an unmade frame's masks are all zero: nothing to intersect)
            if masks is None:
                masks = inst.masks(frame)
            old = masks.must_write[idx]
            if seen:
                mask &= old
            if old != mask:
                masks.must_write[idx] = mask
                inst.updated = self.updated = True
            if old & ~mask:
                inst.must_write_dropped = True
            written |= mask
        inst.must_write_set[idx] = 1
        inst.must_write_any[idx] = written != 0
        self.write_acc = {}
        self.write_insn = 0

    # --- solving ---

    def update(self, chains: list[Chain]) -> None:
        """bpf_update_live_stack(): the instances of a path's frames (``chains``: the outermost
        first) solved again where they changed, callees before their callers."""
        self.cur = None
        for chain in reversed(chains):
            inst = self.instance(chain)
            if inst.updated:
                self._update_instance(inst)
                inst.updated = False
                inst.must_write_dropped = False
        self.updated = any(inst.updated for inst in self._instances.values())

    def _successors(self, slot: int) -> tuple[int, ...]:
        """bpf_insn_successors(): falling through first, then the jump's target (a call falls
        through)."""
        found = self._succs.get(slot)
        if found is None:
            found = self._succs[slot] = self._view.successors(slot)
        return found

    def postorder(self, start: int) -> list[int]:
        """compute_postorder() of the subprogram starting at ``start``: a depth-first walk whose
        stack takes the fall-through then the jump target (so the target is walked first)."""
        found = self._postorder.get(start)
        if found is not None:
            return found
        order: list[int] = []
        discovered = {start}
        explored: set[int] = set()
        stack = [start]
        while stack:
            top = stack[-1]
            if top in explored:
                order.append(top)
                stack.pop()
                continue
            for succ in self._successors(top):
                if succ not in discovered:
                    stack.append(succ)
                    discovered.add(succ)
            explored.add(top)
        self._postorder[start] = order
        return order

    def _update_instance(self, inst: FuncInstance) -> None:
        """update_instance(): live_before and must_write_acc to a fixed point, then the callee's
        entry passed to its caller's call instruction."""
        frames = [(frame, masks) for frame, masks in enumerate(inst.frames) if masks is not None]
        if inst.must_write_dropped:  # the accumulated writes start again from nothing
            for _, masks in frames:
                masks.must_write_acc = [0] * len(masks.must_write_acc)
        order = self.postorder(inst.start)
        log = self._log if self._log.level2 else None
        rounds = 0
        changed = True
        while changed:
            rounds += 1
            changed = False
            for frame, masks in frames:
                for slot in order:
                    changed |= self._update_insn(inst, frame, masks, slot, log)
        if log is not None:
            log.verbose(f"{inst.label} live stack update done in {rounds} iterations\n")
        if len(inst.chain) > 1:
            self._propagate_to_outer(inst)

    def _update_insn(
        self, inst: FuncInstance, frame: int, masks: FrameMasks, slot: int, log: VerifierLog | None
    ) -> bool:
        """update_insn(): one instruction's live_before and must_write_acc from its successors'."""
        succs = self._successors(slot)
        if not succs:
            return False
        start = inst.start
        live, acc = masks.live_before, masks.must_write_acc
        after = 0
        written = _ALL
        for succ in succs:
            after |= live[succ - start]
            written &= acc[succ - start]
        if slot in self._tail_calls:
            written = 0  # a successful tail call writes nothing more in this subprogram
        idx = slot - start
        must_write = masks.must_write[idx]
        may_read = masks.may_read[idx]
        written |= must_write
        before = (after & ~must_write) | may_read
        old_before, old_written = live[idx], acc[idx]
        if log is not None and (may_read or must_write or slot == start or slot in self._prune_points):
            changes = (mask_change("live", old_before, before), mask_change("written", old_written, written))
            for text in changes:
                if text:
                    log.verbose(f"{inst.label} frame {frame} insn {slot} {text}\n")
        live[idx] = before
        acc[idx] = written
        return before != old_before or written != old_written

    def _propagate_to_outer(self, inst: FuncInstance) -> None:
        """propagate_to_outer_instance(): what the callee's entry may read of its callers' frames
        and always writes of them, at the call instruction of the caller's instance."""
        chain = inst.chain
        outer = self.instance((*chain[:-2], self._view.subprograms[self._view.subprog_of(chain[-2])]))
        callsite = chain[-2]
        self.reset_write_marks(callsite)
        for frame in range(len(chain) - 1):
            masks = inst.frames[frame]
            if masks is None:
                continue
            self.mark_write(frame, masks.must_write_acc[0])  # (the callee's first instruction)
            self.mark_read(outer, frame, callsite, masks.live_before[0])
        self._commit(outer, callsite - outer.start)

    # --- queries ---

    def alive_masks(self, chains: list[Chain], insn: int) -> list[int]:
        """bpf_live_stack_query_init() + bpf_stack_slot_alive() for a state whose frames' chains
        are ``chains`` (the outermost first) standing at ``insn``: per frame, its live slots."""
        instances = [self.instance(chain) for chain in chains]
        curframe = len(instances) - 1
        current = instances[curframe]
        out = []
        for frameno in range(curframe + 1):
            alive = current.live_before(frameno, insn)
            for i in range(frameno, curframe):
                callsite = current.chain[i]
                at = callsite if self.calls_callback(callsite) else callsite + 1
                alive |= instances[i].live_before(frameno, at)
            out.append(alive)
        return out


def mask_change(what: str, old: int, new: int) -> str:
    """log_mask_change()'s text after the instruction: the slots that joined (``+live -8``) and left
    (``-live -16``) a mask; '' when it did not change."""
    changed = old ^ new
    if not changed:
        return ""
    ones, zeros = new & changed, ~new & changed
    text = f"+{what} {format_stack_mask(ones)} " if ones else ""
    if zeros:
        text += f"-{what} {format_stack_mask(zeros)}"
    return text
