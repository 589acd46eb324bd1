"""The socket lookups of tc and XDP programs: ``bpf_sk_lookup_tcp``, ``bpf_sk_lookup_udp``,
``bpf_skc_lookup_tcp``.

Mirrors ``__bpf_skc_lookup`` / ``__bpf_sk_lookup`` of net/core/filter.c (Linux 6.18) as far as a
user-space model can answer them.  The kernel looks the tuple up among the real sockets of the
caller's network namespace (``__inet_lookup`` for TCP: established then listening sockets;
``__udp4_lib_lookup`` / ``__udp6_lib_lookup`` for UDP), which pybpf does not own.  What it models:

* NULL (0) where the kernel's answer does not depend on any socket: ``tuple_size`` neither
  ``sizeof(tuple->ipv4)`` (12) nor ``sizeof(tuple->ipv6)`` (36), flags other than 0, a ``netns``
  that is neither negative (the current namespace, ``BPF_F_CURRENT_NETNS``) nor at most S32_MAX;
* NULL when the caller's namespace has no socket the lookup could find: pybpf reads the sockets
  the kernel lists in ``/proc/self/net/{tcp,tcp6,udp,udp6}`` and finds none with the tuple's
  destination as its local address (or a wildcard one) and port, and, for a connected or
  established one, the tuple's source as its peer -- a conservative match (bound devices,
  IPV6_V6ONLY and reuseport groups are not known from there: such sockets count as matches).

Where a socket could be found, or the lookup is in another namespace (``netns`` 0..S32_MAX), the
run stops with a ``HelperError`` saying so: pybpf has no kernel socket to hand the program (the
kernel returns a referenced ``struct sock`` the program must release with ``bpf_sk_release``).
"""

from __future__ import annotations

import socket

from pybpf.errors import HelperError
from pybpf.helpers.context import HelperContext
from pybpf.helpers.registry import Helper
from pybpf.isa.words import M32, M64

S32_MAX = 0x7FFF_FFFF
IPV4_TUPLE, IPV6_TUPLE = 12, 36
"""``sizeof(tuple->ipv4)`` and ``sizeof(tuple->ipv6)`` of ``struct bpf_sock_tuple``."""
TCP_LISTEN = 0x0A
PROC_TABLES = {socket.IPPROTO_TCP: ("tcp", "tcp6"), socket.IPPROTO_UDP: ("udp", "udp6")}


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


_V4_MAPPED = bytes(10) + b"\xff\xff"


def _same_address(table: bytes, wanted: bytes) -> bool:
    """Whether the listed address is the wanted one (an IPv4 one also as IPv4-mapped IPv6)."""
    return table == wanted or (len(table) == 16 and len(wanted) == 4 and table == _V4_MAPPED + wanted)


def _wildcard(address: bytes) -> bool:
    return not any(address)


def could_find(protocol: int, saddr: bytes, sport: int, daddr: bytes, dport: int) -> bool:
    """Whether a socket of the caller's namespace might be what the kernel's lookup of the tuple
    (source ``saddr``:``sport``, destination ``daddr``:``dport``) finds: bound to the destination port
    on its address or a wildcard one, and either not connected or connected to the source."""
    for local, local_port, peer, peer_port, state in proc_sockets(protocol):
        if local_port != dport or not (_same_address(local, daddr) or _wildcard(local)):
            continue
        listening = (
            state == TCP_LISTEN if protocol == socket.IPPROTO_TCP else _wildcard(peer) and not peer_port
        )
        if listening or (_same_address(peer, saddr) and peer_port == sport):
            return True
    return False


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
        raise HelperError(
            None, f"{name}: a lookup in network namespace {netns} (pybpf sees only the caller's)"
        )
    tuple_bytes = ctx.memory.read(tuple_address, size)
    width = 4 if size == IPV4_TUPLE else 16
    saddr, daddr = tuple_bytes[:width], tuple_bytes[width : 2 * width]
    sport = int.from_bytes(tuple_bytes[2 * width : 2 * width + 2], "big")
    dport = int.from_bytes(tuple_bytes[2 * width + 2 : 2 * width + 4], "big")
    if could_find(protocol, saddr, sport, daddr, dport):
        raise HelperError(None, f"{name}: the caller's network namespace has a socket for this tuple (pybpf "
                          "hands out no kernel socket)")  # fmt: skip
    return 0


def sk_lookup_tcp(ctx: HelperContext, ctx_ptr: int, tuple_: int, size: int, netns: int, flags: int) -> int:  # noqa: PLR0917 - the helper ABI
    return _lookup(ctx, tuple_, size, netns, flags, socket.IPPROTO_TCP, "bpf_sk_lookup_tcp")


def sk_lookup_udp(ctx: HelperContext, ctx_ptr: int, tuple_: int, size: int, netns: int, flags: int) -> int:  # noqa: PLR0917 - the helper ABI
    return _lookup(ctx, tuple_, size, netns, flags, socket.IPPROTO_UDP, "bpf_sk_lookup_udp")


def skc_lookup_tcp(ctx: HelperContext, ctx_ptr: int, tuple_: int, size: int, netns: int, flags: int) -> int:  # noqa: PLR0917 - the helper ABI
    return _lookup(ctx, tuple_, size, netns, flags, socket.IPPROTO_TCP, "bpf_skc_lookup_tcp")


SOCKET_LOOKUP_HELPERS: dict[int, Helper] = {84: sk_lookup_tcp, 85: sk_lookup_udp, 99: skc_lookup_tcp}
"""Helper id -> implementation, for the tc and XDP program types."""

__all__ = ["SOCKET_LOOKUP_HELPERS", "could_find", "proc_sockets"]
