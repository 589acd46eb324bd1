"""The level-2 log of the verifier corpus's selftest-themed programs against the kernel's.

The programs of tests/data/verifier_corpus/selftests_*.asm (scalars, bounds, spills, stack, the
kernel's verifier selftests' themes written afresh) use maps, so they are loaded with the corpus's
loader on both backends, each with its own maps, at log level 2.  Every state line
(``N: (code) insn ; state``, ``N: state``, ``from A to B: state``) must be the kernel's -- an
lddw's map address aside, which differs between the kernel and pybpf by nature -- and so must the
verdict and the processed-instruction count.  Programs whose log still differs are strict xfails
with the reason.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from tests.verifier import verifier_corpus as vc
from tests.verifier.test_log_agreement import processed, state_lines

_MAP_ADDRESS = re.compile(r"(\(18\) r\d+ = )0x[0-9a-f]+ *")

PROGRAMS = [p for p in vc.corpus(with_c=False) if p.theme.startswith("selftests_")]
LOG_GAPS = {
    "selftests_ldsx/ldsx_packet": "pkt > pkt_end marks the pointer BEYOND_PKT_END (mark_pkt_end), "
    "pybpf keeps r=0",
}


def _log(program: vc.Program, backend: Backend) -> tuple[int, str]:
    """Load ``program`` through ``backend`` at log level 2: (errno, log)."""
    err, log = vc.load_with_log(program, backend, log_level=2)
    return err, _MAP_ADDRESS.sub(r"\1ADDR ", log)


@pytest.mark.parametrize(
    "program",
    [pytest.param(p, marks=[pytest.mark.xfail(strict=True, reason=LOG_GAPS[p.name])]
                  if p.name in LOG_GAPS else []) for p in PROGRAMS],
    ids=[p.name for p in PROGRAMS],
)  # fmt: skip
def test_selftest_program_log_is_the_kernels(program: vc.Program, kernel: bool) -> None:
    kerr, klog = _log(program, NativeBackend())
    err, log = _log(program, UserBackend())
    assert (err, processed(log)) == (kerr, processed(klog))
    assert state_lines(log) == state_lines(klog)
