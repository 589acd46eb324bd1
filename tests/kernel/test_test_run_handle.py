"""``Program.run`` keeps each program's test run ready (``TestRunHandle`` and the program type's
``TestRunFixture``): consecutive calls with packets and contexts of changing sizes give what each
call through the bpf_attr gives (``AttrBackend``: a fresh test run per call) and, where the real
bpf(2) is available, what the kernel gives — on each engine.  Closed and replaced programs are
never run from a stale handle, and the kept path is the one taken.
"""

from __future__ import annotations

import errno
import functools
import os
import struct
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pybpf import Program, TestRun, uapi
from pybpf.errors import BPFError
from pybpf.kernel import prog_run
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.prog_run import EXEC_MEMORY, ProgRuntime, TestRunHandle
from pybpf.kernel.progobj import ProgObject
from pybpf.progtypes.base import ProgramRunner, TestRunArgs, TestRunFixture, TestRunResult
from pybpf.progtypes.xdp import XdpTestRunFixture, xdp_md_bytes
from tests.kernel_build import build_refuses_xdp_live_frames


class AttrBackend(UserBackend):
    """The user backend through bpf(BPF_PROG_TEST_RUN, attr): a new test run for every call."""


def packet(size: int, seed: int = 0) -> bytes:
    """``size`` bytes: an IPv4/UDP-looking Ethernet frame of non-zero bytes."""
    head = bytes(12) + b"\x08\x00" + bytes([0x45]) + bytes(8) + bytes([17])
    body = bytes((seed + 7 * i) % 251 + 1 for i in range(max(0, size - len(head))))
    return (head + body)[:size]


SIZES = (60, 200, 14, 1500, 64, 3520, 3600, 9000, 100, 15)
"""Growing and shrinking, XDP's largest linear packet and packets with fragments among them."""

XDP_PARSE = """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = r3
    r0 -= r2
    r4 = r2
    r4 += 24
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 23)
    r0 += r5
    r5 = 0x77
    *(u8 *)(r2 + 20) = r5
out:
    exit
"""
XDP_TAIL = """
    r6 = r1
    r2 = 16
    call bpf_xdp_adjust_tail
    r0 = 0
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 24
    if r4 > r3 goto out
    r0 = *(u64 *)(r2 + 16)
    r0 >>= 16
out:
    r0 += 1
    exit
"""
"""Grows the tail by 16 bytes and reads bytes 16..24: past the end of a short packet, where whatever
an earlier call left would show."""
XDP_HEAD = """
    r6 = r1
    r2 = -16
    call bpf_xdp_adjust_head
    r0 = 0
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u64 *)(r2 + 0)
    r0 >>= 8
out:
    exit
"""
"""Grows the headroom by 16 bytes and reads the first 8 of them: what an earlier call left in the
headroom (its metadata) would show."""
XDP_CTX = """
    r2 = *(u32 *)(r1 + 8)
    r3 = *(u32 *)(r1 + 0)
    r0 = r3
    r0 -= r2
    r4 = *(u32 *)(r1 + 12)
    r4 <<= 8
    r0 += r4
    r4 = *(u32 *)(r1 + 16)
    r4 <<= 16
    r0 += r4
    exit
"""
"""The metadata length, the ingress ifindex and the rx queue, packed into r0."""
SKB_READ = """
    r0 = *(u32 *)(r1 + 0)
    r2 = *(u32 *)(r1 + 8)
    r2 <<= 16
    r0 += r2
    r2 = *(u32 *)(r1 + 16)
    r2 <<= 24
    r0 += r2
    exit
"""
"""skb->len, mark and protocol; the program writes nothing."""
SKB_MARK = """
    r2 = *(u32 *)(r1 + 48)
    r2 += 1
    *(u32 *)(r1 + 48) = r2
    r0 = *(u32 *)(r1 + 0)
    r0 <<= 8
    r0 += r2
    exit
"""
"""Counts in cb[0] (from ctx_in, else from 0) and returns it with skb->len: what an earlier call
left would show."""
RAW_TP = "r0 = *(u64 *)(r1 + 0)\nr0 += 1\nexit"
SYSCALL = "r2 = *(u32 *)(r1 + 0)\nr2 += 5\n*(u32 *)(r1 + 4) = r2\nr0 = 9\nexit"


