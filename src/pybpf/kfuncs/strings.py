"""The string kfuncs: bpf_strcmp, bpf_strcasecmp, bpf_strchr, bpf_strchrnul, bpf_strnchr, bpf_strrchr,
bpf_strlen, bpf_strnlen, bpf_strspn, bpf_strcspn, bpf_strstr and bpf_strnstr.

Mirrors kernel/bpf/helpers.c of Linux 6.18 (``common_btf_ids``: every program type may call them, no
``KF_*`` flag).  Every string parameter is ``__ign``: the verifier checks nothing about it (a scalar,
NULL, any pointer will do), so each function checks its strings at run time as the kernel's do:

* copy_from_kernel_nofault_allowed() of every string first: an address the architecture refuses
  (x86-64: below TASK_SIZE_MAX + PAGE_SIZE -- NULL, user space -- or not canonical) is -ERANGE
  before anything is read.  pybpf's program memory (stack, map values, packet, context) is the
  kernel's memory here, so an address inside it is allowed wherever it lies
  (``pybpf.helpers.basic.kernel_nofault_error`` classifies the others);
* then the bytes are read one at a time, __get_kernel_nofault(): a byte outside program memory
  makes the call -EFAULT at the point the kernel's loop reads it;
* no string is read past XATTR_SIZE_MAX (65536) bytes: a loop that reaches the limit is -E2BIG;
* chars are unsigned (the kernel builds with -funsigned-char): bpf_strcmp orders 0xe9 after 'A'; the
  ``char c`` of bpf_strchr, bpf_strchrnul and bpf_strnchr is the register's low byte, the ``int c``
  of bpf_strrchr its low 32 bits compared with the byte (so a negative c never matches);
  bpf_strcasecmp folds case with the kernel's tolower() (lib/ctype.c: Latin-1, 0xc0-0xde but 0xd7
  too);
* a character or substring not found is -ENOENT; bpf_strrchr counts the NUL as a character of the
  string (bpf_strrchr(s, 0) is the length); the results are ``int``: r0 holds them zero-extended from
  32 bits, as the kernel's x86-64 code leaves them.

The functions are run on what can be read of each string, as many bytes as the kernel's loops could
reach (``NofaultString``), so a long string costs one read, not one Python step per byte; their work is
charged to the run's budget by the byte (``HelperContext.charge_bytes``).
"""

from __future__ import annotations

import errno

from pybpf.helpers.basic import kernel_nofault_error
from pybpf.helpers.context import HelperContext
from pybpf.isa.words import M32
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, KFuncImpl, RetKind

XATTR_SIZE_MAX = 1 << 16
"""include/uapi/linux/limits.h: the longest string the string kfuncs read."""
_CHUNK = 256
"""Bytes read at a time while looking for a string's NUL."""

_TOLOWER = bytes(c + 32 if 0x41 <= c <= 0x5A or (0xC0 <= c <= 0xDE and c != 0xD7) else c for c in range(256))
"""tolower() of lib/ctype.c's _ctype table, as a bytes.translate() table."""


class _Fault(Exception):
    """A string's address is refused up front (-ERANGE) or a byte of it faults (-EFAULT)."""

    def __init__(self, err: int) -> None:
        super().__init__(err)
        self.err = err


