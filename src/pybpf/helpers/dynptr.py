"""Dynptrs at run time: ``struct bpf_dynptr_kern`` on the program's stack and the helpers that make and
use local dynptrs and read, write and slice any dynptr -- bpf_dynptr_from_mem (197), bpf_dynptr_read
(201), bpf_dynptr_write (202), bpf_dynptr_data (203).

Mirrors kernel/bpf/helpers.c (Linux 6.18).  A ``struct bpf_dynptr`` the program holds is 16 bytes on
its stack (the verifier's two STACK_DYNPTR slots: ``pybpf.verifier.dynptr``); inside they are
``struct bpf_dynptr_kern``:

* bytes 0-7, ``data``: the address of the memory (NULL: a null dynptr, which every helper refuses);
* bytes 8-11, ``size``: the length in its low 24 bits (``DYNPTR_SIZE_MASK``; at most
  ``DYNPTR_MAX_SIZE``), the ``enum bpf_dynptr_type`` in bits 28-30, read-only in bit 31;
* bytes 12-15, ``offset``: where the dynptr's view starts in ``data``.

bpf_dynptr_init() writes the three, __bpf_dynptr_set_null() zeroes all 16 bytes.  The rules:

* from_mem(data, size, flags, ptr): a size past DYNPTR_MAX_SIZE -E2BIG, then flags -EINVAL (both leave
  a null dynptr); else a LOCAL dynptr over ``data`` and 0;
* read(dst, len, src, offset, flags): a null ``src`` or flags -EINVAL; ``len > size`` or
  ``offset > size - len`` -E2BIG (bpf_dynptr_check_off_len()); a LOCAL or RINGBUF dynptr's bytes
  copied (memmove: the areas may overlap) and 0;
* write(dst, offset, src, len, flags): a null or read-only ``dst`` -EINVAL, then the bounds -E2BIG,
  then for LOCAL and RINGBUF flags -EINVAL, else the bytes copied and 0;
* data(ptr, offset, len): the address of the bytes, or NULL for a null dynptr, bad bounds, a
  read-only dynptr, or a type that has no direct pointer.

An skb or xdp dynptr (``pybpf.kfuncs.dynptr_pkt`` makes them) has for ``data`` the context it was
made from; its bytes are the run's packet (``RunEnv.packet``) from ``data`` on, reached at each access
as the kernel reaches the skb or xdp_buff: read and write go through the packet's load and store
(``Packet.load_packet`` / ``store_packet``: __bpf_skb_load_bytes() (which zeroes ``dst`` when it
fails), __bpf_skb_store_bytes() with its flags, __bpf_xdp_load_bytes(), __bpf_xdp_store_bytes(),
flags -EINVAL); data is NULL for them (they are sliced with bpf_dynptr_slice).

The ring buffer's dynptr helpers (198-200) live with the ring buffer helpers
(``pybpf.helpers.maps``) and use this layout (``init``, ``set_null``, ``DynptrKern``). The JIT's
native forms (``pybpf.jit.native_dynptr``) work on the same 16 bytes, so a dynptr one engine made
reads the same on the other.
"""

from __future__ import annotations

import errno
import struct
from dataclasses import dataclass

from pybpf.helpers.context import HelperContext
from pybpf.helpers.registry import HelperRegistry

BPF_DYNPTR_SIZE = 16
DYNPTR_MAX_SIZE = (1 << 24) - 1
DYNPTR_SIZE_MASK = 0xFF_FFFF
DYNPTR_TYPE_SHIFT = 28
DYNPTR_TYPE_MASK = 0x7
DYNPTR_RDONLY_BIT = 1 << 31
BPF_DYNPTR_TYPE_INVALID, BPF_DYNPTR_TYPE_LOCAL, BPF_DYNPTR_TYPE_RINGBUF = 0, 1, 2
BPF_DYNPTR_TYPE_SKB, BPF_DYNPTR_TYPE_XDP = 3, 4
DIRECT_TYPES = frozenset({BPF_DYNPTR_TYPE_LOCAL, BPF_DYNPTR_TYPE_RINGBUF})
"""The dynptr types whose bytes are plain memory at ``data + offset`` (read, write, data)."""
PACKET_TYPES = frozenset({BPF_DYNPTR_TYPE_SKB, BPF_DYNPTR_TYPE_XDP})
"""The dynptr types whose bytes are the run's packet."""
DATA_AT, SIZE_AT, OFFSET_AT = 0, 8, 12
_KERN = struct.Struct("<QII")
_U32 = 0xFFFF_FFFF

