"""BPF_PROG_TEST_RUN of SOCKET_FILTER / SCHED_CLS / SCHED_ACT compared with the kernel.

Every readable __sk_buff field (whole and byte by byte), the writable ones read back and copied out
to ctx_out, packets seen from the MAC or the network header, LD_ABS/LD_IND, repeat, and the
refusals of ``bpf_prog_test_run_skb`` (sizes, flags, ctx_in fields, devices).
"""

from __future__ import annotations

import errno

import pytest

from pybpf import assemble
from pybpf.progtypes import TestRunArgs, get_prog_type
from pybpf.progtypes.skb import END, MAX_TEST_DATA, OFF, SK_BUFF_SIZE, eth_type_trans
from tests.progtypes.test_skb_support import (
    ETH_ONLY,
    IPV4_UDP,
    SKB_TYPES,
    compare,
    ctx_with,
    needs_kernel,
    run_pybpf,
)

pytestmark = [needs_kernel, pytest.mark.usefixtures("engine")]  # on each engine (tests/conftest.py)

CTX = ctx_with(
    mark=0xA1B2C3D4,
    priority=7,
    ingress_ifindex=1,
    cb=[1, 0x22222222, 3, 0xFFFFFFFF, 5],
    tstamp=0x1122334455667788,
    wire_len=200,
    gso_segs=3,
    gso_size=1400,
    hwtstamp=0x0102030405060708,
)
READABLE = {
    1: [
        "len",
        "pkt_type",
        "mark",
        "queue_mapping",
        "protocol",
        "vlan_present",
        "vlan_tci",
        "vlan_proto",
        "priority",
        "ingress_ifindex",
        "ifindex",
        "tc_index",
        "cb",
        "hash",
        "napi_id",
        "gso_segs",
        "gso_size",
    ],
}
READABLE[3] = READABLE[4] = [*READABLE[1], "tc_classid", "wire_len"]
WIDE = ("tstamp", "hwtstamp")


def _read_field(name: str) -> str:
    return f"r0 = *(u32 *)(r1 + {OFF[name]})\nexit"


@pytest.mark.parametrize("packet", [IPV4_UDP, ETH_ONLY], ids=["ipv4", "arp"])
@pytest.mark.parametrize("ctx", [None, CTX], ids=["no-ctx", "ctx"])
@pytest.mark.parametrize("prog_type", SKB_TYPES)
def test_every_readable_field(prog_type: int, ctx: bytes | None, packet: bytes) -> None:
    for name in READABLE[prog_type]:
        compare(prog_type, assemble(_read_field(name)), packet, ctx)
    if prog_type != 1:
        for name in WIDE:
            for shift in (0, 32):
                program = assemble(f"r0 = *(u64 *)(r1 + {OFF[name]})\nr0 >>= {shift}\nexit")
                compare(prog_type, program, packet, ctx)


@pytest.mark.parametrize("prog_type", SKB_TYPES)
def test_narrow_reads(prog_type: int) -> None:
    for name in READABLE[prog_type]:
        base = OFF[name] + (12 if name == "cb" else 0)
        lines = [f"r0 = *(u16 *)(r1 + {base + 2})", "r0 <<= 16"]
        for byte in range(4):
            lines += [f"r2 = *(u8 *)(r1 + {base + byte})", f"r2 <<= {8 * byte}", "r0 ^= r2"]
        lines += [f"r2 = *(u16 *)(r1 + {base})", "r0 += r2", "exit"]
        compare(prog_type, assemble("\n".join(lines)), IPV4_UDP, CTX)


@pytest.mark.parametrize("prog_type", [3, 4])
def test_packet_pointers(prog_type: int) -> None:
    program = assemble(f"""
        r2 = *(u32 *)(r1 + {OFF["data"]})
        r3 = *(u32 *)(r1 + {OFF["data_end"]})
        r4 = *(u32 *)(r1 + {OFF["data_meta"]})
        r0 = r3
        r0 -= r2
        r2 -= r4
        r0 += r2
        r2 = *(u32 *)(r1 + {OFF["data"]})
        r5 = r2
        r5 += 14
        if r5 > r3 goto +3
        r6 = *(u16 *)(r2 + 12)
        r6 <<= 16
        r0 |= r6
        exit
    """)
    for packet in (IPV4_UDP, ETH_ONLY, IPV4_UDP[:14]):
        compare(prog_type, program, packet, CTX)


@pytest.mark.parametrize("prog_type", [3, 4])
def test_direct_packet_write(prog_type: int) -> None:
    program = assemble(f"""
        r2 = *(u32 *)(r1 + {OFF["data"]})
        r3 = *(u32 *)(r1 + {OFF["data_end"]})
        r5 = r2
        r5 += 20
        if r5 > r3 goto +3
        r4 = 0x5a5a
        *(u16 *)(r2 + 0) = r4
        *(u32 *)(r2 + 16) = r4
        r0 = 1
        exit
    """)
    outcome = compare(prog_type, program, IPV4_UDP)
    assert outcome.data_out is not None and outcome.data_out[:2] == b"ZZ"


