"""The ``bpf_skc_to_*`` casts of the networking program types (tc, XDP, CGROUP_SKB ...): a socket
pointer typed as the kernel struct it is, or NULL.

Mirrors net/core/filter.c (Linux 6.18): ``bpf_skc_to_tcp6_sock`` (136: a full TCP socket of
AF_INET6), ``bpf_skc_to_tcp_sock`` (137: a full TCP socket), ``bpf_skc_to_tcp_timewait_sock`` (138:
a TCP socket in TCP_TIME_WAIT), ``bpf_skc_to_tcp_request_sock`` (139: a TCP socket in
TCP_NEW_SYN_RECV), ``bpf_skc_to_udp6_sock`` (140: a full UDP datagram socket of AF_INET6),
``bpf_skc_to_unix_sock`` (178: a full AF_UNIX socket) and ``bpf_skc_to_mptcp_sock`` (196: the
MPTCP socket of a full TCP socket that is an MPTCP subflow, ``bpf_mptcp_sock_from_subflow``).

What they cast is a socket a lookup found (``pybpf.progtypes.socket_lookup``; the result is its
kernel struct image, ``pybpf.helpers.sock_kernel``) or an skb test run's own socket ``skb->sk``,
which ``bpf_prog_test_run_skb`` allocates with no protocol and no state: every cast of it is NULL.
The MPTCP socket behind a subflow (sock_diag names the subflow's ULP "mptcp") is nowhere user space
can read it: that cast stops the run.
"""

from __future__ import annotations

import ctypes
import socket
from collections.abc import Callable

from pybpf.errors import HelperError
from pybpf.helpers.context import HelperContext
from pybpf.helpers.registry import Helper
from pybpf.helpers.sock_images import (
    TCP_NEW_SYN_RECV,
    TCP_TIME_WAIT,
    SocketImage,
    is_fullsock,
    kernel_state,
    socket_table,
)
from pybpf.helpers.sock_kernel import kernel_image
from pybpf.progtypes.skb import SkbState
from pybpf.progtypes.socket_lookup import found_socket

MPTCP_ULP = "mptcp"


def _tcp(image: SocketImage) -> bool:
    return is_fullsock(image.diag) and image.diag.protocol == socket.IPPROTO_TCP


def _tcp6(image: SocketImage) -> bool:
    return _tcp(image) and image.diag.family == socket.AF_INET6


def _timewait(image: SocketImage) -> bool:
    return image.diag.protocol == socket.IPPROTO_TCP and kernel_state(image.diag) == TCP_TIME_WAIT


def _request(image: SocketImage) -> bool:
    return image.diag.protocol == socket.IPPROTO_TCP and kernel_state(image.diag) == TCP_NEW_SYN_RECV


def _udp6(image: SocketImage) -> bool:
    diag = image.diag
    return is_fullsock(diag) and diag.protocol == socket.IPPROTO_UDP and diag.family == socket.AF_INET6


def _unix(image: SocketImage) -> bool:
    return image.diag.family == socket.AF_UNIX  # (lookups find TCP and UDP sockets only)


def _cast(name: str, holds: Callable[[SocketImage], bool]) -> Helper:
    def cast(ctx: HelperContext, sk: int, *_: int) -> int:
        packet = ctx.env.packet
        if isinstance(packet, SkbState) and sk == ctypes.addressof(packet.sock):
            return 0  # the test run's socket: no protocol, no state, AF_INET/AF_INET6 or unspecified
        image = found_socket(ctx, sk, name)
        if not holds(image):
            return 0
        address = kernel_image(socket_table(ctx.memory), image)
        if not address:
            raise HelperError(None, f"{name}: no kernel BTF to lay out the socket's struct with")
        return address

    cast.__name__ = name
    return cast


def skc_to_mptcp_sock(ctx: HelperContext, sk: int, *_: int) -> int:
    """``bpf_skc_to_mptcp_sock``: NULL but for an MPTCP subflow, whose MPTCP socket stops the run."""
    packet = ctx.env.packet
    if isinstance(packet, SkbState) and sk == ctypes.addressof(packet.sock):
        return 0
    image = found_socket(ctx, sk, "bpf_skc_to_mptcp_sock")
    if not _tcp(image) or image.diag.ulp != MPTCP_ULP:
        return 0
    raise HelperError(
        None, "bpf_skc_to_mptcp_sock: the MPTCP socket of a subflow is not visible from user space"
    )


SOCKET_CAST_HELPERS: dict[int, Helper] = {
    136: _cast("bpf_skc_to_tcp6_sock", _tcp6),
    137: _cast("bpf_skc_to_tcp_sock", _tcp),
    138: _cast("bpf_skc_to_tcp_timewait_sock", _timewait),
    139: _cast("bpf_skc_to_tcp_request_sock", _request),
    140: _cast("bpf_skc_to_udp6_sock", _udp6),
    178: _cast("bpf_skc_to_unix_sock", _unix),
    196: skc_to_mptcp_sock,
}
"""Helper id -> implementation, for the program types that find sockets (tc, XDP, CGROUP_SKB)."""

__all__ = ["SOCKET_CAST_HELPERS", "skc_to_mptcp_sock"]
