"""A pushed branch's state is its own: what the path that goes on does never changes it.

The walker copies the state for each branch it pushes (push_stack()), refines that copy within the
same instruction, and resumes it much later; every write of the path that goes on in between lands
on other objects.  Checked on random programs of tests/verifier/corpus_generator.py (every shape its
snippets make: spills and fills, map value and packet pointers, branches refining linked scalars)
and the loops of tests/verifier/test_walk_shortcuts.py (a switch on each packet byte pushes a
branch per case):
after each instruction, every branch still pending has, field by field, the state it had at the end
of the instruction that pushed it.  This is the property any sharing between a branch and the path
(copy-on-write) has to keep.  And the sharing is marked: a register or stack object that two states
(the path's, the pending branches') hold is marked shared in every frame holding it, so that the
next writer copies it first (``FuncFrame.shared``), and a checkpoint's state shares nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf.kernel.backend import UserBackend
from pybpf.verifier import do_check, prune
from pybpf.verifier.bounds import Bounds
from pybpf.verifier.regstate import RegState
from pybpf.verifier.state import STACK_SHARED, PathState
from tests.verifier import corpus_generator, verifier_corpus
from tests.verifier.test_walk_shortcuts import PROGRAMS, switch_parser

pytestmark = pytest.mark.pure_python  # (every test watches the walker through Walker.step)


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


def _objects(state: PathState) -> list[tuple[int, bool]]:
    """The register and stack objects of ``state`` (ids), each with its frame's shared mark."""
    out: list[tuple[int, bool]] = []
    for frame in state.frames:
        out += [(id(reg), bool(frame.shared >> regno & 1)) for regno, reg in enumerate(frame.regs)]
        marked = bool(frame.shared & STACK_SHARED)
        out.append((id(frame.stack), marked))
        # (a stack's slots go with it: no two stacks hold the same spilled register)
        out += [(id(slot.spilled), marked) for slot in frame.stack.slots if slot.spilled is not None]
    return out


def _check_sharing(w: do_check.Walker, checked: set[prune.Checkpoint]) -> int:
    """Every object two states (the path's, the pending branches') hold is marked shared where it is
    held; a new checkpoint (not in ``checked``) holds none of theirs.  How many objects are held twice."""
    holders: dict[int, list[bool]] = {}
    states = {id(state): state for state in [w.state, *(b.state for b in w.pending)]}
    for state in states.values():
        for key, marked in _objects(state):
            holders.setdefault(key, []).append(marked)
    for bucket in w.explored.values():
        for cp in bucket:
            if cp not in checked:
                checked.add(cp)
                assert not any(key in holders for key, _ in _objects(cp.state)), "a checkpoint shares"
    shared = [held for held in holders.values() if len(held) > 1]
    for held in shared:
        assert all(held), f"an object held twice is not marked shared at {w.insn_idx}"
    return len(shared)


def _check_pending_branches(text: str, maps: str = "") -> tuple[int, int]:
    """Load the XDP program ``text`` (with the corpus-format ``maps``) on pybpf, checking the pending
    branches and the sharing after every instruction; how many branches were watched, and after how
    many instructions a state shared objects with another."""
    watched: dict[int, tuple[do_check.Branch, tuple[Any, ...]]] = {}
    counted: list[int] = []
    shared: list[int] = []
    checked: set[prune.Checkpoint] = set()
    original = do_check.Walker.step

    def step(w: do_check.Walker, insn: Any) -> int | None:
        before = len(w.pending)
        try:
            return original(w, insn)
        finally:
            shared.append(_check_sharing(w, checked))
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
    return len(counted), sum(1 for n in shared if n)


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
    """The programs push branches that share objects with the path (the properties above are not
    vacuous)."""
    generated = [
        _check_pending_branches(corpus_generator.generated_program(seed)[1], corpus_generator.MAPS)
        for seed in range(20)
    ]
    assert sum(branches for branches, _ in generated) >= 10
    assert sum(shared for _, shared in generated) >= 10
    branches, shared = _check_pending_branches(switch_parser(8, 3))
    assert branches >= 10
    assert shared >= 10


_HEADER = """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 16
    if r4 > r3 goto out
    r6 = *(u8 *)(r2 + 0)
    r7 = *(u8 *)(r2 + 1)
    r8 = *(u8 *)(r2 + 2)
    if r6 > 7 goto out
"""
_FOOTPRINTS = {
    # each pushes a branch sharing every register with the path, then writes in the way named
    "a move gives its shared source an id": "r9 = r7\nif r9 > 3 goto out\nr0 = r8",
    "a 32-bit move of a shared source": "w9 = w7\nr0 = r7",
    "an ALU operation on shared registers": "r7 += r8\nr8 ^= 5\nr0 = r7",
    "a load into a shared register": "r7 = *(u16 *)(r2 + 3)\nr0 = r7",
    "a jump refining two shared operands": "if r7 < r8 goto out\nr0 = r7",
    "a jump on a linked scalar": "r9 = r7\nif r9 > 3 goto out\nif r7 > 1 goto out\nr0 = r9",
    "a spill and fill of a shared register": "*(u64 *)(r10 - 8) = r7\nr9 = *(u64 *)(r10 - 8)\nr0 = r9",
    "a helper call": "call bpf_get_prandom_u32\nif r0 > r7 goto out\nr0 = r8",
    "a packet range proven by a jump": "r9 = r2\nr9 += r7\nr5 = r9\nr5 += 1\nif r5 > r3 goto out\nr0 = r8",
    # the stack the branch shares (a spill before a second push), written or grown by the path
    "a spill over a shared spill, then a fill": (
        "*(u64 *)(r10 - 8) = r7\nif r8 > 3 goto out\n*(u64 *)(r10 - 8) = r8\nr9 = *(u64 *)(r10 - 8)\nr0 = r9"
    ),
    "an immediate over part of a shared spill": (
        "*(u64 *)(r10 - 16) = r7\nif r8 > 3 goto out\n*(u32 *)(r10 - 16) = 5\nr0 = *(u32 *)(r10 - 16)"
    ),
    "a fill that grows a shared stack": (
        "*(u64 *)(r10 - 8) = r7\nif r8 > 3 goto out\n*(u64 *)(r10 - 24) = r8\nr0 = *(u64 *)(r10 - 24)"
    ),
    "a store through a copy of the frame pointer": (
        "r9 = r10\nr9 += -8\n*(u64 *)(r9 + 0) = r7\nif r8 > 2 goto out\n"
        "*(u8 *)(r9 + 0) = r8\nr0 = *(u64 *)(r9 + 0)"
    ),
    "an lddw into a shared register": "r7 = 0x100000000 ll\nr0 = r7",
}


@pytest.mark.parametrize("name", list(_FOOTPRINTS))
def test_a_write_after_a_push_leaves_the_branch_as_it_was(name: str) -> None:
    """Every kind of write the walker makes private first (``Walker._own_written()``), on registers
    the pending branch shares with the path."""
    text = _HEADER + _FOOTPRINTS[name] + "\n    if r0 > 9 goto out\n    r0 = 1\nout:\n    r0 = 2\n    exit\n"
    branches, shared = _check_pending_branches(text)
    assert branches >= 2
    assert shared >= 1  # (the branch shares with the path when the write comes)
