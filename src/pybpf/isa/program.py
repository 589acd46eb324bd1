"""The program view: a program's layout and control flow, worked out once and shared by every consumer.

A ``ProgramView`` is an immutable view over a decoded program: its instructions, and the raw 8-byte
slots the kernel indexes (an lddw is one instruction taking two slots).  On first use, once per
view, it works out

* where each instruction starts (slot <-> instruction index) and which slots are lddw second halves;
* how control leaves each instruction (``Flow``) and which slot its pc-relative field names: jumps
  (``ja`` and conditional jumps by ``off``, ``gotol`` by its 32-bit ``imm``, ``may_goto``, JMP32
  jumps) and *call edges* (``call pc+N`` with BPF_PSEUDO_CALL, and lddw BPF_PSEUDO_FUNC, which loads
  a function's address);
* successors, basic-block leaders, subprogram boundaries.

The rule is the kernel's (kernel/bpf/verifier.c): an encoding's class and operation bits decide
whether it jumps, calls or exits, as in check_subprogs() and visit_insn() of check_cfg(), and
subprograms start at slot 0 and at every call edge's target, as add_subprog_and_kfunc() collects
them.  So an encoding the opcode table does not know has the control flow the kernel gives it, and
the passes that refuse it can do so in the kernel's order.  Targets are reported as the fields name
them, even outside the program or inside an lddw (``invalid_targets``): the pass that refuses such
a program turns them into its message.

Positions are slot indices throughout, as in the kernel's log and its jump offsets.  ``transfer``
is the per-instruction rule the view applies; ``slot_starts`` the layout of an instruction list.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterable, Mapping
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from pybpf.isa import opcodes as op

if TYPE_CHECKING:
    from pybpf.isa.instruction import Instruction

CALL_OPCODE = op.BPF_JMP | op.JMP_OPS["call"]
CALLX_OPCODE = CALL_OPCODE | op.BPF_X
EXIT_OPCODE = op.BPF_JMP | op.JMP_OPS["exit"]
JA_OPCODE = op.BPF_JMP | op.JMP_OPS["ja"]
GOTOL_OPCODE = op.BPF_JMP32 | op.JMP_OPS["ja"]


class Flow(enum.Enum):
    """How control leaves an instruction."""

    NEXT = "next"  # to the next instruction: ALU, loads, stores, lddw, helper and kfunc calls
    GOTO = "goto"  # to its target only: ja, gotol
    BRANCH = "branch"  # to the next instruction or its target: conditional jumps, may_goto
    CALL = "call"  # into BPF code, then back to the next instruction: call pc+N, callx
    EXIT = "exit"  # out of the function: exit


JUMP_FLOWS = frozenset({Flow.GOTO, Flow.BRANCH})


class CallKind(enum.Enum):
    """What a call edge does with the subprogram it names."""

    CALL = "call"  # call pc+N (BPF_PSEUDO_CALL): enters it
    FUNC = "func"  # lddw BPF_PSEUDO_FUNC: loads its address (a callback for a helper)


class CallEdge(NamedTuple):
    """A bpf-to-bpf call or function reference: the slot of the instruction and the slot it names."""

    site: int
    target: int
    kind: CallKind


class Transfer(NamedTuple):
    """Where control goes from one instruction: ``flow``, and the slot its pc-relative field names
    (None when it has none) with the name of that field (``"off"`` or ``"imm"``)."""

    flow: Flow
    target: int | None = None
    field: str | None = None


class Slot(NamedTuple):
    """One raw 8-byte ``struct bpf_insn``; an lddw's second half is ``{code 0, imm = upper half}``."""

    code: int
    dst: int
    src: int
    off: int
    imm: int


_NEXT = Transfer(Flow.NEXT)
_EXIT = Transfer(Flow.EXIT)
_CALLX = Transfer(Flow.CALL)
_TRANSFER_CODES = frozenset(
    {code for code in range(256) if code & 0x07 in (op.BPF_JMP, op.BPF_JMP32)} | {op.LDDW_OPCODE}
)
"""Opcode bytes that may do anything but fall through to the next slot (every other one does)."""


