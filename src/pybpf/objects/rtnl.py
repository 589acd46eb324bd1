"""The caller's network namespace as rtnetlink shows it: devices, addresses, routes, policy rules,
neighbours and the per-device sysctls a FIB lookup reads.

Mirrors what the kernel's dump handlers write (Linux 6.18): ``rtnl_dump_ifinfo`` (RTM_GETLINK,
``struct ifinfomsg``), ``inet_dump_ifaddr`` / ``inet6_dump_ifaddr`` (RTM_GETADDR, ``struct
ifaddrmsg``, in each device's list order), ``inet_dump_fib`` / ``inet6_dump_fib`` (RTM_GETROUTE,
``struct rtmsg``: every table, each prefix's routes in the kernel's alias/leaf order; with
RTM_F_CLONED the exceptions, i.e. learnt path MTUs), ``fib_nl_dumprule`` (RTM_GETRULE, ``struct
fib_rule_hdr``, in priority order) and ``neigh_dump_info`` (RTM_GETNEIGH, ``struct ndmsg``);
``link`` asks ``rtnl_getlink`` for one device; ``rx_queues`` completes it with the active receive queue
count, which rtnetlink does not report, from the ``ETHTOOL_GCHANNELS`` ioctl (``ethtool_get_channels``).
Addresses are kept as integers (IPv4 in network order read big-endian, IPv6 128-bit); a message too
short for its header is skipped.  ``sysctl`` reads /proc/sys/net, which answers for the reading
thread's namespace as these sockets do.  Every reader raises ``OSError`` where rtnetlink cannot be
asked.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import socket
import struct
from dataclasses import dataclass, field

from pybpf.objects import netlink

NETLINK_ROUTE = 0
RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH, RTM_GETRULE = 18, 22, 26, 30, 34
RTM_F_CLONED = 0x200
SIOCETHTOOL, ETHTOOL_GCHANNELS = 0x8946, 0x3C

IFLA_ADDRESS, IFLA_BROADCAST, IFLA_IFNAME, IFLA_MTU, IFLA_MASTER, IFLA_LINKINFO = 1, 2, 3, 4, 10, 18
IFLA_GROUP, IFLA_NUM_RX_QUEUES = 27, 32
IFLA_LINK, IFLA_LINK_NETNSID = 5, 37
IFLA_INFO_KIND = 1
IFA_ADDRESS, IFA_LOCAL, IFA_FLAGS = 1, 2, 8
RTA_DST, RTA_SRC, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC, RTA_METRICS, RTA_MULTIPATH = (
    1, 2, 4, 5, 6, 7, 8, 9,
)  # fmt: skip
RTA_TABLE, RTA_VIA, RTA_PREF, RTA_ENCAP_TYPE, RTA_ENCAP, RTA_NH_ID = 15, 18, 20, 21, 22, 30
RTAX_LOCK, RTAX_MTU = 1, 2
NDA_DST, NDA_LLADDR = 1, 2
FRA_DST, FRA_SRC, FRA_IIFNAME, FRA_GOTO, FRA_PRIORITY, FRA_FWMARK, FRA_TUN_ID = 1, 2, 3, 4, 6, 10, 12
FRA_SUPPRESS_IFGROUP, FRA_SUPPRESS_PREFIXLEN, FRA_TABLE, FRA_FWMASK, FRA_OIFNAME = 13, 14, 15, 16, 17
FRA_L3MDEV, FRA_UID_RANGE, FRA_IP_PROTO, FRA_SPORT_RANGE, FRA_DPORT_RANGE, FRA_DSCP = 19, 20, 22, 23, 24, 25
FRA_FLOWLABEL, FRA_FLOWLABEL_MASK, FRA_SPORT_MASK, FRA_DPORT_MASK, FRA_DSCP_MASK = 26, 27, 28, 29, 30

_IFINFOMSG = struct.Struct("=BxHiII")
_IFADDRMSG = struct.Struct("=BBBBI")
_RTMSG = struct.Struct("=BBBBBBBBI")
_NDMSG = struct.Struct("=BxxxiHBB")
_RULEHDR = _RTMSG  # struct fib_rule_hdr: family, dst_len, src_len, tos, table, res1, res2, action, flags


@dataclass(frozen=True)
class Link:
    """A device (``struct net_device`` as RTM_GETLINK reports it)."""

    index: int
    name: str
    type: int
    flags: int
    mtu: int
    address: bytes
    master: int
    group: int
    kind: str
    broadcast: bytes = b""
    num_rx_queues: int = 1
    """``dev->num_rx_queues`` (allocated; the active count, ``real_num_rx_queues``, is not reported)."""
    link: int = 0
    """``IFLA_LINK``: the device this one is bound to (a veth's peer), 0 for none."""
    link_elsewhere: bool = False
    """``IFLA_LINK_NETNSID`` given: ``link`` is an ifindex of another network namespace."""


@dataclass(frozen=True)
class Address:
    """An interface address (``struct in_ifaddr`` / ``inet6_ifaddr``)."""

    family: int
    index: int
    prefixlen: int
    scope: int
    flags: int
    local: int


@dataclass(frozen=True)
class Route:
    """A FIB entry (``fib_alias`` + ``fib_info`` / ``fib6_info``) of one table."""

    family: int
    table: int
    dst: int
    dst_len: int
    src_len: int
    tos: int
    type: int
    scope: int
    flags: int
    oif: int
    gateway: int
    gateway_family: int
    priority: int
    prefsrc: int | None
    metrics: dict[int, int]
    multipath: bool
    encap_type: int | None
    nexthop_id: int
    pref: int


@dataclass(frozen=True)
class Rule:
    """A policy routing rule (``struct fib_rule``)."""

    priority: int
    action: int
    table: int
    flags: int
    tos: int
    src: int
    src_len: int
    dst: int
    dst_len: int
    attrs: dict[int, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Neighbour:
    """A neighbour entry (``struct neighbour``)."""

    index: int
    state: int
    dst: int
    lladdr: bytes


def _u32(payload: bytes, default: int = 0) -> int:
    return int.from_bytes(payload[:4], "little") if len(payload) >= 4 else default


def _addr(payload: bytes | None) -> int:
    return int.from_bytes(payload, "big") if payload else 0


def _link(body: bytes) -> Link | None:
    if len(body) < _IFINFOMSG.size:
        return None
    _family, kind, index, flags, _change = _IFINFOMSG.unpack_from(body)
    attrs = netlink.attributes(body, _IFINFOMSG.size)
    info = netlink.attributes(attrs.get(IFLA_LINKINFO, b""), 0)
    return Link(
        index=index,
        name=attrs.get(IFLA_IFNAME, b"").split(b"\0")[0].decode(errors="replace"),
        type=kind,
        flags=flags,
        mtu=_u32(attrs.get(IFLA_MTU, b"")),
        address=attrs.get(IFLA_ADDRESS, b""),
        master=_u32(attrs.get(IFLA_MASTER, b"")),
        group=_u32(attrs.get(IFLA_GROUP, b"")),
        kind=info.get(IFLA_INFO_KIND, b"").split(b"\0")[0].decode(errors="replace"),
        broadcast=attrs.get(IFLA_BROADCAST, b""),
        num_rx_queues=_u32(attrs.get(IFLA_NUM_RX_QUEUES, b""), 1),
        link=_u32(attrs.get(IFLA_LINK, b"")),
        link_elsewhere=IFLA_LINK_NETNSID in attrs,
    )


def links() -> dict[int, Link]:
    """Every device of the namespace, by ifindex."""
    found: dict[int, Link] = {}
    for body in netlink.dump(NETLINK_ROUTE, RTM_GETLINK, bytes(_IFINFOMSG.size)):
        found_link = _link(body)
        if found_link is not None:
            found[found_link.index] = found_link
    return found


def link(index: int) -> Link | None:
    """The device ``index`` of the namespace (one RTM_GETLINK request, ``rtnl_getlink``), or None when
    it has none (ENODEV; an index outside 1..INT_MAX names none).  Other failures raise ``OSError``."""
    if not 0 < index <= 0x7FFF_FFFF:
        return None
    try:
        reply = netlink.request(NETLINK_ROUTE, RTM_GETLINK, _IFINFOMSG.pack(0, 0, index, 0, 0))
    except OSError as err:
        if err.errno == errno.ENODEV:
            return None
        raise
    found = _link(reply)
    return found if found is not None and found.index == index else None


def rx_queues(device: Link) -> int:
    """``real_num_rx_queues`` of ``device``: its channels' rx + combined counts where the driver
    reports channels (``ethtool_ops.get_channels``), else every allocated queue (a driver that never
    changes the count leaves it at ``num_rx_queues``)."""
    channels = (ctypes.c_uint32 * 9)(ETHTOOL_GCHANNELS)  # struct ethtool_channels
    request = struct.pack("16sP", device.name.encode()[:15], ctypes.addressof(channels)).ljust(40, b"\0")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            fcntl.ioctl(sock.fileno(), SIOCETHTOOL, request)
    except OSError:
        return max(1, device.num_rx_queues)
    rx_count, combined_count = channels[5], channels[8]
    return max(1, rx_count + combined_count)


def addresses(family: int) -> list[Address]:
    """The addresses of ``family``, each device's in its list order (primaries first)."""
    found: list[Address] = []
    request = _IFADDRMSG.pack(family, 0, 0, 0, 0)
    for body in netlink.dump(NETLINK_ROUTE, RTM_GETADDR, request):
        if len(body) < _IFADDRMSG.size:
            continue
        fam, prefixlen, flags, scope, index = _IFADDRMSG.unpack_from(body)
        attrs = netlink.attributes(body, _IFADDRMSG.size)
        local = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS)
        if fam != family or not local:
            continue
        flags = _u32(attrs.get(IFA_FLAGS, b""), flags)
        found.append(Address(fam, index, prefixlen, scope, flags, _addr(local)))
    return found


def _route(body: bytes, family: int) -> Route | None:
    if len(body) < _RTMSG.size:
        return None
    fam, dst_len, src_len, tos, table, _proto, scope, kind, flags = _RTMSG.unpack_from(body)
    if fam != family:
        return None
    attrs = netlink.attributes(body, _RTMSG.size)
    gateway, gateway_family = _addr(attrs.get(RTA_GATEWAY)), family if RTA_GATEWAY in attrs else 0
    via = attrs.get(RTA_VIA, b"")
    if len(via) >= 2:
        gateway_family = int.from_bytes(via[:2], "little")
        gateway = _addr(via[2:])
    metrics = {
        kind_: _u32(value) for kind_, value in netlink.attributes(attrs.get(RTA_METRICS, b""), 0).items()
    }
    encap = attrs.get(RTA_ENCAP_TYPE)
    return Route(
        family=fam,
        table=_u32(attrs.get(RTA_TABLE, b""), table),
        dst=_addr(attrs.get(RTA_DST)),
        dst_len=dst_len,
        src_len=src_len,
        tos=tos,
        type=kind,
        scope=scope,
        flags=flags,
        oif=_u32(attrs.get(RTA_OIF, b"")),
        gateway=gateway,
        gateway_family=gateway_family,
        priority=_u32(attrs.get(RTA_PRIORITY, b"")),
        prefsrc=_addr(attrs[RTA_PREFSRC]) if RTA_PREFSRC in attrs else None,
        metrics=metrics,
        multipath=RTA_MULTIPATH in attrs,
        encap_type=int.from_bytes(encap[:2], "little") if encap is not None and RTA_ENCAP in attrs else None,
        nexthop_id=_u32(attrs.get(RTA_NH_ID, b"")),
        pref=attrs.get(RTA_PREF, b"\0")[0] if attrs.get(RTA_PREF) else 0,
    )


def routes(family: int, *, cloned: bool = False) -> list[Route]:
    """Every table's routes of ``family`` in dump order; ``cloned``: the exceptions instead."""
    request = _RTMSG.pack(family, 0, 0, 0, 0, 0, 0, 0, RTM_F_CLONED if cloned else 0)
    found = []
    for body in netlink.dump(NETLINK_ROUTE, RTM_GETROUTE, request):
        route = _route(body, family)
        if route is not None and bool(route.flags & RTM_F_CLONED) == cloned:
            found.append(route)
    return found


def rules(family: int) -> list[Rule]:
    """The policy rules of ``family`` in the order the kernel walks them."""
    found = []
    for body in netlink.dump(NETLINK_ROUTE, RTM_GETRULE, _RULEHDR.pack(family, 0, 0, 0, 0, 0, 0, 0, 0)):
        if len(body) < _RULEHDR.size:
            continue
        fam, dst_len, src_len, tos, table, _r1, _r2, action, flags = _RULEHDR.unpack_from(body)
        if fam != family:
            continue
        attrs = netlink.attributes(body, _RULEHDR.size)
        found.append(
            Rule(
                priority=_u32(attrs.get(FRA_PRIORITY, b"")),
                action=action,
                table=_u32(attrs.get(FRA_TABLE, b""), table),
                flags=flags,
                tos=tos,
                src=_addr(attrs.get(FRA_SRC)),
                src_len=src_len,
                dst=_addr(attrs.get(FRA_DST)),
                dst_len=dst_len,
                attrs=attrs,
            )
        )
    return found


def neighbours(family: int) -> list[Neighbour]:
    """The neighbour table of ``family`` (ARP or NDISC; no proxy entries)."""
    found = []
    for body in netlink.dump(NETLINK_ROUTE, RTM_GETNEIGH, _NDMSG.pack(family, 0, 0, 0, 0)):
        if len(body) < _NDMSG.size:
            continue
        fam, index, state, _flags, _type = _NDMSG.unpack_from(body)
        attrs = netlink.attributes(body, _NDMSG.size)
        if fam == family:
            found.append(Neighbour(index, state, _addr(attrs.get(NDA_DST)), attrs.get(NDA_LLADDR, b"")))
    return found


def route_source6(dst: int, oif: int) -> tuple[int, int] | None:
    """(source address, device) of RTM_GETROUTE for IPv6 ``dst`` out of ``oif``: the kernel's
    ``ip6_route_get_saddr`` (the route's preferred source, else ``ipv6_dev_get_saddr``), or None
    when it has none."""
    body = _RTMSG.pack(socket.AF_INET6, 128, 0, 0, 0, 0, 0, 0, 0)
    body += _attr(RTA_DST, dst.to_bytes(16, "big")) + _attr(RTA_OIF, oif.to_bytes(4, "little"))
    try:
        reply = netlink.request(NETLINK_ROUTE, RTM_GETROUTE, body)
    except OSError:
        return None
    attrs = netlink.attributes(reply, _RTMSG.size)
    if RTA_PREFSRC not in attrs:
        return None
    return _addr(attrs[RTA_PREFSRC]), _u32(attrs.get(RTA_OIF, b""))


def _attr(kind: int, payload: bytes) -> bytes:
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + bytes(netlink.align(length) - length)


def sysctl(path: str) -> int | None:
    """The integer under /proc/sys/net/``path`` (the reading thread's namespace), or None."""
    try:
        with open(f"/proc/sys/net/{path}", encoding="ascii") as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def device_sysctl(family: str, name: str, key: str) -> int | None:
    """``net.<family>.conf.<device>.<key>`` (a device name's dots are slashes in the path)."""
    return sysctl(f"{family}/conf/{name.replace('.', '/')}/{key}")


__all__ = [
    "Address",
    "Link",
    "Neighbour",
    "Route",
    "Rule",
    "addresses",
    "device_sysctl",
    "link",
    "links",
    "neighbours",
    "route_source6",
    "routes",
    "rules",
    "rx_queues",
    "sysctl",
]
