"""``bpf_fib_lookup`` (69): the route and neighbour a packet would be forwarded with, looked up in the
caller's network namespace (where BPF_PROG_TEST_RUN runs a program) from what rtnetlink shows of it.

Mirrors net/core/filter.c ``bpf_ipv4_fib_lookup`` / ``bpf_ipv6_fib_lookup`` and their callers
``bpf_xdp_fib_lookup`` / ``bpf_skb_fib_lookup`` (Linux 6.18), over user-space models of what they
call:

* IPv4: ``fib_lookup`` -- without custom rules the main table (the local table merged into it, as
  ``fib_new_table`` aliases their tries until a rule is added -- for good: a namespace whose added
  rules are all deleted again looks default to pybpf, but the kernel keeps the tables apart) then
  the default table; with them ``fib_rules_lookup`` over the rules (``fib_rule_match``,
  ``fib4_rule_match``, goto/nop/table/blackhole/unreachable/prohibit actions, ``fib4_rule_suppress``)
  -- and, with BPF_FIB_LOOKUP_DIRECT, ``fib_table_lookup`` of the main table or ``params->tbid``:
  the longest prefix holding ``daddr``, its routes in the kernel's order, the first whose TOS
  matches; a reject type answers its ``fib_props`` error, a dead or (where ignored) link-down
  nexthop, or one not on the output device, is passed over.  ``ip_mtu_from_fib_result`` (the route
  MTU only when locked or with ``ip_forward_use_pmtu``, else a learnt path MTU, else the device's),
  ``fib_result_prefsrc`` (``inet_select_addr``), the ARP entry (``__ipv4_neigh_lookup_noref``: key 0
  on loopback and point-to-point devices) or, for a gateway ``via inet6``, the NDISC one.
* IPv6: ``fib6_lookup`` (local then main table, or the rules through ``fib6_rule_action_alt``) and
  ``fib6_table_lookup``: the longest prefix, its lowest-metric routes scored as ``rt6_score_route``
  does without RT6_LOOKUP_F_REACHABLE (2 on the lookup's device, router preference above), the
  higher metrics only when none qualifies, backtracking to shorter prefixes; ``ip6_mtu_from_fib6``
  (a locked route MTU, a learnt one, else the device's ``mtu6``) and ``ipv6_dev_get_saddr`` (asked
  of the kernel through RTM_GETROUTE, which runs that same function).

Each early return leaves ``params`` as the kernel's does (``tbid`` zeroed by TBID lookups, the
gateway and family written before NO_NEIGH, ``mtu_result`` only where the kernel writes it).
Where the answer would hang on kernel state user space cannot see -- a multipath route (the kernel
hashes the flow with a boot-time secret), nexthop objects, VRF (l3mdev) devices, source-specific
IPv6 routes, the MTU headroom of a lightweight tunnel other than ip/ip6 -- the run stops with a
``HelperError`` naming it, rather than answer what the kernel might not.  The IPv6 round-robin
pointer of routes of equal metric and score is assumed at its start (it moves only where the
kernel probes neighbours, RT6_LOOKUP_F_REACHABLE, which this lookup never asks).
"""

from __future__ import annotations

import errno
import socket
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pybpf.errors import HelperError
from pybpf.objects import rtnl
from pybpf.uapi import (
    BPF_FIB_LKUP_RET_BLACKHOLE,
    BPF_FIB_LKUP_RET_FRAG_NEEDED,
    BPF_FIB_LKUP_RET_FWD_DISABLED,
    BPF_FIB_LKUP_RET_NO_NEIGH,
    BPF_FIB_LKUP_RET_NO_SRC_ADDR,
    BPF_FIB_LKUP_RET_NOT_FWDED,
    BPF_FIB_LKUP_RET_PROHIBIT,
    BPF_FIB_LKUP_RET_SUCCESS,
    BPF_FIB_LKUP_RET_UNREACHABLE,
    BPF_FIB_LKUP_RET_UNSUPP_LWT,
    BPF_FIB_LOOKUP_DIRECT,
    BPF_FIB_LOOKUP_MARK,
    BPF_FIB_LOOKUP_OUTPUT,
    BPF_FIB_LOOKUP_SKIP_NEIGH,
    BPF_FIB_LOOKUP_SRC,
    BPF_FIB_LOOKUP_TBID,
)

