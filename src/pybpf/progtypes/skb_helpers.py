"""The socket-buffer helpers: load/store bytes, pull data, hash, redirect, and the checksum replacers.

Mirrors net/core/filter.c on a linear test-run skb (``pybpf.progtypes.skb.SkbState`` in
``env.packet``):

* ``bpf_skb_load_bytes`` (26): copy ``len`` bytes at data + ``offset``; out of range (or an
  offset above INT_MAX) zeroes the buffer and returns -EFAULT.
* ``bpf_skb_load_bytes_relative`` (68): the same from the MAC (0) or network (1) header; offsets
  above 0xffff, other start headers or reads outside [mac, tail) zero the buffer, -EFAULT.
* ``bpf_skb_store_bytes`` (9): flags other than BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH are
  -EINVAL, offset > INT_MAX or a write past the packet -EFAULT; BPF_F_INVALIDATE_HASH clears
  skb->hash (RECOMPUTE_CSUM only touches skb->csum of CHECKSUM_COMPLETE skbs: nothing to observe).
* ``bpf_skb_pull_data`` (39): 0 when ``len`` (0 = the linear length) bytes are present, else -ENOMEM.
* ``bpf_get_hash_recalc`` (34): skb->hash, computed once when unset.  The kernel's value comes from
  the flow dissector keyed with a boot-time random secret; pybpf's is a fixed non-zero hash of the
  packet, so only its properties (stable, non-zero, visible in skb->hash) match.
* ``bpf_set_hash_invalid`` (41) / ``bpf_set_hash`` (48): clear / set skb->hash, return 0.
* ``bpf_csum_update`` (40): -ENOTSUPP (a test-run skb is never CHECKSUM_COMPLETE).
* ``bpf_csum_level`` (135): query/increment/decrement/reset CHECKSUM_UNNECESSARY and its level
  (``__skb_incr_checksum_unnecessary`` & co.); a query of a non-UNNECESSARY skb is -EACCES.
* ``bpf_redirect`` (23): TC_ACT_REDIRECT with (ifindex, flags) recorded in ``env.redirect``,
  TC_ACT_SHOT for flags other than BPF_F_INGRESS.
* ``bpf_get_route_realm`` (24): the skb's route's realm, and a test-run skb has no route: 0;
* ``bpf_skb_change_type`` (32): pkt_type set when both the old and the new one are at most
  PACKET_OTHERHOST (3), else -EINVAL;
* ``bpf_skb_get_xfrm_state`` (66): a test-run skb has no security path: the buffer zeroed, -EINVAL;
* ``bpf_redirect_peer`` (155) / ``bpf_redirect_neigh`` (152): TC_ACT_REDIRECT, or TC_ACT_SHOT for
  flags (and for neigh a parameter block shorter than ``struct bpf_redir_neigh``, 20 bytes); the
  test run redirects nothing;
* ``bpf_skb_ecn_set_ce`` (97): ``INET_ECN_set_ce`` on the IPv4 or IPv6 header at the network header
  (0 for other protocols or a header past the packet): an ECT packet is marked CE (IPv4's checksum
  updated by ``csum16_add``, as ``IP_ECN_set_ce`` does), 1; a CE packet 1; a not-ECT one 0;
* ``bpf_l3_csum_replace`` (10), ``bpf_l4_csum_replace`` (11), ``bpf_csum_diff`` (28): in
  ``pybpf.helpers.csum``;
* ``bpf_get_socket_cookie`` (46), ``bpf_get_socket_uid`` (47), ``bpf_skb_cgroup_id`` (79),
  ``bpf_skb_ancestor_cgroup_id`` (83), tc's ``bpf_sk_assign`` (124): the test socket's, in
  ``pybpf.progtypes.skb_socket``;
* ``bpf_skb_get/set_tunnel_key`` (20, 21), ``bpf_skb_get/set_tunnel_opt`` (29, 30): the skb's
  tunnel info, in ``pybpf.progtypes.skb_tunnel``;
* the helpers that change the packet's shape (VLAN push/pop, change_proto/tail/head, adjust_room)
  and ``bpf_check_mtu``, ``bpf_skb_set_tstamp``, ``bpf_clone_redirect``: in
  ``pybpf.progtypes.skb_resize``;
* the socket lookups (84, 85, 99): ``pybpf.progtypes.socket_lookup``;
* the SYN cookie helpers (100, 110, 204, 205) up to the cookie: ``pybpf.progtypes.syncookies``;
* ``bpf_fib_lookup`` (69, ``bpf_skb_fib_lookup``): ``pybpf.helpers.fib_lookup`` in the caller's
  namespace; without ``tot_len`` no MTU check in the lookup, then on success the skb against the
  resulting device (``is_skb_forwardable``: down, or longer than MTU + hard header + VLAN_HLEN
  and not GSO, is FRAG_NEEDED) and ``mtu_result`` the device's MTU.
"""

