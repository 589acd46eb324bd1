"""``bpf_lwt_push_encap`` (73) of LWT_IN and LWT_XMIT programs on a test-run skb.

Mirrors net/core/filter.c ``bpf_lwt_in_push_encap`` / ``bpf_lwt_xmit_push_encap`` and
net/core/lwt_bpf.c ``bpf_lwt_push_ip_encap`` (Linux 6.18, built, as the kernel measured, without
CONFIG_IPV6_SEG6_BPF):

* a type other than BPF_LWT_ENCAP_IP (the two seg6 encapsulations included) is -EINVAL;
* the header must be 20..256 bytes (``LWT_BPF_MAX_HEADROOM``) of an IPv4 header no longer than it
  (``ihl * 4``) or of an IPv6 header (40 bytes at least), else -EINVAL;
* LWT_IN (``ingress``): the header is pushed in front of the packet and becomes the network header;
  the skb's protocol follows its version, its hash is cleared, and an IPv4 header whose checksum is
  0 gets one (``ip_fast_csum`` of its ``ihl`` words; x86's returns the first 16 bits as they are
  for ``ihl`` below 5).  A GSO skb (``gso_size`` from ctx_in) keeps the pushed header but is
  -ENOTSUPP: its ``gso_type`` is none of the TCP ones ``handle_gso_encap`` lets through;
* LWT_XMIT (egress) reserves room for the output device of the skb's route
  (``LL_RESERVED_SPACE(skb_dst(skb)->dev)``), and a test-run skb has no route: the kernel would
  dereference NULL.  pybpf stops the run with a HelperError instead (not compared with the kernel,
  for that reason).

LWT_IN's pushed bytes are compared with the kernel's by tests/progtypes/test_lwt_encap.py.
"""

from __future__ import annotations

import errno

from pybpf.errors import HelperError
from pybpf.helpers.context import HelperContext
from pybpf.helpers.csum import csum_fold, csum_partial
from pybpf.isa.words import M32, M64
from pybpf.progtypes.skb import ETH_P_IP, ETH_P_IPV6, SkbState, skb_state
from pybpf.uapi import BPF_LWT_ENCAP_IP, ENOTSUPP

LWT_BPF_MAX_HEADROOM = 256
IPV4_MIN, IPV6_MIN = 20, 40
CHECK_AT = 10
"""Offset of the IPv4 header checksum."""


def _neg(err: int) -> int:
    return -err & M64


def ip_fast_csum(header: bytes, ihl: int) -> bytes:
    """x86-64 ``ip_fast_csum(iph, ihl)`` as the two bytes stored in ``iph->check``."""
    if ihl <= 4:
        return header[:2]
    return csum_fold(csum_partial(header[: 4 * ihl])).to_bytes(2, "little")


def header_error(header: bytes) -> int:
    """``bpf_lwt_push_ip_encap``'s checks of the header: 0, or the errno."""
    if not IPV4_MIN <= len(header) <= LWT_BPF_MAX_HEADROOM:
        return errno.EINVAL
    version, ihl = header[0] >> 4, header[0] & 0xF
    if version == 4:
        return errno.EINVAL if len(header) < 4 * ihl else 0
    if version == 6:
        return errno.EINVAL if len(header) < IPV6_MIN else 0
    return errno.EINVAL


def push_ip_encap(state: SkbState, header: bytes) -> int:
    """Push ``header`` (checked) in front of the packet as its new network header (ingress)."""
    length = len(header)
    if state.data < length:  # the types that push keep LWT_BPF_MAX_HEADROOM more (SkbProgType.headroom)
        raise HelperError(None, "bpf_lwt_push_encap: no headroom for the header")
    state.data -= length
    state.length += length
    state.network = state.data
    ipv4 = header[0] >> 4 == 4
    if ipv4 and header[CHECK_AT : CHECK_AT + 2] == b"\x00\x00":
        header = header[:CHECK_AT] + ip_fast_csum(header, header[0] & 0xF) + header[CHECK_AT + 2 :]
    state.view[state.data : state.data + length] = header
    kern = state.kern
    kern.hash = 0
    protocol = ETH_P_IP if ipv4 else ETH_P_IPV6
    kern.protocol = int.from_bytes(protocol.to_bytes(2, "big"), "little")
    state.sync()
    return _neg(ENOTSUPP) if kern.gso_size else 0


def lwt_in_push_encap(ctx: HelperContext, skb: int, kind: int, hdr: int, length: int, _r5: int) -> int:
    state = skb_state(ctx.env)
    length &= M32
    header = ctx.memory.read(hdr, length)
    if kind & M32 != BPF_LWT_ENCAP_IP:
        return _neg(errno.EINVAL)
    error = header_error(header)
    return _neg(error) if error else push_ip_encap(state, header)


def lwt_xmit_push_encap(ctx: HelperContext, skb: int, kind: int, hdr: int, length: int, _r5: int) -> int:
    skb_state(ctx.env)
    length &= M32
    header = ctx.memory.read(hdr, length)
    if kind & M32 != BPF_LWT_ENCAP_IP:
        return _neg(errno.EINVAL)
    error = header_error(header)
    if error:
        return _neg(error)
    raise HelperError(
        None, "bpf_lwt_push_encap: an egress push needs the skb's route, which a test run has not"
    )


__all__ = ["header_error", "ip_fast_csum", "lwt_in_push_encap", "lwt_xmit_push_encap", "push_ip_encap"]
