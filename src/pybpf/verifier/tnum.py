"""Tracked numbers: the known bits of a 64-bit value, as pure functions on ``Tnum(value, mask)``.

Mirrors kernel/bpf/tnum.c and include/linux/tnum.h: a bit set in ``mask`` is unknown, every other bit
is the corresponding bit of ``value`` (``value & mask`` is always 0).  Every operation returns a tnum
holding every concrete result of the operation applied to members of its operands (soundness is
property-tested in tests/verifier/test_tnum_bounds.py).  All numbers are unsigned 64-bit Python ints.
"""

from __future__ import annotations

from typing import Final, final

U64: Final = (1 << 64) - 1
U32: Final = (1 << 32) - 1


@final
class Tnum:
    """A tracked number (``struct tnum``): ``value`` the known bits, ``mask`` the unknown ones.

    An immutable value (nothing writes its fields once made), equal to and hashed as another of the
    same two numbers.  A plain class rather than a NamedTuple: compiled (pybpf.native), making one
    is an allocation where a NamedTuple's ``__new__`` runs a Python frame, and its fields are read
    without a tuple's type checks -- the verifier makes one or two per instruction."""

    __slots__ = ("mask", "value")

    def __init__(self, value: int, mask: int) -> None:
        self.value = value
        self.mask = mask

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tnum) and self.value == other.value and self.mask == other.mask

    def __hash__(self) -> int:
        return hash((self.value, self.mask))

    def __repr__(self) -> str:
        return f"Tnum(value={self.value}, mask={self.mask})"


UNKNOWN: Final = Tnum(0, U64)
ZERO: Final = Tnum(0, 0)


def const(value: int) -> Tnum:
    """tnum_const()."""
    return Tnum(value & U64, 0)


def range_(umin: int, umax: int) -> Tnum:
    """tnum_range(): the smallest tnum holding every value of [umin, umax]."""
    chi = umin ^ umax
    bits = chi.bit_length()
    if bits > 63:
        return UNKNOWN
    delta = (1 << bits) - 1
    return Tnum(umin & ~delta & U64, delta)


def lshift(a: Tnum, shift: int) -> Tnum:
    return Tnum((a.value << shift) & U64, (a.mask << shift) & U64)


def rshift(a: Tnum, shift: int) -> Tnum:
    return Tnum(a.value >> shift, a.mask >> shift)


def _signed(x: int, bits: int) -> int:
    return x - (1 << bits) if x >> (bits - 1) & 1 else x


def arshift(a: Tnum, min_shift: int, insn_bitness: int) -> Tnum:
    """tnum_arshift(): arithmetic shift of the low ``insn_bitness`` (32 or 64) bits."""
    mask = (1 << insn_bitness) - 1
    value = (_signed(a.value & mask, insn_bitness) >> min_shift) & mask
    unknown = (_signed(a.mask & mask, insn_bitness) >> min_shift) & mask
    return Tnum(value, unknown)


def add(a: Tnum, b: Tnum) -> Tnum:
    sm = (a.mask + b.mask) & U64
    sv = (a.value + b.value) & U64
    chi = ((sm + sv) & U64) ^ sv
    mu = chi | a.mask | b.mask
    return Tnum(sv & ~mu & U64, mu)


def sub(a: Tnum, b: Tnum) -> Tnum:
    dv = (a.value - b.value) & U64
    alpha = (dv + a.mask) & U64
    beta = (dv - b.mask) & U64
    mu = (alpha ^ beta) | a.mask | b.mask
    return Tnum(dv & ~mu & U64, mu)


def neg(a: Tnum) -> Tnum:
    return sub(ZERO, a)


def and_(a: Tnum, b: Tnum) -> Tnum:
    alpha = a.value | a.mask
    beta = b.value | b.mask
    v = a.value & b.value
    return Tnum(v, alpha & beta & ~v & U64)


def or_(a: Tnum, b: Tnum) -> Tnum:
    v = a.value | b.value
    mu = a.mask | b.mask
    return Tnum(v, mu & ~v & U64)


def xor(a: Tnum, b: Tnum) -> Tnum:
    v = a.value ^ b.value
    mu = a.mask | b.mask
    return Tnum(v & ~mu & U64, mu)


def union(a: Tnum, b: Tnum) -> Tnum:
    """tnum_union(): every member of ``a`` and of ``b`` (a bit is known where both know it alike)."""
    mu = (a.value ^ b.value) | a.mask | b.mask
    return Tnum(a.value & b.value & ~mu & U64, mu)


