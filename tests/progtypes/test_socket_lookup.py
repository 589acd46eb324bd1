"""Socket lookups from tc and XDP programs (``pybpf.progtypes.socket_lookup``): where the kernel's
answer is NULL whatever sockets exist (a bad tuple size, flags, a namespace id out of range) or
because no socket of the caller's network namespace matches, pybpf answers NULL too, on each engine,
as the kernel's test run does; where the namespace has a matching socket both find it (what the
program reads of it: tests/progtypes/test_socket_found.py)."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.objects.netns_ids import namespace_ids
from tests.progtypes.net_diff import compare_net, recording, run_on
from tests.progtypes.test_skb_support import IPV4_UDP, needs_kernel

pytestmark = [needs_kernel, pytest.mark.usefixtures("engine")]

TYPES = [uapi.BPF_PROG_TYPE_SCHED_CLS, uapi.BPF_PROG_TYPE_XDP]
LOOKUPS = ["sk_lookup_tcp", "sk_lookup_udp", "skc_lookup_tcp"]
LOOPBACK = socket.inet_aton("127.0.0.1")
S32_MAX = 0x7FFF_FFFF
LOOPBACK6 = socket.inet_pton(socket.AF_INET6, "::1")


def _stores(raw: bytes, at: int) -> str:
    """``raw`` written to the stack at r10 - ``at``, a word at a time."""
    lines = []
    for offset in range(0, len(raw), 4):
        word = int.from_bytes(raw[offset : offset + 4].ljust(4, b"\0"), "little")
        lines += [f"r1 = {word} ll", f"*(u32 *)(r10 - {at - offset}) = r1"]
    return "\n".join(lines)


def lookup(helper: str, tuple_raw: bytes, size: int, netns: int = 0xFFFF_FFFF, flags: int = 0) -> str:
    """A snippet: the tuple on the stack, the lookup, a found socket released; r0 = 1 if one was."""
    stores = _stores(tuple_raw.ljust(36, bytes(1)), 48)
    return (
        f"{stores}\nr1 = r6\nr2 = r10\nr2 += -48\nr3 = {size}\n"
        f"r4 = {netns} ll\nr5 = {flags} ll\ncall bpf_{helper}\nif r0 == 0 goto +3\nr1 = r0\n"
        "call bpf_sk_release\nr0 = 1"
    )


def tuple_of(saddr: bytes, sport: int, daddr: bytes, dport: int) -> bytes:
    """A ``struct bpf_sock_tuple``'s ipv4 or ipv6 member (by the addresses' size)."""
    return saddr + daddr + sport.to_bytes(2, "big") + dport.to_bytes(2, "big")


def free_port(kind: int, family: int = socket.AF_INET) -> int:
    """A port no socket of this namespace uses right now (bound and closed again)."""
    with socket.socket(family, kind) as probe:
        probe.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("prog_type", TYPES)
@pytest.mark.parametrize("helper", LOOKUPS)
def test_a_tuple_no_socket_matches_finds_none(prog_type: int, helper: str) -> None:
    kind = socket.SOCK_DGRAM if helper == "sk_lookup_udp" else socket.SOCK_STREAM
    port, port6 = free_port(kind), free_port(kind, socket.AF_INET6)
    steps = (
        lookup(helper, tuple_of(LOOPBACK, 40000, LOOPBACK, port), 12),
        lookup(helper, tuple_of(LOOPBACK6, 40000, LOOPBACK6, port6), 36),
    )
    outcome = compare_net(prog_type, recording(*steps), IPV4_UDP, record=True)
    assert outcome.out[:2] == (0, 0)


@pytest.mark.parametrize("prog_type", TYPES)
@pytest.mark.parametrize(
    ("size", "netns", "flags"),
    [(0, 0xFFFF_FFFF, 0), (11, 0xFFFF_FFFF, 0), (13, 0xFFFF_FFFF, 0), (12, 0xFFFF_FFFF, 1), (12, 1 << 32, 0)],
)
def test_lookups_the_kernel_answers_null_whatever_the_sockets(
    prog_type: int, size: int, netns: int, flags: int
) -> None:
    """Even for the tuple of a listening socket: a bad size, flags, a namespace id above S32_MAX."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        snippet = lookup("sk_lookup_tcp", tuple_of(LOOPBACK, 40000, LOOPBACK, port), size, netns, flags)
        compare_net(prog_type, recording(snippet), IPV4_UDP, record=True)


@pytest.fixture(params=["tcp", "udp"])
def bound_socket(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    kind = socket.SOCK_STREAM if request.param == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        if kind == socket.SOCK_STREAM:
            sock.listen()
        yield "sk_lookup_" + request.param, sock.getsockname()[1]


@pytest.mark.parametrize("prog_type", TYPES)
def test_a_socket_of_the_namespace_is_found_as_the_kernel_finds_it(
    prog_type: int, bound_socket: tuple[str, int]
) -> None:
    helper, port = bound_socket
    outcome = compare_net(prog_type, recording(lookup(helper, tuple_of(LOOPBACK, 40000, LOOPBACK, port), 12)),
                          IPV4_UDP, record=True)  # fmt: skip
    assert outcome.out[0] == 1


@pytest.mark.parametrize("prog_type", TYPES)
@pytest.mark.parametrize("netns", [0, 1, S32_MAX])
def test_a_namespace_id_the_caller_has_not_given_finds_nothing(prog_type: int, netns: int) -> None:
    if netns in namespace_ids():
        pytest.skip(f"this namespace has given id {netns} to another one")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        text = recording(lookup("sk_lookup_tcp", tuple_of(LOOPBACK, 40000, LOOPBACK, port), 12, netns))
        assert compare_net(prog_type, text, IPV4_UDP, record=True).out[0] == 0


@pytest.fixture
def other_namespace_id() -> Iterator[int]:
    """A network namespace the test's namespace knows by an id (``ip netns set``), removed afterwards."""
    if shutil.which("ip") is None:
        pytest.skip("no ip(8)")
    name = f"pybpf-lookup-{os.getpid()}"
    free = next(nsid for nsid in range(1000, 2000) if nsid not in namespace_ids())
    if subprocess.run(["ip", "netns", "add", name], capture_output=True, check=False).returncode:
        pytest.skip("cannot create a network namespace")
    try:
        subprocess.run(["ip", "netns", "set", name, str(free)], capture_output=True, check=True)
        yield free
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)


def test_a_lookup_in_a_namespace_the_caller_knows_stops_the_run(other_namespace_id: int) -> None:
    """The kernel looks among that namespace's sockets (none: NULL); pybpf sees only the caller's."""
    text = recording(lookup("sk_lookup_tcp", tuple_of(LOOPBACK, 40000, LOOPBACK, 80), 12, other_namespace_id))
    theirs = run_on(NativeBackend(), uapi.BPF_PROG_TYPE_SCHED_CLS, text, IPV4_UDP, record=True)
    assert (theirs.run_errno, theirs.out[0]) == (0, 0)
    mine = run_on(UserBackend(), uapi.BPF_PROG_TYPE_SCHED_CLS, text, IPV4_UDP, record=True)
    assert mine.run_errno == errno.EFAULT
