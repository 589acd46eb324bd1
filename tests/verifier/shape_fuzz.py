"""One shaped program (tests.verifier.shape_generator) on two verifiers: what each answers and how
the answers differ.

``answer()`` loads a program through a backend at log level 2 and keeps what the differential
fuzzer (scripts/fuzz_verifier.py) and tests/verifier/test_fuzz_kernel.py compare with the running
kernel: the errno, the final message (the log's last reason line), the processed-instruction count
and the register states of the first path explored.  ``compare()`` names the kind of disagreement.
"""

from __future__ import annotations

import dataclasses
import errno
import re
from dataclasses import dataclass

from pybpf.kernel.backend import Backend
from pybpf.kernel.permissions import NET_ADMIN_PROG_TYPES, PERFMON_PROG_TYPES, UNPRIVILEGED_PROG_TYPES
from pybpf.objects.credentials import ROOT, Credentials, parse_caps
from tests.verifier import shape_generator
from tests.verifier import verifier_corpus as vc

KINDS = ("unsound", "strict", "errno", "message", "processed", "path", "heavy", "slow", "kbug")
"""The disagreements scripts/fuzz_verifier.py counts (its docstring says what each means)."""
_STATE_LINE = re.compile(r"^(\d+: |from \d+ to \d+)")
_MAP_ADDRESS = re.compile(r"^(\d+: \(18\) r\d+ = )0x[0-9a-f]+ *")
BPF_LOG_STATS = 4
"""The log level that asks for the statistics lines alone (include/linux/bpf_verifier.h)."""
_PROCESSED = re.compile(r"^processed (\d+) insns", re.MULTILINE)


@dataclass(frozen=True)
class Answer:
    """One verifier's answer on one program."""

    err: int
    line: str
    processed: int
    first_path: tuple[str, ...]

    def __str__(self) -> str:
        name = errno.errorcode.get(self.err, str(self.err)) if self.err else "accepted"
        return f"{name} ({self.processed} insns){': ' + self.line if self.err else ''}"


def first_path(log: str) -> tuple[str, ...]:
    """The level-2 state lines up to the end of the first path explored, map addresses masked."""
    lines = []
    for line in log.splitlines():
        if not _STATE_LINE.match(line):
            continue
        if line.startswith("from ") or line.endswith(": safe"):
            break
        lines.append(_MAP_ADDRESS.sub(r"\1<map> ", line.rstrip()))
    return tuple(lines)


def loadable(prog_type: str, caps: str) -> bool:
    """Whether a caller with ``caps`` may load programs of ``prog_type`` (bpf_prog_load's checks)."""
    creds = Credentials(parse_caps(caps) if caps else ROOT.caps)
    number = vc.PROG_TYPES[prog_type]
    if not creds.bpf_capable:
        return number in UNPRIVILEGED_PROG_TYPES
    return (number not in NET_ADMIN_PROG_TYPES or creds.net_admin_capable) and (
        number not in PERFMON_PROG_TYPES or creds.perfmon_capable
    )


def program_of(shape: str, seed: int, caps: str = "") -> vc.Program:
    """The corpus-style program of ``shape`` and ``seed`` (with BPF func_info where it needs it),
    loaded by the caller ``caps`` names (the corpus's ``caps`` header; "" every capability).  Where
    that caller cannot load the shape's type (XDP without CAP_BPF and CAP_NET_ADMIN), the program
    is a socket filter (``ShapeBuilder``'s
    prologue reads ``len`` and ``pkt_type`` from the __sk_buff there, so r7 and r8 are scalars;
    every shape fits: those that need packet pointers or XDP's helpers are refused alike)."""
    text, prog_type, protos = shape_generator.shaped(shape, seed)
    if not loadable(prog_type, caps):
        prog_type = "socket_filter"
    program = vc.Program(
        name=f"{shape}:{seed}",
        theme=shape,
        prog_type=prog_type,
        text=text,
        maps=vc._parse_maps(shape_generator.SHAPE_MAPS.get(shape, shape_generator.MAPS)),
        desc=f"{shape} seed {seed}",
        btf=shape_generator.BTF.get(shape, ""),
        protos=protos,
    )
    return dataclasses.replace(program, caps=caps) if caps else program


def processed_insns(log: str) -> int:
    """The processed-instruction count of a verifier log's statistics line (-1 without one)."""
    count = _PROCESSED.search(log)
    return int(count.group(1)) if count else -1


def heavy(program: vc.Program, backend: Backend, max_insns: int) -> bool:
    """Whether ``backend`` processes more than ``max_insns`` instructions of ``program``, asked
    with the statistics log alone (BPF_LOG_STATS): a level-2 log of a million instructions takes
    the kernel a minute to write."""
    _, stats = _load(program, backend, BPF_LOG_STATS)
    return processed_insns(stats) > max_insns


def _load(program: vc.Program, backend: Backend, log_level: int) -> tuple[int, str]:
    """(errno, log) of the load; a refusal before it (the BTF or a map, for a caller without the
    capability they need) as its errno and a log that says so."""
    try:
        return vc.load_with_log(program, backend, log_level=log_level)
    except OSError as error:
        return error.errno or 0, f"(before the load) {errno.errorcode.get(error.errno or 0, '?')}\n"


def answer(program: vc.Program, backend: Backend) -> tuple[Answer, str]:
    """``backend``'s answer on ``program`` and its level-2 log."""
    err, log = _load(program, backend, 2)
    return Answer(err, vc.reason(log) if err else "", processed_insns(log), first_path(log)), log


def compare(pybpf: Answer, kernel: Answer) -> str:
    """The kind of disagreement (one of ``KINDS``), or "" when the answers agree."""
    if pybpf.err != kernel.err:
        if kernel.line.startswith("verifier bug:"):
            return "kbug"  # the kernel failed after verifying (known_disagreements.txt's "After do_check")
        return "unsound" if not pybpf.err else "strict" if not kernel.err else "errno"
    if pybpf.err and pybpf.line != kernel.line:
        return "message"
    if pybpf.processed != kernel.processed:
        return "processed"
    if pybpf.first_path != kernel.first_path and kernel.err != errno.ENOSPC:
        # (a log past the buffer is its rotated tail: where it starts depends on the byte counts,
        # and a kernel map address prints wider than pybpf's: nested_loops:300057's full logs agree)
        return "path"
    return ""
