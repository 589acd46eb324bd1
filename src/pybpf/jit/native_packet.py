"""The packet and checksum helpers as native code: bytes in and out of the packet, the checksum
replacers, and the XDP buffer adjustments that move the packet.

Mirrors net/core/filter.c as pybpf's Python helpers implement it on a test run's packet, with every
result and errno theirs:

* socket buffers (``pybpf.progtypes.skb_helpers``, ``pybpf.helpers.csum``; a linear skb):
  ``bpf_skb_load_bytes`` (26), ``bpf_skb_load_bytes_relative`` (68), ``bpf_skb_store_bytes`` (9,
  BPF_F_INVALIDATE_HASH clears skb->hash, BPF_F_RECOMPUTE_CSUM changes nothing observable),
  ``bpf_l3_csum_replace`` (10) and ``bpf_l4_csum_replace`` (11; BPF_F_MARK_MANGLED_0,
  BPF_F_MARK_ENFORCE, BPF_F_PSEUDO_HDR and BPF_F_IPV6 accepted, the field size in the low bits), the
  checksum arithmetic of include/net/checksum.h (``csum_replace2/4``, ``csum_replace_by_diff``);
* XDP buffers (``pybpf.progtypes.xdp_helpers``): ``bpf_xdp_load_bytes`` (189),
  ``bpf_xdp_store_bytes`` (190), ``bpf_xdp_adjust_head`` (44), ``bpf_xdp_adjust_meta`` (54) and
  ``bpf_xdp_adjust_tail`` (65), on the ``struct xdp_buff`` the program's context loads read.

The run's packet is found through the run state, never through the helper's r1 (the Python helpers
ignore it too and use ``RunEnv.packet``): ``NativePacket.start`` writes, at the start of each run,
``Field.XDP_BUFF`` (the address of the run's ``xdp_buff``) or the socket buffer's ``Field.SKB_*``
addresses, zero for any other packet.  The Python helper gets the call whenever the native code
cannot decide it alone: no packet of the helper's kind (it raises as on the interpreter), an XDP
buffer with fragments, a buffer argument of non-zero size outside the stack and the region table
(``pybpf.jit.native_memory``: it reads, writes or faults as on the interpreter).  Sizes and offsets
are the registers' low 32 bits, as the helpers take them; a size of 0 touches no memory.

Moving the packet: the adjustments write the xdp_buff's pointers (which the program's next
``ctx->data`` loads read), give the packet's entries of the region table and of the hot entries the
new bounds (``bpf_packet_moved``: what the JIT checks unverified packet accesses against), and set
``Field.PACKET_MOVED``; the ``Memory``'s packet region (and the state's record of what the page may
hold) follows through ``XdpState.sync_region`` (``NativePacket.sync``) before Python next looks at
the address space — at the trampoline, after a callback, at the end of the run (``JitSession``).
"""

from __future__ import annotations

import ctypes
import errno
from collections.abc import Callable, Sequence

from llvmlite import ir

from pybpf.helpers import csum
from pybpf.helpers.registry import Helper
from pybpf.isa.words import M32
from pybpf.jit.lower import HOT_MIN_LENGTH, I1, I16, I32, I64, STATE, Lowering, Site
from pybpf.jit.native_memory import accessible, fill_bytes, move_bytes
from pybpf.jit.state import HOT_ENTRIES, NEED_READ, NEED_WRITE, TABLE_ENTRIES, Field, NativeState
from pybpf.progtypes import skb_helpers, xdp_helpers
from pybpf.progtypes.base import ETH_HLEN
from pybpf.progtypes.skb import KOFF, SkbState
from pybpf.progtypes.xdp_helpers import (
    SKB_SHARED_INFO_ROOM,
    XDP_FLAGS_HAS_FRAGS,
    XDP_FRAME_SIZE,
    XDP_META_MAX,
    XdpBuff,
    XdpState,
)
from pybpf.uapi import (
    BPF_F_HDR_FIELD_MASK,
    BPF_F_INVALIDATE_HASH,
    BPF_F_IPV6,
    BPF_F_MARK_ENFORCE,
    BPF_F_MARK_MANGLED_0,
    BPF_F_PSEUDO_HDR,
    BPF_F_RECOMPUTE_CSUM,
    BPF_HDR_START_MAC,
    BPF_HDR_START_NET,
    ENOTSUPP,
)