PARAMS_SIZE = 64
"""sizeof(struct bpf_fib_lookup)."""
FLAGS_MASK = (
    BPF_FIB_LOOKUP_DIRECT
    | BPF_FIB_LOOKUP_OUTPUT
    | BPF_FIB_LOOKUP_SKIP_NEIGH
    | BPF_FIB_LOOKUP_TBID
    | BPF_FIB_LOOKUP_SRC
    | BPF_FIB_LOOKUP_MARK
)
RT_TABLE_DEFAULT, RT_TABLE_MAIN, RT_TABLE_LOCAL = 253, 254, 255
RTN_UNICAST, RTN_BLACKHOLE, RTN_UNREACHABLE, RTN_PROHIBIT, RTN_THROW = 1, 6, 7, 8, 9
FR_ACT_TO_TBL, FR_ACT_GOTO, FR_ACT_NOP = 1, 2, 3
FR_ACT_BLACKHOLE, FR_ACT_UNREACHABLE, FR_ACT_PROHIBIT = 6, 7, 8
FIB_RULE_INVERT = 0x2
RTNH_F_DEAD, RTNH_F_LINKDOWN = 0x1, 0x10
NUD_VALID = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80  # REACHABLE STALE DELAY PROBE NOARP PERMANENT
IFF_UP, IFF_LOOPBACK, IFF_POINTOPOINT = 0x1, 0x8, 0x10
ARPHRD_ETHER, ARPHRD_LOOPBACK = 1, 772
ETH_HLEN, VLAN_HLEN = 14, 4
IFA_F_SECONDARY = 0x01
RT_SCOPE_LINK = 253
LOOPBACK_IFINDEX = 1
IP_MAX_MTU = 0xFFFF
IPV6_MIN_MTU = 1280
IP6_MAX_MTU = 0xFFFF + 40
IPTOS_RT_MASK = 0x1C
FLOWLABEL_MASK = 0xFFFFF
LWTUNNEL_ENCAP_IP, LWTUNNEL_ENCAP_IP6 = 2, 4
_PROPS_ERROR = {6: -errno.EINVAL, 7: -errno.EHOSTUNREACH, 8: -errno.EACCES, 9: -errno.EAGAIN,
                10: -errno.EINVAL, 11: -errno.EINVAL}  # fmt: skip
"""``fib_props[type].error`` (blackhole, unreachable, prohibit, throw, nat, xresolve)."""
_DEFAULT_RULES = {(0, RT_TABLE_LOCAL), (32766, RT_TABLE_MAIN), (32767, RT_TABLE_DEFAULT)}


def _unsupported(what: str) -> HelperError:
    return HelperError(None, f"bpf_fib_lookup: {what} is not modelled (the kernel's answer depends on it)")


@dataclass
class Params:
    """``struct bpf_fib_lookup`` over the program's 64 bytes (fields by their kernel offsets)."""

    raw: bytearray

    def u8(self, off: int) -> int:
        return self.raw[off]

    def u16(self, off: int) -> int:
        return int.from_bytes(self.raw[off : off + 2], "little")

    def be16(self, off: int) -> int:
        return int.from_bytes(self.raw[off : off + 2], "big")

    def u32(self, off: int) -> int:
        return int.from_bytes(self.raw[off : off + 4], "little")

    def put(self, off: int, value: bytes) -> None:
        self.raw[off : off + len(value)] = value

    def put_u16(self, off: int, value: int) -> None:
        self.put(off, (value & 0xFFFF).to_bytes(2, "little"))

    def put_u32(self, off: int, value: int) -> None:
        self.put(off, (value & 0xFFFF_FFFF).to_bytes(4, "little"))

    def addr(self, off: int, family: int) -> int:
        return int.from_bytes(self.raw[off : off + (4 if family == socket.AF_INET else 16)], "big")

    def put_addr(self, off: int, value: int, family: int) -> None:
        self.put(off, value.to_bytes(4 if family == socket.AF_INET else 16, "big"))


FAMILY, L4_PROTOCOL, SPORT, DPORT, TOT_LEN, IFINDEX, TOS, SRC, DST, VLAN_PROTO, VLAN_TCI = (
    0, 1, 2, 4, 6, 8, 12, 16, 32, 48, 50,
)  # fmt: skip
TBID, MARK, SMAC, DMAC = 48, 52, 52, 58


@dataclass
class _Flow:
    """A ``flowi4`` / ``flowi6`` as the lookup fills it."""

    family: int
    iif: int
    oif: int
    tos: int
    proto: int
    src: int
    dst: int
    sport: int
    dport: int
    mark: int
    has_saddr: bool
    flowlabel: int = 0


