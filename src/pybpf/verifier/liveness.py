"""Which registers and stack slots are live before each instruction.

Registers: the kernel's compute_live_registers(); stack slots: ``StackLiveness`` (below).

Mirrors kernel/bpf/verifier.c (Linux 6.15+): a backward dataflow over the control flow of each
instruction's uses and definitions — ALU operands, memory bases and stored values, the arguments a
helper's prototype declares (a kernel function's parameters, r1-r5 for bpf-to-bpf calls) and r0-r5
clobbered by calls, r0 read by exit, r6 (and the index register) read by LD_ABS/LD_IND.  ``prune``
compares only live registers of the current frame: a dead one is written before it is read on every
path, so its value cannot matter (this is what makes the kernel prune a program whose branches
leave different values in registers that are never read again).
"""

from __future__ import annotations

import functools

from pybpf.helpers.protos import proto
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import Kind
from pybpf.isa.program import ProgramView
from pybpf.kfuncs.kernel_btf import kernel_btf

_CALLER_SAVED = 0b111111  # r0-r5
_ARGS = 0b111110  # r1-r5


@functools.lru_cache(maxsize=1 << 16)
def _uses_defs(insn: Instruction) -> tuple[int, int]:
    """The registers ``insn`` reads and writes (a pure function of the instruction: remembered,
    as programs repeat instructions and reloads repeat programs)."""
    spec = insn.spec
    if spec is None:
        return 0, 0
    kind = spec.kind
    d, s = 1 << insn.dst, 1 << insn.src
    if kind is Kind.ALU:
        if spec.op == "mov":
            return (s if spec.use_src_reg else 0), d
        return d | (s if spec.use_src_reg else 0), d
    if kind in (Kind.NEG, Kind.END):
        return d, d
    if kind is Kind.MOVSX:
        return s, d
    if kind in (Kind.LDX, Kind.LDXSX, Kind.LOAD_ACQ):
        return s, d
    if kind is Kind.ST:
        return d, 0
    if kind in (Kind.STX, Kind.STORE_REL):
        return d | s, 0
    if kind is Kind.ATOMIC:
        if spec.op == "cmpxchg":
            return d | s | 1, 1
        return d | s, s if spec.fetch else 0
    if kind is Kind.LD_ABS:
        return 1 << 6, _CALLER_SAVED
    if kind is Kind.LD_IND:
        return 1 << 6 | s, _CALLER_SAVED
    if kind is Kind.LDDW:
        return 0, d
    if kind is Kind.JCOND:
        return d | (s if spec.use_src_reg else 0), 0
    if kind is Kind.CALL:
        fn = proto(insn.imm)
        uses = _ARGS if fn is None else sum(1 << (i + 1) for i in range(len(fn.args)))
        return uses, _CALLER_SAVED
    if kind is Kind.CALL_KFUNC:  # get_call_summary(): a kfunc pybpf knows reads its parameters
        kfunc = kernel_btf().kfunc(insn.imm & 0xFFFFFFFF) if insn.imm and not insn.off else None
        uses = _ARGS if kfunc is None else sum(1 << (i + 1) for i in range(len(kfunc.args)))
        return uses, _CALLER_SAVED
    if kind in (Kind.CALL_LOCAL, Kind.CALLX):
        return _ARGS, _CALLER_SAVED
    if kind is Kind.EXIT:
        return 1, 0
    return 0, 0


def has_back_edge(view: ProgramView) -> bool:
    """Whether some jump leads back (to itself or an earlier slot): falling through leads forward, so
    without such a jump the control flow (call edges aside) has no cycle."""
    return any(target <= slot for slot, target in view.jumps.items())


def live_registers(view: ProgramView) -> dict[int, int]:
    """Slot -> bitmask of the registers live before the instruction there."""
    slots = view.starts
    live_in = dict.fromkeys(slots, 0)
    get = live_in.get  # a successor outside the program (or inside an lddw) reads nothing
    order = [
        (slot, *_uses_defs(insn), view.successors(slot))
        for slot, insn in zip(reversed(slots), reversed(view.insns), strict=True)
    ]
    forward = not has_back_edge(view)
    changed = True
    while changed:
        changed = False
        for slot, uses, defs, succs in order:
            out = 0
            for t in succs:
                out |= get(t, 0)
            new = uses | (out & ~defs)
            if new != live_in[slot]:
                live_in[slot] = new
                changed = True
        if forward:  # every successor came before in this backward pass: nothing can change
            break
    return live_in


class StackLiveness:
    """Which stack slots are live before each instruction: Linux 6.18's stack liveness
    (kernel/bpf/liveness.c) in a per-subprogram form.

    While paths are walked, every instruction records the slots it may read (``read``: loads, helper
    arguments, atomics; a read of a caller's stack through a pointer counts at the caller's call
    instruction) and the slots it writes whole on every visit (``write``: 8-byte stores at a fixed
    slot; the masks of later visits are intersected).  A backward dataflow over each subprogram's
    control flow (calls fall through to the next instruction) gives the live slots; it is redone
    only when a mask changed since.  A finished checkpoint's dead slots are cleaned
    (clean_func_state()), so states that differ only in them prune.  The kernel keeps one such
    table per call chain; keeping one per subprogram merges the chains, which keeps slots live more
    often (never less).
    """

    __slots__ = ("_dirty", "_live", "_reads", "_succs", "_view", "_writes")

    def __init__(self, view: ProgramView) -> None:
        self._view = view
        self._reads: dict[int, int] = {}
        self._writes: dict[int, int] = {}
        self._live: dict[int, int] = {}
        self._succs: dict[int, list[int]] | None = None
        self._dirty = False

    def read(self, slot: int, mask: int) -> None:
        old = self._reads.get(slot, 0)
        if mask & ~old:
            self._reads[slot] = old | mask
            self._dirty = True

    def write(self, slot: int, mask: int) -> None:
        old = self._writes.get(slot)
        new = mask if old is None else old & mask
        if new != old:
            self._writes[slot] = new
            self._dirty = True

    def alive(self, slot: int) -> int:
        """The slots (bit ``spi``) that may be read before being written from ``slot`` on."""
        if self._dirty:
            self._solve()
        return self._live.get(slot, 0)

    def _solve(self) -> None:
        view = self._view
        if self._succs is None:
            starts = view.starts
            known = set(starts)
            self._succs = {s: [t for t in view.successors(s) if t in known] for s in starts}
        succs = self._succs
        reads, writes = self._reads, self._writes
        live: dict[int, int] = {}
        order = list(reversed(view.starts))
        changed = True
        while changed:
            changed = False
            for slot in order:
                out = 0
                for t in succs[slot]:
                    out |= live.get(t, 0)
                new = reads.get(slot, 0) | (out & ~writes.get(slot, 0))
                if new != live.get(slot, 0):
                    live[slot] = new
                    changed = True
        self._live = live
        self._dirty = False
