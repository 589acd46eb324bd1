"""``Program.run`` on the user backend calls the test run in process (``test_run_in_process``):
the same results and errors as BPF_PROG_TEST_RUN through the bpf_attr (``UserBackend.bpf``).

``AttrBackend`` is the user backend reached through its ``bpf`` entry only (a subclass, so
``Program.run`` takes the attr path with it); every case runs on both and on each engine.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pybpf import Map, Program, TestRun, uapi
from pybpf.errors import BPFError
from pybpf.kernel import prog_run
from pybpf.kernel.backend import UserBackend
from pybpf.progtypes.xdp import xdp_md_bytes


class AttrBackend(UserBackend):
    """The user backend, run through bpf(BPF_PROG_TEST_RUN, attr) as any other backend is."""


PACKET = bytes(14) + bytes(range(50))
WRITE_PACKET = """
    r0 = 0
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 16
    if r4 > r3 goto out
    r5 = 0x77
    *(u8 *)(r2 + 15) = r5
    r0 = *(u8 *)(r2 + 15)
out:
    r0 += 2
    exit
"""
SHRINK = """
    r6 = r1
    r2 = -4
    call bpf_xdp_adjust_tail
    r0 = 3
    exit
"""
COUNT = """
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(counts) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
out:
    r0 = -1
    exit
"""
SYSCALL = "r2 = *(u32 *)(r1 + 0)\nr2 += 5\n*(u32 *)(r1 + 4) = r2\nr0 = 9\nexit"
SKB = "r0 = *(u32 *)(r1 + 0)\nexit"  # skb->len


@pytest.fixture(params=["interpreter", "jit"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    name: str = request.param
    monkeypatch.setenv(prog_run.ENGINE_VARIABLE, name)
    return name


def outcome(run: Callable[[], TestRun]) -> tuple[Any, ...]:
    """What a run reports (the duration aside, which is a time): its fields or its errno."""
    try:
        result = run()
    except BPFError as error:
        return ("errno", error.errno)
    return (result.retval, result.data_out, result.ctx_out, result.duration >= 0)


def on_both(
    text: str, prog_type: str, call: Callable[[Program], TestRun], **load: Any
) -> Iterator[tuple[Any, ...]]:
    for backend in (UserBackend(), AttrBackend()):
        with Program.load(text, prog_type, backend=backend, **load) as prog:
            yield outcome(lambda: call(prog))


def same(text: str, prog_type: str, call: Callable[[Program], TestRun], **load: Any) -> tuple[Any, ...]:
    direct, through_attr = on_both(text, prog_type, call, **load)
    assert direct == through_attr
    return direct


CASES: dict[str, Callable[[Program], TestRun]] = {
    "packet": lambda p: p.run(PACKET),
    "repeat": lambda p: p.run(PACKET, repeat=7),
    "data_out fits exactly": lambda p: p.run(PACKET, data_size_out=len(PACKET)),
    "data_out too small": lambda p: p.run(PACKET, data_size_out=10),
    "no packet": lambda p: p.run(b""),
    "short packet": lambda p: p.run(bytes(13)),
    "ctx in and out": lambda p: p.run(PACKET, ctx=xdp_md_bytes(data_end=len(PACKET))),
    "ctx with metadata": lambda p: p.run(PACKET, ctx=xdp_md_bytes(data=8, data_end=len(PACKET))),
    "ctx_out too small": lambda p: p.run(PACKET, ctx=xdp_md_bytes(data_end=len(PACKET)), ctx_size_out=8),
    "bad ctx": lambda p: p.run(PACKET, ctx=xdp_md_bytes(data_meta=4, data_end=len(PACKET))),
    "bad flags": lambda p: p.run(PACKET, flags=8),
    "batch of live frames": lambda p: p.run(PACKET, flags=uapi.BPF_F_TEST_XDP_LIVE_FRAMES, repeat=3),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("text", [WRITE_PACKET, SHRINK], ids=["write", "shrink"])
def test_xdp_runs_alike(engine: str, text: str, case: str) -> None:
    same(text, "xdp", CASES[case])


def test_the_direct_path_keeps_the_packet_and_the_errors() -> None:
    assert same(WRITE_PACKET, "xdp", CASES["packet"])[:2] == (0x79, PACKET[:15] + b"\x77" + PACKET[16:])
    assert same(WRITE_PACKET, "xdp", CASES["data_out too small"]) == ("errno", errno.ENOSPC)
    assert same(SHRINK, "xdp", CASES["packet"])[1] == PACKET[:-4]
    assert same(WRITE_PACKET, "xdp", CASES["ctx_out too small"]) == ("errno", errno.ENOSPC)
    assert same(WRITE_PACKET, "xdp", CASES["bad flags"]) == ("errno", errno.EINVAL)
    assert same(WRITE_PACKET, "xdp", CASES["ctx with metadata"])[2] == xdp_md_bytes(data=8, data_end=64)


def test_map_effects_and_u32_retval_alike(engine: str) -> None:
    for backend in (UserBackend(), AttrBackend()):
        with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, backend=backend) as counts:
            with Program.load(COUNT, "xdp", maps={"counts": counts}, backend=backend) as prog:
                assert prog.run(PACKET, repeat=5).retval == 0xFFFFFFFF
                assert prog.run(PACKET).retval == 0xFFFFFFFF
            assert struct.unpack("<Q", counts.lookup(bytes(4)))[0] == 6


def test_syscall_programs_write_their_context_back(engine: str) -> None:
    ctx = (10).to_bytes(4, "little") + bytes(4)

    def run(p: Program) -> TestRun:
        return p.run(ctx=ctx)

    result = same(SYSCALL, "syscall", run, prog_flags=uapi.BPF_F_SLEEPABLE)
    assert result[:3] == (9, b"", (10).to_bytes(4, "little") + (15).to_bytes(4, "little"))
    assert same(SYSCALL, "syscall", lambda p: p.run(ctx=ctx, repeat=2), prog_flags=uapi.BPF_F_SLEEPABLE)[
        0
    ] == ("errno")


@pytest.mark.parametrize(
    "call",
    [
        lambda p: p.run(PACKET),
        lambda p: p.run(PACKET, data_size_out=4),
        lambda p: p.run(PACKET, ctx=bytes(24)),
        lambda p: p.run(b""),
    ],
    ids=["packet", "small out", "ctx", "empty"],
)
def test_skb_programs_run_alike(engine: str, call: Callable[[Program], TestRun]) -> None:
    same(SKB, "socket_filter", call)
    same(SKB, "sched_cls", call)


def test_refused_test_runs_and_closed_programs_fail_alike() -> None:
    assert same("r0 = 0\nexit", "raw_tracepoint", lambda p: p.run(PACKET)) == ("errno", errno.EINVAL)
    assert same("r0 = 0\nexit", "raw_tracepoint", lambda p: p.run(ctx=bytes(8)))[0] == 0
    for backend in (UserBackend(), AttrBackend()):
        prog = Program.load("r0 = 2\nexit", "xdp", backend=backend)
        prog.close()
        with pytest.raises((BPFError, ValueError)):
            prog.run(PACKET)
