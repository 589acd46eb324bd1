"""The bpf_fastcall contract: spill/fill pairs around a call that the kernel may drop, and the stack
they use left out of the subprogram's stack depth.

Mirrors kernel/bpf/verifier.c of Linux 6.18 on x86-64:

* mark_fastcall_patterns() (before do_check): in each subprogram, the lowest offset of any
  ``*(u64 *)(r10 + off) = rX`` is where patterns may start; around every helper call with a
  prototype the program type offers (get_call_summary()), the pairs ``*(u64 *)(r10 + off) = rX``
  i instructions before and ``rX = *(u64 *)(r10 + off)`` i instructions after, for i = 1, 2, ...,
  the offsets rising by 8 from that lowest one, each pair of a caller-saved register the call
  would not clobber as a fastcall function (r0 when it returns something, r1..rN for its N
  parameters) and not used by an earlier pair, make the pattern (mark_fastcall_pattern_for_call()).
  A pattern around a fastcall helper -- one with ``allow_fastcall`` that the verifier or the JIT
  inlines: bpf_get_smp_processor_id alone -- may lose its pairs; one around any other call keeps
  the subprogram's stack (``keep_fastcall_stack``).  The subprogram's ``fastcall_stack_off`` is
  the lowest offset just above every pattern's pairs.
* check_fastcall_stack_contract() (from every stack access do_check checks, see
  ``pybpf.verifier.checks.mem``): an access below ``fastcall_stack_off`` by an instruction no
  pattern owns cancels every pattern of the subprogram, for good.
* remove_fastcall_spills_fills() (after do_check): a subprogram that still has a pattern around a
  fastcall helper and keeps no stack for another call gets ``-fastcall_stack_off`` as its stack
  depth; check_max_stack_depth() and the BPF_LOG_STATS ``stack depth`` line use that depth.

Not modelled: kfunc calls (Linux's get_call_summary() reads their BTF prototype and KF_FASTCALL;
the kfuncs pybpf implements have no KF_FASTCALL, so a pattern around one could only keep the
stack), and the 48 extra bytes below 512 check_stack_slot_within_bounds() lets a pattern's pairs
use: pybpf keeps the pairs in the program it runs, so their slots must lie inside the frame, and a
pattern below fp-512 is refused as any other access there.  The pairs stay in pybpf's program (its
helpers keep every register as the pattern restores it), and so do the depths the interpreter and
the JIT use (``VerifierState.stack_depths``): only the rules the kernel applies to the depth
change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pybpf.helpers.protos import RetType
from pybpf.isa import opcodes as op
from pybpf.isa.helper_names import HELPER_IDS
from pybpf.isa.program import CALL_OPCODE, ProgramView
from pybpf.verifier.helpers import helper_proto, offered

if TYPE_CHECKING:
    from pybpf.verifier.state import VerifierState

CALLER_SAVED_REGS = 6
"""r0-r5."""
ALL_CALLER_SAVED = (1 << CALLER_SAVED_REGS) - 1
FASTCALL_HELPERS = frozenset({HELPER_IDS["bpf_get_smp_processor_id"]})
"""Helpers with ``allow_fastcall`` that Linux 6.18 inlines on x86-64 (verifier_inlines_helper_call())."""
NO_PATTERN = 1 << 15
"""``fastcall_stack_off`` of a subprogram without patterns (S16_MAX: every access is below it)."""
CANCELLED = -(1 << 15)
"""``fastcall_stack_off`` once the contract is broken (S16_MIN: no access is below it)."""

_SPILL = op.BPF_STX | op.BPF_MEM | op.BPF_DW
_FILL = op.BPF_LDX | op.BPF_MEM | op.BPF_DW


@dataclass
class FastcallPatterns:
    """What mark_fastcall_patterns() found: per subprogram ``stack_off`` (fastcall_stack_off) and
    ``keep_stack`` (keep_fastcall_stack), per slot ``pattern`` (the pairs' slots: fastcall_pattern)
    and ``spills`` (a fastcall call's slot -> its number of pairs: fastcall_spills_num)."""

    starts: tuple[int, ...]
    stack_off: list[int]
    keep_stack: list[bool]
    pattern: set[int] = field(default_factory=set)
    spills: dict[int, int] = field(default_factory=dict)
    depths: list[int] | None = None  # the stack depths after remove_fastcall_spills_fills(), once it ran

    def check_contract(self, subprog: int, slot: int, off: int) -> None:
        """check_fastcall_stack_contract(): an access at ``off`` of subprogram ``subprog``'s stack by
        the instruction at ``slot``."""
        if self.stack_off[subprog] <= off or slot in self.pattern:
            return
        self.stack_off[subprog] = CANCELLED
        start = self.starts[subprog]
        end = self.starts[subprog + 1] if subprog + 1 < len(self.starts) else 1 << 62
        self.pattern = {s for s in self.pattern if not start <= s < end}
        self.spills = {s: n for s, n in self.spills.items() if not start <= s < end}

    def stack_depths(self, view: ProgramView, depths: list[int]) -> list[int]:
        """The stack depths after remove_fastcall_spills_fills(): ``depths`` with each subprogram
        that keeps a pattern around a fastcall helper cut to the stack above its pairs."""
        cut = list(depths)
        for slot in self.spills:
            subprog = view.subprog_of(slot)
            if subprog < len(cut) and not self.keep_stack[subprog]:
                cut[subprog] = -self.stack_off[subprog]
        return cut


def _call_summary(state: VerifierState, slot: int) -> tuple[int, bool, bool] | None:
    """get_call_summary() of the helper call at ``slot``: (parameters, returns void, fastcall), or
    None (not a helper call, or one the program type does not offer)."""
    insn = state.view.slots[slot]
    if insn.code != CALL_OPCODE or insn.src != 0:
        return None
    fn = helper_proto(state.request.prog_type, insn.imm)
    if fn is None or not offered(state)(insn.imm):
        return None
    return len(fn.args), fn.ret is RetType.VOID, insn.imm in FASTCALL_HELPERS


def _mark_call(state: VerifierState, found: FastcallPatterns, subprog: int, slot: int, lowest: int) -> None:
    """mark_fastcall_pattern_for_call()."""
    summary = _call_summary(state, slot)
    if summary is None:
        return
    params, void, fastcall = summary
    clobbered = ((1 << (params + 1)) - 1) & ~int(void)  # GENMASK(params, void ? 1 : 0): r0 and the parameters
    expected = ~clobbered & ALL_CALLER_SAVED
    slots = state.view.slots
    i, off = 1, lowest
    while i <= CALLER_SAVED_REGS:
        if slot - i < 0 or slot + i >= len(slots):
            break
        stx, ldx = slots[slot - i], slots[slot + i]
        if stx.code != _SPILL or ldx.code != _FILL or stx.dst != op.BPF_REG_FP or ldx.src != op.BPF_REG_FP:
            break
        if stx.src != ldx.dst or not (1 << stx.src) & expected or stx.off != off or ldx.off != off:
            break
        expected &= ~(1 << stx.src)
        found.pattern.update((slot - i, slot + i))
        i, off = i + 1, off + 8
    if i == 1:
        return
    if fastcall:
        found.spills[slot] = i - 1
    else:
        found.keep_stack[subprog] = True
    found.stack_off[subprog] = min(found.stack_off[subprog], off)


def mark_fastcall_patterns(state: VerifierState) -> FastcallPatterns:
    """mark_fastcall_patterns(): the patterns of every subprogram of ``state``'s program."""
    view = state.view
    starts = tuple(view.subprograms)
    found = FastcallPatterns(starts, [NO_PATTERN] * len(starts), [False] * len(starts))
    slots = view.slots
    for subprog, start in enumerate(starts):
        end = starts[subprog + 1] if subprog + 1 < len(starts) else len(slots)
        lowest = 0
        for slot in range(start, end):
            insn = slots[slot]
            if insn.code == _SPILL and insn.dst == op.BPF_REG_FP:
                lowest = min(lowest, insn.off)
        for slot in range(start, end):
            if slots[slot].code == CALL_OPCODE:
                _mark_call(state, found, subprog, slot, lowest)
    return found


def kernel_stack_depths(state: VerifierState) -> list[int]:
    """The stack depth of each subprogram as the kernel counts it once do_check succeeded (the
    fastcall pairs' stack left out), else do_check's."""
    depths = state.stack_depths or [0] * len(state.subprogs)
    if state.fastcall is not None and state.fastcall.depths is not None:
        return state.fastcall.depths
    return depths


class FastcallPass:
    """mark_fastcall_patterns() as a pipeline step (after check_cfg, before do_check)."""

    name = "mark_fastcall_patterns"

    def run(self, state: VerifierState) -> None:
        found = mark_fastcall_patterns(state)
        state.fastcall = found if found.spills else None  # without one, no depth can change


class FastcallDepthPass:
    """remove_fastcall_spills_fills()'s stack depths (after do_check, before check_max_stack_depth)."""

    name = "remove_fastcall_spills_fills"

    def run(self, state: VerifierState) -> None:
        if state.fastcall is not None:
            depths = state.stack_depths or [0] * len(state.subprogs)
            state.fastcall.depths = state.fastcall.stack_depths(state.view, depths)


__all__ = [
    "FastcallDepthPass",
    "FastcallPass",
    "FastcallPatterns",
    "kernel_stack_depths",
    "mark_fastcall_patterns",
]
