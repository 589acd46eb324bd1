"""NETFILTER programs: BPF_PROG_TEST_RUN (bpf_prog_test_run_nf) on pybpf and on the kernel.

The verifier's side (ctx reads, helpers, kfuncs, return range, attach type) is the corpus theme
tests/data/verifier_corpus/netfilter.asm.  Here a program records what it reads through the
context -- the hook state, the skb's fields, the loopback device, a packet dynptr -- in an array
map (``net_diff.recording``), on both backends, with the test run's argument checks and errnos.
"""

from __future__ import annotations

import errno

import pytest

from pybpf import uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.progtypes import get_prog_type
from pybpf.progtypes.netfilter import NF_FUNC_IDS, NetfilterProgType
from tests.progtypes import net_diff
from tests.verifier.verifier_corpus import resolve_kernel_types, resolve_kfuncs

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

NF, ATTACH = uapi.BPF_PROG_TYPE_NETFILTER, uapi.BPF_NETFILTER
ETH = bytes(12) + b"\x08\x00"
IP = bytes([0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]) + bytes(20)
IP6 = bytes([0x60]) + bytes(47)
ETH6 = bytes(12) + b"\x86\xdd"
STATE, SKB = "r2 = *(u64 *)(r6 + 0)\n", "r2 = *(u64 *)(r6 + 8)\n"

FIELDS = net_diff.recording(
    SKB + "r0 = *(u32 *)(r2 + offsetof(sk_buff, len))",
    STATE + "r0 = *(u8 *)(r2 + offsetof(nf_hook_state, hook))",
    STATE + "r0 = *(u8 *)(r2 + offsetof(nf_hook_state, pf))",
    STATE + "r0 = *(u64 *)(r2 + offsetof(nf_hook_state, out))\nif r0 == 0 goto o1\n"
    "r0 = *(u32 *)(r0 + offsetof(net_device, ifindex))\no1:",
    STATE + "r0 = *(u64 *)(r2 + offsetof(nf_hook_state, in))\nif r0 == 0 goto o2\n"
    "r0 = *(u32 *)(r0 + offsetof(net_device, ifindex))\no2:",
    SKB + "r0 = *(u64 *)(r2 + offsetof(sk_buff, dev))\nif r0 == 0 goto o3\n"
    "r0 = *(u32 *)(r0 + offsetof(net_device, mtu))\no3:",
    SKB + "r0 = *(u16 *)(r2 + offsetof(sk_buff, protocol))",
    SKB + "r0 = *(u8 *)(r2 + offsetof(sk_buff, __pkt_type_offset))",
)
"""len, hook, pf, out's ifindex, in's ifindex, dev's mtu, protocol (raw __be16), pkt_type's byte."""
LAYOUT = net_diff.recording(
    *(
        SKB + f"r0 = *({ctype} *)(r2 + offsetof(sk_buff, {name}))"
        for name, ctype in (
            ("tail", "u32"),
            ("end", "u32"),
            ("mac_header", "u16"),
            ("network_header", "u16"),
            ("transport_header", "u16"),
            ("data_len", "u32"),
            ("mac_len", "u16"),
        )
    ),
    SKB
    + "r0 = *(u64 *)(r2 + offsetof(sk_buff, data))\nr3 = *(u64 *)(r2 + offsetof(sk_buff, head))\nr0 -= r3",
)
"""tail, end, mac_header, network_header, transport_header, data_len, mac_len, data - head."""
DYNPTR = net_diff.recording(
    """r1 = *(u64 *)(r6 + 8)
    r2 = 0
    r3 = r10
    r3 += -24
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = r10
    r3 += -48
    r4 = 20
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto s1
    r0 = *(u8 *)(r0 + 9)
s1:""",
    "r1 = r10\nr1 += -24\ncall kfunc(bpf_dynptr_size)",
    "r1 = r10\nr1 += -24\nr2 = 0\nr3 = r10\nr3 += -56\n*(u64 *)(r10 - 56) = r2\nr4 = 4\nr5 = 0\n"
    "call bpf_dynptr_write",
    "r1 = r10\nr1 += -24\ncall kfunc(bpf_dynptr_is_rdonly)",
)
"""the IP protocol byte through a slice, the dynptr's size, bpf_dynptr_write's answer, is_rdonly."""