from __future__ import annotations

import errno
import hashlib

from pybpf.btf.raw import s32
from pybpf.helpers import csum
from pybpf.helpers import fib_lookup as fib
from pybpf.helpers.context import HelperContext
from pybpf.helpers.perf_output import PERF_EVENT_OUTPUT, packet_event_output
from pybpf.helpers.registry import Helper
from pybpf.isa.words import M32, M64
from pybpf.progtypes import skb_socket, skb_tunnel
from pybpf.progtypes.skb import ETH_P_IP, ETH_P_IPV6, SkbState, skb_state
from pybpf.progtypes.skb_resize import SKB_RESIZE_HELPERS
from pybpf.progtypes.socket_casts import SOCKET_CAST_HELPERS
from pybpf.progtypes.socket_lookup import SOCKET_LOOKUP_HELPERS
from pybpf.progtypes.syncookies import SYNCOOKIE_HELPERS
from pybpf.uapi import (
    BPF_CSUM_LEVEL_DEC,
    BPF_CSUM_LEVEL_INC,
    BPF_CSUM_LEVEL_QUERY,
    BPF_CSUM_LEVEL_RESET,
    BPF_F_INGRESS,
    BPF_FIB_LKUP_RET_FRAG_NEEDED,
    BPF_FIB_LKUP_RET_SUCCESS,
    BPF_HDR_START_MAC,
    BPF_HDR_START_NET,
    ENOTSUPP,
)

INT_MAX = 0x7FFF_FFFF
TC_ACT_SHOT = 2
TC_ACT_REDIRECT = 7


def _neg(err: int) -> int:
    return -err & M64


def skb_load_bytes(ctx: HelperContext, skb: int, offset: int, to: int, length: int, _r5: int) -> int:
    loaded = skb_state(ctx.env).load_packet(offset & M32, length & M32)
    if isinstance(loaded, int):
        ctx.memory.write(to, bytes(length & M32))
        return loaded & M64
    ctx.memory.write(to, loaded)
    return 0


def skb_load_bytes_relative(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, skb: int, offset: int, to: int, length: int, start: int
) -> int:
    state = skb_state(ctx.env)
    offset &= M32
    length &= M32
    base = {BPF_HDR_START_MAC: state.mac, BPF_HDR_START_NET: state.network}.get(start & M32)
    if offset <= 0xFFFF and base is not None:
        begin = base + offset
        if begin >= state.mac and begin + length <= state.data + state.length:
            ctx.memory.write(to, bytes(state.view[begin : begin + length]))
            return 0
    ctx.memory.write(to, bytes(length))
    return _neg(errno.EFAULT)


def skb_store_bytes(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, skb: int, offset: int, source: int, length: int, flags: int
) -> int:
    state = skb_state(ctx.env)
    offset &= M32
    length &= M32
    error = state.store_error(offset, length, flags)  # (before the source is read)
    if error:
        return error & M64
    return state.store_packet(offset, ctx.memory.read(source, length), flags) & M64


def skb_pull_data(ctx: HelperContext, skb: int, length: int, *_: int) -> int:
    state = skb_state(ctx.env)
    length &= M32
    ok = state.make_writable(length or state.length)
    state.sync()
    return 0 if ok else _neg(errno.ENOMEM)


def flow_hash(packet: bytes) -> int:
    """pybpf's stand-in for the flow dissector hash: a fixed non-zero 32-bit hash of the headers."""
    value = int.from_bytes(hashlib.blake2s(packet[:64], digest_size=4).digest(), "little")
    return value or 1


def get_hash_recalc(ctx: HelperContext, skb: int, *_: int) -> int:
    state = skb_state(ctx.env)
    if not state.kern.hash:
        start = state.mac
        state.kern.hash = flow_hash(bytes(state.view[start : state.data + state.length]))
    hash_value: int = state.kern.hash
    return hash_value


def set_hash_invalid(ctx: HelperContext, skb: int, *_: int) -> int:
    skb_state(ctx.env).kern.hash = 0
    return 0


