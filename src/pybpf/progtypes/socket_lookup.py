"""The socket lookups of tc and XDP programs: ``bpf_sk_lookup_tcp`` (84), ``bpf_sk_lookup_udp`` (85),
``bpf_skc_lookup_tcp`` (99), and ``bpf_sk_release`` (86) of the sockets they find.

Mirrors net/core/filter.c ``__bpf_skc_lookup`` / ``__bpf_sk_lookup`` / ``bpf_sk_release`` (Linux
6.18) and the lookups they call -- ``__inet_lookup`` / ``__inet6_lookup`` (net/ipv4/inet_hashtables.c,
net/ipv6/inet6_hashtables.c) and ``__udp4_lib_lookup`` / ``__udp6_lib_lookup``:

* NULL (0) for a ``tuple_size`` neither ``sizeof(tuple->ipv4)`` (12) nor ``sizeof(tuple->ipv6)``
  (36), flags other than 0, a ``netns`` neither negative (``BPF_F_CURRENT_NETNS``: the test run's
  device's namespace, the caller's) nor at most S32_MAX, and a ``netns`` id the caller's namespace
  has not given any namespace (``RTM_GETNSID``, as ``get_net_ns_by_id`` finds none);
* the device the lookup names is the test run's: the skb's (loopback, or ctx_in's ``ifindex``), the
  XDP packet's receive device; no test-run device is a VRF slave, so ``sdif`` is 0;
* the socket is the one the kernel's own lookup finds: an exact ``SOCK_DIAG_BY_FAMILY`` request
  (``pybpf.objects.sock_diag.find``) runs the same ``inet_lookup`` / ``__udp*_lib_lookup`` with
  the tuple and the device -- established, time-wait and request sockets before listeners, the
  kernel's ``compute_score``, bound devices, IPV6_V6ONLY, SO_REUSEPORT groups by the kernel's own
  hash of the tuple, the namespace's SK_LOOKUP programs;
* where sock_diag cannot be asked so (an IPv6 tuple of v4-mapped addresses, which it looks up as
  IPv4; an error), the model below picks among a dump of the namespace's sockets: TCP an
  established, time-wait or request socket with the tuple's four addresses and ports (an IPv4
  lookup also finds an IPv6 socket with v4-mapped addresses), else a listener bound to the
  destination address, else to the wildcard (an IPv4 lookup also takes IPv6 sockets that are not
  IPV6_V6ONLY), the best ``compute_score`` first (bound to the device, then IPv4); UDP the best
  ``compute_score`` among the sockets bound to the destination address, else the wildcard
  (connected to the source, bound to the device, IPv4).  Where the kernel would choose among several
  by what a dump does not show (a SO_REUSEPORT group's hash, the CPU that last fed a UDP socket) and
  their images differ, the run stops with a ``HelperError``;
* ``bpf_sk_lookup_*`` turn a request socket into its listener and a time-wait one into NULL
  (``sk_to_full_sk`` / ``sk_fullsock``); ``bpf_skc_lookup_tcp`` hands them out as they are;
* the program gets a read-only image of the socket (``pybpf.helpers.sock_images``); ``bpf_sk_release``
  takes back what a lookup handed out (the verifier proves the program releases each one).

A lookup in a namespace the caller's has given an id stops the run (pybpf sees only the caller's
sockets); so does one where sock_diag is unavailable altogether and ``/proc/self/net`` lists a
socket that could match.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass

from pybpf.errors import HelperError
from pybpf.helpers.context import SYSCALL_CHARGE, HelperContext
from pybpf.helpers.registry import Helper
from pybpf.helpers.sock_images import (
    TCP_CLOSE,
    TCP_LISTEN,
    TCP_NEW_SYN_RECV,
    TCP_TIME_WAIT,
    V4_MAPPED,
    SocketImage,
    kernel_state,
    known_table,
    socket_table,
    v4_view,
)
from pybpf.isa.words import M32, M64
from pybpf.objects.netns_ids import namespace_ids
from pybpf.objects.sock_diag import DiagSocket, dump, find
from pybpf.progtypes.skb import SkbState
from pybpf.progtypes.xdp_helpers import XdpState

S32_MAX = 0x7FFF_FFFF
IPV4_TUPLE, IPV6_TUPLE = 12, 36
"""``sizeof(tuple->ipv4)`` and ``sizeof(tuple->ipv6)`` of ``struct bpf_sock_tuple``."""
PROC_TABLES = {socket.IPPROTO_TCP: ("tcp", "tcp6"), socket.IPPROTO_UDP: ("udp", "udp6")}
_ANY4, _ANY6 = bytes(4), bytes(16)
SOCKET_LOOKUP_CHARGE = 4 * SYSCALL_CHARGE
"""What a lookup costs the run's budget: the sock_diag request (a socket, a send, a receive) and
the image's /proc/self/fd look-up."""
SOCKET_DUMP_CHARGE = 16 * SYSCALL_CHARGE
"""What a lookup that dumps the namespace's sockets costs besides (the dumps walk the kernel's hash
tables, milliseconds each)."""


