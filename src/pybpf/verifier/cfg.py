"""The ``cfg`` pass: every slot reachable, no jump into the middle of an lddw.

Mirrors the kernel's check_cfg() / visit_insn(): a depth-first walk from slot 0 along fall-through
edges, jump targets (``ja``/``gotol`` only the target; conditional jumps and ``may_goto`` both
ways), bpf-to-bpf calls (into the callee and past the call) and lddw BPF_PSEUDO_FUNC (into the
callback and past the lddw).  An edge leaving the program is "jump out of range from insn %d to %d".
Back-edges are allowed, because the kernel allows bounded loops for privileged (CAP_BPF) loads and
pybpf loads as root; whether a loop terminates is value tracking's question.  Then, in slot order,
an unvisited slot is "unreachable insn %d" and a visited second half of an lddw is "jump into the
middle of ldimm64 insn %d" (both EINVAL).
"""

from __future__ import annotations

from pybpf.isa import opcodes as op
from pybpf.verifier.state import Slot, VerifierState

_LDDW = op.BPF_LD | op.BPF_IMM | op.BPF_DW


def successors(slot: Slot, t: int) -> list[int]:
    """visit_insn(): the slots control may go to after slot ``t`` (fall-through first)."""
    cls = slot.code & 0x07
    if cls not in (op.BPF_JMP, op.BPF_JMP32):
        if slot.code == _LDDW:
            if slot.src == op.BPF_PSEUDO_FUNC:
                return [t + 2, t + slot.imm + 1]
            return [t + 2]
        return [t + 1]
    opcode = slot.code & 0xF0
    if opcode == op.JMP_OPS["exit"]:
        return []
    if opcode == op.JMP_OPS["call"]:
        if slot.src == op.BPF_PSEUDO_CALL and slot.code == op.BPF_JMP | op.JMP_OPS["call"]:
            return [t + 1, t + slot.imm + 1]
        return [t + 1]
    if opcode == op.JMP_OPS["ja"]:
        return [t + (slot.imm if cls == op.BPF_JMP32 else slot.off) + 1]
    return [t + 1, t + slot.off + 1]


class CfgPass:
    name = "cfg"

    def run(self, state: VerifierState) -> None:
        slots = state.slots
        count = len(slots)
        seen = [False] * count
        seen[0] = True
        stack = [0]
        while stack:
            t = stack.pop()
            for w in successors(slots[t], t):
                if not 0 <= w < count:
                    state.einval(f"jump out of range from insn {t} to {w}")
                if not seen[w]:
                    seen[w] = True
                    stack.append(w)
        i = 0
        while i < count:
            if not seen[i]:
                state.einval(f"unreachable insn {i}")
            if slots[i].code == _LDDW:
                if i + 1 < count and seen[i + 1]:
                    state.einval(f"jump into the middle of ldimm64 insn {i}")
                i += 1
            i += 1
