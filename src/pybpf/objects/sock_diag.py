"""The TCP and UDP sockets of the caller's network namespace, as ``NETLINK_SOCK_DIAG`` lists them.

Mirrors what net/ipv4/inet_diag.c (``inet_diag_dump_icsk``, ``inet_sk_diag_fill``,
``inet_req_diag_fill``, ``inet_twsk_diag_fill``) and net/ipv4/udp_diag.c answer a
``SOCK_DIAG_BY_FAMILY`` dump of ``struct inet_diag_req_v2`` (Linux 6.18): per socket a
``struct inet_diag_msg`` -- family, state, the local and peer address and port, the bound device
(``idiag_if``), the cookie, the uid and inode -- and the attributes asked for or always sent:
``INET_DIAG_MARK`` (to CAP_NET_ADMIN callers), ``INET_DIAG_SKV6ONLY`` (IPv6 sockets) and, for TCP,
``INET_DIAG_INFO`` (``struct tcp_info``, ``tcp_get_info``) with, for a socket with an upper-layer
protocol, ``INET_DIAG_ULP_INFO`` (its name: ``tcp_diag_get_aux``).  Request sockets (``TCP_NEW_SYN_RECV``
in the kernel's hash) are reported in state ``TCP_SYN_RECV``, time-wait ones in ``TCP_TIME_WAIT``.

``dump(protocol)`` makes one dump per family (AF_INET, AF_INET6) and returns ``DiagSocket`` records;
an ``OSError`` (no netlink, no sock_diag module) reaches the caller.  The framing is
``pybpf.objects.netlink``'s.
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from pybpf.objects import netlink

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
INET_DIAG_INFO, INET_DIAG_SKV6ONLY, INET_DIAG_MARK, INET_DIAG_ULP_INFO = 2, 11, 15, 19
INET_ULP_INFO_NAME = 1
ALL_STATES = 0xFFFF_FFFF

_REQ = struct.Struct("=BBBBI")
"""``struct inet_diag_req_v2`` up to its ``struct inet_diag_sockid`` (sent all zero: no filter)."""
_SOCKID_SIZE = 48
_MSG = struct.Struct("=BBBB HH 16s16s I Q IIIII")
"""``struct inet_diag_msg``: family, state, timer, retrans; sport and dport (big-endian, taken apart
below), src, dst, if, cookie; expires, rqueue, wqueue, uid, inode."""


@dataclass(frozen=True)
class DiagSocket:
    """One socket of a dump.  Addresses are 16 bytes: an AF_INET socket's in the first 4."""

    family: int
    protocol: int
    state: int
    local: bytes
    local_port: int
    peer: bytes
    peer_port: int
    bound_dev_if: int
    cookie: int
    uid: int
    inode: int
    mark: int = 0
    v6only: bool = False
    tcp_info: bytes = b""
    ulp: str = ""
    """The name of a TCP socket's upper-layer protocol (``INET_DIAG_ULP_INFO``: "tls", "mptcp"), or ""."""
    backlog: int = 0
    """A listener's ``sk_max_ack_backlog`` (``idiag_wqueue``)."""


def _record(protocol: int, body: bytes) -> DiagSocket | None:
    if len(body) < _MSG.size:
        return None
    (family, state, _timer, _retrans, sport, dport, src, dst, ifindex, cookie, _expires, _rq, wqueue, uid,
     inode) = _MSG.unpack_from(body)  # fmt: skip
    attrs = netlink.attributes(body, _MSG.size)
    mark = attrs.get(INET_DIAG_MARK, b"")
    v6only = attrs.get(INET_DIAG_SKV6ONLY, b"")
    ulp = netlink.attributes(attrs.get(INET_DIAG_ULP_INFO, b""), 0).get(INET_ULP_INFO_NAME, b"")
    return DiagSocket(
        family=family,
        protocol=protocol,
        state=state,
        local=src,
        local_port=socket.ntohs(sport),
        peer=dst,
        peer_port=socket.ntohs(dport),
        bound_dev_if=ifindex,
        cookie=cookie,
        uid=uid,
        inode=inode,
        mark=int.from_bytes(mark, "little") if len(mark) == 4 else 0,
        v6only=bool(v6only[:1] and v6only[0]),
        tcp_info=attrs.get(INET_DIAG_INFO, b""),
        ulp=ulp.split(b"\0", 1)[0].decode(errors="replace"),
        backlog=wqueue,
    )


