"""BPF_PROG_TEST_RUN of XDP programs: the attr and ctx_in rules, and the packet after the program.

Every case runs through ``XdpProgType.test_run`` and, where bpf(2) is available, through the
kernel: errno, retval, the full data_out and ctx_out must be equal (``xdp_diff.compare``).
"""

from __future__ import annotations

import errno

import pytest

from pybpf.progtypes.xdp import xdp_md_bytes
from tests.progtypes.xdp_diff import compare, run_pybpf

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

PACKET = bytes(range(64))

# r0 = linear length | metalen << 12 | ingress_ifindex << 20 | rx_queue_index << 28
FIELDS = """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = *(u32 *)(r1 + 8)
    r5 = *(u32 *)(r1 + 12)
    r6 = *(u32 *)(r1 + 16)
    r0 = r3
    r0 -= r2
    r2 -= r4
    r2 <<= 12
    r0 |= r2
    r5 <<= 20
    r0 |= r5
    r6 <<= 28
    r0 |= r6
    exit
"""
DROP = "r0 = 1\nexit"


def fields(retval: int) -> tuple[int, int, int, int]:
    return retval & 0xFFF, (retval >> 12) & 0xFF, (retval >> 20) & 0xFF, retval >> 28


def test_plain_packet_arrives_on_loopback() -> None:
    out = compare(FIELDS, PACKET)
    assert out.errno == 0
    assert fields(out.retval) == (64, 0, 1, 0)
    assert out.data_out == PACKET and out.ctx_out is None


@pytest.mark.parametrize("size", [0, 13, 14, 100, 3520, 3521, 5000, 3520 + 17 * 4096, 3521 + 17 * 4096])
def test_packet_sizes(size: int) -> None:
    data = bytes(i & 0xFF for i in range(size))
    out = compare(FIELDS, data)
    if size < 14:
        assert out.errno == errno.EINVAL
    elif size > 3520 + 17 * 4096:
        assert out.errno == errno.ENOMEM
    else:
        assert out.errno == 0
        assert out.data_out == data
        assert fields(out.retval)[0] == min(size, 3520) & 0xFFF


CTX_CASES = {
    "meta 8": dict(data=8, data_end=64),
    "meta 36": dict(data=36, data_end=64),
    "meta 252": dict(data=252, data_end=64),
    "meta 216": dict(data=216, data_end=240),
    "meta 6": dict(data=6, data_end=64),
    "meta 256": dict(data=256, data_end=300),
    "short linear": dict(data_end=60),
    "tiny linear": dict(data_end=10),
    "no linear": dict(),
    "too long": dict(data_end=65),
    "data past end": dict(data=40, data_end=32),
    "data_meta set": dict(data_meta=4, data_end=64),
    "egress": dict(data_end=64, egress_ifindex=1),
    "lo": dict(data_end=64, ingress_ifindex=1),
    "lo queue 1": dict(data_end=64, ingress_ifindex=1, rx_queue_index=1),
    "no such device": dict(data_end=64, ingress_ifindex=99999),
    "queue without device": dict(data_end=64, rx_queue_index=1),
    "meta and short": dict(data=8, data_end=20),
    "meta leaves too little": dict(data=52, data_end=64),
}


@pytest.mark.parametrize("case", sorted(CTX_CASES))
def test_ctx_in(case: str) -> None:
    data = bytes(range(256)) + bytes(100)
    size = max(64, CTX_CASES[case].get("data_end", 0))
    out = compare(FIELDS, data[:size], ctx_in=xdp_md_bytes(**CTX_CASES[case]), ctx_size_out=24)
    if out.errno == 0:
        assert out.data_out == data[:size]
        assert out.ctx_out is not None and len(out.ctx_out) == 24


def test_ctx_in_tail_must_be_zero() -> None:
    assert compare(FIELDS, PACKET, ctx_in=xdp_md_bytes(data_end=64) + b"\1").errno == errno.E2BIG
    out = compare(FIELDS, PACKET, ctx_in=xdp_md_bytes(data_end=64) + bytes(8), ctx_size_out=24)
    assert out.errno == 0


def test_ctx_out_alone_gives_a_zero_ctx() -> None:
    out = compare(FIELDS, PACKET, ctx_size_out=24)  # data_end 0: the whole packet is a fragment
    assert out.errno == 0 and fields(out.retval)[0] == 0
    assert out.ctx_out == bytes(24)


@pytest.mark.parametrize(
    ("flags", "batch", "expected"),
    [(1, 0, errno.EINVAL), (4, 0, errno.EINVAL), (0, 1, errno.EINVAL), (2, 257, errno.E2BIG)],
)
def test_flags_and_batch(flags: int, batch: int, expected: int) -> None:
    assert compare(DROP, PACKET, flags=flags, batch_size=batch).errno == expected


def test_live_frames() -> None:
    out = compare(DROP, PACKET, flags=2, repeat=3)
    assert out.errno == 0 and out.retval == 0 and out.data_out == PACKET
    assert (
        compare(DROP, PACKET, flags=2, ctx_in=xdp_md_bytes(data_end=64), ctx_size_out=24).errno
        == errno.EINVAL
    )
    assert compare(DROP, bytes(4000), flags=2).errno == errno.EINVAL  # no jumbo frames live


def test_repeat_runs_on_the_same_buffer() -> None:
    program = """
        r6 = r1
        r2 = 1
        call 44
        r2 = *(u32 *)(r6 + 0)
        r3 = *(u32 *)(r6 + 4)
        r0 = r3
        r0 -= r2
        exit
    """
    out = compare(program, PACKET, repeat=5)
    assert out.retval == 59 and out.data_out == PACKET[5:]


def test_pybpf_reports_a_duration() -> None:
    out = run_pybpf(DROP, PACKET, repeat=3)
    assert out.errno == 0 and out.retval == 1