# -- the /proc fallback ------------------------------------------------------------------------------------
def _address(text: str) -> tuple[bytes, int]:
    """A ``/proc/net`` address (the raw words in hex, then the port): the raw bytes and the port."""
    words, port = text.split(":")
    raw = b"".join(int(words[i : i + 8], 16).to_bytes(4, "little") for i in range(0, len(words), 8))
    return raw, int(port, 16)


def proc_sockets(protocol: int) -> list[tuple[bytes, int, bytes, int, int]]:
    """The caller's network namespace's sockets of ``protocol`` (TCP or UDP), IPv4 and IPv6, as
    ``/proc/self/net`` lists them: (local address, local port, peer address, peer port, state).
    IPv4 addresses are 4 bytes, IPv6 16."""
    sockets: list[tuple[bytes, int, bytes, int, int]] = []
    for table in PROC_TABLES[protocol]:
        try:
            with open(f"/proc/self/net/{table}", encoding="ascii") as handle:
                lines = handle.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 4:
                continue
            try:
                local, local_port = _address(fields[1])
                peer, peer_port = _address(fields[2])
                state = int(fields[3], 16)
            except ValueError:
                continue
            sockets.append((local, local_port, peer, peer_port, state))
    return sockets


def _same_address(table: bytes, wanted: bytes) -> bool:
    """Whether the listed address is the wanted one (an IPv4 one also as IPv4-mapped IPv6)."""
    return table == wanted or (len(table) == 16 and len(wanted) == 4 and table == V4_MAPPED + wanted)


def could_find(protocol: int, saddr: bytes, sport: int, daddr: bytes, dport: int) -> bool:
    """Whether a socket ``/proc/self/net`` lists might be what the kernel's lookup of the tuple finds:
    bound to the destination port on its address or a wildcard one, and either not connected or
    connected to the source (a conservative match: bound devices and IPV6_V6ONLY are not there)."""
    for local, local_port, peer, peer_port, state in proc_sockets(protocol):
        if local_port != dport or not (_same_address(local, daddr) or not any(local)):
            continue
        listening = state == TCP_LISTEN if protocol == socket.IPPROTO_TCP else not any(peer) and not peer_port
        if listening or (_same_address(peer, saddr) and peer_port == sport):
            return True
    return False


# -- the lookups over sock_diag's sockets ---------------------------------------------------------------
def _bound_ok(sock: DiagSocket, dif: int) -> bool:
    """``inet_bound_dev_eq`` with sdif 0 and no l3mdev_accept."""
    return not sock.bound_dev_if or sock.bound_dev_if == dif


def _local(sock: DiagSocket, v4: bool) -> bytes:
    return v4_view(sock, sock.local) if v4 else sock.local


def _peer(sock: DiagSocket, v4: bool) -> bytes:
    return v4_view(sock, sock.peer) if v4 else sock.peer


