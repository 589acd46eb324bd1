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
from pybpf.btf.types import BTF, Struct
from pybpf.helpers.task_image import running_btf
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.kernel.prog_run import ENGINE_VARIABLE
from tests.conftest import ENGINE_NAMES
from tests.progtypes.net_diff import compare_net, recording, run_on
from tests.progtypes.test_skb_support import IPV4_UDP, needs_kernel
from tests.progtypes.test_socket_found import (
    LO4,
    TC,
    XDP,
    Target,
    _tuple_to,
    compare_reads,
    connection,
    found,
    listening,
    via,
    word,
)
from tests.progtypes.test_socket_lookup import tuple_of

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


# -- the bpf_skc_to_* casts ------------------------------------------------------------------------------
CASTS = (
    "skc_to_tcp_sock",
    "skc_to_tcp6_sock",
    "skc_to_tcp_timewait_sock",
    "skc_to_tcp_request_sock",
    "skc_to_udp6_sock",
    "skc_to_unix_sock",
    "skc_to_mptcp_sock",
)


def _btf() -> BTF:
    btf = running_btf()
    if btf is None:
        pytest.skip("no kernel BTF")
    return btf


def member(struct: str, path: str) -> tuple[int, int]:
    """(offset, size) of a member of a kernel struct in the running kernel's BTF."""
    btf = _btf()
    found = btf.member_at(btf.find(struct, Struct), path)
    return found.bit_offset // 8, btf.size_of(found.type_id)


def cast_read(cast: str, struct: str, path: str, extra: int = 0) -> str:
    """``cast(found socket)``, then a read of ``path`` of ``struct`` through it (NULL: r8 = -2)."""
    offset, size = member(struct, path)
    return via(cast, word(offset + extra, min(size, 8)))


COMMON = ("skc_daddr", "skc_rcv_saddr", "skc_dport", "skc_num", "skc_family", "skc_state", "skc_bound_dev_if",
          "skc_cookie")  # fmt: skip


def common_reads(cast: str, struct: str, prefix: str, *, v6: bool = True) -> list[str]:
    """Reads of the ``struct sock_common`` members pybpf knows (``prefix``: the path to it)."""
    reads = [cast_read(cast, struct, f"{prefix}{name}") for name in COMMON]
    if v6:
        names = ("skc_v6_daddr", "skc_v6_rcv_saddr")
        reads += [cast_read(cast, struct, f"{prefix}{name}", extra) for name in names for extra in (0, 8)]
    return reads


SOCK = "inet_conn.icsk_inet.sk."
TCP_EXTRA = ("snd_wnd", "rcv_wnd", "reordering", "rcv_ssthresh", "advmss", "bytes_sent", "bytes_retrans",
             "rcv_ooopack", "reord_seen", "inet_conn.icsk_probes_out", "inet_conn.icsk_backoff")  # fmt: skip
"""``struct tcp_sock`` fields outside ``struct bpf_tcp_sock`` that ``struct tcp_info`` reports as they are."""


def _null_or_not(target: Target, prog_type: int = TC) -> tuple[int, ...]:
    """Each cast of the found socket: 1 where it returns a pointer, -2 (as u64) for NULL."""
    return compare_reads(prog_type, target, [via(cast, "r8 = 1") for cast in CASTS])


NULL = -2 & (1 << 64) - 1


@pytest.mark.parametrize("prog_type", [TC, XDP])
@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6])
def test_casts_of_a_listener(prog_type: int, family: int) -> None:
    address = "127.0.0.1" if family == socket.AF_INET else "::1"
    with listening(family, address) as listener:
        target = Target("sk_lookup_tcp", _tuple_to(listener, (address, 40000), family == socket.AF_INET))
        assert _null_or_not(target, prog_type) == (1, 1 if family == socket.AF_INET6 else NULL, *[NULL] * 5)
        reads = common_reads("skc_to_tcp_sock", "tcp_sock", "inet_conn.icsk_inet.sk.__sk_common.")
        reads += [cast_read("skc_to_tcp_sock", "tcp_sock", name) for name in ("snd_cwnd", "snd_ssthresh",
                  "mss_cache", "inet_conn.icsk_inet.inet_sport", "inet_conn.icsk_inet.sk.sk_protocol",
                  "inet_conn.icsk_inet.sk.sk_type", "inet_conn.icsk_inet.sk.sk_mark",
                  "inet_conn.icsk_inet.sk.sk_uid")]  # fmt: skip
        reads += [cast_read("skc_to_tcp_sock", "tcp_sock", "rtt_min", 4)]
        out = compare_reads(prog_type, target, reads)
    assert out[COMMON.index("skc_family")] == family and out[COMMON.index("skc_state")] == 10


