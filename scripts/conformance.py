"""What the two conformance scripts share: each loads a kernel test on the running kernel and on pybpf
and compares the two (``selftests_conformance.py``: the annotated progs/*.c objects, test_loader.c's
way; ``test_verifier_conformance.py``: test_verifier.c's instruction arrays).

- ``prepare``: the scripts need root and the real bpf(2), and pybpf's objects of a run live in a
  bpffs directory of their own (ids and files not shared with other processes);
- ``deadline``: a load (and its runs) that takes longer than ``--timeout`` seconds is stopped with
  ``Timeout`` and counts as a crash;
- ``LoadResult``: one load's errno, log and crash, and its verdict; ``last_line``: the line a
  refusal is compared by; ``compare``: whether pybpf agrees with the kernel, and whether a refusal
  both make has another reason;
- ``test_run``: BPF_PROG_TEST_RUN as test_loader's and test_verifier's ``do_prog_test_run``;
- ``UNPRIV_DROPS`` and ``unprivileged_bpf_open``: the unprivileged caller of both suites, and the
  sysctl opened for it;
- ``Counts``: a table row of counters, summed into the total; ``arguments`` and ``finish``: the
  common command line and the ``--details`` / ``--json`` output.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import signal
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from types import FrameType
from typing import Any

from pybpf import uapi
from pybpf.kernel.backend import Backend
from pybpf.kernel.native import kernel_bpf_available
from pybpf.libbpf import TestRunOpts, bpf_prog_test_run_opts
from pybpf.objects.credentials import CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, CAP_SYS_ADMIN, SYSCTL_PATH

TEST_DATA_LEN = 64
"""test_loader.c's and test_verifier.c's packet length for a test run."""
POINTER_VALUE = 0xCAFE4A
"""A retval of "any value" (an address, different in every run), in both suites."""
DEFAULT_FLAGS = getattr(uapi, "BPF_F_TEST_RND_HI32", 0) | getattr(uapi, "BPF_F_TEST_REG_INVARIANTS", 0)
"""``testing_prog_flags()`` (both suites) where the kernel knows both flags."""


UNPRIV_DROPS = frozenset({CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_PERFMON, CAP_BPF})
"""The effective capabilities both suites' unprivileged runs drop: test_loader's ``drop_capabilities``,
test_verifier's ``set_admin(false)`` after ``is_admin()``'s CAP_SYS_ADMIN."""


@contextlib.contextmanager
def unprivileged_bpf_open() -> Iterator[None]:
    """``kernel.unprivileged_bpf_disabled`` = 0 for the run, then its old value (1 cannot be undone):
    both suites skip their unprivileged runs where it is not 0."""
    with open(SYSCTL_PATH, encoding="ascii") as handle:
        old = handle.read().strip()
    if old == "1":
        raise SystemExit("kernel.unprivileged_bpf_disabled is 1 (final until reboot): no unprivileged runs")
    if old != "0":
        with open(SYSCTL_PATH, "w", encoding="ascii") as handle:
            handle.write("0")
    try:
        yield
    finally:
        if old != "0":
            with open(SYSCTL_PATH, "w", encoding="ascii") as handle:
                handle.write(old)


def prepare(prefix: str) -> bool:
    """Whether this process may measure (root, the real bpf(2)); if so, pybpf's bpffs becomes a new
    directory named from ``prefix`` in /dev/shm (unless ``PYBPF_BPFFS`` names one already)."""
    if os.geteuid() != 0 or not kernel_bpf_available():
        print("needs root and the real bpf(2) (the kernel is the reference)", file=sys.stderr)
        return False
    os.environ.setdefault("PYBPF_BPFFS", tempfile.mkdtemp(prefix=prefix, dir="/dev/shm"))
    return True


class Timeout(Exception):
    """A load ran past its deadline."""


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Raise ``Timeout`` in the block once ``seconds`` have passed (SIGALRM)."""

    def fire(_sig: int, _frame: FrameType | None) -> None:
        raise Timeout

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@dataclass
class LoadResult:
    """One load of one test on one backend."""

    errno: int = 0  # 0: loaded
    log: str = ""
    crash: str = ""  # a Python exception that is not an OSError (a finding, for pybpf)

    @property
    def verdict(self) -> str:
        if self.crash:
            return "crash"
        return "ok" if self.errno == 0 else errno.errorcode.get(self.errno, str(self.errno))


def last_line(log: str) -> str:
    """The last line of a verifier log that is not its statistics (what a refusal says)."""
    lines = [line for line in log.strip().splitlines() if line.strip()]
    tail = [line for line in lines if not line.startswith(("processed ", "verification time", "stack depth"))]
    return (tail or lines or [""])[-1][:160]


def compare(kernel: LoadResult, mine: LoadResult, same_runs: bool) -> tuple[bool, bool]:
    """(agree: pybpf's verdict, errno and runs are the kernel's; other reason: both refused with the
    same errno but another last log line)."""
    agree = not mine.crash and mine.errno == kernel.errno and same_runs
    return agree, agree and kernel.errno != 0 and last_line(kernel.log) != last_line(mine.log)


def test_run(backend: Backend, fd: int, data: bytes | None) -> tuple[int | None, int]:
    """``do_prog_test_run``: ``data`` in (None: no data, as for SYSCALL programs), four times its
    length out, one repetition; (retval as u32, 0), or (None, the run's errno)."""
    if data is None:
        opts = TestRunOpts()
    else:
        out = TEST_DATA_LEN * 4
        opts = TestRunOpts(data_in=data, data_out=bytearray(out), data_size_out=out, repeat=1)
    try:
        bpf_prog_test_run_opts(fd, opts, backend=backend)
    except OSError as exc:
        return None, exc.errno or errno.EINVAL
    return opts.retval & 0xFFFFFFFF, 0


@dataclass
class Counts:
    """A row of the report: a name and counters (the fields a subclass adds)."""

    name: str

    def add(self, other: Counts) -> None:
        """Add ``other``'s counters to these (the total row)."""
        for f in fields(self):
            if f.name != "name":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def arguments(description: str | None) -> argparse.ArgumentParser:
    """The command line both scripts take (each adds its input and its own options)."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--timeout", type=int, default=120, help="seconds per load (default 120)")
    parser.add_argument("--details", action="store_true", help="print every disagreement")
    parser.add_argument("--json", type=Path, help="write the rows and disagreements here")
    return parser


def finish(
    args: argparse.Namespace, rows: list[Counts], details: list[dict[str, object]], **more: Any
) -> None:
    """``--details``: every disagreement on a line of JSON; ``--json``: the rows, the disagreements and
    ``more`` in one file."""
    if args.details:
        for d in details:
            print(json.dumps(d))
    if args.json:
        report = {"rows": [asdict(r) for r in rows], "details": details, **more}
        args.json.write_text(json.dumps(report, indent=1))
