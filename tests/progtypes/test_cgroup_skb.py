"""CGROUP_SKB programs: attach types, ctx access rules, rewrites, helpers, return values and
BPF_PROG_TEST_RUN, each compared with the running kernel."""

from __future__ import annotations

import errno
import os

import pytest

from pybpf import uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.progtypes import get_prog_type
from pybpf.progtypes.cgroup_skb import CGROUP_SKB_HELPERS, CgroupSkb
from pybpf.progtypes.skb import OFF, SK_BUFF_SIZE
from tests.progtypes import cgroup_harness as h
from tests.progtypes.test_skb_support import IPV4_UDP, ctx_with

CGROUP_SKB = uapi.BPF_PROG_TYPE_CGROUP_SKB
INGRESS, EGRESS = uapi.BPF_CGROUP_INET_INGRESS, uapi.BPF_CGROUP_INET_EGRESS
IPV6_TCP = (
    bytes.fromhex("0000000000000200000000fe86dd")
    + bytes.fromhex("6000000000140640") + bytes(15) + b"\x01" + bytes(15) + b"\x02"
    + bytes.fromhex("3039005000000001000000005002200000000000")
)  # fmt: skip


def _kind() -> CgroupSkb:
    kind = get_prog_type(CGROUP_SKB)
    assert isinstance(kind, CgroupSkb)
    return kind


def test_registered() -> None:
    kind = _kind()
    assert kind.name == "cgroup_skb" and kind.ctx_size == SK_BUFF_SIZE


@pytest.mark.parametrize("attach", [INGRESS, EGRESS, uapi.BPF_CGROUP_INET_SOCK_CREATE, uapi.BPF_XDP, 200])
def test_expected_attach_type(attach: int) -> None:
    """bpf_prog_load_check_attach(): ingress or egress, EINVAL for the rest."""
    mine = h.load_errno(UserBackend(), CGROUP_SKB, "r0 = 1\nexit\n", attach)
    assert mine == (0 if attach in (INGRESS, EGRESS) else errno.EINVAL)
    if kernel_bpf_available():
        assert mine == h.load_errno(NativeBackend(), CGROUP_SKB, "r0 = 1\nexit\n", attach)


@pytest.mark.parametrize("attach", [INGRESS, EGRESS])
def test_helpers_as_the_kernel(attach: int) -> None:
    """Which helper ids a CGROUP_SKB program may call, under either attach type."""
    kind = _kind().for_attach_type(attach)
    assert {n for n in range(1, 212) if kind.func_allowed(n)} == CGROUP_SKB_HELPERS
    assert kind.func_allowed(26) and kind.func_allowed(68) and not kind.func_allowed(9)
    assert all(kind.func_allowed(n) for n in kind.helpers())
    if kernel_bpf_available():
        assert h.kernel_helpers(CGROUP_SKB, attach) == CGROUP_SKB_HELPERS


@h.needs_kernel
@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
def test_ctx_access_as_the_kernel(write: bool) -> None:
    """cg_skb_is_valid_access() on every aligned offset and size, on the kernel and through pybpf's
    whole load path."""
    differ = h.access_differences(_kind(), SK_BUFF_SIZE, write=write)
    assert not differ, f"(off, size, kernel errno, pybpf errno): {differ}"


_AX_FIELDS = {"tstamp", "tstamp_type", "hwtstamp", "gso_segs", "gso_size"}
"""Fields whose kernel sequence uses BPF_REG_AX: pybpf emits the one load it amounts to in a test run."""


@h.needs_kernel
def test_rewrite_has_the_kernels_shape() -> None:
    """bpf_convert_ctx_access() and the narrow-load wrapping: the xlated opcodes of every readable
    field at every size, pybpf's against the kernel's."""
    kind = _kind()
    checked = []
    for name, off in OFF.items():
        if name in _AX_FIELDS:
            continue
        for size in (4, 2, 1, 8):
            at = off + (size == 1 and name != "cb")
            if not kind.is_valid_access(at, size, False):
                continue
            shapes = []
            for backend in (UserBackend(), NativeBackend()):
                loaded = h.load(backend, CGROUP_SKB, h.access_text(at, size, False))
                assert loaded.fd >= 0, (name, size, loaded)
                try:
                    shapes.append(h.xlated(backend, loaded.fd))
                finally:
                    os.close(loaded.fd)
            assert shapes[0] == shapes[1], (name, size)
            checked.append((name, size))
    assert len(checked) > 30


@pytest.mark.parametrize("attach", [INGRESS, EGRESS])
@pytest.mark.parametrize("value", [0, 1, 2, 3, 4, -1])
def test_return_range(attach: int, value: int) -> None:
    """check_return_code(): [0, 1]; [0, 3] for egress (2 and 3: congestion notification)."""
    text = f"r0 = {value}\nexit\n"
    mine = h.load(UserBackend(), CGROUP_SKB, text, attach)
    if mine.fd >= 0:
        os.close(mine.fd)
    high = 3 if attach == EGRESS else 1
    assert mine.errno == (0 if 0 <= value <= high else errno.EINVAL)
    if mine.errno:
        assert mine.last_line.startswith("At program exit the register R0 has ")
    if kernel_bpf_available():
        theirs = h.load(NativeBackend(), CGROUP_SKB, text, attach)
        if theirs.fd >= 0:
            os.close(theirs.fd)
        assert (mine.errno, mine.last_line) == (theirs.errno, theirs.last_line)


