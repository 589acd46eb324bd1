"""Dynptr helpers as native code, for verified programs: bpf_dynptr_from_mem (197),
bpf_ringbuf_reserve_dynptr (198), bpf_ringbuf_submit_dynptr (199), bpf_ringbuf_discard_dynptr (200),
and bpf_dynptr_read (201), bpf_dynptr_write (202) and bpf_dynptr_data (203) on local and ring buffer
dynptrs.

Mirrors kernel/bpf/ringbuf.c (``bpf_ringbuf_reserve_dynptr``, ``bpf_ringbuf_submit_dynptr``,
``bpf_ringbuf_discard_dynptr``) and kernel/bpf/helpers.c (``bpf_dynptr_from_mem``, ``__bpf_dynptr_read``,
``__bpf_dynptr_write``, ``bpf_dynptr_data``) exactly as pybpf's Python helpers do
(``pybpf.helpers.dynptr``, whose docstring gives the rules and the 16-byte ``struct bpf_dynptr_kern``
layout; ``pybpf.helpers.maps`` for the ring buffer's), on the same bytes, so a dynptr made natively
is used by the Python helpers and the other way round.

As in the kernel the code trusts the verifier: a verified program's dynptr arguments are initialised
dynptrs on its stack of the helper's type, and the memory the helpers copy to and from (``dst`` /
``src`` of its size, the dynptr's own bytes within its size) was proven the program's, so the
native forms check nothing the verifier proved -- they read the dynptr, answer its null, flags and
bounds cases (-EINVAL, -E2BIG, NULL) and copy with ``memmove`` (the areas may overlap).  A dynptr of
a type they do not know (skb, xdp) goes to the Python helper.

The ring buffer's: ``bpf_ringbuf_reserve_dynptr`` is ``pybpf.jit.native_ringbuf``'s reservation (the
record held in the ring's session list, the Python helper when the run is not armed, the list is
full or the producer lock is held elsewhere) with the dynptr written (a null one and -EINVAL for
flags or when the ring has no room, -E2BIG past DYNPTR_MAX_SIZE); submit and discard read the
record from the dynptr (NULL: nothing to do, r0 = 0), release it when the run holds it natively
(``release_held``) and null the dynptr; any other record is the Python helper's.  (A natively held
record whose header another holder of the map overwrote is given to the Python helper through its
dynptr, which finds no record of the run's there and faults.)
"""

from __future__ import annotations

import errno
from collections.abc import Sequence

from llvmlite import ir

from pybpf.helpers.dynptr import (
    BPF_DYNPTR_TYPE_LOCAL,
    BPF_DYNPTR_TYPE_RINGBUF,
    DYNPTR_MAX_SIZE,
    DYNPTR_RDONLY_BIT,
    DYNPTR_SIZE_MASK,
    DYNPTR_TYPE_MASK,
    DYNPTR_TYPE_SHIFT,
    OFFSET_AT,
    SIZE_AT,
)
from pybpf.jit.lower import I32, I64, Lowering, Site
from pybpf.jit.native_memory import fill_bytes, move_bytes
from pybpf.jit.native_ringbuf import (
    HELD_RECORDS,
    NativeRing,
    answer,
    armed,
    held_list,
    python_call,
    release_held,
    reserve,
)
from pybpf.maps.ringbuf import HDR_SZ, RINGBUF_MAX_RECORD_SZ

_U32 = 0xFFFF_FFFF
DYNPTR_BYTES = 16


class _Dynptr:
    """The fields of the dynptr at ``address`` (read once, where the builder is)."""

    def __init__(self, lo: Lowering, address: ir.Value) -> None:
        b = lo.b
        self.lo, self.address = lo, address
        self.data = b.load(b.inttoptr(address, I64.as_pointer()), align=1)
        word = b.load(b.inttoptr(b.add(address, lo.const(SIZE_AT)), I32.as_pointer()), align=1)
        offset = b.load(b.inttoptr(b.add(address, lo.const(OFFSET_AT)), I32.as_pointer()), align=1)
        self.word, self.offset = b.zext(word, I64), b.zext(offset, I64)
        self.size = b.and_(self.word, lo.const(DYNPTR_SIZE_MASK))

    def null(self) -> ir.Value:
        return self.lo.b.icmp_unsigned("==", self.data, self.lo.const(0))

    def rdonly(self) -> ir.Value:
        b, lo = self.lo.b, self.lo
        return b.icmp_unsigned("!=", b.and_(self.word, lo.const(DYNPTR_RDONLY_BIT)), lo.const(0))

    def out_of_bounds(self, offset: ir.Value, length: ir.Value) -> ir.Value:
        """bpf_dynptr_check_off_len() fails (-E2BIG)."""
        b = self.lo.b
        too_long = b.icmp_unsigned(">", length, self.size)
        return b.or_(too_long, b.icmp_unsigned(">", offset, b.sub(self.size, length)))

    def direct(self) -> ir.Value:
        """A LOCAL or RINGBUF dynptr (its bytes are plain memory)."""
        b, lo = self.lo.b, self.lo
        kind = b.and_(b.lshr(self.word, lo.const(DYNPTR_TYPE_SHIFT)), lo.const(DYNPTR_TYPE_MASK))
        local = b.icmp_unsigned("==", kind, lo.const(BPF_DYNPTR_TYPE_LOCAL))
        return b.or_(local, b.icmp_unsigned("==", kind, lo.const(BPF_DYNPTR_TYPE_RINGBUF)))

    def at(self, offset: ir.Value) -> ir.Value:
        b = self.lo.b
        return b.add(b.add(self.data, self.offset), offset)