def mul(a: Tnum, b: Tnum) -> Tnum:
    """tnum_mul() as Linux 6.18 computes it (shift-and-add over ``a``'s bits): a known 1 adds ``b``
    shifted, an unknown bit joins the accumulator with and without it (tnum_union()).  Older
    releases added the unknown partial products as masks (hma()), more precise on some products
    and less on others: ``w2 *= 16777619`` with w2 in ``[0x811c9d00, 0x811c9dff]`` keeps no known
    bit of the product in 6.18 (measured), where hma() kept 14."""
    # add() and union() written out on plain ints (acc_v, acc_m): up to 64 rounds per product
    acc_v = acc_m = 0
    value, mask = a.value, a.mask
    bv, bm = b.value, b.mask
    while value or mask:
        if (value | mask) & 1:
            sm = (acc_m + bm) & U64  # add(acc, b)
            sv = (acc_v + bv) & U64
            mu = (((sm + sv) & U64) ^ sv) | acc_m | bm
            sum_v = sv & ~mu & U64
            if value & 1:  # a known 1: acc + b
                acc_v, acc_m = sum_v, mu
            else:  # an unknown bit: union(acc, acc + b)
                union_m = (acc_v ^ sum_v) | acc_m | mu
                acc_v, acc_m = acc_v & sum_v & ~union_m & U64, union_m
        value >>= 1
        mask >>= 1
        bv, bm = (bv << 1) & U64, (bm << 1) & U64
    return Tnum(acc_v, acc_m)


def intersect(a: Tnum, b: Tnum) -> Tnum:
    """tnum_intersect(): what both say (a known 1 wins where they contradict)."""
    v = a.value | b.value
    mu = a.mask & b.mask
    return Tnum(v & ~mu & U64, mu)


def cast(a: Tnum, size: int) -> Tnum:
    """tnum_cast(): the low ``size`` bytes."""
    m = (1 << (size * 8)) - 1
    return Tnum(a.value & m, a.mask & m)


def _swab(x: int, nbytes: int) -> int:
    return int.from_bytes((x & ((1 << (8 * nbytes)) - 1)).to_bytes(nbytes, "little"), "big")


def bswap(a: Tnum, bits: int) -> Tnum:
    """tnum_bswap16() / tnum_bswap32() / tnum_bswap64(): the low ``bits`` bits byte-swapped (the
    rest cleared); every bit keeps its knowledge."""
    return Tnum(_swab(a.value, bits // 8), _swab(a.mask, bits // 8))


def is_aligned(a: Tnum, size: int) -> bool:
    if not size:
        return True
    return not ((a.value | a.mask) & (size - 1))


def contains(a: Tnum, b: Tnum) -> bool:
    """tnum_in(): every member of ``b`` is a member of ``a``."""
    if b.mask & ~a.mask:
        return False
    return a.value == b.value & ~a.mask


def overlap(a: Tnum, b: Tnum) -> bool:
    """tnum_overlap(): some value is a member of both."""
    known = ~a.mask & ~b.mask & U64
    return a.value & known == b.value & known


def step(value: int, mask: int, z: int) -> int:
    """tnum_step(): the smallest member of ``Tnum(value, mask)`` above ``z`` (the largest member when
    there is none, the smallest when ``z`` lies below every member).  On plain ints: reg_bounds_sync()
    asks it on the hot path."""
    top = value | mask
    if z >= top:
        return top
    if z < value:
        return value
    if z & ~mask & U64 == value:  # a member: the next subset of the unknown bits, counting up
        return value | ((z | ~mask) + 1) & mask
    # not a member: the highest known bit where z differs from value decides
    high = ((z ^ value) & ~mask & U64).bit_length() - 1
    below = (1 << high) - 1
    if value >> high & 1:  # value is 1 there, z 0: keep z's bits above, the smallest below
        return z & ~(below | 1 << high) & U64 | value & (below | 1 << high)
    # z is 1 there, value 0: the lowest unknown bit above it that z leaves 0 becomes 1
    free = mask & ~z & ~(below | 1 << high)
    lowest = free & -free
    return z & ~(lowest - 1) & U64 | lowest | value & (lowest - 1)


def is_const(a: Tnum) -> bool:
    return not a.mask


def is_unknown(a: Tnum) -> bool:
    return a.mask == U64


def equals_const(a: Tnum, value: int) -> bool:
    return a.mask == 0 and a.value == value


def subreg(a: Tnum) -> Tnum:
    """tnum_subreg(): the low 32 bits."""
    return Tnum(a.value & U32, a.mask & U32)


def clear_subreg(a: Tnum) -> Tnum:
    """tnum_clear_subreg(): the high 32 bits, the low ones known zero."""
    return lshift(rshift(a, 32), 32)


def with_subreg(reg: Tnum, sub: Tnum) -> Tnum:
    """tnum_with_subreg(): the high half of ``reg`` and the low half of ``sub``."""
    return or_(clear_subreg(reg), subreg(sub))


def const_subreg(a: Tnum, value: int) -> Tnum:
    return with_subreg(a, const(value & U32))


def subreg_is_const(a: Tnum) -> bool:
    return not a.mask & U32


def format_(a: Tnum) -> str:
    """tnum_strn(): ``(0x0; 0xff)``."""
    return f"({a.value:#x}; {a.mask:#x})"