@pytest.mark.parametrize("prog_type", [TC])
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
def test_casts_of_a_connection(
    prog_type: int, family: int, server: str, client: str | None, side: str
) -> None:
    """A connection's ``struct tcp_sock`` as ``bpf_skc_to_tcp_sock`` gives it: its ``struct sock_common``,
    ``struct sock`` and ``inet_sport``, and every counter ``struct tcp_info`` reports as it is."""
    with connection(family, server, client) as (accepted, peer):
        _settled(accepted, peer)
        sock = accepted if side == "accepted" else peer
        v4 = family == socket.AF_INET or client is not None
        target = Target("sk_lookup_tcp", _tuple_to(sock, v4=v4))
        kind = _null_or_not(target, prog_type)
        ipv6 = sock.family == socket.AF_INET6
        assert kind == (1, 1 if ipv6 else NULL, *[NULL] * 5)
        # an accepted IPv6 connection's IPv4 peer address: LOOPBACK4_IPV6 or 0 (see sock_images)
        reads = common_reads("skc_to_tcp_sock", "tcp_sock", SOCK + "__sk_common.")
        names = [
            name for name in TCP_SOCK_FIELDS if name not in UNKNOWN_TCP_FIELDS and name != "icsk_retransmits"
        ]
        reads += [cast_read("skc_to_tcp_sock", "tcp_sock", name) for name in names if name != "rtt_min"]
        reads += [cast_read("skc_to_tcp_sock", "tcp_sock", name) for name in TCP_EXTRA]
        reads += [cast_read("skc_to_tcp_sock", "tcp_sock", "rtt_min", 4)]
        reads += [cast_read("skc_to_tcp_sock", "tcp_sock", "inet_conn.icsk_retransmits")]
        reads += [cast_read("skc_to_tcp_sock", "tcp_sock", SOCK + name) for name in ("sk_protocol", "sk_type",
                  "sk_mark", "sk_uid", "sk_priority")]  # fmt: skip
        reads += [cast_read("skc_to_tcp_sock", "tcp_sock", "inet_conn.icsk_inet.inet_sport")]
        if ipv6:
            reads += [cast_read("skc_to_tcp6_sock", "tcp6_sock", "tcp." + SOCK + "__sk_common.skc_num")]
        out = compare_reads(prog_type, target, reads)
        port = sock.getsockname()[1]
    assert out[COMMON.index("skc_state")] == 1 and out[COMMON.index("skc_num")] == port


@pytest.mark.parametrize(
    "path", ["srtt_us", "rcv_nxt", "snd_una", "write_seq", SOCK + "__sk_common.skc_net", SOCK + "sk_socket"]
)
def test_a_cast_connection_s_unknown_fields_stop_the_run(path: str) -> None:
    """Members user space cannot learn (sequence numbers, the smoothed RTT, kernel pointers): the kernel
    reads them, pybpf stops the run rather than read a made-up value (a probe load would read 0)."""
    with connection(socket.AF_INET, "127.0.0.1") as (accepted, _):
        text = recording(
            found(
                Target("sk_lookup_tcp", _tuple_to(accepted)), cast_read("skc_to_tcp_sock", "tcp_sock", path)
            )
        )
        assert run_on(NativeBackend(), TC, text, IPV4_UDP, record=True).run_errno == 0
        assert run_on(UserBackend(), TC, text, IPV4_UDP, record=True).run_errno == errno.EFAULT


@pytest.mark.parametrize("prog_type", [TC, XDP])
@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6])
def test_casts_of_a_udp_socket(prog_type: int, family: int) -> None:
    address = "127.0.0.1" if family == socket.AF_INET else "::1"
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind((address, 0))
        target = Target("sk_lookup_udp", _tuple_to(sock, (address, 1), family == socket.AF_INET))
        kind = _null_or_not(target, prog_type)
        assert kind == (NULL, NULL, NULL, NULL, 1 if family == socket.AF_INET6 else NULL, NULL, NULL)
        if family == socket.AF_INET6:
            prefix = "udp.inet.sk."
            reads = common_reads("skc_to_udp6_sock", "udp6_sock", prefix + "__sk_common.")
            reads += [cast_read("skc_to_udp6_sock", "udp6_sock", prefix + name) for name in ("sk_protocol",
                      "sk_type", "sk_mark", "sk_uid")] + [cast_read("skc_to_udp6_sock", "udp6_sock",
                      "udp.inet.inet_sport")]  # fmt: skip
            out = compare_reads(prog_type, target, reads)
            assert out[COMMON.index("skc_family")] == socket.AF_INET6