class NofaultString:
    """A string argument as the kernel's loops see it: ``text``, the bytes readable from its address
    before its first NUL (at most ``limit``), and why they end: ``nul`` (a NUL follows), else a fault
    (``faults``: the next byte cannot be read) or the limit."""

    __slots__ = ("faults", "nul", "text")

    def __init__(self, ctx: HelperContext, address: int, limit: int) -> None:
        memory = ctx.memory
        address &= 0xFFFF_FFFF_FFFF_FFFF
        chunks: list[bytes] = []
        length = 0
        at = address
        self.nul = self.faults = False
        while length < limit:
            region = memory.region_at(at)
            if region is None:
                self.faults = True
                break
            offset = at - region.base
            take = min(limit - length, region.end - at, _CHUNK << len(chunks))
            chunk = bytes(region.view[offset : offset + take])
            nul = chunk.find(0)
            if nul >= 0:
                chunks.append(chunk[:nul])
                length += nul
                self.nul = True
                break
            chunks.append(chunk)
            length += take
            at += take
        self.text = b"".join(chunks)
        ctx.charge_bytes(length)

    def byte(self, index: int) -> int:
        """The byte the kernel reads at ``index`` (0 for the NUL); raises ``_Fault`` where it faults.
        Only called at most one past ``text``, where the string ended (or at the limit, never read)."""
        if index < len(self.text):
            return self.text[index]
        if self.nul:
            return 0
        raise _Fault(-errno.EFAULT)


def _allowed(ctx: HelperContext, *addresses: int) -> None:
    """copy_from_kernel_nofault_allowed() of each string: -ERANGE for an address the architecture
    refuses (program memory is never refused: it is the kernel's)."""
    for address in addresses:
        if ctx.memory.region_at(address & 0xFFFF_FFFF_FFFF_FFFF) is None:
            err = kernel_nofault_error(address)
            if err == -errno.ERANGE:
                raise _Fault(err)


def _result(value: int) -> int:
    """An ``int`` result as r0 holds it (zero-extended from 32 bits)."""
    return value & M32


def _common_prefix(a: bytes, b: bytes, b_start: int = 0) -> int:
    """How many leading bytes ``a`` and ``b[b_start:]`` share."""
    n = min(len(a), len(b) - b_start)
    if b.startswith(a[:n], b_start):
        return n
    lo, hi = 0, n  # a[:lo] matches, a[:hi] does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if b.startswith(a[:mid], b_start):
            lo = mid
        else:
            hi = mid
    return lo


def _compare(ctx: HelperContext, s1: int, s2: int, ignore_case: bool) -> int:
    """__bpf_strcasecmp(): -1, 0 or 1 in the order of the (case-folded) unsigned bytes."""
    try:
        _allowed(ctx, s1, s2)
        a, b = NofaultString(ctx, s1, XATTR_SIZE_MAX), NofaultString(ctx, s2, XATTR_SIZE_MAX)
        ta, tb = (a.text.translate(_TOLOWER), b.text.translate(_TOLOWER)) if ignore_case else (a.text, b.text)
        i = _common_prefix(ta, tb)
        if i == XATTR_SIZE_MAX:
            return _result(-errno.E2BIG)
        c1, c2 = a.byte(i), b.byte(i)  # s1's byte is read first: its fault is the one seen
        if ignore_case:
            c1, c2 = _TOLOWER[c1], _TOLOWER[c2]
        return _result(0 if c1 == c2 else -1 if c1 < c2 else 1)
    except _Fault as fault:
        return _result(fault.err)


def strcmp(ctx: HelperContext, s1: int, s2: int, *_: int) -> int:
    return _compare(ctx, s1, s2, ignore_case=False)


def strcasecmp(ctx: HelperContext, s1: int, s2: int, *_: int) -> int:
    return _compare(ctx, s1, s2, ignore_case=True)


def _strnchr(ctx: HelperContext, s: int, count: int, c: int) -> int:
    try:
        _allowed(ctx, s)
        bound = min(count, XATTR_SIZE_MAX)
        string = NofaultString(ctx, s, bound)
        c &= 0xFF
        found = string.text.find(bytes([c])) if c else -1
        if found >= 0:
            return _result(found)
        if len(string.text) < bound:  # ended before the bound: a NUL (found when c is 0) or a fault
            if string.byte(len(string.text)) == c:
                return _result(len(string.text))
            return _result(-errno.ENOENT)
        return _result(-errno.E2BIG if bound == XATTR_SIZE_MAX else -errno.ENOENT)
    except _Fault as fault:
        return _result(fault.err)


