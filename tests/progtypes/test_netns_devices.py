"""The network devices a test run sees are the caller's network namespace's, not sysfs's: in a private
namespace (``tests.netns``) whose devices exist nowhere else, the same program is test-run on pybpf
(each engine) and on the kernel, and must come back the same.

The namespace has a veth pair ``nsa`` (MTU 1234, a fixed address, one active rx queue of two) /
``nsb``, both up, a pair ``nsc`` (MTU 68, four rx queues, down) / ``nsd`` (MTU 68, up), and a pair
``nse`` / ``nsf`` (MTU 68), both up.  Compared:
``bpf_check_mtu`` (tc and XDP) on each device, on the run's own device and on one that the namespace
lacks; the skb's device and pkt_type as ``eth_type_trans`` sets them from the device's address and
broadcast address; ``bpf_clone_redirect`` to a device that is up, one whose MTU the frame exceeds
(ingress: no MTU check), one that is down, and veths whose peer is down (nsd, without carrier, as
one that is down) or too small (nse's peer nsf: its transmit drops the clone) or takes it (nsb);
XDP's ``rx_queue_index`` checked against the device's
active rx queues.  Each case also checks the kernel's answer is the one the namespace was built for,
so a namespace that is not as meant cannot pass unnoticed.  Skipped without root, bpf(2), iproute2
or network namespaces.
"""

from __future__ import annotations

import errno
import os
import struct
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.progtypes.skb import OFF, PACKET_BROADCAST, PACKET_HOST, PACKET_OTHERHOST
from pybpf.uapi import BPF_MTU_CHK_RET_FRAG_NEEDED, BPF_MTU_CHK_RET_SUCCESS
from tests.netns import entered_netns
from tests.progtypes.net_diff import compare_net, recording
from tests.progtypes.test_skb_resize import call, check_mtu
from tests.progtypes.test_skb_support import IPV4_UDP, ctx_with

pytestmark = pytest.mark.usefixtures("engine")

TC, XDP = uapi.BPF_PROG_TYPE_SCHED_CLS, uapi.BPF_PROG_TYPE_XDP
NAMESPACE = f"pybpf-devices-{os.getpid()}"
NSA_ADDRESS = bytes.fromhex("0200000000a1")
SETUP = f"""
link set lo up
link add nsa type veth peer name nsb
link set nsa mtu 1234
link set nsa address {NSA_ADDRESS.hex(":")}
link set nsa up
link set nsb up
link add nsc numrxqueues 4 type veth peer name nsd
link set nsc mtu 68
link set nsd mtu 68
link set nsd up
link add nse type veth peer name nsf
link set nsf mtu 68
link set nse up
link set nsf up
"""
MTU = {"nsa": 1234, "nsc": 68, "nsd": 68}
NET_XMIT_CN, NET_RX_DROP, NET_XMIT_DROP = 2, 1, 1
FRAME = (IPV4_UDP + bytes(80))[:120]
"""An IPv4/UDP frame of 120 bytes: more than nsd's MTU plus its headers (68 + 14 + 4)."""
MTU_READ = "r0 = *(u32 *)(r10 - 8)"


@pytest.fixture(scope="module")
def devices() -> Iterator[dict[str, int]]:
    """The namespace, entered; each device's ifindex by name, and ``missing``: one it has not."""
    with entered_netns(NAMESPACE, SETUP) as found:
        yield {**found, "missing": max(found.values()) + 100}


def _xdp_ctx(ifindex: int, queue: int = 0) -> bytes:
    """An xdp_md for ``FRAME`` received on ``ifindex``'s rx queue ``queue``."""
    return struct.pack("<6I", 0, len(FRAME), 0, ifindex, queue, 0)


