"""The kernel-side XDP context (``struct xdp_buff``) of one run, and the XDP packet helpers.

Mirrors include/net/xdp.h and the XDP helpers of net/core/filter.c:

* ``XdpKernelCtx`` lays out, in native memory, what an XDP program's rewritten ctx loads read:
  ``struct xdp_buff`` (data, data_end, data_meta, data_hard_start, rxq, txq, frame_sz, flags — the
  kernel's own offsets), the ``xdp_rxq_info`` its ``rxq`` points to (dev, queue_index) and a
  minimal ``net_device`` (ifindex).  ``XdpState`` owns it with the packet page (headroom, linear
  data, room for ``skb_shared_info``) and the fragments of a multi-buffer packet.  Programs reach
  the packet page only between data_meta (data, when there is no metadata) and data_end: its
  region (``XdpState.region``) follows every helper that moves them, so headroom and tailroom are
  reachable only through ``bpf_xdp_adjust_head`` / ``_meta`` / ``_tail``, as the kernel's
  verifier checks packet pointers against data_end (``check_packet_access``).
* helpers, each reading its state from ``HelperContext.env.packet``:
  ``bpf_xdp_adjust_head`` (44), ``bpf_xdp_adjust_meta`` (54), ``bpf_xdp_adjust_tail`` (65,
  fragments included), ``bpf_redirect`` (23, the XDP flavour), ``bpf_redirect_map`` (51),
  ``bpf_xdp_get_buff_len`` (188), ``bpf_xdp_load_bytes`` (189), ``bpf_xdp_store_bytes`` (190),
  ``bpf_check_mtu`` (163, bpf_xdp_check_mtu(): any flag -EINVAL, no device ``ifindex`` (0: the rx
  device) -ENODEV, else the linear length, or ``*mtu_len`` plus the device's hard header, plus
  ``len_diff`` against MTU + hard header; ``*mtu_len`` set to the MTU; the device read as
  ``pybpf.progtypes.skb_resize.device_info`` reads it), ``bpf_fib_lookup`` (69,
  ``bpf_xdp_fib_lookup``: ``pybpf.helpers.fib_lookup`` in the caller's namespace, always with the
  MTU check).

A redirect is recorded in ``XdpState.redirect`` (the verdict the API reports).  ``bpf_redirect_map``
is the kernel's ``__bpf_xdp_redirect_map`` through the map type's ``map_redirect``
(``MapOps.redirect_flags`` and ``redirect_target``): flags outside the fallback actions and the
type's own flags (a devmap's BPF_F_BROADCAST and BPF_F_EXCLUDE_INGRESS) give XDP_ABORTED; a key
with no target returns the low two bits of ``flags`` (XDP_ABORTED..XDP_TX) as the fallback action
— unless BPF_F_BROADCAST asks for a broadcast, which needs no entry — and a target gives
XDP_REDIRECT, which is what a test run reports (the kernel's test run does not send the frame).
"""

from __future__ import annotations

import ctypes
import errno
import struct
from dataclasses import dataclass

from pybpf.errors import HelperError
from pybpf.helpers import fib_lookup as fib
from pybpf.helpers.context import HelperContext
from pybpf.helpers.map_access import access_of, describe_map
from pybpf.helpers.registry import HelperRegistry
from pybpf.memory.regions import Memory, Region
from pybpf.progtypes.base import ETH_HLEN
from pybpf.progtypes.skb_resize import device_info
from pybpf.uapi import (
    BPF_F_BROADCAST,
    BPF_MTU_CHK_RET_FRAG_NEEDED,
    BPF_MTU_CHK_RET_SUCCESS,
    ENOTSUPP,
    XDP_ABORTED,
    XDP_DROP,
    XDP_PACKET_HEADROOM,
    XDP_PASS,
    XDP_REDIRECT,
    XDP_TX,
)

PAGE_SIZE = 4096
SKB_SHARED_INFO_ROOM = 320
"""SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64: the tailroom of every XDP buffer."""
XDP_FRAME_SIZE = 40
"""sizeof(struct xdp_frame): the head of the headroom that adjust_head/adjust_meta never reach."""
XDP_META_MAX = 255
"""type_max(skb_shared_info.meta_len): the largest metadata area (also 4-byte aligned)."""
MAX_SKB_FRAGS = 17
XDP_FLAGS_HAS_FRAGS = 1 << 0

