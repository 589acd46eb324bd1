"""The socket-buffer helpers that change the packet's shape, and the tc helpers beside them.

Mirrors net/core/filter.c (and the skbuff.c functions it calls) on a linear test-run skb
(``pybpf.progtypes.skb.SkbState``): every errno, every byte of the packet, and skb->len, data,
data_end, protocol and the VLAN fields the program reads afterwards are the kernel's test run's
(``tests/progtypes/test_skb_resize.py`` runs each on the kernel too).  Header offsets are the
state's (``mac``, ``network``, and the transport header in ``extra["transport"]`` once a helper
sets it; a test-run skb has none); a push that needs more room than the buffer has gets a larger
one (``SkbState.reserve``, the kernel's ``skb_cow``).

* ``bpf_skb_vlan_push`` (18): a VLAN protocol other than 802.1Q/802.1AD becomes 802.1Q; an skb
  carrying a tag already (``vlan_all`` != 0) moves it into the packet (``__vlan_insert_tag``: after
  the MAC addresses, protocol = its protocol, the network header on the inserted tag); the new tag
  is the skb's (``__vlan_hwaccel_put_tag``), not the packet's.
* ``bpf_skb_vlan_pop`` (19): ``skb_vlan_pop``: the skb's tag dropped, or else the packet's
  (``__skb_vlan_pop``: -ENOMEM below 18 bytes; the protocol from the encapsulated type, as
  ``vlan_set_encap_proto``); then a packet tag under it becomes the skb's.
* ``bpf_skb_change_proto`` (31): IPv4 <-> IPv6 only (else -ENOTSUPP; flags -EINVAL): 20 zero
  bytes pushed after the MAC header or 20 bytes popped there (-ENOMEM when the packet is
  shorter), the protocol set and the hash cleared; the packet's EtherType is the program's to fix.
* ``bpf_skb_change_tail`` (38): the packet grown (zeroed) or trimmed to ``len``: -EINVAL for
  flags, above ``SKB_MAX_ALLOC`` or below the network (or transport) header, -ENOTSUPP once
  encapsulated; a GSO skb loses its GSO fields (``skb_gso_reset``).
* ``bpf_skb_change_head`` (43): ``head_room`` zero bytes pushed, the MAC header reset to them
  (-EINVAL for flags, a length that wraps, or above ``SKB_MAX_ALLOC`` without GSO).
* ``bpf_skb_adjust_room`` (50): room added or removed at the MAC (``BPF_ADJ_ROOM_MAC``) or network
  (``BPF_ADJ_ROOM_NET``) header, with the encapsulation and decapsulation flags' checks and
  protocol changes, and checksum-unnecessary reset unless BPF_F_ADJ_ROOM_NO_CSUM_RESET.
* ``bpf_check_mtu`` (163): the skb's length (or ``*mtu_len`` + the device's hard header) plus
  ``len_diff`` against the MTU of the skb's device or ``ifindex`` (the caller's network namespace's,
  asked of rtnetlink once a run: ``device_info``; the hard header is 14 bytes for Ethernet and
  loopback devices, 0 for others), ``*mtu_len`` set to it (left alone by the -EINVAL and -ENODEV
  refusals).
* ``bpf_skb_set_tstamp`` (192): tstamp and tstamp_type for IPv4/IPv6 skbs (-EOPNOTSUPP others).
* ``bpf_clone_redirect`` (13): -EINVAL for flags other than BPF_F_INGRESS or a device the caller's
  network namespace has not, -ERANGE when the MAC header is not before the network header; else
  what the device's transmit (receive, with BPF_F_INGRESS) answers: 0 for a device that is up
  (pybpf sends nothing, where the kernel's test run transmits the clone; ingress checks no MTU:
  ``dev_forward_skb_nomtu``), NET_XMIT_CN (2) for one that is down (its noop qdisc drops it),
  NET_RX_DROP (1) for a down device's ingress; on egress, NET_XMIT_CN also for a device without
  carrier (a veth whose peer is down: the noop qdisc stays until carrier-on), and NET_XMIT_DROP (1)
  from a veth whose peer is too small for the clone (``veth_xmit``: ``is_skb_forwardable``; a peer in
  another namespace is not seen, so never drops).
"""

from __future__ import annotations

import errno

