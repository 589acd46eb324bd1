"""BPF_MAP_TYPE_RINGBUF: creation and element errnos on both backends (the kernel's answers), the
pybpf producer API, the ``RingBuffer`` consumer on pybpf and kernel rings, and a kernel program
whose records are compared byte for byte with the same operations done by pybpf's producer."""

from __future__ import annotations

import mmap
import os
import struct
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf import Map, RingBuffer, assemble, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.maps.object import MapObject
from pybpf.maps.ringbuf import BUSY_BIT, DATA_AT, DISCARD_BIT, HDR_SZ, RINGBUF_MAX_RECORD_SZ, RingBufMap
from pybpf.uapi import ENOTSUPP
from tests.maps.helpers import create, create_outcome, elem

PAGE = mmap.PAGESIZE
RB = uapi.BPF_MAP_TYPE_RINGBUF
EINVAL = ("errno", 22)

needs_kernel = pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here")


# --- creation and element commands, as the kernel answers them -----------------------------------
CREATE_CASES = [
    ((0, 0, PAGE), {}, "ok"),
    ((0, 0, 2 * PAGE), {}, "ok"),
    ((0, 0, 1 << 28), {}, "ok"),
    ((0, 0, 3 * PAGE), {}, EINVAL),  # not a power of 2
    ((0, 0, PAGE // 2), {}, EINVAL),  # power of 2, not page aligned
    ((0, 0, 0), {}, EINVAL),
    ((0, 0, 1), {}, EINVAL),
    ((4, 0, PAGE), {}, EINVAL),
    ((0, 4, PAGE), {}, EINVAL),
    ((0, 0, PAGE, uapi.BPF_F_NUMA_NODE), {"numa_node": 0}, "ok"),
    ((0, 0, PAGE, uapi.BPF_F_NUMA_NODE), {"numa_node": 1000}, EINVAL),
    ((0, 0, PAGE), {"numa_node": 1000}, "ok"),  # numa_node ignored without the flag
    ((0, 0, PAGE), {"map_extra": 1}, EINVAL),
    ((0, 0, PAGE, uapi.BPF_F_NO_PREALLOC), {}, EINVAL),
    ((0, 0, PAGE, uapi.BPF_F_MMAPABLE), {}, EINVAL),
    ((0, 0, PAGE, uapi.BPF_F_RDONLY_PROG), {}, EINVAL),
    ((0, 0, PAGE, uapi.BPF_F_RDONLY), {}, EINVAL),
]


@pytest.mark.parametrize(("args", "extra", "expected"), CREATE_CASES)
def test_create_errnos(
    backend: Backend, args: tuple[int, ...], extra: dict[str, int], expected: object
) -> None:
    assert create_outcome(backend, RB, *args, **extra) == expected


def test_every_unknown_flag_is_einval(backend: Backend) -> None:
    accepted = [bit for bit in range(32) if create_outcome(backend, RB, 0, 0, PAGE, 1 << bit) == "ok"]
    assert accepted == [uapi.BPF_F_NUMA_NODE.bit_length() - 1]


@pytest.fixture
def ring_fd(backend: Backend) -> Iterator[int]:
    fd = create(backend, RB, 0, 0, PAGE)
    yield fd
    os.close(fd)


@pytest.mark.parametrize(
    "cmd",
    [
        uapi.BPF_MAP_LOOKUP_ELEM,
        uapi.BPF_MAP_UPDATE_ELEM,
        uapi.BPF_MAP_DELETE_ELEM,
        uapi.BPF_MAP_GET_NEXT_KEY,
        uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM,
    ],
)
def test_element_commands(backend: Backend, ring_fd: int, cmd: int) -> None:
    assert elem(backend, cmd, ring_fd, None) == ("errno", ENOTSUPP)  # value pointer set, key NULL
    assert elem(backend, cmd, ring_fd, b"\0\0\0\0") == EINVAL  # key_size 0 takes a NULL key
    assert elem(backend, cmd, ring_fd, None, flags=uapi.BPF_F_LOCK) == EINVAL


def test_update_flags_and_value_pointer(backend: Backend, ring_fd: int) -> None:
    assert elem(backend, uapi.BPF_MAP_UPDATE_ELEM, ring_fd, None, flags=8) == ("errno", ENOTSUPP)
    attr = uapi.bpf_attr()
    attr.map_fd, attr.value = ring_fd, 12345  # a 0-byte value is never read
    with pytest.raises(BPFError) as info:
        backend.bpf(uapi.BPF_MAP_UPDATE_ELEM, attr)
    assert info.value.errno == ENOTSUPP


def test_info_and_mmap_layout(backend: Backend, ring_fd: int) -> None:
    with Map.from_fd(ring_fd, backend=backend) as as_map:
        info = as_map.info()
    assert (info.type, info.key_size, info.value_size, info.max_entries) == (RB, 0, 0, PAGE)
    consumer = mmap.mmap(ring_fd, PAGE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    producer = mmap.mmap(ring_fd, 3 * PAGE, mmap.MAP_SHARED, mmap.PROT_READ, offset=PAGE)
    assert consumer[:8] == producer[:8] == bytes(8)
    consumer.close()
    producer.close()


# --- the pybpf producer ------------------------------------------------------------------------
@pytest.fixture
def user_ring() -> Iterator[tuple[int, RingBufMap]]:
    fd = create(UserBackend(), RB, 0, 0, PAGE)
    impl = MapObject.from_fd(fd).impl
    assert isinstance(impl, RingBufMap)
    yield fd, impl
    os.close(fd)


def test_reserve_commit_header(user_ring: tuple[int, RingBufMap]) -> None:
    _, rb = user_ring
    off = rb.reserve(5)
    assert off == DATA_AT + HDR_SZ
    assert rb.header(0) == (5 | BUSY_BIT, DATA_AT // PAGE + 1)  # pg_off as the kernel computes it
    assert rb.query(uapi.BPF_RB_PROD_POS) == 16 and rb.query(uapi.BPF_RB_AVAIL_DATA) == 16
    rb.mem[off : off + 5] = b"hello"
    rb.commit(off, False)
    assert rb.header(0)[0] == 5
    off2 = rb.reserve(1)
    assert off2 == DATA_AT + 16 + HDR_SZ
    rb.commit(off2, True)
    assert rb.header(16)[0] == 1 | DISCARD_BIT


def test_query(user_ring: tuple[int, RingBufMap]) -> None:
    fd, rb = user_ring
    assert rb.query(uapi.BPF_RB_RING_SIZE) == PAGE
    assert rb.output(b"x" * 12) == 0
    assert [rb.query(f) for f in range(4)] == [24, PAGE, 0, 24]
    assert rb.query(99) == 0
    with RingBuffer(fd) as ring:
        assert ring.read() == [b"x" * 12]
        assert ring.positions() == (24, 24) and ring.available() == 0
    assert [rb.query(f) for f in range(4)] == [0, PAGE, 24, 24]


def test_output_flags_and_size_limits(user_ring: tuple[int, RingBufMap]) -> None:
    _, rb = user_ring
    assert rb.output(b"a", uapi.BPF_RB_NO_WAKEUP | uapi.BPF_RB_FORCE_WAKEUP) == 0
    assert rb.output(b"a", 4) == -22
    assert rb.reserve(RINGBUF_MAX_RECORD_SZ + 1) is None
    assert rb.reserve(PAGE) is None  # record larger than the ring
    assert rb.reserve(PAGE - HDR_SZ) is None  # exactly the ring: the producer may not lap the consumer


def test_full_buffer(user_ring: tuple[int, RingBufMap]) -> None:
    fd, rb = user_ring
    record = b"r" * 56  # 64 bytes with its header: 63 fit in 4095 bytes
    results = [rb.output(record) for _ in range(64)]
    assert results == [0] * 63 + [-11]
    assert rb.output(b"q" * 48) == 0  # 4032 + 56 = 4088 <= 4095
    assert rb.output(b"") == -11  # 4088 + 8 = 4096 > 4095
    with RingBuffer(fd) as ring:
        assert ring.read()[:2] == [record, record]
        assert rb.output(record) == 0


def test_wrap_around(user_ring: tuple[int, RingBufMap]) -> None:
    fd, rb = user_ring
    got: list[bytes] = []
    with RingBuffer(fd, got.append) as ring:
        sent = []
        for i in range(300):
            data = bytes([i % 251]) * (37 + 13 * i % 1000)
            assert rb.output(data) == 0
            sent.append(data)
            assert ring.consume() == 1
        assert got == sent
        assert ring.positions()[0] > 20 * PAGE


def test_wrapped_record_is_contiguous_for_the_producer(user_ring: tuple[int, RingBufMap]) -> None:
    fd, rb = user_ring
    assert rb.output(b"a" * (PAGE - 64 - HDR_SZ)) == 0
    with RingBuffer(fd) as ring:
        ring.read()
        off = rb.reserve(200)
        assert off is not None and off + 200 > DATA_AT + PAGE  # runs into the overflow area
        payload = bytes(range(200))
        rb.mem[off : off + 200] = payload
        assert ring.read() == []  # BUSY
        rb.commit(off, False)
        assert bytes(rb.mem[DATA_AT : DATA_AT + 200 - 56]) == payload[56:]  # tail copied to the start
        assert ring.read() == [payload]


def test_busy_record_blocks_consumer(user_ring: tuple[int, RingBufMap]) -> None:
    fd, rb = user_ring
    first = rb.reserve(8)
    assert first is not None
    assert rb.output(b"second") == 0
    with RingBuffer(fd) as ring:
        assert ring.read() == [] and ring.positions()[0] == 0
        rb.mem[first : first + 8] = b"first!!!"
        rb.commit(first, False)
        assert ring.read() == [b"first!!!", b"second"]


def test_discarded_records_are_skipped(user_ring: tuple[int, RingBufMap]) -> None:
    fd, rb = user_ring
    for i in range(10):
        off = rb.reserve(8)
        assert off is not None
        rb.mem[off : off + 8] = i.to_bytes(8, "little")
        rb.commit(off, discard=i % 3 == 0)
    with RingBuffer(fd) as ring:
        assert [int.from_bytes(r, "little") for r in ring] == [1, 2, 4, 5, 7, 8]
        assert ring.positions() == (160, 160)


def test_pending_pos_guards_busy_record_against_a_runaway_consumer(user_ring: tuple[int, RingBufMap]) -> None:
    fd, rb = user_ring
    busy = rb.reserve(PAGE // 2)
    assert busy is not None
    with mmap.mmap(fd, PAGE) as consumer:  # a consumer that skips the BUSY record
        struct.pack_into("<Q", consumer, 0, rb.producer_pos)
        assert rb.reserve(PAGE // 2) is None  # would overwrite the BUSY record
        assert rb.reserve(PAGE // 4) is not None


def test_callback_stops_early(user_ring: tuple[int, RingBufMap]) -> None:
    fd, rb = user_ring
    for i in range(5):
        rb.output(bytes([i]))
    seen: list[bytes] = []

    def stop_at_two(record: bytes) -> int:
        seen.append(record)
        return -7 if record == b"\x02" else 0

    with RingBuffer(fd, stop_at_two) as ring:
        assert ring.consume() == -7
        assert seen == [b"\x00", b"\x01", b"\x02"]
        assert ring.consume() == 2
    seen.clear()
    with RingBuffer(fd, lambda r: seen.append(r) or True) as ring:
        rb.output(b"a")
        rb.output(b"b")
        assert ring.poll(0) == 1 and seen == [b"a"]


def test_poll_timeout_and_multiple_rings(user_ring: tuple[int, RingBufMap]) -> None:
    fd, rb = user_ring
    other = Map.create(RB, 0, 0, 2 * PAGE)
    other_rb = MapObject.from_fd(other.fd).impl
    assert isinstance(other_rb, RingBufMap)
    got: list[tuple[str, bytes]] = []
    with RingBuffer(fd, lambda r: got.append(("a", r))) as ring:
        ring.add(other, lambda r: got.append(("b", r)))
        assert ring.rings == 2 and ring.ring_size(1) == 2 * PAGE
        assert ring.poll(20) == 0
        other_rb.output(b"2")
        rb.output(b"1")
        assert ring.poll(1000) == 2
        assert got == [("a", b"1"), ("b", b"2")]
    other.close()


def test_rejects_other_maps_and_closed_use(backend: Backend) -> None:
    fd = create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1)
    with pytest.raises(BPFError) as info:
        RingBuffer(fd, backend=backend)
    assert info.value.errno == 22
    os.close(fd)
    with pytest.raises(TypeError):
        RingBuffer("3")
    ring_fd = create(backend, RB, 0, 0, PAGE)
    ring = RingBuffer(ring_fd)
    os.close(ring_fd)  # the RingBuffer holds its own reference
    assert ring.read() == []
    ring.close()
    ring.close()
    with pytest.raises(ValueError):
        ring.consume()


def test_ring_from_map_object(backend: Backend) -> None:
    with Map.create(RB, 0, 0, 2 * PAGE, backend=backend) as ring_map, RingBuffer(ring_map) as ring:
        assert ring.ring_size() == 2 * PAGE and ring.available() == 0
        assert ring.read(timeout_ms=5) == [] and list(ring) == []
        assert ring.epoll_fd >= 0 and "1 ring" in repr(ring)


def _produce(fd: int, records: list[bytes]) -> None:
    rb = MapObject.from_fd(fd).impl
    assert isinstance(rb, RingBufMap)
    for record in records:
        while rb.output(record) == -11:
            time.sleep(0.0005)


def _records(seed: int, count: int) -> list[bytes]:
    return [bytes([seed, i % 256]) * (1 + (i * 7919) % 300) for i in range(count)]


def test_fork_producers(user_ring: tuple[int, RingBufMap]) -> None:
    fd, _ = user_ring
    expected = {seed: _records(seed, 400) for seed in (1, 2)}
    got: dict[int, list[bytes]] = {1: [], 2: []}
    with RingBuffer(fd, lambda r: got[r[0]].append(r)) as ring:
        children = []
        for records in expected.values():
            pid = os.fork()
            if pid == 0:  # pragma: no cover - child
                code = 0
                try:
                    _produce(fd, records)
                except BaseException:
                    code = 1
                os._exit(code)
            children.append(pid)
        deadline = time.monotonic() + 30
        while sum(map(len, got.values())) < 800 and time.monotonic() < deadline:
            ring.poll(100)
        for pid in children:
            assert os.waitpid(pid, 0)[1] == 0
    assert got == expected


# --- random operation sequences against a model --------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["reserve", "submit", "discard", "consume"]), st.integers(0, 700))))
def test_random_operations_follow_the_model(ops: list[tuple[str, int]]) -> None:
    fd = create(UserBackend(), RB, 0, 0, PAGE)
    rb = MapObject.from_fd(fd).impl
    assert isinstance(rb, RingBufMap)
    ring = RingBuffer(fd)
    outstanding: list[tuple[int, bytes]] = []  # reserved, not yet committed
    order: list[list[object]] = []  # every record in position order: [data, state]
    delivered: list[bytes] = []
    try:
        for n, (op, size) in enumerate(ops):
            if op == "reserve":
                off = rb.reserve(size)
                if off is None:
                    continue
                data = bytes([n % 256]) * size
                rb.mem[off : off + size] = data
                outstanding.append((off, data))
                order.append([data, "busy", off])
            elif op in ("submit", "discard") and outstanding:
                off, data = outstanding.pop(size % len(outstanding))
                rb.commit(off, op == "discard")
                entry = next(e for e in order if e[2] == off and e[1] == "busy")
                entry[1] = op
            elif op == "consume":
                delivered += ring.read()
        delivered += ring.read()
        expected: list[bytes] = []
        for data, state, _ in [(e[0], e[1], e[2]) for e in order]:
            if state == "busy":
                break
            if state == "submit":
                expected.append(data)  # type: ignore[arg-type]
        assert delivered == expected
    finally:
        ring.close()
        os.close(fd)


# --- a kernel program writes records; pybpf's producer does the same -------------------------
PROGRAM = """
    r1 = map_fd(rb) ll
    r2 = 24
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto no_record
    r6 = r0
    r1 = map_fd(rb) ll
    r2 = 3
    call bpf_ringbuf_query
    *(u64 *)(r6 + 0) = r0
    r1 = map_fd(rb) ll
    r2 = 2
    call bpf_ringbuf_query
    *(u64 *)(r6 + 8) = r0
    r1 = map_fd(rb) ll
    r2 = 0
    call bpf_ringbuf_query
    *(u64 *)(r6 + 16) = r0
    r1 = r6
    r2 = 0
    call bpf_ringbuf_submit
no_record:
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto no_discard
    r1 = r0
    r2 = 0
    call bpf_ringbuf_discard
no_discard:
    r1 = 0x1122334455667788 ll
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(rb) ll
    r2 = r10
    r2 += -8
    r3 = 8
    r4 = 0
    call bpf_ringbuf_output
    exit
"""


def _pybpf_program(rb: RingBufMap) -> int:
    """What PROGRAM does, through the producer API."""
    off = rb.reserve(24)
    if off is not None:
        for i, flag in enumerate((uapi.BPF_RB_PROD_POS, uapi.BPF_RB_CONS_POS, uapi.BPF_RB_AVAIL_DATA)):
            struct.pack_into("<Q", rb.mem, off + 8 * i, rb.query(flag))
        rb.commit(off, False)
    off = rb.reserve(16)
    if off is not None:
        rb.commit(off, True)
    return rb.output(struct.pack("<Q", 0x1122334455667788)) & 0xFFFFFFFF


def _snapshot(fd: int, size: int) -> tuple[int, int, bytes]:
    """(consumer_pos, producer_pos, data area) read through the kernel's mmap layout."""
    with (
        mmap.mmap(fd, PAGE, mmap.MAP_SHARED, mmap.PROT_READ) as cons,
        mmap.mmap(fd, PAGE + 2 * size, mmap.MAP_SHARED, mmap.PROT_READ, offset=PAGE) as prod,
    ):
        return struct.unpack_from("<Q", cons)[0], struct.unpack_from("<Q", prod)[0], prod[PAGE : PAGE + size]


@needs_kernel
def test_kernel_program_records_match_pybpf_producer() -> None:
    from tests.differential.kernel_harness import prog_load, prog_test_run

    kfd = create(NativeBackend(), RB, 0, 0, PAGE)
    ufd = create(UserBackend(), RB, 0, 0, PAGE)
    urb = MapObject.from_fd(ufd).impl
    assert isinstance(urb, RingBufMap)
    prog = prog_load(assemble(PROGRAM, maps={"rb": kfd}))
    kernel_records: list[bytes] = []
    user_records: list[bytes] = []
    try:
        with RingBuffer(kfd, kernel_records.append) as kring, RingBuffer(ufd, user_records.append) as uring:
            for run in range(400):
                assert prog_test_run(prog) == _pybpf_program(urb), run
                if run % 70 == 69:  # the ring fills up (-EAGAIN) between drains, and wraps
                    assert _snapshot(kfd, PAGE) == _snapshot(ufd, PAGE), run
                    assert kring.consume() == uring.consume()
            assert kring.poll(0) == uring.poll(0)
            assert _snapshot(kfd, PAGE) == _snapshot(ufd, PAGE)
            assert kring.available() == uring.available() == 0
        assert kernel_records == user_records
        assert len(kernel_records) > 400
        assert struct.pack("<Q", 0x1122334455667788) in kernel_records
        assert any(len(r) == 24 and struct.unpack("<3Q", r)[1] > PAGE for r in kernel_records)
    finally:
        os.close(prog)
        os.close(kfd)
        os.close(ufd)


@needs_kernel
def test_kernel_ring_poll_wakes_up() -> None:
    from tests.differential.kernel_harness import prog_load, prog_test_run

    kfd = create(NativeBackend(), RB, 0, 0, PAGE)
    prog = prog_load(assemble(PROGRAM, maps={"rb": kfd}))
    try:
        with RingBuffer(kfd, backend="native") as ring:
            assert ring.poll(10) == 0
            prog_test_run(prog)
            assert ring.poll(1000) == 2
            assert ring.positions()[0] == ring.positions()[1] == 32 + 24 + 16
    finally:
        os.close(prog)
        os.close(kfd)


@pytest.mark.usefixtures("engine")
@needs_kernel
def test_same_program_on_pybpf_and_kernel() -> None:
    """The same program, loaded and test-run by pybpf and by the kernel, leaves identical rings."""
    from pybpf import Program

    rings = [Map.create(RB, 0, 0, PAGE, backend=b) for b in (UserBackend(), NativeBackend())]
    progs = [Program.load(PROGRAM, maps={"rb": m.fd}, backend=m.backend) for m in rings]
    got: list[list[bytes]] = [[], []]
    try:
        with RingBuffer(rings[0], got[0].append) as user, RingBuffer(rings[1], got[1].append) as kernel:
            for step in range(24):
                retvals = [p.run(bytes(64), repeat=10).retval for p in progs]
                assert retvals[0] == retvals[1], step
                assert _snapshot(rings[0].fd, PAGE) == _snapshot(rings[1].fd, PAGE), step
                if step % 6 == 5:  # fills up (-EAGAIN) between drains, and wraps
                    assert user.consume() == kernel.consume()
        assert got[0] == got[1] and len(got[0]) > 200
    finally:
        for closable in (*progs, *rings):
            closable.close()