@pytest.mark.parametrize("prog_type", [TC, XDP], ids=["tc", "xdp"])
@pytest.mark.parametrize("device", ["nsa", "nsc", "nsd", "missing"])
@pytest.mark.parametrize("len_diff", [0, 1200])
def test_check_mtu_of_a_namespace_device(
    devices: dict[str, int], prog_type: int, device: str, len_diff: int
) -> None:
    text = recording(check_mtu(devices[device], len_diff, 0), MTU_READ)
    outcome = compare_net(prog_type, text, FRAME, record=True)
    if device == "missing":
        assert outcome.out[:2] == (-errno.ENODEV & 0xFFFF_FFFF_FFFF_FFFF, 0)
    else:
        fits = len(FRAME) + len_diff <= MTU[device] + 14
        assert outcome.out[:2] == (
            BPF_MTU_CHK_RET_SUCCESS if fits else BPF_MTU_CHK_RET_FRAG_NEEDED,
            MTU[device],
        )


@pytest.mark.parametrize("prog_type", [TC, XDP], ids=["tc", "xdp"])
def test_check_mtu_of_the_run_device(devices: dict[str, int], prog_type: int) -> None:
    """ifindex 0: the skb's device (ctx ``ifindex``) or the XDP rx device (``ingress_ifindex``)."""
    text = recording(check_mtu(0, 0, 0), MTU_READ)
    ctx = ctx_with(ifindex=devices["nsa"]) if prog_type == TC else _xdp_ctx(devices["nsa"])
    outcome = compare_net(prog_type, text, FRAME, ctx, record=True)
    assert outcome.out[:2] == (BPF_MTU_CHK_RET_SUCCESS, MTU["nsa"])


@pytest.mark.parametrize(
    ("destination", "pkt_type"),
    [
        (NSA_ADDRESS, PACKET_HOST),
        (b"\xff" * 6, PACKET_BROADCAST),
        (bytes.fromhex("0200000000b7"), PACKET_OTHERHOST),
    ],
    ids=["own", "broadcast", "other"],
)
def test_the_skb_device_sets_pkt_type(devices: dict[str, int], destination: bytes, pkt_type: int) -> None:
    text = recording(f"r0 = *(u32 *)(r6 + {OFF['pkt_type']})", f"r0 = *(u32 *)(r6 + {OFF['ifindex']})")
    outcome = compare_net(TC, text, destination + FRAME[6:], ctx_with(ifindex=devices["nsa"]), record=True)
    assert outcome.out[:2] == (pkt_type, devices["nsa"])


def test_a_device_of_another_namespace_is_refused(devices: dict[str, int]) -> None:
    outcome = compare_net(TC, recording("r0 = 0"), FRAME, ctx_with(ifindex=devices["missing"]), record=True)
    assert outcome.run_errno == errno.ENODEV


@pytest.mark.parametrize(
    ("device", "flags", "expected"),
    [
        ("nsa", 0, 0),
        ("nsa", 1, 0),
        ("nsb", 0, 0),
        ("nsd", 1, 0),
        ("nsd", 0, NET_XMIT_CN),
        ("nse", 0, NET_XMIT_DROP),
        ("nse", 1, 0),
        ("nsc", 0, NET_XMIT_CN),
        ("nsc", 1, NET_RX_DROP),
    ],
)
def test_clone_redirect_to_a_namespace_device(
    devices: dict[str, int], device: str, flags: int, expected: int
) -> None:
    """Up (nsa: its clone reaches nsb), too small for the frame, but ingress checks no MTU (nsd), down
    (nsc); a veth whose peer is down has no carrier, so its qdisc drops as a down device's (nsd -> nsc);
    a veth's transmit drops what its peer's MTU cannot take (nse -> nsf)."""
    outcome = compare_net(TC, recording(call("clone_redirect", devices[device], flags)), FRAME, record=True)
    assert outcome.out[:1] == (expected,)


@pytest.mark.parametrize(("device", "queue"), [("nsa", 0), ("nsa", 1), ("nsc", 3), ("nsc", 4)])
def test_xdp_rx_queue_of_a_namespace_device(devices: dict[str, int], device: str, queue: int) -> None:
    """nsa has two rx queues of which one is active (veth's default), nsc four."""
    text = recording("r0 = *(u32 *)(r6 + 12)", "r0 = *(u32 *)(r6 + 16)")
    outcome = compare_net(XDP, text, FRAME, _xdp_ctx(devices[device], queue), record=True)
    if (device, queue) in {("nsa", 1), ("nsc", 4)}:
        assert outcome.run_errno == errno.EINVAL
    else:
        assert outcome.out[:2] == (devices[device], queue)