@dataclass
class _Net:
    """One read of the namespace (each helper call reads it afresh, as the kernel's is live)."""

    links: dict[int, rtnl.Link]

    @classmethod
    def read(cls) -> _Net:
        try:
            return cls(rtnl.links())
        except OSError as err:
            raise HelperError(None, f"bpf_fib_lookup: rtnetlink: {err}") from err

    def forwarding(self, family: int, index: int) -> bool:
        link = self.links[index]
        value = rtnl.device_sysctl("ipv4" if family == socket.AF_INET else "ipv6", link.name, "forwarding")
        return bool(value)

    def ignores_linkdown(self, family: int, index: int) -> bool:
        fam = "ipv4" if family == socket.AF_INET else "ipv6"
        link = self.links.get(index)
        own = rtnl.device_sysctl(fam, link.name, "ignore_routes_with_linkdown") if link else 0
        return bool(own or rtnl.device_sysctl(fam, "all", "ignore_routes_with_linkdown"))

    def check_l3mdev(self, *indexes: int) -> None:
        for index in indexes:
            link = self.links.get(index)
            if link and (
                link.kind == "vrf" or (link.master in self.links and self.links[link.master].kind == "vrf")
            ):
                raise _unsupported("a VRF (l3mdev) device")


def _rtnl(read: Callable[[], list[rtnl.Route]]) -> list[rtnl.Route]:
    try:
        return read()
    except OSError as err:
        raise HelperError(None, f"bpf_fib_lookup: rtnetlink: {err}") from err


def _rtnl_rules(family: int) -> list[rtnl.Rule]:
    try:
        return rtnl.rules(family)
    except OSError as err:
        raise HelperError(None, f"bpf_fib_lookup: rtnetlink: {err}") from err


def _contains(prefix: int, length: int, addr: int, width: int) -> bool:
    shift = width - length
    return (prefix >> shift) == (addr >> shift) if length else True


# -- rules (net/core/fib_rules.c, net/ipv4/fib_rules.c, net/ipv6/fib6_rules.c) --------------------


def _port_matches(attrs: dict[int, bytes], kind: int, mask_kind: int, port: int) -> bool:
    """``fib_rule_port_match``: under a mask the range's start, else the range."""
    payload = attrs.get(kind, b"")
    start, end = int.from_bytes(payload[:2], "little"), int.from_bytes(payload[2:4], "little")
    mask = int.from_bytes(attrs.get(mask_kind, b"\0\0")[:2], "little")
    if mask:
        return not (start ^ port) & mask
    return len(payload) < 4 or not (start or end) or start <= port <= end


def _rule_matches(rule: rtnl.Rule, flow: _Flow, net: _Net) -> bool:
    """``fib_rule_match`` with the family's ``match``; ``FIB_RULE_INVERT`` inverts it."""
    return _rule_selects(rule, flow, net) != bool(rule.flags & FIB_RULE_INVERT)


def _rule_selects(rule: rtnl.Rule, flow: _Flow, net: _Net) -> bool:
    attrs = rule.attrs
    by_name = {link.name: link.index for link in net.links.values()}
    for kind, index in ((rtnl.FRA_IIFNAME, flow.iif), (rtnl.FRA_OIFNAME, flow.oif)):
        if kind in attrs and by_name.get(attrs[kind].split(b"\0")[0].decode(errors="replace"), -1) != index:
            return False
    # fib_nl_fill_rule: neither without a mark selector; FRA_FWMASK only when not all ones
    mark = int.from_bytes(attrs.get(rtnl.FRA_FWMARK, b"\0\0\0\0")[:4], "little")
    mask = int.from_bytes(attrs.get(rtnl.FRA_FWMASK, b"\xff\xff\xff\xff")[:4], "little")
    mask = mask if rtnl.FRA_FWMARK in attrs else 0
    if (mark ^ flow.mark) & mask:
        return False
    if int.from_bytes(attrs.get(rtnl.FRA_TUN_ID, b""), "big"):
        return False  # the lookup's tunnel id is 0
    if attrs.get(rtnl.FRA_L3MDEV, b"\0")[:1] != b"\0":
        net.check_l3mdev(flow.iif, flow.oif)
        return False  # no l3mdev master among the lookup's devices
    uid = attrs.get(rtnl.FRA_UID_RANGE)
    if (
        uid is not None
        and len(uid) >= 8
        and not struct.unpack_from("=II", uid)[0] <= 0 <= struct.unpack_from("=II", uid)[1]
    ):
        return False
    if flow.family == socket.AF_INET6 and rtnl.FRA_FLOWLABEL_MASK in attrs:
        label = int.from_bytes(attrs.get(rtnl.FRA_FLOWLABEL, b"")[:4], "big")
        if (
            (flow.flowlabel ^ label)
            & int.from_bytes(attrs[rtnl.FRA_FLOWLABEL_MASK][:4], "big")
            & FLOWLABEL_MASK
        ):
            return False
    width = 32 if flow.family == socket.AF_INET else 128
    if rule.dst_len and not _contains(rule.dst, rule.dst_len, flow.dst, width):
        return False
    if rule.src_len:
        if flow.family == socket.AF_INET6 and not flow.has_saddr:
            return False  # without FIB_RULE_FIND_SADDR, which only ip6 output lookups set
        if not _contains(rule.src, rule.src_len, flow.src, width):
            return False
    if not _rule_dscp(rule, flow):
        return False
    proto = attrs.get(rtnl.FRA_IP_PROTO, b"\0")[:1][0] if attrs.get(rtnl.FRA_IP_PROTO) else 0
    if proto and proto != flow.proto:
        return False
    return _port_matches(attrs, rtnl.FRA_SPORT_RANGE, rtnl.FRA_SPORT_MASK, flow.sport) and _port_matches(
        attrs, rtnl.FRA_DPORT_RANGE, rtnl.FRA_DPORT_MASK, flow.dport
    )


