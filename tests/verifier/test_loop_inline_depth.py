"""optimize_bpf_loop()'s stack depths: the BPF_LOG_STATS line ``stack depth A+B`` of programs that
call bpf_loop (pybpf.verifier.callbacks.inlined_loop_stack_depths).

A bpf_loop call whose every visit passed flags known to be 0 and the same callback is inlined after
a successful walk; the subprogram that holds it grows by three stack slots (r6-r8 kept across the
loop) below its depth rounded up to 8 bytes, once however many such calls it has.  Compared with
Linux 6.18 for every bpf_loop program of the selftests_verdicts and test_verifier_suite corpus
themes, and checked without the kernel on the depths read off that line.
"""

from __future__ import annotations

import pytest

from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from tests.verifier import verifier_corpus as vc
from tests.verifier.test_fastcall import stack_depth

THEME = {
    p.name.rsplit("/", 1)[1]: p
    for theme in ("selftests_verdicts", "test_verifier_suite")
    for p in vc.parse_theme(vc.CORPUS / f"{theme}.asm")
    if "loop" in p.name
}

LINUX_DEPTHS = {
    "loop_inline_fit": "32+0",  # 8 bytes + the three slots
    "loop_inline_unaligned_stack": "32+0",  # 4 bytes rounded up to 8, then the slots
    "loop_inline_flags_unknown": "8+0",  # not inlined
    "loop_inline_two_callbacks": "0+0+0",  # not inlined
    "loop_inline_two_calls": "24+0",  # two inlined calls: the slots once
    "loop_inline_in_subprog": "16+24+0",  # the subprogram with the call grows
    "loop_inline_refused_later": "8+0",  # refused: no rewrite
    "loop_inline_after_lddws": "0+24+0",  # the subprogram's call, after seven lddw (found by slot)
    "loop_inline_two_subprogs": "40+56+0",  # 12 rounded to 16, 32: each + 24
    "loop_inline_one_of_two_calls": "24+0",  # one call inlined, the other not
    "loop_inline_callback_returns_two": "0+0",  # refused: no rewrite
}
"""Linux 6.18's ``stack depth`` line of the theme's bpf_loop programs (log level 4)."""


@pytest.mark.parametrize("name", sorted(LINUX_DEPTHS))
def test_stack_depth_as_linux_counts_it(name: str) -> None:
    assert stack_depth(THEME[name], UserBackend()) == LINUX_DEPTHS[name]


@pytest.mark.parametrize("name", sorted(THEME))
def test_stack_depth_is_the_kernels(name: str, kernel: bool) -> None:
    assert stack_depth(THEME[name], UserBackend()) == stack_depth(THEME[name], NativeBackend())