def set_hash(ctx: HelperContext, skb: int, value: int, *_: int) -> int:
    skb_state(ctx.env).kern.hash = value & M32
    return 0


SKB_MAX_CSUM_LEVEL = 3


def csum_update(ctx: HelperContext, skb: int, *_: int) -> int:
    skb_state(ctx.env)
    return _neg(ENOTSUPP)


def csum_level(ctx: HelperContext, skb: int, level: int, *_: int) -> int:
    """``bpf_csum_level`` on the skb's (ip_summed is UNNECESSARY, csum_level) pair."""
    state = skb_state(ctx.env)
    unnecessary = bool(state.extra.get("csum_unnecessary", False))
    current = int(state.extra.get("csum_level", 0))  # type: ignore[call-overload]
    level &= M64
    if level == BPF_CSUM_LEVEL_QUERY:
        return current if unnecessary else _neg(errno.EACCES)
    if level == BPF_CSUM_LEVEL_INC:
        if unnecessary:
            current = min(current + 1, SKB_MAX_CSUM_LEVEL)
        else:
            unnecessary, current = True, 0
    elif level == BPF_CSUM_LEVEL_DEC:
        if unnecessary:
            if current == 0:
                unnecessary = False
            else:
                current -= 1
    elif level == BPF_CSUM_LEVEL_RESET:
        if unnecessary:
            unnecessary, current = False, 0
    else:
        return _neg(errno.EINVAL)
    state.extra["csum_unnecessary"] = unnecessary
    state.extra["csum_level"] = current
    return 0


def redirect(ctx: HelperContext, ifindex: int, flags: int, *_: int) -> int:
    if flags & ~BPF_F_INGRESS & M64:
        return TC_ACT_SHOT
    ctx.env.redirect = (ifindex & M32, flags)
    state = ctx.env.packet
    if isinstance(state, SkbState):
        state.redirect = (ifindex & M32, flags)
    return TC_ACT_REDIRECT


def get_route_realm(ctx: HelperContext, skb: int, *_: int) -> int:
    skb_state(ctx.env)
    return 0


PACKET_OTHERHOST = 3


def skb_change_type(ctx: HelperContext, skb: int, pkt_type: int, *_: int) -> int:
    kern = skb_state(ctx.env).kern
    if kern.pkt_type & 7 > PACKET_OTHERHOST or pkt_type & M32 > PACKET_OTHERHOST:
        return _neg(errno.EINVAL)
    kern.pkt_type = pkt_type & M32
    return 0


def skb_get_xfrm_state(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, skb: int, index: int, to: int, size: int, flags: int
) -> int:
    skb_state(ctx.env)
    ctx.memory.write(to, bytes(size & M32))
    return _neg(errno.EINVAL)


ECN_CE = 3
IPV4_HEADER, IPV6_HEADER = 20, 40


def _swap16(value: int) -> int:
    return ((value & 0xFF) << 8) | (value >> 8 & 0xFF)


def skb_ecn_set_ce(ctx: HelperContext, skb: int, *_: int) -> int:
    state = skb_state(ctx.env)
    protocol = _swap16(state.kern.protocol)  # the raw __be16, read natively
    size = {ETH_P_IP: IPV4_HEADER, ETH_P_IPV6: IPV6_HEADER}.get(protocol)
    tail = state.data + state.length
    if size is None or state.length < size or state.network + size > tail:
        return 0
    view, at = state.view, state.network
    if protocol == ETH_P_IP:
        ecn = (view[at + 1] + 1) & ECN_CE
        if not ecn & 2:
            return int(not ecn)
        addend = (_swap16(0xFFFB) + _swap16(ecn)) & 0xFFFF
        check = csum.csum16_add(int.from_bytes(view[at + 10 : at + 12], "little"), addend)
        view[at + 10 : at + 12] = check.to_bytes(2, "little")
        view[at + 1] |= ECN_CE
        return 1
    first = int.from_bytes(view[at : at + 4], "big")
    if not (first >> 20) & ECN_CE:
        return 0
    view[at : at + 4] = (first | ECN_CE << 20).to_bytes(4, "big")
    return 1


REDIR_NEIGH_SIZE = 20
"""``sizeof(struct bpf_redir_neigh)``."""


def redirect_peer(ctx: HelperContext, ifindex: int, flags: int, *_: int) -> int:
    return TC_ACT_SHOT if flags & M64 else TC_ACT_REDIRECT


