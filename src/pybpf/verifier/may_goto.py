"""The stack ``may_goto`` adds to a subprogram when the verifier expands it.

Mirrors the may_goto case of do_misc_fixups() (kernel/bpf/verifier.c, Linux 6.18): after the
program is verified (and after check_max_stack_depth()), every ``may_goto`` becomes a loop counter
kept below the subprogram's own stack -- with bpf_jit_supports_timed_may_goto() (x86-64, arm64,
the JITs pybpf models: x86-64) a counter and a timestamp, 16 bytes, else 8 -- and the subprogram's
``stack_depth`` grows by that much once, however many ``may_goto`` it has.  That depth is what the
statistics line of a verified program prints (``stack depth 24`` for 8 bytes of the program's own
and a may_goto) and what the frames reserve (``VerifiedProgram.stack_depths``); a refused program
never reaches the fixups.
"""

from __future__ import annotations

from pybpf.isa.opcodes import BPF_JCOND, BPF_JMP, Kind
from pybpf.verifier.fastcall import kernel_stack_depths
from pybpf.verifier.state import VerifierState

_JCOND_OPCODE = BPF_JMP | BPF_JCOND
TIMED_MAY_GOTO_STACK = 16
"""Bytes for a timed may_goto: the remaining count and the timestamp of its time slice."""


def subprogs_with_may_goto(state: VerifierState) -> set[int]:
    """The subprograms holding at least one ``may_goto``."""
    view = state.view
    found: set[int] = set()
    for slot, insn in zip(view.starts, view.insns, strict=True):
        if insn.opcode != _JCOND_OPCODE:  # (may_goto's opcode first: no table look-up for the others)
            continue
        spec = insn.spec
        if spec is not None and spec.kind is Kind.MAY_GOTO:
            found.add(view.subprog_of(slot))
    return found


class MayGotoStackPass:
    """do_misc_fixups()'s stack_depth_extra for may_goto (after check_max_stack_depth)."""

    name = "may_goto_stack"

    def run(self, state: VerifierState) -> None:
        extra = subprogs_with_may_goto(state)
        if not extra:
            return
        reported = list(kernel_stack_depths(state))  # (the fastcall pairs' stack left out)
        frames = list(state.stack_depths or [0] * len(state.subprogs))
        for subprog in extra:
            reported[subprog] += TIMED_MAY_GOTO_STACK
            frames[subprog] += TIMED_MAY_GOTO_STACK
        state.stack_depths = frames
        if state.fastcall is not None and state.fastcall.depths is not None:
            state.fastcall.depths = reported


__all__ = ["TIMED_MAY_GOTO_STACK", "MayGotoStackPass", "subprogs_with_may_goto"]
