"""``Program.run``'s per-call path writes only what the last call may have changed, with the results of a
fresh test run: the XDP packet page (rewritten where the last packet was, whole once a helper moved
the packet's bounds), the sk_buff of a call without a context (restored from what the last such call
built when the packet's size and headers are the same), and the JIT's one native call that zeroes
the stack, resets the run state and runs.  Each call agrees with a fresh test run through the
bpf_attr and, where the real bpf(2) is available, with the kernel — on each engine.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pybpf import Program, TestRun
from pybpf.errors import BPFError
from pybpf.kernel import prog_run
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available


class AttrBackend(UserBackend):
    """The user backend through bpf(BPF_PROG_TEST_RUN, attr): a new test run for every call."""


def ipv4(size: int, seed: int, source: bytes = b"\n\0\0\1") -> bytes:
    """An Ethernet / IPv4 frame of ``size`` bytes from ``source``, its payload from ``seed``."""
    head = bytes(12) + b"\x08\x00" + bytes([0x45]) + bytes(11) + source + b"\n\0\0\2"
    return (head + bytes((seed + 3 * i) % 251 + 1 for i in range(size - len(head))))[:size]


def ipv6(size: int, seed: int) -> bytes:
    head = bytes(12) + b"\x86\xdd" + bytes([0x60]) + bytes(7) + bytes(range(1, 33))
    return (head + bytes((seed + 5 * i) % 251 + 1 for i in range(size - len(head))))[:size]


XDP_SCRIBBLE_HEADROOM = """
    r6 = r1
    r2 = -16
    call bpf_xdp_adjust_head
    r7 = 0
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 16
    if r4 > r3 goto out
    r7 = *(u64 *)(r2 + 0)
    r5 = -1
    *(u64 *)(r2 + 0) = r5
    *(u64 *)(r2 + 8) = r5
    r1 = r6
    r2 = 16
    call bpf_xdp_adjust_head
out:
    r0 = r7
    exit
"""
"""Reads 8 bytes of headroom, fills 16 with 0xff and gives them back: a page kept from the last call
would show them (its packet bounds moved, so the whole page is rewritten)."""
XDP_WRITE_PACKET = """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = r3
    r0 -= r2
    r4 = r2
    r4 += 30
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 29)
    r0 += r5
    r5 = 0xee
    *(u8 *)(r2 + 29) = r5
    *(u8 *)(r2 + 14) = r5
out:
    exit
"""
SKB_COUNT = """
    r2 = *(u32 *)(r1 + 52)
    r3 = *(u32 *)(r1 + 48)
    r0 = *(u32 *)(r1 + 16)
    r0 <<= 16
    r0 += r2
    r0 += r3
    r2 += 7
    *(u32 *)(r1 + 52) = r2
    r3 += 9
    *(u32 *)(r1 + 48) = r3
    r2 = *(u32 *)(r1 + 0)
    r0 += r2
    exit
"""
"""skb->len, protocol, and cb[0] + cb[1] before it bumps them: a sk_buff kept from the last call
would show the bumps."""


@pytest.fixture(params=["interpreter", "jit"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    name: str = request.param
    monkeypatch.setenv(prog_run.ENGINE_VARIABLE, name)
    return name


def outcome(call: Callable[[], TestRun]) -> tuple[Any, ...]:
    try:
        result = call()
    except BPFError as error:
        return ("errno", error.errno)
    return (result.retval, result.data_out, result.ctx_out)


Call = Callable[[Program], TestRun]


def outcomes(backend: Backend, text: str, prog_type: str, calls: list[Call]) -> list[Any]:
    with Program.load(text, prog_type, backend=backend) as prog:
        return [outcome(functools.partial(call, prog)) for call in calls]


def backends() -> Iterator[Backend]:
    yield AttrBackend()
    if kernel_bpf_available():
        yield NativeBackend()


def agree(text: str, prog_type: str, calls: list[Call]) -> list[Any]:
    kept = outcomes(UserBackend(), text, prog_type, calls)
    for other in backends():
        assert outcomes(other, text, prog_type, calls) == kept, type(other).__name__
    return kept


def packets(*frames: bytes) -> list[Call]:
    return [lambda p, frame=frame: p.run(frame) for frame in frames]


def test_a_helper_moving_the_packet_leaves_nothing_for_the_next_call(engine: str) -> None:
    results = agree(XDP_SCRIBBLE_HEADROOM, "xdp", packets(*[ipv4(80, i) for i in range(4)]))
    assert [result[0] for result in results] == [0, 0, 0, 0]


def test_each_packet_replaces_what_the_last_call_wrote(engine: str) -> None:
    frames = [ipv4(200, 1), ipv4(60, 2), ipv4(60, 3), ipv4(300, 4), ipv4(31, 5), ipv4(200, 6)]
    results = agree(XDP_WRITE_PACKET, "xdp", packets(*frames))
    for frame, (retval, data_out, _) in zip(frames, results, strict=True):
        assert retval == len(frame) + frame[29]
        assert data_out == frame[:14] + b"\xee" + frame[15:29] + b"\xee" + frame[30:]


@pytest.mark.parametrize("prog_type", ["sched_cls", "socket_filter"])
def test_each_skb_starts_as_a_fresh_one(engine: str, prog_type: str) -> None:
    frames = [ipv4(100, 1), ipv4(100, 1), ipv6(100, 2), ipv6(100, 3), ipv4(64, 4), ipv4(100, 5)]
    results = agree(SKB_COUNT, prog_type, packets(*frames))
    protocol = {0x0800: 0x0008, 0x86DD: 0xDD86}  # the raw __be16 read natively
    data_len = 0 if prog_type == "sched_cls" else 14  # a socket filter's skb starts past the MAC header
    expected = [len(f) - data_len + (protocol[int.from_bytes(f[12:14], "big")] << 16) for f in frames]
    assert [result[0] for result in results] == expected  # cb[0] and cb[1] read zero on every call