def transfer(insn: Instruction, slot: int) -> Transfer:
    """How control leaves ``insn`` when it starts at ``slot`` (the kernel's reading of the encoding).

    JMP/JMP32 class: ``exit`` exits; ``call`` falls through, and enters its target when it is
    ``call pc+imm`` (BPF_PSEUDO_CALL) — ``callx`` enters BPF code through a register; ``ja`` goes
    to ``slot + 1 + off`` (``gotol``: ``+ imm``); every other operation branches there or falls
    through.  An lddw of BPF_PSEUDO_FUNC falls through and names the function at ``slot + 1 + imm``.
    """
    code = insn.opcode
    if code == op.LDDW_OPCODE:
        if insn.src == op.BPF_PSEUDO_FUNC:
            return Transfer(Flow.NEXT, slot + 1 + insn.imm, "imm")
        return _NEXT
    if code not in _TRANSFER_CODES:
        return _NEXT
    operation = code & 0xF0
    if operation == op.JMP_OPS["exit"]:
        return _EXIT
    if operation == op.JMP_OPS["call"]:
        if code == CALL_OPCODE and insn.src == op.BPF_PSEUDO_CALL:
            return Transfer(Flow.CALL, slot + 1 + insn.imm, "imm")
        return _CALLX if code == CALLX_OPCODE else _NEXT
    if operation == op.JMP_OPS["ja"]:
        if code == GOTOL_OPCODE:
            return Transfer(Flow.GOTO, slot + 1 + insn.imm, "imm")
        return Transfer(Flow.GOTO, slot + 1 + insn.off, "off")
    return Transfer(Flow.BRANCH, slot + 1 + insn.off, "off")


def slot_starts(insns: Iterable[Instruction]) -> list[int]:
    """The slot index at which each instruction starts."""
    starts: list[int] = []
    append = starts.append
    slot = 0
    lddw = op.LDDW_OPCODE
    for insn in insns:
        append(slot)
        slot += 2 if insn.opcode == lddw else 1  # (Instruction.slots without the property's call)
    return starts


class _Control(NamedTuple):
    targets: dict[int, int]  # slot -> slot its pc-relative field names (jumps and call edges), in order
    flows: dict[int, Flow]  # slot -> flow, for every instruction whose flow is not Flow.NEXT
    lddw: frozenset[int]  # first slots of the lddw


