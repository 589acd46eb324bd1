"""Capture replay: an XDP program run over every frame of a packet capture, maps kept across frames.

Each frame is one ``BPF_PROG_TEST_RUN`` of the program (``bpf_prog_test_run_xdp`` in
net/bpf/test_run.c): the frame is the packet, the context is the one the kernel builds when the caller
gives none (``xdp_md`` on the loopback device, queue 0, 256 bytes of headroom), and nothing is reset
between frames -- the maps the program writes carry over, as they would on a live interface.  On the
user backend the runs are pybpf's; on the native backend each frame goes to the kernel, one frame per
call.  Frames BPF_PROG_TEST_RUN refuses as input (shorter than an Ethernet header, too long for the
program) are counted apart with the reason, not as a verdict.  A program that faults (pybpf only: it
loads programs the kernel's value-tracking verifier would refuse) stops the replay with the frame's
number and the C source line::

    with pybpf.load_object("examples/c/xdp_guard.o") as obj:
        report = replay(obj.programs["xdp_guard"], open_capture("examples/captures/guard.pcap"))
    print(report.verdicts, report.packets_per_second)
"""

from __future__ import annotations

import errno
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pybpf import uapi
from pybpf.capture import Frame
from pybpf.errors import BPFError, ProgramFaultError
from pybpf.program import Program, prog_type_name
from pybpf.trace_output import TraceCollector

__all__ = ["VERDICTS", "FrameOutcome", "ReplayError", "ReplayReport", "replay", "verdict_name"]

VERDICTS = ("XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT")
"""``enum xdp_action`` by value."""
ETH_HLEN = 14
REFUSED_FRAMES_KEPT = 100


def verdict_name(retval: int) -> str:
    """``XDP_PASS`` for 2 ...; a value outside ``enum xdp_action`` (which the kernel treats as
    XDP_ABORTED on a live device) as ``retval N``."""
    return VERDICTS[retval] if 0 <= retval < len(VERDICTS) else f"retval {retval}"


class ReplayError(BPFError):
    """The replay stopped at a frame: ``frame`` is its number; the cause is chained."""

    def __init__(self, err: int, message: str, frame: int) -> None:
        super().__init__(err, message)
        self.frame = frame


@dataclass(frozen=True, slots=True)
class FrameOutcome:
    """What one frame did: the verdict and the bytes after the run, or why the run refused it."""

    number: int
    data_in: bytes
    retval: int | None
    data_out: bytes
    refused: str | None = None

    @property
    def verdict(self) -> str | None:
        return None if self.retval is None else verdict_name(self.retval)

    @property
    def modified(self) -> bool:
        return self.retval is not None and self.data_out != self.data_in

    def as_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"frame": self.number, "length": len(self.data_in)}
        if self.refused is not None:
            entry["refused"] = self.refused
            return entry
        entry["verdict"], entry["retval"], entry["modified"] = self.verdict, self.retval, self.modified
        if self.modified:
            entry["data_out"] = self.data_out.hex()
            entry["changed_offsets"] = _changed(self.data_in, self.data_out)
        return entry


def _changed(before: bytes, after: bytes) -> list[int]:
    common = min(len(before), len(after))
    offsets = [i for i in range(common) if before[i] != after[i]]
    return offsets + list(range(common, max(len(before), len(after))))


@dataclass
class ReplayReport:
    """The totals of a replay: frames, verdicts, refused frames by reason, time, trace_printk output."""

    program: str
    backend: str
    packets: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    refused_frames: list[int] = field(default_factory=list)
    """The numbers of the first refused frames (at most ``REFUSED_FRAMES_KEPT``)."""
    seconds: float = 0.0
    """Wall time of the runs (reading the capture included)."""
    run_ns: int = 0
    """The sum of the runs' durations as BPF_PROG_TEST_RUN measured them."""
    trace: list[str] = field(default_factory=list)

    @property
    def packets_per_second(self) -> float:
        return self.packets / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        verdicts = {name: self.verdicts.get(name, 0) for name in VERDICTS}
        verdicts.update({k: v for k, v in self.verdicts.items() if k not in verdicts})
        return {
            "program": self.program,
            "backend": self.backend,
            "packets": self.packets,
            "verdicts": verdicts,
            "refused": {
                "total": sum(self.refused.values()),
                "reasons": dict(self.refused),
                "frames": self.refused_frames,
            },
            "seconds": round(self.seconds, 6),
            "packets_per_second": round(self.packets_per_second, 1),
            "run_ns": self.run_ns,
            "trace": self.trace,
        }


def replay(
    program: Program,
    frames: Iterable[Frame],
    *,
    on_frame: Callable[[FrameOutcome], None] | None = None,
) -> ReplayReport:
    """Run the XDP ``program`` once per frame of ``frames`` (e.g. a :class:`pybpf.capture.Capture`).

    ``on_frame`` sees every frame's outcome (``--per-packet``).  Raises :class:`ReplayError` naming the
    frame when the program faults, or when a run fails for a reason other than the frame itself.
    """
    if program.prog_type != uapi.BPF_PROG_TYPE_XDP:
        raise BPFError(
            errno.EINVAL, f"program {program.name!r} is {prog_type_name(program.prog_type)}, not xdp"
        )
    report = ReplayReport(program=program.name, backend=program.backend.name)
    start = time.perf_counter()
    with TraceCollector(program.backend) as trace:
        try:
            for frame in frames:
                outcome = _run_frame(program, frame, report)
                if on_frame is not None:
                    on_frame(outcome)
        finally:
            report.seconds = time.perf_counter() - start
    report.trace = trace.lines
    return report


def _run_frame(program: Program, frame: Frame, report: ReplayReport) -> FrameOutcome:
    report.packets += 1
    data = frame.data
    try:
        result = program.run(data)
    except ProgramFaultError as exc:
        raise ReplayError(
            exc.errno or errno.EFAULT, f"frame {frame.number}: {exc.strerror}", frame.number
        ) from exc
    except BPFError as exc:
        reason = _refusal(exc, data)
        if reason is None:
            raise ReplayError(
                exc.errno or errno.EINVAL,
                f"frame {frame.number}: BPF_PROG_TEST_RUN: {exc.strerror}",
                frame.number,
            ) from exc
        report.refused[reason] += 1
        if len(report.refused_frames) < REFUSED_FRAMES_KEPT:
            report.refused_frames.append(frame.number)
        return FrameOutcome(frame.number, data, None, b"", reason)
    report.verdicts[verdict_name(result.retval)] += 1
    report.run_ns += result.duration
    return FrameOutcome(frame.number, data, result.retval, result.data_out)


def _refusal(exc: BPFError, data: bytes) -> str | None:
    """Why BPF_PROG_TEST_RUN refused a frame as input (the same words on both backends), or None when
    the error is not about the frame."""
    name = errno.errorcode.get(exc.errno or 0, str(exc.errno))
    if exc.errno == errno.EINVAL and len(data) < ETH_HLEN:
        return f"{name}: shorter than an Ethernet header ({ETH_HLEN} bytes)"
    if exc.errno in (errno.EINVAL, errno.E2BIG, errno.ENOMEM):
        return f"{name}: frame of {len(data)} bytes refused as test input"
    return None