from pybpf.errors import HelperError
from pybpf.helpers.context import HelperContext, RunEnv
from pybpf.helpers.registry import Helper
from pybpf.isa.words import M32, M64
from pybpf.objects import rtnl
from pybpf.progtypes.skb import ETH_HLEN, ETH_P_IP, ETH_P_IPV6, SkbState, skb_state
from pybpf.uapi import (
    BPF_ADJ_ROOM_ENCAP_L2_SHIFT,
    BPF_ADJ_ROOM_MAC,
    BPF_ADJ_ROOM_NET,
    BPF_F_ADJ_ROOM_DECAP_L3_IPV4,
    BPF_F_ADJ_ROOM_DECAP_L3_IPV6,
    BPF_F_ADJ_ROOM_ENCAP_L2_ETH,
    BPF_F_ADJ_ROOM_ENCAP_L3_IPV4,
    BPF_F_ADJ_ROOM_ENCAP_L3_IPV6,
    BPF_F_ADJ_ROOM_ENCAP_L4_GRE,
    BPF_F_ADJ_ROOM_ENCAP_L4_UDP,
    BPF_F_ADJ_ROOM_FIXED_GSO,
    BPF_F_ADJ_ROOM_NO_CSUM_RESET,
    BPF_F_INGRESS,
    BPF_MTU_CHK_RET_FRAG_NEEDED,
    BPF_MTU_CHK_RET_SUCCESS,
    BPF_MTU_CHK_SEGS,
    BPF_SKB_CLOCK_MONOTONIC,
    BPF_SKB_CLOCK_REALTIME,
    BPF_SKB_CLOCK_TAI,
    ENOTSUPP,
)

M16 = 0xFFFF
SKB_MAX_ALLOC = 16064
"""``SKB_MAX_ALLOC`` (``BPF_SKB_MAX_LEN``): ``SKB_WITH_OVERHEAD(PAGE_SIZE << 2)`` on x86-64."""
VLAN_HLEN = 4
VLAN_ETH_HLEN = 18
ETH_ALEN2 = 12
"""The two MAC addresses (``2 * ETH_ALEN``)."""
ETH_P_8021Q, ETH_P_8021AD = 0x8100, 0x88A8
ETH_P_802_3, ETH_P_802_2, ETH_P_802_3_MIN = 0x0001, 0x0004, 0x0600
IPV4_HLEN, IPV6_HLEN = 20, 40
KMALLOC_MAX = 4 << 20
"""The largest buffer ``pskb_expand_head`` can get (``KMALLOC_MAX_SIZE``): beyond it, -ENOMEM."""
NET_XMIT_CN = 2
NET_XMIT_DROP = 1
NET_RX_DROP = 1
ARPHRD_ETHER, ARPHRD_LOOPBACK = 1, 772
IFF_UP = 1
IFF_LOWER_UP = 0x10000  # netif_carrier_ok() (and running), as rtnetlink reports it

DECAP_L3_MASK = BPF_F_ADJ_ROOM_DECAP_L3_IPV4 | BPF_F_ADJ_ROOM_DECAP_L3_IPV6
ENCAP_L3_MASK = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6
ADJ_ROOM_MASK = (
    BPF_F_ADJ_ROOM_FIXED_GSO | ENCAP_L3_MASK | BPF_F_ADJ_ROOM_ENCAP_L4_GRE | BPF_F_ADJ_ROOM_ENCAP_L4_UDP
    | BPF_F_ADJ_ROOM_ENCAP_L2_ETH | (0xFF << BPF_ADJ_ROOM_ENCAP_L2_SHIFT) | DECAP_L3_MASK
)  # fmt: skip
"""``BPF_F_ADJ_ROOM_MASK``."""


def _neg(err: int) -> int:
    return -err & M64


def _raw(proto: int) -> int:
    """A host-order EtherType as the raw ``__be16`` the skb holds (and the program reads)."""
    return ((proto & 0xFF) << 8) | (proto >> 8 & 0xFF)


def _is_vlan(raw: int) -> bool:
    return raw in (_raw(ETH_P_8021Q), _raw(ETH_P_8021AD))


def _gso(state: SkbState) -> bool:
    """``skb_is_gso``: a GSO size was given (a test run's skb has no GSO type, so never TCP nor UDP_L4)."""
    return bool(state.kern.gso_size)


def _transport(state: SkbState) -> int | None:
    transport = state.extra.get("transport")
    return transport if isinstance(transport, int) else None