DYNPTR_HELPERS = HelperRegistry()
"""The helpers of this module, by kernel id (``default_registry()`` includes them)."""
_helper = DYNPTR_HELPERS.helper


@dataclass(frozen=True)
class DynptrKern:
    """The 16 bytes of a ``struct bpf_dynptr_kern`` decoded."""

    data: int
    size_word: int
    offset: int

    @classmethod
    def at(cls, ctx: HelperContext, ptr: int) -> DynptrKern:
        return cls(*_KERN.unpack(ctx.memory.read(ptr, BPF_DYNPTR_SIZE)))

    @property
    def size(self) -> int:
        """__bpf_dynptr_size()."""
        return self.size_word & DYNPTR_SIZE_MASK

    @property
    def type(self) -> int:
        """bpf_dynptr_get_type()."""
        return self.size_word >> DYNPTR_TYPE_SHIFT & DYNPTR_TYPE_MASK

    @property
    def rdonly(self) -> bool:
        return bool(self.size_word & DYNPTR_RDONLY_BIT)

    def fits(self, offset: int, length: int) -> bool:
        """bpf_dynptr_check_off_len() passes (else -E2BIG)."""
        return length <= self.size and offset <= self.size - length

    def at_offset(self, offset: int) -> int:
        return self.data + self.offset + offset


def init(
    ctx: HelperContext, ptr: int, data: int, dynptr_type: int, size: int, *, rdonly: bool = False
) -> None:
    """bpf_dynptr_init(ptr, data, type, offset 0, size) (and bpf_dynptr_set_rdonly())."""
    word = size | dynptr_type << DYNPTR_TYPE_SHIFT | (DYNPTR_RDONLY_BIT if rdonly else 0)
    ctx.memory.write(ptr, _KERN.pack(data, word, 0))


def store(ctx: HelperContext, ptr: int, dynptr: DynptrKern) -> None:
    """Write ``dynptr`` back (bpf_dynptr_adjust(), bpf_dynptr_clone())."""
    ctx.memory.write(ptr, _KERN.pack(dynptr.data, dynptr.size_word, dynptr.offset))


def set_null(ctx: HelperContext, ptr: int) -> None:
    """__bpf_dynptr_set_null(): all 16 bytes zero."""
    ctx.memory.write(ptr, bytes(BPF_DYNPTR_SIZE))


@_helper("bpf_dynptr_from_mem")
def dynptr_from_mem(ctx: HelperContext, data: int, size: int, flags: int, ptr: int, _r5: int) -> int:
    """``long bpf_dynptr_from_mem(data, size, flags, ptr)``: a LOCAL dynptr over ``data``."""
    size &= _U32
    if size > DYNPTR_MAX_SIZE or flags:
        set_null(ctx, ptr)
        return -errno.E2BIG if size > DYNPTR_MAX_SIZE else -errno.EINVAL
    init(ctx, ptr, data, BPF_DYNPTR_TYPE_LOCAL, size)
    return 0


def read_bytes(ctx: HelperContext, dynptr: DynptrKern, offset: int, length: int) -> bytes | int:
    """__bpf_dynptr_read() of ``length`` bytes at ``offset``: the bytes, or -EINVAL (a null dynptr),
    -E2BIG (bpf_dynptr_check_off_len()), the packet's load error (-EFAULT: no such type).  An skb's
    failed load zeroes the destination in the kernel: the caller does that."""
    if not dynptr.data:
        return -errno.EINVAL
    if not dynptr.fits(offset, length):
        return -errno.E2BIG
    packet = ctx.env.packet
    if dynptr.type in PACKET_TYPES and packet is not None:
        loaded = packet.load_packet(dynptr.offset + offset, length)
        if isinstance(loaded, int):
            return loaded
        ctx.charge_bytes(length)
        return loaded
    if dynptr.type not in DIRECT_TYPES:
        return -errno.EFAULT
    ctx.charge_bytes(length)
    return ctx.memory.read(dynptr.at_offset(offset), length)


