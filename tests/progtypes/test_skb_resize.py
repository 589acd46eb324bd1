"""The tc helpers that reshape the packet, and check_mtu, set_tstamp and clone_redirect
(``pybpf.progtypes.skb_resize``): the same program test-run on pybpf, each engine, and on the kernel;
r0 of every call, what the program reads afterwards (len, data_end - data, protocol, the VLAN fields,
tstamp), the packet out and the errno compared, on packets of several shapes."""

from __future__ import annotations

import pytest

from pybpf import uapi
from pybpf.objects import rtnl
from pybpf.progtypes.skb import OFF
from tests.progtypes.net_diff import compare_net, recording
from tests.progtypes.test_skb_more_helpers import _ipv6
from tests.progtypes.test_skb_support import ETH_ONLY, IPV4_UDP, needs_kernel

pytestmark = [needs_kernel, pytest.mark.usefixtures("engine")]

TC = uapi.BPF_PROG_TYPE_SCHED_CLS
IPV6_UDP = _ipv6(0)
VLAN_IPV4 = IPV4_UDP[:12] + bytes.fromhex("8100e0050800") + IPV4_UDP[14:]
QINQ_IPV4 = IPV4_UDP[:12] + bytes.fromhex("88a8000781000009") + IPV4_UDP[12:]
VLAN_SHORT = IPV4_UDP[:12] + bytes.fromhex("8100")
VLAN_802_2 = IPV4_UDP[:12] + bytes.fromhex("8100000300200000") + bytes(20)
FRAMES = {"ipv4": IPV4_UDP, "ipv6": IPV6_UDP, "arp": ETH_ONLY, "vlan": VLAN_IPV4, "qinq": QINQ_IPV4}

LEN = f"r0 = *(u32 *)(r6 + {OFF['len']})"
SPAN = f"r1 = *(u32 *)(r6 + {OFF['data']})\nr0 = *(u32 *)(r6 + {OFF['data_end']})\nr0 -= r1"
PROTO = f"r0 = *(u32 *)(r6 + {OFF['protocol']})"
VLAN = (
    f"r0 = *(u32 *)(r6 + {OFF['vlan_present']})",
    f"r0 = *(u32 *)(r6 + {OFF['vlan_tci']})",
    f"r0 = *(u32 *)(r6 + {OFF['vlan_proto']})",
)
LAST_BYTE = (
    "r1 = r6\nr2 = *(u32 *)(r6 + 0)\nr2 += -1\nr3 = r10\nr3 += -8\nr4 = 1\n"
    "call bpf_skb_load_bytes\nif r0 != 0 goto +1\nr0 = *(u8 *)(r10 - 8)"
)
"""The packet's last byte through bpf_skb_load_bytes (a native helper on the JIT: it must follow the
reshaped packet), or the helper's error."""
DIRECT_WRITE = (
    "r1 = *(u32 *)(r6 + 76)\nr2 = *(u32 *)(r6 + 80)\nr3 = r1\nr3 += 16\nr0 = 1\n"
    "if r3 > r2 goto +2\n*(u8 *)(r1 + 15) = 0xab\nr0 = 0"
)
"""A direct packet write at byte 15 (after the program checked data + 16 <= data_end)."""


def call(helper: str, *args: int) -> str:
    regs = "\n".join(f"r{n} = {value} ll" for n, value in enumerate(args, start=2))
    return f"r1 = r6\n{regs}\ncall bpf_{helper}"


def change_tail(new_len: int, flags: int = 0) -> str:
    return call("skb_change_tail", new_len, flags)


def change_head(room: int, flags: int = 0) -> str:
    return call("skb_change_head", room, flags)


def adjust_room(diff: int, mode: int, flags: int = 0) -> str:
    return call("skb_adjust_room", diff & 0xFFFF_FFFF, mode, flags)


def vlan_push(proto: int, tci: int) -> str:
    return call("skb_vlan_push", proto, tci)


VLAN_POP = "r1 = r6\ncall bpf_skb_vlan_pop"


