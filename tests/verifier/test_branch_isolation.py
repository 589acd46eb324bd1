"""A pushed branch's state is its own: what the path that goes on does never changes it.

The walker copies the state for each branch it pushes (push_stack()), refines that copy within the
same instruction, and resumes it much later; every write of the path that goes on in between lands
on other objects.  Checked on random programs of tests/verifier/corpus_generator.py (every shape its
snippets make: spills and fills, map value and packet pointers, branches refining linked scalars)
and the loops of tests/verifier/test_walk_shortcuts.py (a switch on each packet byte pushes a
branch per case):
after each instruction, every branch still pending has, field by field, the state it had at the end
of the instruction that pushed it.  This is the property any sharing between a branch and the path
(copy-on-write) has to keep.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf.kernel.backend import UserBackend
from pybpf.verifier import do_check
from pybpf.verifier.bounds import Bounds
from pybpf.verifier.regstate import RegState
from pybpf.verifier.state import PathState
from tests.verifier import corpus_generator, verifier_corpus
from tests.verifier.test_walk_shortcuts import PROGRAMS, switch_parser


def _dump_reg(reg: RegState | None) -> tuple[Any, ...] | None:
    if reg is None:
        return None
    return tuple(getattr(reg, name) for name in (*RegState.__slots__, *Bounds.__slots__))


def _dump(state: PathState) -> tuple[Any, ...]:
    """Every field of a path state, its frames', registers' and stack slots' (by value)."""
    frames = tuple(
        (
            f.frameno, f.subprog, f.callsite, f.callback_ret, f.callback_depth,
            tuple(_dump_reg(r) for r in f.regs),
            tuple((tuple(s.kinds), _dump_reg(s.spilled)) for s in f.stack.slots),
        )
        for f in state.frames
    )  # fmt: skip
    return (
        frames,
        tuple(state.refs),
        state.may_goto_depth,
        state.active_rcu_lock,
        state.active_preempt_locks,
    )


def _check_pending_branches(text: str, maps: str = "") -> int:
    """Load the XDP program ``text`` (with the corpus-format ``maps``) on pybpf, checking the pending
    branches after every instruction; how many branches were watched."""
    watched: dict[int, tuple[do_check.Branch, tuple[Any, ...]]] = {}
    counted: list[int] = []
    original = do_check.Walker.step

    def step(w: do_check.Walker, insn: Any) -> int | None:
        before = len(w.pending)
        try:
            return original(w, insn)
        finally:
            pending = {id(b) for b in w.pending}
            for key, (branch, dump) in list(watched.items()):
                if key not in pending:
                    del watched[key]  # resumed (or the walk ended)
                    continue
                assert _dump(branch.state) == dump, f"a pending branch changed at insn {w.insn_idx}"
            for branch in w.pending[before:]:
                watched[id(branch)] = (branch, _dump(branch.state))
                counted.append(1)

    program = verifier_corpus.Program(
        "isolation", "generated", text=text, maps=verifier_corpus._parse_maps(maps)
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(do_check.Walker, "step", step)
        verifier_corpus.load_with_log(program, UserBackend(), log_level=0)
    return len(counted)


GENERATED = st.builds(lambda seed: corpus_generator.generated_program(seed)[1], st.integers(0, 100_000))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        GENERATED.map(lambda text: (text, corpus_generator.MAPS)), PROGRAMS.map(lambda text: (text, ""))
    )
)
def test_the_path_that_goes_on_never_changes_a_pending_branch(program: tuple[str, str]) -> None:
    _check_pending_branches(*program)


def test_the_check_watches_branches() -> None:
    """The programs push branches (the property above is not vacuous)."""
    generated = sum(
        _check_pending_branches(corpus_generator.generated_program(seed)[1], corpus_generator.MAPS)
        for seed in range(20)
    )
    assert generated >= 10
    assert _check_pending_branches(switch_parser(8, 3)) >= 10