def strnchr(ctx: HelperContext, s: int, count: int, c: int, *_: int) -> int:
    """bpf_strnchr(s, count, c): the index of the first ``c`` in the first ``count`` bytes."""
    return _strnchr(ctx, s, count, c)


def strchr(ctx: HelperContext, s: int, c: int, *_: int) -> int:
    """bpf_strchr(s, c): bpf_strnchr() bounded by the limit."""
    return _strnchr(ctx, s, XATTR_SIZE_MAX, c)


def strchrnul(ctx: HelperContext, s: int, c: int, *_: int) -> int:
    """bpf_strchrnul(s, c): the index of the first ``c`` or of the NUL."""
    try:
        _allowed(ctx, s)
        string = NofaultString(ctx, s, XATTR_SIZE_MAX)
        c &= 0xFF
        found = string.text.find(bytes([c])) if c else -1
        if found >= 0:
            return _result(found)
        if len(string.text) == XATTR_SIZE_MAX:
            return _result(-errno.E2BIG)
        string.byte(len(string.text))  # the NUL, or the fault
        return _result(len(string.text))
    except _Fault as fault:
        return _result(fault.err)


def strrchr(ctx: HelperContext, s: int, c: int, *_: int) -> int:
    """bpf_strrchr(s, c): the index of the last ``c`` (the NUL included), or -ENOENT."""
    try:
        _allowed(ctx, s)
        string = NofaultString(ctx, s, XATTR_SIZE_MAX)
        c &= M32  # an int compared with an unsigned char: only 0..255 can match
        if len(string.text) == XATTR_SIZE_MAX:
            return _result(-errno.E2BIG)
        string.byte(len(string.text))  # the NUL, or the fault
        if c == 0:
            return _result(len(string.text))
        return _result(
            string.text.rfind(bytes([c])) if c < 256 and bytes([c]) in string.text else -errno.ENOENT
        )
    except _Fault as fault:
        return _result(fault.err)


def _strnlen(ctx: HelperContext, s: int, count: int) -> int:
    try:
        _allowed(ctx, s)
        bound = min(count, XATTR_SIZE_MAX)
        string = NofaultString(ctx, s, bound)
        if len(string.text) < bound:
            string.byte(len(string.text))  # the NUL, or the fault
            return _result(len(string.text))
        return _result(-errno.E2BIG if bound == XATTR_SIZE_MAX else bound)
    except _Fault as fault:
        return _result(fault.err)


def strnlen(ctx: HelperContext, s: int, count: int, *_: int) -> int:
    """bpf_strnlen(s, count): the length, at most ``count``."""
    return _strnlen(ctx, s, count)


def strlen(ctx: HelperContext, s: int, *_: int) -> int:
    """bpf_strlen(s): bpf_strnlen() bounded by the limit."""
    return _strnlen(ctx, s, XATTR_SIZE_MAX)


def _span(ctx: HelperContext, s: int, chars: int, accept: bool) -> int:
    """bpf_strspn() (``accept``) / bpf_strcspn(): the length of the leading run of ``s`` whose bytes
    are all in (not in) ``chars``.  For each byte of ``s`` the kernel scans ``chars`` up to its NUL:
    a fault there before the byte is found is -EFAULT, ``chars`` without a NUL in the limit -E2BIG."""
    try:
        _allowed(ctx, s, chars)
        string = NofaultString(ctx, s, XATTR_SIZE_MAX)
        chars_ = NofaultString(ctx, chars, XATTR_SIZE_MAX)
        table = chars_.text
        for i, cs in enumerate(string.text):
            at = table.find(cs)
            ctx.charge_bytes(len(table) if at < 0 else at + 1)  # the bytes of ``chars`` scanned
            if at >= 0:
                if not accept:
                    return _result(i)
                continue
            if not chars_.nul:
                return _result(-errno.EFAULT if chars_.faults else -errno.E2BIG)
            if accept:
                return _result(i)
        if len(string.text) == XATTR_SIZE_MAX:
            return _result(-errno.E2BIG)
        string.byte(len(string.text))  # the NUL, or the fault
        return _result(len(string.text))
    except _Fault as fault:
        return _result(fault.err)