needs_kernel = pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here")


def outcome(source: str, data: bytes, ctx_in: bytes | None = None, **kwargs: int) -> net_diff.NetOutcome:
    """pybpf's answer, checked against the kernel's where bpf(2) works."""
    program = resolve_kfuncs(resolve_kernel_types(source))
    kwargs.update(expected_attach_type=ATTACH, record=True)
    mine = net_diff.run_on(UserBackend(), NF, program, data, ctx_in, **kwargs)  # type: ignore[arg-type]
    if kernel_bpf_available():
        assert mine == net_diff.run_on(NativeBackend(), NF, program, data, ctx_in, **kwargs)  # type: ignore[arg-type]
    return mine


def be16(value: int) -> int:
    return int.from_bytes(value.to_bytes(2, "big"), "little")


def test_registered() -> None:
    prog_type = get_prog_type(NF)
    assert isinstance(prog_type, NetfilterProgType)
    assert prog_type.func_allowed(1) and not prog_type.func_allowed(25) and 136 not in NF_FUNC_IDS


def test_default_state_is_local_out_ipv4() -> None:
    """No ctx_in: IPv4 at NF_INET_LOCAL_OUT, the packet as given (no Ethernet header), no device."""
    done = outcome(FIELDS, IP)
    assert (done.load_errno, done.run_errno, done.retval, done.data_out) == (0, 0, 1, b"")
    assert done.out == (len(IP), 3, 2, 0, 0, 0, be16(0x0800), 0)


@pytest.mark.parametrize(
    ("ctx", "frame", "expected"),
    [
        (bytes([1, 2]), ETH + IP, (len(IP), 1, 2, 1, 0, 65536, be16(0x0800), 0)),
        (bytes([0, 2]), ETH + IP, (len(IP), 0, 2, 1, 0, 65536, be16(0x0800), 0)),
        (bytes([4, 10]), ETH6 + IP6, (len(IP6), 4, 10, 1, 0, 65536, be16(0x86DD), 0)),
        (bytes([3, 10]), IP6, (len(IP6), 3, 10, 1, 0, 0, be16(0x86DD), 0)),
        (bytes([7, 2]), ETH + IP, (len(IP), 7, 2, 1, 0, 65536, be16(0x0800), 0)),  # hook unchecked
        (bytes([1, 2]), b"\x01" * 6 + ETH[6:] + IP, (len(IP), 1, 2, 1, 0, 65536, be16(0x0800), 2)),
        (bytes([1, 2]), b"\xff" * 6 + ETH[6:] + IP, (len(IP), 1, 2, 1, 0, 65536, be16(0x0800), 2)),
        (bytes([1, 2]), b"\x02" * 6 + ETH[6:] + IP, (len(IP), 1, 2, 1, 0, 65536, be16(0x0800), 3)),
    ],
)
def test_user_hook_state(ctx: bytes, frame: bytes, expected: tuple[int, ...]) -> None:
    """A ctx_in's pf and hook; ``out`` is the loopback device whatever the hook (the kernel sets it
    for the default hook, LOCAL_OUT); at hooks other than LOCAL_OUT the Ethernet header is pulled on
    the loopback device (pkt_type from the destination: 2 multicast/broadcast, 3 other host)."""
    done = outcome(FIELDS, frame, ctx)
    assert (done.load_errno, done.run_errno) == (0, 0) and done.out == expected


