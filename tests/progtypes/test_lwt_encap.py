"""``bpf_lwt_push_encap`` against the kernel (``pybpf.progtypes.lwt_encap``): LWT_IN programs push
headers of every kind and length on a test-run skb, on pybpf (each engine) and on the kernel, and
the return values, data_out and the skb fields read afterwards are compared.  LWT_XMIT is compared
on its refusals only: a valid push makes the kernel dereference the test-run skb's missing route."""

from __future__ import annotations

import errno

import pytest

from pybpf import uapi
from pybpf.kernel.backend import UserBackend
from pybpf.progtypes.skb import SK_BUFF_SIZE
from tests.progtypes.net_diff import compare_net, recording, run_on
from tests.progtypes.test_skb_support import IPV4_UDP, ctx_with, needs_kernel

pytestmark = [needs_kernel, pytest.mark.usefixtures("engine")]

LWT_IN, LWT_XMIT = uapi.BPF_PROG_TYPE_LWT_IN, uapi.BPF_PROG_TYPE_LWT_XMIT
IP, SEG6, SEG6_INLINE = uapi.BPF_LWT_ENCAP_IP, uapi.BPF_LWT_ENCAP_SEG6, uapi.BPF_LWT_ENCAP_SEG6_INLINE
HDR_AT = 320
"""The header is built at r10 - 320 (room for LWT_BPF_MAX_HEADROOM bytes and one more)."""


def push(kind: int, length: int, first: int, check: int = 0) -> str:
    """Build a header at r10 - HDR_AT: byte 0 ``first`` (version and ihl), a pattern in the other
    bytes, the IPv4 checksum field ``check``; then push its first ``length`` bytes."""
    lines = [
        f"*(u64 *)(r10 - {HDR_AT - 8 * i}) = {0x11223344 + 0x01010101 * i}" for i in range(HDR_AT // 8 - 2)
    ]
    lines += [f"*(u8 *)(r10 - {HDR_AT}) = {first}", f"*(u16 *)(r10 - {HDR_AT - 10}) = {check}"]
    lines += [
        "r1 = r6",
        f"r2 = {kind}",
        "r3 = r10",
        f"r3 += -{HDR_AT}",
        f"r4 = {length}",
        "call bpf_lwt_push_encap",
    ]
    return "\n".join(lines)


SKB_FIELDS = ["r0 = *(u32 *)(r6 + 0)", "r0 = *(u32 *)(r6 + 16)", "r0 = *(u32 *)(r6 + 48)"]
"""len, protocol and hash after the push."""

PUSH_CASES = [
    # kind, length, byte 0, checksum
    (IP, 20, 0x45, 0), (IP, 20, 0x45, 0x1234), (IP, 24, 0x46, 0), (IP, 24, 0x45, 0), (IP, 20, 0x46, 0),
    (IP, 40, 0x60, 0), (IP, 39, 0x60, 0), (IP, 64, 0x6F, 0), (IP, 19, 0x45, 0), (IP, 60, 0x4F, 0),
    (IP, 256, 0x45, 0), (IP, 257, 0x45, 0), (IP, 20, 0x44, 0), (IP, 20, 0x40, 0), (IP, 20, 0x55, 0),
    (IP, 100, 0x48, 0), (SEG6, 40, 0x60, 0), (SEG6_INLINE, 40, 0x60, 0), (7, 20, 0x45, 0),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "length", "first", "check"), PUSH_CASES)
def test_lwt_in_push(kind: int, length: int, first: int, check: int) -> None:
    compare_net(LWT_IN, recording(push(kind, length, first, check), *SKB_FIELDS), IPV4_UDP, record=True)


def test_lwt_in_push_twice_and_read_the_packet() -> None:
    read = "r2 = *(u32 *)(r6 + 76)\nr3 = *(u32 *)(r6 + 80)\nr0 = r3\nr0 -= r2"  # data_end - data
    text = recording(push(IP, 20, 0x45), push(IP, 40, 0x60), read, *SKB_FIELDS)
    compare_net(LWT_IN, text, IPV4_UDP, record=True, repeat=3)


def test_lwt_in_push_on_a_gso_skb() -> None:
    """ctx_in's gso_size makes the skb GSO: the header is pushed, the helper says -ENOTSUPP."""
    ctx = ctx_with(gso_size=1400)
    text = recording(push(IP, 20, 0x45), *SKB_FIELDS)
    compare_net(LWT_IN, text, IPV4_UDP, ctx, record=True, ctx_size_out=SK_BUFF_SIZE)


@pytest.mark.parametrize(("kind", "length", "first"), [(SEG6, 40, 0x60), (IP, 19, 0x45), (IP, 20, 0x55)])
def test_lwt_xmit_push_refused(kind: int, length: int, first: int) -> None:
    compare_net(LWT_XMIT, recording(push(kind, length, first)), IPV4_UDP, record=True)


def test_lwt_xmit_push_without_a_route_stops_the_run() -> None:
    """The kernel would dereference the NULL route of the test-run skb; pybpf faults (EFAULT)."""
    outcome = run_on(UserBackend(), LWT_XMIT, recording(push(IP, 20, 0x45)), IPV4_UDP, record=True)
    assert outcome.run_errno == errno.EFAULT
