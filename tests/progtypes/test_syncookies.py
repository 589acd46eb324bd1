"""The SYN cookie helpers (``pybpf.progtypes.syncookies``) from tc and XDP programs, against the kernel.

A TCP listener on the loopback (and a connection to it) is looked up with ``bpf_skc_lookup_tcp``;
the program hands it, an IP header and a TCP header built on its stack to ``bpf_tcp_gen_syncookie`` /
``bpf_tcp_check_syncookie``, or the headers to ``bpf_tcp_raw_gen_syncookie_ipv4``, and records r0:
every answer the kernel gives before it computes or checks a cookie must be pybpf's, on each engine.
Where the kernel computes a cookie with its secret, pybpf's run stops (EFAULT) -- asserted too.
"""

from __future__ import annotations

import errno
import itertools
import socket
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.kernel.backend import UserBackend
from tests.progtypes.net_diff import compare_net, recording, run_on
from tests.progtypes.test_skb_support import IPV4_UDP, needs_kernel
from tests.progtypes.test_socket_lookup import LOOPBACK, _stores, tuple_of

pytestmark = [needs_kernel, pytest.mark.usefixtures("engine")]
TYPES = [uapi.BPF_PROG_TYPE_SCHED_CLS, uapi.BPF_PROG_TYPE_XDP]
U64 = (1 << 64) - 1
SYN, ACK, RST, FIN = 0x02, 0x10, 0x04, 0x01
_labels = itertools.count()


def iphdr(version: int = 4) -> bytes:
    return bytes([version << 4 | 5, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0]) + LOOPBACK + LOOPBACK


def tcphdr(flags: int, doff: int = 5, sport: int = 40000, dport: int = 80) -> bytes:
    head = sport.to_bytes(2, "big") + dport.to_bytes(2, "big") + (1000).to_bytes(4, "big") + bytes(4)
    return head + bytes([doff << 4, flags]) + (65535).to_bytes(2, "big") + bytes(4)


def with_socket(  # noqa: PLR0917 - the helper's arguments
    tuple_raw: bytes, helper: str, iph: bytes, th: bytes, iph_len: int, th_len: int
) -> str:
    """A snippet: the socket of ``tuple_raw`` looked up, the headers on the stack, the helper's r0
    (0x77 when no socket was found), the socket released."""
    label = f"none{next(_labels)}"
    return "\n".join((
        _stores(tuple_raw.ljust(36, b"\0"), 48),
        "r1 = r6\nr2 = r10\nr2 += -48\nr3 = 12\nr4 = 0xffffffff ll\nr5 = 0\ncall bpf_skc_lookup_tcp",
        f"r8 = 0x77\nif r0 == 0 goto {label}\nr9 = r0",
        _stores(iph, 112),
        _stores(th, 88),
        f"r1 = r9\nr2 = r10\nr2 += -112\nr3 = {iph_len}",
        f"r4 = r10\nr4 += -88\nr5 = {th_len}\ncall bpf_{helper}",
        "r8 = r0\nr1 = r9\ncall bpf_sk_release",
        f"{label}:\nr0 = r8",
    ))  # fmt: skip


def raw_gen(iph: bytes, th: bytes, th_len: int) -> str:
    return "\n".join((
        _stores(iph, 112),
        _stores(th, 88),
        f"r1 = r10\nr1 += -112\nr2 = r10\nr2 += -88\nr3 = {th_len}\ncall bpf_tcp_raw_gen_syncookie_ipv4",
    ))  # fmt: skip


