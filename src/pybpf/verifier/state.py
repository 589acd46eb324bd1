"""VerifierState: what the verifier's passes share while one program is checked.

Mirrors the parts of the kernel's ``struct bpf_verifier_env`` that need no value tracking: the
program (as instructions and as the raw 8-byte slots the kernel indexes), the subprogram table, the
used maps, the resolved lddw values, per-instruction facts for the fixups, the log and counters.
Positions are slot indices, as in the kernel's log.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import NoReturn

from pybpf.isa.instruction import Instruction, slot_starts
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.log import VerifierLog
from pybpf.verifier.request import LoadRequest, MapRef


@dataclass(frozen=True, slots=True)
class Slot:
    """One raw 8-byte ``struct bpf_insn`` (an lddw is two of them)."""

    code: int
    dst: int
    src: int
    off: int
    imm: int


def raw_slots(insns: list[Instruction]) -> list[Slot]:
    """The program as the kernel sees it: lddw's second half is ``{code 0, imm = imm_hi}``."""
    slots: list[Slot] = []
    for insn in insns:
        slots.append(Slot(insn.opcode, insn.dst, insn.src, insn.off, insn.imm))
        if insn.is_lddw:
            slots.append(Slot(0, 0, 0, 0, insn.imm_hi))
    return slots


@dataclass
class VerifierState:
    request: LoadRequest
    log: VerifierLog
    insns: list[Instruction] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # slot of each instruction
    index_at: dict[int, int] = field(default_factory=dict)  # slot -> instruction index
    slots: list[Slot] = field(default_factory=list)
    subprogs: list[int] = field(default_factory=lambda: [0])  # sorted start slots
    maps: list[MapRef] = field(default_factory=list)
    resolved: dict[int, int] = field(default_factory=dict)  # lddw slot -> 64-bit value
    max_ctx_offset: int = 0  # largest end (off + size) of a context access
    func_info: list[tuple[int, int]] | None = None  # (insn_off, type_id) of each func_info record
    ctx_accesses: set[int] = field(default_factory=set)  # instruction indices accessing ctx (to rewrite)
    insn_processed: int = 0
    stack_depths: list[int] = field(default_factory=list)
    value_tracking_done: bool = False  # set by a value-tracking pass; the structural walk then stands aside

    @classmethod
    def create(cls, request: LoadRequest) -> VerifierState:
        state = cls(request=request, log=VerifierLog(request.log_level))
        state.set_insns(list(request.insns))
        return state

    def set_insns(self, insns: list[Instruction]) -> None:
        self.insns = insns
        self.starts = slot_starts(insns)
        self.index_at = {slot: i for i, slot in enumerate(self.starts)}
        self.slots = raw_slots(insns)

    @property
    def slot_count(self) -> int:
        return len(self.slots)

    def subprog_of(self, slot: int) -> int:
        """Index of the subprogram containing ``slot``."""
        found = 0
        for i, start in enumerate(self.subprogs):
            if start <= slot:
                found = i
        return found

    def fail(self, err: int, message: str) -> NoReturn:
        """Write ``message`` (one log line) and refuse the program with ``err``."""
        self.log.line(message)
        raise VerifierError(err, message, self.log.text)

    def einval(self, message: str) -> NoReturn:
        self.fail(errno.EINVAL, message)

    def eacces(self, message: str) -> NoReturn:
        self.fail(errno.EACCES, message)