@pytest.mark.parametrize("new_len", [0, 13, 14, 15, 34, 60, 100, 4000, 16064, 16065, 70000])
@pytest.mark.parametrize("frame", ["ipv4", "arp"])
def test_change_tail(frame: str, new_len: int) -> None:
    """Grown (zeroed) or trimmed; the bounds, then shrunk back so that data_out fits the buffer."""
    steps = (change_tail(new_len), LEN, SPAN, LAST_BYTE, DIRECT_WRITE, change_tail(60), LEN)
    compare_net(TC, recording(*steps), FRAMES[frame], record=True)


def test_change_tail_flags_and_a_packet_larger_than_data_out() -> None:
    compare_net(TC, recording(change_tail(60, 1), LEN), IPV4_UDP, record=True)
    compare_net(TC, f"{change_tail(5000)}\nr0 = 0\nexit\n".replace("r6", "r1", 1), IPV4_UDP)  # ENOSPC


@pytest.mark.parametrize("room", [0, 1, 4, 100, 16008, 16009, 70000, 0xFFFF_FFFF])
def test_change_head(room: int) -> None:
    """Zeroes pushed, the MAC header at them: a trim below the (unmoved) network header is refused."""
    steps = (change_head(room), LEN, SPAN, LAST_BYTE, change_tail(60), change_tail(200), LEN)
    compare_net(TC, recording(*steps), IPV4_UDP, record=True)


def test_change_head_flags_and_pushes_past_the_headroom() -> None:
    compare_net(TC, recording(change_head(4, 1), *[change_head(30)] * 6, LEN, SPAN, DIRECT_WRITE), IPV4_UDP,
                record=True)  # fmt: skip


def test_change_head_accumulates_over_repeats() -> None:
    """BPF_PROG_TEST_RUN's repeats run on one skb: each pushes again."""
    compare_net(TC, recording(change_head(4), LEN), IPV4_UDP, record=True, repeat=3)


@pytest.mark.parametrize(
    "steps",
    [
        (vlan_push(0x81, 5),),
        (vlan_push(0x1234, 0x1_0007),),
        (vlan_push(0xA888, 7), vlan_push(0x81, 0xFFFF)),
        (vlan_push(0x81, 5), vlan_push(0xA888, 6), vlan_push(0x81, 7)),
        (vlan_push(0x81, 0), vlan_push(0x81, 3), VLAN_POP),
        (vlan_push(0x81, 1), vlan_push(0x81, 2), VLAN_POP, VLAN_POP, VLAN_POP),
        (VLAN_POP,),
    ],
    ids=range(7),
)
@pytest.mark.parametrize("frame", ["ipv4", "vlan", "qinq", "arp"])
def test_vlan_push_and_pop(frame: str, steps: tuple[str, ...]) -> None:
    reads = (*VLAN, PROTO, LEN)
    compare_net(TC, recording(*steps[:2], *reads[:3], *steps[2:], *reads[3:]), FRAMES[frame], record=True)


@pytest.mark.parametrize(
    "frame", [VLAN_SHORT + bytes(2), VLAN_802_2, VLAN_802_2[:-20] + b"\xff\xff" + bytes(18)]
)
def test_vlan_pop_of_short_and_802_frames(frame: bytes) -> None:
    compare_net(TC, recording(VLAN_POP, *VLAN, PROTO, LEN), frame, record=True)


@pytest.mark.parametrize(
    ("frame", "protos"),
    [
        ("ipv4", (0xDD86,)), ("ipv4", (0x08,)), ("ipv4", (0x1234,)), ("ipv6", (0x08,)),
        ("ipv6", (0xDD86,)), ("ipv4", (0xDD86, 0x08)), ("arp", (0xDD86,)), ("vlan", (0xDD86,)),
    ],
)  # fmt: skip
def test_change_proto(frame: str, protos: tuple[int, ...]) -> None:
    steps = [call("skb_change_proto", proto, 0) for proto in protos]
    steps.append(call("skb_change_proto", 0xDD86, 1))
    compare_net(TC, recording(*steps, LEN, PROTO, LAST_BYTE), FRAMES[frame], record=True)


