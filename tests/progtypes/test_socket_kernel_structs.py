"""What a program reads through the sockets a lookup finds beyond ``struct bpf_sock``, on every
engine (interpreter, JIT, tiered) and the kernel, with real sockets of the test process:

* ``bpf_tcp_sock`` of a connection: the ``struct bpf_tcp_sock`` fields ``struct tcp_info`` reports
  as they are (``pybpf.helpers.tcp_info``) equal the kernel's; the ones user space cannot learn stop
  pybpf's run where the kernel reads them;
* ``bpf_skc_to_*`` casts of found sockets: NULL or not as the kernel's, and BTF-typed reads of what
  they return (``pybpf.helpers.sock_kernel``);
* ``bpf_sk_fullsock`` / ``bpf_get_listener_sock`` / ``bpf_tcp_sock`` of time-wait and request sockets.
"""

from __future__ import annotations

import errno
import socket
import time

import pytest

from pybpf import uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.kernel.prog_run import ENGINE_VARIABLE
from tests.conftest import ENGINE_NAMES
from tests.progtypes.net_diff import recording, run_on
from tests.progtypes.test_skb_support import IPV4_UDP, needs_kernel
from tests.progtypes.test_socket_found import (
    TC,
    Target,
    _tuple_to,
    compare_reads,
    connection,
    found,
    via,
    word,
)

pytestmark = [needs_kernel, pytest.mark.usefixtures("engine")]

TCP_SOCK_FIELDS = tuple(name for name, *_ in uapi.bpf_tcp_sock._fields_)


@pytest.fixture(params=(*ENGINE_NAMES, "auto"))
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each engine in turn, the tiered one (``auto``) too."""
    name: str = request.param
    monkeypatch.setenv(ENGINE_VARIABLE, name)
    return name


UNKNOWN_TCP_FIELDS = ("srtt_us", "rcv_nxt", "snd_nxt", "snd_una", "rate_delivered", "rate_interval_us")
"""The ``struct bpf_tcp_sock`` fields of a connection user space cannot learn (``helpers.tcp_info``)."""


def _tcp_field(name: str) -> tuple[int, int]:
    descriptor = getattr(uapi.bpf_tcp_sock, name)
    return int(descriptor.offset), int(descriptor.size)


def _settled(accepted: socket.socket, peer: socket.socket) -> None:
    """Some data both ways, read, and time for the last ACKs: the counters stay put while compared."""
    peer.sendall(b"x" * 3000)
    accepted.sendall(b"y" * 100)
    for sock, size in ((accepted, 3000), (peer, 100)):
        got = 0
        while got < size:
            got += len(sock.recv(size - got))
    time.sleep(0.05)


@pytest.mark.parametrize("prog_type", [TC, uapi.BPF_PROG_TYPE_CGROUP_SKB])
@pytest.mark.parametrize(
    ("family", "server", "client"),
    [
        (socket.AF_INET, "127.0.0.1", None),
        (socket.AF_INET6, "::1", None),
        (socket.AF_INET6, "::", "127.0.0.1"),
    ],
    ids=["ipv4", "ipv6", "v4-mapped"],
)
@pytest.mark.parametrize("side", ["accepted", "client"])
def test_a_connection_s_tcp_sock(
    prog_type: int, family: int, server: str, client: str | None, side: str
) -> None:
    """Every field of a connection's ``struct bpf_tcp_sock`` that ``struct tcp_info`` reports as it is."""
    names = [name for name in TCP_SOCK_FIELDS if name not in UNKNOWN_TCP_FIELDS]
    with connection(family, server, client) as (accepted, peer):
        _settled(accepted, peer)
        sock = accepted if side == "accepted" else peer
        target = Target("sk_lookup_tcp", _tuple_to(sock, v4=family == socket.AF_INET or client is not None))
        out = compare_reads(prog_type, target, [via("tcp_sock", word(*_tcp_field(name))) for name in names])
    values = dict(zip(names, out, strict=True))
    assert values["snd_cwnd"] >= 10 and values["bytes_acked"] >= 100 and values["ecn_flags"] == 0


@pytest.mark.parametrize("name", UNKNOWN_TCP_FIELDS)
def test_a_connection_s_unknown_tcp_sock_fields_stop_the_run(name: str) -> None:
    """Sequence numbers, the smoothed RTT and the rate sample are nowhere user space can read them: the
    kernel answers, pybpf stops the run rather than read a made-up value."""
    with connection(socket.AF_INET, "127.0.0.1") as (accepted, _):
        read = via("tcp_sock", word(*_tcp_field(name)))
        text = recording(found(Target("sk_lookup_tcp", _tuple_to(accepted)), read))
        assert run_on(NativeBackend(), TC, text, IPV4_UDP, record=True).run_errno == 0
        assert run_on(UserBackend(), TC, text, IPV4_UDP, record=True).run_errno == errno.EFAULT