# -- pushing and popping bytes at an offset (bpf_skb_generic_push/pop, bpf_skb_net_hdr_push/pop) ---
def _net_hdr_push(state: SkbState, off: int, size: int) -> None:
    """``size`` zero bytes inserted ``off`` bytes into the packet (the headroom reserved), the MAC and
    network headers moved with the data before them."""
    trans_same = _transport(state) == state.network
    state.reserve(head=size)
    view, data = state.view, state.data
    view[data - size : data - size + off] = view[data : data + off]
    view[data - size + off : data + off] = bytes(size)
    state.data -= size
    state.length += size
    state.mac -= size
    state.network -= size
    if trans_same:
        state.extra["transport"] = state.network


def _net_hdr_pop(state: SkbState, off: int, size: int) -> int:
    """``size`` bytes removed ``off`` bytes into the packet (-ENOMEM past its end)."""
    if off + size > state.length:
        return -errno.ENOMEM
    trans_same = _transport(state) == state.network
    view, data = state.view, state.data
    view[data + size : data + size + off] = view[data : data + off]
    state.data += size
    state.length -= size
    state.mac += size
    state.network += size
    if trans_same:
        state.extra["transport"] = state.network
    return 0


# -- VLAN ------------------------------------------------------------------------------------------
def skb_vlan_push(ctx: HelperContext, skb: int, vlan_proto: int, vlan_tci: int, *_: int) -> int:
    state = skb_state(ctx.env)
    kern = state.kern
    vlan_proto &= M16
    if not _is_vlan(vlan_proto):
        vlan_proto = _raw(ETH_P_8021Q)
    if kern.vlan_proto or kern.vlan_tci:  # skb_vlan_tag_present: into the packet with it
        if state.data != state.mac:
            return _neg(errno.EINVAL)
        state.reserve(head=VLAN_HLEN)
        view, data = state.view, state.data
        view[data - VLAN_HLEN : data - VLAN_HLEN + ETH_ALEN2] = view[data : data + ETH_ALEN2]
        state.data -= VLAN_HLEN
        state.length += VLAN_HLEN
        state.mac -= VLAN_HLEN
        tag = state.data + ETH_ALEN2
        view[tag : tag + 2] = kern.vlan_proto.to_bytes(2, "little")
        view[tag + 2 : tag + 4] = kern.vlan_tci.to_bytes(2, "big")
        kern.protocol = kern.vlan_proto
        state.network = state.data + ETH_HLEN
    kern.vlan_proto, kern.vlan_tci = vlan_proto, vlan_tci & M16
    state.sync()
    return 0


def _vlan_pop_packet(state: SkbState) -> int:
    """``__skb_vlan_pop``: the packet's outer tag out (its TCI, or a negative errno)."""
    if state.data != state.mac:
        return -errno.EINVAL
    if state.length < VLAN_ETH_HLEN:
        return -errno.ENOMEM
    view, data = state.view, state.data
    tci = int.from_bytes(view[data + ETH_HLEN : data + ETH_HLEN + 2], "big")
    encapsulated = int.from_bytes(view[data + ETH_HLEN + 2 : data + VLAN_ETH_HLEN], "little")
    after = bytes(view[data + VLAN_ETH_HLEN : data + VLAN_ETH_HLEN + 2])
    view[data + VLAN_HLEN : data + VLAN_HLEN + ETH_ALEN2] = view[data : data + ETH_ALEN2]
    state.data += VLAN_HLEN
    state.length -= VLAN_HLEN
    state.mac += VLAN_HLEN
    if _raw(encapsulated) >= ETH_P_802_3_MIN:  # vlan_set_encap_proto
        state.kern.protocol = encapsulated
    else:
        state.kern.protocol = _raw(ETH_P_802_3 if after == b"\xff\xff" else ETH_P_802_2)
    if state.network - state.data < ETH_HLEN:
        state.network = state.data + ETH_HLEN
    return tci


def _vlan_pop(state: SkbState) -> int:
    kern = state.kern
    if kern.vlan_proto or kern.vlan_tci:
        kern.vlan_proto = kern.vlan_tci = 0
    else:
        if not _is_vlan(kern.protocol):
            return 0
        popped = _vlan_pop_packet(state)
        if popped < 0:
            return popped
    if not _is_vlan(kern.protocol):  # the next tag, if any, becomes the skb's
        return 0
    proto = kern.protocol
    tci = _vlan_pop_packet(state)
    if tci < 0:
        return tci
    kern.vlan_proto, kern.vlan_tci = proto, tci
    return 0


def skb_vlan_pop(ctx: HelperContext, skb: int, *_: int) -> int:
    state = skb_state(ctx.env)
    result = _vlan_pop(state)
    state.sync()
    return result & M64


