"""VerifierLog: the verifier log as the kernel's ``struct bpf_verifier_log`` collects it.

Mirrors kernel/bpf/log.c: ``verbose()`` writes whenever the log level is non-zero (any of
BPF_LOG_LEVEL1, BPF_LOG_LEVEL2, BPF_LOG_STATS); the per-instruction trace and the ``func#N @S``
lines belong to level 2 only; ``verification time`` / ``stack depth`` to BPF_LOG_STATS; the final
``processed N insns ...`` line to any level.  Level 0 collects nothing.

The text is kept complete here: fitting it into the user's buffer (BPF_LOG_FIXED or rotating
truncation, ENOSPC, ``log_true_size``) is the caller's job, done from ``.text``.
"""

from __future__ import annotations

from pybpf.uapi import BPF_COMPLEXITY_LIMIT_INSNS, BPF_LOG_LEVEL, BPF_LOG_LEVEL2, BPF_LOG_STATS


class VerifierLog:
    """Collects verifier log lines for one BPF_PROG_LOAD."""

    def __init__(self, level: int = 0) -> None:
        self.level = level
        self._parts: list[str] = []

    @property
    def needed(self) -> bool:
        """bpf_verifier_log_needed(): anything at all is written."""
        return self.level != 0

    @property
    def level2(self) -> bool:
        return bool(self.level & BPF_LOG_LEVEL2)

    @property
    def trace(self) -> bool:
        """The per-instruction trace (``N: (b7) r0 = 0``) is written."""
        return bool(self.level & BPF_LOG_LEVEL)

    @property
    def stats(self) -> bool:
        return bool(self.level & BPF_LOG_STATS)

    def verbose(self, text: str) -> None:
        """Append ``text`` exactly (callers include the newline, as the kernel's format strings do)."""
        if self.needed:
            self._parts.append(text)

    def line(self, text: str) -> None:
        """Append ``text`` and a newline."""
        self.verbose(text + "\n")

    def position(self) -> int:
        """The current length, for ``reset`` (the kernel's log_pos of a pushed branch state)."""
        return len(self.text)

    def reset(self, position: int) -> None:
        """Drop everything written after ``position`` (bpf_vlog_reset)."""
        text = self.text[:position]
        self._parts = [text] if text else []

    @property
    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def print_stats(
        self,
        processed: int,
        elapsed_usec: int,
        stack_depths: list[int],
        states: tuple[int, int, int] = (0, 0, 0),
    ) -> None:
        """print_verification_stats(): the closing lines of every log (``states``: max states per
        instruction, total and peak states)."""
        if self.stats:
            self.verbose(f"verification time {elapsed_usec} usec\n")
            self.verbose("stack depth " + "+".join(str(d) for d in stack_depths or [0]) + "\n")
        self.verbose(
            f"processed {processed} insns (limit {BPF_COMPLEXITY_LIMIT_INSNS}) "
            f"max_states_per_insn {states[0]} total_states {states[1]} peak_states {states[2]} mark_read 0\n"
        )