def _family_ok(sock: DiagSocket, v4: bool) -> bool:
    """Whether a lookup of the family can find the socket at all: an IPv6 lookup only IPv6 sockets, an
    IPv4 one IPv4 sockets and IPv6 ones that are not IPV6_V6ONLY."""
    if not v4:
        return sock.family == socket.AF_INET6
    return sock.family == socket.AF_INET or not sock.v6only


def _mapped(sock: DiagSocket) -> bool:
    return sock.family == socket.AF_INET or (sock.local[:12] == V4_MAPPED and sock.peer[:12] == V4_MAPPED)


@dataclass(frozen=True)
class SockTuple:
    """A ``struct bpf_sock_tuple``: its ipv4 (``v4``: 4-byte addresses) or ipv6 member."""

    v4: bool
    saddr: bytes
    sport: int
    daddr: bytes
    dport: int

    @classmethod
    def parse(cls, raw: bytes) -> SockTuple:
        """The tuple of ``raw``, ``sizeof(tuple->ipv4)`` or ``sizeof(tuple->ipv6)`` bytes."""
        width = 4 if len(raw) == IPV4_TUPLE else 16
        ports = raw[2 * width : 2 * width + 4]
        return cls(
            width == 4,
            raw[:width],
            int.from_bytes(ports[:2], "big"),
            raw[width : 2 * width],
            int.from_bytes(ports[2:], "big"),
        )


def tcp_established(sockets: Sequence[DiagSocket], where: SockTuple, dif: int) -> list[DiagSocket]:
    """``__inet_lookup_established`` / ``__inet6_lookup_established``: the hashed non-listening
    sockets (time-wait and request ones too) with the tuple's four addresses and ports."""
    v4, saddr, sport, daddr, dport = where.v4, where.saddr, where.sport, where.daddr, where.dport
    return [
        sock
        for sock in sockets
        if sock.state not in (TCP_LISTEN, TCP_CLOSE)
        and sock.local_port == dport
        and sock.peer_port == sport
        and (_mapped(sock) if v4 else sock.family == socket.AF_INET6)
        and _local(sock, v4) == daddr
        and _peer(sock, v4) == saddr
        and _bound_ok(sock, dif)
    ]


def _best(scored: list[tuple[int, DiagSocket]], cpu_bonus: bool) -> list[DiagSocket]:
    """The candidates the kernel may pick: the best score's, and with ``cpu_bonus`` those one below
    (``sk_incoming_cpu`` equal to the running CPU adds one)."""
    if not scored:
        return []
    top = max(score for score, _ in scored)
    floor = top - 1 if cpu_bonus else top
    return [sock for score, sock in scored if score >= floor]


def tcp_listeners(
    sockets: Sequence[DiagSocket], v4: bool, daddr: bytes, dport: int, dif: int
) -> list[DiagSocket]:
    """``__inet_lookup_listener`` / ``inet6_lookup_listener``: the best-scoring listeners bound to the
    destination address, else to the wildcard (``compute_score``: bound to the device, then IPv4)."""
    for address in (daddr, _ANY4 if v4 else _ANY6):
        scored = [
            ((2 if sock.bound_dev_if else 1) + (v4 and sock.family == socket.AF_INET), sock)
            for sock in sockets
            if sock.state == TCP_LISTEN
            and sock.local_port == dport
            and _family_ok(sock, v4)
            and _local(sock, v4) == address
            and _bound_ok(sock, dif)
        ]
        if scored:
            return _best(scored, cpu_bonus=False)
    return []


def _udp_score(sock: DiagSocket, v4: bool, saddr: bytes, sport: int, dif: int) -> int:
    """``compute_score`` of net/ipv4/udp.c and net/ipv6/udp.c (-1: no match), without the CPU bonus."""
    if not _bound_ok(sock, dif):
        return -1
    peer = _peer(sock, v4)
    step = 4 if v4 else 1
    score = (2 if sock.family == socket.AF_INET else 1) if v4 else 0
    if any(peer):
        if peer != saddr:
            return -1
        score += step
    if sock.peer_port:
        if sock.peer_port != sport:
            return -1
        score += step
    return score + (step if sock.bound_dev_if else 0)