def _dump_family(family: int, protocol: int) -> list[DiagSocket]:
    extensions = 1 << (INET_DIAG_INFO - 1) if protocol == socket.IPPROTO_TCP else 0
    request = _REQ.pack(family, protocol, extensions, 0, ALL_STATES) + bytes(_SOCKID_SIZE)
    records = (
        _record(protocol, body) for body in netlink.dump(NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY, request)
    )
    return [record for record in records if record is not None]


INET_DIAG_NOCOOKIE = 0xFFFF_FFFF_FFFF_FFFF
"""No cookie to check (``sock_diag_check_cookie``)."""


def find(
    protocol: int, family: int, local: tuple[bytes, int], remote: tuple[bytes, int], ifindex: int
) -> DiagSocket | None:
    """The socket the kernel's own lookup finds for a packet from ``remote`` to ``local`` (address,
    port) arriving on ``ifindex``: an exact ``SOCK_DIAG_BY_FAMILY`` request, which runs
    ``inet_lookup`` / ``inet6_lookup`` for TCP (``inet_diag_find_one_icsk``: established, time-wait
    and request sockets, then listeners, SO_REUSEPORT groups by the kernel's own hash) and
    ``__udp4_lib_lookup`` / ``__udp6_lib_lookup`` for UDP (``udp_dump_one``), the lookups a BPF
    socket lookup makes.  TCP's ``inet_diag_sockid`` names the local end as its source, UDP's the
    remote one.  None where nothing matches; other errors raise ``OSError``."""
    near, far = (local, remote) if protocol == socket.IPPROTO_TCP else (remote, local)
    extensions = 1 << (INET_DIAG_INFO - 1) if protocol == socket.IPPROTO_TCP else 0
    request = (
        _REQ.pack(family, protocol, extensions, 0, ALL_STATES)
        + struct.pack(">HH", near[1], far[1])
        + near[0].ljust(16, b"\0")
        + far[0].ljust(16, b"\0")
        + struct.pack("=IQ", ifindex, INET_DIAG_NOCOOKIE)
    )
    try:
        body = netlink.request(NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY, request)
    except FileNotFoundError:
        return None
    return _record(protocol, body)


def dump(protocol: int) -> list[DiagSocket]:
    """The IPv4 and IPv6 sockets of ``protocol`` (IPPROTO_TCP or IPPROTO_UDP) of this namespace."""
    return _dump_family(socket.AF_INET, protocol) + _dump_family(socket.AF_INET6, protocol)


AF_XDP = 44
XDP_SHOW_INFO = 1
XDP_DIAG_INFO = 1
_XDP_REQ = struct.Struct("=BBHII Q")
"""``struct xdp_diag_req``: family, protocol, pad, ino, show, cookie."""
_XDP_MSG = struct.Struct("=BBHI Q")
"""``struct xdp_diag_msg``: family, type, pad, ino, cookie."""
_XDP_INFO = struct.Struct("=II")
"""``struct xdp_diag_info``: ifindex, queue_id."""


def xdp_queues() -> dict[int, tuple[int, int]]:
    """The AF_XDP sockets of this namespace (net/xdp/xsk_diag.c ``xsk_diag_dump`` with
    XDP_SHOW_INFO): cookie -> (ifindex, queue_id) of the device queue each is bound to (0, 0 unbound)."""
    request = _XDP_REQ.pack(AF_XDP, 0, 0, 0, XDP_SHOW_INFO, 0)
    found: dict[int, tuple[int, int]] = {}
    for body in netlink.dump(NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY, request):
        if len(body) < _XDP_MSG.size:
            continue
        cookie = _XDP_MSG.unpack_from(body)[4]
        info = netlink.attributes(body, _XDP_MSG.size).get(XDP_DIAG_INFO, b"")
        if len(info) >= _XDP_INFO.size:
            found[cookie] = _XDP_INFO.unpack_from(info)
    return found


def own_socket_fds() -> Iterator[tuple[int, str]]:
    """This process's open socket files: (fd, ``socket:[INODE]``) from /proc/self/fd (none when it
    cannot be read) -- what pybpf can ask through the socket itself where sock_diag has no answer."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return
    for name in names:
        try:
            link = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue
        if link.startswith("socket:") and name.isdigit():
            yield int(name), link


__all__ = ["DiagSocket", "dump", "find", "own_socket_fds", "xdp_queues"]