class ProgramView:
    """An immutable view of one program's layout and control flow; every answer is computed at most
    once (on first use) and shared.  Build it with ``ProgramView(insns)`` (or ``from_instructions``)
    or ``from_bytes``.

    Queries about a position take and return slot indices.  ``successors(slot)`` answers for any
    slot of the program, an lddw's second half included (the kernel's check_cfg() walks those as
    slots that fall through).
    """

    insns: tuple[Instruction, ...]
    """The instructions, in order."""
    entries: frozenset[int]
    """Subprogram starts no call edge names (an exception callback, which the kernel's
    add_subprog_and_kfunc() adds from the program's BTF); empty for most programs."""

    def __init__(self, insns: Iterable[Instruction], entries: Iterable[int] = ()) -> None:
        object.__setattr__(self, "insns", tuple(insns))
        object.__setattr__(self, "entries", frozenset(entries))

    @classmethod
    def from_instructions(cls, insns: Iterable[Instruction]) -> ProgramView:
        return cls(insns)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> ProgramView:
        """The view of a raw program (``pybpf.isa.decode_program`` decodes it, refusing a broken lddw)."""
        from pybpf.isa.instruction import decode_program  # that module builds on this one

        return cls(decode_program(data))

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"ProgramView is immutable: cannot set {name}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"ProgramView is immutable: cannot delete {name}")

    def __len__(self) -> int:
        return len(self.insns)

    def __repr__(self) -> str:
        return f"ProgramView({len(self.insns)} instructions, {self.slot_count} slots)"

    # -- layout -----------------------------------------------------------------------------------
    @cached_property
    def starts(self) -> tuple[int, ...]:
        """The slot each instruction starts at."""
        return tuple(slot_starts(self.insns))

    @cached_property
    def slot_count(self) -> int:
        """The program's length in 8-byte slots."""
        return self.starts[-1] + self.insns[-1].slots if self.insns else 0

    @cached_property
    def _index_of(self) -> dict[int, int]:
        return {slot: index for index, slot in enumerate(self.starts)}

    def index_at(self, slot: int) -> int | None:
        """The index of the instruction starting at ``slot``, or None (outside, or an lddw's second half)."""
        return self._index_of.get(slot)

    def insn_at(self, slot: int) -> Instruction:
        """The instruction starting at ``slot`` (KeyError if none does)."""
        return self.insns[self._index_of[slot]]

    @cached_property
    def lddw_second_slots(self) -> frozenset[int]:
        """The slots holding the upper half of an lddw's immediate (no instruction starts there)."""
        return frozenset(slot + 1 for slot in self._control.lddw)

    def is_insn_start(self, slot: int) -> bool:
        """Whether an instruction starts at ``slot``."""
        return 0 <= slot < self.slot_count and slot not in self.lddw_second_slots

    def next_slot(self, slot: int) -> int:
        """The slot after the one starting at ``slot``: where falling through goes."""
        return slot + 2 if slot in self._control.lddw else slot + 1

    @cached_property
    def slots(self) -> tuple[Slot, ...]:
        """The program as the kernel indexes it: one ``Slot`` per 8 bytes."""
        out: list[Slot] = []
        append = out.append
        made: dict[int, Slot] = {}  # id() of an instruction -> its first slot (one object per value
        for insn in self.insns:  # is common: pybpf.isa.decode_program() shares them)
            first = made.get(id(insn))
            if first is None:
                first = made[id(insn)] = Slot(insn.opcode, insn.dst, insn.src, insn.off, insn.imm)
            append(first)
            if insn.opcode == op.LDDW_OPCODE:
                append(Slot(0, 0, 0, 0, insn.imm_hi))
        return tuple(out)

    # -- control flow -----------------------------------------------------------------------------
    @cached_property
    def _control(self) -> _Control:
        targets: dict[int, int] = {}
        flows: dict[int, Flow] = {}
        lddw: list[int] = []
        codes, next_flow = _TRANSFER_CODES, Flow.NEXT
        for insn, slot in zip(self.insns, self.starts, strict=True):
            if insn.opcode not in codes:
                continue
            flow, target, _ = transfer(insn, slot)
            if flow is not next_flow:
                flows[slot] = flow
            if target is not None:
                targets[slot] = target
            if insn.opcode == op.LDDW_OPCODE:
                lddw.append(slot)
        return _Control(targets, flows, frozenset(lddw))

    def flow(self, slot: int) -> Flow:
        """How control leaves the instruction at ``slot``."""
        return self._control.flows.get(slot, Flow.NEXT)

    def target(self, slot: int) -> int | None:
        """The slot the pc-relative field of the instruction at ``slot`` names (a jump's target, a
        call edge's subprogram), None when it has none; it may lie outside the program."""
        return self._control.targets.get(slot)

    def target_field(self, slot: int) -> str | None:
        """The field (``"off"`` or ``"imm"``) holding that target relative to ``slot + 1``."""
        return transfer(self.insn_at(slot), slot).field if slot in self._control.targets else None

    def jump_target(self, slot: int) -> int | None:
        """Where the jump at ``slot`` (ja, gotol, conditional, may_goto) goes; None if it is no jump."""
        control = self._control
        return control.targets.get(slot) if control.flows.get(slot) in JUMP_FLOWS else None

    @cached_property
    def jumps(self) -> Mapping[int, int]:
        """Jump slot -> target slot, for every jump, in program order."""
        flows = self._control.flows
        return MappingProxyType(
            {slot: t for slot, t in self._control.targets.items() if flows.get(slot) in JUMP_FLOWS}
        )

    @cached_property
    def call_edges(self) -> tuple[CallEdge, ...]:
        """Every ``call pc+N`` and lddw BPF_PSEUDO_FUNC, in program order."""
        flows = self._control.flows
        edges: list[CallEdge] = []
        for site, target in self._control.targets.items():
            flow = flows.get(site)
            if flow is Flow.CALL:
                edges.append(CallEdge(site, target, CallKind.CALL))
            elif flow is None:
                edges.append(CallEdge(site, target, CallKind.FUNC))
        return tuple(edges)

    @cached_property
    def _call_edge_at(self) -> dict[int, CallEdge]:
        return {edge.site: edge for edge in self.call_edges}

    def call_edge(self, slot: int) -> CallEdge | None:
        """The call edge of the instruction at ``slot``, if it is ``call pc+N`` or an lddw BPF_PSEUDO_FUNC."""
        return self._call_edge_at.get(slot)

    @cached_property
    def invalid_targets(self) -> tuple[tuple[int, int], ...]:
        """(slot, target) of every jump or call edge whose target starts no instruction: outside
        the program or inside an lddw, in program order."""
        is_start = self.is_insn_start
        return tuple((slot, t) for slot, t in self._control.targets.items() if not is_start(t))

    def successors(self, slot: int, *, calls: bool = False) -> tuple[int, ...]:
        """Where control may go after the slot ``slot``, falling through first.

        A call returns to the next instruction; with ``calls`` a call edge also leads to the
        subprogram it names (check_cfg()'s edges).  Exits have none.  Falling off the end gives the
        slot just past the program, and a jump's target may lie outside it too.
        """
        if not 0 <= slot < self.slot_count:
            raise IndexError(f"slot {slot} is outside the program of {self.slot_count} slots")
        control = self._control
        flow = control.flows.get(slot)
        if flow is None:
            nxt = slot + 2 if slot in control.lddw else slot + 1
            if calls and slot in control.targets:
                return (nxt, control.targets[slot])
            return (nxt,)
        if flow is Flow.BRANCH:
            return (slot + 1, control.targets[slot])
        if flow is Flow.GOTO:
            return (control.targets[slot],)
        if flow is Flow.CALL:
            if calls and slot in control.targets:
                return (slot + 1, control.targets[slot])
            return (slot + 1,)
        return ()

    @cached_property
    def targets(self) -> frozenset[int]:
        """Every instruction start some jump or call edge names."""
        is_start = self.is_insn_start
        return frozenset(t for t in self._control.targets.values() if is_start(t))

    @cached_property
    def leaders(self) -> frozenset[int]:
        """Where basic blocks begin: slot 0, every jump or call target, the ``entries`` (a function
        only a fixup-free path reaches: the exception callback, after a main program the dead-code
        removal ended with a ``bpf_throw`` call), and the instruction after every jump, call into BPF
        code (control comes back there from an exit) and exit."""
        if not self.insns:
            return frozenset()
        total = self.slot_count
        leaders = {0, *self.targets, *(entry for entry in self.entries if 0 <= entry < total)}
        leaders.update(slot + 1 for slot in self._control.flows if slot + 1 < total)
        return frozenset(leaders)

    # -- subprograms ------------------------------------------------------------------------------
    @cached_property
    def subprograms(self) -> tuple[int, ...]:
        """The start slots of the subprograms, sorted: 0, every call edge's target inside the
        program (add_subprog_and_kfunc(): even one inside an lddw, which check_cfg() refuses) and
        the ``entries`` inside it."""
        total = self.slot_count
        targets = {edge.target for edge in self.call_edges} | self.entries
        return tuple(sorted({0} | {target for target in targets if 0 <= target < total}))

    def subprog_of(self, slot: int) -> int:
        """The index of the subprogram holding ``slot``."""
        return max(bisect.bisect_right(self.subprograms, slot) - 1, 0)

    def subprog_range(self, index: int) -> range:
        """The slots of subprogram ``index``."""
        starts = self.subprograms
        return range(starts[index], starts[index + 1] if index + 1 < len(starts) else self.slot_count)


__all__ = [
    "CALLX_OPCODE",
    "CALL_OPCODE",
    "EXIT_OPCODE",
    "GOTOL_OPCODE",
    "JA_OPCODE",
    "JUMP_FLOWS",
    "CallEdge",
    "CallKind",
    "Flow",
    "ProgramView",
    "Slot",
    "Transfer",
    "slot_starts",
    "transfer",
]