def _rule_dscp(rule: rtnl.Rule, flow: _Flow) -> bool:
    dscp = flow.tos >> 2
    if rtnl.FRA_DSCP in rule.attrs:
        mask = rule.attrs.get(rtnl.FRA_DSCP_MASK, b"\x3f")[0]
        return rule.attrs[rtnl.FRA_DSCP][0] == dscp & mask
    if not rule.tos:
        return True
    if flow.family == socket.AF_INET:
        return rule.tos == flow.tos & IPTOS_RT_MASK
    return rule.tos >> 2 == dscp


def _suppressed(rule: rtnl.Rule, prefixlen: int, dev: int, net: _Net) -> bool:
    """``fib4_rule_suppress`` / ``fib6_rule_suppress``."""
    length = rule.attrs.get(rtnl.FRA_SUPPRESS_PREFIXLEN)
    if length is not None and prefixlen <= int.from_bytes(length[:4], "little", signed=True):
        return True
    group = rule.attrs.get(rtnl.FRA_SUPPRESS_IFGROUP)
    if group is not None and int.from_bytes(group[:4], "little", signed=True) != -1 and dev in net.links:
        return net.links[dev].group == int.from_bytes(group[:4], "little")
    return False


_Result = tuple[rtnl.Route | None, int]
"""(the route found, or None; the error: 0, -EAGAIN for nothing found, or a reject's errno)."""


def _rules_lookup(
    rules: list[rtnl.Rule], flow: _Flow, net: _Net, table_lookup: Callable[[int], _Result]
) -> _Result:
    """``fib_rules_lookup``: the first rule whose action answers anything but -EAGAIN."""
    at = 0
    while at < len(rules):
        rule = rules[at]
        at += 1
        if not _rule_matches(rule, flow, net):
            continue
        if rule.action == FR_ACT_GOTO:
            target = int.from_bytes(rule.attrs.get(rtnl.FRA_GOTO, b"\0\0\0\0")[:4], "little")
            jump = next((n for n, r in enumerate(rules) if r.priority == target), None)
            if jump is None:
                continue
            at = jump
            continue
        if rule.action == FR_ACT_NOP:
            continue
        if rule.action == FR_ACT_TO_TBL:
            route, err = table_lookup(rule.table)
        elif rule.action == FR_ACT_UNREACHABLE:
            route, err = None, -errno.ENETUNREACH
        elif rule.action == FR_ACT_PROHIBIT:
            route, err = None, -errno.EACCES
        else:
            route, err = None, -errno.EINVAL
        if not err and route is not None and _suppressed(rule, route.dst_len, route.oif, net):
            continue
        if err != -errno.EAGAIN:
            return route, err
    return None, -errno.ESRCH


def _custom(rules: list[rtnl.Rule]) -> bool:
    return {(rule.priority, rule.table) for rule in rules} != _DEFAULT_RULES or len(rules) != 3


# -- IPv4 (net/ipv4/fib_trie.c fib_table_lookup, fib_semantics.c) ----------------------------------


def _v4_table_lookup(routes: Iterable[rtnl.Route], flow: _Flow, net: _Net) -> _Result:
    """``fib_table_lookup`` over one table's (or the merged local+main) routes."""
    by_len: dict[int, list[rtnl.Route]] = {}
    for route in routes:
        if _contains(route.dst, route.dst_len, flow.dst, 32):
            by_len.setdefault(route.dst_len, []).append(route)
    for length in sorted(by_len, reverse=True):
        for route in by_len[length]:
            if route.tos and route.tos != flow.tos & IPTOS_RT_MASK:
                continue
            err = _PROPS_ERROR.get(route.type, 0)
            if err:
                return None, err
            if route.nexthop_id:
                raise _unsupported("a route through a nexthop object")
            if route.multipath:
                raise _unsupported("a multipath route (the kernel hashes the flow with a secret)")
            if route.flags & RTNH_F_DEAD:
                continue
            if route.flags & RTNH_F_LINKDOWN and net.ignores_linkdown(socket.AF_INET, route.oif):
                continue
            if flow.oif and flow.oif != route.oif:
                continue
            return route, 0
    return None, -errno.EAGAIN