def _u32(lo: Lowering, value: ir.Value) -> ir.Value:
    return lo.b.and_(value, lo.const(_U32))


def _unless(lo: Lowering, condition: ir.Value, otherwise: ir.Block, name: str) -> None:
    """Go on where ``condition`` is false; else to ``otherwise``."""
    going_on = lo.new_block(name)
    lo.b.cbranch(condition, otherwise, going_on)
    lo.continue_in(going_on)


def _fail(lo: Lowering, code: int, done: ir.Block, name: str) -> ir.Block:
    """A block answering -``code`` (0: NULL), then on to ``done``."""
    block, here = lo.new_block(name), lo.b.block
    lo.continue_in(block)
    answer(lo, -code, done)
    lo.continue_in(here)
    return block


def lower_dynptr_read(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_dynptr_read(dst, len, src, offset, flags)``."""
    done = lo.new_block("dynptr_done")
    python = python_call(lo, site, args, done)
    dst, length, offset, flags = args[0], _u32(lo, args[1]), _u32(lo, args[3]), args[4]
    src = _Dynptr(lo, args[2])
    b = lo.b
    refused = b.or_(src.null(), b.icmp_unsigned("!=", flags, lo.const(0)))
    _unless(lo, refused, _fail(lo, errno.EINVAL, done, "dynptr_einval"), "dynptr_read_flags")
    _unless(
        lo, src.out_of_bounds(offset, length), _fail(lo, errno.E2BIG, done, "dynptr_e2big"), "dynptr_fits"
    )
    _unless(lo, b.not_(src.direct()), python, "dynptr_read_direct")
    move_bytes(lo, dst, src.at(offset), length)
    answer(lo, 0, done)
    lo.continue_in(done)


def lower_dynptr_write(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_dynptr_write(dst, offset, src, len, flags)``."""
    done = lo.new_block("dynptr_done")
    python = python_call(lo, site, args, done)
    dst = _Dynptr(lo, args[0])
    offset, src, length, flags = _u32(lo, args[1]), args[2], _u32(lo, args[3]), args[4]
    b = lo.b
    einval = _fail(lo, errno.EINVAL, done, "dynptr_einval")
    _unless(lo, b.or_(dst.null(), dst.rdonly()), einval, "dynptr_writable")
    _unless(
        lo, dst.out_of_bounds(offset, length), _fail(lo, errno.E2BIG, done, "dynptr_e2big"), "dynptr_fits"
    )
    _unless(lo, b.not_(dst.direct()), python, "dynptr_write_direct")
    _unless(lo, b.icmp_unsigned("!=", flags, lo.const(0)), einval, "dynptr_write_flags")
    move_bytes(lo, dst.at(offset), src, length)
    answer(lo, 0, done)
    lo.continue_in(done)


def lower_dynptr_data(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_dynptr_data(ptr, offset, len)``: the bytes' address, or NULL."""
    done = lo.new_block("dynptr_done")
    python = python_call(lo, site, args, done)
    ptr, offset, length = _Dynptr(lo, args[0]), _u32(lo, args[1]), _u32(lo, args[2])
    b = lo.b
    null = _fail(lo, 0, done, "dynptr_null")
    _unless(
        lo, b.or_(b.or_(ptr.null(), ptr.out_of_bounds(offset, length)), ptr.rdonly()), null, "dynptr_sane"
    )
    _unless(lo, b.not_(ptr.direct()), python, "dynptr_data_direct")
    lo.set_reg(0, ptr.at(offset))
    b.branch(done)
    lo.continue_in(done)


def _set_null(lo: Lowering, ptr: ir.Value) -> None:
    """__bpf_dynptr_set_null(): the 16 bytes zeroed."""
    fill_bytes(lo, ptr, 0, lo.const(DYNPTR_BYTES))


def _init(lo: Lowering, ptr: ir.Value, data: ir.Value, dynptr_type: int, size: ir.Value) -> None:
    """bpf_dynptr_init(ptr, data, type, offset 0, size) (``size``: a u32 within DYNPTR_MAX_SIZE)."""
    b = lo.b
    b.store(data, b.inttoptr(ptr, I64.as_pointer()), align=1)
    word = b.or_(size, lo.const(dynptr_type << DYNPTR_TYPE_SHIFT))
    b.store(b.trunc(word, I32), b.inttoptr(b.add(ptr, lo.const(SIZE_AT)), I32.as_pointer()), align=1)
    b.store(lo.const(0, 32), b.inttoptr(b.add(ptr, lo.const(OFFSET_AT)), I32.as_pointer()), align=1)


def lower_dynptr_from_mem(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_dynptr_from_mem(data, size, flags, ptr)``: a LOCAL dynptr and 0, or a null one and
    -E2BIG (the size) or -EINVAL (flags)."""
    b = lo.b
    data, size, flags, ptr = args[0], _u32(lo, args[1]), args[2], args[3]
    too_big = b.icmp_unsigned(">", size, lo.const(DYNPTR_MAX_SIZE))
    refused = b.or_(too_big, b.icmp_unsigned("!=", flags, lo.const(0)))
    made, null = lo.new_block("dynptr_made"), lo.new_block("dynptr_refused")
    done = lo.new_block("dynptr_done")
    b.cbranch(refused, null, made)
    lo.continue_in(null)
    _set_null(lo, ptr)
    lo.set_reg(0, b.select(too_big, lo.const(-errno.E2BIG), lo.const(-errno.EINVAL)))
    b.branch(done)
    lo.continue_in(made)
    _init(lo, ptr, data, BPF_DYNPTR_TYPE_LOCAL, size)
    answer(lo, 0, done)
    lo.continue_in(done)


def lower_ringbuf_reserve_dynptr(
    lo: Lowering, site: Site, ring: NativeRing, args: Sequence[ir.Value]
) -> None:
    """r0 = ``bpf_ringbuf_reserve_dynptr(ring, size, flags, ptr)``: a RINGBUF dynptr over a record held
    natively and 0, or a null dynptr and -errno."""
    b = lo.b
    done = lo.new_block("dynptr_done")
    python = python_call(lo, site, args, done)
    size, flags, ptr = _u32(lo, args[1]), args[2], args[3]
    held = held_list(lo, ring)
    count = b.load(held)
    room = b.icmp_unsigned("<", count, lo.const(HELD_RECORDS))
    checked = lo.new_block("dynptr_reserve_checked")
    b.cbranch(b.and_(armed(lo), room), checked, python).set_weights([1000, 1])

    def refuse(code: int, name: str) -> ir.Block:
        block, here = lo.new_block(name), b.block
        lo.continue_in(block)
        _set_null(lo, ptr)
        answer(lo, -code, done)
        lo.continue_in(here)
        return block

    lo.continue_in(checked)
    _unless(
        lo, b.icmp_unsigned("!=", flags, lo.const(0)), refuse(errno.EINVAL, "dynptr_einval"), "dynptr_flags"
    )
    too_big = b.icmp_unsigned(">", size, lo.const(DYNPTR_MAX_SIZE))
    _unless(lo, too_big, refuse(errno.E2BIG, "dynptr_e2big"), "dynptr_size")
    no_room = refuse(errno.EINVAL, "dynptr_no_room")
    largest = min(ring.max_entries - HDR_SZ, RINGBUF_MAX_RECORD_SZ)  # larger: no room
    _unless(lo, b.icmp_unsigned(">", size, lo.const(largest)), no_room, "dynptr_fits_ring")
    header_address = reserve(lo, ring, size, python, lambda: b.branch(no_room))
    data_address = b.add(header_address, lo.const(HDR_SZ))
    entry = b.add(lo.const(1), b.mul(count, lo.const(2)))
    b.store(data_address, b.gep(held, [entry]))
    b.store(size, b.gep(held, [b.add(entry, lo.const(1))]))
    b.store(b.add(count, lo.const(1)), held)
    _init(lo, ptr, data_address, BPF_DYNPTR_TYPE_RINGBUF, size)
    answer(lo, 0, done)
    lo.continue_in(done)


def lower_ringbuf_commit_dynptr(
    lo: Lowering, site: Site, rings: Sequence[NativeRing], args: Sequence[ir.Value], *, discard: bool
) -> None:
    """``bpf_ringbuf_submit_dynptr(ptr, flags)`` (``discard``: ``bpf_ringbuf_discard_dynptr``): the
    dynptr's record released natively when the run holds it so, the dynptr nulled; r0 = 0."""
    b = lo.b
    done = lo.new_block("dynptr_done")
    python = python_call(lo, site, args, done)
    ptr = args[0]
    data = b.load(b.inttoptr(ptr, I64.as_pointer()), align=1)
    nothing = _fail(lo, 0, done, "dynptr_no_record")
    _unless(lo, b.icmp_unsigned("==", data, lo.const(0)), nothing, "dynptr_record")
    release_held(lo, rings, data, python, done, discard=discard, released=lambda: _set_null(lo, ptr))
    lo.continue_in(done)


__all__ = [
    "lower_dynptr_data",
    "lower_dynptr_from_mem",
    "lower_dynptr_read",
    "lower_dynptr_write",
    "lower_ringbuf_commit_dynptr",
    "lower_ringbuf_reserve_dynptr",
]