EACCES = errno.EACCES
M16 = 0xFFFF
INT_MAX = 0x7FFF_FFFF
RELATIVE_OFFSET_MAX = 0xFFFF
"""``bpf_skb_load_bytes_relative``'s largest offset."""
XDP_RANGE_MAX = 0xFFFF
"""``bpf_xdp_pointer``'s largest offset and length."""
STORE_FLAGS = BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH
L3_FLAGS = BPF_F_HDR_FIELD_MASK
L4_FLAGS = BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR | BPF_F_HDR_FIELD_MASK | BPF_F_IPV6
CSUM_OFFSET_MAX = 0xFFFF
SKB_HASH_AT = KOFF["hash"]

BUFF_DATA, BUFF_DATA_END, BUFF_DATA_META, BUFF_HARD_START, BUFF_FRAME_SZ, BUFF_FLAGS = (
    int(getattr(XdpBuff, name).offset)
    for name in ("data", "data_end", "data_meta", "data_hard_start", "frame_sz", "flags")
)

MOVED = "bpf_packet_moved"
MOVED_TYPE = ir.FunctionType(ir.VoidType(), [STATE, I64, I64, I64, I64])
"""``void bpf_packet_moved(state, old_start, old_end, new_start, new_end)``."""

NativeLowerer = Callable[[Lowering, Site, Sequence[ir.Value]], None]


# -- the run's side, in Python -------------------------------------------------------------------------
class NativePacket:
    """A session's packet fields: written at the start of each run, synced after a native move."""

    def __init__(self, state: NativeState) -> None:
        self._fields = state.fields

    def start(self, packet: object) -> None:
        """Point the fields at ``packet`` (the run's ``RunEnv.packet``), zero where it is not of the kind."""
        fields = self._fields
        fields[Field.PACKET_MOVED] = 0
        if isinstance(packet, XdpState):
            fields[Field.XDP_BUFF] = packet.address
            fields[Field.SKB_DATA] = 0
        elif isinstance(packet, SkbState):
            head = packet.head
            data = head + packet.data
            fields[Field.XDP_BUFF] = 0
            fields[Field.SKB_DATA] = data
            fields[Field.SKB_END] = data + packet.length
            fields[Field.SKB_MAC] = head + packet.mac
            fields[Field.SKB_NETWORK] = head + packet.network
            fields[Field.SKB_HASH] = ctypes.addressof(packet.kern) + SKB_HASH_AT
        else:
            fields[Field.XDP_BUFF] = fields[Field.SKB_DATA] = 0

    def follow(self, packet: object) -> None:
        """After a Python helper reshaped a socket buffer (``pybpf.progtypes.skb_resize``: a push, a
        pop, a larger buffer): its data, end and header addresses again, as ``start`` writes them."""
        if isinstance(packet, SkbState):
            fields, head = self._fields, packet.head
            data = head + packet.data
            fields[Field.SKB_DATA] = data
            fields[Field.SKB_END] = data + packet.length
            fields[Field.SKB_MAC] = head + packet.mac
            fields[Field.SKB_NETWORK] = head + packet.network

    def moved(self) -> bool:
        """Whether a native helper moved the packet since the last ``sync``."""
        return bool(self._fields[Field.PACKET_MOVED])

    def sync(self, packet: object) -> None:
        """The ``Memory``'s packet region bounded as the xdp_buff now bounds the packet."""
        self._fields[Field.PACKET_MOVED] = 0
        if isinstance(packet, XdpState):
            packet.sync_region()