# -- protocol, tail and head -----------------------------------------------------------------------
def skb_change_proto(ctx: HelperContext, skb: int, proto: int, flags: int, *_: int) -> int:
    state = skb_state(ctx.env)
    if flags & M64:
        return _neg(errno.EINVAL)
    kern = state.kern
    to_proto, from_proto = proto & M16, kern.protocol
    mac_len = state.network - state.mac
    diff = IPV6_HLEN - IPV4_HLEN
    if from_proto == _raw(ETH_P_IP) and to_proto == _raw(ETH_P_IPV6):
        _net_hdr_push(state, mac_len, diff)
    elif from_proto == _raw(ETH_P_IPV6) and to_proto == _raw(ETH_P_IP):
        error = _net_hdr_pop(state, mac_len, diff)
        if error:
            return error & M64
    else:
        return _neg(ENOTSUPP)
    kern.protocol = to_proto
    kern.hash = 0
    state.sync()
    return 0


def _min_len(state: SkbState) -> int:
    """``__bpf_skb_min_len``: the network header's offset, or the transport header's once set."""
    transport = _transport(state)
    return (transport if transport is not None else state.network) - state.data


def skb_change_tail(ctx: HelperContext, skb: int, new_len: int, flags: int, *_: int) -> int:
    state = skb_state(ctx.env)
    new_len &= M32
    if flags & M64 or new_len > SKB_MAX_ALLOC or new_len < _min_len(state):
        return _neg(errno.EINVAL)
    if state.extra.get("encapsulation"):
        return _neg(ENOTSUPP)
    if new_len > state.length:
        state.reserve(tail=new_len - state.length)
        end = state.data + state.length
        state.view[end : state.data + new_len] = bytes(new_len - state.length)
    state.length = new_len
    if _gso(state):  # skb_gso_reset
        state.kern.gso_size = state.kern.gso_segs = 0
    state.sync()
    return 0


def skb_change_head(ctx: HelperContext, skb: int, head_room: int, flags: int, *_: int) -> int:
    state = skb_state(ctx.env)
    head_room &= M32
    new_len = (state.length + head_room) & M32
    if flags & M64 or (not _gso(state) and new_len > SKB_MAX_ALLOC) or new_len < state.length:
        return _neg(errno.EINVAL)
    if state.capacity + head_room > KMALLOC_MAX:
        return _neg(errno.ENOMEM)
    state.reserve(head=head_room)
    state.data -= head_room
    state.length += head_room
    state.view[state.data : state.data + head_room] = bytes(head_room)
    state.mac = state.data
    state.sync()
    return 0


# -- adjust_room -----------------------------------------------------------------------------------
def _base_len(state: SkbState) -> int | None:
    """``bpf_skb_net_base_len``: the IPv4 or IPv6 header's size, None for other protocols."""
    return {_raw(ETH_P_IP): IPV4_HLEN, _raw(ETH_P_IPV6): IPV6_HLEN}.get(state.kern.protocol)


def _net_grow(state: SkbState, off: int, size: int, flags: int) -> int:
    """``bpf_skb_net_grow``."""
    if _gso(state):  # not TCP, not UDP_L4: a test run's GSO skb has no type
        return -ENOTSUPP
    inner_mac_len = flags >> BPF_ADJ_ROOM_ENCAP_L2_SHIFT & 0xFF
    encap = bool(flags & ENCAP_L3_MASK)
    mac_len = state.network - state.mac
    if encap:
        if _base_len(state) is None:
            return -ENOTSUPP
        if flags & ENCAP_L3_MASK == ENCAP_L3_MASK:
            return -errno.EINVAL
        both_l4 = BPF_F_ADJ_ROOM_ENCAP_L4_GRE | BPF_F_ADJ_ROOM_ENCAP_L4_UDP
        if flags & both_l4 == both_l4:
            return -errno.EINVAL
        if flags & BPF_F_ADJ_ROOM_ENCAP_L2_ETH and inner_mac_len < ETH_HLEN:
            return -errno.EINVAL
        if state.extra.get("encapsulation"):
            return -errno.EALREADY
        if inner_mac_len > size:
            return -errno.EINVAL
    _net_hdr_push(state, off, size)
    if encap:
        state.extra["encapsulation"] = True
        state.network = state.data + mac_len
        if flags & (BPF_F_ADJ_ROOM_ENCAP_L4_GRE | BPF_F_ADJ_ROOM_ENCAP_L4_UDP):
            nh_len = IPV6_HLEN if flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 else IPV4_HLEN
            state.extra["transport"] = state.data + mac_len + nh_len
        kern = state.kern
        if kern.protocol == _raw(ETH_P_IP) and flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV6:
            kern.protocol = _raw(ETH_P_IPV6)
        elif kern.protocol == _raw(ETH_P_IPV6) and flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV4:
            kern.protocol = _raw(ETH_P_IP)
    return 0


