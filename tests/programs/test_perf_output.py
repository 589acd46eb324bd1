"""bpf_perf_event_output (helper 25) from programs, read back with ``pybpf.PerfBuffer``, on both backends.

The same program runs on pybpf and on the kernel with the process pinned to one CPU (so
BPF_F_CURRENT_CPU picks the same CPU's buffer on both); the records — whole, header included — must
be equal byte for byte, except the event id inside PERF_RECORD_LOST (each side numbers its events).
Without the kernel the pybpf results are checked against the kernel's answers written down here.
"""

from __future__ import annotations

import errno
import mmap
import os
import struct
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.map import Map
from pybpf.objects import refs
from pybpf.objects.files import bpffs_root
from pybpf.objects.perf_abi import DATA_HEAD_AT, HEADER, LOST, PAGE, PERF_RECORD_LOST
from pybpf.perf import open_bpf_output
from pybpf.perfbuf import PerfBuffer
from pybpf.program import Program

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

PERF_EVENT_ARRAY = uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY
CURRENT_CPU = 0xFFFFFFFF
PACKET = bytes(range(64))
META = bytes.fromhex("0807060504030201") + bytes.fromhex("0d0c0b0a")
SLOTS = 64


def _program(flags: int, size: int = 12) -> str:
    """Stores 12 bytes on the stack and outputs ``size`` of them with ``flags``; returns r0."""
    return f"""
        r6 = r1
        r1 = 0x0102030405060708 ll
        *(u64 *)(r10 - 16) = r1
        r1 = 0x0a0b0c0d
        *(u32 *)(r10 - 8) = r1
        r1 = r6
        r2 = map_fd(events) ll
        r3 = {flags} ll
        r4 = r10
        r4 += -16
        r5 = {size}
        call 25
        exit
    """


def _backends() -> list[Backend]:
    found: list[Backend] = [UserBackend()]
    if kernel_bpf_available():
        found.append(NativeBackend())
    return found


@pytest.fixture
def cpu() -> Iterator[int]:
    """Pin this process to one CPU for the test (both backends then write to that CPU's buffer)."""
    before = os.sched_getaffinity(0)
    chosen = min(before)
    os.sched_setaffinity(0, {chosen})
    try:
        yield chosen
    finally:
        os.sched_setaffinity(0, before)


def _signed(retval: int) -> int:
    return retval - (1 << 32) if retval & 0x8000_0000 else retval


def _normal(record: bytes) -> bytes:
    """The record with the event id of a PERF_RECORD_LOST zeroed."""
    if HEADER.unpack_from(record)[0] == PERF_RECORD_LOST:
        kind, misc, size, _, lost = LOST.unpack_from(record)
        return LOST.pack(kind, misc, size, 0, lost)
    return record


class Session:
    """A perf event array with a PerfBuffer over it and one program using it, on one backend."""

    def __init__(
        self, backend: Backend, prog_type: str, flags: int, *, size: int = 12, pages: int = 8
    ) -> None:
        self.records: list[tuple[int, bytes]] = []
        self.events = Map.create(PERF_EVENT_ARRAY, 4, 4, SLOTS, backend=backend)
        self.buffer = PerfBuffer(self.events, pages=pages, event_cb=lambda c, r: self.records.append((c, r)))
        self.prog = Program.load(
            _program(flags, size), prog_type, maps={"events": self.events}, backend=backend
        )
        self.ctx = bytes(8) if prog_type == "raw_tracepoint" else None

    def run(self, times: int = 1) -> list[int]:
        if self.ctx is not None:
            return [_signed(self.prog.run(ctx=self.ctx).retval) for _ in range(times)]
        return [_signed(self.prog.run(PACKET).retval) for _ in range(times)]

    def take(self) -> list[bytes]:
        self.buffer.consume()
        taken = [_normal(record) for _, record in self.records]
        self.records.clear()
        return taken

    def close(self) -> None:
        self.buffer.close()
        self.prog.close()
        self.events.close()


