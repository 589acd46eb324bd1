"""Internet checksum arithmetic and the checksum helpers bpf_csum_diff, bpf_l3/l4_csum_replace.

Mirrors include/net/checksum.h (``csum_add``, ``csum_sub``, ``csum_fold``, ``csum16_add``,
``csum_replace2/4``, ``csum_replace_by_diff``), the x86-64 ``csum_partial`` (a 32-bit ones'
complement sum, end-around carried, of the buffer read as little-endian words) and the helpers of
net/core/filter.c:

* ``bpf_csum_diff`` (28): the partial checksum of ``~from`` words followed by ``to`` words, seeded
  with ``seed`` and folded to 16 bits.  Linux >= 6.12 sums the buffers in place: no 512-byte
  limit and no multiple-of-4 rule any more (a short tail counts as zero-padded).
* ``bpf_l3_csum_replace`` (10) and ``bpf_l4_csum_replace`` (11): patch the 16-bit checksum at
  ``offset`` of the packet for a field changing from ``from`` to ``to`` (field size 2 or 4 in the
  low flag bits, 0 for a precomputed diff in ``to``); l4 accepts BPF_F_PSEUDO_HDR,
  BPF_F_MARK_MANGLED_0 (a zero checksum stays 0, a result of 0 becomes CSUM_MANGLED_0),
  BPF_F_MARK_ENFORCE and BPF_F_IPV6.  A test-run skb is CHECKSUM_NONE, so the pseudo-header flag
  changes nothing observable, as in the kernel.

The checksum arithmetic is generic (XDP uses it too); the two replace helpers reach the packet
through a ``PacketAccess`` (``pybpf.progtypes.skb`` provides the skb one), looked up in
``HelperContext.env.packet``.
"""

from __future__ import annotations

import errno
from typing import Protocol, runtime_checkable

from pybpf.errors import HelperError
from pybpf.helpers.context import HelperContext
from pybpf.isa.words import M32, M64
from pybpf.uapi import (
    BPF_F_HDR_FIELD_MASK,
    BPF_F_IPV6,
    BPF_F_MARK_ENFORCE,
    BPF_F_MARK_MANGLED_0,
    BPF_F_PSEUDO_HDR,
)

M16 = 0xFFFF

CSUM_MANGLED_0 = 0xFFFF


# -- arithmetic (include/net/checksum.h) ---------------------------------------------------------------
def csum_add(csum: int, addend: int) -> int:
    """32-bit ones' complement addition with end-around carry."""
    res = (csum + addend) & M32
    return (res + (res < (addend & M32))) & M32


def csum_sub(csum: int, addend: int) -> int:
    return csum_add(csum, ~addend & M32)


def csum16_add(csum: int, addend: int) -> int:
    res = (csum + addend) & M16
    return (res + (res < (addend & M16))) & M16


def csum16_sub(csum: int, addend: int) -> int:
    return csum16_add(csum, ~addend & M16)


def csum_fold(csum: int) -> int:
    """Fold a 32-bit partial sum to the 16-bit complemented checksum."""
    csum &= M32
    csum = (csum & M16) + (csum >> 16)
    csum = (csum & M16) + (csum >> 16)
    return ~csum & M16


def csum_partial(data: bytes | bytearray | memoryview, seed: int = 0) -> int:
    """x86-64 ``csum_partial`` of an aligned buffer: the canonical 32-bit ones' complement sum.

    Words are little-endian (the machine's order), a short tail is zero-padded; the result is the
    end-around-carried sum in [1, 2**32 - 1], or 0 only when the seed and every byte are zero.
    """
    raw = bytes(data)
    if len(raw) % 4:
        raw += bytes(4 - len(raw) % 4)
    total = (seed & M32) + sum(int.from_bytes(raw[i : i + 4], "little") for i in range(0, len(raw), 4))
    return 0 if total == 0 else (total - 1) % M32 + 1


def csum_from32to16(csum: int) -> int:
    """Fold a 32-bit partial sum to 16 bits with end-around carry (not complemented)."""
    csum &= M32
    rotated = ((csum >> 16) | (csum << 16)) & M32
    return ((csum + rotated) & M32) >> 16


def csum_diff(from_words: bytes, to_words: bytes, seed: int) -> int:
    """``bpf_csum_diff``'s value: the checksum of ``to`` minus that of ``from``, seeded, in 16 bits.

    As Linux >= 6.12: each buffer is summed on its own (``csum_partial``), combined with
    ``csum_sub`` (or the complement trick when only ``from`` is given) and folded with
    ``csum_from32to16`` so that every architecture returns the same value.
    """
    seed &= M32
    if from_words and to_words:
        return csum_from32to16(csum_sub(csum_partial(to_words, seed), csum_partial(from_words, 0)))
    if to_words:
        return csum_from32to16(csum_partial(to_words, seed))
    if from_words:
        return csum_from32to16(~csum_partial(from_words, ~seed & M32) & M32)
    return csum_from32to16(seed)


def csum_replace2(check: int, old: int, new: int) -> int:
    """The new value of 16-bit checksum ``check`` when a 16-bit field goes from ``old`` to ``new``."""
    return ~csum16_add(csum16_sub(~check & M16, old & M16), new & M16) & M16