def _v4_fib_lookup(flow: _Flow, net: _Net) -> _Result:
    """``fib_lookup``: the fast path without custom rules, else the rules."""
    rules = _rtnl_rules(socket.AF_INET)
    routes = _rtnl(lambda: rtnl.routes(socket.AF_INET))
    if not _custom(rules):
        merged = [r for r in routes if r.table == RT_TABLE_LOCAL] + [
            r for r in routes if r.table == RT_TABLE_MAIN
        ]
        route, err = _v4_table_lookup(merged, flow, net)
        default = [r for r in routes if r.table == RT_TABLE_DEFAULT]
        if err and default:
            route, err = _v4_table_lookup(default, flow, net)
        return route, -errno.ENETUNREACH if err == -errno.EAGAIN else err

    def table(tbid: int) -> _Result:
        return _v4_table_lookup((r for r in routes if r.table == tbid), flow, net)

    route, err = _rules_lookup(rules, flow, net, table)
    return route, -errno.ENETUNREACH if err == -errno.ESRCH else err


def _select_addr4(net: _Net, dev: int, dst: int, scope: int) -> int:
    """``inet_select_addr``: a primary address of ``dev`` within ``scope``, on ``dst``'s subnet first."""
    chosen = 0
    addresses = rtnl.addresses(socket.AF_INET)
    for addr in addresses:
        if addr.index != dev or addr.flags & IFA_F_SECONDARY or addr.scope > scope:
            continue
        if not dst or _contains(addr.local, addr.prefixlen, dst, 32):
            return addr.local
        chosen = chosen or addr.local
    if chosen:
        return chosen
    for addr in addresses:  # no l3mdev master: any device's address (for_each_netdev_rcu order)
        if addr.scope != RT_SCOPE_LINK and addr.scope <= scope:
            return addr.local
    return 0


def _v4_mtu(route: rtnl.Route, dst: int, net: _Net) -> int:
    """``ip_mtu_from_fib_result``."""
    mtu = 0
    locked = route.metrics.get(rtnl.RTAX_LOCK, 0) & (1 << rtnl.RTAX_MTU)
    if rtnl.sysctl("ipv4/ip_forward_use_pmtu") or locked:
        mtu = route.metrics.get(rtnl.RTAX_MTU, 0)
    if not mtu:
        mtu = _learnt_mtu(socket.AF_INET, dst, route.oif)
    if not mtu:
        mtu = min(net.links[route.oif].mtu, IP_MAX_MTU)
    return mtu - _lwt_headroom(route)


def _learnt_mtu(family: int, dst: int, dev: int) -> int:
    """A path MTU the kernel learnt for ``dst`` through ``dev`` (a next-hop exception), or 0."""
    width = 32 if family == socket.AF_INET else 128
    for route in _rtnl(lambda: rtnl.routes(family, cloned=True)):
        if route.dst == dst and route.dst_len == width and route.oif == dev:
            return route.metrics.get(rtnl.RTAX_MTU, 0)
    return 0


def _lwt_headroom(route: rtnl.Route) -> int:
    if route.encap_type is None or route.encap_type in (LWTUNNEL_ENCAP_IP, LWTUNNEL_ENCAP_IP6):
        return 0
    raise _unsupported(f"the MTU headroom of lightweight tunnel encapsulation {route.encap_type}")


def _neighbour(family: int, dev: int, key: int) -> rtnl.Neighbour | None:
    try:
        table = rtnl.neighbours(family)
    except OSError as err:
        raise HelperError(None, f"bpf_fib_lookup: rtnetlink: {err}") from err
    return next((n for n in table if n.index == dev and n.dst == key), None)


def _set_macs(params: Params, neigh: rtnl.Neighbour | None, link: rtnl.Link) -> int:
    if neigh is None or not neigh.state & NUD_VALID:
        return BPF_FIB_LKUP_RET_NO_NEIGH
    params.put(DMAC, neigh.lladdr[:6].ljust(6, b"\0"))
    params.put(SMAC, link.address[:6].ljust(6, b"\0"))
    return BPF_FIB_LKUP_RET_SUCCESS


def _fwd_params(params: Params, mtu: int) -> int:
    """``bpf_fib_set_fwd_params``."""
    params.put_u32(VLAN_PROTO, 0)
    if mtu:
        params.put_u16(TOT_LEN, mtu)
    return BPF_FIB_LKUP_RET_SUCCESS


