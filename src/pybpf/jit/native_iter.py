"""The numeric open-coded iterator as native code: bpf_iter_num_new(), bpf_iter_num_next() and
bpf_iter_num_destroy() lowered in place of the kfunc trampoline.

Mirrors kernel/bpf/bpf_iter.c (Linux 6.18) exactly as pybpf's Python kfuncs do (``pybpf.kfuncs.iter_num``,
whose docstring gives the rules), on the same 8 bytes of the program's stack (``struct bpf_iter_num``,
inside ``struct bpf_iter_num_kern { int cur; int end; }``: ``cur`` in the low four bytes), so an
iterator one engine made the other walks on:

* new(it, start, end): ``start > end`` (as ``int``) gives -EINVAL, ``end - start > BPF_MAX_LOOPS``
  -E2BIG, both leaving the state zero; else the state is ``cur = start - 1`` (a 32-bit wrap),
  ``end`` and r0 is 0;
* next(it): ``cur + 1`` (a 32-bit wrap) at or past ``end`` (signed) zeroes the state and gives NULL;
  else ``cur`` moves on and r0 is ``it`` (``&cur``);
* destroy(it): the state zeroed, r0 = 0.

Results are the Python kfuncs' 64-bit values (-errno sign-extended).  Only a verified program's calls
are native (``pybpf.jit.native_helpers``): its verifier proved ``it`` an iterator's slots on the
program's stack, so the state is read and written with no run-time check, as the kernel's code does.
``NATIVE_KFUNCS`` is the table the JIT looks a kfunc's name up in.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Mapping, Sequence

from llvmlite import ir

from pybpf.isa.words import M32
from pybpf.jit.lower import I32, I64, Lowering, Site
from pybpf.uapi import BPF_MAX_LOOPS

KfuncLowerer = Callable[[Lowering, Site, Sequence[ir.Value]], None]
"""Lowers one kfunc call natively, given its arguments (r1..r5 at the call)."""


def _state(lo: Lowering, it: ir.Value) -> ir.Value:
    """A pointer to the iterator's 8-byte state."""
    return lo.b.inttoptr(it, I64.as_pointer())


def lower_iter_num_new(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    b = lo.b
    it, start, end = args[0], b.trunc(args[1], I32), b.trunc(args[2], I32)
    invalid = b.icmp_signed(">", start, end)
    span = b.sub(b.sext(end, I64), b.sext(start, I64))
    too_long = b.icmp_signed(">", span, lo.const(BPF_MAX_LOOPS))
    made = b.or_(b.zext(b.sub(start, lo.const(1, 32)), I64), b.shl(b.zext(end, I64), lo.const(32)))
    refused = b.or_(invalid, too_long)
    b.store(b.select(refused, lo.const(0), made), _state(lo, it), align=1)
    result = b.select(too_long, lo.const(-errno.E2BIG & M32), lo.const(0))  # an int: r0 zero-extended
    lo.set_reg(0, b.select(invalid, lo.const(-errno.EINVAL & M32), result))


def lower_iter_num_next(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    b = lo.b
    it = args[0]
    state = _state(lo, it)
    word = b.load(state, align=1)
    cur, end = b.trunc(word, I32), b.trunc(b.lshr(word, lo.const(32)), I32)
    following = b.add(cur, lo.const(1, 32))
    drained = b.icmp_signed(">=", following, end)
    moved = b.or_(b.and_(word, lo.const(0xFFFF_FFFF_0000_0000)), b.zext(following, I64))
    b.store(b.select(drained, lo.const(0), moved), state, align=1)
    lo.set_reg(0, b.select(drained, lo.const(0), it))


def lower_iter_num_destroy(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    lo.b.store(lo.const(0), _state(lo, args[0]), align=1)
    lo.set_reg(0, lo.const(0))


NATIVE_KFUNCS: Mapping[str, KfuncLowerer] = {
    "bpf_iter_num_new": lower_iter_num_new,
    "bpf_iter_num_next": lower_iter_num_next,
    "bpf_iter_num_destroy": lower_iter_num_destroy,
}
"""The kfuncs lowered natively in verified programs, by name (``pybpf.kfuncs.table``'s names)."""

__all__ = ["NATIVE_KFUNCS", "KfuncLowerer"]
