"""The tunnel-metadata helpers of tc and LWT_XMIT programs: the ``ip_tunnel_info`` of a test-run skb.

Mirrors net/core/filter.c ``bpf_skb_get_tunnel_key`` (20), ``bpf_skb_set_tunnel_key`` (21),
``bpf_skb_get_tunnel_opt`` (29) and ``bpf_skb_set_tunnel_opt`` (30) (Linux 6.18).  The skb of
``bpf_prog_test_run_skb`` has no dst, so no tunnel info until the program sets one:
``set_tunnel_key`` attaches the per-CPU metadata dst (``md_dst``) to the skb and fills its
``ip_tunnel_info``, which the other three then read or extend, for the rest of the test run (its
repeats run on the same skb).  pybpf keeps that info in the run's ``SkbState.extra``.

* ``get_tunnel_key(skb, to, size, flags)``: no info or flags beyond BPF_F_TUNINFO_IPV6 |
  BPF_F_TUNINFO_FLAGS -EINVAL; an address family other than the info's -EPROTO; a size other than
  ``sizeof(struct bpf_tunnel_key)`` (44) or one of the older layouts' (28, 24, 22 bytes; 8 for IPv4
  info) -EINVAL; each error zeroes ``to``.  What it reads back is the *received* view of the info:
  the remote address is the info's source (what ``set_tunnel_key`` took as local), the local one
  its destination; ``tunnel_flags`` (with BPF_F_TUNINFO_FLAGS) are the info's flags as the old
  big-endian ``TUNNEL_*`` bits (``ip_tunnel_flags_to_be16``);
* ``set_tunnel_key(skb, from, size, flags)``: flags beyond BPF_F_TUNINFO_IPV6 | BPF_F_ZERO_CSUM_TX |
  BPF_F_DONT_FRAGMENT | BPF_F_SEQ_NUMBER | BPF_F_NO_TUNNEL_KEY, another size than the ones above,
  a flow label on IPv4 or a non-zero ``tunnel_ext`` -EINVAL; else a new info (options dropped):
  TX mode, NOCACHE, KEY unless NO_TUNNEL_KEY, CSUM unless ZERO_CSUM_TX, DONT_FRAGMENT and SEQ when
  asked, the label masked to 20 bits;
* ``set_tunnel_opt(skb, from, size)``: -EINVAL unless the info is the one ``set_tunnel_key`` set
  and ``size`` is a multiple of 4, -ENOMEM above 255; non-empty options mark the info's options
  present (GENEVE, VXLAN, ERSPAN, GTP and PFCP option bits);
* ``get_tunnel_opt(skb, to, size)``: -ENOENT (zeroed) without options present, -ENOMEM (zeroed)
  for a buffer smaller than them, else the options, zero-padded, and their length.

Measured against the kernel by tests/progtypes/test_skb_tunnel.py (both engines).
"""

from __future__ import annotations

import errno
import struct
from dataclasses import dataclass, field

from pybpf.helpers.context import HelperContext
from pybpf.isa.words import M32, M64
from pybpf.progtypes.skb import skb_state
from pybpf.uapi import (
    BPF_F_DONT_FRAGMENT,
    BPF_F_NO_TUNNEL_KEY,
    BPF_F_SEQ_NUMBER,
    BPF_F_TUNINFO_FLAGS,
    BPF_F_TUNINFO_IPV6,
    BPF_F_ZERO_CSUM_TX,
)

KEY_SIZE = 44
"""``sizeof(struct bpf_tunnel_key)``."""
COMPAT_SIZES = (28, 24, 22)
"""``offsetof`` local_ipv4, tunnel_label and tunnel_ext: the sizes of older layouts, for either family."""
IPV4_COMPAT_SIZE = 8
"""``offsetof(struct bpf_tunnel_key, remote_ipv6[1])``: the first layout, IPv4 only on reading."""
OPTS_MAX = 255
"""``IP_TUNNEL_OPTS_MAX``: ``options_len`` is a u8."""
FLOWLABEL_MASK = 0x000F_FFFF

# ``enum ip_tunnel_flags_bits`` (include/net/ip_tunnels.h)
CSUM_BIT, KEY_BIT, SEQ_BIT, DONT_FRAGMENT_BIT, NOCACHE_BIT = 0, 2, 3, 8, 13
OPTION_BITS = (11, 12, 14, 15, 17)
"""GENEVE_OPT, VXLAN_OPT, ERSPAN_OPT, GTP_OPT, PFCP_OPT: ``ip_tunnel_set_options_present``."""
OPTIONS_PRESENT = sum(1 << bit for bit in OPTION_BITS)

_EXTRA = "tunnel_info"
"""The key of the skb's tunnel info in ``SkbState.extra``."""
_KEY = struct.Struct("<I16sBBHI16s")
"""``struct bpf_tunnel_key``: tunnel_id, remote, tos, ttl, ext/flags, label, local."""


