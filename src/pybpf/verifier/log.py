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

``VerifierLog`` counts the log as bpf_verifier_vlog() does and keeps only what the user's buffer
will hold (the newest bytes of the default rotating log, the first ones with BPF_LOG_FIXED), so a
log of a million processed instructions at level 2 costs the buffer's size, not the log's; its
``true_size`` and ``truncated`` are bpf_vlog_finalize()'s ``log_true_size`` and ENOSPC.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import NamedTuple

from pybpf.uapi import BPF_COMPLEXITY_LIMIT_INSNS, BPF_LOG_FIXED, BPF_LOG_LEVEL, BPF_LOG_LEVEL2, BPF_LOG_STATS


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


_UINT_MAX = 0xFFFFFFFF

RETAINED = 1 << 20
"""The bytes a bounded log keeps at least, whatever the user's buffer: a log of up to 1 MiB is kept
whole, so that the same load coming back with a buffer of its ``log_true_size`` (libbpf's retry
after ENOSPC) can be answered without walking the program again."""


def _byte_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode())


def _head(text: str, size: int) -> str:
    """The first ``size`` bytes of ``text`` (a boundary between characters)."""
    return text[:size] if text.isascii() else text.encode()[:size].decode()


class VerifierLog:
    """The log of one BPF_PROG_LOAD, as ``struct bpf_verifier_log`` counts it (bpf_verifier_vlog(),
    bpf_vlog_reset(), bpf_vlog_finalize() of kernel/bpf/log.c), for a user's buffer of ``size`` bytes
    (None: no buffer limit, the whole text is kept -- what direct callers of ``verify`` get).

    Every line is counted in bytes (``end_pos``), and ``len_max`` is the largest the log ever was,
    terminating NUL included (a rewound level-1 path counts): the ``log_true_size`` the kernel
    reports, and ENOSPC when it is larger than the buffer.  What the buffer holds at the end is
    ``.buffer``: with the default rotating log, the log from ``start_pos`` on (the newest
    ``size - 1`` bytes, or fewer after a rewind behind them); with ``BPF_LOG_FIXED``, its first
    ``size - 1`` bytes.  The text kept here is bounded by the buffer (at least ``RETAINED`` bytes,
    and a rotating log up to twice that before its oldest part is dropped), however long the log.
    """

    __slots__ = (
        "_base",
        "_end",
        "_keep",
        "_kept",
        "_len_max",
        "_parts",
        "_room",
        "_start",
        "fixed",
        "level",
        "size",
    )  # fmt: skip

    def __init__(self, level: int = 0, size: int | None = None) -> None:
        self.level = level
        self.size = size
        self.fixed = bool(level & BPF_LOG_FIXED)
        self._parts: list[str] = []  # the text kept: the log's bytes _base to _base + _kept
        self._base = 0
        self._kept = 0
        self._end = 0  # end_pos
        self._start = 0  # start_pos, as of the last _settle()
        self._len_max = 0  # len_max, as of the last _settle()
        self._keep = _UINT_MAX if size is None else max(size, RETAINED)
        # fixed: nothing is kept past _keep bytes; rotating: the oldest bytes go past twice that
        self._room = self._keep if self.fixed else 2 * self._keep

    @property
    def needed(self) -> bool:
        """bpf_verifier_log_needed(): anything at all is written (and counted, with no buffer too)."""
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
        if self.level:
            n = len(text) if text.isascii() else len(text.encode())
            self._end += n
            if self._kept < self._room:
                self._parts.append(text)
                self._kept += n
            elif not self.fixed:
                self._parts.append(text)
                self._kept += n
                self._drop_oldest()

    def line(self, text: str) -> None:
        """Append ``text`` and a newline."""
        self.verbose(text + "\n")

    def position(self) -> int:
        """The current length in bytes, for ``reset`` (the kernel's log_pos of a pushed branch state)."""
        return self._end

    def _settle(self) -> None:
        """len_max and (rotating) start_pos after the writes since the last call: both only grow
        with writes, to their values after the last one (the log's end, its NUL, and the buffer's
        size back from there)."""
        if not self._end:
            return
        end = self._end + 1
        self._len_max = max(self._len_max, end)
        if self.size and not self.fixed and end - self.size > self._start:
            self._start = end - self.size

    def _drop_oldest(self) -> None:
        """A rotating log past its room keeps its newest ``_keep`` bytes (or a few more, to start at
        the beginning of a character)."""
        text = "".join(self._parts)
        drop = self._kept - self._keep
        if text.isascii():
            text = text[drop:]
        else:
            raw = text.encode()
            while drop and raw[drop] & 0xC0 == 0x80:
                drop -= 1
            text = raw[drop:].decode()
        self._parts = [text]
        self._kept -= drop
        self._base += drop

    def reset(self, position: int) -> None:
        """Drop everything written after ``position`` (bpf_vlog_reset()): a rotating buffer's
        start_pos moves back to it when it was past; the parts written last go first, so rewinding
        a few bytes costs a few bytes."""
        if position >= self._end:
            return
        self._settle()
        self._end = position
        self._start = min(self._start, position)
        cut = self._base + self._kept - position  # kept bytes past the new end
        if cut <= 0:
            return
        parts = self._parts
        if position <= self._base:
            parts.clear()
            self._base, self._kept = position, 0
            return
        self._kept -= cut
        while cut:
            n = _byte_len(parts[-1])
            if n > cut:
                parts[-1] = _head(parts[-1], n - cut)
                return
            parts.pop()
            cut -= n

    def end_line_with(self, text: str) -> None:
        """Replace the newline the log ends with by ``text`` (bpf_vlog_reset() to one character
        back, then ``text``: how print_insn_state() appends a state to its instruction's line)."""
        if self.level:
            parts = self._parts
            if parts and self._base + self._kept == self._end and self._kept + len(text) < self._room:
                # the common case: the line is kept and so is what follows (no rotation nor end)
                self._settle()
                self._start = min(self._start, self._end - 1)
                n = _byte_len(text)
                parts[-1] = parts[-1][:-1] + text
                self._end += n - 1
                self._kept += n - 1
            else:
                self.reset(self._end - 1)
                self.verbose(text)

    @property
    def true_size(self) -> int:
        """``log_true_size``: len_max, the size the log needed at its longest (NUL included)."""
        self._settle()
        return min(self._len_max, _UINT_MAX)

    @property
    def truncated(self) -> bool:
        """bpf_vlog_finalize()'s ENOSPC: the buffer was smaller than the log needed at some point."""
        return bool(self.size) and self.true_size > (self.size or 0)

    @property
    def complete(self) -> bool:
        """The whole log's text is kept (not only the buffer's part)."""
        return self._base == 0 and self._kept == self._end

    def buffer(self, size: int | None = None) -> bytes:
        """What a user's buffer of ``size`` bytes (default: this log's) holds at the end, without
        its NUL: this log's part, or the whole log when it is kept and fits ``size``."""
        size = self.size if size is None else size
        if size is None or (self.complete and self.true_size <= size):
            return "".join(self._parts).encode()
        if size != self.size:
            raise ValueError(f"the log kept for a buffer of {self.size} bytes does not say what {size} hold")
        if not size:
            return b""
        self._settle()
        raw = "".join(self._parts).encode()
        if self.fixed:
            return raw[: min(self._end, size - 1)]
        return raw[self._start - self._base :]

    @property
    def text(self) -> str:
        """The text of ``buffer()`` (the whole log without a buffer limit)."""
        if self.size is None:
            if len(self._parts) > 1:
                self._parts = ["".join(self._parts)]
            return self._parts[0] if self._parts else ""
        return self.buffer().decode(errors="replace")

    def print_stats(
        self,
        processed: int,
        elapsed_usec: int,
        stack_depths: list[int],
        states: tuple[int, int, int] = (0, 0, 0),
    ) -> None:
        """print_verification_stats(): the closing lines of every log (``stack_depths``: one per
        subprogram found, none for a refusal before add_subprog_and_kfunc(); ``states``: max states
        per instruction, total and peak states)."""
        if self.stats:
            self.verbose(f"verification time {elapsed_usec} usec\n")
            self.verbose("stack depth " + "+".join(str(d) for d in stack_depths) + "\n")
        self.verbose(
            f"processed {processed} insns (limit {BPF_COMPLEXITY_LIMIT_INSNS}) "
            f"max_states_per_insn {states[0]} total_states {states[1]} peak_states {states[2]} mark_read 0\n"
        )