def udp_sockets(sockets: Sequence[DiagSocket], where: SockTuple, dif: int) -> list[DiagSocket]:
    """``__udp4_lib_lookup`` / ``__udp6_lib_lookup``: the best-scoring sockets bound to the destination
    address, else to the wildcard."""
    v4, saddr, sport, dport = where.v4, where.saddr, where.sport, where.dport
    for address in (where.daddr, _ANY4 if v4 else _ANY6):
        scored = [
            (score, sock)
            for sock in sockets
            if sock.local_port == dport
            and _family_ok(sock, v4)
            and _local(sock, v4) == address
            and (score := _udp_score(sock, v4, saddr, sport, dif)) >= 0
        ]
        if scored:
            return _best(scored, cpu_bonus=True)
    return []


def _accepted(sock: DiagSocket, sockets: Sequence[DiagSocket]) -> bool:
    """Whether a TCP connection is one a listener of the namespace accepted: a listener on its local
    port, bound to its address or the wildcard (user space sees no other trace of it)."""
    return (
        sock.protocol == socket.IPPROTO_TCP
        and sock.state not in (TCP_LISTEN, TCP_CLOSE)
        and any(
            other.state == TCP_LISTEN
            and other.local_port == sock.local_port
            and other.family == sock.family
            and other.local in (sock.local, _ANY6)
            for other in sockets
        )
    )


def _one(
    ctx: HelperContext, candidates: list[DiagSocket], name: str, sockets: Sequence[DiagSocket]
) -> SocketImage | None:
    """The image of the socket the kernel finds among ``candidates`` (all equally possible)."""
    if not candidates:
        return None
    table = socket_table(ctx.memory)
    images = [table.image(sock, accepted=_accepted(sock, sockets)) for sock in candidates]
    if any(bytes(image.sock) != bytes(images[0].sock) for image in images[1:]):
        raise HelperError(
            None,
            f"{name}: the kernel picks one of {len(candidates)} sockets (a SO_REUSEPORT group or equal "
            "scores: by a hash with a per-boot secret or by CPU) and pybpf cannot tell which",
        )
    return images[0]


def _device(ctx: HelperContext) -> int:
    """The ifindex of the test run's device (the skb's, the XDP receive queue's); 0 without one."""
    packet = ctx.env.packet
    if isinstance(packet, SkbState):
        return int(packet.kern.dev_ifindex)
    if isinstance(packet, XdpState):
        return int(packet.kctx.dev.ifindex)
    return 0


def _exact(protocol: int, where: SockTuple, dif: int) -> tuple[bool, DiagSocket | None]:
    """(answered, socket) of the kernel's own lookup through sock_diag (``sock_diag.find``); not
    answered where sock_diag cannot ask it -- an IPv6 tuple of v4-mapped addresses (sock_diag looks
    those up as IPv4, a BPF lookup as IPv6) or an error other than "nothing found"."""
    if not where.v4 and (where.saddr[:12] == V4_MAPPED or where.daddr[:12] == V4_MAPPED):
        return False, None
    family = socket.AF_INET if where.v4 else socket.AF_INET6
    try:
        return True, find(protocol, family, (where.daddr, where.dport), (where.saddr, where.sport), dif)
    except OSError:
        return False, None


def _accepted_exact(sock: DiagSocket, dif: int) -> bool:
    """``_accepted`` by the kernel's lookup: whether a listener takes new connections to the
    connection's local address and port (what an IPv6 connection's IPv4 peer field depends on)."""
    if sock.family != socket.AF_INET6 or sock.protocol != socket.IPPROTO_TCP or sock.state == TCP_LISTEN:
        return False
    try:
        found = find(socket.IPPROTO_TCP, socket.AF_INET6, (sock.local, sock.local_port), (_ANY6, 0), dif)
    except OSError:
        return False
    return found is not None and found.state == TCP_LISTEN


