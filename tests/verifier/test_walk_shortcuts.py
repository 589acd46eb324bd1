"""The walker's shortcuts change nothing: copies of a path state share nothing with it, and the
precision walk's remembered segment walk (``precision.SegmentWalk``) gives every checkpoint the
same marks as walking every step; so do its passes over runs of instructions that change nothing
(``precision.Needs``) and over history entries that add nothing, which level 2 takes one by one.

The programs are loops of the shapes the shortcuts are for (a counting loop, a byte loop over the
packet with a data_end check, a switch on each byte advancing the offset by a few bytes), their
sizes drawn at random; some are refused (a bound the verifier cannot prove, a loop too long).
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf.isa.asm import assemble
from pybpf.uapi import BPF_LOG_LEVEL1, BPF_LOG_LEVEL2, BPF_LOG_STATS
from pybpf.verifier import VerifierError, do_check, prune, verify
from pybpf.verifier.bounds import Bounds
from pybpf.verifier.references import REF_TYPE_PTR
from pybpf.verifier.regstate import RegState
from pybpf.verifier.regtypes import RegType
from pybpf.verifier.stack import BPF_REG_SIZE, STACK_MISC, STACK_SPILL, StackSlot
from pybpf.verifier.state import PathState, Reference
from tests.verifier.stubs import XDP, make_request


def counting_loop(bound: int, step: int) -> str:
    return f"r1 = 0\nl:\nr1 += {step}\nif r1 < {bound} goto l\nr0 = 0\nexit"


def packet_loop(bound: int, spill: bool) -> str:
    keep = "*(u64 *)(r10 - 8) = r4\nr4 = *(u64 *)(r10 - 8)\n" if spill else ""
    return f"""
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 0
    r4 = 0
loop:
    r5 = r2
    r5 += r4
    r6 = r5
    r6 += 1
    if r6 > r3 goto out
    r7 = *(u8 *)(r5 + 0)
    r0 += r7
    {keep}r4 += 1
    if r4 < {bound} goto loop
out:
    r0 = 2
    exit
"""


def switch_parser(bound: int, cases: int) -> str:
    lines = ["r2 = *(u32 *)(r1 + 0)", "r3 = *(u32 *)(r1 + 4)", "r0 = 0", "r4 = 0", "loop:", "r5 = r2",
             "r5 += r4", "r6 = r5", "r6 += 8", "if r6 > r3 goto out", "r7 = *(u8 *)(r5 + 0)"]  # fmt: skip
    lines += [f"if r7 == {c * 3 + 1} goto case{c}" for c in range(cases)]
    lines += ["r4 += 1", "goto next"]
    for c in range(cases):
        lines += [f"case{c}:", f"r8 = *(u8 *)(r5 + {c % 8})", f"r4 += {c % 4 + 1}", "goto next"]
    lines += ["next:", "if r4 < " + str(bound) + " goto loop", "out:", "r0 = 2", "exit"]
    return "\n".join(lines)


def padded_loop(bound: int, pad: int, spill: bool) -> str:
    """A counting loop whose body is mostly a run of instructions the precision walk passes over,
    a forward jump on an unknown value landing in the middle of the run (the counter may go through
    the stack)."""
    keep = "*(u64 *)(r10 - 8) = r1\nr1 = *(u64 *)(r10 - 8)\n" if spill else ""
    run = "r3 += 1\n" * pad
    return (
        f"r6 = *(u32 *)(r1 + 12)\nr1 = 0\nr3 = 0\nl:\nif r6 > 7 goto mid\n{run}mid:\n{run}"
        f"{keep}r1 += 1\nif r1 < {bound} goto l\nr0 = 0\nexit"
    )


PROGRAMS = st.one_of(
    st.builds(counting_loop, st.integers(1, 300), st.integers(1, 3)),
    st.builds(padded_loop, st.integers(1, 120), st.integers(0, 12), st.booleans()),
    st.builds(packet_loop, st.integers(1, 60), st.booleans()),
    st.builds(switch_parser, st.integers(1, 24), st.integers(1, 5)),
)


def _outcome(text: str, log_level: int) -> tuple[Any, ...]:
    """What a load answers (the verdict, the processed instructions, the log without its
    ``verification time`` line) and every checkpoint's precision marks, in the order they were made."""
    made: list[prune.Checkpoint] = []
    original = prune.Checkpoint.__init__

    def init(cp: prune.Checkpoint, *args: Any) -> None:
        original(cp, *args)
        made.append(cp)

    request = make_request(assemble(text, "kernel"), XDP, log_level=log_level)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(prune.Checkpoint, "__init__", init)
        try:
            result = verify(request)
            answer: tuple[Any, ...] = ("loaded", result.verified_insns, _timeless(result.log))
        except VerifierError as err:
            answer = ("refused", err.errno, _timeless(err.log))
    return (*answer, [_marks(cp.state) for cp in made])


