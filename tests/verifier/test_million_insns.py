"""Loops that never converge are refused with E2BIG after the kernel's 1 000 000 processed instructions,
in time proportional to that work.

The programs are benchmarks/bench_verifier.py's ``e2big_*`` rows: a counter whose bound check is
decided on every iteration (its precision marked again each time, its range moving on), and a bit test
never decided (the exit path pushed on every iteration, below a checkpoint still being explored).  The
kernel's selftests verifier_loops1 / verifier_search_pruning have loops of these kinds; pybpf took over
120 s on them before session 19.  Compared with the kernel (skipped where bpf(2) is unavailable): the
errno, the message and the statistics' processed count.  How long a load takes is measured by
benchmarks/bench_verifier.py (its ``e2big_*`` rows), not asserted here.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

import pytest
from benchmarks.bench_verifier import e2big_jset_loop, e2big_range_loop, load

from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available

PROGRAMS: dict[str, Callable[[dict[str, int]], str]] = {
    "range_loop": e2big_range_loop,
    "jset_loop": e2big_jset_loop,
}
TOO_LARGE = "BPF program is too large. Processed 1000001 insn"
PROCESSED = "processed 1000001 insns (limit 1000000)"


def _final_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith((TOO_LARGE[:26], "processed "))]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_loop_that_never_converges_is_e2big(name: str) -> None:
    code = encode_program(assemble(PROGRAMS[name]({}), "kernel"))
    _wall, _cpu, err, log, _verify_cpu = load(UserBackend(), code)
    assert err == errno.E2BIG
    lines = _final_lines(log)
    assert lines[0] == TOO_LARGE and lines[1].startswith(PROCESSED)
    if kernel_bpf_available():
        _, _, k_err, k_log, _ = load(NativeBackend(), code)
        k_lines = _final_lines(k_log)
        assert (k_err, k_lines[0], k_lines[1].split(" max_states")[0]) == (
            err,
            lines[0],
            lines[1].split(" max_states")[0],
        )
