"""The numeric open-coded iterator: bpf_iter_num_new(), bpf_iter_num_next(), bpf_iter_num_destroy().

Mirrors kernel/bpf/bpf_iter.c (Linux 6.18).  ``struct bpf_iter_num`` is 8 opaque bytes on the
program's stack; inside they are ``struct bpf_iter_num_kern { int cur; int end; }``:

* new(it, start, end): ``start > end`` is -EINVAL, a range longer than BPF_MAX_LOOPS (8M) is
  -E2BIG (both leave ``cur = end = 0``); else ``cur = start - 1``, ``end = end`` and 0;
* next(it): once ``cur + 1`` (an ``int`` sum, widened to 64 bits) reaches ``end`` the iterator is
  drained (``cur = end = 0``) and NULL comes back, now and on every later call; else ``cur`` moves
  on and its address comes back (the program reads the value through it);
* destroy(it): ``cur = end = 0``.

Each is called like a helper, ``function(ctx, r1, r2, r3, r4, r5) -> r0``, through the program's
memory (the verifier has proven ``it`` is an iterator on the stack).
"""

from __future__ import annotations

import errno

from pybpf.helpers.context import HelperContext
from pybpf.uapi import BPF_MAX_LOOPS

_STATE_SIZE = 8
_U32 = 0xFFFFFFFF


def _s32(value: int) -> int:
    value &= _U32
    return value - (1 << 32) if value >> 31 else value


def _read(ctx: HelperContext, it: int) -> tuple[int, int]:
    raw = ctx.memory.load(it, _STATE_SIZE)
    return _s32(raw), _s32(raw >> 32)


def _write(ctx: HelperContext, it: int, cur: int, end: int) -> None:
    ctx.memory.store(it, _STATE_SIZE, (cur & _U32) | (end & _U32) << 32)


def iter_num_new(ctx: HelperContext, it: int, start: int, end: int, _r4: int, _r5: int) -> int:
    start, end = _s32(start), _s32(end)
    if start > end:
        _write(ctx, it, 0, 0)
        return -errno.EINVAL
    if end - start > BPF_MAX_LOOPS:
        _write(ctx, it, 0, 0)
        return -errno.E2BIG
    _write(ctx, it, start - 1, end)
    return 0


def iter_num_next(ctx: HelperContext, it: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    cur, end = _read(ctx, it)
    if _s32(cur + 1) >= end:
        _write(ctx, it, 0, 0)
        return 0
    _write(ctx, it, cur + 1, end)
    return it  # &s->cur: the first four bytes


def iter_num_destroy(ctx: HelperContext, it: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    _write(ctx, it, 0, 0)
    return 0
