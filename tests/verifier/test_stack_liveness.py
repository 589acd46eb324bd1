"""Linux 6.18's stack liveness per call chain (``pybpf.verifier.stack_liveness``), without the kernel.

The level-2 log lines of small programs as the running Linux 6.18 writes them (recorded on it;
test_corpus_log compares every corpus program with the kernel where bpf(2) works): a callee's
whole-slot write into its caller's frame passes to the call instruction, a write on one branch
only is no ``must_write`` of the join, and the instructions are solved in the postorder of
compute_postorder() (a jump's target walked before the fall-through).
"""

from __future__ import annotations

import dataclasses
import re

from pybpf.isa.asm import assemble
from pybpf.isa.program import ProgramView
from pybpf.uapi import BPF_F_TEST_STATE_FREQ
from pybpf.verifier import verify
from pybpf.verifier.log import VerifierLog
from pybpf.verifier.stack_liveness import StackLiveness, format_stack_mask, mask_change
from tests.verifier.stubs import XDP, make_request

_LIVENESS_LINE = re.compile(r"^\([\d,]+\) ")


def liveness_lines(source: str) -> list[str]:
    """The stack-liveness lines of ``source``'s level-2 log (an XDP program)."""
    log = verify(make_request(assemble(source, "kernel"), XDP, log_level=2)).log
    return [line for line in log.splitlines() if _LIVENESS_LINE.match(line)]


def test_mask_format() -> None:
    assert format_stack_mask(0b101) == "-8,-24"
    assert format_stack_mask(1 << 63) == "-512"
    assert mask_change("live", 0b01, 0b10) == "+live -16 -live -8"
    assert mask_change("written", 0, 0b11) == "+written -8,-16 "
    assert mask_change("live", 0b11, 0b11) == ""


def test_callee_write_reaches_the_call() -> None:
    """The callee's chain (2,5) writes frame 0's fp-8 whole; its entry's must_write_acc becomes the
    call instruction's must_write in the caller's chain (0), whose load after the call then reads
    a slot written before it."""
    lines = liveness_lines("""
        r1 = r10
        r1 += -8
        call f
        r0 = *(u64 *)(r10 - 8)
        exit
    f:
        r2 = 1
        *(u64 *)(r1 + 0) = r2
        r0 = 0
        exit
    """)
    assert lines == [
        "(2,5) frame 0 insn 6 +written -8 ",
        "(2,5) frame 0 insn 5 +written -8 ",
        "(2,5) live stack update done in 2 iterations",
        "(0) frame 0 insn 2 +written -8 ",
        "(0) frame 0 insn 0 +written -8 ",
        "(0) live stack update done in 2 iterations",
        "(0) frame 0 insn 3 +live -8 ",
        "(0) live stack update done in 2 iterations",
    ]


def test_write_on_one_branch_is_not_written_at_the_join() -> None:
    lines = liveness_lines("""
        call bpf_get_prandom_u32
        r6 = r0
        r1 = 0
        *(u64 *)(r10 - 8) = r1
        if r6 > 5 goto l1
        *(u64 *)(r10 - 16) = r1
    l1:
        r0 = *(u64 *)(r10 - 8)
        exit
    """)
    assert lines == [
        "(0) frame 0 insn 6 +live -8 ",
        "(0) frame 0 insn 5 +live -8 ",
        "(0) frame 0 insn 5 +written -16 ",
        "(0) frame 0 insn 4 +live -8 ",
        "(0) frame 0 insn 3 +written -8 ",
        "(0) frame 0 insn 1 +written -8 ",
        "(0) frame 0 insn 0 +written -8 ",
        "(0) live stack update done in 2 iterations",
    ]


def test_postorder_walks_the_jump_target_first() -> None:
    view = ProgramView(assemble("if r1 > 5 goto +2\nr0 = 1\ngoto +1\nr0 = 2\nexit", "kernel"))
    liveness = StackLiveness(view, VerifierLog(), frozenset(), lambda _: False)
    assert liveness.postorder(0) == [4, 3, 2, 1, 0]


def test_partly_written_slot_is_data_a_spilled_scalar_subsumes() -> None:
    """A slot only half written on the current path (a u32 at fp-4, fp-8's lower half uninitialised)
    is data to a privileged program (is_stack_all_misc()): the checkpoint at the join, whose fp-8 is
    an imprecise spilled zero, subsumes it -- as Linux 6.18 does with BPF_F_TEST_STATE_FREQ."""
    source = """
        call 7
        r6 = r0
        r7 = 0
        if r6 > 10 goto +2
        *(u64 *)(r10 - 8) = r7
        goto +1
        *(u32 *)(r10 - 4) = r6
        r1 = *(u64 *)(r10 - 8)
        r0 = 0
        exit
    """
    request = make_request(assemble(source, "kernel"), XDP, log_level=2)
    log = verify(dataclasses.replace(request, prog_flags=BPF_F_TEST_STATE_FREQ)).log
    assert "7: safe" in log.splitlines()
    assert "processed 11 insns" in log