def lookup(ctx: HelperContext, protocol: int, raw: bytes, *, full: bool, name: str) -> SocketImage | None:
    """``sk_lookup`` of one tuple (``raw``: the ipv4 or ipv6 member): the kernel's own lookup through
    sock_diag where it can be asked, else the model over a dump of the namespace's sockets (an
    ``OSError`` where that fails too); ``full``: ``__bpf_sk_lookup`` (full sockets only) rather than
    ``__bpf_skc_lookup``."""
    where, dif = SockTuple.parse(raw), _device(ctx)
    answered, sock = _exact(protocol, where, dif)
    if answered:
        found = (
            None
            if sock is None
            else socket_table(ctx.memory).image(sock, accepted=_accepted_exact(sock, dif))
        )
    else:
        ctx.charge(SOCKET_DUMP_CHARGE)
        sockets = dump(protocol)
        if protocol == socket.IPPROTO_UDP:
            return _one(ctx, udp_sockets(sockets, where, dif), name, sockets)
        found = _one(ctx, tcp_established(sockets, where, dif), name, sockets)
        if found is None:
            return _one(ctx, tcp_listeners(sockets, where.v4, where.daddr, where.dport, dif), name, sockets)
    if found is None or protocol == socket.IPPROTO_UDP:
        return found
    state = kernel_state(found.diag)
    if not full or state not in (TCP_TIME_WAIT, TCP_NEW_SYN_RECV):
        return found
    if state == TCP_TIME_WAIT:
        return None
    return listener_of(ctx, found, name)


def listener_of(ctx: HelperContext, request: SocketImage, name: str) -> SocketImage | None:
    """``sk_to_full_sk`` of a request socket: the listener it came to (the one listening on its
    local address and port through the device)."""
    diag = request.diag
    v4 = _mapped(diag)
    ctx.charge(SOCKET_DUMP_CHARGE)
    sockets = dump(socket.IPPROTO_TCP)
    return _one(
        ctx, tcp_listeners(sockets, v4, _local(diag, v4), diag.local_port, _device(ctx)), name, sockets
    )


def _check_other_namespace(netns: int, name: str) -> None:
    """``get_net_ns_by_id`` of a lookup's ``netns``: nothing where the caller's namespace has no
    namespace of that id (the lookup finds nothing); where it has one, the run stops (pybpf sees only
    the caller's sockets)."""
    try:
        known = netns in namespace_ids()
    except OSError as err:
        raise HelperError(None, f"{name}: network namespace id {netns}: the ids are unknown ({err})") from err
    if known:
        raise HelperError(
            None, f"{name}: a lookup in network namespace {netns} (pybpf sees only the caller's)"
        )


def _lookup(  # noqa: PLR0917 - the helper's arguments and which lookup
    ctx: HelperContext, tuple_address: int, size: int, netns: int, flags: int, protocol: int, name: str
) -> int:
    size &= M32
    netns &= M64
    if size not in (IPV4_TUPLE, IPV6_TUPLE) or flags & M64:
        return 0
    signed_ns = netns & M32
    if not (signed_ns >> 31 or netns <= S32_MAX):
        return 0
    if not signed_ns >> 31:
        _check_other_namespace(netns, name)
        return 0
    raw = ctx.memory.read(tuple_address, size)
    ctx.charge(SOCKET_LOOKUP_CHARGE)
    try:
        found = lookup(ctx, protocol, raw, full=name != "bpf_skc_lookup_tcp", name=name)
    except OSError as err:
        where = SockTuple.parse(raw)
        if could_find(protocol, where.saddr, where.sport, where.daddr, where.dport):
            raise HelperError(None, f"{name}: sock_diag is unavailable ({err}) and a socket of the "
                              "namespace may match the tuple") from err  # fmt: skip
        return 0
    return 0 if found is None else found.address