def _net_shrink(state: SkbState, off: int, size: int, flags: int) -> int:
    """``bpf_skb_net_shrink``."""
    if flags & ~(BPF_F_ADJ_ROOM_FIXED_GSO | DECAP_L3_MASK | BPF_F_ADJ_ROOM_NO_CSUM_RESET):
        return -errno.EINVAL
    if _gso(state):
        return -ENOTSUPP
    error = _net_hdr_pop(state, off, size)
    if error:
        return error
    kern = state.kern
    if flags & DECAP_L3_MASK:
        if kern.protocol == _raw(ETH_P_IP) and flags & BPF_F_ADJ_ROOM_DECAP_L3_IPV6:
            kern.protocol = _raw(ETH_P_IPV6)
        elif kern.protocol == _raw(ETH_P_IPV6) and flags & BPF_F_ADJ_ROOM_DECAP_L3_IPV4:
            kern.protocol = _raw(ETH_P_IP)
    return 0


def _adjust_room(state: SkbState, len_diff: int, mode: int, flags: int) -> int:
    size = abs(len_diff)
    shrink = len_diff < 0
    len_min = _base_len(state)
    if flags & ~(ADJ_ROOM_MASK | BPF_F_ADJ_ROOM_NO_CSUM_RESET):
        return -errno.EINVAL
    if size > 0xFFF:
        return -errno.EFAULT
    if len_min is None:
        return -ENOTSUPP
    off = state.network - state.mac
    if mode == BPF_ADJ_ROOM_NET:
        off += len_min
    elif mode != BPF_ADJ_ROOM_MAC:
        return -ENOTSUPP
    decap = flags & DECAP_L3_MASK
    if decap:
        if not shrink or decap == DECAP_L3_MASK:
            return -errno.EINVAL
        len_min = IPV4_HLEN if decap == BPF_F_ADJ_ROOM_DECAP_L3_IPV4 else IPV6_HLEN
    len_cur = state.length - (state.network - state.data)
    if shrink and (size >= len_cur or len_cur - size < len_min):
        return -ENOTSUPP
    if not shrink and state.length + size > SKB_MAX_ALLOC and not _gso(state):
        return -ENOTSUPP
    result = _net_shrink(state, off, size, flags) if shrink else _net_grow(state, off, size, flags)
    reset = not result and not flags & BPF_F_ADJ_ROOM_NO_CSUM_RESET
    if reset and state.extra.get("csum_unnecessary"):  # __skb_reset_checksum_unnecessary
        state.extra["csum_unnecessary"] = False
        state.extra["csum_level"] = 0
    return result


def skb_adjust_room(ctx: HelperContext, skb: int, len_diff: int, mode: int, flags: int, _r5: int) -> int:
    state = skb_state(ctx.env)
    diff = len_diff & M32
    result = _adjust_room(state, diff - (1 << 32) if diff >> 31 else diff, mode & M32, flags & M64)
    state.sync()
    return result & M64


# -- MTU, timestamps, clone_redirect ---------------------------------------------------------------
def _device(env: RunEnv, ifindex: int) -> rtnl.Link | None:
    """The device ``ifindex`` of the caller's network namespace, or None when it has none
    (``dev_get_by_index_rcu(dev_net(skb->dev), ifindex)``: the test run's device is in the caller's
    namespace).  Asked of rtnetlink once a run (``env.devices``)."""
    devices = env.devices
    if ifindex in devices:
        return devices[ifindex]
    try:
        device = rtnl.link(ifindex)
    except OSError as err:
        raise HelperError(None, f"network device {ifindex}: rtnetlink: {err}") from err
    devices[ifindex] = device
    return device


def device_info(env: RunEnv, ifindex: int) -> tuple[int, int, int] | None:
    """(mtu, hard_header_len, flags) of the device ``ifindex`` of the caller's network namespace, or
    None when it has none."""
    device = _device(env, ifindex)
    if device is None:
        return None
    return device.mtu, _hard_header(device), device.flags


def _hard_header(device: rtnl.Link) -> int:
    """``dev->hard_header_len``: 14 for Ethernet and loopback devices, 0 for others."""
    return ETH_HLEN if device.type in (ARPHRD_ETHER, ARPHRD_LOOPBACK) else 0