def test_tc_writes_read_back_and_copied_out() -> None:
    fields = {
        "mark": 0xDEADBEEF,
        "priority": 0x12345678,
        "tc_index": 0x1FFFF,
        "tc_classid": 0xABCDEF,
        "queue_mapping": 0x1234,
    }
    lines = []
    for name, value in fields.items():
        lines += [f"r2 = {value}", f"*(u32 *)(r1 + {OFF[name]}) = r2"]
    lines += [
        "r2 = 0x7777",
        f"*(u16 *)(r1 + {OFF['cb'] + 2}) = r2",
        "r2 = 0x99",
        f"*(u8 *)(r1 + {OFF['cb'] + 17}) = r2",
    ]
    lines += [
        "r2 = 0x55 ll",
        f"*(u64 *)(r1 + {OFF['cb'] + 8}) = r2",
        "r2 = 1234567 ll",
        f"*(u64 *)(r1 + {OFF['tstamp']}) = r2",
        "r0 = 0",
    ]
    for name in [*fields, "cb"]:
        lines += [f"r2 = *(u32 *)(r1 + {OFF[name]})", "r0 <<= 3", "r0 ^= r2"]
    lines.append("exit")
    for prog_type in (3, 4):
        compare(prog_type, assemble("\n".join(lines)), IPV4_UDP, CTX)


def test_tc_queue_mapping_keeps_old_value_for_no_queue_mapping() -> None:
    program = assemble(f"""
        r2 = 5
        *(u32 *)(r1 + {OFF["queue_mapping"]}) = r2
        r2 = 0xffff
        *(u32 *)(r1 + {OFF["queue_mapping"]}) = r2
        *(u32 *)(r1 + {OFF["queue_mapping"]}) = 0x10000
        r0 = *(u32 *)(r1 + {OFF["queue_mapping"]})
        exit
    """)
    assert compare(3, program, IPV4_UDP).retval == 5


def test_socket_filter_writes_cb() -> None:
    program = assemble(f"""
        r2 = 0x01020304
        *(u32 *)(r1 + {OFF["cb"] + 16}) = r2
        *(u8 *)(r1 + {OFF["cb"]}) = 0x7f
        r0 = *(u32 *)(r1 + {OFF["cb"]})
        exit
    """)
    outcome = compare(1, program, IPV4_UDP, CTX)
    assert outcome.data_out is not None and outcome.data_out[:14] == bytes(14)  # pushed back zeroed


@pytest.mark.parametrize("prog_type", SKB_TYPES)
def test_ld_abs_and_ld_ind(prog_type: int) -> None:
    source = """
        r6 = r1
        r0 = *(u8 *)skb[0]
        r7 = r0
        r0 = *(u16 *)skb[2]
        r7 <<= 8
        r7 ^= r0
        r1 = 4
        r0 = *(u32 *)skb[r1 + 6]
        r7 ^= r0
        r0 = *(u8 *)skb[-1048576]
        r7 += r0
        r0 = *(u16 *)skb[-2097140]
        r7 += r0
        r0 = r7
        exit
    """
    compare(prog_type, assemble(source), IPV4_UDP)
    compare(prog_type, assemble("r6 = r1\nr0 = *(u32 *)skb[200]\nr0 = 7\nexit"), IPV4_UDP)
    compare(prog_type, assemble("r6 = r1\nr0 = *(u8 *)skb[-2097153]\nr0 = 7\nexit"), IPV4_UDP)


@pytest.mark.parametrize("prog_type", SKB_TYPES)
def test_repeat_runs_on_the_same_skb(prog_type: int) -> None:
    program = assemble(f"""
        r2 = *(u32 *)(r1 + {OFF["cb"]})
        r2 += 1
        *(u32 *)(r1 + {OFF["cb"]}) = r2
        r0 = r2
        exit
    """)
    assert compare(prog_type, program, IPV4_UDP, CTX, repeat=5).retval == 6


@pytest.mark.parametrize("prog_type", SKB_TYPES)
def test_packet_sizes(prog_type: int) -> None:
    program = assemble(_read_field("len"))
    for size in (0, 13, 14, 15, MAX_TEST_DATA, MAX_TEST_DATA + 1):
        compare(prog_type, program, (IPV4_UDP * 100)[:size])


@pytest.mark.parametrize("dest", ["000000000000", "ffffffffffff", "01005e000001", "020000000002"])
def test_pkt_type_and_protocol(dest: str) -> None:
    program = assemble(
        f"r0 = *(u32 *)(r1 + {OFF['pkt_type']})\nr2 = *(u32 *)(r1 + {OFF['protocol']})\n"
        "r2 <<= 8\nr0 |= r2\nexit"
    )
    for ethertype, payload in (("0800", b""), ("05dc", b"\xff\xff"), ("0010", b"\xaa\xaa"), ("86dd", b"")):
        packet = bytes.fromhex(dest + "020000000001" + ethertype) + payload + bytes(30)
        compare(1, program, packet)
        compare(3, program, packet)