def _flow(
    params: Params, flags: int, family: int, *, src: int, dst: int, tos: int, flowlabel: int = 0
) -> tuple[_Net, _Flow] | int:
    """What ``bpf_ipv4_fib_lookup`` and ``bpf_ipv6_fib_lookup`` both do first: the device of
    ``ifindex`` (-ENODEV without one), forwarding on it (FWD_DISABLED), then the flow to route --
    from the device, or with BPF_FIB_LOOKUP_OUTPUT out of it (from loopback); an IPv6 output
    lookup leaves the source unset (``flowi6_saddr`` is not taken as given).  The namespace and
    the flow, or the answer."""
    net = _Net.read()
    ifindex = params.u32(IFINDEX)
    if ifindex not in net.links:
        return -errno.ENODEV
    if not net.forwarding(family, ifindex):
        return BPF_FIB_LKUP_RET_FWD_DISABLED
    output = bool(flags & BPF_FIB_LOOKUP_OUTPUT)
    return net, _Flow(
        family=family,
        iif=LOOPBACK_IFINDEX if output else ifindex,
        oif=ifindex if output else 0,
        tos=tos,
        proto=params.u8(L4_PROTOCOL),
        src=src,
        dst=dst,
        sport=params.be16(SPORT),
        dport=params.be16(DPORT),
        mark=0,
        has_saddr=family == socket.AF_INET or not output,
        flowlabel=flowlabel,
    )


def _direct_table(params: Params, flags: int, net: _Net, ifindex: int) -> int:
    """BPF_FIB_LOOKUP_DIRECT's table: the device may not be an L3 master's, and the table is
    RT_TABLE_MAIN or, with BPF_FIB_LOOKUP_TBID, ``tbid`` (0: main), which the lookup zeroes."""
    net.check_l3mdev(ifindex)
    tbid = RT_TABLE_MAIN
    if flags & BPF_FIB_LOOKUP_TBID:
        tbid = params.u32(TBID)
        params.put_u32(TBID, 0)
    return tbid or RT_TABLE_MAIN


def _mtu_and_lwt(params: Params, route: rtnl.Route, mtu: int | None) -> int:
    """The checks after a forwarding route: a packet longer than ``mtu`` (None: not asked) is
    FRAG_NEEDED with ``tot_len`` set to the MTU, a route with lightweight tunnel encapsulation
    UNSUPP_LWT; 0: the lookup goes on."""
    if mtu is not None and params.u16(TOT_LEN) > mtu:
        params.put_u16(TOT_LEN, mtu)
        return BPF_FIB_LKUP_RET_FRAG_NEEDED
    if route.encap_type is not None:
        return BPF_FIB_LKUP_RET_UNSUPP_LWT
    return 0


def ipv4_lookup(params: Params, flags: int, check_mtu: bool) -> int:
    """``bpf_ipv4_fib_lookup``."""
    started = _flow(
        params, flags, socket.AF_INET, tos=params.u8(TOS),
        src=params.addr(SRC, socket.AF_INET), dst=params.addr(DST, socket.AF_INET),
    )  # fmt: skip
    if isinstance(started, int):
        return started
    net, flow = started
    ifindex = params.u32(IFINDEX)
    if flags & BPF_FIB_LOOKUP_DIRECT:
        tbid = _direct_table(params, flags, net, ifindex)
        routes = _rtnl(lambda: rtnl.routes(socket.AF_INET))
        table = [r for r in routes if r.table == tbid]
        if tbid == RT_TABLE_MAIN and not _custom(_rtnl_rules(socket.AF_INET)):
            table = [r for r in routes if r.table == RT_TABLE_LOCAL] + table  # fib_new_table(): one trie
        if not table:
            return BPF_FIB_LKUP_RET_NOT_FWDED  # no such table, or nothing in it (-EAGAIN): the same
        route, err = _v4_table_lookup(table, flow, net)
    else:
        flow.mark = params.u32(MARK) if flags & BPF_FIB_LOOKUP_MARK else 0
        route, err = _v4_fib_lookup(flow, net)
    if err or route is None:
        return {
            -errno.EINVAL: BPF_FIB_LKUP_RET_BLACKHOLE,
            -errno.EHOSTUNREACH: BPF_FIB_LKUP_RET_UNREACHABLE,
            -errno.EACCES: BPF_FIB_LKUP_RET_PROHIBIT,
        }.get(err, BPF_FIB_LKUP_RET_NOT_FWDED)
    if route.type != RTN_UNICAST:
        return BPF_FIB_LKUP_RET_NOT_FWDED
    mtu = _v4_mtu(route, flow.dst, net) if check_mtu else None
    stop = _mtu_and_lwt(params, route, mtu)
    if stop:
        return stop
    dev = route.oif
    params.put_u32(TOS, route.priority)
    params.put_u32(IFINDEX, dev)
    if flags & BPF_FIB_LOOKUP_SRC:
        src = route.prefsrc
        if src is None:
            gateway = route.gateway if route.gateway_family == socket.AF_INET else 0
            src = _select_addr4(net, dev, gateway, route.scope)
        params.put_addr(SRC, src, socket.AF_INET)
    key_family = socket.AF_INET
    if route.gateway_family == socket.AF_INET6:
        params.put(FAMILY, bytes([socket.AF_INET6]))
        params.put_addr(DST, route.gateway, socket.AF_INET6)
        key_family = socket.AF_INET6
    elif route.gateway_family:
        params.put_addr(DST, route.gateway, socket.AF_INET)
    if flags & BPF_FIB_LOOKUP_SKIP_NEIGH:
        return _fwd_params(params, mtu or 0)
    link = net.links[dev]
    if key_family == socket.AF_INET6:
        key = route.gateway
    else:
        key = 0 if link.flags & (IFF_LOOPBACK | IFF_POINTOPOINT) else params.addr(DST, socket.AF_INET)
    found = _set_macs(params, _neighbour(key_family, dev, key), link)
    return found if found else _fwd_params(params, mtu or 0)


