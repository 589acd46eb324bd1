"""``bpf_fib_lookup`` (``pybpf.helpers.fib_lookup``) against the kernel, in a private network namespace.

The module's namespace has a veth pair (veth0 forwarding, veth1 not), a second pair with a small MTU
(veth2), IPv4 and IPv6 addresses, routes via gateways with and without a neighbour entry,
blackhole/unreachable/prohibit routes, locked and unlocked route MTUs, a TOS route, a route with a
preferred source, a second table, an IPv4 route via an IPv6 gateway.  The test process enters it
(setns) for the test and leaves it after.  One XDP and one tc program read ``struct bpf_fib_lookup``
and the flags from the packet, call the helper, and write the struct and r0 back into the packet:
the same packet test-run on pybpf (each engine) and on the kernel must come back the same, with the
same retval.  Skipped without root, bpf(2), ``ip`` or network namespaces.
"""

from __future__ import annotations

import errno
import os
import socket
import struct
import subprocess
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.uapi import (
    BPF_FIB_LKUP_RET_BLACKHOLE,
    BPF_FIB_LKUP_RET_FRAG_NEEDED,
    BPF_FIB_LKUP_RET_FWD_DISABLED,
    BPF_FIB_LKUP_RET_NO_NEIGH,
    BPF_FIB_LKUP_RET_NOT_FWDED,
    BPF_FIB_LKUP_RET_PROHIBIT,
    BPF_FIB_LKUP_RET_SUCCESS,
    BPF_FIB_LKUP_RET_UNREACHABLE,
    BPF_FIB_LOOKUP_DIRECT,
    BPF_FIB_LOOKUP_MARK,
    BPF_FIB_LOOKUP_OUTPUT,
    BPF_FIB_LOOKUP_SKIP_NEIGH,
    BPF_FIB_LOOKUP_SRC,
    BPF_FIB_LOOKUP_TBID,
)
from tests.netns import entered_netns
from tests.progtypes.net_diff import NetOutcome, run_on

NAMESPACE = f"pybpf-fib-{os.getpid()}"
XDP, TC = uapi.BPF_PROG_TYPE_XDP, uapi.BPF_PROG_TYPE_SCHED_CLS
PACKET = 100
V4, V6 = socket.AF_INET, socket.AF_INET6

SETUP = """
link set lo up
link add veth0 type veth peer name veth1
link set veth0 address 02:00:00:00:00:01
link set veth1 address 02:00:00:00:00:09
link set veth0 up
link set veth1 up
link add veth2 type veth peer name veth3
link set veth2 mtu 68
link set veth2 address 02:00:00:00:00:21
link set veth2 up
link set veth3 up
addr add 10.1.0.1/24 dev veth0
addr add 10.1.0.77/24 dev veth0
addr add 10.9.0.1/24 dev veth1
addr add 10.20.0.1/24 dev veth2
addr add 2001:db8:1::1/64 dev veth0 nodad
addr add 2001:db8:9::1/64 dev veth1 nodad
neigh add 10.1.0.2 lladdr 02:00:00:00:00:02 dev veth0 nud permanent
neigh add 10.20.0.2 lladdr 02:00:00:00:00:22 dev veth2 nud permanent
neigh add 2001:db8:1::2 lladdr 02:00:00:00:00:62 dev veth0 nud permanent
route add 10.2.0.0/24 via 10.1.0.2 dev veth0
route add 10.3.0.0/24 via 10.1.0.3 dev veth0
route add blackhole 10.4.0.0/24
route add unreachable 10.5.0.0/24
route add prohibit 10.6.0.0/24
route add 10.7.0.0/24 via 10.1.0.2 dev veth0 mtu lock 1000
route add 10.7.1.0/24 via 10.1.0.2 dev veth0 mtu 1000
route add 10.8.0.0/24 via 10.1.0.2 dev veth0 table 100
route add 10.10.0.0/24 via inet6 2001:db8:1::2 dev veth0
route add 10.11.0.0/24 via 10.1.0.2 dev veth0 src 10.1.0.77
route add 10.12.0.0/24 dev veth0 metric 9
route add 10.13.0.0/24 tos 0x10 via 10.1.0.2 dev veth0
route add 10.13.0.0/24 via 10.1.0.3 dev veth0
route add 10.21.0.0/24 via 10.20.0.2 dev veth2
route add 10.40.0.0/24 nexthop via 10.1.0.2 dev veth0 nexthop via 10.1.0.3 dev veth0
route add 2001:db8:2::/64 via 2001:db8:1::2 dev veth0
route add 2001:db8:3::/64 via 2001:db8:1::3 dev veth0
route add blackhole 2001:db8:4::/64
route add unreachable 2001:db8:5::/64
route add prohibit 2001:db8:6::/64
route add 2001:db8:7::/64 via 2001:db8:1::2 dev veth0 mtu lock 1300
route add 2001:db8:7:1::/64 via 2001:db8:1::2 dev veth0 mtu 1300
route add 2001:db8:8::/64 via 2001:db8:1::2 dev veth0 table 100
route add 2001:db8:b::/64 via 2001:db8:1::2 dev veth0 src 2001:db8:1::1 metric 7
"""
SYSCTLS = (
    "net.ipv4.conf.lo.forwarding=1",
    "net.ipv4.conf.veth0.forwarding=1",
    "net.ipv4.conf.veth2.forwarding=1",
    "net.ipv6.conf.lo.forwarding=1",
    "net.ipv6.conf.veth0.forwarding=1",
)


