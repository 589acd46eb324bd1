"""Which registers are live before each instruction: the kernel's compute_live_registers().

Mirrors kernel/bpf/verifier.c (Linux 6.15+): a backward dataflow over the control flow of each
instruction's uses and definitions — ALU operands, memory bases and stored values, the arguments a
helper's prototype declares (r1-r5 for bpf-to-bpf and kernel-function calls) and r0-r5 clobbered by
calls, r0 read by exit, r6 (and the index register) read by LD_ABS/LD_IND.  ``prune`` compares only
live registers of the current frame: a dead one is written before it is read on every path, so
its value cannot matter (this is what makes the kernel prune a program whose branches leave
different values in registers that are never read again).
"""

from __future__ import annotations

from pybpf.helpers.protos import proto
from pybpf.isa.opcodes import Kind
from pybpf.isa.program import ProgramView

_CALLER_SAVED = 0b111111  # r0-r5
_ARGS = 0b111110  # r1-r5


def _uses_defs(view: ProgramView, slot: int) -> tuple[int, int]:
    insn = view.insn_at(slot)
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
    if kind in (Kind.CALL_LOCAL, Kind.CALL_KFUNC, Kind.CALLX):
        return _ARGS, _CALLER_SAVED
    if kind is Kind.EXIT:
        return 1, 0
    return 0, 0


def live_registers(view: ProgramView) -> dict[int, int]:
    """Slot -> bitmask of the registers live before the instruction there."""
    slots = list(view.starts)
    facts = {slot: _uses_defs(view, slot) for slot in slots}
    succs = {slot: [t for t in view.successors(slot) if t in facts] for slot in slots}
    live_in = dict.fromkeys(slots, 0)
    changed = True
    while changed:
        changed = False
        for slot in reversed(slots):
            uses, defs = facts[slot]
            out = 0
            for t in succs[slot]:
                out |= live_in[t]
            new = uses | (out & ~defs)
            if new != live_in[slot]:
                live_in[slot] = new
                changed = True
    return live_in