def write_bytes(ctx: HelperContext, dynptr: DynptrKern, offset: int, data: bytes, flags: int) -> int:
    """__bpf_dynptr_write() of ``data`` at ``offset``: 0, -EINVAL (a null or read-only dynptr, flags),
    -E2BIG (the bounds), the packet's store error (-EFAULT: no such type)."""
    length = len(data)
    if not dynptr.data or dynptr.rdonly:
        return -errno.EINVAL
    if not dynptr.fits(offset, length):
        return -errno.E2BIG
    packet = ctx.env.packet
    if dynptr.type in PACKET_TYPES and packet is not None:
        if dynptr.type == BPF_DYNPTR_TYPE_XDP and flags:
            return -errno.EINVAL
        ctx.charge_bytes(length)
        return packet.store_packet(dynptr.offset + offset, data, flags)
    if dynptr.type not in DIRECT_TYPES:
        return -errno.EFAULT
    if flags:
        return -errno.EINVAL
    ctx.charge_bytes(length)
    ctx.memory.write(dynptr.at_offset(offset), data)
    return 0


@_helper("bpf_dynptr_read")
def dynptr_read(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, dst: int, length: int, src: int, offset: int, flags: int
) -> int:
    """``long bpf_dynptr_read(dst, len, src, offset, flags)``: 0, -EINVAL, -E2BIG (-EFAULT: no such type)."""
    length, offset = length & _U32, offset & _U32
    dynptr = DynptrKern.at(ctx, src)
    if flags:
        return -errno.EINVAL
    loaded = read_bytes(ctx, dynptr, offset, length)
    if isinstance(loaded, int):
        if dynptr.type == BPF_DYNPTR_TYPE_SKB and dynptr.data and dynptr.fits(offset, length):
            ctx.memory.write(dst, bytes(length))  # __bpf_skb_load_bytes() zeroes it
        return loaded
    ctx.memory.write(dst, loaded)
    return 0


@_helper("bpf_dynptr_write")
def dynptr_write(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, dst: int, offset: int, src: int, length: int, flags: int
) -> int:
    """``long bpf_dynptr_write(dst, offset, src, len, flags)``: 0, -EINVAL, -E2BIG (-EFAULT: no such type)."""
    length, offset = length & _U32, offset & _U32
    dynptr = DynptrKern.at(ctx, dst)
    if not dynptr.data or dynptr.rdonly:
        return -errno.EINVAL
    if not dynptr.fits(offset, length):
        return -errno.E2BIG
    return write_bytes(ctx, dynptr, offset, ctx.memory.read(src, length), flags)


@_helper("bpf_dynptr_data")
def dynptr_data(ctx: HelperContext, ptr: int, offset: int, length: int, _r4: int, _r5: int) -> int:
    """``void *bpf_dynptr_data(ptr, offset, len)``: the address of the bytes, or NULL."""
    length, offset = length & _U32, offset & _U32
    dynptr = DynptrKern.at(ctx, ptr)
    if not dynptr.data or not dynptr.fits(offset, length) or dynptr.rdonly or dynptr.type not in DIRECT_TYPES:
        return 0
    return dynptr.at_offset(offset)


__all__ = [
    "BPF_DYNPTR_SIZE",
    "BPF_DYNPTR_TYPE_LOCAL",
    "BPF_DYNPTR_TYPE_RINGBUF",
    "BPF_DYNPTR_TYPE_SKB",
    "BPF_DYNPTR_TYPE_XDP",
    "DYNPTR_HELPERS",
    "DYNPTR_MAX_SIZE",
    "PACKET_TYPES",
    "DynptrKern",
    "init",
    "read_bytes",
    "set_null",
    "store",
    "write_bytes",
]
