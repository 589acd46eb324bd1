"""reg_bounds_sync() on machine words (pybpf.verifier.bounds, mypyc i64 when compiled)
against a reference model written on plain Python ints (unbounded, u64 numbers non-negative: the
straightforward reading of kernel/bpf/verifier.c's reg_bounds_sync(), which pybpf ran before the word
version).  Random ten-number states -- consistent or not, as a refined dead branch leaves them --
must come out of both alike, every number of them; so must a refinement followed by the sync."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf.verifier import bounds as B
from pybpf.verifier import tnum
from pybpf.verifier.bounds import S32_MAX, S32_MIN, S64_MAX, Bounds, s32, s64
from pybpf.verifier.tnum import U32, U64, Tnum

# --- the reference model: the ten numbers as Python ints ----------------------------------------

Numbers = tuple[int, int, int, int, int, int, int, int, int, int]


def _update32(n: Numbers) -> Numbers:
    """__update_reg32_bounds()."""
    value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32 = n
    v, m = value & U32, mask & U32
    lo = s32(v | (m & 0x80000000))
    hi = s32(v | (m & 0x7FFFFFFF))
    smin32, smax32 = lo if lo > smin32 else smin32, hi if hi < smax32 else smax32
    umin32, umax32 = v if v > umin32 else umin32, min(umax32, v | m)
    return value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32


def _update64(n: Numbers) -> Numbers:
    """__update_reg64_bounds()."""
    value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32 = n
    lo = s64(value | (mask & (1 << 63)))
    hi = s64(value | (mask & S64_MAX))
    smin, smax = lo if lo > smin else smin, hi if hi < smax else smax
    umin, umax = value if value > umin else umin, min(umax, value | mask)
    if mask:
        # Linux 6.18 (stable): when [umin, umax] holds only one member of var_off, the register
        # is that constant (__update_reg64_bounds() walks the members with tnum_step(); the
        # 32-bit bounds are not asked).  umin a member (the common case) is answered inline.
        if umin == value:  # umin the smallest member (the common case): is the next one above umax?
            if umax < value | mask and value + (mask & -mask) > umax:
                return _known(umin)
        else:
            known = _single_member(value, mask, umin, umax)
            if known is not None:
                return _known(known)
    elif umin != value or umax != value:
        # A constant var_off whose range lies past it (a branch both bounds and bits contradict:
        # the range [2, 12] meeting the tnum "low byte zero" only in 0, made constant by
        # __reg_bound_offset()): tnum_step() answers the tnum's one member, and the register is
        # that constant, every bound with it (fuzz stack_var_off:300055).
        return _known(value)
    return value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32


def _single_member(value: int, mask: int, umin: int, umax: int) -> int | None:
    """The one member of var_off in [umin, umax] when there is only one, as Linux 6.18 finds it:
    umin itself (a member whose next member lies above umax), var_off's largest member (the next
    after umin, which is none), or the next after umin (when the one after it lies above umax)."""
    following = tnum.step(value, mask, umin)
    if umin & ~mask & U64 == value:
        return umin if following > umax else None
    if following == value | mask:
        return following
    if following <= umax and tnum.step(value, mask, following) > umax:
        return following
    return None


def _known(value: int) -> Numbers:
    """___mark_reg_known() on the ten numbers."""
    signed, low = s64(value), value & U32
    return value, 0, signed, signed, value, value, s32(low), s32(low), low, low


def _deduce(n: Numbers) -> Numbers:
    """__reg_deduce_bounds(): __reg32_deduce_bounds(), __reg64_deduce_bounds() and
    __reg_deduce_mixed_bounds() in turn."""
    value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32 = n
    # __reg32_deduce_bounds(): the 64-bit bounds only feed the 32-bit ones here
    if umin >> 32 == umax >> 32:
        umin32 = max(umin32, umin & U32)
        umax32 = min(umax32, umax & U32)
        lo, hi = s32(umin), s32(umax)
        if lo <= hi:
            smin32 = max(smin32, lo)
            smax32 = min(smax32, hi)
    if smin >> 32 == smax >> 32:
        if smin & U32 <= smax & U32:
            umin32 = max(umin32, smin & U32)
            umax32 = min(umax32, smax & U32)
        lo, hi = s32(smin), s32(smax)
        if lo <= hi:
            smin32 = max(smin32, lo)
            smax32 = min(smax32, hi)
    if ((umin >> 32) + 1) & U32 == (umax >> 32) & U32:
        lo, hi = s32(umin), s32(umax)
        if lo < 0 <= hi:
            smin32 = max(smin32, lo)
            smax32 = min(smax32, hi)
    if (((smin & U64) >> 32) + 1) & U32 == ((smax & U64) >> 32) & U32:
        lo, hi = s32(smin), s32(smax)
        if lo < 0 <= hi:
            smin32 = max(smin32, lo)
            smax32 = min(smax32, hi)
    lo, hi = s32(umin32), s32(umax32)
    if lo <= hi:
        smin32 = max(smin32, lo)
        smax32 = min(smax32, hi)
    if smin32 & U32 <= smax32 & U32:
        umin32 = max(umin32, smin32 & U32)
        umax32 = min(umax32, smax32 & U32)
    elif umax32 < smin32 & U32:  # the s32 range wraps; the u32 one meets only its upper part
        smin32 = s32(umin32)
        umax32 = min(umax32, smax32 & U32)
    elif smax32 & U32 < umin32:  # ... or only its lower part
        smax32 = s32(umax32)
        umin32 = max(umin32, smin32 & U32)
    # __reg64_deduce_bounds()
    if s64(umin) <= s64(umax):
        smin = max(smin, s64(umin))
        smax = min(smax, s64(umax))
    if smin & U64 <= smax & U64:
        umin = max(umin, smin & U64)
        umax = min(umax, smax & U64)
    elif umax < smin & U64:
        smin = s64(umin)
        umax = min(umax, smax & U64)
    elif smax & U64 < umin:
        smax = s64(umax)
        umin = max(umin, smin & U64)
    # __reg_deduce_mixed_bounds(): 64-bit bounds tightened from the 32-bit ones
    high = U64 & ~U32
    umin = max(umin, (umin & high) | umin32)
    umax = min(umax, (umax & high) | umax32)
    smin = max(smin, s64((smin & high) | umin32))
    smax = min(smax, s64((smax & high) | umax32))
    if smin32 >= 0 and smin >= S32_MIN and smax <= S32_MAX:
        smin, smax = smin32, smax32
        # (u64 copies of the s32 bounds: sign-extended, as the kernel's assignment of an s32 to a
        # u64; they differ from the s32 ones only when smax32 < 0 <= smin32, a range already empty)
        umin, umax = smin32 & U64, smax32 & U64
        value, mask = _intersect(value, mask, umin, umax)
    return value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32


def _intersect(value: int, mask: int, umin: int, umax: int) -> tuple[int, int]:
    """tnum_intersect(var_off, tnum_range(umin, umax)) on plain ints."""
    bits = (umin ^ umax).bit_length()
    if bits > 63:  # tnum_range() is unknown: nothing to learn
        return value & ~mask & U64, mask
    mu = mask & ((1 << bits) - 1)
    v = value | (umin & ~((1 << bits) - 1) & U64)
    return v & ~mu & U64, mu


def _bound_offset(n: Numbers) -> Numbers:
    """__reg_bound_offset(): var_off tightened from the unsigned ranges."""
    value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32 = n
    value, mask = _intersect(value, mask, umin, umax)
    low_value, low_mask = _intersect(value & U32, mask & U32, umin32, umax32)
    high = U64 & ~U32
    value, mask = value & high | low_value, mask & high | low_mask
    return value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32

    if (
        not mask
        and umin == umax == value
        and smin == smax == s64(value)
        and umin32 == umax32 == value & U32
        and smin32 == smax32 == s32(value)
    ):
        return None
    # three rounds of __reg_deduce_bounds(), as Linux 6.18 (the third learns smin32 from smin)
    return _update64(_update32(_bound_offset(_deduce(_deduce(_deduce(_update64(_update32(n))))))))


def reference_sync(n: Numbers) -> Numbers:
    """reg_bounds_sync() on the ten numbers as ints (a constant whose bounds all say so unchanged)."""
    value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32 = n
    if (
        not mask
        and umin == umax == value
        and smin == smax == s64(value)
        and umin32 == umax32 == value & U32
        and smin32 == smax32 == s32(value)
    ):
        return n
    return _update64(_update32(_bound_offset(_deduce(_deduce(_deduce(_update64(_update32(n))))))))


# --- random states ------------------------------------------------------------------------------

_edges64 = [
    0,
    1,
    2,
    0xFF,
    0x7FFFFFFF,
    0x80000000,
    U32,
    1 << 32,
    (1 << 62) - 1,
    1 << 62,
    S64_MAX,
    1 << 63,
    U64 - 1,
    U64,
]
u64 = st.one_of(
    st.integers(0, U64),
    st.integers(0, 600),
    st.sampled_from(_edges64),
    st.integers(-600, -1).map(lambda v: v & U64),
    st.integers(0, U32).map(lambda v: v | (U64 & ~U32)),
)
u32 = st.one_of(
    st.integers(0, U32), st.integers(0, 600), st.sampled_from([0, 1, 0x7FFFFFFF, 0x80000000, U32])
)


@st.composite
def states(draw: st.DrawFn) -> Numbers:
    """Ten numbers in their ranges (u64 non-negative, s64 signed, ...), a valid var_off (value and
    mask disjoint), the bounds ordered or not."""
    value, mask = draw(u64), draw(st.one_of(u64, st.sampled_from([0, 0xFF, U32, U64, 1 << 63])))
    value &= ~mask
    umin, umax, sa, sb = draw(u64), draw(u64), draw(u64), draw(u64)
    umin32, umax32, sa32, sb32 = draw(u32), draw(u32), draw(u32), draw(u32)
    if draw(st.booleans()):  # mostly ordered ranges (what a live register has)
        umin, umax = min(umin, umax), max(umin, umax)
        umin32, umax32 = min(umin32, umax32), max(umin32, umax32)
        sa, sb = sorted((s64(sa), s64(sb)))
        sa32, sb32 = sorted((s32(sa32), s32(sb32)))
    else:
        sa, sb, sa32, sb32 = s64(sa), s64(sb), s32(sa32), s32(sb32)
    return value, mask, sa, sb, umin, umax, sa32, sb32, umin32, umax32


def _bounds(n: Numbers) -> Bounds:
    b = Bounds()
    b.var_off = Tnum(n[0], n[1])
    b.smin, b.smax, b.umin, b.umax, b.smin32, b.smax32, b.umin32, b.umax32 = n[2:]
    return b


@settings(max_examples=3000, deadline=None)
@given(states())
def test_sync_on_words_is_the_reference(n: Numbers) -> None:
    """sync() gives every number the reference model gives, in the int ranges the rest of the
    verifier reads (u64 bounds and var_off non-negative, signed ones signed)."""
    b = _bounds(n)
    B.sync(b)
    assert b.bounds_key() == (*reference_sync(n),)
    assert 0 <= b.umin <= U64 and 0 <= b.umax <= U64 and 0 <= b.var_off.value <= U64
    assert 0 <= b.var_off.mask <= U64 and not b.var_off.value & b.var_off.mask


@settings(max_examples=1500, deadline=None)
@given(states(), st.sampled_from(["update32", "update64", "update", "bound_offset"]))
def test_partial_updates_on_words_are_the_reference(n: Numbers, step: str) -> None:
    """__update_reg32_bounds(), __update_reg64_bounds(), __update_reg_bounds() and
    __reg_bound_offset() alone, against the model."""
    b = _bounds(n)
    if step == "update32":
        B.update_bounds32(b)
        expected = _update32(n)
    elif step == "update64":
        B.update_bounds64(b)
        expected = _update64(n)
    elif step == "update":
        B.update_bounds(b)
        expected = _update64(_update32(n))
    else:
        B.bound_offset(b)
        expected = _bound_offset(n)
    assert b.bounds_key() == expected


@settings(max_examples=1500, deadline=None)
@given(st.lists(u64, min_size=1, max_size=3), st.lists(u64, min_size=1, max_size=3), st.booleans())
def test_refine_answers_again_what_it_computed(xs: list[int], ys: list[int], is32: bool) -> None:
    """refine()'s table of answers gives a second pair of registers with the same numbers what a
    fresh refinement gives (every condition, both widths)."""
    for op in (
        B.JEQ,
        B.JNE,
        B.JGT,
        B.JGE,
        B.JLT,
        B.JLE,
        B.JSGT,
        B.JSGE,
        B.JSLT,
        B.JSLE,
        B.JSET,
        B.JSET_FALSE,
    ):
        fresh = []
        for remembered in (False, True, True):
            a, c = _from_values(xs), _from_values(ys)
            if not remembered:
                B._REFINED.clear()
            B.refine(a, c, op, is32)
            fresh.append((a.bounds_key(), c.bounds_key()))
        assert fresh[0] == fresh[1] == fresh[2]


def _from_values(values: list[int]) -> Bounds:
    every_and, every_or = U64, 0
    for v in values:
        every_and &= v
        every_or |= v
    n = (every_and, every_or ^ every_and, min(map(s64, values)), max(map(s64, values)), min(values),
         max(values), min(map(s32, values)), max(map(s32, values)), min(v & U32 for v in values),
         max(v & U32 for v in values))  # fmt: skip
    return _bounds(reference_sync(n))


def test_word_helpers() -> None:
    """The unsigned reading of words, at the edges."""
    assert B._word(U64) == -1 and B._word(1 << 63) == -(1 << 63) and B._word(S64_MAX) == S64_MAX
    assert B._unsigned(-1) == U64 and B._unsigned(-(1 << 63)) == 1 << 63 and B._unsigned(5) == 5
    assert B._ult(0, -1) and not B._ult(-1, 0) and B._ult(S64_MAX, -(1 << 63))
    assert B._s32(0x80000000) == S32_MIN and B._s32(0x7FFFFFFF) == S32_MAX and B._s32(-1) == -1
    assert tnum.U64 == U64


@settings(max_examples=1500, deadline=None)
@given(st.integers(-(1 << 64), 1 << 65), u64, u64, st.sampled_from([32, 64]))
def test_small_number_shortcuts(x: int, a: int, b: int, bits: int) -> None:
    """s64(), mark_known() and fold()'s add take small non-negative numbers as they are: the same
    answers as the masking they skip."""
    assert B.s64(x) == (x & U64) - ((x & U64) >> 63 << 64)
    known = Bounds()
    B.mark_known(known, x)
    v = x & U64
    assert known.bounds_key() == (v, 0, s64(v), s64(v), v, v, s32(v), s32(v), v & U32, v & U32)
    m = (1 << bits) - 1
    for p, q in ((a, b), (a & 0x7FFFFFFF, b & 0x7FFFFFFF)):
        assert B.fold(B.ADD, p, q, bits) == ((p & m) + (q & m)) & m