@pytest.mark.parametrize("prog_type", [TC, XDP])
@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6])
def test_casts_of_a_time_wait_socket(prog_type: int, family: int) -> None:
    address = "127.0.0.1" if family == socket.AF_INET else "::1"
    with listening(family, address) as listener:
        client = socket.create_connection(listener.getsockname()[:2])
        accepted, _ = listener.accept()
        raw = _tuple_to(client, v4=family == socket.AF_INET)
        client.close()  # the side that closes first waits
        accepted.close()
        time.sleep(0.05)
        target = Target("skc_lookup_tcp", raw)
        assert _null_or_not(target, prog_type) == (NULL, NULL, 1, NULL, NULL, NULL, NULL)
        reads = common_reads("skc_to_tcp_timewait_sock", "tcp_timewait_sock", "tw_sk.__tw_common.",
                             v6=family == socket.AF_INET6)  # fmt: skip
        out = compare_reads(prog_type, target, reads)
        helpers = compare_reads(
            TC, target, [via(helper, "r8 = 1") for helper in ("sk_fullsock", "get_listener_sock", "tcp_sock")]
        )
    assert out[COMMON.index("skc_state")] == 6 and helpers == (NULL, NULL, NULL)


@pytest.mark.parametrize("prog_type", [TC, XDP])
def test_casts_of_a_request_socket(prog_type: int) -> None:
    """A listener with TCP_DEFER_ACCEPT keeps a handshake's request socket until data comes."""
    with listening(socket.AF_INET, "127.0.0.1") as listener:
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 30)
        with socket.create_connection(listener.getsockname()) as client:
            raw = tuple_of(LO4, client.getsockname()[1], LO4, listener.getsockname()[1])
            target = Target("skc_lookup_tcp", raw)
            assert _null_or_not(target, prog_type) == (NULL, NULL, NULL, 1, NULL, NULL, NULL)
            reads = common_reads("skc_to_tcp_request_sock", "tcp_request_sock", "req.req.__req_common.")
            out = compare_reads(prog_type, target, reads)
            helpers = compare_reads(
                TC,
                target,
                [via("sk_fullsock", "r8 = 1"), via("tcp_sock", "r8 = 1"), via("get_listener_sock", word(72))],
            )
    assert out[COMMON.index("skc_state")] == 12 and helpers == (NULL, NULL, 10)


def test_casts_of_the_test_run_s_own_socket() -> None:
    """``skb->sk`` of a tc test run: a socket with no protocol and no state, every cast NULL."""
    cast_of_sk = (
        "r1 = *(u64 *)(r6 + 168)\nr0 = -1\nif r1 == 0 goto +3\ncall bpf_{}\nif r0 == 0 goto +1\nr0 = 1"
    )
    reads = [cast_of_sk.format(cast) for cast in CASTS]
    out = compare_net(TC, recording(*reads), IPV4_UDP, record=True).out
    assert out[: len(CASTS)] == (0,) * len(CASTS)


IPPROTO_MPTCP = 262


def test_an_mptcp_subflow_s_mptcp_sock_stops_the_run() -> None:
    """The TCP subflow of an MPTCP listener (sock_diag: ULP "mptcp"): the TCP casts answer as the
    kernel's; its MPTCP socket is nowhere user space can read it, so that cast stops pybpf's run."""
    try:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    except OSError:
        pytest.skip("no MPTCP")
    with listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        target = Target("sk_lookup_tcp", _tuple_to(listener, ("127.0.0.1", 40000)))
        tcp = compare_reads(TC, target, [via(cast, "r8 = 1") for cast in CASTS[:-1]])
        text = recording(found(target, via("skc_to_mptcp_sock", "r8 = 1")))
        kernel = run_on(NativeBackend(), TC, text, IPV4_UDP, record=True)
        mine = run_on(UserBackend(), TC, text, IPV4_UDP, record=True)
    assert tcp == (1, NULL, NULL, NULL, NULL, NULL)
    assert kernel.run_errno == 0 and kernel.out[0] == 1 and mine.run_errno == errno.EFAULT