# -- IPv6 (net/ipv6/route.c fib6_table_lookup, rt6_select; ip6_fib.c) --------------------------------


def _needs_strict(addr: int) -> bool:
    """``rt6_need_strict``: multicast, link-local unicast or loopback."""
    return addr >> 120 == 0xFF or addr >> 118 == 0xFE80 >> 6 or addr == 1


def _v6_score(route: rtnl.Route, oif: int) -> int:
    """``rt6_score_route`` without RT6_LOOKUP_F_IFACE / _REACHABLE."""
    score = 2 if not oif or route.oif == oif else 0
    decoded = {3: 1, 0: 2, 1: 3, 2: 0}.get(route.pref & 3, 2)  # IPV6_DECODE_PREF of RTA_PREF
    return score | decoded << 2


def _v6_table_lookup(routes: Iterable[rtnl.Route], oif: int, flow: _Flow, net: _Net) -> rtnl.Route | None:
    """``fib6_table_lookup`` (None: the null entry)."""
    by_len: dict[int, list[rtnl.Route]] = {}
    for route in routes:
        if route.src_len:
            raise _unsupported("a source-specific IPv6 route")
        if _contains(route.dst, route.dst_len, flow.dst, 128):
            by_len.setdefault(route.dst_len, []).append(route)
    for length in sorted(by_len, reverse=True):
        leaf = sorted(by_len[length], key=lambda r: r.priority)  # the kernel keeps them by metric
        head = [r for r in leaf if r.priority == leaf[0].priority]
        for group in (head, leaf[len(head) :]):
            best, best_score = None, -1
            for route in group:
                if route.flags & RTNH_F_DEAD:
                    continue
                if route.flags & RTNH_F_LINKDOWN and net.ignores_linkdown(socket.AF_INET6, route.oif):
                    continue
                score = _v6_score(route, oif)
                if score > best_score:
                    best, best_score = route, score
            if best is not None:
                if best.nexthop_id:
                    raise _unsupported("a route through a nexthop object")
                if best.multipath:
                    raise _unsupported("a multipath route (the kernel hashes the flow with a secret)")
                return best
    return None


def _v6_fib_lookup(oif: int, flow: _Flow, net: _Net) -> rtnl.Route | None:
    """``fib6_lookup``: local then main without custom rules, else the rules (errors: None)."""
    routes = _rtnl(lambda: rtnl.routes(socket.AF_INET6))
    rules = _rtnl_rules(socket.AF_INET6)

    def table(tbid: int) -> list[rtnl.Route]:
        return [r for r in routes if r.table == tbid]

    if not _custom_v6(rules):
        return _v6_table_lookup(table(RT_TABLE_LOCAL), oif, flow, net) or _v6_table_lookup(
            table(RT_TABLE_MAIN), oif, flow, net
        )

    def action(tbid: int) -> _Result:
        found = _v6_table_lookup(table(tbid), oif, flow, net)
        return (found, 0) if found is not None else (None, -errno.EAGAIN)

    route, err = _rules_lookup(rules, flow, net, action)
    return route if not err else None


def _custom_v6(rules: list[rtnl.Rule]) -> bool:
    return {(rule.priority, rule.table) for rule in rules} != {
        (0, RT_TABLE_LOCAL),
        (32766, RT_TABLE_MAIN),
    } or len(rules) != 2


def _v6_mtu(route: rtnl.Route, dst: int, net: _Net) -> int:
    """``ip6_mtu_from_fib6``."""
    mtu = 0
    if route.metrics.get(rtnl.RTAX_LOCK, 0) & (1 << rtnl.RTAX_MTU):
        mtu = route.metrics.get(rtnl.RTAX_MTU, 0)
    if not mtu:
        mtu = _learnt_mtu(socket.AF_INET6, dst, route.oif)
    if not mtu:
        link = net.links[route.oif]
        mtu = max(IPV6_MIN_MTU, rtnl.device_sysctl("ipv6", link.name, "mtu") or 0)
    return min(mtu, IP6_MAX_MTU) - _lwt_headroom(route)


