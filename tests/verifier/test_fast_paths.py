"""The walk's fast paths give exactly what the general code they stand in for gives.

``tnum.mul`` works on plain ints instead of composing ``tnum.add`` and ``tnum.union`` (tnum_mul() of
Linux 6.18); ``check_alu`` folds two constants directly for add, sub, mul and xor, which must be what
``bounds.alu`` (adjust_scalar_min_max_vals()) makes of them; ``jmp.branch_taken`` hands two scalars
straight to ``bounds.branch_taken``, whose 64-bit case reads the register without ``_view``.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf.verifier import bounds as B
from pybpf.verifier import tnum
from pybpf.verifier.checks import alu, jmp
from pybpf.verifier.regstate import RegState
from pybpf.verifier.tnum import U32, U64, Tnum
from tests.verifier.test_tnum_bounds import abstract, members, value


def _reference_mul(a: Tnum, b: Tnum) -> Tnum:
    """tnum_mul() as the kernel writes it: shift-and-add with tnum_add() and tnum_union()."""
    acc = Tnum(0, 0)
    v, m = a.value, a.mask
    while v or m:
        if v & 1:
            acc = tnum.add(acc, b)
        elif m & 1:
            acc = tnum.union(acc, tnum.add(acc, b))
        v >>= 1
        m >>= 1
        b = Tnum((b.value << 1) & U64, (b.mask << 1) & U64)
    return acc


def _tnum(known: int, unknown: int) -> Tnum:
    return Tnum(known & ~unknown & U64, unknown)


tnums = st.builds(_tnum, value, st.one_of(st.just(0), st.integers(0, 0xFF), st.integers(0, U64), value))


@settings(max_examples=400, deadline=None)
@given(tnums, tnums)
def test_mul_is_the_shift_and_add_of_add_and_union(a: Tnum, b: Tnum) -> None:
    assert tnum.mul(a, b) == _reference_mul(a, b)


def _state(b: B.Bounds) -> tuple[int, ...]:
    return b.bounds_key()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(alu._FOLD_FAST)), value, value, st.booleans())
def test_constant_fold_is_what_adjust_scalar_min_max_vals_gives(op: int, x: int, y: int, alu32: bool) -> None:
    """check_alu()'s folding of two known scalars against bounds.alu() on the same registers."""
    general, src = RegState(), RegState()
    general.mark_known(x)
    src.mark_known(y)
    B.alu(general, src, op, alu32)
    fast = RegState()
    fast.mark_known(x)
    B.mark_known(fast, B.fold(op, x, y, 32 if alu32 else 64))
    assert _state(fast) == _state(general)


def _reference_branch_taken(a: B.Bounds, b: B.Bounds, op: int) -> int:
    """is_scalar_branch_taken() of a 64-bit comparison through ``_view`` (JEQ, JNE and the orders)."""
    t1, umin1, umax1, smin1, smax1 = B._view(a, False)
    t2, umin2, umax2, smin2, smax2 = B._view(b, False)
    if op in (B.JEQ, B.JNE):
        hit = 1 if op == B.JEQ else 0
        if tnum.is_const(t1) and tnum.is_const(t2):
            return hit if t1.value == t2.value else 1 - hit
        if not tnum.overlap(t1, t2) or umin1 > umax2 or umax1 < umin2 or smin1 > smax2 or smax1 < smin2:
            return 1 - hit
        if a.umin32 > b.umax32 or a.umax32 < b.umin32 or a.smin32 > b.smax32 or a.smax32 < b.smin32:
            return 1 - hit
        return -1
    if op == B.JGT:
        return 1 if umin1 > umax2 else 0 if umax1 <= umin2 else -1
    if op == B.JSLE:
        return 1 if smax1 <= smin2 else 0 if smin1 > smax2 else -1
    raise AssertionError(op)


@settings(max_examples=300, deadline=None)
@given(members, members, st.sampled_from([B.JEQ, B.JNE, B.JGT, B.JSLE]))
def test_scalar_branch_taken_reads_the_64_bit_view(xs: list[int], ys: list[int], op: int) -> None:
    a, b = RegState(), RegState()
    a.mark_unknown()
    b.mark_unknown()
    a.copy_bounds_from(abstract(xs))
    b.copy_bounds_from(abstract(ys))
    assert jmp.branch_taken(a, b, op, False) == _reference_branch_taken(a, b, op)


def test_known_values_fold_in_32_bits() -> None:
    """A 32-bit fold wraps in the low half and zero-extends (as bounds.alu() does)."""
    r = RegState()
    B.mark_known(r, B.fold(B.ADD, U32, 1, 32))
    assert r.var_off == Tnum(0, 0) and r.umax == 0
    B.mark_known(r, B.fold(B.SUB, 0, 1, 32))
    assert r.var_off == Tnum(U32, 0) and r.smin == U32


_REFINE_OPS = [B.JEQ, B.JNE, B.JGT, B.JGE, B.JLT, B.JLE, B.JSGT, B.JSGE, B.JSLT, B.JSLE, B.JSET, B.JSET_FALSE]


@settings(max_examples=300, deadline=None)
@given(members, members, st.sampled_from(_REFINE_OPS), st.booleans(), st.booleans())
def test_remembered_refinement_is_the_computed_one(
    xs: list[int], ys: list[int], op: int, is32: bool, same: bool
) -> None:
    """refine() answers a question it saw before from memory: the same numbers as computing it
    (regs_refine_cond_op() and reg_bounds_sync()), also when both operands are one register."""
    fresh_a, fresh_b = abstract(xs), abstract(ys)
    computed_a, computed_b = abstract(xs), abstract(ys)
    if same:
        fresh_b, computed_b = fresh_a, computed_a
    B._REFINED.clear()
    B._refine(computed_a, computed_b, op, is32)
    B.refine(fresh_a, fresh_b, op, is32)  # (computed, then remembered)
    assert (_state(fresh_a), _state(fresh_b)) == (_state(computed_a), _state(computed_b))
    again_a, again_b = abstract(xs), abstract(ys)
    if same:
        again_b = again_a
    B.refine(again_a, again_b, op, is32)  # (answered from memory)
    assert (_state(again_a), _state(again_b)) == (_state(computed_a), _state(computed_b))
    if not same:  # one register compared with itself is another question than two equal ones
        B.refine(abstract(xs), abstract(xs), op, is32)  # (remembered: two registers)
        lone, lone_again = abstract(xs), abstract(xs)
        B._refine(lone, lone, op, is32)
        B.refine(lone_again, lone_again, op, is32)
        assert _state(lone_again) == _state(lone)