def test_change_proto_of_a_short_ipv6_packet() -> None:
    """6 -> 4 pops 20 bytes after the MAC header: a packet shorter than that keeps them (-ENOMEM)."""
    compare_net(TC, recording(change_tail(20), call("skb_change_proto", 0x08, 0), LEN, PROTO), IPV6_UDP,
                record=True)  # fmt: skip


ENCAP_IPV4, ENCAP_IPV6 = 2, 4
GRE, UDP, NO_CSUM_RESET, L2_ETH, DECAP_IPV4, DECAP_IPV6 = 8, 16, 32, 64, 128, 256


def l2_len(size: int) -> int:
    return size << 56


ADJUST = [
    (8, 0, 0), (8, 1, 0), (-8, 0, 0), (-8, 1, 0), (-20, 1, 0), (-21, 1, 0), (-22, 1, 0), (-42, 0, 0),
    (4096, 0, 0), (4095, 0, 0), (8, 2, 0), (8, 0, 1 << 9), (20, 1, ENCAP_IPV4),
    (20, 1, ENCAP_IPV4 | ENCAP_IPV6),
    (20, 1, ENCAP_IPV4 | GRE), (20, 1, ENCAP_IPV6 | GRE | UDP), (20, 1, UDP), (40, 1, ENCAP_IPV6 | UDP),
    (28, 1, ENCAP_IPV4 | L2_ETH | l2_len(14)), (28, 1, ENCAP_IPV4 | L2_ETH | l2_len(13)),
    (28, 1, ENCAP_IPV4 | l2_len(30)), (-8, 0, ENCAP_IPV4), (-8, 0, 1 | NO_CSUM_RESET), (8, 1, NO_CSUM_RESET),
    (8, 0, DECAP_IPV4), (-20, 1, DECAP_IPV4), (-20, 1, DECAP_IPV6), (-20, 1, DECAP_IPV4 | DECAP_IPV6),
    (-4, 0, 1 << 10), (16000, 0, 0),
]  # fmt: skip


@pytest.mark.parametrize(("diff", "mode", "flags"), ADJUST, ids=range(len(ADJUST)))
@pytest.mark.parametrize("frame", ["ipv4", "ipv6"])
def test_adjust_room(frame: str, diff: int, mode: int, flags: int) -> None:
    steps = (adjust_room(diff, mode, flags), LEN, PROTO, "r1 = r6\nr2 = 0\ncall bpf_csum_level", LAST_BYTE)
    compare_net(TC, recording(*steps), FRAMES[frame], record=True)


def test_adjust_room_after_encapsulation() -> None:
    """An encapsulated skb: a second encapsulation is -EALREADY, change_tail -ENOTSUPP; a plain grow
    and a shrink still work; the transport header set by an L4 encapsulation bounds change_tail."""
    encap = adjust_room(28, 1, ENCAP_IPV4 | UDP)
    again = adjust_room(28, 1, ENCAP_IPV4 | GRE)
    steps = (encap, again, change_tail(100), adjust_room(4, 1), adjust_room(-4, 1), LEN, PROTO)
    compare_net(TC, recording(*steps), IPV4_UDP, record=True)


def test_adjust_room_on_other_protocols_and_with_csum_level() -> None:
    compare_net(TC, recording(adjust_room(8, 1), LEN), ETH_ONLY, record=True)
    unnecessary = "r1 = r6\nr2 = 2\ncall bpf_csum_level"  # BPF_CSUM_LEVEL_INC
    steps = (unnecessary, adjust_room(4, 1, NO_CSUM_RESET), "r1 = r6\nr2 = 0\ncall bpf_csum_level",
             adjust_room(4, 1), "r1 = r6\nr2 = 0\ncall bpf_csum_level")  # fmt: skip
    compare_net(TC, recording(*steps), IPV4_UDP, record=True)


