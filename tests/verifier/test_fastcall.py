"""The bpf_fastcall contract (pybpf.verifier.fastcall): the stack depths the kernel counts.

The corpus theme selftests_bpf_fastcall checks the verdicts (a pattern's stack left out of the
combined stack limit, or kept when the contract is broken); the depths themselves show only in the
BPF_LOG_STATS line ``stack depth A+B``, compared here with Linux 6.18's for every program of the
theme, and checked without the kernel on a few programs whose depths were read off that line.
"""

from __future__ import annotations

import re

import pytest

from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.uapi import BPF_LOG_STATS
from tests.verifier import verifier_corpus as vc

THEME = {p.name.rsplit("/", 1)[1]: p for p in vc.parse_theme(vc.CORPUS / "selftests_bpf_fastcall.asm")}
_STACK_DEPTH = re.compile(r"^stack depth (.*)$", re.MULTILINE)

LINUX_DEPTHS = {
    "five_pairs": "8",  # the five pairs' 40 bytes below fp-8 left out
    "one_pair": "0",
    "fill_other_reg": "16",  # no pattern
    "not_lowest_offset": "16",
    "region_read_later": "8",  # the contract broken: the stack kept
    "not_fastcall_helper_after": "8",  # a pattern around another helper keeps the stack
    "subprogs_own_offsets": "8+16",
    "combined_stack_fits_without_pattern": "496+16",
    "combined_stack_helper_reads_region": "504+16",
    "combined_stack_in_subprog": "480+32",
    "fill_uses_dead_value": "8",  # refused: the depth reached before the refusal
}
"""Linux 6.18's ``stack depth`` line of some theme programs (log level 4)."""


def stack_depth(program: vc.Program, backend: Backend) -> str:
    """The ``stack depth`` statistics of loading ``program`` at log level BPF_LOG_STATS."""
    _, log = vc.load_with_log(program, backend, log_level=BPF_LOG_STATS)
    found = _STACK_DEPTH.findall(log)
    assert len(found) == 1, log
    return str(found[0])


@pytest.mark.parametrize("name", sorted(LINUX_DEPTHS))
def test_stack_depth_as_linux_counts_it(name: str) -> None:
    assert stack_depth(THEME[name], UserBackend()) == LINUX_DEPTHS[name]


@pytest.mark.parametrize("name", sorted(THEME))
def test_stack_depth_is_the_kernels(name: str, kernel: bool) -> None:
    assert stack_depth(THEME[name], UserBackend()) == stack_depth(THEME[name], NativeBackend())