def _ip(*args: str) -> None:
    subprocess.run(["ip", "-n", NAMESPACE, *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def netns() -> Iterator[dict[str, int]]:
    """The namespace, entered; the ifindex of each device by name."""
    with entered_netns(NAMESPACE, SETUP, SYSCTLS) as devices:
        yield devices


def _program(prog_type: int) -> str:
    """Load the struct and the flags from packet offset 14, call the helper, store both back."""
    load, store, verdict = (
        ("bpf_xdp_load_bytes", "bpf_xdp_store_bytes", 2)
        if prog_type == XDP
        else ("bpf_skb_load_bytes", "bpf_skb_store_bytes", 0)
    )
    return f"""
    r6 = r1
    r2 = 14
    r3 = r10
    r3 += -72
    r4 = 72
    call {load}
    if r0 != 0 goto out
    r1 = r6
    r2 = r10
    r2 += -72
    r3 = 64
    r4 = *(u32 *)(r10 - 8)
    call bpf_fib_lookup
    *(u64 *)(r10 - 8) = r0
    r1 = r6
    r2 = 14
    r3 = r10
    r3 += -72
    r4 = 72
    r5 = 0
    call {store}
out:
    r0 = {verdict}
    exit
"""


def _params(
    family: int,
    ifindex: int,
    dst: str,
    src: str = "",
    *,
    tot_len: int = 0,
    flags: int = 0,
    tos: int = 0,
    tbid: int = 0,
    mark: int = 0,
    proto: int = 0,
    dport: int = 0,
) -> bytes:
    width = 4 if family == V4 else 16
    fam = family if family in (V4, V6) else V4
    dst_raw = socket.inet_pton(fam, dst).ljust(16, b"\0")
    src_raw = (socket.inet_pton(fam, src) if src else bytes(width)).ljust(16, b"\0")
    tos_raw = bytes([tos, 0, 0, 0]) if family == V4 else (tos << 20).to_bytes(4, "big")
    head = struct.pack("<BB2s2sHI", family, proto, bytes(2), dport.to_bytes(2, "big"), tot_len, ifindex)
    tail = struct.pack("<II8x", tbid, mark)
    params = head + tos_raw + src_raw + dst_raw + tail
    assert len(params) == 64
    eth = bytes(12) + b"\x08\x00"
    return (eth + params + struct.pack("<Q", flags)).ljust(PACKET, b"\0")


def _run(prog_type: int, packet: bytes) -> tuple[NetOutcome, NetOutcome]:
    text = _program(prog_type)
    return run_on(UserBackend(), prog_type, text, packet), run_on(NativeBackend(), prog_type, text, packet)


def _result(outcome: NetOutcome) -> int:
    return int(struct.unpack_from("<q", outcome.data_out, 14 + 64)[0])


CASES: dict[str, tuple[int, str, str, dict[str, int], int]] = {
    # name: (family, device, dst, options, the kernel's answer) -- the answer documents the case;
    # what is compared is pybpf against the kernel, byte for byte.
    "v4-gateway": (V4, "veth0", "10.2.0.5", {}, BPF_FIB_LKUP_RET_SUCCESS),
    "v4-gateway-no-neigh": (V4, "veth0", "10.3.0.5", {}, BPF_FIB_LKUP_RET_NO_NEIGH),
    "v4-skip-neigh": (
        V4,
        "veth0",
        "10.3.0.5",
        {"flags": BPF_FIB_LOOKUP_SKIP_NEIGH},
        BPF_FIB_LKUP_RET_SUCCESS,
    ),
    "v4-blackhole": (V4, "veth0", "10.4.0.5", {}, BPF_FIB_LKUP_RET_BLACKHOLE),
    "v4-unreachable": (V4, "veth0", "10.5.0.5", {}, BPF_FIB_LKUP_RET_UNREACHABLE),
    "v4-prohibit": (V4, "veth0", "10.6.0.5", {}, BPF_FIB_LKUP_RET_PROHIBIT),
    "v4-no-route": (V4, "veth0", "192.0.2.1", {}, BPF_FIB_LKUP_RET_NOT_FWDED),
    "v4-local": (V4, "veth0", "10.1.0.1", {}, BPF_FIB_LKUP_RET_NOT_FWDED),
    "v4-connected": (V4, "veth0", "10.1.0.2", {}, BPF_FIB_LKUP_RET_SUCCESS),
    "v4-connected-no-neigh": (V4, "veth0", "10.1.0.50", {}, BPF_FIB_LKUP_RET_NO_NEIGH),
    "v4-mtu-locked": (V4, "veth0", "10.7.0.5", {"tot_len": 1200}, BPF_FIB_LKUP_RET_FRAG_NEEDED),
    "v4-mtu-locked-fits": (V4, "veth0", "10.7.0.5", {"tot_len": 1000}, BPF_FIB_LKUP_RET_SUCCESS),
    "v4-mtu-unlocked": (V4, "veth0", "10.7.1.5", {"tot_len": 1200}, BPF_FIB_LKUP_RET_SUCCESS),
    "v4-over-device-mtu": (V4, "veth0", "10.2.0.5", {"tot_len": 1501}, BPF_FIB_LKUP_RET_FRAG_NEEDED),
    "v4-tbid": (
        V4,
        "veth0",
        "10.8.0.5",
        {"flags": BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_TBID, "tbid": 100},
        0,
    ),
    "v4-direct-main": (V4, "veth0", "10.8.0.5", {"flags": BPF_FIB_LOOKUP_DIRECT, "tbid": 100}, 4),
    "v4-tbid-no-table": (
        V4,
        "veth0",
        "10.8.0.5",
        {"flags": BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_TBID, "tbid": 77},
        4,
    ),
    "v4-tbid-not-direct": (V4, "veth0", "10.8.0.5", {"flags": BPF_FIB_LOOKUP_TBID, "tbid": 100}, 4),
    "v4-direct-local": (
        V4,
        "veth0",
        "10.1.0.1",
        {"flags": BPF_FIB_LOOKUP_DIRECT},
        BPF_FIB_LKUP_RET_NOT_FWDED,
    ),
    "v6-direct-local": (
        V6,
        "veth0",
        "2001:db8:1::1",
        {"flags": BPF_FIB_LOOKUP_DIRECT},
        BPF_FIB_LKUP_RET_NO_NEIGH,
    ),
    "v4-direct-blackhole": (
        V4,
        "veth0",
        "10.4.0.5",
        {"flags": BPF_FIB_LOOKUP_DIRECT},
        BPF_FIB_LKUP_RET_BLACKHOLE,
    ),
    "v4-output": (V4, "veth0", "10.2.0.5", {"flags": BPF_FIB_LOOKUP_OUTPUT}, BPF_FIB_LKUP_RET_SUCCESS),
    "v4-output-other-device": (V4, "lo", "10.2.0.5", {"flags": BPF_FIB_LOOKUP_OUTPUT}, 4),
    "v4-fwd-disabled": (V4, "veth1", "10.2.0.5", {}, BPF_FIB_LKUP_RET_FWD_DISABLED),
    "v4-no-device": (V4, "", "10.2.0.5", {}, -errno.ENODEV),
    "v4-src": (V4, "veth0", "10.2.0.5", {"flags": BPF_FIB_LOOKUP_SRC}, BPF_FIB_LKUP_RET_SUCCESS),
    "v4-prefsrc": (V4, "veth0", "10.11.0.5", {"flags": BPF_FIB_LOOKUP_SRC}, BPF_FIB_LKUP_RET_SUCCESS),
    "v4-via-inet6": (V4, "veth0", "10.10.0.5", {}, BPF_FIB_LKUP_RET_SUCCESS),
    "v4-metric": (V4, "veth0", "10.12.0.5", {"flags": BPF_FIB_LOOKUP_SKIP_NEIGH}, BPF_FIB_LKUP_RET_SUCCESS),
    "v4-tos-route": (V4, "veth0", "10.13.0.5", {"tos": 0x10}, BPF_FIB_LKUP_RET_SUCCESS),
    "v4-tos-other": (V4, "veth0", "10.13.0.5", {"tos": 0x08}, BPF_FIB_LKUP_RET_NO_NEIGH),
    "bad-flags": (V4, "veth0", "10.2.0.5", {"flags": 0x40}, -errno.EINVAL),
    "bad-family": (99, "veth0", "10.2.0.5", {}, -errno.EAFNOSUPPORT),
    "v6-gateway": (V6, "veth0", "2001:db8:2::5", {}, BPF_FIB_LKUP_RET_SUCCESS),
    "v6-gateway-no-neigh": (V6, "veth0", "2001:db8:3::5", {}, BPF_FIB_LKUP_RET_NO_NEIGH),
    "v6-blackhole": (V6, "veth0", "2001:db8:4::5", {}, BPF_FIB_LKUP_RET_BLACKHOLE),
    "v6-unreachable": (V6, "veth0", "2001:db8:5::5", {}, BPF_FIB_LKUP_RET_UNREACHABLE),
    "v6-prohibit": (V6, "veth0", "2001:db8:6::5", {}, BPF_FIB_LKUP_RET_PROHIBIT),
    "v6-no-route": (V6, "veth0", "2001:db8:ff::1", {}, BPF_FIB_LKUP_RET_NOT_FWDED),
    "v6-link-local": (V6, "veth0", "fe80::1", {}, BPF_FIB_LKUP_RET_NOT_FWDED),
    "v6-local": (V6, "veth0", "2001:db8:1::1", {}, BPF_FIB_LKUP_RET_NOT_FWDED),
    "v6-connected": (V6, "veth0", "2001:db8:1::2", {}, BPF_FIB_LKUP_RET_SUCCESS),
    "v6-mtu-locked": (V6, "veth0", "2001:db8:7::5", {"tot_len": 1400}, BPF_FIB_LKUP_RET_FRAG_NEEDED),
    "v6-mtu-locked-fits": (V6, "veth0", "2001:db8:7::5", {"tot_len": 1300}, BPF_FIB_LKUP_RET_SUCCESS),
    "v6-mtu-unlocked": (V6, "veth0", "2001:db8:7:1::5", {"tot_len": 1400}, BPF_FIB_LKUP_RET_SUCCESS),
    "v6-tbid": (
        V6,
        "veth0",
        "2001:db8:8::5",
        {"flags": BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_TBID, "tbid": 100},
        0,
    ),
    "v6-output": (V6, "veth0", "2001:db8:2::5", {"flags": BPF_FIB_LOOKUP_OUTPUT}, BPF_FIB_LKUP_RET_SUCCESS),
    "v6-fwd-disabled": (V6, "veth1", "2001:db8:2::5", {}, BPF_FIB_LKUP_RET_FWD_DISABLED),
    "v6-src": (V6, "veth0", "2001:db8:2::5", {"flags": BPF_FIB_LOOKUP_SRC}, BPF_FIB_LKUP_RET_SUCCESS),
    "v6-prefsrc": (V6, "veth0", "2001:db8:b::5", {"flags": BPF_FIB_LOOKUP_SRC}, BPF_FIB_LKUP_RET_SUCCESS),
    "v6-no-device": (V6, "", "2001:db8:2::5", {}, -errno.ENODEV),
}


def _packet(netns: dict[str, int], case: str) -> tuple[bytes, int]:
    family, device, dst, options, expected = CASES[case]
    return _params(family, netns.get(device, 999), dst, **options), expected


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("prog_type", [XDP, TC], ids=["xdp", "tc"])
@pytest.mark.parametrize("case", list(CASES))
def test_fib_lookup_as_the_kernel(netns: dict[str, int], prog_type: int, case: str) -> None:
    packet, expected = _packet(netns, case)
    mine, theirs = _run(prog_type, packet)
    assert theirs.run_errno == 0, theirs
    assert _result(theirs) == expected, "the namespace is not as the test meant it"
    assert mine == theirs


@pytest.mark.parametrize("prog_type", [XDP, TC], ids=["xdp", "tc"])
def test_tc_checks_the_skb_against_the_device_mtu(netns: dict[str, int], prog_type: int) -> None:
    """Without tot_len, tc's lookup checks the skb (100 bytes) against veth2's MTU (68 + 14 + 4):
    FRAG_NEEDED; XDP's lookup checks tot_len (0) and succeeds.  Both report the MTU."""
    packet = _params(V4, netns["veth0"], "10.21.0.5")
    mine, theirs = _run(prog_type, packet)
    expected = BPF_FIB_LKUP_RET_FRAG_NEEDED if prog_type == TC else BPF_FIB_LKUP_RET_SUCCESS
    assert _result(theirs) == expected
    assert struct.unpack_from("<H", theirs.data_out, 14 + 6)[0] == 68
    assert mine == theirs


RULES = (
    ("fwmark", "7", "table", "100", "priority", "100"),
    ("ipproto", "udp", "dport", "53", "table", "100", "priority", "101"),
    ("to", "10.30.0.0/16", "unreachable", "priority", "102"),
    ("table", "main", "suppress_prefixlength", "24", "priority", "99"),
    ("to", "10.0.0.0/8", "prohibit", "priority", "200"),
    ("-6", "fwmark", "7", "table", "100", "priority", "100"),
    ("-6", "to", "2001:db8:2::/48", "blackhole", "priority", "101"),
)


@pytest.mark.parametrize("prog_type", [XDP, TC], ids=["xdp", "tc"])
def test_policy_rules(netns: dict[str, int], prog_type: int) -> None:
    """Rules by fwmark (BPF_FIB_LOOKUP_MARK), by protocol and port, unreachable, prohibit and
    blackhole rules, a rule whose routes shorter than /25 are suppressed; IPv4 and IPv6."""
    for rule in RULES:
        _ip(*rule[:1], "rule", "add", *rule[1:]) if rule[0] == "-6" else _ip("rule", "add", *rule)
    try:
        veth0 = netns["veth0"]
        cases = (
            (_params(V4, veth0, "10.8.0.5", flags=BPF_FIB_LOOKUP_MARK, mark=7), BPF_FIB_LKUP_RET_SUCCESS),
            (_params(V4, veth0, "10.8.0.5", flags=BPF_FIB_LOOKUP_MARK, mark=8), BPF_FIB_LKUP_RET_PROHIBIT),
            (_params(V4, veth0, "10.8.0.5", mark=7), BPF_FIB_LKUP_RET_PROHIBIT),
            (_params(V4, veth0, "10.8.0.5", proto=17, dport=53), BPF_FIB_LKUP_RET_SUCCESS),
            (_params(V4, veth0, "10.8.0.5", proto=17, dport=54), BPF_FIB_LKUP_RET_PROHIBIT),
            (_params(V4, veth0, "10.30.1.1"), BPF_FIB_LKUP_RET_NOT_FWDED),
            (_params(V4, veth0, "10.2.0.5"), BPF_FIB_LKUP_RET_PROHIBIT),
            (_params(V4, veth0, "10.4.0.5"), BPF_FIB_LKUP_RET_BLACKHOLE),
            (_params(V4, veth0, "10.2.0.5", flags=BPF_FIB_LOOKUP_DIRECT), BPF_FIB_LKUP_RET_SUCCESS),
            (_params(V4, veth0, "192.0.2.1"), BPF_FIB_LKUP_RET_NOT_FWDED),
            (
                _params(V6, veth0, "2001:db8:8::5", flags=BPF_FIB_LOOKUP_MARK, mark=7),
                BPF_FIB_LKUP_RET_SUCCESS,
            ),
            (
                _params(V6, veth0, "2001:db8:8::5", flags=BPF_FIB_LOOKUP_MARK, mark=6),
                BPF_FIB_LKUP_RET_NOT_FWDED,
            ),
            (_params(V6, veth0, "2001:db8:2::5"), BPF_FIB_LKUP_RET_NOT_FWDED),
            (_params(V6, veth0, "2001:db8:3::5"), BPF_FIB_LKUP_RET_NO_NEIGH),
            (_params(V6, veth0, "2001:db8:4::5"), BPF_FIB_LKUP_RET_BLACKHOLE),
        )
        for packet, expected in cases:
            mine, theirs = _run(prog_type, packet)
            assert _result(theirs) == expected
            assert mine == theirs
    finally:
        for rule in RULES:
            _ip(*rule[:1], "rule", "del", *rule[1:]) if rule[0] == "-6" else _ip("rule", "del", *rule)


@pytest.mark.parametrize("prog_type", [XDP, TC], ids=["xdp", "tc"])
def test_a_multipath_route_stops_the_run(netns: dict[str, int], prog_type: int) -> None:
    """The kernel picks a multipath route's nexthop by a flow hash seeded with a boot-time secret:
    pybpf cannot know which, so its run stops (EFAULT) where the kernel's answers."""
    mine, theirs = _run(prog_type, _params(V4, netns["veth0"], "10.40.0.5", flags=BPF_FIB_LOOKUP_SKIP_NEIGH))
    assert _result(theirs) == BPF_FIB_LKUP_RET_SUCCESS
    assert mine.run_errno == errno.EFAULT