def redirect_neigh(ctx: HelperContext, ifindex: int, params: int, plen: int, flags: int, _r5: int) -> int:
    plen &= M32
    if (plen and plen < REDIR_NEIGH_SIZE) or flags & M64:
        return TC_ACT_SHOT
    return TC_ACT_REDIRECT


def l3_csum_replace(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, skb: int, offset: int, old: int, new: int, flags: int
) -> int:
    return csum.l3_csum_replace(skb_state(ctx.env), offset, old, new, flags)


def skb_fib_lookup(ctx: HelperContext, _skb: int, params: int, plen: int, flags: int, *_: int) -> int:
    """``bpf_skb_fib_lookup``: no MTU check in the lookup without ``tot_len``; the skb against the
    resulting device's MTU instead (``is_skb_forwardable``), whose MTU ``mtu_result`` gets."""
    state = skb_state(ctx.env)
    if s32(plen & M32) < fib.PARAMS_SIZE or flags & M32 & ~fib.FLAGS_MASK:
        return -errno.EINVAL
    raw = bytearray(ctx.memory.read(params, fib.PARAMS_SIZE))
    check_mtu = bool(int.from_bytes(raw[6:8], "little"))
    result = fib.fib_lookup(raw, flags & M32, check_mtu)
    if result == BPF_FIB_LKUP_RET_SUCCESS and not check_mtu:
        ifindex = int.from_bytes(raw[8:12], "little")
        forwardable = fib.forwardable(ifindex, state.length, bool(state.kern.gso_size))
        if forwardable is None:
            ctx.memory.write(params, bytes(raw))
            return -errno.ENODEV
        if not forwardable:
            result = BPF_FIB_LKUP_RET_FRAG_NEEDED
        raw[6:8] = (fib.device_mtu(ifindex) & 0xFFFF).to_bytes(2, "little")
    ctx.memory.write(params, bytes(raw))
    return result


def l4_csum_replace(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, skb: int, offset: int, old: int, new: int, flags: int
) -> int:
    return csum.l4_csum_replace(skb_state(ctx.env), offset, old, new, flags)


SKB_HELPERS: dict[int, Helper] = {
    9: skb_store_bytes,
    10: l3_csum_replace,
    11: l4_csum_replace,
    23: redirect,
    26: skb_load_bytes,
    28: csum.bpf_csum_diff,
    34: get_hash_recalc,
    39: skb_pull_data,
    40: csum_update,
    41: set_hash_invalid,
    48: set_hash,
    135: csum_level,
    68: skb_load_bytes_relative,
    46: skb_socket.get_socket_cookie,
    47: skb_socket.get_socket_uid,
    79: skb_socket.skb_cgroup_id,
    83: skb_socket.skb_ancestor_cgroup_id,
    124: skb_socket.sk_assign,
    122: skb_socket.get_netns_cookie,
    17: skb_socket.get_cgroup_classid,
    151: skb_socket.skb_cgroup_classid,
    95: skb_socket.sk_fullsock,
    96: skb_socket.tcp_sock,
    98: skb_socket.get_listener_sock,
    24: get_route_realm,
    69: skb_fib_lookup,
    32: skb_change_type,
    66: skb_get_xfrm_state,
    152: redirect_neigh,
    97: skb_ecn_set_ce,
    155: redirect_peer,
    20: skb_tunnel.get_tunnel_key,
    21: skb_tunnel.set_tunnel_key,
    29: skb_tunnel.get_tunnel_opt,
    30: skb_tunnel.set_tunnel_opt,
    **SKB_RESIZE_HELPERS,
    **SOCKET_LOOKUP_HELPERS,
    **SOCKET_CAST_HELPERS,
    **SYNCOOKIE_HELPERS,
}
"""Helper id -> implementation for the skb program types (each type keeps those it may call)."""


def skb_type_helpers(allowed: frozenset[int]) -> dict[int, Helper]:
    """The implementations an skb program type offering ``allowed`` gets: the skb helpers it may call
    and ``bpf_perf_event_output`` in its skb flavour (``bpf_skb_event_output``)."""
    own = {number: helper for number, helper in SKB_HELPERS.items() if number in allowed}
    return {**own, PERF_EVENT_OUTPUT: packet_event_output}


__all__ = [
    "SKB_HELPERS",
    "flow_hash",
    "get_hash_recalc",
    "redirect",
    "skb_load_bytes",
    "skb_load_bytes_relative",
    "skb_pull_data",
    "skb_store_bytes",
    "skb_type_helpers",
]