PROGRAMS = {
    "first_packet_byte": """
        r2 = *(u32 *)(r1 + 76)
        r3 = *(u32 *)(r1 + 80)
        r4 = r2
        r4 += 1
        r0 = 0
        if r4 > r3 goto +1
        r0 = *(u8 *)(r2 + 0)
        r0 &= 1
        exit
    """,
    "packet_length_in_cb": """
        r2 = *(u32 *)(r1 + 76)
        r3 = *(u32 *)(r1 + 80)
        r3 -= r2
        *(u32 *)(r1 + 48) = r3
        r2 = *(u32 *)(r1 + 0)
        *(u32 *)(r1 + 52) = r2
        r2 = *(u32 *)(r1 + 16)
        *(u32 *)(r1 + 56) = r2
        r2 = *(u8 *)(r1 + 4)
        *(u32 *)(r1 + 60) = r2
        r2 = *(u32 *)(r1 + 40)
        *(u32 *)(r1 + 64) = r2
        r0 = 1
        exit
    """,
    "marks": """
        r2 = *(u32 *)(r1 + 8)
        r2 += 7
        *(u32 *)(r1 + 8) = r2
        r2 = 9
        *(u32 *)(r1 + 32) = r2
        r2 = 77
        *(u64 *)(r1 + 152) = r2
        r0 = 1
        exit
    """,
    "socket_family": """
        r2 = *(u64 *)(r1 + 168)
        r0 = 0
        if r2 == 0 goto +2
        r0 = *(u32 *)(r2 + 4)
        r0 &= 1
        exit
    """,
    "socket_fields_in_cb": """
        r2 = *(u32 *)(r1 + 92)
        *(u32 *)(r1 + 48) = r2
        r2 = *(u32 *)(r1 + 96)
        *(u32 *)(r1 + 52) = r2
        r2 = *(u32 *)(r1 + 100)
        *(u32 *)(r1 + 56) = r2
        r2 = *(u32 *)(r1 + 132)
        *(u32 *)(r1 + 60) = r2
        r2 = *(u32 *)(r1 + 116)
        *(u32 *)(r1 + 64) = r2
        r0 = 1
        exit
    """,
    "load_bytes_relative": """
        r6 = r1
        r2 = 9
        r3 = r10
        r3 += -8
        r4 = 1
        r5 = 1
        call bpf_skb_load_bytes_relative
        r0 = *(u8 *)(r10 - 8)
        *(u32 *)(r6 + 48) = r0
        r0 = 1
        exit
    """,
}


@h.needs_kernel
@pytest.mark.parametrize("packet", [IPV4_UDP, IPV6_TCP], ids=["ipv4", "ipv6"])
@pytest.mark.parametrize("with_ctx", [False, True], ids=["no_ctx", "ctx"])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_test_run_as_the_kernel(name: str, with_ctx: bool, packet: bytes) -> None:
    """bpf_prog_test_run_skb(): retval, data_out and ctx_out of pybpf's run are the kernel's."""
    ctx = ctx_with(mark=5, priority=3, cb=[1, 2, 3, 4, 5]) if with_ctx else None
    size_out = SK_BUFF_SIZE if with_ctx else 0
    mine = h.run_text(UserBackend(), CGROUP_SKB, PROGRAMS[name], packet, ctx_in=ctx, ctx_size_out=size_out)
    theirs = h.run_text(
        NativeBackend(), CGROUP_SKB, PROGRAMS[name], packet, ctx_in=ctx, ctx_size_out=size_out
    )
    assert mine.errno == 0
    assert mine == theirs


@h.needs_kernel
@pytest.mark.parametrize(
    "ctx",
    [
        ctx_with(tc_classid=1),
        ctx_with(ifindex=1),
        ctx_with(wire_len=100),
        ctx_with(gso_segs=70000),
        b"\1" * 200,
    ],
    ids=["tc_classid", "ifindex", "wire_len", "gso_segs", "tail"],
)
def test_test_run_ctx_in_as_the_kernel(ctx: bytes) -> None:
    """The ctx_in fields bpf_prog_test_run_skb() refuses (or takes) for a CGROUP_SKB program."""
    mine = h.run_text(
        UserBackend(), CGROUP_SKB, "r0 = 1\nexit\n", IPV4_UDP, ctx_in=ctx, ctx_size_out=SK_BUFF_SIZE
    )
    theirs = h.run_text(
        NativeBackend(), CGROUP_SKB, "r0 = 1\nexit\n", IPV4_UDP, ctx_in=ctx, ctx_size_out=SK_BUFF_SIZE
    )
    assert mine == theirs


def test_test_run_without_kernel() -> None:
    """The packet is seen from its network header, through the packet pointers: its first byte is
    the IPv4 version and header length; egress may return 3."""
    text = PROGRAMS["first_packet_byte"].replace("r0 &= 1", "if r0 != 0x45 goto +2\nr0 = 3\nexit\nr0 = 0")
    run = h.run_text(UserBackend(), CGROUP_SKB, text, IPV4_UDP, attach=EGRESS)
    assert (run.errno, run.retval, run.data_out) == (0, 3, bytes(14) + IPV4_UDP[14:])
    assert h.run_text(UserBackend(), CGROUP_SKB, text, IPV4_UDP).errno == errno.EINVAL  # ingress: [0, 1]
