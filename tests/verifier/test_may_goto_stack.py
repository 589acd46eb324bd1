"""The stack a may_goto adds when it is expanded (pybpf.verifier.may_goto): do_misc_fixups() gives
each subprogram holding a may_goto 16 more bytes (a timed may_goto's counter and timestamp, x86-64).

The depths show only in the BPF_LOG_STATS line ``stack depth A+B``: compared here with the running
kernel's for the ``may_goto_stack_*`` programs of the corpus theme selftests_newer, and checked
without the kernel against the depths Linux 6.18 printed for them.
"""

from __future__ import annotations

import re

import pytest

from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.uapi import BPF_LOG_STATS
from tests.verifier import verifier_corpus as vc

THEME = {
    p.name.rsplit("/", 1)[1]: p
    for p in vc.parse_theme(vc.CORPUS / "selftests_newer.asm")
    if p.name.rsplit("/", 1)[1].startswith("may_goto_stack_")
}
_STACK_DEPTH = re.compile(r"^stack depth (.*)$", re.MULTILINE)

LINUX_DEPTHS = {
    "may_goto_stack_of_main": "24",
    "may_goto_stack_twice_in_main": "16",
    "may_goto_stack_in_subprog": "16+16",
    "may_goto_stack_loop": "16",
    "may_goto_stack_with_fastcall_pair": "24",
    "may_goto_stack_refused": "8",
}
"""Linux 6.18's ``stack depth`` line of the theme's may_goto programs (log level 4)."""


def stack_depth(program: vc.Program, backend: Backend) -> str:
    """The ``stack depth`` statistics of loading ``program`` at log level BPF_LOG_STATS."""
    _, log = vc.load_with_log(program, backend, log_level=BPF_LOG_STATS)
    found = _STACK_DEPTH.findall(log)
    assert len(found) == 1, log
    return str(found[0])


def test_every_program_has_its_depth() -> None:
    assert set(THEME) == set(LINUX_DEPTHS)


@pytest.mark.parametrize("name", sorted(LINUX_DEPTHS))
def test_stack_depth_as_linux_counts_it(name: str) -> None:
    assert stack_depth(THEME[name], UserBackend()) == LINUX_DEPTHS[name]


@pytest.mark.parametrize("name", sorted(THEME))
def test_stack_depth_is_the_kernels(name: str, kernel: bool) -> None:
    assert stack_depth(THEME[name], UserBackend()) == stack_depth(THEME[name], NativeBackend())