@dataclass
class TunnelInfo:
    """The ``ip_tunnel_info`` ``set_tunnel_key`` attached to the skb (addresses in network order)."""

    ipv6: bool
    tun_id: int
    tos: int
    ttl: int
    flags: int
    src: bytes
    dst: bytes
    label: int
    options: bytes = field(default=b"")


def _neg(err: int) -> int:
    return -err & M64


def _info(ctx: HelperContext) -> TunnelInfo | None:
    found = skb_state(ctx.env).extra.get(_EXTRA)
    return found if isinstance(found, TunnelInfo) else None


def _flags_be16(flags: int) -> int:
    """``ip_tunnel_flags_to_be16`` read as the little-endian u16 a program loads."""
    return int.from_bytes((flags & 0xFFFF).to_bytes(2, "big"), "little")


def get_tunnel_key(ctx: HelperContext, skb: int, to: int, size: int, flags: int, _r5: int) -> int:
    size &= M32
    info = _info(ctx)
    error = 0
    if info is None or flags & ~(BPF_F_TUNINFO_IPV6 | BPF_F_TUNINFO_FLAGS) & M64:
        error = errno.EINVAL
    elif info.ipv6 != bool(flags & BPF_F_TUNINFO_IPV6):
        error = errno.EPROTO
    elif size != KEY_SIZE and size not in COMPAT_SIZES and not (size == IPV4_COMPAT_SIZE and not info.ipv6):
        error = errno.EINVAL
    if error or info is None:
        ctx.memory.write(to, bytes(size))
        return _neg(error)
    if info.ipv6:
        remote, local, label = info.src, info.dst, info.label
    else:
        remote = int.from_bytes(info.src[:4], "big").to_bytes(16, "little")
        local = int.from_bytes(info.dst[:4], "big").to_bytes(16, "little")
        label = 0
    ext = _flags_be16(info.flags) if flags & BPF_F_TUNINFO_FLAGS else 0
    key = _KEY.pack(info.tun_id & M32, remote, info.tos, info.ttl, ext, label, local)
    ctx.memory.write(to, key[:size])
    return 0


_SET_FLAGS = (
    BPF_F_TUNINFO_IPV6 | BPF_F_ZERO_CSUM_TX | BPF_F_DONT_FRAGMENT | BPF_F_SEQ_NUMBER | BPF_F_NO_TUNNEL_KEY
)


def set_tunnel_key(ctx: HelperContext, skb: int, source: int, size: int, flags: int, _r5: int) -> int:
    size &= M32
    state = skb_state(ctx.env)
    if flags & ~_SET_FLAGS & M64:
        return _neg(errno.EINVAL)
    if size != KEY_SIZE and size not in (*COMPAT_SIZES, IPV4_COMPAT_SIZE):
        return _neg(errno.EINVAL)
    raw = ctx.memory.read(source, size) + bytes(KEY_SIZE - size)
    tun_id, remote, tos, ttl, ext, label, local = _KEY.unpack(raw)
    ipv6 = bool(flags & BPF_F_TUNINFO_IPV6)
    if (not ipv6 and label) or ext:
        return _neg(errno.EINVAL)
    bits = 1 << NOCACHE_BIT
    bits |= (1 << DONT_FRAGMENT_BIT) if flags & BPF_F_DONT_FRAGMENT else 0
    bits |= 0 if flags & BPF_F_ZERO_CSUM_TX else 1 << CSUM_BIT
    bits |= (1 << SEQ_BIT) if flags & BPF_F_SEQ_NUMBER else 0
    bits |= 0 if flags & BPF_F_NO_TUNNEL_KEY else 1 << KEY_BIT
    if ipv6:
        dst, src, label = remote, local, label & FLOWLABEL_MASK
    else:
        dst = int.from_bytes(remote[:4], "little").to_bytes(4, "big") + bytes(12)
        src = int.from_bytes(local[:4], "little").to_bytes(4, "big") + bytes(12)
        label = 0
    state.extra[_EXTRA] = TunnelInfo(ipv6, tun_id, tos, ttl, bits, src, dst, label)
    return 0


def get_tunnel_opt(ctx: HelperContext, skb: int, to: int, size: int, *_: int) -> int:
    size &= M32
    info = _info(ctx)
    if info is None or not info.flags & OPTIONS_PRESENT:
        ctx.memory.write(to, bytes(size))
        return _neg(errno.ENOENT)
    if size < len(info.options):
        ctx.memory.write(to, bytes(size))
        return _neg(errno.ENOMEM)
    ctx.memory.write(to, info.options + bytes(size - len(info.options)))
    return len(info.options)


def set_tunnel_opt(ctx: HelperContext, skb: int, source: int, size: int, *_: int) -> int:
    size &= M32
    info = _info(ctx)
    if info is None or size % 4:
        return _neg(errno.EINVAL)
    if size > OPTS_MAX:
        return _neg(errno.ENOMEM)
    info.options = ctx.memory.read(source, size)
    if size:
        info.flags |= OPTIONS_PRESENT
    return 0


__all__ = ["TunnelInfo", "get_tunnel_key", "get_tunnel_opt", "set_tunnel_key", "set_tunnel_opt"]
