"""More socket-buffer helpers whose test-run answers are the kernel's (``pybpf.progtypes.skb_helpers``
and ``skb_socket``): the same tc (or CGROUP_SKB) program on pybpf, each engine, and on the kernel,
every value it read compared."""

from __future__ import annotations

import pytest

from pybpf import uapi
from pybpf.progtypes.skb import OFF
from tests.progtypes.net_diff import compare_net, recording
from tests.progtypes.test_skb_support import IPV4_UDP, needs_kernel

pytestmark = [needs_kernel, pytest.mark.usefixtures("engine")]

TC = uapi.BPF_PROG_TYPE_SCHED_CLS
PKT_TYPE = f"r0 = *(u32 *)(r6 + {OFF['pkt_type']})"
SK = f"r1 = *(u64 *)(r6 + {OFF['sk']})"


def change_type(pkt_type: int) -> str:
    return f"r1 = r6\nr2 = {pkt_type} ll\ncall bpf_skb_change_type"


def test_change_type() -> None:
    steps = [
        change_type(2),
        PKT_TYPE,
        change_type(4),
        change_type(3),
        PKT_TYPE,
        change_type(1 << 32),
        PKT_TYPE,
    ]
    compare_net(TC, recording(*steps), IPV4_UDP, record=True)


def test_route_realm_netns_cookie_and_xfrm_state() -> None:
    xfrm = "r1 = r6\nr2 = 0\nr3 = r10\nr3 += -32\nr4 = 24\nr5 = 0\ncall bpf_skb_get_xfrm_state"
    fill = "*(u64 *)(r10 - 32) = -1\n*(u64 *)(r10 - 24) = -1\n*(u64 *)(r10 - 16) = -1"
    steps = [
        "r1 = r6\ncall bpf_get_route_realm", "r1 = r6\ncall bpf_get_netns_cookie", fill + "\n" + xfrm,
        "r0 = *(u64 *)(r10 - 32)", "r0 = *(u64 *)(r10 - 16)",
    ]  # fmt: skip
    outcome = compare_net(TC, recording(*steps), IPV4_UDP, record=True)
    assert outcome.out[1] != 0


@pytest.mark.parametrize("prog_type", [TC, uapi.BPF_PROG_TYPE_CGROUP_SKB])
def test_netns_cookie(prog_type: int) -> None:
    compare_net(prog_type, recording("r1 = r6\ncall bpf_get_netns_cookie"), IPV4_UDP, record=True)


def test_net_cls_classids() -> None:
    """The caller's and the test socket's net_cls classid (the same: 0 without net_cls here)."""
    steps = ("r1 = r6\ncall bpf_get_cgroup_classid", "r1 = r6\ncall bpf_skb_cgroup_classid")
    compare_net(TC, recording(*steps), IPV4_UDP, record=True)


@pytest.mark.parametrize("prog_type", [TC, uapi.BPF_PROG_TYPE_CGROUP_SKB])
def test_the_test_socket_is_full_not_tcp_not_listening(prog_type: int) -> None:
    fullsock = (
        f"{SK}\nr0 = 7\nif r1 == 0 goto +4\ncall bpf_sk_fullsock\nif r0 == 0 goto +1\nr0 = *(u32 *)(r0 + 4)"
    )
    tcp = f"{SK}\nr0 = 7\nif r1 == 0 goto +1\ncall bpf_tcp_sock"
    listener = f"{SK}\nr0 = 7\nif r1 == 0 goto +1\ncall bpf_get_listener_sock"
    compare_net(prog_type, recording(fullsock, tcp, listener), IPV4_UDP, record=True)


@pytest.mark.parametrize(
    "snippet",
    [
        "r1 = 1\nr2 = 0\ncall bpf_redirect_peer", "r1 = 1\nr2 = 1\ncall bpf_redirect_peer",
        "r1 = 1\nr2 = 0\nr3 = 0\nr4 = 0\ncall bpf_redirect_neigh",
        "r1 = 1\nr2 = r10\nr2 += -24\nr3 = 20\nr4 = 0\ncall bpf_redirect_neigh",
        "r1 = 1\nr2 = r10\nr2 += -24\nr3 = 8\nr4 = 0\ncall bpf_redirect_neigh",
        "r1 = 1\nr2 = 0\nr3 = 0\nr4 = 2\ncall bpf_redirect_neigh",
    ],
)  # fmt: skip
def test_redirect_peer_and_neigh(snippet: str) -> None:
    zero = "r0 = 0\n" + "\n".join(f"*(u64 *)(r10 - {8 * i}) = r0" for i in (1, 2, 3))
    compare_net(TC, f"r0 = 0\n{zero}\n{snippet}\nexit\n", IPV4_UDP)


def _ipv4(tos: int) -> bytes:
    frame = bytearray(IPV4_UDP)
    frame[15], frame[24:26] = tos, b"\0\0"
    total = sum(int.from_bytes(frame[i : i + 2], "big") for i in range(14, 34, 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    frame[24:26] = (~total & 0xFFFF).to_bytes(2, "big")
    return bytes(frame)


def _ipv6(traffic_class: int) -> bytes:
    first = (6 << 28) | (traffic_class << 20) | 0x12345
    header = first.to_bytes(4, "big") + bytes.fromhex("000811ff") + bytes(range(32))
    return IPV4_UDP[:12] + b"\x86\xdd" + header + bytes(8)


ECN_FRAMES = [_ipv4(tos) for tos in (0, 1, 2, 3, 0xB9, 0xBA)] + [_ipv6(tc) for tc in (0, 1, 2, 3, 0xFE)]


@pytest.mark.parametrize("prog_type", [TC, uapi.BPF_PROG_TYPE_CGROUP_SKB])
@pytest.mark.parametrize("frame", ECN_FRAMES, ids=range(len(ECN_FRAMES)))
def test_ecn_set_ce(prog_type: int, frame: bytes) -> None:
    """retval: what the helper returned; data_out: the header it marked (and its checksum)."""
    compare_net(prog_type, "r1 = r1\ncall bpf_skb_ecn_set_ce\nr0 &= 1\nexit\n", frame)


def test_ecn_set_ce_on_a_frame_without_ip() -> None:
    compare_net(
        TC, "call bpf_skb_ecn_set_ce\nexit\n", bytes.fromhex("ffffffffffff0200000000010806") + bytes(28)
    )