def sk_lookup_tcp(ctx: HelperContext, ctx_ptr: int, tuple_: int, size: int, netns: int, flags: int) -> int:  # noqa: PLR0917 - the helper ABI
    return _lookup(ctx, tuple_, size, netns, flags, socket.IPPROTO_TCP, "bpf_sk_lookup_tcp")


def sk_lookup_udp(ctx: HelperContext, ctx_ptr: int, tuple_: int, size: int, netns: int, flags: int) -> int:  # noqa: PLR0917 - the helper ABI
    return _lookup(ctx, tuple_, size, netns, flags, socket.IPPROTO_UDP, "bpf_sk_lookup_udp")


def skc_lookup_tcp(ctx: HelperContext, ctx_ptr: int, tuple_: int, size: int, netns: int, flags: int) -> int:  # noqa: PLR0917 - the helper ABI
    return _lookup(ctx, tuple_, size, netns, flags, socket.IPPROTO_TCP, "bpf_skc_lookup_tcp")


def found_socket(ctx: HelperContext, address: int, name: str) -> SocketImage:
    """The socket a lookup handed out at ``address`` (its ``bpf_sock`` or ``bpf_tcp_sock`` image)."""
    table = known_table(ctx.memory)
    image = None if table is None else table.find(address)
    if image is None:
        raise HelperError(None, f"{name}: {address:#x} is no socket this program was given")
    return image


def sk_release(ctx: HelperContext, sk: int, *_: int) -> int:
    """``long bpf_sk_release(sk)``: 0 (the image stays until the address space goes)."""
    found_socket(ctx, sk, "bpf_sk_release")
    return 0


def found_tcp_sock(ctx: HelperContext, sk: int) -> int:
    """``bpf_tcp_sock`` of a found socket: its ``struct bpf_tcp_sock`` for a full TCP socket (the
    fields user space cannot learn opaque: ``sock_images.fill_tcp``), else NULL."""
    image = found_socket(ctx, sk, "bpf_tcp_sock")
    diag = image.diag
    if diag.protocol != socket.IPPROTO_TCP or kernel_state(diag) in (TCP_TIME_WAIT, TCP_NEW_SYN_RECV):
        return 0
    if not image.has_tcp:
        raise HelperError(None, "bpf_tcp_sock: sock_diag sent no struct tcp_info for the socket")
    return image.tcp_address


def found_fullsock(ctx: HelperContext, sk: int) -> int:
    """``bpf_sk_fullsock`` of a found socket: its ``struct bpf_sock``, NULL for time-wait and request ones."""
    image = found_socket(ctx, sk, "bpf_sk_fullsock")
    return 0 if kernel_state(image.diag) in (TCP_TIME_WAIT, TCP_NEW_SYN_RECV) else image.address


def found_listener(ctx: HelperContext, sk: int) -> int:
    """``bpf_get_listener_sock`` of a found socket: itself when it listens, a request socket's listener,
    else NULL."""
    image = found_socket(ctx, sk, "bpf_get_listener_sock")
    state = kernel_state(image.diag)
    if state == TCP_NEW_SYN_RECV:
        image = listener_of(ctx, image, "bpf_get_listener_sock") or image
        state = kernel_state(image.diag)
    if image.diag.protocol != socket.IPPROTO_TCP or state != TCP_LISTEN:
        return 0
    return image.address


SOCKET_LOOKUP_HELPERS: dict[int, Helper] = {
    84: sk_lookup_tcp,
    85: sk_lookup_udp,
    86: sk_release,
    99: skc_lookup_tcp,
}
"""Helper id -> implementation, for the tc and XDP program types."""

__all__ = [
    "SOCKET_LOOKUP_HELPERS",
    "SockTuple",
    "could_find",
    "found_fullsock",
    "found_listener",
    "found_socket",
    "found_tcp_sock",
    "lookup",
    "proc_sockets",
    "sk_release",
    "tcp_established",
    "tcp_listeners",
    "udp_sockets",
]