# -- building blocks -----------------------------------------------------------------------------------
class _Call:
    """One helper call lowered natively, with the way out to the Python helper: r0 is ``finish``'s
    value on the native path, the Python helper's on the way out."""

    def __init__(self, lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
        self.lo, self.site, self.args = lo, site, list(args)
        self.python = lo.new_block("packet_python")
        self.done = lo.new_block("packet_done")

    def python_unless(self, ok: ir.Value) -> None:
        """Hand the call to the Python helper unless ``ok``."""
        lo = self.lo
        native = lo.new_block("packet_native")
        lo.b.cbranch(ok, native, self.python).set_weights([1000, 1])
        lo.continue_in(native, dominated=True)

    def finish(self, result: ir.Value) -> None:
        lo, b = self.lo, self.lo.b
        lo.set_reg(0, result)
        b.branch(self.done)
        lo.continue_in(self.python)
        lo.set_reg(0, lo.trampoline(self.site.insn.imm, self.args, self.site.slot))
        b.branch(self.done)
        lo.continue_in(self.done)


def _error(lo: Lowering, checks: Sequence[tuple[ir.Value, int]]) -> ir.Value:
    """The negative errno of the first check that holds (each a condition and an errno), else 0."""
    b = lo.b
    result: ir.Value = lo.const(0)
    for failed, code in reversed(checks):
        result = b.select(failed, lo.const(-code), result)
    return result


def _load(lo: Lowering, address: ir.Value, kind: ir.IntType = I64) -> ir.Value:
    return lo.b.load(lo.b.inttoptr(address, kind.as_pointer()), align=1)


def _store(lo: Lowering, address: ir.Value, value: ir.Value) -> None:
    lo.b.store(value, lo.b.inttoptr(address, value.type.as_pointer()), align=1)


def _u32(lo: Lowering, value: ir.Value) -> ir.Value:
    return lo.b.and_(value, lo.const(M32))


def _s32(lo: Lowering, value: ir.Value) -> ir.Value:
    """The register's low 32 bits as a signed offset, widened."""
    return lo.b.sext(lo.b.trunc(value, I32), I64)


def _is(lo: Lowering, value: ir.Value, constant: int) -> ir.Value:
    return lo.b.icmp_unsigned("==", value, lo.const(constant, value.type.width))


def _above(lo: Lowering, value: ir.Value, limit: int) -> ir.Value:
    return lo.b.icmp_unsigned(">", value, lo.const(limit, value.type.width))


def _readable_or_empty(lo: Lowering, address: ir.Value, size: ir.Value, need: int) -> ir.Value:
    """A size of 0 touches nothing; else the bytes must lie in the stack or the region table."""
    return lo.b.or_(_is(lo, size, 0), accessible(lo, address, size, need))


# -- socket buffers ------------------------------------------------------------------------------------
def _skb_call(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> tuple[_Call, ir.Value, ir.Value]:
    """The call, skb->data and the packet's end (the Python helper's unless the run has a socket buffer)."""
    call = _Call(lo, site, args)
    data = lo.load_field(Field.SKB_DATA)
    call.python_unless(lo.b.icmp_unsigned("!=", data, lo.const(0)))
    return call, data, lo.load_field(Field.SKB_END)


def _within(lo: Lowering, start: ir.Value, size: ir.Value, end: ir.Value) -> ir.Value:
    """``start + size <= end`` (addresses and u32 sizes: no wrap)."""
    return lo.b.icmp_unsigned("<=", lo.b.add(start, size), end)


def _load_into(call: _Call, to: ir.Value, source: ir.Value, size: ir.Value, *, ok: ir.Value) -> None:
    """``to`` gets ``size`` bytes from ``source`` when ``ok``, zeroes otherwise; r0 = 0 or -EFAULT."""
    lo = call.lo
    b = lo.b
    call.python_unless(_readable_or_empty(lo, to, size, NEED_WRITE))
    with b.if_else(ok) as (copy, zero):
        with copy:
            move_bytes(lo, to, source, size)
        with zero:
            fill_bytes(lo, to, 0, size)
    call.finish(b.select(ok, lo.const(0), lo.const(-errno.EFAULT)))


def lower_skb_load_bytes(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_skb_load_bytes(skb, offset, to, len)``."""
    b = lo.b
    call, data, end = _skb_call(lo, site, args)
    offset, size = _u32(lo, args[1]), _u32(lo, args[3])
    source = b.add(data, offset)
    ok = b.and_(b.not_(_above(lo, offset, INT_MAX)), _within(lo, source, size, end))
    _load_into(call, args[2], source, size, ok=ok)


def lower_skb_load_bytes_relative(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_skb_load_bytes_relative(skb, offset, to, len, start_header)``."""
    b = lo.b
    call, _, end = _skb_call(lo, site, args)
    offset, size, header = _u32(lo, args[1]), _u32(lo, args[3]), _u32(lo, args[4])
    mac, network = lo.load_field(Field.SKB_MAC), lo.load_field(Field.SKB_NETWORK)
    known = b.or_(_is(lo, header, BPF_HDR_START_MAC), _is(lo, header, BPF_HDR_START_NET))
    begin = b.add(b.select(_is(lo, header, BPF_HDR_START_MAC), mac, network), offset)
    ok = b.and_(known, b.not_(_above(lo, offset, RELATIVE_OFFSET_MAX)))
    ok = b.and_(ok, b.and_(b.icmp_unsigned(">=", begin, mac), _within(lo, begin, size, end)))
    _load_into(call, args[2], begin, size, ok=ok)


def lower_skb_store_bytes(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_skb_store_bytes(skb, offset, from, len, flags)``."""
    b = lo.b
    call, data, end = _skb_call(lo, site, args)
    offset, source, size, flags = _u32(lo, args[1]), args[2], _u32(lo, args[3]), args[4]
    target = b.add(data, offset)
    error = _error(
        lo,
        [
            (b.icmp_unsigned("!=", b.and_(flags, lo.const(~STORE_FLAGS)), lo.const(0)), errno.EINVAL),
            (_above(lo, offset, INT_MAX), errno.EFAULT),
            (b.not_(_within(lo, target, size, end)), errno.EFAULT),
        ],
    )
    failed = b.icmp_unsigned("!=", error, lo.const(0))
    call.python_unless(b.or_(failed, _readable_or_empty(lo, source, size, NEED_READ)))
    with b.if_then(b.not_(failed)):
        move_bytes(lo, target, source, size)
        with b.if_then(b.icmp_unsigned("!=", b.and_(flags, lo.const(BPF_F_INVALIDATE_HASH)), lo.const(0))):
            _store(lo, lo.load_field(Field.SKB_HASH), lo.const(0, 32))
    call.finish(error)


# the checksum arithmetic (include/net/checksum.h), on i32 values
def _csum_add(lo: Lowering, csum_value: ir.Value, addend: ir.Value) -> ir.Value:
    b = lo.b
    res = b.add(csum_value, addend)
    return b.add(res, b.zext(b.icmp_unsigned("<", res, addend), I32))


def _csum_fold(lo: Lowering, csum_value: ir.Value) -> ir.Value:
    b = lo.b
    mask, sixteen = lo.const(M16, 32), lo.const(16, 32)
    for _ in range(2):
        csum_value = b.add(b.and_(csum_value, mask), b.lshr(csum_value, sixteen))
    return b.and_(b.not_(csum_value), mask)


def _csum16_add(lo: Lowering, csum_value: ir.Value, addend: ir.Value) -> ir.Value:
    """``csum16_add`` of two 16-bit values held in i32s."""
    b = lo.b
    mask = lo.const(M16, 32)
    res = b.and_(b.add(csum_value, addend), mask)
    return b.and_(b.add(res, b.zext(b.icmp_unsigned("<", res, addend), I32)), mask)


def _replace2(lo: Lowering, check: ir.Value, old: ir.Value, new: ir.Value) -> ir.Value:
    """``csum_replace2`` (16-bit ``old`` and ``new`` in i32s)."""
    b = lo.b
    mask = lo.const(M16, 32)
    inverse = b.xor(check, mask)
    return b.xor(_csum16_add(lo, _csum16_add(lo, inverse, b.xor(old, mask)), new), mask)


def _replace4(lo: Lowering, check: ir.Value, old: ir.Value, new: ir.Value) -> ir.Value:
    b = lo.b
    return _csum_fold(lo, _csum_add(lo, _csum_add(lo, b.not_(check), b.not_(old)), new))


def _replace_by_diff(lo: Lowering, check: ir.Value, diff: ir.Value) -> ir.Value:
    return _csum_fold(lo, _csum_add(lo, diff, lo.b.not_(check)))


def _csum_replace_lowerer(l4: bool) -> NativeLowerer:
    allowed = L4_FLAGS if l4 else L3_FLAGS

    def lower(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
        """r0 = ``bpf_l3/l4_csum_replace(skb, offset, from, to, flags)``."""
        b = lo.b
        call, data, end = _skb_call(lo, site, args)
        offset, old, new, flags = _u32(lo, args[1]), args[2], args[3], args[4]
        where = b.add(data, offset)
        rejected = _error(
            lo,
            [
                (b.icmp_unsigned("!=", b.and_(flags, lo.const(~allowed)), lo.const(0)), errno.EINVAL),
                (b.or_(_above(lo, offset, CSUM_OFFSET_MAX), b.trunc(offset, I1)), errno.EFAULT),
                (b.not_(_within(lo, where, lo.const(2), end)), errno.EFAULT),
            ],
        )
        before = b.block
        with b.if_then(_is(lo, rejected, 0)):
            check = b.zext(_load(lo, where, I16), I32)
            field = b.and_(flags, lo.const(BPF_F_HDR_FIELD_MASK))
            old32, new32 = b.trunc(old, I32), b.trunc(new, I32)
            if l4:  # inet_proto_csum_replace2 widens the 16-bit values and replaces as 32 bits
                mask = lo.const(M16, 32)
                two = _replace4(lo, check, b.and_(old32, mask), b.and_(new32, mask))
            else:
                two = _replace2(lo, check, b.and_(old32, lo.const(M16, 32)), b.and_(new32, lo.const(M16, 32)))
            by_field = b.select(
                _is(lo, field, 0),
                _replace_by_diff(lo, check, new32),
                b.select(_is(lo, field, 2), two, _replace4(lo, check, old32, new32)),
            )
            sized = b.or_(_is(lo, field, 2), _is(lo, field, 4))
            diff_with_old = b.and_(_is(lo, field, 0), b.icmp_unsigned("!=", old, lo.const(0)))
            bad_field = b.and_(b.not_(_is(lo, field, 0)), b.not_(sized))
            field_error = _error(lo, [(diff_with_old, errno.EINVAL), (bad_field, errno.EINVAL)])
            keep = ir.Constant(I1, 0)
            if l4:
                mangled = b.icmp_unsigned("!=", b.and_(flags, lo.const(BPF_F_MARK_MANGLED_0)), lo.const(0))
                enforced = b.icmp_unsigned("!=", b.and_(flags, lo.const(BPF_F_MARK_ENFORCE)), lo.const(0))
                keep = b.and_(b.and_(mangled, b.not_(enforced)), _is(lo, check, 0))
                by_field = b.select(b.and_(mangled, _is(lo, by_field, 0)), lo.const(M16, 32), by_field)
            with b.if_then(b.and_(b.not_(keep), _is(lo, field_error, 0))):
                _store(lo, where, b.trunc(by_field, I16))
            replaced = b.select(keep, lo.const(0), field_error)
            after = b.block
        result = b.phi(I64, name="csum_replace")
        result.add_incoming(rejected, before)
        result.add_incoming(replaced, after)
        call.finish(result)

    return lower


lower_l3_csum_replace = _csum_replace_lowerer(l4=False)
lower_l4_csum_replace = _csum_replace_lowerer(l4=True)


# -- XDP buffers ---------------------------------------------------------------------------------------
def _xdp_call(
    lo: Lowering, site: Site, args: Sequence[ir.Value], *, linear_only: bool
) -> tuple[_Call, ir.Value]:
    """The call and the run's xdp_buff (the Python helper's unless the run has one, or, ``linear_only``,
    when it has fragments)."""
    b = lo.b
    call = _Call(lo, site, args)
    buff = lo.load_field(Field.XDP_BUFF)
    call.python_unless(b.icmp_unsigned("!=", buff, lo.const(0)))
    if linear_only:
        flags = _load(lo, b.add(buff, lo.const(BUFF_FLAGS)), I32)
        call.python_unless(_is(lo, b.and_(flags, lo.const(XDP_FLAGS_HAS_FRAGS, 32)), 0))
    return call, buff


def _buff_word(lo: Lowering, buff: ir.Value, at: int) -> ir.Value:
    return _load(lo, lo.b.add(buff, lo.const(at)))


def _set_buff_word(lo: Lowering, buff: ir.Value, at: int, value: ir.Value) -> None:
    _store(lo, lo.b.add(buff, lo.const(at)), value)


def _umin(lo: Lowering, a: ir.Value, c: ir.Value) -> ir.Value:
    return lo.b.select(lo.b.icmp_unsigned("<=", a, c), a, c)


def _xdp_bytes_lowerer(store: bool) -> NativeLowerer:
    def lower(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
        """r0 = ``bpf_xdp_load_bytes`` / ``bpf_xdp_store_bytes(xdp, offset, buf, len)``."""
        b = lo.b
        call, buff = _xdp_call(lo, site, args, linear_only=True)
        offset, buf, size = _u32(lo, args[1]), args[2], _u32(lo, args[3])
        data, data_end = _buff_word(lo, buff, BUFF_DATA), _buff_word(lo, buff, BUFF_DATA_END)
        error = _error(
            lo,
            [
                (b.or_(_above(lo, offset, XDP_RANGE_MAX), _above(lo, size, XDP_RANGE_MAX)), errno.EFAULT),
                (b.icmp_unsigned(">", b.add(offset, size), b.sub(data_end, data)), errno.EINVAL),
            ],
        )
        failed = b.icmp_unsigned("!=", error, lo.const(0))
        need = NEED_READ if store else NEED_WRITE
        call.python_unless(b.or_(failed, _readable_or_empty(lo, buf, size, need)))
        with b.if_then(b.not_(failed)):
            at = b.add(data, offset)
            if store:
                move_bytes(lo, at, buf, size)
            else:
                move_bytes(lo, buf, at, size)
        call.finish(error)

    return lower


lower_xdp_load_bytes = _xdp_bytes_lowerer(store=False)
lower_xdp_store_bytes = _xdp_bytes_lowerer(store=True)


def _moved(lo: Lowering, old: tuple[ir.Value, ir.Value], new: tuple[ir.Value, ir.Value]) -> None:
    lo.b.call(_moved_function(lo), [lo.state, *old, *new])


def lower_xdp_adjust_head(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_xdp_adjust_head(xdp, offset)``: data (and the metadata before it) moved by ``offset``."""
    b = lo.b
    call, buff = _xdp_call(lo, site, args, linear_only=False)
    offset = _s32(lo, args[1])
    data, data_end = _buff_word(lo, buff, BUFF_DATA), _buff_word(lo, buff, BUFF_DATA_END)
    meta, hard_start = _buff_word(lo, buff, BUFF_DATA_META), _buff_word(lo, buff, BUFF_HARD_START)
    metalen = b.select(b.icmp_unsigned("<=", meta, data), b.sub(data, meta), lo.const(0))
    data_start = b.add(hard_start, b.add(lo.const(XDP_FRAME_SIZE), metalen))
    moved = b.add(data, offset)
    invalid = b.or_(
        b.icmp_signed("<", moved, data_start), b.icmp_signed(">", moved, b.sub(data_end, lo.const(ETH_HLEN)))
    )
    with b.if_then(b.not_(invalid)):
        moved_meta = b.add(meta, offset)
        move_bytes(lo, moved_meta, meta, metalen)
        _set_buff_word(lo, buff, BUFF_DATA_META, moved_meta)
        _set_buff_word(lo, buff, BUFF_DATA, moved)
        _moved(lo, (_umin(lo, data, meta), data_end), (_umin(lo, moved, moved_meta), data_end))
    call.finish(b.select(invalid, lo.const(-errno.EINVAL), lo.const(0)))


def lower_xdp_adjust_meta(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_xdp_adjust_meta(xdp, offset)``: data_meta moved by ``offset``."""
    b = lo.b
    call, buff = _xdp_call(lo, site, args, linear_only=False)
    data, data_end = _buff_word(lo, buff, BUFF_DATA), _buff_word(lo, buff, BUFF_DATA_END)
    meta, hard_start = _buff_word(lo, buff, BUFF_DATA_META), _buff_word(lo, buff, BUFF_HARD_START)
    moved = b.add(meta, _s32(lo, args[1]))
    metalen = b.sub(data, moved)
    error = _error(
        lo,
        [
            (b.icmp_unsigned(">", meta, data), ENOTSUPP),
            (
                b.or_(
                    b.icmp_signed("<", moved, b.add(hard_start, lo.const(XDP_FRAME_SIZE))),
                    b.icmp_signed(">", moved, data),
                ),
                errno.EINVAL,
            ),
            (b.or_(_above(lo, b.and_(metalen, lo.const(3)), 0), _above(lo, metalen, XDP_META_MAX)), EACCES),
        ],
    )
    with b.if_then(_is(lo, error, 0)):
        _set_buff_word(lo, buff, BUFF_DATA_META, moved)
        _moved(lo, (meta, data_end), (moved, data_end))
    call.finish(error)


def lower_xdp_adjust_tail(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_xdp_adjust_tail(xdp, offset)`` of a linear buffer: data_end moved by ``offset``, the
    grown bytes zeroed."""
    b = lo.b
    call, buff = _xdp_call(lo, site, args, linear_only=True)
    offset = _s32(lo, args[1])
    data, data_end = _buff_word(lo, buff, BUFF_DATA), _buff_word(lo, buff, BUFF_DATA_END)
    meta, hard_start = _buff_word(lo, buff, BUFF_DATA_META), _buff_word(lo, buff, BUFF_HARD_START)
    frame_size = b.zext(_load(lo, b.add(buff, lo.const(BUFF_FRAME_SZ)), I32), I64)
    hard_end = b.sub(b.add(hard_start, frame_size), lo.const(SKB_SHARED_INFO_ROOM))
    moved = b.add(data_end, offset)
    invalid = b.or_(
        b.icmp_signed(">", moved, hard_end), b.icmp_signed("<", moved, b.add(data, lo.const(ETH_HLEN)))
    )
    with b.if_then(b.not_(invalid)):
        grown = b.icmp_signed(">", offset, lo.const(0))
        fill_bytes(lo, data_end, 0, b.select(grown, offset, lo.const(0)))
        _set_buff_word(lo, buff, BUFF_DATA_END, moved)
        start = _umin(lo, data, meta)
        _moved(lo, (start, data_end), (start, moved))
    call.finish(b.select(invalid, lo.const(-errno.EINVAL), lo.const(0)))


def _moved_function(lo: Lowering) -> ir.Function:
    """The module's ``bpf_packet_moved``: the table entries and hot entries that hold the packet's old
    bounds get its new ones (a hot entry shorter than ``HOT_MIN_LENGTH`` is emptied, as the memory
    checks' own refill does), and ``Field.PACKET_MOVED`` is set."""
    existing = lo.module.globals.get(MOVED)
    if isinstance(existing, ir.Function):
        return existing
    function = ir.Function(lo.module, MOVED_TYPE, name=MOVED)
    function.linkage = "internal"
    for attribute in ("noinline", "cold", "optsize"):
        function.attributes.add(attribute)
    state, old_start, old_end, new_start, new_end = function.args
    b = ir.IRBuilder(function.append_basic_block("entry"))

    def slot(index: ir.Value | int) -> ir.Value:
        value = index if isinstance(index, ir.Value) else ir.Constant(I64, index)
        return b.gep(state, [value], inbounds=True)

    for entry in range(TABLE_ENTRIES):
        base = Field.TABLE + 3 * entry
        holds = b.and_(
            b.icmp_unsigned("==", b.load(slot(base)), old_start),
            b.icmp_unsigned("==", b.load(slot(base + 1)), old_end),
        )
        with b.if_then(holds):
            b.store(new_start, slot(base))
            b.store(new_end, slot(base + 1))
    old_length, new_length = b.sub(old_end, old_start), b.sub(new_end, new_start)
    long_enough = b.icmp_unsigned(">=", new_length, ir.Constant(I64, HOT_MIN_LENGTH))
    for entry in range(HOT_ENTRIES):
        base = Field.HOT + 3 * entry
        holds = b.and_(
            b.icmp_unsigned("==", b.load(slot(base)), old_start),
            b.icmp_unsigned("==", b.load(slot(base + 1)), old_length),
        )
        with b.if_then(holds):
            b.store(new_start, slot(base))
            b.store(new_length, slot(base + 1))
            access = b.load(slot(base + 2))
            b.store(b.select(long_enough, access, ir.Constant(I64, 0)), slot(base + 2))
    b.store(ir.Constant(I64, 1), slot(Field.PACKET_MOVED))
    b.ret_void()
    return function


# -- the registration ----------------------------------------------------------------------------------
PACKET_CALLS: dict[Helper, NativeLowerer] = {
    skb_helpers.skb_load_bytes: lower_skb_load_bytes,
    skb_helpers.skb_load_bytes_relative: lower_skb_load_bytes_relative,
    skb_helpers.skb_store_bytes: lower_skb_store_bytes,
    skb_helpers.l3_csum_replace: lower_l3_csum_replace,
    skb_helpers.l4_csum_replace: lower_l4_csum_replace,
    csum.bpf_l3_csum_replace: lower_l3_csum_replace,
    csum.bpf_l4_csum_replace: lower_l4_csum_replace,
    xdp_helpers.xdp_load_bytes: lower_xdp_load_bytes,
    xdp_helpers.xdp_store_bytes: lower_xdp_store_bytes,
    xdp_helpers.xdp_adjust_head: lower_xdp_adjust_head,
    xdp_helpers.xdp_adjust_meta: lower_xdp_adjust_meta,
    xdp_helpers.xdp_adjust_tail: lower_xdp_adjust_tail,
}
"""pybpf's packet helpers and their native lowerings (``pybpf.jit.native_helpers`` registers them)."""
PACKET_LOWERERS = frozenset(PACKET_CALLS.values())


__all__ = ["PACKET_CALLS", "PACKET_LOWERERS", "NativePacket"]