def _marks(state: PathState) -> list[tuple[int, ...]]:
    """The precise registers and spilled registers of each frame (positions)."""
    return [
        (
            *(regno for regno, reg in enumerate(frame.regs) if reg.precise),
            *(
                100 + spi
                for spi, slot in enumerate(frame.stack.slots)
                if slot.spilled and slot.spilled.precise
            ),
        )
        for frame in state.frames
    ]


def _timeless(log: str) -> str:
    return "\n".join(line for line in log.splitlines() if not line.startswith("verification time"))


class _Forgetful:
    """A Walker's ``segment_walk`` that never remembers a walk (every precision walk takes every
    step, as at log level 2)."""

    def __get__(self, obj: object, owner: type | None = None) -> None:
        return None

    def __set__(self, obj: object, value: object) -> None:
        pass


@pytest.mark.pure_python  # (hooks Checkpoint.__init__ and Walker.segment_walk)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PROGRAMS, st.sampled_from([BPF_LOG_STATS, BPF_LOG_LEVEL1 | BPF_LOG_STATS]))
def test_remembered_segment_walks_mark_the_same(text: str, log_level: int) -> None:
    remembered = _outcome(text, log_level)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(do_check.Walker, "segment_walk", _Forgetful(), raising=False)
        every_step = _outcome(text, log_level)
    assert remembered == every_step


@pytest.mark.pure_python  # (hooks Checkpoint.__init__)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PROGRAMS)
def test_precision_walk_shortcuts_mark_as_the_level2_walk(text: str) -> None:
    fast = _outcome(text, BPF_LOG_STATS)
    every_step = _outcome(text, BPF_LOG_LEVEL2 | BPF_LOG_STATS)  # (its log shows every step)
    assert (fast[0], fast[1], fast[3]) == (every_step[0], every_step[1], every_step[3])


def _dump_reg(reg: RegState) -> tuple[Any, ...]:
    return tuple(getattr(reg, name) for name in (*RegState.__slots__, *Bounds.__slots__))


def _dump(state: PathState) -> tuple[Any, ...]:
    """Every field of a path state, its registers' and stack slots' (by value)."""
    frames = tuple(
        (
            f.frameno, f.subprog, f.callsite, f.callback_ret, f.callback_depth,
            tuple(_dump_reg(r) for r in f.regs),
            tuple((tuple(s.kinds), s.spilled and _dump_reg(s.spilled)) for s in f.stack.slots),
        )
        for f in state.frames
    )  # fmt: skip
    return (frames, tuple(state.refs), state.may_goto_depth)


def _scribble(state: PathState) -> None:
    """Change every register and stack slot of ``state`` in place (and grow its stack)."""
    for frame in state.frames:
        for reg in frame.regs:
            reg.mark_known(0x1234)
            reg.type, reg.off, reg.id, reg.range, reg.precise = RegType.PTR_TO_STACK, 8, 99, 7, True
        frame.stack.grow(frame.stack.allocated + BPF_REG_SIZE)
        for slot in frame.stack.slots:
            slot.kinds[0] = STACK_MISC if slot.kinds[0] != STACK_MISC else STACK_SPILL
            if slot.spilled is not None:
                slot.spilled.mark_known(77)
                slot.spilled.precise = True
            else:
                slot.spilled = RegState()
        frame.callback_depth += 1
    state.refs.append(Reference(REF_TYPE_PTR, 1000 + len(state.refs), 0))
    state.may_goto_depth += 1


def _states_of(text: str) -> list[PathState]:
    """States the walker copied while checking ``text`` (at most 30, spread over the walk)."""
    seen: list[PathState] = []
    original = PathState.copy

    def copy(state: PathState) -> PathState:
        seen.append(original(state))
        return original(state)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PathState, "copy", copy)
        with contextlib.suppress(VerifierError):
            verify(make_request(assemble(text, "kernel"), XDP, log_level=0))
    return seen[:: max(1, len(seen) // 30)]


@pytest.mark.pure_python  # (hooks PathState.copy)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PROGRAMS)
def test_a_copied_state_shares_nothing_with_its_original(text: str) -> None:
    for state in _states_of(text):
        state.frames[-1].stack.grow(2 * BPF_REG_SIZE)  # a slot with a spill and one without
        spill = state.frames[-1].stack.slots[0]
        spill.kinds, spill.spilled = [STACK_SPILL] * BPF_REG_SIZE, RegState()
        spill.spilled.mark_known(5)
        before = _dump(state)
        copy = state.copy()
        assert _dump(copy) == before
        _scribble(copy)
        assert _dump(state) == before  # the copy's changes never reach the original ...
        again = state.copy()
        kept = _dump(again)
        _scribble(state)
        assert _dump(again) == kept  # ... nor the original's the copy


def test_stack_slot_copy_is_deep() -> None:
    slot = StackSlot()
    slot.spilled = RegState()
    copy = slot.copy()
    copy.kinds[3] = STACK_MISC
    assert copy.spilled is not None
    copy.spilled.precise = True
    assert slot.kinds[3] != STACK_MISC and not slot.spilled.precise
