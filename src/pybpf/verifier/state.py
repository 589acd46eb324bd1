"""VerifierState: what the verifier's passes share while one program is checked.

Mirrors the parts of the kernel's ``struct bpf_verifier_env`` that need no value tracking: the
program (its ``ProgramView``: instructions, the raw 8-byte slots the kernel indexes, and the
control flow every pass reads), the subprogram table, the used maps, the resolved lddw values,
per-instruction facts for the fixups, the log and counters.  Positions are slot indices, as in the
kernel's log.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import NoReturn

from pybpf.isa.instruction import Instruction
from pybpf.isa.program import ProgramView
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.log import VerifierLog
from pybpf.verifier.request import LoadRequest, MapRef


@dataclass
class VerifierState:
    request: LoadRequest
    log: VerifierLog
    view: ProgramView = field(default_factory=lambda: ProgramView(()))  # the program being checked
    subprogs: list[int] = field(default_factory=lambda: [0])  # sorted start slots (env->subprog_info)
    maps: list[MapRef] = field(default_factory=list)
    resolved: dict[int, int] = field(default_factory=dict)  # lddw slot -> 64-bit value
    max_ctx_offset: int = 0  # largest end (off + size) of a context access
    func_info: list[tuple[int, int]] | None = None  # (insn_off, type_id) of each func_info record
    ctx_accesses: set[int] = field(default_factory=set)  # instruction indices accessing ctx (to rewrite)
    insn_processed: int = 0
    stack_depths: list[int] = field(default_factory=list)
    value_tracking_done: bool = False  # set by a value-tracking pass; the structural walk then stands aside

    @classmethod
    def create(cls, request: LoadRequest, view: ProgramView | None = None) -> VerifierState:
        """The state for checking ``request`` (whose program ``view`` is, when already built)."""
        state = cls(request=request, log=VerifierLog(request.log_level))
        state.view = view if view is not None else ProgramView(request.insns)
        return state

    def set_insns(self, insns: list[Instruction]) -> None:
        """Replace the program (after a fixup rewrote it)."""
        self.view = ProgramView(insns)

    @property
    def insns(self) -> tuple[Instruction, ...]:
        return self.view.insns

    @property
    def slot_count(self) -> int:
        return self.view.slot_count

    def fail(self, err: int, message: str) -> NoReturn:
        """Write ``message`` (one log line) and refuse the program with ``err``."""
        self.log.line(message)
        raise VerifierError(err, message, self.log.text)

    def einval(self, message: str) -> NoReturn:
        self.fail(errno.EINVAL, message)

    def eacces(self, message: str) -> NoReturn:
        self.fail(errno.EACCES, message)
