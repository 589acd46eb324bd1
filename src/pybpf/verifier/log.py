"""VerifierLog: the verifier log as the kernel's ``struct bpf_verifier_log`` collects it.

Mirrors kernel/bpf/log.c: ``verbose()`` writes whenever the log level is non-zero (any of
BPF_LOG_LEVEL1, BPF_LOG_LEVEL2, BPF_LOG_STATS); the per-instruction trace and the ``func#N @S``
lines belong to level 2 only; ``verification time`` / ``stack depth`` to BPF_LOG_STATS; the final
``processed N insns ...`` line to any level.  Level 0 collects nothing.

``SourceLines`` is verbose_linfo() / find_linfo() of kernel/bpf/verifier.c: with the program's BTF
line_info, the trace names the C source line (``; <line, left-trimmed> @ <file>:<line>``) before
the first instruction of each new line (records of the same file and line, differing only in the
column, count as one; the file is named without its directory); the last printed record is
remembered across paths (a resumed path that stays on that line does not repeat it), as the
kernel's ``prev_linfo`` is.

The text is kept complete here: fitting it into the user's buffer (BPF_LOG_FIXED or rotating
truncation, ENOSPC, ``log_true_size``) is the caller's job, done from ``.text``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import NamedTuple

from pybpf.uapi import BPF_COMPLEXITY_LIMIT_INSNS, BPF_LOG_LEVEL, BPF_LOG_LEVEL2, BPF_LOG_STATS


class SourceLine(NamedTuple):
    """One ``struct bpf_line_info`` record with its BTF strings resolved."""

    insn_off: int  # the instruction (slot) the source line starts at
    file: str
    text: str
    line: int


class SourceLines:
    """find_linfo() over a program's line_info records (sorted by instruction, as the kernel requires)
    and the ``prev_linfo`` verbose_linfo() compares with."""

    __slots__ = ("_offs", "_records", "_slot_count", "prev", "records")

    def __init__(self, records: Sequence[SourceLine], slot_count: int) -> None:
        self._records = list(records)
        self._offs = [r.insn_off for r in self._records]
        self._slot_count = slot_count
        self.prev = -1
        self.records = len(self._records)

    def find(self, slot: int) -> int:
        """The index of the rightmost record at or before ``slot`` (-1: none)."""
        if not self._records or slot >= self._slot_count:
            return -1
        return bisect_right(self._offs, slot) - 1

    def verbose_linfo(self, log: VerifierLog, slot: int, prefix: str) -> None:
        """``prefix`` and the source line of ``slot`` when it is not the last one printed."""
        if not log.needed:
            return
        index = self.find(slot)
        if index < 0 or index == self.prev:
            return
        record = self._records[index]
        if self.prev >= 0:  # another record (column) of the same line is not printed again
            prev = self._records[self.prev]
            if prev.file == record.file and prev.line == record.line:
                return
        name = record.file.rsplit("/", 1)[-1]
        log.verbose(f"{prefix}{record.text.lstrip()} @ {name}:{record.line}\n")
        self.prev = index


class VerifierLog:
    """Collects verifier log lines for one BPF_PROG_LOAD."""

    def __init__(self, level: int = 0) -> None:
        self.level = level
        self._parts: list[str] = []
        self._len = 0  # the length of the text (the kernel's end_pos)

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
            self._len += len(text)

    def line(self, text: str) -> None:
        """Append ``text`` and a newline."""
        self.verbose(text + "\n")

    def position(self) -> int:
        """The current length, for ``reset`` (the kernel's log_pos of a pushed branch state)."""
        return self._len

    def reset(self, position: int) -> None:
        """Drop everything written after ``position`` (bpf_vlog_reset); the parts written last go
        first, so rewinding a few characters costs a few characters."""
        parts = self._parts
        while parts and self._len - len(parts[-1]) >= position:
            self._len -= len(parts.pop())
        if parts and self._len > position:
            last = parts.pop()
            keep = len(last) - (self._len - position)
            parts.append(last[:keep])
            self._len = position

    def end_line_with(self, text: str) -> None:
        """Replace the newline the log ends with by ``text`` (bpf_vlog_reset() to one character
        back, then ``text``: how print_insn_state() appends a state to its instruction's line)."""
        if self.needed:
            last = self._parts.pop()
            self._parts.append(last[:-1] + text)
            self._len += len(text) - 1

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