def ipv6_lookup(params: Params, flags: int, check_mtu: bool) -> int:
    """``bpf_ipv6_fib_lookup``."""
    src = params.addr(SRC, socket.AF_INET6)
    dst = params.addr(DST, socket.AF_INET6)
    if _needs_strict(dst) or _needs_strict(src):
        return BPF_FIB_LKUP_RET_NOT_FWDED
    flowinfo = int.from_bytes(params.raw[TOS : TOS + 4], "big")
    tclass = (flowinfo >> 20) & 0xFF  # ip6_tclass(flowinfo)
    started = _flow(params, flags, socket.AF_INET6, src=src, dst=dst, tos=tclass, flowlabel=flowinfo)
    if isinstance(started, int):
        return started
    net, flow = started
    ifindex = params.u32(IFINDEX)
    if flags & BPF_FIB_LOOKUP_DIRECT:
        tbid = _direct_table(params, flags, net, ifindex)
        routes = _rtnl(lambda: rtnl.routes(socket.AF_INET6))
        route = _v6_table_lookup([r for r in routes if r.table == tbid], ifindex, flow, net)
    else:
        flow.mark = params.u32(MARK) if flags & BPF_FIB_LOOKUP_MARK else 0
        route = _v6_fib_lookup(ifindex, flow, net)
    if route is None:
        return BPF_FIB_LKUP_RET_NOT_FWDED
    verdict = {
        RTN_UNICAST: BPF_FIB_LKUP_RET_SUCCESS,
        RTN_BLACKHOLE: BPF_FIB_LKUP_RET_BLACKHOLE,
        RTN_UNREACHABLE: BPF_FIB_LKUP_RET_UNREACHABLE,
        RTN_PROHIBIT: BPF_FIB_LKUP_RET_PROHIBIT,
    }.get(route.type, BPF_FIB_LKUP_RET_NOT_FWDED)
    if verdict:
        return verdict
    mtu = _v6_mtu(route, dst, net) if check_mtu else None
    stop = _mtu_and_lwt(params, route, mtu)
    if stop:
        return stop
    if route.gateway_family:
        params.put_addr(DST, route.gateway, socket.AF_INET6)
    dev = route.oif
    params.put_u32(TOS, route.priority)
    params.put_u32(IFINDEX, dev)
    if flags & BPF_FIB_LOOKUP_SRC:
        if route.prefsrc is not None:
            params.put_addr(SRC, route.prefsrc, socket.AF_INET6)
        else:
            chosen = rtnl.route_source6(dst, dev)
            if chosen is None:
                return BPF_FIB_LKUP_RET_NO_SRC_ADDR
            if chosen[1] != dev:
                raise _unsupported("the source address selection of a device no route of it reaches")
            params.put_addr(SRC, chosen[0], socket.AF_INET6)
    if flags & BPF_FIB_LOOKUP_SKIP_NEIGH:
        return _fwd_params(params, mtu or 0)
    found = _set_macs(
        params, _neighbour(socket.AF_INET6, dev, params.addr(DST, socket.AF_INET6)), net.links[dev]
    )
    return found if found else _fwd_params(params, mtu or 0)


def fib_lookup(params: bytearray, flags: int, check_mtu: bool) -> int:
    """The family switch of ``bpf_xdp_fib_lookup`` / ``bpf_skb_fib_lookup`` after their plen and
    flags checks: ``params`` (64 bytes) is updated in place; the result is r0 (signed)."""
    view = Params(params)
    family = view.u8(FAMILY)
    if family == socket.AF_INET:
        return ipv4_lookup(view, flags, check_mtu)
    if family == socket.AF_INET6:
        return ipv6_lookup(view, flags, check_mtu)
    return -errno.EAFNOSUPPORT


def forwardable(ifindex: int, length: int, gso: bool) -> bool | None:
    """``__is_skb_forwardable`` (with the MTU check) of an skb of ``length`` bytes to device
    ``ifindex`` of the caller's namespace; None when there is no such device."""
    link = _Net.read().links.get(ifindex)
    if link is None:
        return None
    if not link.flags & IFF_UP:
        return False
    hard_header = ETH_HLEN if link.type in (ARPHRD_ETHER, ARPHRD_LOOPBACK) else 0
    return length <= link.mtu + hard_header + VLAN_HLEN or gso


def device_mtu(ifindex: int) -> int:
    """The MTU of device ``ifindex`` of the caller's namespace (0: none)."""
    link = _Net.read().links.get(ifindex)
    return link.mtu if link else 0


__all__ = [
    "FLAGS_MASK",
    "PARAMS_SIZE",
    "device_mtu",
    "fib_lookup",
    "forwardable",
    "ipv4_lookup",
    "ipv6_lookup",
]