def check_mtu(ifindex: int, length: int, flags: int, given: int = 0) -> str:
    return (
        f"*(u32 *)(r10 - 8) = {given}\nr1 = r6\nr2 = {ifindex}\nr3 = r10\nr3 += -8\nr4 = {length} ll\n"
        f"r5 = {flags}\ncall bpf_check_mtu"
    )


MTU_CASES = [
    (0, 0, 0, 0), (1, 0, 0, 0), (0, 100, 0, 0), (0, 65536, 0, 0), (0, 65537, 0, 0), (0, -65500, 0, 0),
    (0, 0, 1, 0), (0, 0, 2, 0), (0, 4, 1, 0), (0, 0, 1, 9), (0x7FFF_FFF0, 0, 0, 0), (0, 0xFFFF_FFFF, 0, 0),
    (0, 0, 0, 65536), (0, 0, 0, 65537), (0, 1, 0, 65536), (0x7FFF_FFF0, 0, 0, 7), (0, 0, 4, 7),
]  # fmt: skip


@pytest.mark.parametrize(("ifindex", "length", "flags", "given"), MTU_CASES, ids=range(len(MTU_CASES)))
def test_check_mtu(ifindex: int, length: int, flags: int, given: int) -> None:
    steps = (check_mtu(ifindex, length & 0xFFFF_FFFF, flags, given), "r0 = *(u32 *)(r10 - 8)")
    compare_net(TC, recording(*steps), IPV4_UDP, record=True)


TSTAMPS = [(5, 0), (5, 1), (5, 2), (5, 3), (0, 1), (0, 2), (0, 0), (7, 1 << 32)]


@pytest.mark.parametrize("frame", ["ipv4", "ipv6", "arp"])
def test_set_tstamp(frame: str) -> None:
    steps = []
    for tstamp, kind in TSTAMPS:
        steps += [call("skb_set_tstamp", tstamp, kind), f"r0 = *(u64 *)(r6 + {OFF['tstamp']})",
                  f"r0 = *(u8 *)(r6 + {OFF['tstamp_type']})"]  # fmt: skip
    for start in range(0, len(steps), 6):
        compare_net(TC, recording(*steps[start : start + 6]), FRAMES[frame], record=True)


@pytest.mark.parametrize(
    ("ifindex", "flags"), [(1, 0), (1, 1), (0, 0), (0x7FFF_0000, 0), (1, 2), (1, 1 << 40)]
)
def test_clone_redirect_to_loopback_and_refusals(ifindex: int, flags: int) -> None:
    """To the loopback device (up: 0; the kernel's test run sends a clone through it, pybpf does not)."""
    compare_net(TC, recording(call("clone_redirect", ifindex, flags), LEN), IPV4_UDP, record=True)


def test_clone_redirect_after_change_head_puts_the_mac_header_after_the_network_header() -> None:
    steps = (adjust_room(-14, 1), call("clone_redirect", 1, 0))
    compare_net(TC, recording(*steps), IPV4_UDP, record=True)


@pytest.mark.parametrize("prog_type", [uapi.BPF_PROG_TYPE_LWT_XMIT])
def test_lwt_xmit_change_head_and_tail(prog_type: int) -> None:
    """LWT_XMIT may reshape too: the packet from the network header, so the MAC header is data's."""
    steps = (change_head(14), LEN, change_tail(30), change_tail(10), LEN, SPAN)
    compare_net(prog_type, recording(*steps), IPV4_UDP, record=True)


def _a_down_device() -> int | None:
    """The ifindex of a network device of this namespace that is down (its noop qdisc drops what is
    sent), if any."""
    down = [link.index for link in rtnl.links().values() if not link.flags & 1]  # IFF_UP
    return min(down, default=None)


@pytest.mark.parametrize("flags", [0, 1])
def test_clone_redirect_to_a_device_that_is_down(flags: int) -> None:
    """Egress: NET_XMIT_CN (the noop qdisc's answer); ingress: NET_RX_DROP (not forwardable)."""
    ifindex = _a_down_device()
    if ifindex is None:
        pytest.skip("no network device is down here")
    compare_net(TC, recording(call("clone_redirect", ifindex, flags), LEN), IPV4_UDP, record=True)