def _each(prog_type: str, flags: int, **kwargs: int) -> Iterator[Session]:
    for backend in _backends():
        session = Session(backend, prog_type, flags, **kwargs)
        try:
            yield session
        finally:
            session.close()


def _sample(raw: bytes) -> bytes:
    """The PERF_RECORD_SAMPLE the kernel writes for ``raw`` (padding zero, as in a fresh ring)."""
    padded = raw + bytes((-(len(raw) + 4)) % 8)
    return HEADER.pack(9, 1, 8 + 4 + len(padded)) + struct.pack("<I", len(padded)) + padded


@pytest.mark.parametrize("prog_type", ["xdp", "sched_cls", "socket_filter", "raw_tracepoint"])
def test_output_current_cpu(cpu: int, prog_type: str) -> None:
    results = []
    for session in _each(prog_type, CURRENT_CPU):
        assert session.run(2) == [0, 0]
        records = session.take()
        assert {c for c, _ in session.records} <= {cpu}
        results.append(records)
    assert results[0] == [_sample(META)] * 2
    assert all(result == results[0] for result in results)


@pytest.mark.parametrize(
    ("prog_type", "ctxlen"), [("xdp", 5), ("xdp", 64), ("sched_cls", 20), ("socket_filter", 20)]
)
def test_output_appends_packet_bytes(cpu: int, prog_type: str, ctxlen: int) -> None:
    results = []
    for session in _each(prog_type, CURRENT_CPU | ctxlen << 32):
        assert session.run() == [0]
        results.append(session.take())
    start = 14 if prog_type == "socket_filter" else 0  # a socket filter's skb->data is the IP header
    assert results[0] == [_sample(META + PACKET[start : start + ctxlen])]
    assert all(result == results[0] for result in results)


def _errors(cpu: int) -> list[tuple[str, int, int]]:
    cases = [
        ("xdp", SLOTS - 1, -errno.ENOENT),  # a slot no buffer filled
        ("xdp", SLOTS, -errno.E2BIG),
        ("xdp", 0xFFFFFFFE, -errno.E2BIG),
        ("xdp", 1 << 52, -errno.EINVAL),  # flags outside BPF_F_INDEX_MASK | BPF_F_CTXLEN_MASK
        ("xdp", CURRENT_CPU | 65 << 32, -errno.EFAULT),  # more packet bytes than the packet has
        ("sched_cls", CURRENT_CPU | 65 << 32, -errno.EFAULT),
        ("socket_filter", CURRENT_CPU | 51 << 32, -errno.EFAULT),  # 64 - 14 bytes from the IP header
        ("raw_tracepoint", CURRENT_CPU | 1 << 32, -errno.EINVAL),  # tracing programs have no ctx bytes
    ]
    online = _online()
    others = [c for c in online if c != cpu and c < SLOTS]
    if others:
        cases.append(("xdp", others[0], -errno.EOPNOTSUPP))  # another CPU's event
    return cases


def _online() -> list[int]:
    with open("/sys/devices/system/cpu/online", encoding="ascii") as handle:
        cpus: list[int] = []
        for part in handle.read().strip().split(","):
            first, _, last = part.partition("-")
            cpus += range(int(first), int(last or first) + 1)
    return cpus


def test_helper_errors(cpu: int) -> None:
    for prog_type, flags, expected in _errors(cpu):
        for session in _each(prog_type, flags):
            assert session.run() == [expected], (prog_type, hex(flags), session.events.backend)
            assert session.take() == []


def test_full_ring_loses_records_then_reports_them(cpu: int) -> None:
    """One data page: 170 records of 24 bytes fit (one byte stays free), then -ENOSPC; after the
    reader catches up the next record is preceded by PERF_RECORD_LOST, and records wrap the end."""
    transcripts = []
    for session in _each("xdp", CURRENT_CPU, pages=1):
        retvals = session.run(200)
        assert retvals == [0] * 170 + [-errno.ENOSPC] * 30
        first = session.take()
        assert first == [_sample(META)] * 170
        assert session.run(3) == [0, 0, 0]
        second = session.take()
        assert second == [LOST.pack(PERF_RECORD_LOST, 0, 24, 0, 30)] + [_sample(META)] * 3
        cpus = [session.buffer.buffer_cpu(i) for i in range(session.buffer.buffer_cnt)]
        tail, head = session.buffer.positions(cpus.index(cpu))
        assert tail == head == 170 * 24 + 24 + 3 * 24  # the last records wrapped past 4096
        transcripts.append(first + second)
    assert all(transcript == transcripts[0] for transcript in transcripts)


