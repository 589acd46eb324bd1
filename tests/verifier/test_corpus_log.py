"""The whole level-2 log of every verifier corpus program against the kernel's, theme by theme.

Every assembly program of tests/data/verifier_corpus/*.asm is loaded with the corpus's loader on
both backends (each with its own maps) at log level 2, and the two logs must be the same, line for
line: the ``func#N @S`` lines, the ``Live regs before insn:`` table (loop numbers included), every
instruction with the state after it, the ``from A to B:`` and ``N: safe`` lines, the precision
walks (``mark_precise: ...``, ``frame 0: propagating ...``), the calls and returns (``caller:`` /
``callee:``, ``returning from callee:``), the loop marks (``SCC enter (1)``), the stack liveness
of each call chain (kernel/bpf/liveness.c: ``(0,3) frame 1 insn 11 +live -8,-16``, ``(0) live
stack update done in 2 iterations``), the reason of a refusal and the statistics line -- and so
must the errno.  Only the address an lddw of a map resolves to (and the padding after it) is not
compared: it differs between the kernel and pybpf by nature.

One test per theme file (the log comparison is the costly part: a few seconds per theme).  Programs
whose log still differs are listed in ``LOG_GAPS`` with the reason; a theme's test fails when one
of them starts agreeing, as a strict xfail would.  The heavy programs (a million processed
instructions, whose level-2 log outgrows any buffer) are left out, and so are the programs calling
a helper the running kernel's build refuses where the modelled release allows it
(``verifier_corpus.build_refusal``).

The C theme (the programs of tests/data/c, loaded through ``pybpf.Object`` on both backends: those
test_stats_agreement compares) is compared the same way, one test per program, its gaps strict
xfails.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile

import pytest

from pybpf import Object
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.kernel_version import KERNEL_VERSION
from tests.elf.corpus import obj_path
from tests.verifier import verifier_corpus as vc
from tests.verifier.test_stats_agreement import OBJECTS

_MAP_ADDRESS = re.compile(r"(\(18\) r\d+ = )0x[0-9a-f]+ *")

THEMES = sorted(path.stem for path in vc.CORPUS.glob("*.asm"))

_ITER_BUF_LOG = (
    "the recording kernel refuses the map-element iterator targets with EPERM, nothing logged "
    "(known_disagreements.txt); pybpf follows Linux 6.18's source (tests/verifier/test_iter_map_elem.py)"
)
LOG_GAPS: dict[str, str] = {
    **{p.name: _ITER_BUF_LOG for p in vc.parse_theme(vc.CORPUS / "iter_map_elem.asm")},
    "arena/alloc_pages_kfunc": "the recording kernel refuses the arena kfuncs in every program (its "
    "verdict is listed in known_disagreements.txt); pybpf follows Linux 6.18's kernel/bpf/arena.c",
}
"""Corpus programs (``theme/name``) whose level-2 log still differs from Linux 6.18's, with the
reason (measured: every other program that is not heavy agrees)."""


def compared(log: str) -> list[str]:
    """The lines of ``log`` compared: map addresses normalised, trailing blanks left out."""
    return [_MAP_ADDRESS.sub(r"\1ADDR ", line.rstrip()) for line in log.splitlines()]


def log_lines(program: vc.Program, backend: Backend) -> tuple[int, list[str]]:
    """Load ``program`` through ``backend`` at log level 2: its errno and the lines compared."""
    err, log = vc.load_with_log(program, backend, log_level=2)
    return err, compared(log)


def differences(program: vc.Program) -> str:
    """'' when both logs agree, else the kernel's and pybpf's errno and a diff of the two logs."""
    kerr, klines = log_lines(program, NativeBackend())
    err, lines = log_lines(program, UserBackend())
    if (err, lines) == (kerr, klines):
        return ""
    diff = difflib.unified_diff(klines, lines, "Linux", "pybpf", lineterm="", n=2)
    return f"{program.name}: errno {err} (Linux {kerr})\n" + "\n".join(diff)


def test_every_gap_is_a_corpus_program() -> None:
    names = {p.name for p in vc.corpus(with_c=False)}
    assert set(LOG_GAPS) <= names


@pytest.mark.parametrize("theme", THEMES)
def test_theme_logs_are_the_kernels(theme: str, kernel: bool) -> None:
    programs = [
        p for p in vc.parse_theme(vc.CORPUS / f"{theme}.asm") if not p.heavy and not vc.build_refusal(p)
    ]
    found = {p.name: text for p in programs if (text := differences(p))}
    gaps = {p.name for p in programs if p.name in LOG_GAPS}
    unexpected = "\n\n".join(text for name, text in found.items() if name not in gaps)
    assert not unexpected, unexpected
    assert set(found) == gaps, f"agreeing now (remove from LOG_GAPS): {sorted(gaps - set(found))}"


_RUNNING_CODE = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", os.uname().release)
_AT_PATCH_ZERO = _RUNNING_CODE is not None and (
    int(_RUNNING_CODE.group(1)),
    int(_RUNNING_CODE.group(2)),
    int(_RUNNING_CODE.group(3) or 0),
) == (KERNEL_VERSION.major, KERNEL_VERSION.minor, 0)
"""Whether the running kernel is the modelled release's first build (x.y.0), whose LINUX_VERSION_CODE
pybpf's is."""
C_LOG_GAPS = {
    "kconfig_externs:xdp_kconfig": (
        "LINUX_VERSION_CODE: the running kernel's patch level (6.18.44: 0x6122c) where pybpf's "
        "KERNEL_VERSION says 6.18.0 (0x61200)"
    ),
}
"""C programs whose level-2 log differs, with the reason (measured: 48 of 49 agree)."""
if _AT_PATCH_ZERO:
    del C_LOG_GAPS["kconfig_externs:xdp_kconfig"]  # the same LINUX_VERSION_CODE on both


def object_log(name: str, program: str, backend: Backend) -> list[str]:
    """The compared lines of ``program``'s level-2 log, loaded from the object ``name``."""
    with tempfile.TemporaryDirectory(prefix="pybpf-log-") as pins:
        try:
            with Object.open(obj_path(name), backend=backend, pin_root=pins) as obj:
                obj.load(log_level=2, programs=[program])
                log = obj.logs.get(program, "")
        except BPFError as exc:
            log = getattr(exc, "raw_log", "") or ""
    return compared(log)


def _c_case(name: str, program: str) -> object:
    key = f"{name}:{program}"
    marks = [pytest.mark.xfail(strict=True, reason=C_LOG_GAPS[key])] if key in C_LOG_GAPS else []
    return pytest.param(name, program, marks=marks, id=key)


@pytest.mark.parametrize(("name", "program"), [_c_case(n, p) for n, p in OBJECTS])
def test_c_program_log_is_the_kernels(name: str, program: str, kernel: bool) -> None:
    theirs = object_log(name, program, NativeBackend())
    ours = object_log(name, program, UserBackend())
    assert theirs
    assert ours == theirs, "\n".join(difflib.unified_diff(theirs, ours, "Linux", "pybpf", lineterm="", n=2))