@pytest.fixture(params=["interpreter", "jit", "auto"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    name: str = request.param
    monkeypatch.setenv(prog_run.ENGINE_VARIABLE, name)
    return name


def outcome(call: Callable[[], TestRun]) -> tuple[Any, ...]:
    """What a call reports but its duration (a time), or its errno."""
    try:
        result = call()
    except BPFError as error:
        return ("errno", error.errno)
    return (result.retval, result.data_out, result.ctx_out)


Call = Callable[[Program], TestRun]


def outcomes(backend: Backend, text: str, prog_type: str, calls: list[Call], **load: Any) -> list[Any]:
    with Program.load(text, prog_type, backend=backend, **load) as prog:
        return [outcome(functools.partial(call, prog)) for call in calls]


def backends() -> Iterator[Backend]:
    yield AttrBackend()
    if kernel_bpf_available():
        yield NativeBackend()


def agree(text: str, prog_type: str, calls: list[Call], **load: Any) -> list[Any]:
    """The outcomes of ``calls`` in a row on one program kept ready, checked against the others."""
    kept = outcomes(UserBackend(), text, prog_type, calls, **load)
    for other in backends():
        assert outcomes(other, text, prog_type, calls, **load) == kept, type(other).__name__
    return kept


def sized(sizes: tuple[int, ...], **run: Any) -> list[Call]:
    return [lambda p, size=size: p.run(packet(size, size), **run) for size in sizes]


@pytest.mark.parametrize("text", [XDP_PARSE, XDP_TAIL], ids=["parse", "grow tail"])
def test_xdp_packets_of_changing_sizes(engine: str, text: str) -> None:
    results = agree(text, "xdp", sized(SIZES))
    assert all(result[0] != "errno" for result in results)


def test_xdp_headroom_after_metadata(engine: str) -> None:
    metadata = packet(120, 3)
    calls: list[Call] = [
        lambda p: p.run(packet(64)),
        lambda p: p.run(metadata, ctx=xdp_md_bytes(data=16, data_end=120)),
        lambda p: p.run(packet(64)),
    ]
    results = agree(XDP_HEAD, "xdp", calls)
    assert results[0][0] == results[2][0] == 0


def test_xdp_contexts_between_plain_packets(engine: str) -> None:
    metadata = packet(120, 3)
    calls: list[Call] = [
        lambda p: p.run(packet(64)),
        lambda p: p.run(metadata, ctx=xdp_md_bytes(data=8, data_end=100)),
        lambda p: p.run(packet(64)),
        lambda p: p.run(metadata, ctx=xdp_md_bytes(data=16, data_end=120, ingress_ifindex=1)),
        lambda p: p.run(metadata, ctx=xdp_md_bytes(data=4, data_end=120), ctx_size_out=8),
        lambda p: p.run(metadata, ctx=xdp_md_bytes(data_meta=4, data_end=120)),
        lambda p: p.run(packet(64)),
        lambda p: p.run(packet(13)),
        lambda p: p.run(packet(64), flags=8),
        lambda p: p.run(packet(64), data_size_out=10),
        lambda p: p.run(packet(64), repeat=5),
        lambda p: p.run(packet(64), flags=uapi.BPF_F_TEST_XDP_LIVE_FRAMES, repeat=3),
        lambda p: p.run(packet(70)),
    ]
    if build_refuses_xdp_live_frames():
        del calls[11]  # the running kernel's build answers EPERM to live frames (tests/kernel_build.py)
    results = agree(XDP_CTX, "xdp", calls)
    assert results[0][0] == 0x100  # no metadata, the loopback device, queue 0
    assert results[1][0] == 0x108
    assert results[5] == ("errno", errno.EINVAL)
    assert results[7] == ("errno", errno.EINVAL)
    assert results[9] == ("errno", errno.ENOSPC)


@pytest.mark.parametrize("prog_type", ["sched_cls", "socket_filter"])
@pytest.mark.parametrize("text", [SKB_READ, SKB_MARK], ids=["read", "mark"])
def test_skb_packets_and_contexts_of_changing_sizes(engine: str, prog_type: str, text: str) -> None:
    ctx = struct.pack("<3I", 0, 0, 41) + bytes(36) + struct.pack("<I", 7)  # mark 41, cb[0] 7
    calls = sized((60, 200, 14, 1000, 40, 13, 3712, 3713, 64))
    calls[3:3] = [lambda p: p.run(packet(90), ctx=ctx), lambda p: p.run(packet(90), ctx=bytes(8))]
    calls.append(lambda p: p.run(packet(64), ctx=struct.pack("<I", 5)))  # skb->len is read-only: EINVAL
    results = agree(text, prog_type, calls)
    assert results[0][0] != "errno" and results[-1] == ("errno", errno.EINVAL)


def test_raw_tracepoint_contexts_of_changing_sizes(engine: str) -> None:
    calls: list[Call] = [
        lambda p, size=size: p.run(ctx=struct.pack("<Q", size) + bytes(size - 8)) for size in (8, 96, 16, 8)
    ]
    calls += [lambda p: p.run(ctx=bytes(4)), lambda p: p.run(ctx=bytes(104)), lambda p: p.run(ctx=bytes(8))]
    results = agree(RAW_TP, "raw_tracepoint", calls)
    assert [result[0] for result in results] == [9, 97, 17, 9, "errno", "errno", 1]


def test_syscall_contexts_of_changing_sizes(engine: str) -> None:
    calls: list[Call] = [
        lambda p, size=size: p.run(ctx=struct.pack("<I", size) + bytes(size - 4))
        for size in (8, 4000, 12, 70000)
    ]
    results = outcomes(UserBackend(), SYSCALL, "syscall", calls, prog_flags=uapi.BPF_F_SLEEPABLE)
    through_attr = outcomes(AttrBackend(), SYSCALL, "syscall", calls, prog_flags=uapi.BPF_F_SLEEPABLE)
    assert results == through_attr
    assert results[1][2][:8] == struct.pack("<2I", 4000, 4005)
    assert results[3] == ("errno", errno.EINVAL)


def test_the_kept_path_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    handles: list[TestRunHandle] = []
    fixtures: list[TestRunFixture] = []
    real_init, real_run = TestRunHandle.__init__, XdpTestRunFixture.run
    real_run_packet = XdpTestRunFixture.run_packet

    def init(self: TestRunHandle, prog_fd: int) -> None:
        handles.append(self)
        real_init(self, prog_fd)

    def run(self: XdpTestRunFixture, runner: ProgramRunner, args: TestRunArgs) -> TestRunResult:
        fixtures.append(self)
        return real_run(self, runner, args)

    def run_packet(
        self: XdpTestRunFixture, runner: ProgramRunner, data: bytes, data_size_out: int, repeat: int
    ) -> tuple[int, bytes | None, int]:
        packet_fixtures.append(self)
        return real_run_packet(self, runner, data, data_size_out, repeat)

    packet_fixtures: list[TestRunFixture] = []
    monkeypatch.setattr(TestRunHandle, "__init__", init)
    monkeypatch.setattr(XdpTestRunFixture, "run", run)
    monkeypatch.setattr(XdpTestRunFixture, "run_packet", run_packet)
    with Program.load(XDP_PARSE, "xdp", backend=UserBackend()) as prog:
        for size in SIZES:  # a packet alone: the fixture's packet path
            prog.run(packet(size))
        assert len(packet_fixtures) == len(SIZES)
        prog.run(packet(64), ctx=xdp_md_bytes(data_end=64))  # with a context: ``run``
    assert len(handles) == 1
    # ``run``: the first call (which builds the handle), packets with fragments (its plan), the context
    beyond_the_linear_part = [size for size in SIZES if size > 3520]
    assert len(fixtures) == 1 + len(beyond_the_linear_part) + 1 == 4
    assert all(fixture is packet_fixtures[0] for fixture in fixtures + packet_fixtures)


def test_closed_programs_are_not_run() -> None:
    before = list(EXEC_MEMORY.regions)  # other tests' programs not yet collected keep theirs
    prog = Program.load("r0 = 2\nexit", "xdp", backend=UserBackend())
    assert prog.run(packet(64)).retval == 2
    handle = prog._test_run
    assert handle is not None
    prog.close()
    with pytest.raises(BPFError) as closed:
        prog.run(packet(64))
    assert closed.value.errno == errno.EBADF
    left = [region for region in EXEC_MEMORY.regions if not any(region is old for old in before)]
    assert not any(region.name in ("stack", "xdp packet", "xdp_buff") for region in left)
    with pytest.raises(BPFError) as stale:  # a closed handle asks for the program by its fd again
        handle.run(TestRunArgs(data_in=packet(64)))
    assert stale.value.errno == errno.EBADF


def test_a_replaced_runtime_gets_a_new_handle(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the program's runtime is rebuilt (another engine chosen), ``run`` follows it."""
    monkeypatch.setenv(prog_run.ENGINE_VARIABLE, "jit")
    with Program.load(XDP_PARSE, "xdp", backend=UserBackend()) as prog:
        first = prog.run(packet(64))
        handle = prog._test_run
        assert handle is not None and handle.current
        obj = ProgObject.from_fd(prog.fd)
        obj.runtime = ProgRuntime(obj, engine="interpreter")
        assert not handle.current
        second = prog.run(packet(64))
        assert prog._test_run is not handle and prog._test_run is not None
        assert prog._test_run.runtime is obj.runtime
        assert (first.retval, first.data_out) == (second.retval, second.data_out)


def test_programs_run_in_turns_keep_their_own_buffers(engine: str) -> None:
    backend = UserBackend()
    with (
        Program.load(XDP_PARSE, "xdp", backend=backend) as parse,
        Program.load(XDP_TAIL, "xdp", backend=backend) as tail,
        Program.load(SKB_MARK, "sched_cls", backend=backend) as skb,
    ):
        kept = [
            outcome(lambda p=p, size=size: p.run(packet(size, size)))
            for size in SIZES[:6]
            for p in (parse, tail, skb)
        ]
    fresh_backend = AttrBackend()
    with (
        Program.load(XDP_PARSE, "xdp", backend=fresh_backend) as parse,
        Program.load(XDP_TAIL, "xdp", backend=fresh_backend) as tail,
        Program.load(SKB_MARK, "sched_cls", backend=fresh_backend) as skb,
    ):
        fresh = [
            outcome(lambda p=p, size=size: p.run(packet(size, size)))
            for size in SIZES[:6]
            for p in (parse, tail, skb)
        ]
    assert kept == fresh


def test_an_fd_closed_or_replaced_behind_the_program_is_noticed() -> None:
    """What the number refers to now counts, as for the kernel's fdget: EBADF once it is closed,
    the other program once another program's fd was duplicated onto it."""
    backend = UserBackend()
    with Program.load("r0 = 2\nexit", "xdp", backend=backend) as prog:
        assert prog.run(packet(64)).retval == 2
        fd = prog.fd
        with Program.load("r0 = 3\nexit", "xdp", backend=backend) as other:
            os.dup2(other.fd, fd)
            assert prog.run(packet(64)).retval == 3
        os.close(fd)
        with pytest.raises(BPFError) as closed:
            prog.run(packet(64))
        assert closed.value.errno == errno.EBADF
        prog._fd = os.open(os.devnull, os.O_RDONLY)  # something for ``close`` to close


def test_a_dup_of_the_same_description_keeps_the_handle() -> None:
    with Program.load("r0 = 2\nexit", "xdp", backend=UserBackend()) as prog:
        prog.run(packet(64))
        handle = prog._test_run
        with Program.from_fd(os.dup(prog.fd), backend=UserBackend()) as same:
            assert same.run(packet(64)).retval == 2
        assert prog.run(packet(64)).retval == 2
        assert prog._test_run is handle


def test_the_per_call_paths_answer_as_a_fresh_test_run(engine: str) -> None:
    """``run_given`` (a packet alone, a context alone) on each type: the sizes out, repeats and the
    refusals its short paths leave to ``run`` give what a fresh test run gives, and the kernel."""
    xdp: list[Call] = [
        lambda p: p.run(packet(64)),
        lambda p: p.run(packet(64), data_size_out=0),
        lambda p: p.run(packet(64), data_size_out=64),
        lambda p: p.run(packet(64), data_size_out=63),
        lambda p: p.run(packet(300), repeat=3),
        lambda p: p.run(bytearray(packet(64))),  # not bytes: the general path
        lambda p: p.run(packet(64)),
    ]
    results = agree(XDP_PARSE, "xdp", xdp)
    assert results[1][1] == b"" and results[3] == ("errno", errno.ENOSPC)
    skb: list[Call] = [lambda p: p.run(packet(64)), lambda p: p.run(packet(64), repeat=4)]
    skb += [lambda p: p.run(packet(64), data_size_out=10), lambda p: p.run(packet(64), cpu=1)]
    results = agree(SKB_MARK, "sched_cls", skb)
    assert results[2] == ("errno", errno.ENOSPC) and results[3] == ("errno", errno.EINVAL)
    raw_tp: list[Call] = [
        lambda p: p.run(ctx=struct.pack("<Q", 4)),
        lambda p: p.run(ctx=struct.pack("<Q", 4), repeat=2),
        lambda p: p.run(ctx=struct.pack("<Q", 5)),
        lambda p: p.run(packet(64), ctx=struct.pack("<Q", 5)),
    ]
    results = agree(RAW_TP, "raw_tracepoint", raw_tp)
    assert [result[0] for result in results] == [5, "errno", 6, "errno"]
    syscall: list[Call] = [
        lambda p: p.run(ctx=struct.pack("<2I", 7, 0)),
        lambda p: p.run(ctx=struct.pack("<2I", 8, 0)),
        lambda p: p.run(ctx=struct.pack("<2I", 8, 0), repeat=1),
    ]
    results = outcomes(UserBackend(), SYSCALL, "syscall", syscall, prog_flags=uapi.BPF_F_SLEEPABLE)
    assert results == outcomes(AttrBackend(), SYSCALL, "syscall", syscall, prog_flags=uapi.BPF_F_SLEEPABLE)
    assert results[1] == (9, b"", struct.pack("<2I", 8, 13)) and results[2] == ("errno", errno.EINVAL)
