"""Soundness of ``pybpf.verifier.tnum`` and ``pybpf.verifier.bounds``: for abstract states built from
random concrete values, every concrete result of an operation lies inside the abstract result, and
branch refinement keeps every pair of values for which the condition holds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf.verifier import bounds as B
from pybpf.verifier import tnum
from pybpf.verifier.bounds import Bounds, s32, s64
from pybpf.verifier.tnum import U32, U64

# values near the interesting edges: small, sign boundaries, all-ones
_edges = st.sampled_from([0, 1, 2, 7, 255, 0x7FFFFFFF, 0x80000000, U32, 1 << 32, (1 << 63) - 1, 1 << 63, U64])
value = st.one_of(
    st.integers(0, U64), st.integers(0, 300), _edges, st.integers(-300, -1).map(lambda v: v & U64)
)
members = st.lists(value, min_size=1, max_size=4)


def abstract(values: list[int]) -> Bounds:
    """The tightest state holding ``values`` (plus whatever reg_bounds_sync deduces)."""
    b = Bounds()
    every_and, every_or = U64, 0
    for v in values:
        every_and &= v
        every_or |= v
    b.var_off = tnum.Tnum(every_and, every_or ^ every_and)
    b.umin, b.umax = min(values), max(values)
    b.smin, b.smax = min(map(s64, values)), max(map(s64, values))
    b.umin32, b.umax32 = min(v & U32 for v in values), max(v & U32 for v in values)
    b.smin32, b.smax32 = min(s32(v) for v in values), max(s32(v) for v in values)
    B.sync(b)
    return b


def concrete(op: int, x: int, y: int, alu32: bool) -> int:
    bits = 32 if alu32 else 64
    m = (1 << bits) - 1
    x, y = x & m, y & m
    if op == B.ADD:
        r = x + y
    elif op == B.SUB:
        r = x - y
    elif op == B.MUL:
        r = x * y
    elif op == B.AND:
        r = x & y
    elif op == B.OR:
        r = x | y
    elif op == B.XOR:
        r = x ^ y
    elif op == B.LSH:
        r = x << (y % bits)
    elif op == B.RSH:
        r = x >> (y % bits)
    elif op == B.ARSH:
        r = (x - (1 << bits) if x >> (bits - 1) else x) >> (y % bits)
    elif op == B.NEG:
        r = -x
    elif op == B.DIV:
        r = x // y if y else 0
    else:  # MOD
        r = x % y if y else x
    return r & m


OPS = [B.ADD, B.SUB, B.MUL, B.AND, B.OR, B.XOR, B.LSH, B.RSH, B.ARSH, B.NEG, B.DIV, B.MOD]


@settings(max_examples=600, deadline=None)
@given(members, members, st.sampled_from(OPS), st.booleans())
def test_alu_is_sound(xs: list[int], ys: list[int], op: int, alu32: bool) -> None:
    for x in xs:
        for y in ys:
            d, s = abstract(xs), abstract(ys)
            B.alu(d, s, op, alu32)
            if op in (B.LSH, B.RSH, B.ARSH) and not B.is_safe_to_compute(op, abstract(ys), alu32):
                assert d.bounds_key() == Bounds().bounds_key()
                continue
            r = concrete(op, x, y, alu32)
            assert d.contains(r), (hex(x), hex(y), hex(r), d.bounds_key())


@settings(max_examples=600, deadline=None)
@given(members, members, st.sampled_from(list(B.REVERSE)), st.booleans())
def test_branch_refinement_is_sound(xs: list[int], ys: list[int], op: int, is32: bool) -> None:
    taken = B.branch_taken(abstract(xs), abstract(ys), op, is32)
    for x in xs:
        for y in ys:
            holds = condition(op, x, y, is32)
            if taken >= 0:
                assert holds == bool(taken), (hex(x), hex(y))
            if holds:
                a, b = abstract(xs), abstract(ys)
                B.refine(a, b, op, is32)
                assert a.contains(x) and b.contains(y), (hex(x), hex(y), a.bounds_key(), b.bounds_key())


def condition(op: int, x: int, y: int, is32: bool) -> bool:
    if is32:
        x, y = x & U32, y & U32
        sx, sy = s32(x), s32(y)
    else:
        sx, sy = s64(x), s64(y)
    return {
        B.JEQ: x == y, B.JNE: x != y, B.JGT: x > y, B.JGE: x >= y, B.JLT: x < y, B.JLE: x <= y,
        B.JSGT: sx > sy, B.JSGE: sx >= sy, B.JSLT: sx < sy, B.JSLE: sx <= sy,
        B.JSET: bool(x & y), B.JSET_FALSE: not x & y,
    }[op]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(members, members)
def test_tnum_ops_are_sound(xs: list[int], ys: list[int]) -> None:
    a, b = abstract(xs).var_off, abstract(ys).var_off
    for x in xs:
        for y in ys:
            for f, r in (
                (tnum.add, x + y), (tnum.sub, x - y), (tnum.mul, x * y), (tnum.and_, x & y),
                (tnum.or_, x | y), (tnum.xor, x ^ y),
            ):  # fmt: skip
                t = f(a, b)
                assert (r & U64) & ~t.mask == t.value
    assert tnum.contains(tnum.UNKNOWN, a) and tnum.contains(a, a)


def _sign_extend(x: int, bits: int) -> int:
    x &= (1 << bits) - 1
    return x - (1 << bits) if x >> (bits - 1) else x


@settings(max_examples=400, deadline=None)
@given(members, st.sampled_from([16, 32, 64]), st.booleans())
def test_byte_swap_is_sound(xs: list[int], width: int, swap: bool) -> None:
    """scalar_byte_swap(): bswap/be (swap) or le (truncation) of every member."""
    d = abstract(xs)
    B.byte_swap(d, width, swap)
    for x in xs:
        low = x & ((1 << width) - 1)
        r = int.from_bytes(low.to_bytes(width // 8, "little"), "big") if swap else low
        assert d.contains(r), (hex(x), hex(r), d.bounds_key())


@settings(max_examples=400, deadline=None)
@given(members, st.sampled_from([1, 2, 4]), st.booleans())
def test_sign_extension_is_sound(xs: list[int], size: int, alu32: bool) -> None:
    """coerce_reg_to_size_sx() (64-bit movsx, ldsx) and coerce_subreg_to_size_sx() + zero-extension
    (32-bit movsx): every member's low ``size`` bytes sign-extended."""
    if alu32 and size == 4:
        size = 2
    d = abstract(xs)
    if alu32:
        B.coerce_subreg_to_size_sx(d, size)
        B.zext_32_to_64(d)
    else:
        B.coerce_to_size_sx(d, size)
    B.sync(d)
    for x in xs:
        r = _sign_extend(x, size * 8) & (U32 if alu32 else U64)
        assert d.contains(r), (hex(x), hex(r), d.bounds_key())


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 0xFFF), st.integers(0, 0xFFF), st.integers(0, 0x1FFF))
def test_tnum_step_is_the_next_member(value: int, mask: int, z: int) -> None:
    """tnum_step(): the smallest member above ``z``, counted here by listing the members (the
    largest member when none is above ``z``)."""
    value &= ~mask
    members = sorted(value | s for s in range(mask + 1) if not s & ~mask)
    above = [m for m in members if m > z]
    assert tnum.step(value, mask, z) == (above[0] if above else members[-1])