def strspn(ctx: HelperContext, s: int, accept: int, *_: int) -> int:
    return _span(ctx, s, accept, accept=True)


def strcspn(ctx: HelperContext, s: int, reject: int, *_: int) -> int:
    return _span(ctx, s, reject, accept=False)


def _strnstr(ctx: HelperContext, s1: int, s2: int, length: int) -> int:
    """bpf_strnstr(): the index of the first ``s2`` within the first ``length`` bytes of ``s1``.

    The kernel's loops, for i = 0.. (s1 advanced by i) and j = 0.. while i + j <= length and j <
    65536: s2[j] is read (NUL: found at i); at i + j == length the search ends (-ENOENT); s1[i + j] is
    read (NUL: -ENOENT), a mismatch moves to the next i.  Here each i jumps to the first j where
    something other than a match happens (``_common_prefix``)."""
    try:
        _allowed(ctx, s1, s2)
        hay = NofaultString(ctx, s1, 2 * XATTR_SIZE_MAX)
        needle = NofaultString(ctx, s2, XATTR_SIZE_MAX)
        for i in range(XATTR_SIZE_MAX):
            j = min(_common_prefix(needle.text, hay.text, i) if i <= len(hay.text) else 0, length - i)
            ctx.charge_bytes(j)
            if j >= XATTR_SIZE_MAX:
                return _result(-errno.E2BIG)
            if needle.byte(j) == 0:
                return _result(i)
            if i + j == length:
                return _result(-errno.ENOENT)
            if hay.byte(i + j) == 0:
                return _result(-errno.ENOENT)
        return _result(-errno.E2BIG)
    except _Fault as fault:
        return _result(fault.err)


def strnstr(ctx: HelperContext, s1: int, s2: int, length: int, *_: int) -> int:
    return _strnstr(ctx, s1, s2, length)


def strstr(ctx: HelperContext, s1: int, s2: int, *_: int) -> int:
    """bpf_strstr(s1, s2): bpf_strnstr() bounded by the limit."""
    return _strnstr(ctx, s1, s2, XATTR_SIZE_MAX)


def _str(name: str) -> KArg:
    return KArg(ArgKind.IGNORED, "const char *", name)


_S, _S1, _S2 = _str("s__ign"), _str("s1__ign"), _str("s2__ign")
_CHAR = KArg(ArgKind.SCALAR, "char", "c")
_COUNT = KArg(ArgKind.SCALAR, "size_t", "count")


def _kfunc(name: str, args: tuple[KArg, ...], impl: KFuncImpl) -> KFunc:
    return KFunc(name, KfFlag.NONE, args, RetKind.SCALAR, "int", 4, impl)


KFUNCS: tuple[KFunc, ...] = (
    _kfunc("bpf_strcmp", (_S1, _S2), strcmp),
    _kfunc("bpf_strcasecmp", (_S1, _S2), strcasecmp),
    _kfunc("bpf_strchr", (_S, _CHAR), strchr),
    _kfunc("bpf_strchrnul", (_S, _CHAR), strchrnul),
    _kfunc("bpf_strnchr", (_S, _COUNT, _CHAR), strnchr),
    _kfunc("bpf_strrchr", (_S, KArg(ArgKind.SCALAR, "int", "c")), strrchr),
    _kfunc("bpf_strlen", (_S,), strlen),
    _kfunc("bpf_strnlen", (_S, _COUNT), strnlen),
    _kfunc("bpf_strspn", (_S, _str("accept__ign")), strspn),
    _kfunc("bpf_strcspn", (_S, _str("reject__ign")), strcspn),
    _kfunc("bpf_strstr", (_S1, _S2), strstr),
    _kfunc("bpf_strnstr", (_S1, _S2, KArg(ArgKind.SCALAR, "size_t", "len")), strnstr),
)
"""The string kfuncs of kernel/bpf/helpers.c's common_btf_ids."""
