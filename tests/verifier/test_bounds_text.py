"""The log's text of a register's ranges (``regstate.bounds_text()``) is remembered by the numbers
it is made of: a remembered answer is always the one computed afresh, for any bounds, whether the
table of remembered texts is empty, holds the same numbers or was emptied because it filled."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf.verifier import regstate, tnum
from pybpf.verifier.regstate import RegState, format_reg
from tests.verifier.test_tnum_bounds import abstract, members


def _fresh(reg: RegState) -> str:
    """bounds_text() computed without the table."""
    parts = regstate._scalar_ranges(reg)
    if not tnum.is_unknown(reg.var_off):
        parts.append("var_off=" + tnum.format_(reg.var_off))
    return ",".join(parts)


def _scalar(values: list[int]) -> RegState:
    reg = RegState()
    reg.mark_unknown()
    reg.copy_bounds_from(abstract(values))
    return reg


@settings(max_examples=300, deadline=None)
@given(st.lists(members, min_size=1, max_size=8))
def test_remembered_texts_are_the_computed_ones(sets: list[list[int]]) -> None:
    regs = [_scalar(values) for values in sets]
    for reg in regs + regs[::-1]:  # (the second round answers from the table)
        assert regstate.bounds_text(reg) == _fresh(reg)
        if not tnum.is_const(reg.var_off):
            assert format_reg(reg) == f"scalar({_fresh(reg)})"


def test_the_table_is_bounded_and_still_right(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regstate, "BOUNDS_TEXTS_MAX", 8)
    monkeypatch.setattr(regstate, "_BOUNDS_TEXTS", {})  # (not the one other tests filled)
    regs = [_scalar([0, n]) for n in range(1, 40)]
    for reg in regs + regs:
        assert regstate.bounds_text(reg) == _fresh(reg)
        assert len(regstate._BOUNDS_TEXTS) <= 8
    reg = _scalar([0, 5])
    text = regstate.bounds_text(reg)
    reg.copy_bounds_from(abstract([0, 9]))  # the same register, other numbers: another text
    assert regstate.bounds_text(reg) == _fresh(reg) != text