def _veth_drops(env: RunEnv, device: int, state: SkbState) -> bool:
    """Does ``veth_xmit`` on ``device`` (up, with carrier) drop the clone?  Its peer must forward it
    (``is_skb_forwardable``): be up, and take a frame this long (``mtu + hard_header_len +
    VLAN_HLEN``) unless it is GSO.  A peer in another namespace is not seen: never a drop."""
    own = _device(env, device)
    if own is None or own.kind != "veth" or own.link_elsewhere or not own.link:
        return False
    peer = _device(env, own.link)
    if peer is None:
        return True  # a veth whose peer is gone: ``priv->peer`` is NULL
    if not peer.flags & IFF_UP:
        return True
    return state.length > peer.mtu + _hard_header(peer) + VLAN_HLEN and not _gso(state)


def _s32(value: int) -> int:
    value &= M32
    return value - (1 << 32) if value >> 31 else value


def check_mtu(  # noqa: PLR0917 - the helper ABI: five register arguments
    ctx: HelperContext, skb: int, ifindex: int, mtu_len: int, len_diff: int, flags: int
) -> int:
    state = skb_state(ctx.env)
    flags &= M64
    given = int.from_bytes(ctx.memory.read(mtu_len, 4), "little")
    if flags & ~BPF_MTU_CHK_SEGS or (flags & BPF_MTU_CHK_SEGS and (_s32(len_diff) or given)):
        return _neg(errno.EINVAL)
    info = device_info(ctx.env, ifindex & M32 or state.kern.dev_ifindex)
    if info is None:
        return _neg(errno.ENODEV)
    mtu, hard_header, _ = info
    length = _s32(given + hard_header if given else state.length) + _s32(len_diff)
    result = BPF_MTU_CHK_RET_FRAG_NEEDED
    if _s32(length) <= mtu + hard_header or _gso(state):
        result = BPF_MTU_CHK_RET_SUCCESS
    ctx.memory.write(mtu_len, (mtu & M32).to_bytes(4, "little"))
    return result


def skb_set_tstamp(ctx: HelperContext, skb: int, tstamp: int, tstamp_type: int, *_: int) -> int:
    kern = skb_state(ctx.env).kern
    if kern.protocol not in (_raw(ETH_P_IP), _raw(ETH_P_IPV6)):
        return _neg(errno.EOPNOTSUPP)
    tstamp &= M64
    tstamp_type &= M32
    if tstamp_type not in (BPF_SKB_CLOCK_REALTIME, BPF_SKB_CLOCK_MONOTONIC, BPF_SKB_CLOCK_TAI):
        return _neg(errno.EINVAL)
    if tstamp_type != BPF_SKB_CLOCK_REALTIME and not tstamp:
        return _neg(errno.EINVAL)
    kern.tstamp, kern.tstamp_type = tstamp, tstamp_type
    return 0


def clone_redirect(ctx: HelperContext, skb: int, ifindex: int, flags: int, *_: int) -> int:
    state = skb_state(ctx.env)
    if flags & ~BPF_F_INGRESS & M64:
        return _neg(errno.EINVAL)
    info = device_info(ctx.env, ifindex & M32)
    if info is None:
        return _neg(errno.EINVAL)
    if state.mac >= state.network or not state.length:
        return _neg(errno.ERANGE)
    if flags & BPF_F_INGRESS:  # dev_forward_skb_nomtu: the device must be up; no MTU check
        return 0 if info[2] & IFF_UP else NET_RX_DROP
    if info[2] & (IFF_UP | IFF_LOWER_UP) != IFF_UP | IFF_LOWER_UP:
        return NET_XMIT_CN  # down or without carrier: its qdisc is noop_qdisc, which drops
    return NET_XMIT_DROP if _veth_drops(ctx.env, ifindex & M32, state) else 0


SKB_RESIZE_HELPERS: dict[int, Helper] = {
    13: clone_redirect,
    18: skb_vlan_push,
    19: skb_vlan_pop,
    31: skb_change_proto,
    38: skb_change_tail,
    43: skb_change_head,
    50: skb_adjust_room,
    163: check_mtu,
    192: skb_set_tstamp,
}
"""Helper id -> implementation (gathered into ``pybpf.progtypes.skb_helpers.SKB_HELPERS``)."""

__all__ = ["SKB_MAX_ALLOC", "SKB_RESIZE_HELPERS", "device_info"]