@settings(max_examples=400, deadline=None)
@given(st.integers(1, 0xFFF), st.integers(0, 0xFFF), st.integers(0, 0xFFF), st.integers(0, 0xFFF))
def test_range_meeting_var_off_once_is_a_constant(mask: int, value: int, lo: int, hi: int) -> None:
    """reg_bounds_sync(), through __update_reg64_bounds() (Linux 6.18): when var_off and [umin,
    umax] share exactly one value, the register is that constant (before, a var_off of (0x0;
    0x8000) with umin 9 stayed as it was); with more than one, it keeps them all."""
    value &= ~mask
    lo, hi = min(lo, hi), max(lo, hi)
    b = Bounds()
    b.var_off = tnum.Tnum(value, mask)
    b.umin, b.umax = lo, hi
    B.sync(b)
    common = [value | s for s in range(mask + 1) if not s & ~mask and lo <= value | s <= hi]
    if len(common) == 1:
        assert b.var_off == tnum.const(common[0]) and b.umin == b.umax == common[0]
    elif common:
        assert b.var_off.mask and all(b.contains(c) for c in common)


@settings(max_examples=300, deadline=None)
@given(value, value, value)
def test_constant_var_off_outside_its_range_becomes_the_constant(const: int, lo: int, hi: int) -> None:
    """__update_reg64_bounds() (Linux 6.18) on a constant var_off that [umin, umax] does not hold (a
    branch refined into nothing: umin above the constant or umax below it): tnum_step() answers the
    constant and the register becomes it, so reg_bounds_sanity_check() finds nothing wrong there
    (the kernel reports the 32-bit half of such a register, never the 64-bit one)."""
    lo, hi = min(lo, hi), max(lo, hi)
    b = Bounds()
    b.var_off = tnum.const(const)
    b.umin, b.umax = lo, hi
    B.sync(b)
    assert B.invariant_violation(b) is None
    assert b.var_off == tnum.const(const) and b.umin == b.umax == const and b.smin == b.smax == s64(const)


def test_invariant_violation_is_reported_as_the_kernel_prints_it() -> None:
    """reg_bounds_sanity_check()'s three findings, and its numbers as Linux 6.18 prints them
    (selftests_s20/tnums_equal_impossible_constant of the verifier corpus has the kernel's line)."""
    b = Bounds()
    assert B.invariant_violation(b) is None
    b.umin32 = 0xFFFFFFD5
    b.umax32 = 0xFFFFFFD4
    assert B.invariant_violation(b) == "range bounds violation"
    assert B.format_violation(b).startswith("u64=[0, 0xffffffffffffffff] s64=[0x8000000000000000, ")
    assert B.format_violation(b).endswith("u32=[0xffffffd5, 0xffffffd4] s32=[0x80000000, 0x7fffffff] "
                                          "var_off=(0, 0xffffffffffffffff)")  # fmt: skip
    k = Bounds()
    B.mark_known(k, 5)
    k.umax = 6
    assert B.invariant_violation(k) == "const tnum out of sync with range bounds"
    B.mark_known(k, 5)
    k.var_off = tnum.Tnum(5, 0xF00000000)
    k.smin32 = 4
    assert B.invariant_violation(k) == "const subreg tnum out of sync with range bounds"


def test_tnum_mul_is_linux_6_18s() -> None:
    """tnum_mul() as Linux 6.18 computes it (its level-2 log, alu/mul* of the verifier corpus): the
    union over each unknown bit keeps bit 18 of [0x100, 0x1ff] * 0x1000193 known, and nothing of the
    low 32 bits of [0x811c9d00, 0x811c9dff] * 0x1000193 (the masks-only product of older releases
    knew 14 of them)."""
    assert tnum.mul(tnum.Tnum(0x100, 0xFF), tnum.Tnum(0x1000193, 0)) == tnum.Tnum(0x100000000, 0xFF03FFFF)
    product = tnum.mul(tnum.Tnum(0x811C9D00, 0xFF), tnum.Tnum(0x1000193, 0))
    assert tnum.subreg(product).mask == U32