def csum_replace4(check: int, old: int, new: int) -> int:
    """The new value of 16-bit checksum ``check`` when a 32-bit field goes from ``old`` to ``new``."""
    tmp = csum_sub(~check & M32, old & M32)
    return csum_fold(csum_add(tmp, new & M32))


def csum_replace_by_diff(check: int, diff: int) -> int:
    """The new value of 16-bit checksum ``check`` after adding the 32-bit partial sum ``diff``."""
    return csum_fold(csum_add(diff & M32, ~check & M32))


def _neg(err: int) -> int:
    return -err & M64


# -- helpers -------------------------------------------------------------------------------------------
def bpf_csum_diff(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, from_ptr: int, from_size: int, to_ptr: int, to_size: int, seed: int
) -> int:
    """bpf_csum_diff(from, from_size, to, to_size, seed) (helper 28)."""
    from_size &= M32
    to_size &= M32
    source = ctx.memory.read(from_ptr, from_size) if from_size else b""
    target = ctx.memory.read(to_ptr, to_size) if to_size else b""
    return csum_diff(source, target, seed & M32)


@runtime_checkable
class PacketAccess(Protocol):
    """What the replace helpers need of a packet: bounded 16-bit reads and writes at data + offset."""

    def make_writable(self, length: int) -> bool:
        """``bpf_try_make_writable(skb, length)``: the first ``length`` bytes exist (and are writable)."""
        ...

    def read16(self, offset: int) -> int:
        """The native-order u16 at data + offset."""
        ...

    def write16(self, offset: int, value: int) -> None: ...


def _packet(ctx: HelperContext) -> PacketAccess:
    packet = ctx.env.packet
    if not isinstance(packet, PacketAccess):
        raise HelperError(None, "checksum replace helpers need a socket buffer")
    return packet


def l3_csum_replace(packet: PacketAccess, offset: int, old: int, new: int, flags: int) -> int:
    """``bpf_l3_csum_replace`` on ``packet``: 0 or a negative errno (as u64)."""
    offset &= M32
    if flags & ~BPF_F_HDR_FIELD_MASK:
        return _neg(errno.EINVAL)
    if offset > 0xFFFF or offset & 1:
        return _neg(errno.EFAULT)
    if not packet.make_writable(offset + 2):
        return _neg(errno.EFAULT)
    check = packet.read16(offset)
    field = flags & BPF_F_HDR_FIELD_MASK
    if field == 0:
        if old:
            return _neg(errno.EINVAL)
        result = csum_replace_by_diff(check, new)
    elif field == 2:
        result = csum_replace2(check, old, new)
    elif field == 4:
        result = csum_replace4(check, old, new)
    else:
        return _neg(errno.EINVAL)
    packet.write16(offset, result)
    return 0


def l4_csum_replace(packet: PacketAccess, offset: int, old: int, new: int, flags: int) -> int:
    """``bpf_l4_csum_replace`` on ``packet`` for a CHECKSUM_NONE skb: 0 or a negative errno (as u64)."""
    offset &= M32
    allowed = BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR | BPF_F_HDR_FIELD_MASK | BPF_F_IPV6
    if flags & ~allowed:
        return _neg(errno.EINVAL)
    if offset > 0xFFFF or offset & 1:
        return _neg(errno.EFAULT)
    if not packet.make_writable(offset + 2):
        return _neg(errno.EFAULT)
    mangled = bool(flags & BPF_F_MARK_MANGLED_0)
    check = packet.read16(offset)
    if mangled and not flags & BPF_F_MARK_ENFORCE and not check:
        return 0
    field = flags & BPF_F_HDR_FIELD_MASK
    if field == 0:
        if old:
            return _neg(errno.EINVAL)
        result = csum_replace_by_diff(check, new)
    elif field == 2:  # inet_proto_csum_replace2 widens the 16-bit values and replaces as 32 bits
        result = csum_replace4(check, old & M16, new & M16)
    elif field == 4:
        result = csum_replace4(check, old, new)
    else:
        return _neg(errno.EINVAL)
    if mangled and not result:
        result = CSUM_MANGLED_0
    packet.write16(offset, result)
    return 0


def bpf_l3_csum_replace(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, skb: int, offset: int, old: int, new: int, flags: int
) -> int:
    """bpf_l3_csum_replace(skb, offset, from, to, flags) (helper 10)."""
    return l3_csum_replace(_packet(ctx), offset, old, new, flags)


def bpf_l4_csum_replace(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, skb: int, offset: int, old: int, new: int, flags: int
) -> int:
    """bpf_l4_csum_replace(skb, offset, from, to, flags) (helper 11)."""
    return l4_csum_replace(_packet(ctx), offset, old, new, flags)


__all__ = [
    "BPF_F_IPV6",
    "BPF_F_MARK_ENFORCE",
    "BPF_F_MARK_MANGLED_0",
    "BPF_F_PSEUDO_HDR",
    "CSUM_MANGLED_0",
    "PacketAccess",
    "bpf_csum_diff",
    "bpf_l3_csum_replace",
    "bpf_l4_csum_replace",
    "csum16_add",
    "csum16_sub",
    "csum_add",
    "csum_diff",
    "csum_fold",
    "csum_from32to16",
    "csum_partial",
    "csum_replace2",
    "csum_replace4",
    "csum_replace_by_diff",
    "csum_sub",
    "l3_csum_replace",
    "l4_csum_replace",
]