_ZERO_PAGE = bytes(PAGE_SIZE)
_ZERO_VIEW = memoryview(_ZERO_PAGE)
_ACTION_MASK = XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX
U64 = (1 << 64) - 1


class NetDevice(ctypes.Structure):
    """The part of ``struct net_device`` an XDP program can reach: its ifindex."""

    _fields_ = (("ifindex", ctypes.c_uint32), ("real_num_rx_queues", ctypes.c_uint32))


class XdpRxqInfo(ctypes.Structure):
    """``struct xdp_rxq_info``: dev at 0 and queue_index at 8, as in the kernel."""

    _fields_ = (
        ("dev", ctypes.c_uint64),
        ("queue_index", ctypes.c_uint32),
        ("reg_state", ctypes.c_uint32),
        ("frag_size", ctypes.c_uint32),
        ("_pad", ctypes.c_uint32),
    )


class XdpTxqInfo(ctypes.Structure):
    """``struct xdp_txq_info``: the egress device (NULL outside devmap programs)."""

    _fields_ = (("dev", ctypes.c_uint64),)


class XdpBuff(ctypes.Structure):
    """``struct xdp_buff`` with the kernel's field order and offsets."""

    _fields_ = (
        ("data", ctypes.c_uint64),
        ("data_end", ctypes.c_uint64),
        ("data_meta", ctypes.c_uint64),
        ("data_hard_start", ctypes.c_uint64),
        ("rxq", ctypes.c_uint64),
        ("txq", ctypes.c_uint64),
        ("frame_sz", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
    )


class XdpKernelCtx(ctypes.Structure):
    """The whole kernel-side context of one run: the buffer first (r1 points at it)."""

    _fields_ = (("buff", XdpBuff), ("rxq", XdpRxqInfo), ("txq", XdpTxqInfo), ("dev", NetDevice))


_POINTERS = struct.Struct("=3Q")
"""data, data_end and data_meta: the first fields of ``XdpBuff`` (at the start of ``XdpKernelCtx``)."""
_U32 = struct.Struct("=I")
_FLAGS = XdpBuff.flags.offset
_QUEUE_INDEX = XdpKernelCtx.rxq.offset + XdpRxqInfo.queue_index.offset
_IFINDEX = XdpKernelCtx.dev.offset + NetDevice.ifindex.offset


@dataclass
class XdpRedirect:
    """Where the program asked the packet to go: an ifindex (bpf_redirect) or a map slot."""

    ifindex: int | None = None
    map: int | None = None
    key: int | None = None
    flags: int = 0


class XdpState:
    """One XDP packet: the page, the kernel-side ctx over it, the fragments and the verdict."""

    def __init__(self, *, headroom: int, linear: bytes, meta_len: int, ifindex: int, queue: int) -> None:
        self.page = (ctypes.c_char * PAGE_SIZE)()
        self.base = ctypes.addressof(self.page)
        self.kctx = XdpKernelCtx()
        self.address = ctypes.addressof(self.kctx)
        self.memory: Memory | None = None
        self.region: Region | None = None
        """The packet page as a region of the run's address space (set by the program type)."""
        buff, rxq = self.kctx.buff, self.kctx.rxq
        buff.data_hard_start = self.base
        buff.frame_sz = PAGE_SIZE
        buff.rxq = ctypes.addressof(rxq)
        rxq.dev = ctypes.addressof(self.kctx.dev)
        rxq.frag_size = PAGE_SIZE
        self._page_view = memoryview(self.page).cast("B")
        self._dirty = (0, 0)
        """The part of the page that may hold anything but zeroes: the packet a reset put there, as long
        as no helper moved its bounds (programs write nothing else: the page is reachable only
        through the packet region), else the whole page."""
        self._kctx_view = memoryview(self.kctx).cast("B")
        self._refilled: tuple[int, int] | None = None
        """The page offsets [data_meta, data_end) ``refill`` set the xdp_buff's pointers to, while
        nothing else wrote them (``reset``, a helper that moved the bounds: ``sync_region``):
        ``refill`` of the same bounds need not write them again, ``packet_bytes`` need not read them."""
        self._device = (-1, -1)
        """The (ifindex, queue) the context holds."""
        self.reset(headroom=headroom, linear=linear, meta_len=meta_len, ifindex=ifindex, queue=queue)

    def reset(
        self, headroom: int, linear: bytes | memoryview, meta_len: int, ifindex: int, queue: int
    ) -> None:
        """Start over as a new state would: a zeroed page with ``linear`` at ``headroom`` (data_meta;
        data ``meta_len`` bytes later), no fragments, no redirect, the device and queue given."""
        view = self._page_view
        start, end = headroom, headroom + len(linear)
        low, high = self._dirty
        if low < start:  # zero what the last packet left outside the new one
            view[low : min(high, start)] = _ZERO_VIEW[: min(high, start) - low]
        if high > end:
            low = max(low, end)
            view[low:high] = _ZERO_VIEW[: high - low]
        view[start:end] = linear
        self._dirty = (start, end)
        self._refilled = None
        self.frags: list[bytearray] = []
        self.redirect: XdpRedirect | None = None
        start = self.base + headroom  # data_meta; data follows the metadata
        kview = self._kctx_view
        _POINTERS.pack_into(kview, 0, start + meta_len, start + len(linear), start)
        _U32.pack_into(kview, _FLAGS, 0)
        if self._device != (ifindex, queue):  # only helpers write the rest, and none of these
            _U32.pack_into(kview, _QUEUE_INDEX, queue)
            _U32.pack_into(kview, _IFINDEX, ifindex)
            self._device = (ifindex, queue)

    def refill(self, headroom: int, linear: bytes, device: tuple[int, int]) -> None:
        """``reset(headroom, linear, 0, *device)``, for a plain packet (no metadata): what a test run
        kept ready does per call, writing only what the last run may have changed."""
        size = len(linear)
        start, end = headroom, headroom + size
        low, high = self._dirty
        if low < start or high > end or device != self._device:
            self.reset(headroom, linear, 0, *device)
            return
        self._page_view[start:end] = linear
        bounds = self._dirty = (start, end)
        if self.frags:
            self.frags = []
            _U32.pack_into(self._kctx_view, _FLAGS, 0)
        self.redirect = None
        if self._refilled != bounds:  # else the xdp_buff's pointers are still the ones written here
            self._refilled = bounds
            start += self.base
            _POINTERS.pack_into(self._kctx_view, 0, start, start + size, start)

    def expose(self, memory: Memory | None, region: Region | None) -> None:
        """Make ``region`` (registered over the packet page in ``memory``) the packet programs reach."""
        self.memory, self.region = memory, region
        self.sync_region()

    def sync_region(self) -> None:
        """Bound the packet region to [data_meta, data_end) (data_meta past data: no metadata)."""
        self._dirty = (0, PAGE_SIZE)  # a helper moved the bounds: the program may have written anywhere
        self._refilled = None
        if self.memory is not None and self.region is not None:
            self.memory.resize_region(self.region, *self.packet_bounds())

    # -- views ---------------------------------------------------------------------------------
    @property
    def buff(self) -> XdpBuff:
        buff: XdpBuff = self.kctx.buff
        return buff

    @property
    def has_frags(self) -> bool:
        return bool(self.buff.flags & XDP_FLAGS_HAS_FRAGS)

    def add_frag(self, data: bytes) -> None:
        self.frags.append(bytearray(data))
        self.buff.flags |= XDP_FLAGS_HAS_FRAGS

    @property
    def frags_size(self) -> int:
        return sum(len(frag) for frag in self.frags)

    def packet_length(self) -> int:
        """``xdp_get_buff_len``: the ``Packet`` view helpers use (fragments included)."""
        return self.buff_len()

    def copy_packet(self, offset: int, size: int) -> bytes:
        return self.copy(offset, size)

    def packet_pointer(self, offset: int, size: int) -> int | None:
        """bpf_xdp_pointer() for bytes in the linear part (a range inside one fragment is not
        program memory here: None, so a slice copies it into its buffer)."""
        buff = self.buff
        return buff.data + offset if offset + size <= buff.data_end - buff.data else None

    def load_packet(self, offset: int, size: int) -> bytes | int:
        """__bpf_xdp_load_bytes()."""
        error = _check_range(self, offset, size)
        return error if error else self.copy(offset, size)

    def store_packet(self, offset: int, payload: bytes, flags: int) -> int:
        """__bpf_xdp_store_bytes() (the caller has refused flags)."""
        error = _check_range(self, offset, len(payload))
        if not error:
            self.copy(offset, len(payload), payload)
        return error

    def buff_len(self) -> int:
        """``xdp_get_buff_len``: linear data plus fragments."""
        linear = int(self.buff.data_end - self.buff.data)
        return linear + (self.frags_size if self.has_frags else 0)

    def packet_bytes(self) -> bytes:
        """What BPF_PROG_TEST_RUN copies out: from data_meta to data_end, then the fragments."""
        refilled = self._refilled
        if refilled is not None:  # no fragments, the bounds as ``refill`` set them
            packet: bytes = self.page[refilled[0] : refilled[1]]  # type: ignore[assignment]
            return packet
        _, data_end, data_meta = _POINTERS.unpack_from(self._kctx_view)
        base = self.base
        linear: bytes = self.page[data_meta - base : data_end - base]  # type: ignore[assignment]  # c_char slices are bytes
        return linear + b"".join(bytes(frag) for frag in self.frags) if self.frags else linear

    def md_fields(self) -> tuple[int, int]:
        """``xdp_convert_buff_to_md``: (data, data_end) relative to data_meta."""
        data, data_end, data_meta = _POINTERS.unpack_from(self._kctx_view)
        return data - data_meta, data_end - data_meta

    def packet_bounds(self) -> tuple[int, int]:
        """What programs may reach of the page: [data_meta, data_end) (data_meta past data: no metadata)."""
        data, data_end, data_meta = _POINTERS.unpack_from(self._kctx_view)
        return min(data, data_meta), data_end

    # -- bytes across the linear part and the fragments (bpf_xdp_copy_buf) ----------------------
    def _segments(self) -> list[tuple[int | bytearray, int]]:
        linear = self.buff.data_end - self.buff.data
        segments: list[tuple[int | bytearray, int]] = [(self.buff.data, linear)]
        segments += [(frag, len(frag)) for frag in self.frags]
        return segments

    def copy(self, offset: int, length: int, data: bytes | None = None) -> bytes:
        """Read ``length`` bytes at packet ``offset`` (from data), or write ``data`` there."""
        out = bytearray()
        for where, size in self._segments():
            if length <= 0:
                break
            if offset >= size:
                offset -= size
                continue
            chunk = min(size - offset, length)
            if isinstance(where, int):
                if data is None:
                    out += ctypes.string_at(where + offset, chunk)
                else:
                    ctypes.memmove(where + offset, data[len(out) : len(out) + chunk], chunk)
                    out += bytes(chunk)
            elif data is None:
                out += where[offset : offset + chunk]
            else:
                where[offset : offset + chunk] = data[len(out) : len(out) + chunk]
                out += bytes(chunk)
            offset, length = 0, length - chunk
        return bytes(out)


def _state(ctx: HelperContext) -> XdpState:
    state = ctx.env.packet
    if not isinstance(state, XdpState):
        raise HelperError(None, "this helper needs the xdp_buff of an XDP run")
    return state


def _s32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value & 0x8000_0000 else value


def metalen_invalid(metalen: int) -> bool:
    """``xdp_metalen_invalid``: not 4-byte aligned, or larger than the metadata area may be."""
    return bool(metalen & 3) or metalen > XDP_META_MAX


XDP_HELPERS = HelperRegistry()
"""The XDP-only helpers, by kernel id (bpf_csum_diff comes from pybpf.helpers.csum)."""
_helper = XDP_HELPERS.helper


@_helper("bpf_xdp_adjust_head")
def xdp_adjust_head(ctx: HelperContext, _xdp: int, offset: int, *_: int) -> int:
    buff = _state(ctx).buff
    offset = _s32(offset)
    metalen = buff.data - buff.data_meta if buff.data_meta <= buff.data else 0
    data_start = buff.data_hard_start + XDP_FRAME_SIZE + metalen
    data = buff.data + offset
    if data < data_start or data > buff.data_end - ETH_HLEN:
        return -errno.EINVAL
    if metalen:
        ctypes.memmove(buff.data_meta + offset, buff.data_meta, metalen)
    buff.data_meta += offset
    buff.data = data
    _state(ctx).sync_region()
    return 0


@_helper("bpf_xdp_adjust_meta")
def xdp_adjust_meta(ctx: HelperContext, _xdp: int, offset: int, *_: int) -> int:
    buff = _state(ctx).buff
    if buff.data_meta > buff.data:  # xdp_data_meta_unsupported
        return -ENOTSUPP
    meta = buff.data_meta + _s32(offset)
    if meta < buff.data_hard_start + XDP_FRAME_SIZE or meta > buff.data:
        return -errno.EINVAL
    if metalen_invalid(buff.data - meta):
        return -errno.EACCES
    buff.data_meta = meta
    _state(ctx).sync_region()
    return 0


@_helper("bpf_xdp_adjust_tail")
def xdp_adjust_tail(ctx: HelperContext, _xdp: int, offset: int, *_: int) -> int:
    state = _state(ctx)
    buff = state.buff
    offset = _s32(offset)
    if state.has_frags:
        if offset >= 0:
            return _frags_increase_tail(state, offset)
        result = _frags_shrink_tail(state, -offset)
        state.sync_region()  # data_end moves once the fragments are gone
        return result
    data_hard_end = buff.data_hard_start + buff.frame_sz - SKB_SHARED_INFO_ROOM
    data_end = buff.data_end + offset
    if data_end > data_hard_end or data_end < buff.data + ETH_HLEN:
        return -errno.EINVAL
    if offset > 0:  # the kernel clears the grown area
        ctypes.memset(buff.data_end, 0, offset)
    buff.data_end = data_end
    state.sync_region()
    return 0


def _frags_increase_tail(state: XdpState, offset: int) -> int:
    frag = state.frags[-1]
    rxq = state.kctx.rxq
    if not rxq.frag_size or rxq.frag_size > state.buff.frame_sz:
        return -errno.EOPNOTSUPP
    if offset > rxq.frag_size - len(frag):
        return -errno.EINVAL
    frag.extend(bytes(offset))
    return 0


def _frags_shrink_tail(state: XdpState, offset: int) -> int:
    if offset > state.buff_len() - ETH_HLEN:
        return -errno.EINVAL
    while state.frags and offset > 0:
        frag = state.frags[-1]
        shrink = min(offset, len(frag))
        offset -= shrink
        if shrink == len(frag):
            state.frags.pop()
        else:
            del frag[len(frag) - shrink :]
            break
    if not state.frags:
        state.buff.flags &= ~XDP_FLAGS_HAS_FRAGS
        state.buff.data_end -= offset
    return 0


@_helper("bpf_redirect")
def xdp_redirect(ctx: HelperContext, ifindex: int, flags: int, *_: int) -> int:
    """The XDP flavour of bpf_redirect (``bpf_xdp_redirect``): any flag aborts."""
    state = _state(ctx)
    if flags:
        return XDP_ABORTED
    state.redirect = XdpRedirect(ifindex=ifindex & 0xFFFF_FFFF)
    return XDP_REDIRECT


@_helper("bpf_redirect_map")
def xdp_redirect_map(ctx: HelperContext, map_address: int, key: int, flags: int, *_: int) -> int:
    """``__bpf_xdp_redirect_map`` with the map type's flag mask and lookup."""
    state = _state(ctx)
    helper = "bpf_redirect_map"
    target_map = access_of(ctx.env.maps, helper).map_arg(map_address, helper, 1)
    impl = target_map.impl
    if impl.redirect_flags is None:
        raise HelperError(None, f"{helper}: R1 is {describe_map(target_map)}; {helper} takes devmaps")
    if flags & ~(_ACTION_MASK | impl.redirect_flags):
        return XDP_ABORTED
    key &= 0xFFFF_FFFF
    with target_map.lock:
        found = impl.redirect_target(key)
    if not found and not flags & BPF_F_BROADCAST:
        state.redirect = None  # a failed lookup clears any earlier redirect
        return flags & _ACTION_MASK
    keep = flags if flags & BPF_F_BROADCAST else 0
    state.redirect = XdpRedirect(map=map_address, key=key, flags=keep)
    return XDP_REDIRECT


@_helper("bpf_xdp_get_buff_len")
def xdp_get_buff_len(ctx: HelperContext, *_: int) -> int:
    return _state(ctx).buff_len()


def _check_range(state: XdpState, offset: int, length: int) -> int:
    """``bpf_xdp_pointer``'s checks: 0, or the negative errno."""
    if offset > 0xFFFF or length > 0xFFFF:
        return -errno.EFAULT
    if offset + length > state.buff_len():
        return -errno.EINVAL
    return 0


@_helper("bpf_xdp_load_bytes")
def xdp_load_bytes(ctx: HelperContext, _xdp: int, offset: int, buf: int, length: int, *_: int) -> int:
    loaded = _state(ctx).load_packet(offset & 0xFFFF_FFFF, length & 0xFFFF_FFFF)
    if isinstance(loaded, int):
        return loaded
    ctx.memory.write(buf, loaded)
    return 0


@_helper("bpf_xdp_store_bytes")
def xdp_store_bytes(ctx: HelperContext, _xdp: int, offset: int, buf: int, length: int, *_: int) -> int:
    state = _state(ctx)
    offset, length = offset & 0xFFFF_FFFF, length & 0xFFFF_FFFF
    error = _check_range(state, offset, length)
    if error:
        return error
    return state.store_packet(offset, ctx.memory.read(buf, length), 0)


__all__ = [
    "MAX_SKB_FRAGS",
    "PAGE_SIZE",
    "SKB_SHARED_INFO_ROOM",
    "XDP_FRAME_SIZE",
    "XDP_HELPERS",
    "XDP_META_MAX",
    "XDP_PACKET_HEADROOM",
    "NetDevice",
    "XdpBuff",
    "XdpKernelCtx",
    "XdpRedirect",
    "XdpRxqInfo",
    "XdpState",
    "XdpTxqInfo",
    "metalen_invalid",
]


@_helper("bpf_check_mtu")
def xdp_check_mtu(
    ctx: HelperContext, _xdp: int, ifindex: int, mtu_len: int, len_diff: int, flags: int
) -> int:
    """``long bpf_check_mtu(xdp, u32 ifindex, u32 *mtu_len, s32 len_diff, u64 flags)``."""
    state = _state(ctx)
    if flags:  # no segment check for XDP
        return -errno.EINVAL
    info = device_info(ctx.env, ifindex & 0xFFFF_FFFF or state.kctx.dev.ifindex)
    if info is None:
        return -errno.ENODEV
    mtu, hard_header, _ = info
    given = int.from_bytes(ctx.memory.read(mtu_len, 4), "little")
    length = _s32(given + hard_header) if given else state.buff.data_end - state.buff.data
    ctx.memory.write(mtu_len, (mtu & 0xFFFF_FFFF).to_bytes(4, "little"))
    if _s32(length + _s32(len_diff)) > mtu + hard_header:
        return BPF_MTU_CHK_RET_FRAG_NEEDED
    return BPF_MTU_CHK_RET_SUCCESS


@_helper("bpf_fib_lookup")
def xdp_fib_lookup(ctx: HelperContext, _xdp: int, params: int, plen: int, flags: int, *_: int) -> int:
    """``bpf_xdp_fib_lookup``: always with the MTU check (``tot_len`` 0 passes it)."""
    if _s32(plen) < fib.PARAMS_SIZE or flags & 0xFFFF_FFFF & ~fib.FLAGS_MASK:
        return -errno.EINVAL
    raw = bytearray(ctx.memory.read(params, fib.PARAMS_SIZE))
    result = fib.fib_lookup(raw, flags & 0xFFFF_FFFF, check_mtu=True)
    ctx.memory.write(params, bytes(raw))
    return result
