"""The dynptr kfuncs at run time: packet dynptrs and what any dynptr offers.

Mirrors net/core/filter.c and kernel/bpf/helpers.c of Linux 6.18 on ``struct bpf_dynptr_kern``
(``pybpf.helpers.dynptr``: the layout, and bpf_dynptr_read/write of packet dynptrs):

* bpf_dynptr_from_skb(skb, flags, ptr) / bpf_dynptr_from_xdp(xdp, flags, ptr): flags are -EINVAL
  (a null dynptr), else a dynptr of the packet from ``data`` on, of the packet's length
  (``skb->len``; xdp_get_buff_len(): fragments included); bpf_dynptr_from_skb_rdonly() makes it
  read-only (the verifier's fixup calls it in program types that may not write the packet);
* bpf_dynptr_slice(p, offset, buffer, size): NULL for a null dynptr or bounds that do not hold; a
  local dynptr's bytes; an skb's bytes where they are linear, else with a buffer
  skb_header_pointer() copies them into it, without one NULL; an xdp packet's linear bytes, else
  copied into the buffer (bpf_xdp_copy_buf()), or NULL without one.  bpf_dynptr_slice_rdwr() is
  NULL for a read-only dynptr too;
* bpf_dynptr_adjust(p, start, end): -EINVAL for a null dynptr or start > end, then -ERANGE past
  the size; else the window moves (offset += start, size = end - start);
* bpf_dynptr_is_null(), bpf_dynptr_is_rdonly() (false for a null one), bpf_dynptr_size() (-EINVAL
  for a null one), bpf_dynptr_clone(p, clone): a null source gives a null clone and -EINVAL, else
  the 16 bytes are copied.

Each is called like a helper, ``function(ctx, r1, r2, r3, r4, r5) -> r0``.  A range that lies
inside one XDP fragment is copied (the kernel would point into the fragment, which is not program
memory in pybpf): only a slice without a buffer tells the difference (NULL here).
"""

from __future__ import annotations

import errno

from pybpf.helpers.context import HelperContext
from pybpf.helpers.dynptr import (
    BPF_DYNPTR_SIZE,
    BPF_DYNPTR_TYPE_SKB,
    BPF_DYNPTR_TYPE_XDP,
    DIRECT_TYPES,
    DYNPTR_SIZE_MASK,
    PACKET_TYPES,
    DynptrKern,
    init,
    set_null,
    store,
)
from pybpf.isa.words import M32


def _from_packet(
    ctx: HelperContext, packet_ctx: int, flags: int, ptr: int, kind: int, *, rdonly: bool
) -> int:
    packet = ctx.env.packet
    if flags or packet is None:
        set_null(ctx, ptr)
        return -errno.EINVAL
    init(ctx, ptr, packet_ctx, kind, packet.packet_length(), rdonly=rdonly)
    return 0


def dynptr_from_skb(ctx: HelperContext, skb: int, flags: int, ptr: int, _r4: int, _r5: int) -> int:
    return _from_packet(ctx, skb, flags, ptr, BPF_DYNPTR_TYPE_SKB, rdonly=False)


def dynptr_from_skb_rdonly(ctx: HelperContext, skb: int, flags: int, ptr: int, _r4: int, _r5: int) -> int:
    return _from_packet(ctx, skb, flags, ptr, BPF_DYNPTR_TYPE_SKB, rdonly=True)


def dynptr_from_xdp(ctx: HelperContext, xdp: int, flags: int, ptr: int, _r4: int, _r5: int) -> int:
    return _from_packet(ctx, xdp, flags, ptr, BPF_DYNPTR_TYPE_XDP, rdonly=False)


def dynptr_slice(ctx: HelperContext, p: int, offset: int, buffer: int, size: int, _r5: int) -> int:
    dynptr = DynptrKern.at(ctx, p)
    offset &= M32
    size &= M32
    if not dynptr.data or not dynptr.fits(offset, size):
        return 0
    if dynptr.type in DIRECT_TYPES:
        return dynptr.at_offset(offset)
    packet = ctx.env.packet
    if dynptr.type not in PACKET_TYPES or packet is None:
        return 0
    at = dynptr.offset + offset
    pointer = packet.packet_pointer(at, size)
    if pointer is not None:
        return pointer
    if not buffer:
        return 0
    loaded = packet.load_packet(at, size)
    if isinstance(loaded, int):
        return 0
    ctx.charge_bytes(size)
    ctx.memory.write(buffer, loaded)
    return buffer


def dynptr_slice_rdwr(ctx: HelperContext, p: int, offset: int, buffer: int, size: int, _r5: int) -> int:
    dynptr = DynptrKern.at(ctx, p)
    if not dynptr.data or dynptr.rdonly:
        return 0
    return dynptr_slice(ctx, p, offset, buffer, size, 0)


def dynptr_adjust(ctx: HelperContext, p: int, start: int, end: int, _r4: int, _r5: int) -> int:
    dynptr = DynptrKern.at(ctx, p)
    start &= M32
    end &= M32
    if not dynptr.data or start > end:
        return -errno.EINVAL
    size = dynptr.size
    if start > size or end > size:
        return -errno.ERANGE
    word = (dynptr.size_word & ~DYNPTR_SIZE_MASK) | (end - start)
    store(ctx, p, DynptrKern(dynptr.data, word, (dynptr.offset + start) & M32))
    return 0


def dynptr_is_null(ctx: HelperContext, p: int, *_: int) -> int:
    return int(not DynptrKern.at(ctx, p).data)


def dynptr_is_rdonly(ctx: HelperContext, p: int, *_: int) -> int:
    dynptr = DynptrKern.at(ctx, p)
    return int(bool(dynptr.data) and dynptr.rdonly)


def dynptr_size(ctx: HelperContext, p: int, *_: int) -> int:
    dynptr = DynptrKern.at(ctx, p)
    return dynptr.size if dynptr.data else -errno.EINVAL & M32  # a __u32 result


def dynptr_clone(ctx: HelperContext, p: int, clone: int, *_: int) -> int:
    if not DynptrKern.at(ctx, p).data:
        set_null(ctx, clone)
        return -errno.EINVAL
    ctx.memory.write(clone, ctx.memory.read(p, BPF_DYNPTR_SIZE))
    return 0


__all__ = [
    "dynptr_adjust",
    "dynptr_clone",
    "dynptr_from_skb",
    "dynptr_from_skb_rdonly",
    "dynptr_from_xdp",
    "dynptr_is_null",
    "dynptr_is_rdonly",
    "dynptr_size",
    "dynptr_slice",
    "dynptr_slice_rdwr",
]