def test_sample_and_lost_callbacks(cpu: int) -> None:
    for backend in _backends():
        samples: list[tuple[int, bytes]] = []
        lost: list[tuple[int, int]] = []
        with (
            Map.create(PERF_EVENT_ARRAY, 4, 4, SLOTS, backend=backend) as events,
            PerfBuffer(
                events, lambda c, d, s=samples: s.append((c, d)), lambda c, n, x=lost: x.append((c, n)), 1
            ) as buffer,
        ):
            prog = Program.load(_program(CURRENT_CPU, 9), "xdp", maps={"events": events}, backend=backend)
            with prog:
                for _ in range(300):
                    prog.run(PACKET)
                assert buffer.poll(100) > 0
                prog.run(PACKET)
                buffer.consume()
        # 9 bytes of raw data arrive padded to 12 (the u32 size and the data fill 8-byte units)
        assert samples[0] == (cpu, META[:9] + bytes(3))
        assert len(lost) == 1 and lost[0][0] == cpu and lost[0][1] == 300 - len(samples) + 1


def test_event_lives_in_the_array_after_its_fd_closes(cpu: int) -> None:
    for backend in _backends():
        with Map.create(PERF_EVENT_ARRAY, 4, 4, SLOTS, backend=backend) as events:
            fd = open_bpf_output(cpu, 1, backend=backend)
            ring = mmap.mmap(fd, 2 * PAGE)
            events.update(cpu, fd)
            os.close(fd)
            refs.collect(bpffs_root())  # nothing the array holds may be collected
            with Program.load(_program(CURRENT_CPU), "xdp", maps={"events": events}, backend=backend) as prog:
                assert _signed(prog.run(PACKET).retval) == 0
            assert struct.unpack_from("<Q", ring, DATA_HEAD_AT)[0] == 24
            assert ring[PAGE : PAGE + 24] == _sample(META)
            ring.close()


@pytest.mark.parametrize("flags", [0, uapi.BPF_F_PRESERVE_ELEMS])
def test_output_after_the_file_that_filled_the_slot_is_released(cpu: int, flags: int) -> None:
    """``perf_event_fd_array_release``: a slot filled through one open file of the array (here an fd
    from BPF_MAP_GET_FD_BY_ID, a file of its own) is emptied when that file is released, unless the
    array has BPF_F_PRESERVE_ELEMS; the program's other fd of the array keeps nothing."""
    for backend in _backends():
        with Map.create(PERF_EVENT_ARRAY, 4, 4, SLOTS, flags, backend=backend) as events:
            attr = uapi.bpf_attr()
            attr.map_id = events.info().id
            other = backend.bpf(uapi.BPF_MAP_GET_FD_BY_ID, attr)
            fd = open_bpf_output(cpu, 1, backend=backend)
            ring = mmap.mmap(fd, 2 * PAGE)  # the kernel's ring exists once mapped
            filler = Map.from_fd(other, backend=backend)  # a dup: the same open file as ``other``
            filler.update(cpu, fd)
            os.close(fd)
            with (
                ring,
                Program.load(_program(CURRENT_CPU), "xdp", maps={"events": events}, backend=backend) as prog,
            ):
                assert _signed(prog.run(PACKET).retval) == 0
                filler.close()
                assert _signed(prog.run(PACKET).retval) == 0, backend.name  # ``other`` shares the file
                os.close(other)
                expected = 0 if flags else -errno.ENOENT
                assert _signed(prog.run(PACKET).retval) == expected, backend.name
                refs.collect(bpffs_root())
                assert _signed(prog.run(PACKET).retval) == expected, backend.name