@pytest.fixture(scope="module")
def sockets() -> Iterator[tuple[bytes, bytes]]:
    """(the listener's tuple, the accepted connection's tuple) on the loopback."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = listener.accept()
            with accepted:
                cport = client.getsockname()[1]
                yield tuple_of(LOOPBACK, 40000, LOOPBACK, port), tuple_of(LOOPBACK, cport, LOOPBACK, port)


def _both(prog_type: int, *snippets: str) -> tuple[int, ...]:
    outcome = compare_net(prog_type, recording(*snippets), IPV4_UDP, record=True)
    assert not outcome.load_errno and not outcome.run_errno, outcome
    return tuple(value if value < 1 << 63 else value - (1 << 64) for value in outcome.out[: len(snippets)])


@pytest.mark.parametrize("prog_type", TYPES)
def test_gen_syncookie_answers_before_the_cookie(prog_type: int, sockets: tuple[bytes, bytes]) -> None:
    listener, established = sockets
    v4 = iphdr()
    steps = (
        with_socket(listener, "tcp_gen_syncookie", v4, tcphdr(SYN), 20, 16),  # th_len < sizeof(*th)
        with_socket(listener, "tcp_gen_syncookie", v4, tcphdr(SYN, doff=6), 20, 20),  # th_len != doff * 4
        with_socket(established, "tcp_gen_syncookie", v4, tcphdr(SYN), 20, 20),  # not a listener
        with_socket(listener, "tcp_gen_syncookie", v4, tcphdr(SYN | ACK), 20, 20),  # not a bare SYN
        with_socket(listener, "tcp_gen_syncookie", v4, tcphdr(FIN), 20, 20),
        with_socket(listener, "tcp_gen_syncookie", iphdr(5), tcphdr(SYN), 20, 20),  # version 5
        with_socket(listener, "tcp_gen_syncookie", iphdr(6), tcphdr(SYN), 20, 20),  # iph_len < ipv6hdr
        with_socket(listener, "tcp_gen_syncookie", v4, tcphdr(SYN), 20, 20),  # the queue is not full
    )
    assert _both(prog_type, *steps) == (
        -errno.EINVAL, -errno.EINVAL, -errno.EINVAL, -errno.EINVAL, -errno.EINVAL, -errno.EPROTONOSUPPORT,
        -errno.EINVAL, -errno.ENOENT,
    )  # fmt: skip


@pytest.mark.parametrize("prog_type", TYPES)
def test_check_syncookie_answers_before_the_cookie(prog_type: int, sockets: tuple[bytes, bytes]) -> None:
    listener, established = sockets
    v4 = iphdr()
    steps = (
        with_socket(listener, "tcp_check_syncookie", v4, tcphdr(ACK), 20, 16),
        with_socket(established, "tcp_check_syncookie", v4, tcphdr(ACK), 20, 20),
        with_socket(listener, "tcp_check_syncookie", v4, tcphdr(SYN), 20, 20),  # no ACK
        with_socket(listener, "tcp_check_syncookie", v4, tcphdr(ACK | RST), 20, 20),
        with_socket(listener, "tcp_check_syncookie", v4, tcphdr(ACK | SYN), 20, 20),
    )
    assert _both(prog_type, *steps) == (
        -errno.EINVAL,
        -errno.EINVAL,
        -errno.ENOENT,
        -errno.ENOENT,
        -errno.ENOENT,
    )


@pytest.mark.parametrize("prog_type", TYPES)
def test_raw_gen_syncookie_checks_th_len(prog_type: int) -> None:
    v4 = iphdr()
    steps = (raw_gen(v4, tcphdr(SYN), 16), raw_gen(v4, tcphdr(SYN, doff=6), 20), raw_gen(v4, tcphdr(SYN), 0))
    assert _both(prog_type, *steps) == (-errno.EINVAL, -errno.EINVAL, -errno.EINVAL)


@pytest.mark.parametrize("prog_type", TYPES)
def test_a_cookie_stops_the_run(prog_type: int, sockets: tuple[bytes, bytes]) -> None:
    """A cookie is keyed with the kernel's secret: pybpf stops where the kernel makes or checks one."""
    listener, _ = sockets
    for snippet in (
        raw_gen(iphdr(), tcphdr(SYN), 20),
        with_socket(listener, "tcp_check_syncookie", iphdr(), tcphdr(ACK), 20, 20),
    ):
        assert (
            run_on(UserBackend(), prog_type, recording(snippet), IPV4_UDP, record=True).run_errno
            == errno.EFAULT
        )