@pytest.mark.parametrize(
    ("kwargs", "frame", "err"),
    [
        ({"flags": 1}, IP, errno.EINVAL),
        ({"cpu": 1}, IP, errno.EINVAL),
        ({"batch_size": 1}, IP, errno.EINVAL),
        ({}, IP[:19], errno.EINVAL),
        ({}, bytes(3713), errno.EINVAL),
        ({"ctx_size_out": 48}, IP, errno.EINVAL),  # a zero state: pf 0
        ({"ctx_in": bytes([0, 3])}, IP, errno.EINVAL),
        ({"ctx_in": bytes([0, 2]) + bytes(6) + b"\x01"}, IP, errno.EINVAL),  # in set
        ({"ctx_in": bytes([0, 2]) + bytes(46) + b"\x01"}, IP, errno.E2BIG),
        ({"ctx_in": bytes([1, 2]) + bytes(5000)}, ETH + IP, errno.E2BIG),
        ({"ctx_in": bytes([1, 10])}, ETH + IP, errno.EINVAL),  # IPv4 on an IPv6 hook
        ({"ctx_in": bytes([1, 10])}, ETH6 + IP6[:39], errno.EINVAL),
        ({"ctx_in": bytes([1, 2])}, (ETH + IP)[:33], errno.EINVAL),
        ({"ctx_in": bytes([1, 2])}, ETH[:12] + b"\x08\x06" + IP, errno.EPROTO),
        ({"ctx_in": bytes([1, 2])}, ETH[:12] + b"\x00\x20" + IP, errno.EPROTO),
    ],
)
def test_refused_runs(kwargs: dict[str, int | bytes], frame: bytes, err: int) -> None:
    kwargs = dict(kwargs)  # (the parameter is shared by every engine's run of the case)
    ctx = kwargs.pop("ctx_in", None)
    assert ctx is None or isinstance(ctx, bytes)
    done = outcome(FIELDS, frame, ctx, **kwargs)  # type: ignore[arg-type]
    assert (done.load_errno, done.run_errno) == (0, err)


def test_bytes_past_the_state_may_be_zero() -> None:
    assert outcome(FIELDS, IP, bytes([3, 2]) + bytes(60)).run_errno == 0


def test_repeat_and_data_out() -> None:
    """Runs ``repeat`` times; data_size_out is 0 and nothing is copied out."""
    done = outcome(FIELDS, IP, repeat=5)
    assert (done.run_errno, done.retval, done.data_out) == (0, 1, b"")


@pytest.mark.parametrize(
    ("ctx", "frame", "expected"),
    [
        (None, IP, (104, 192, 65535, 0, 65535, 0, 0, 64)),
        (None, IP * 30, (1264, 1728, 65535, 0, 65535, 0, 0, 64)),
        (bytes([1, 2]), ETH + IP, (118, 192, 64, 78, 65535, 0, 0, 78)),
        (None, bytes(3712), (3776, 3776, 65535, 0, 65535, 0, 0, 64)),
    ],
)
def test_skb_layout(ctx: bytes | None, frame: bytes, expected: tuple[int, ...]) -> None:
    """The test run's skb: NET_SKB_PAD of headroom, ``end`` from the buffer's kmalloc size class."""
    assert outcome(LAYOUT, frame, ctx).out == expected


@pytest.mark.parametrize(("ctx", "frame"), [(None, IP), (bytes([1, 2]), ETH + IP), (None, IP[:20])])
def test_packet_dynptr(ctx: bytes | None, frame: bytes) -> None:
    """bpf_dynptr_from_skb on the ctx's skb: the packet from skb->data, read-only (the fixup's
    bpf_dynptr_from_skb_rdonly: bpf_dynptr_write answers -EINVAL)."""
    done = outcome(DYNPTR, frame, ctx)
    size = len(frame) - (14 if ctx else 0)
    assert done.out[:4] == (6 if size >= 20 else 0, size, (-errno.EINVAL) & (2**64 - 1), 1)


@needs_kernel
def test_helpers_measured() -> None:
    from tests.progtypes import kernel_run

    kernel = {h for h in range(1, 212) if kernel_run.helper_allowed(NF, h, 0, ATTACH)}
    assert kernel == set(NF_FUNC_IDS)