def test_eth_type_trans_values() -> None:
    assert eth_type_trans(IPV4_UDP, bytes(6), bytes(6)) == (0x0008, 0)
    assert eth_type_trans(bytes.fromhex("ffffffffffff00000000000005dcffff"), bytes(6), b"\xff" * 6) == (
        0x0100,
        1,
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"len": 1},
        {"pkt_type": 1},
        {"queue_mapping": 1},
        {"protocol": 1},
        {"tc_index": 1},
        {"hash": 1},
        {"tc_classid": 1},
        {"data": 1},
        {"napi_id": 1},
        {"family": 2},
        {"local_port": 1},
        {"data_meta": 1},
        {"tstamp_type": 1},
        {"wire_len": 10},
        {"wire_len": 70000},
        {"gso_segs": 70000},
        {"ifindex": 1},
        {"ifindex": 0x7FFFFFF0},
        {"wire_len": 1000, "gso_size": 9},
    ],
    ids=str,
)
def test_ctx_in_rules(fields: dict[str, int]) -> None:
    program = assemble(_read_field("mark"))
    for prog_type in (1, 3):
        compare(prog_type, program, IPV4_UDP, ctx_with(**fields))


def test_ctx_in_size_rules() -> None:
    program = assemble(_read_field("mark"))
    compare(3, program, IPV4_UDP, CTX[:20])
    compare(3, program, IPV4_UDP, CTX + bytes(8))
    compare(3, program, IPV4_UDP, CTX + b"\x01")
    compare(3, program, IPV4_UDP, CTX[:20], ctx_out=False)
    compare(3, program, IPV4_UDP, None, ctx_out=False)


def test_attr_refusals() -> None:
    kind = get_prog_type(1)
    assert kind is not None
    for args in (
        TestRunArgs(data_in=IPV4_UDP, flags=1),
        TestRunArgs(data_in=IPV4_UDP, cpu=1),
        TestRunArgs(data_in=IPV4_UDP, batch_size=1),
    ):
        with pytest.raises(OSError) as info:
            kind.check_test_run_attr(args)
        assert info.value.errno == errno.EINVAL


def test_ctx_layout_constants() -> None:
    assert SK_BUFF_SIZE == 192 and END["cb"] - OFF["cb"] == 20
    outcome = run_pybpf(1, assemble("r0 = 0\nexit"), IPV4_UDP, CTX)
    assert outcome.ctx_out is not None and outcome.ctx_out[OFF["ifindex"]] == 1


@pytest.mark.parametrize("prog_type", SKB_TYPES)
def test_sk_is_the_test_socket_and_tstamp_type(prog_type: int) -> None:
    program = assemble(f"r2 = *(u64 *)(r1 + {OFF['sk']})\nr0 = 1\nif r2 != 0 goto +1\nr0 = 0\nexit")
    assert compare(prog_type, program, IPV4_UDP).retval == 1
    if prog_type != 1:
        compare(prog_type, assemble(f"r0 = *(u8 *)(r1 + {OFF['tstamp_type']})\nexit"), IPV4_UDP, CTX)


def test_other_devices_decide_pkt_type_and_ifindex() -> None:
    import socket
    from pathlib import Path

    program = assemble(f"r0 = *(u32 *)(r1 + {OFF['pkt_type']})\nr2 = *(u32 *)(r1 + {OFF['ifindex']})\n"
                       "r2 <<= 8\nr0 |= r2\nexit")  # fmt: skip
    devices = [(index, name) for index, name in socket.if_nameindex() if index > 1][:2]
    for index, name in devices:
        address = Path(f"/sys/class/net/{name}/address").read_text().strip().replace(":", "")
        for dest in (address, "ffffffffffff", "020000000099"):
            packet = bytes.fromhex(dest + "020000000001" + "0806") + bytes(28)
            compare(3, program, packet, ctx_with(ifindex=index))
            compare(1, program, packet, ctx_with(ifindex=index))


@pytest.mark.parametrize("prog_type", [3, 4])
def test_wire_len_without_a_ctx(prog_type: int) -> None:
    """convert___skb_to_skb() sets qdisc_skb_cb's pkt_len only from a ctx: a run with neither ctx_in
    nor ctx_out reads wire_len 0 (test_verifier's "check wire_len is readable by tc classifier")."""
    outcome = compare(prog_type, assemble(_read_field("wire_len")), IPV4_UDP, None, ctx_out=False)
    assert outcome.retval == 0
    assert compare(prog_type, assemble(_read_field("wire_len")), IPV4_UDP, None).retval == len(IPV4_UDP)
