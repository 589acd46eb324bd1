"""Scalar ranges: signed/unsigned 64- and 32-bit bounds with a tnum, the ALU transfer functions and
the branch refinement of conditional jumps.

Mirrors kernel/bpf/verifier.c: __mark_reg_known / __mark_reg_unknown, __update_reg_bounds,
__reg32_deduce_bounds / __reg64_deduce_bounds / __reg_deduce_mixed_bounds, __reg_bound_offset,
reg_bounds_sync, zext_32_to_64, is_safe_to_compute_dst_reg_range, adjust_scalar_min_max_vals with
scalar{32,}_min_max_{add,sub,mul,and,or,xor,lsh,rsh,arsh}, is_scalar_branch_taken and
regs_refine_cond_op.  ``Bounds`` holds the numeric half of a register (struct bpf_reg_state's
var_off and the eight bounds); signed bounds are Python ints in the signed range, unsigned ones
non-negative.  reg_bounds_sync() and its parts read them into machine words (``Words``: mypyc
``i64`` when compiled) and write back what changed.  Every function is sound: the concrete result
of an operation on members of its operands is a member of the abstract result (property-tested in
tests/verifier/test_tnum_bounds.py; the words against plain ints in test_bounds_words.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeAlias

from pybpf.verifier import tnum
from pybpf.verifier.tnum import U32, U64, Tnum

if TYPE_CHECKING:  # (mypyc's native integer; annotations only, so no import when running)
    from mypy_extensions import i64

S64_MIN: Final = -(1 << 63)
S64_MAX: Final = (1 << 63) - 1
S32_MIN: Final = -(1 << 31)
S32_MAX: Final = (1 << 31) - 1

ADD: Final = 0x00
SUB: Final = 0x10
MUL: Final = 0x20
DIV: Final = 0x30
OR: Final = 0x40
AND: Final = 0x50
LSH: Final = 0x60
RSH: Final = 0x70
NEG: Final = 0x80
MOD: Final = 0x90
XOR: Final = 0xA0
MOV: Final = 0xB0
ARSH: Final = 0xC0
END: Final = 0xD0
JEQ: Final = 0x10
JGT: Final = 0x20
JGE: Final = 0x30
JSET: Final = 0x40
JNE: Final = 0x50
JSGT: Final = 0x60
JSGE: Final = 0x70
JLT: Final = 0xA0
JLE: Final = 0xB0
JSLT: Final = 0xC0
JSLE: Final = 0xD0
JSET_FALSE: Final = 0x48
"""The false branch of JSET (the kernel's rev_opcode gives ``BPF_JSET | BPF_X``): no bit of src set."""


SMALL: Final = (1 << 62) - 1
"""The largest int compiled code holds as a tagged machine integer: a non-negative number up to it
is its own u64 and s64 (no ``& U64``, which with U64 -- an object -- is arithmetic on objects)."""


def s64(x: int) -> int:
    if 0 <= x <= SMALL:
        return x
    x &= U64
    return x - (1 << 64) if x >> 63 else x


def s32(x: int) -> int:
    x &= U32
    return x - (1 << 32) if x >> 31 else x


class Bounds:
    """The numeric state of a register: var_off and the 64/32-bit signed/unsigned ranges."""

    __slots__ = ("smax", "smax32", "smin", "smin32", "umax", "umax32", "umin", "umin32", "var_off")

    def __init__(self) -> None:
        self.var_off = tnum.UNKNOWN
        self.smin, self.smax, self.umin, self.umax = S64_MIN, S64_MAX, 0, U64
        self.smin32, self.smax32, self.umin32, self.umax32 = S32_MIN, S32_MAX, 0, U32

    def copy_bounds_from(self, other: Bounds) -> None:
        self.var_off = other.var_off
        self.smin, self.smax, self.umin, self.umax = other.smin, other.smax, other.umin, other.umax
        self.smin32, self.smax32 = other.smin32, other.smax32
        self.umin32, self.umax32 = other.umin32, other.umax32

    def bounds_key(self) -> tuple[int, ...]:
        return (self.var_off.value, self.var_off.mask, self.smin, self.smax, self.umin, self.umax,
                self.smin32, self.smax32, self.umin32, self.umax32)  # fmt: skip

    def contains(self, value: int) -> bool:
        """Whether the 64-bit ``value`` is a member (for tests and assertions)."""
        v = value & U64
        lo = v & U32
        return (
            (v & ~self.var_off.mask) == self.var_off.value
            and self.umin <= v <= self.umax
            and self.smin <= s64(v) <= self.smax
            and self.umin32 <= lo <= self.umax32
            and self.smin32 <= s32(lo) <= self.smax32
        )

    def is_const(self) -> bool:
        return tnum.is_const(self.var_off)

    def is_const32(self) -> bool:
        return tnum.subreg_is_const(self.var_off)


def mark_known(b: Bounds, value: int) -> None:
    """__mark_reg_known()."""
    if 0 <= value <= S32_MAX:  # (a small constant, the common case: every view of it is itself)
        b.var_off = Tnum(value, 0)
        b.smin = b.smax = b.umin = b.umax = value
        b.smin32 = b.smax32 = b.umin32 = b.umax32 = value
        return
    value &= U64
    b.var_off = Tnum(value, 0)
    b.smin = b.smax = s64(value)
    b.umin = b.umax = value
    b.smin32 = b.smax32 = s32(value)
    b.umin32 = b.umax32 = value & U32


def mark_known32(b: Bounds, value: int) -> None:
    """__mark_reg32_known(): the low 32 bits known."""
    b.var_off = tnum.const_subreg(b.var_off, value)
    b.smin32 = b.smax32 = s32(value)
    b.umin32 = b.umax32 = value & U32


def mark_unbounded(b: Bounds) -> None:
    b.smin, b.smax, b.umin, b.umax = S64_MIN, S64_MAX, 0, U64
    mark_unbounded32(b)


def mark_unbounded64(b: Bounds) -> None:
    b.smin, b.smax, b.umin, b.umax = S64_MIN, S64_MAX, 0, U64


def mark_unbounded32(b: Bounds) -> None:
    b.smin32, b.smax32, b.umin32, b.umax32 = S32_MIN, S32_MAX, 0, U32


def mark_unknown(b: Bounds) -> None:
    """The numeric half of __mark_reg_unknown()."""
    b.var_off = tnum.UNKNOWN
    mark_unbounded(b)


# reg_bounds_sync() and its parts work on the ten numbers of a register held in locals, passed
# around as one tuple ``(value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32)``
# (var_off's two halves first) of machine words: the kernel runs them on the register in place;
# here reading and writing ten attributes and building a Tnum per step cost more than the
# arithmetic.  A word is an ``i64`` -- compiled (pybpf.native), mypyc's native 64-bit integer,
# where a Python int of 2**62 or more (every u64 bound of an unknown scalar) is an object whose
# every ``&`` allocates; in pure Python a plain int of the same value.  A u64 number is held as its
# bit pattern read signed (``_word``: the u64 U64 is the word -1), so the signed and the unsigned
# view of a bound are one word, compared signed with ``<`` and unsigned with ``_ult``.  No step
# leaves the signed 64-bit range (compiled it would wrap, in Python it would not): a word is only
# ever and-ed, or-ed, shifted, compared, or added to where it cannot overflow.  (Compiled, a
# constant beyond +-2**62 is a Python int converted at each use: none appears next to a word.)
Words: TypeAlias = "tuple[i64, i64, i64, i64, i64, i64, i64, i64, i64, i64]"

_LOW: Final[i64] = 0xFFFFFFFF
"""The low half of a word."""
_HIGH: Final[i64] = -(1 << 32)
"""The high half of a word (0xffffffff00000000 as a word)."""


def _word(x: int) -> i64:
    """The word of a u64 number (its bit pattern read signed)."""
    if x <= SMALL:  # (compiled: a tagged machine integer)
        small: i64 = x
        return small
    w: i64 = x - (1 << 64) if x > S64_MAX else x
    return w


def _unsigned(w: i64) -> int:
    """The u64 number of a word."""
    return int(w) + (1 << 64) if w < 0 else int(w)


def _ult(a: i64, b: i64) -> bool:
    """``a < b``, both words read unsigned (of one sign, as signed; else the negative is larger)."""
    return a < b if (a < 0) == (b < 0) else a >= 0


def _umax(a: i64, b: i64) -> i64:
    """The unsigned larger of two words."""
    return b if (a < b if (a < 0) == (b < 0) else a >= 0) else a


def _umin(a: i64, b: i64) -> i64:
    """The unsigned smaller of two words."""
    return a if (a < b if (a < 0) == (b < 0) else a >= 0) else b


def _s32(w: i64) -> i64:
    """The low half of a word, read as an s32."""
    return ((w & _LOW) ^ 0x80000000) - 0x80000000


def _load(b: Bounds) -> Words:
    v = b.var_off
    return (_word(v.value), _word(v.mask), b.smin, b.smax, _word(b.umin), _word(b.umax),
            b.smin32, b.smax32, b.umin32, b.umax32)  # fmt: skip


def _store(b: Bounds, old: Words, n: Words) -> None:
    """Write the numbers ``n`` of ``b`` whose ``old`` ones (what ``_load`` gave) changed: a number
    unchanged keeps its int (a u64 one above 2**62 would be a new object)."""
    value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32 = n
    value0, mask0, smin0, smax0, umin0, umax0, smin320, smax320, umin320, umax320 = old
    if value != value0 or mask != mask0:
        b.var_off = Tnum(_unsigned(value), _unsigned(mask))
    if smin != smin0:
        b.smin = smin
    if smax != smax0:
        b.smax = smax
    if umin != umin0:
        b.umin = _unsigned(umin)
    if umax != umax0:
        b.umax = _unsigned(umax)
    if smin32 != smin320:
        b.smin32 = smin32
    if smax32 != smax320:
        b.smax32 = smax32
    if umin32 != umin320:
        b.umin32 = umin32
    if umax32 != umax320:
        b.umax32 = umax32


def _update32(n: Words) -> Words:
    """__update_reg32_bounds()."""
    value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32 = n
    v, m = value & _LOW, mask & _LOW
    lo = _s32(v | (m & 0x80000000))
    hi = _s32(v | (m & 0x7FFFFFFF))
    smin32 = max(smin32, lo)
    smax32 = min(smax32, hi)
    umin32 = max(umin32, v)
    umax32 = min(umax32, v | m)
    return value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32


def _update64(n: Words) -> Words:
    """__update_reg64_bounds()."""
    value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32 = n
    sign: i64 = -(1 << 62)
    sign *= 2  # the sign bit (see above: a constant -2**63 would be an object)
    lo = value | (mask & sign)
    hi = value | (mask & ~sign)
    smin = max(smin, lo)
    smax = min(smax, hi)
    top = value | mask
    if _ult(umin, value):
        umin = value
    if _ult(top, umax):
        umax = top
    if mask:
        # Linux 6.18 (stable): when [umin, umax] holds only one member of var_off, the register
        # is that constant (__update_reg64_bounds() walks the members with tnum_step(); the
        # 32-bit bounds are not asked).  umin a member (the common case) is answered inline.
        if umin == value:  # umin the smallest member (the common case): is the next one above umax?
            # (the next member sets the lowest unknown bit: value has it 0, so no carry)
            lowest = mask & -mask if mask != sign else mask
            if _ult(umax, top) and _ult(umax, value | lowest):
                return _known(umin)
        else:
            known = _single_member(_unsigned(value), _unsigned(mask), _unsigned(umin), _unsigned(umax))
            if known is not None:
                return _known(_word(known))
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


def _known(value: i64) -> Words:
    """___mark_reg_known() on the ten numbers."""
    low, low_signed = value & _LOW, _s32(value)
    return value, 0, value, value, value, value, low_signed, low_signed, low, low


def update_bounds32(b: Bounds) -> None:
    """__update_reg32_bounds()."""
    old = _load(b)
    _store(b, old, _update32(old))


def update_bounds64(b: Bounds) -> None:
    """__update_reg64_bounds()."""
    old = _load(b)
    _store(b, old, _update64(old))


def update_bounds(b: Bounds) -> None:
    """__update_reg_bounds()."""
    old = _load(b)
    _store(b, old, _update64(_update32(old)))


def _deduce(n: Words) -> Words:
    """__reg_deduce_bounds(): __reg32_deduce_bounds(), __reg64_deduce_bounds() and
    __reg_deduce_mixed_bounds() in turn."""
    value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32 = n
    # __reg32_deduce_bounds(): the 64-bit bounds only feed the 32-bit ones here
    if umin >> 32 == umax >> 32:  # (an arithmetic shift: equal when the high halves are)
        umin32 = max(umin32, umin & _LOW)
        umax32 = min(umax32, umax & _LOW)
        lo, hi = _s32(umin), _s32(umax)
        if lo <= hi:
            smin32 = max(smin32, lo)
            smax32 = min(smax32, hi)
    if smin >> 32 == smax >> 32:
        if smin & _LOW <= smax & _LOW:
            umin32 = max(umin32, smin & _LOW)
            umax32 = min(umax32, smax & _LOW)
        lo, hi = _s32(smin), _s32(smax)
        if lo <= hi:
            smin32 = max(smin32, lo)
            smax32 = min(smax32, hi)
    if ((umin >> 32) + 1) & _LOW == (umax >> 32) & _LOW:
        lo, hi = _s32(umin), _s32(umax)
        if lo < 0 <= hi:
            smin32 = max(smin32, lo)
            smax32 = min(smax32, hi)
    if ((smin >> 32) + 1) & _LOW == (smax >> 32) & _LOW:
        lo, hi = _s32(smin), _s32(smax)
        if lo < 0 <= hi:
            smin32 = max(smin32, lo)
            smax32 = min(smax32, hi)
    lo, hi = _s32(umin32), _s32(umax32)
    if lo <= hi:
        smin32 = max(smin32, lo)
        smax32 = min(smax32, hi)
    if smin32 & _LOW <= smax32 & _LOW:
        umin32 = max(umin32, smin32 & _LOW)
        umax32 = min(umax32, smax32 & _LOW)
    elif umax32 < smin32 & _LOW:  # the s32 range wraps; the u32 one meets only its upper part
        smin32 = _s32(umin32)
        umax32 = min(umax32, smax32 & _LOW)
    elif smax32 & _LOW < umin32:  # ... or only its lower part
        smax32 = _s32(umax32)
        umin32 = max(umin32, smin32 & _LOW)
    # __reg64_deduce_bounds() (a u64 bound read signed is its word; an s64 one read unsigned too)
    if umin <= umax:
        smin = max(smin, umin)
        smax = min(smax, umax)
    if not _ult(smax, smin):
        umin = _umax(umin, smin)
        umax = _umin(umax, smax)
    elif _ult(umax, smin):
        smin = umin
        umax = _umin(umax, smax)
    elif _ult(smax, umin):
        smax = umax
        umin = _umax(umin, smin)
    # __reg_deduce_mixed_bounds(): 64-bit bounds tightened from the 32-bit ones
    umin = _umax(umin, (umin & _HIGH) | umin32)
    umax = _umin(umax, (umax & _HIGH) | umax32)
    smin = max(smin, (smin & _HIGH) | umin32)
    smax = min(smax, (smax & _HIGH) | umax32)
    if smin32 >= 0 and smin >= S32_MIN and smax <= S32_MAX:
        smin, smax = smin32, smax32
        umin, umax = smin32, smax32
        value, mask = _intersect(value, mask, smin, smax)
    return value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32


def _intersect(value: i64, mask: i64, umin: i64, umax: i64) -> tuple[i64, i64]:
    """tnum_intersect(var_off, tnum_range(umin, umax)) on words."""
    differ = umin ^ umax
    if differ < 0:  # they differ in bit 63: tnum_range() is unknown, nothing to learn
        return value & ~mask, mask
    # every bit from the highest one where they differ down: tnum_range()'s unknown bits
    differ |= differ >> 1
    differ |= differ >> 2
    differ |= differ >> 4
    differ |= differ >> 8
    differ |= differ >> 16
    differ |= differ >> 32
    mu = mask & differ
    v = value | (umin & ~differ)
    return v & ~mu, mu


def _bound_offset(n: Words) -> Words:
    """__reg_bound_offset(): var_off tightened from the unsigned ranges."""
    value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32 = n
    value, mask = _intersect(value, mask, umin, umax)
    low_value, low_mask = _intersect(value & _LOW, mask & _LOW, umin32, umax32)
    value, mask = value & _HIGH | low_value, mask & _HIGH | low_mask
    return value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32


def bound_offset(b: Bounds) -> None:
    """__reg_bound_offset()."""
    old = _load(b)
    _store(b, old, _bound_offset(old))


WORTH_WINDOW: Final = 256
WORTH_SKIP: Final = 4096


class Worth:
    """Whether a table of a pure function's answers (``_REFINED``) is worth asking:
    a question's key (a tuple of its numbers) costs more than the arithmetic it saves when the
    numbers are new every time (a loop whose every iteration moves a range on).  Of every
    ``WORTH_WINDOW`` questions asked, fewer than one in 8 answered from the table leaves it unasked
    for the next ``WORTH_SKIP`` ones (then it is asked again).  The answers are the same either way."""

    __slots__ = ("answered", "asked", "skip")

    def __init__(self) -> None:
        self.asked = 0
        self.answered = 0
        self.skip = 0  # questions still to be computed without the table

    def unasked(self) -> bool:
        """Whether to compute this question without looking it up (counted down)."""
        if self.skip:
            self.skip -= 1
            return True
        return False

    def note(self, answered: bool) -> None:
        """One question looked up, ``answered`` from the table or not."""
        self.asked += 1
        if answered:
            self.answered += 1
        if self.asked >= WORTH_WINDOW:
            if self.answered * 8 < self.asked:
                self.skip = WORTH_SKIP
            self.asked = self.answered = 0


def _synced(n: Words) -> Words:
    """reg_bounds_sync() on the ten numbers: three rounds of __reg_deduce_bounds(), as Linux 6.18
    (the third learns smin32 from smin)."""
    return _update64(_update32(_bound_offset(_deduce(_deduce(_deduce(_update64(_update32(n))))))))


def sync(b: Bounds) -> None:
    """reg_bounds_sync()."""
    n = _load(b)
    value, mask, smin, smax, umin, umax, smin32, smax32, umin32, umax32 = n
    if (
        not mask
        and umin == value
        and umax == value
        and smin == value
        and smax == value
        and umin32 == value & _LOW
        and umax32 == umin32
        and smin32 == _s32(value)
        and smax32 == smin32
    ):
        return  # a constant whose bounds all say so: nothing to deduce
    _store(b, n, _synced(n))


def assign_32_into_64(b: Bounds) -> None:
    """__reg_assign_32_into_64()."""
    b.umin, b.umax = b.umin32, b.umax32
    if b.smin32 >= 0 and b.smax32 >= 0:
        b.smin, b.smax = b.smin32, b.smax32
    else:
        b.smin, b.smax = 0, U32


def zext_32_to_64(b: Bounds) -> None:
    """zext_32_to_64(): a 32-bit result clears the upper half."""
    b.var_off = tnum.subreg(b.var_off)
    assign_32_into_64(b)


def is_safe_to_compute(op: int, src: Bounds, alu32: bool) -> bool:
    """is_safe_to_compute_dst_reg_range(): which operations have range tracking."""
    if op in (ADD, SUB, NEG, AND, XOR, OR, MUL):
        return True
    if op in (LSH, RSH, ARSH):
        if alu32:
            const = src.is_const32() and src.smin32 == src.smax32 and src.umin32 == src.umax32
        else:
            const = src.is_const() and src.smin == src.smax and src.umin == src.umax
        return const and src.umax < (32 if alu32 else 64)  # the 64-bit umax, even for ALU32
    return False


# --- the 32-bit halves --------------------------------------------------------------------------


def _add32(d: Bounds, s: Bounds) -> None:
    smin, smax = d.smin32 + s.smin32, d.smax32 + s.smax32
    if not (S32_MIN <= smin <= S32_MAX and S32_MIN <= smax <= S32_MAX):
        smin, smax = S32_MIN, S32_MAX
    d.smin32, d.smax32 = smin, smax
    umin, umax = d.umin32 + s.umin32, d.umax32 + s.umax32
    if umin <= U32 < umax:
        d.umin32, d.umax32 = 0, U32
    else:
        d.umin32, d.umax32 = umin & U32, umax & U32


def _add64(d: Bounds, s: Bounds) -> None:
    smin, smax = d.smin + s.smin, d.smax + s.smax
    if not (S64_MIN <= smin <= S64_MAX and S64_MIN <= smax <= S64_MAX):
        smin, smax = S64_MIN, S64_MAX
    d.smin, d.smax = smin, smax
    umin, umax = d.umin + s.umin, d.umax + s.umax
    if umin <= U64 < umax:
        d.umin, d.umax = 0, U64
    else:
        d.umin, d.umax = umin & U64, umax & U64


def _sub32(d: Bounds, s: Bounds) -> None:
    smin, smax = d.smin32 - s.smax32, d.smax32 - s.smin32
    if not (S32_MIN <= smin <= S32_MAX and S32_MIN <= smax <= S32_MAX):
        smin, smax = S32_MIN, S32_MAX
    d.smin32, d.smax32 = smin, smax
    umin, umax = d.umin32 - s.umax32, d.umax32 - s.umin32
    if umin < 0 <= umax:
        d.umin32, d.umax32 = 0, U32
    else:
        d.umin32, d.umax32 = umin & U32, umax & U32


def _sub64(d: Bounds, s: Bounds) -> None:
    smin, smax = d.smin - s.smax, d.smax - s.smin
    if not (S64_MIN <= smin <= S64_MAX and S64_MIN <= smax <= S64_MAX):
        smin, smax = S64_MIN, S64_MAX
    d.smin, d.smax = smin, smax
    umin, umax = d.umin - s.umax, d.umax - s.umin
    if umin < 0 <= umax:
        d.umin, d.umax = 0, U64
    else:
        d.umin, d.umax = umin & U64, umax & U64


def _mul32(d: Bounds, s: Bounds) -> None:
    umax, umin = d.umax32 * s.umax32, d.umin32 * s.umin32
    if umax > U32 or umin > U32:
        d.umin32, d.umax32 = 0, U32
    else:
        d.umin32, d.umax32 = umin, umax
    products = [a * b for a in (d.smin32, d.smax32) for b in (s.smin32, s.smax32)]
    if any(not S32_MIN <= p <= S32_MAX for p in products):
        d.smin32, d.smax32 = S32_MIN, S32_MAX
    else:
        d.smin32, d.smax32 = min(products), max(products)


def _mul64(d: Bounds, s: Bounds) -> None:
    umax, umin = d.umax * s.umax, d.umin * s.umin
    if umax > U64 or umin > U64:
        d.umin, d.umax = 0, U64
    else:
        d.umin, d.umax = umin, umax
    products = [a * b for a in (d.smin, d.smax) for b in (s.smin, s.smax)]
    if any(not S64_MIN <= p <= S64_MAX for p in products):
        d.smin, d.smax = S64_MIN, S64_MAX
    else:
        d.smin, d.smax = min(products), max(products)


def _signed32_from_unsigned(d: Bounds) -> None:
    if s32(d.umin32) <= s32(d.umax32):
        d.smin32, d.smax32 = s32(d.umin32), s32(d.umax32)
    else:
        d.smin32, d.smax32 = S32_MIN, S32_MAX


def _signed64_from_unsigned(d: Bounds) -> None:
    if s64(d.umin) <= s64(d.umax):
        d.smin, d.smax = s64(d.umin), s64(d.umax)
    else:
        d.smin, d.smax = S64_MIN, S64_MAX


def _bitwise32(d: Bounds, s: Bounds, op: int, src_known: bool, dst_known: bool) -> None:
    """scalar32_min_max_{and,or,xor} (var_off already combined)."""
    v = tnum.subreg(d.var_off)
    if src_known and dst_known:
        mark_known32(d, v.value)
        return
    if op == AND:
        d.umin32, d.umax32 = v.value, min(d.umax32, s.umax32)
    elif op == OR:
        d.umin32, d.umax32 = max(d.umin32, s.umin32), v.value | v.mask
    else:
        d.umin32, d.umax32 = v.value, v.value | v.mask
    _signed32_from_unsigned(d)


def _bitwise64(d: Bounds, s: Bounds, op: int, src_known: bool, dst_known: bool) -> None:
    """scalar_min_max_{and,or,xor}."""
    if src_known and dst_known:
        mark_known(d, d.var_off.value)
        return
    v = d.var_off
    if op == AND:
        d.umin, d.umax = v.value, min(d.umax, s.umax)
    elif op == OR:
        d.umin, d.umax = max(d.umin, s.umin), v.value | v.mask
    else:
        d.umin, d.umax = v.value, v.value | v.mask
    _signed64_from_unsigned(d)
    update_bounds(d)


def _lsh32_bounds(d: Bounds, shift: int) -> None:
    d.smin32, d.smax32 = S32_MIN, S32_MAX
    if shift > 31 or d.umax32 > 1 << (31 - shift):
        d.umin32, d.umax32 = 0, U32
    else:
        d.umin32, d.umax32 = (d.umin32 << shift) & U32, (d.umax32 << shift) & U32


def _lsh64(d: Bounds, shift: int) -> None:
    if shift == 32:  # the low half becomes the high one: its signed range is exact
        d.smin, d.smax = d.smin32 << 32, d.smax32 << 32
    else:
        d.smin, d.smax = S64_MIN, S64_MAX
    if d.umax > 1 << (63 - shift):
        d.umin, d.umax = 0, U64
    else:
        d.umin, d.umax = (d.umin << shift) & U64, (d.umax << shift) & U64
    _lsh32_bounds(d, shift)
    d.var_off = tnum.lshift(d.var_off, shift)
    update_bounds(d)


def _lsh32(d: Bounds, shift: int) -> None:
    sub = tnum.subreg(d.var_off)
    _lsh32_bounds(d, shift)
    d.var_off = tnum.subreg(tnum.lshift(sub, shift))
    mark_unbounded64(d)
    update_bounds32(d)


def _rsh32(d: Bounds, shift: int) -> None:
    sub = tnum.subreg(d.var_off)
    d.smin32, d.smax32 = S32_MIN, S32_MAX
    d.var_off = tnum.rshift(sub, shift)
    d.umin32 >>= shift
    d.umax32 >>= shift
    mark_unbounded64(d)
    update_bounds32(d)


def _rsh64(d: Bounds, shift: int) -> None:
    d.smin, d.smax = S64_MIN, S64_MAX
    d.var_off = tnum.rshift(d.var_off, shift)
    d.umin >>= shift
    d.umax >>= shift
    mark_unbounded32(d)
    update_bounds(d)


def _arsh32(d: Bounds, shift: int) -> None:
    d.smin32 >>= shift
    d.smax32 >>= shift
    d.var_off = tnum.arshift(tnum.subreg(d.var_off), shift, 32)
    d.umin32, d.umax32 = 0, U32
    mark_unbounded64(d)
    update_bounds32(d)


def _arsh64(d: Bounds, shift: int) -> None:
    d.smin >>= shift
    d.smax >>= shift
    d.var_off = tnum.arshift(d.var_off, shift, 64)
    d.umin, d.umax = 0, U64
    mark_unbounded32(d)
    update_bounds(d)


def fold(op: int, x: int, y: int, bits: int) -> int:
    """The concrete result of ``x op y`` on ``bits``-bit operands."""
    if op == ADD and 0 <= x <= S32_MAX and 0 <= y <= S32_MAX:  # (a counter's step: no masking)
        return x + y  # (below 2**32 either way)
    m = (1 << bits) - 1
    x, y = x & m, y & m
    if op == ADD:
        r = x + y
    elif op == SUB:
        r = x - y
    elif op == MUL:
        r = x * y
    elif op == AND:
        r = x & y
    elif op == OR:
        r = x | y
    elif op == XOR:
        r = x ^ y
    elif op == LSH:
        r = x << y
    elif op == RSH:
        r = x >> y
    elif op == ARSH:
        r = (x - (1 << bits) if x >> (bits - 1) else x) >> y
    else:  # NEG
        r = -x
    return r & m


_CONST_FOLD: Final = frozenset({ADD, SUB, MUL, AND, OR, XOR, LSH, RSH, ARSH, NEG})
"""Operations whose abstract result on two constants is the constant result (what the transfer
functions and reg_bounds_sync() reach, computed directly: the common loop-counter case)."""


def alu(d: Bounds, s: Bounds, op: int, alu32: bool) -> None:
    """adjust_scalar_min_max_vals() for a scalar ``d op= s`` (``d`` updated in place).

    An operation without range tracking (div, mod, shifts by a non-constant or too far) makes
    ``d`` unknown; a 32-bit operation zero-extends its result."""
    if not is_safe_to_compute(op, s, alu32):
        mark_unknown(d)
        return
    if not d.var_off.mask and not s.var_off.mask and op in _CONST_FOLD:  # both known: the exact result
        mark_known(d, fold(op, d.var_off.value, s.var_off.value, 32 if alu32 else 64))
        return
    if op == ADD:
        _add32(d, s)
        _add64(d, s)
        d.var_off = tnum.add(d.var_off, s.var_off)
    elif op == SUB:
        _sub32(d, s)
        _sub64(d, s)
        d.var_off = tnum.sub(d.var_off, s.var_off)
    elif op == NEG:
        old = Bounds()
        old.copy_bounds_from(d)
        mark_known(d, 0)
        _sub32(d, old)
        _sub64(d, old)
        d.var_off = tnum.neg(old.var_off)
    elif op == MUL:
        d.var_off = tnum.mul(d.var_off, s.var_off)
        _mul32(d, s)
        _mul64(d, s)
    elif op in (AND, OR, XOR):
        src_known32, dst_known32 = s.is_const32(), d.is_const32()
        src_known, dst_known = s.is_const(), d.is_const()
        combine = tnum.and_ if op == AND else tnum.or_ if op == OR else tnum.xor
        d.var_off = combine(d.var_off, s.var_off)
        _bitwise32(d, s, op, src_known32, dst_known32)
        _bitwise64(d, s, op, src_known, dst_known)
    elif op == LSH:
        (_lsh32 if alu32 else _lsh64)(d, s.umin32 if alu32 else s.umin)
    elif op == RSH:
        (_rsh32 if alu32 else _rsh64)(d, s.umin32 if alu32 else s.umin)
    elif op == ARSH:
        (_arsh32 if alu32 else _arsh64)(d, s.umin32 if alu32 else s.umin)
    if alu32:
        zext_32_to_64(d)
    sync(d)


def pointer_offset(d: Bounds, s: Bounds, op: int) -> None:
    """adjust_ptr_min_max_vals() for ``pointer += scalar`` / ``pointer -= scalar`` with a variable
    offset (``d`` the pointer, updated in place): pointers carry no 32-bit bounds of their own (they
    are derived from the 64-bit ones), and any overflow of a 64-bit bound leaves it unbounded."""
    mark_unbounded32(d)
    if op == ADD:
        smin, smax, umin, umax = d.smin + s.smin, d.smax + s.smax, d.umin + s.umin, d.umax + s.umax
        if umin > U64 or umax > U64:
            umin, umax = 0, U64
        d.var_off = tnum.add(d.var_off, s.var_off)
    else:
        smin, smax = d.smin - s.smax, d.smax - s.smin
        umin, umax = (0, U64) if d.umin < s.umax else (d.umin - s.umax, d.umax - s.umin)
        d.var_off = tnum.sub(d.var_off, s.var_off)
    if not (S64_MIN <= smin <= S64_MAX and S64_MIN <= smax <= S64_MAX):
        smin, smax = S64_MIN, S64_MAX
    d.smin, d.smax, d.umin, d.umax = smin, smax, umin, umax


def coerce_to_size(b: Bounds, size: int) -> None:
    """coerce_reg_to_size(): the low ``size`` bytes, zero-extended."""
    mask = (1 << (size * 8)) - 1
    b.var_off = tnum.cast(b.var_off, size)
    if b.umin & ~mask == b.umax & ~mask:
        b.umin &= mask
        b.umax &= mask
    else:
        b.umin, b.umax = 0, mask
    b.smin, b.smax = b.umin, b.umax
    if size < 4:
        mark_unbounded32(b)
    sync(b)


def _sign_extend(x: int, bits: int) -> int:
    x &= (1 << bits) - 1
    return x - (1 << bits) if x >> (bits - 1) else x


def coerce_to_size_sx(b: Bounds, size: int) -> None:
    """coerce_reg_to_size_sx(): the low ``size`` bytes sign-extended to 64 bits (movsx, ldsx)."""
    bits = size * 8
    if tnum.is_const(b.var_off):
        mark_known(b, _sign_extend(b.var_off.value, bits))
        return
    if (b.smax & U64) >> bits == (b.smin & U64) >> bits:
        lo, hi = sorted((_sign_extend(b.smin, bits), _sign_extend(b.smax, bits)))
        if (lo >= 0) == (hi >= 0):
            b.smin = b.smin32 = lo
            b.smax = b.smax32 = hi
            b.umin, b.umax = lo & U64, hi & U64
            b.umin32, b.umax32 = lo & U32, hi & U32
            b.var_off = tnum.range_(lo & U64, hi & U64)
            return
    half = 1 << (bits - 1)
    b.umin, b.umax = 0, U64
    b.var_off = tnum.UNKNOWN
    if -half <= b.smin32 and b.smax32 < half:
        # The low 32 bits, as an s32, already lie in the narrow signed range: sign-extending
        # them changes nothing, so the source's 32-bit bounds stay and are the signed 64-bit
        # ones (always so for (s32)).  Linux 6.18 (6.18.44 measured by scripts/fuzz_verifier.py:
        # (s16) of a value whose low 32 bits are 0 is 0, (s8) of one whose s32 range is [-5, 55]
        # is [-5, 55]); reg_bounds_sync() after it derives the rest.
        b.smin, b.smax = b.smin32, b.smax32
        return
    b.smin = b.smin32 = -half
    b.smax = b.smax32 = half - 1
    b.umin32, b.umax32 = 0, U32


def coerce_subreg_to_size_sx(b: Bounds, size: int) -> None:
    """coerce_subreg_to_size_sx(): the low ``size`` bytes sign-extended to 32 bits (32-bit movsx);
    the caller zero-extends the result into 64 bits."""
    bits = size * 8
    if tnum.is_const(b.var_off):
        value = _sign_extend(b.var_off.value, bits)
        b.var_off = tnum.const(value)
        b.smin32 = b.smax32 = s32(value)
        b.umin32 = b.umax32 = value & U32
        return
    if (b.smax32 & U32) >> bits == (b.smin32 & U32) >> bits:
        lo, hi = sorted((_sign_extend(b.smin32, bits), _sign_extend(b.smax32, bits)))
        if (lo >= 0) == (hi >= 0):
            b.smin32, b.smax32 = lo, hi
            b.umin32, b.umax32 = lo & U32, hi & U32
            b.var_off = tnum.subreg(tnum.range_(lo & U64, hi & U64))
            return
    half = 1 << (bits - 1)
    b.smin32, b.smax32 = -half, half - 1
    b.umin32, b.umax32 = 0, U32
    b.var_off = tnum.subreg(tnum.UNKNOWN)


def byte_swap(b: Bounds, width: int, swap: bool) -> None:
    """scalar_byte_swap() and the reg_bounds_sync() after it: a byte swap of the low ``width``
    bits when ``swap`` (bswap, or a conversion to the other byte order), then the truncation of
    16- and 32-bit conversions; no zero-extension beyond that."""
    if swap:
        b.var_off = tnum.bswap(b.var_off, width)
        mark_unbounded(b)
    if width in (16, 32):
        coerce_to_size(b, width // 8)
    sync(b)


def add_const(d: Bounds, delta: Bounds, *, zext: bool) -> None:
    """The ``reg = known + delta`` step of sync_linked_regs()."""
    _add32(d, delta)
    _add64(d, delta)
    d.var_off = tnum.add(d.var_off, delta.var_off)
    if zext:
        zext_32_to_64(d)
    sync(d)


# --- conditional jumps --------------------------------------------------------------------------

FLIP: Final = {JGT: JLT, JLT: JGT, JGE: JLE, JLE: JGE, JSGT: JSLT, JSLT: JSGT, JSGE: JSLE, JSLE: JSGE}
"""flip_opcode(): the condition with its operands swapped."""
REVERSE: Final = {
    JEQ: JNE, JNE: JEQ, JGT: JLE, JLE: JGT, JGE: JLT, JLT: JGE, JSGT: JSLE, JSLE: JSGT,
    JSGE: JSLT, JSLT: JSGE, JSET: JSET_FALSE, JSET_FALSE: JSET,
}  # fmt: skip
"""rev_opcode(): the condition of the other branch."""


def _view(b: Bounds, is32: bool) -> tuple[Tnum, int, int, int, int]:
    if is32:
        return tnum.subreg(b.var_off), b.umin32, b.umax32, b.smin32, b.smax32
    return b.var_off, b.umin, b.umax, b.smin, b.smax


def const_value(b: Bounds, is32: bool) -> int | None:
    """is_reg_const() / reg_const_value()."""
    if is32:
        return b.var_off.value & U32 if b.is_const32() else None
    return b.var_off.value if b.is_const() else None


def branch_taken(a: Bounds, b: Bounds, op: int, is32: bool) -> int:
    """is_scalar_branch_taken(): 1 the jump is always taken, 0 never, -1 unknown."""
    if is32:
        t1, umin1, umax1, smin1, smax1 = _view(a, True)
        t2, umin2, umax2, smin2, smax2 = _view(b, True)
    else:  # (_view(), written out for the 64-bit case: the hot one)
        t1, umin1, umax1, smin1, smax1 = a.var_off, a.umin, a.umax, a.smin, a.smax
        t2, umin2, umax2, smin2, smax2 = b.var_off, b.umin, b.umax, b.smin, b.smax
    if op in (JEQ, JNE):
        hit = 1 if op == JEQ else 0
        if tnum.is_const(t1) and tnum.is_const(t2):
            return hit if t1.value == t2.value else 1 - hit
        if not tnum.overlap(t1, t2):
            return 1 - hit
        if umin1 > umax2 or umax1 < umin2 or smin1 > smax2 or smax1 < smin2:
            return 1 - hit
        if not is32 and (
            a.umin32 > b.umax32 or a.umax32 < b.umin32 or a.smin32 > b.smax32 or a.smax32 < b.smin32
        ):
            return 1 - hit
        return -1
    if op in (JSET, JSET_FALSE):
        if const_value(b, is32) is None:
            a, b, t1, t2 = b, a, t2, t1
        if const_value(b, is32) is None:
            return -1
        result = -1
        if t1.value & t2.value:
            result = 1
        elif not (t1.mask | t1.value) & t2.value:
            result = 0
        return result if op == JSET or result < 0 else 1 - result
    if op == JGT:
        return 1 if umin1 > umax2 else 0 if umax1 <= umin2 else -1
    if op == JSGT:
        return 1 if smin1 > smax2 else 0 if smax1 <= smin2 else -1
    if op == JLT:
        return 1 if umax1 < umin2 else 0 if umin1 >= umax2 else -1
    if op == JSLT:
        return 1 if smax1 < smin2 else 0 if smin1 >= smax2 else -1
    if op == JGE:
        return 1 if umin1 >= umax2 else 0 if umax1 < umin2 else -1
    if op == JSGE:
        return 1 if smin1 >= smax2 else 0 if smax1 < smin2 else -1
    if op == JLE:
        return 1 if umax1 <= umin2 else 0 if umin1 > umax2 else -1
    if op == JSLE:
        return 1 if smax1 <= smin2 else 0 if smin1 > smax2 else -1
    return -1


_REFINED: dict[tuple[int, bool, bool, Words, Words], tuple[Words, Words]] = {}
"""refine()'s answers by question: a pure function of the
operation, the width, whether both operands are one register, and their numbers (a parser compares
the same byte range with the same constants again and again); cleared when it grows."""


_REFINE_WORTH: Final = Worth()


def refine(a: Bounds, b: Bounds, op: int, is32: bool) -> None:
    """regs_refine_cond_op() then reg_bounds_sync() of both: learn from ``a op b`` holding."""
    worth = _REFINE_WORTH
    if worth.unasked():
        _refine(a, b, op, is32)
        return
    old_a, old_b = _load(a), _load(b)
    question = (op, is32, a is b, old_a, old_b)
    answer = _REFINED.get(question)
    worth.note(answer is not None)
    if answer is None:
        _refine(a, b, op, is32)
        if len(_REFINED) >= 4096:
            _REFINED.clear()
        _REFINED[question] = (_load(a), _load(b))
        return
    _store(a, old_a, answer[0])
    _store(b, old_b, answer[1])


def _refine(a: Bounds, b: Bounds, op: int, is32: bool) -> None:
    """regs_refine_cond_op(): learn from ``a op b`` holding (then reg_bounds_sync both).  A bound
    moved past its type's end wraps, as the kernel's u64/s64/u32/s32 fields do (on a branch that
    cannot be taken: ``a > b`` with b's umin U64 gives a umin of 0, not 2**64)."""
    if op in FLIP and op in (JLT, JLE, JSLT, JSLE):
        a, b, op = b, a, FLIP[op]
    if op == JEQ:
        if is32:
            a.umin32 = b.umin32 = max(a.umin32, b.umin32)
            a.umax32 = b.umax32 = min(a.umax32, b.umax32)
            a.smin32 = b.smin32 = max(a.smin32, b.smin32)
            a.smax32 = b.smax32 = min(a.smax32, b.smax32)
            t = tnum.intersect(tnum.subreg(a.var_off), tnum.subreg(b.var_off))
            a.var_off = tnum.with_subreg(a.var_off, t)
            b.var_off = tnum.with_subreg(b.var_off, t)
        else:
            a.umin = b.umin = max(a.umin, b.umin)
            a.umax = b.umax = min(a.umax, b.umax)
            a.smin = b.smin = max(a.smin, b.smin)
            a.smax = b.smax = min(a.smax, b.smax)
            a.var_off = b.var_off = tnum.intersect(a.var_off, b.var_off)
    elif op == JNE:
        if const_value(b, is32) is None:
            a, b = b, a
        val = const_value(b, is32)
        if val is None:
            pass
        elif is32:
            if a.umin32 == val:
                a.umin32 = (a.umin32 + 1) & U32
            if a.umax32 == val:
                a.umax32 = (a.umax32 - 1) & U32
            if a.smin32 == s32(val):
                a.smin32 = s32(a.smin32 + 1)
            if a.smax32 == s32(val):
                a.smax32 = s32(a.smax32 - 1)
        else:
            if a.umin == val:
                a.umin = (a.umin + 1) & U64
            if a.umax == val:
                a.umax = (a.umax - 1) & U64
            if a.smin == s64(val):
                a.smin = s64(a.smin + 1)
            if a.smax == s64(val):
                a.smax = s64(a.smax - 1)
    elif op in (JSET, JSET_FALSE):
        if const_value(b, is32) is None:
            a, b = b, a
        val = const_value(b, is32)
        if val is not None:
            if op == JSET_FALSE:
                # the ranges are forgotten before the tnum narrows (they could contradict it on a
                # dead branch): what is left is what the tnum says (Linux 6.18)
                mark_unbounded(a)
                mask = (~val & U32) | (U64 & ~U32) if is32 else ~val & U64
                a.var_off = tnum.and_(a.var_off, Tnum(mask, 0))
            elif val and not val & (val - 1):
                if is32:
                    a.var_off = tnum.with_subreg(a.var_off, tnum.or_(tnum.subreg(a.var_off), tnum.const(val)))
                else:
                    a.var_off = tnum.or_(a.var_off, tnum.const(val))
    elif op == JGE:
        if is32:
            a.umin32 = max(a.umin32, b.umin32)
            b.umax32 = min(a.umax32, b.umax32)
        else:
            a.umin = max(a.umin, b.umin)
            b.umax = min(a.umax, b.umax)
    elif op == JGT:
        if is32:
            a.umin32 = max(a.umin32, (b.umin32 + 1) & U32)
            b.umax32 = min((a.umax32 - 1) & U32, b.umax32)
        else:
            a.umin = max(a.umin, (b.umin + 1) & U64)
            b.umax = min((a.umax - 1) & U64, b.umax)
    elif op == JSGE:
        if is32:
            a.smin32 = max(a.smin32, b.smin32)
            b.smax32 = min(a.smax32, b.smax32)
        else:
            a.smin = max(a.smin, b.smin)
            b.smax = min(a.smax, b.smax)
    elif op == JSGT:
        if is32:
            a.smin32 = max(a.smin32, s32(b.smin32 + 1))
            b.smax32 = min(s32(a.smax32 - 1), b.smax32)
        else:
            a.smin = max(a.smin, s64(b.smin + 1))
            b.smax = min(s64(a.smax - 1), b.smax)
    sync(a)
    sync(b)


def invariant_violation(b: Bounds) -> str | None:
    """reg_bounds_sanity_check()'s three tests: what is wrong with the numbers of ``b`` (a range
    whose minimum exceeds its maximum; a constant tnum, 64- or 32-bit, its ranges do not equal), or
    None when they are consistent."""
    if b.umin > b.umax or b.smin > b.smax or b.umin32 > b.umax32 or b.smin32 > b.smax32:
        return "range bounds violation"
    value, mask = b.var_off.value, b.var_off.mask
    if not mask and not (b.umin == b.umax == value and b.smin == b.smax == s64(value)):
        return "const tnum out of sync with range bounds"
    low = value & U32
    if not mask & U32 and not (b.umin32 == b.umax32 == low and b.smin32 == b.smax32 == s32(low)):
        return "const subreg tnum out of sync with range bounds"
    return None


def _hex(value: int, mask: int) -> str:
    """C's ``%#llx`` / ``%#x`` of ``value`` taken as unsigned: ``0`` (no prefix) or ``0x...``."""
    value &= mask
    return f"{value:#x}" if value else "0"


def format_violation(b: Bounds) -> str:
    """The numbers reg_bounds_sanity_check() prints after a violation: every range unsigned hex."""
    ranges = (
        ("u64", b.umin, b.umax, U64),
        ("s64", b.smin, b.smax, U64),
        ("u32", b.umin32, b.umax32, U32),
        ("s32", b.smin32, b.smax32, U32),
    )
    text = " ".join(f"{name}=[{_hex(lo, mask)}, {_hex(hi, mask)}]" for name, lo, hi, mask in ranges)
    return f"{text} var_off=({_hex(b.var_off.value, U64)}, {_hex(b.var_off.mask, U64)})"
