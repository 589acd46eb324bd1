"""Hostile programs the verifier must end on with the kernel's answer: nested and recursive
callbacks, the subprogram limit, deeply nested open-coded iterators, the jump-sequence limit.

Issue 11, "Bad input": tests/hostile/test_verifier_hostile.py drives call chains, branch chains,
diamonds, loops and random flow to the processed-instruction limit; these are the limits it does
not reach -- the call stack of callbacks (bpf_loop inside a bpf_loop callback, nine deep, or a
callback that passes itself to bpf_loop again: check_max_stack_depth / push_callback_call's frame
count), BPF_MAX_SUBPROGS (add_subprog's "too many subprograms"), iterator states nested sixteen
deep (is_state_visited for iterators), and BPF_COMPLEXITY_LIMIT_JMP_SEQ (push_stack's "The
sequence of 8193 jumps is too complex.").  Each ends with the errno, final message and
processed-instruction count Linux 6.18 gives (checked against the running kernel where bpf(2)
is available), never a RecursionError, MemoryError or hang.
"""

from __future__ import annotations

import errno

import pytest

from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from tests.verifier import verifier_corpus as vc
from tests.verifier.shape_fuzz import answer


def _text(lines: list[str]) -> str:
    return "\n".join(line if line.endswith(":") else f"    {line}" for line in lines) + "\n"


def nested_bpf_loops(depth: int) -> list[str]:
    """main -> bpf_loop(cb0) -> bpf_loop(cb1) -> ... ``depth`` callbacks deep."""
    lines = ["r1 = 2", "r2 = func(cb0) ll", "r3 = 0", "r4 = 0", "call bpf_loop", "r0 = 2", "exit"]
    for d in range(depth):
        lines.append(f"cb{d}:")
        if d + 1 < depth:
            lines += ["r1 = 2", f"r2 = func(cb{d + 1}) ll", "r3 = 0", "r4 = 0", "call bpf_loop"]
        lines += ["r0 = 0", "exit"]
    return lines


def recursive_callback() -> list[str]:
    """A bpf_loop callback that calls bpf_loop with itself."""
    call = ["r1 = 2", "r2 = func(cb) ll", "r3 = 0", "r4 = 0", "call bpf_loop"]
    return [*call, "r0 = 2", "exit", "cb:", *call, "r0 = 0", "exit"]


def subprograms(count: int) -> list[str]:
    """The main program calling ``count`` subprograms one after the other."""
    lines = [*(f"call f{i}" for i in range(count)), "r0 = 2", "exit"]
    for i in range(count):
        lines += [f"f{i}:", "r0 = 0", "exit"]
    return lines


def nested_iterators(depth: int) -> list[str]:
    """``depth`` bpf_iter_num loops of three iterations, each inside the previous one."""
    lines: list[str] = []
    for d in range(depth):
        slot = -16 * (d + 1)
        lines += ["r1 = r10", f"r1 += {slot}", "r2 = 0", "r3 = 3", "call kfunc(bpf_iter_num_new)"]
        lines += [
            f"top{d}:",
            "r1 = r10",
            f"r1 += {slot}",
            "call kfunc(bpf_iter_num_next)",
            f"if r0 == 0 goto done{d}",
        ]
    for d in reversed(range(depth)):
        lines += [f"goto top{d}", f"done{d}:", "r1 = r10", f"r1 += {-16 * (d + 1)}"]
        lines.append("call kfunc(bpf_iter_num_destroy)")
    return [*lines, "r0 = 2", "exit"]


def jump_sequence(count: int) -> list[str]:
    """``count`` conditional jumps on one unknown, each pushing a branch never explored first."""
    return ["call bpf_get_prandom_u32", *(f"if r0 == {i} goto +0" for i in range(count)), "r0 = 2", "exit"]


CASES = {
    "nested_bpf_loops_7": (nested_bpf_loops(7), 0, "", 58),
    "nested_bpf_loops_8": (nested_bpf_loops(8), errno.E2BIG, "the call stack of 9 frames is too deep", 60),
    "nested_bpf_loops_12": (nested_bpf_loops(12), errno.E2BIG, "the call stack of 9 frames is too deep", 60),
    "recursive_callback": (recursive_callback(), errno.E2BIG, "the call stack of 9 frames is too deep", 60),
    "subprograms_255": (subprograms(255), 0, "", 767),
    "subprograms_256": (subprograms(256), errno.E2BIG, "too many subprograms", 0),
    "subprograms_400": (subprograms(400), errno.E2BIG, "too many subprograms", 0),
    "nested_iterators_16": (nested_iterators(16), 0, "", 274),
    "jump_sequence_9000": (
        jump_sequence(9000),
        errno.E2BIG,
        "The sequence of 8193 jumps is too complex.",
        8194,
    ),
}
"""name -> (program, errno, final message, processed instructions), as Linux 6.18 answers."""


@pytest.mark.parametrize("name", CASES)
def test_hostile_program_gets_the_kernels_answer(name: str) -> None:
    lines, err, line, processed = CASES[name]
    program = vc.Program(name=name, theme="hostile", text=_text(lines), btf="func_info")
    mine, _ = answer(program, UserBackend())
    assert (mine.err, mine.line, mine.processed) == (err, line, processed)
    if kernel_bpf_available():
        theirs, _ = answer(program, NativeBackend())
        assert (theirs.err, theirs.line, theirs.processed) == (err, line, processed)
