"""The lookup rules of ``pybpf.progtypes.socket_lookup`` on made-up socket tables (no kernel needed):
the kernel's order and scores, where a differential test cannot set the table up (several sockets
of one port bound in ways the kernel refuses to combine for one process, bound devices that do not
exist), and sock_diag's parsing of malformed replies."""

from __future__ import annotations

import socket
import struct

from pybpf.objects import netlink
from pybpf.objects.sock_diag import DiagSocket, _record
from pybpf.progtypes.socket_lookup import SockTuple, tcp_established, tcp_listeners, udp_sockets

LO4 = socket.inet_aton("127.0.0.1")
LO6 = socket.inet_pton(socket.AF_INET6, "::1")
MAPPED = bytes(10) + b"\xff\xff" + LO4
ANY = bytes(16)
TCP, UDP = socket.IPPROTO_TCP, socket.IPPROTO_UDP
LISTEN, ESTABLISHED, CLOSE = 10, 1, 7


def sock(
    family: int = socket.AF_INET,
    *,
    protocol: int = TCP,
    state: int = LISTEN,
    local: bytes = LO4,
    port: int = 80,
    peer: bytes = b"",
    peer_port: int = 0,
    dev: int = 0,
    v6only: bool = False,
    cookie: int = 1,
) -> DiagSocket:
    return DiagSocket(family, protocol, state, local.ljust(16, b"\0"), port, peer.ljust(16, b"\0"), peer_port,
                      dev, cookie, 0, 0, v6only=v6only)  # fmt: skip


def v4(sport: int = 1000, dport: int = 80) -> SockTuple:
    return SockTuple(True, LO4, sport, LO4, dport)


def test_a_listener_bound_to_the_address_wins_over_a_wildcard_one() -> None:
    specific, wildcard = sock(cookie=1), sock(local=bytes(4), cookie=2)
    assert tcp_listeners([wildcard, specific], True, LO4, 80, 1) == [specific]
    assert tcp_listeners([wildcard], True, LO4, 80, 1) == [wildcard]


def test_a_listener_bound_to_the_device_scores_higher_and_another_device_s_is_never_found() -> None:
    on_lo, anywhere, elsewhere = sock(dev=1, cookie=1), sock(cookie=2), sock(dev=5, cookie=3)
    assert tcp_listeners([anywhere, on_lo, elsewhere], True, LO4, 80, 1) == [on_lo]
    assert tcp_listeners([elsewhere], True, LO4, 80, 1) == []


def test_ipv4_listeners_score_over_dual_stack_ones_and_v6only_ones_are_not_found_by_ipv4() -> None:
    dual = sock(socket.AF_INET6, local=ANY, cookie=1)
    only6 = sock(socket.AF_INET6, local=ANY, v6only=True, cookie=2)
    plain = sock(local=bytes(4), cookie=3)
    assert tcp_listeners([dual, plain], True, LO4, 80, 1) == [plain]
    assert tcp_listeners([dual, only6], True, LO4, 80, 1) == [dual]
    assert tcp_listeners([only6, plain], False, LO6, 80, 1) == [only6]


def test_established_sockets_match_all_four_and_mapped_ones_are_found_by_ipv4() -> None:
    conn = sock(state=ESTABLISHED, peer=LO4, peer_port=1000)
    mapped = sock(socket.AF_INET6, state=ESTABLISHED, local=MAPPED, peer=MAPPED, peer_port=1000, cookie=2)
    native6 = sock(socket.AF_INET6, state=ESTABLISHED, local=LO6, peer=LO6, peer_port=1000, cookie=3)
    assert tcp_established([conn, native6], v4(), 1) == [conn]
    assert tcp_established([mapped], v4(), 1) == [mapped]
    assert tcp_established([conn], v4(sport=1001), 1) == []
    assert tcp_established([native6], SockTuple(False, LO6, 1000, LO6, 80), 1) == [native6]


def test_udp_scores_connected_over_unconnected_and_falls_back_to_the_wildcard() -> None:
    loose = sock(protocol=UDP, state=CLOSE, cookie=1)
    connected = sock(protocol=UDP, state=ESTABLISHED, peer=LO4, peer_port=1000, cookie=2)
    elsewhere = sock(protocol=UDP, state=ESTABLISHED, peer=LO4, peer_port=999, cookie=3)
    wildcard = sock(protocol=UDP, state=CLOSE, local=bytes(4), cookie=4)
    assert udp_sockets([loose, connected], v4(), 1) == [connected]
    assert udp_sockets([elsewhere, wildcard], v4(), 1) == [wildcard]
    # equal scores but for the CPU bonus: both are candidates (the kernel may pick either)
    twin = sock(protocol=UDP, state=CLOSE, cookie=5)
    assert udp_sockets([loose, twin], v4(), 1) == [loose, twin]


def test_malformed_sock_diag_replies_are_skipped() -> None:
    assert _record(TCP, b"\x02\x0a") is None
    body = struct.pack("=BBBB HH 16s16s I Q IIIII", 2, 10, 0, 0, 0x5000, 0, LO4, b"", 0, 7, 0, 0, 0, 0, 9)
    record = _record(TCP, body + struct.pack("=HH", 200, 15) + b"\x01\x02")  # an attribute past the end
    assert record is not None and (record.local_port, record.cookie, record.mark) == (80, 7, 0)
    assert netlink.attributes(struct.pack("=HH", 2, 1), 0) == {}  # a length below the header
    assert netlink.attributes(struct.pack("=HH", 8, 15) + b"\x34\x12\x00\x00", 0) == {15: b"\x34\x12\x00\x00"}
