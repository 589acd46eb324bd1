"""BPF_MAP_TYPE_USER_RINGBUF (creation, mapping, the ``UserRingBuffer`` producer, bpf_user_ringbuf_drain)
and task storage from a program (bpf_get_current_task_btf + bpf_task_storage_get), on both backends and
both engines: tests/data/c/user_ringbuf.c run with BPF_PROG_TEST_RUN, the kernel's results (Linux 6.18)
asserted on pybpf."""

from __future__ import annotations

import errno
import mmap
import os
import struct
from collections.abc import Callable, Iterator

import pytest

from pybpf import UserRingBuffer, load_object, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.maps.mapping import map_mmap
from pybpf.object import Object

from .helpers import create

pytestmark = pytest.mark.usefixtures("engine")

URB = uapi.BPF_MAP_TYPE_USER_RINGBUF
PAGE = mmap.PAGESIZE
OBJECT = os.path.join(os.path.dirname(__file__), "..", "data", "c", "user_ringbuf.o")
PACKET = bytes(64)


def _errno(call: Callable[[], object]) -> int:
    try:
        call()
    except OSError as exc:
        return int(exc.errno or 0)
    return 0


@pytest.mark.parametrize(
    ("key_size", "value_size", "max_entries", "flags", "expected"),
    [
        (0, 0, PAGE, 0, 0),
        (0, 0, 2 * PAGE, uapi.BPF_F_NUMA_NODE, 0),
        (0, 0, 3 * PAGE, 0, errno.EINVAL),
        (0, 0, PAGE + 1, 0, errno.EINVAL),
        (0, 0, 0, 0, errno.EINVAL),
        (4, 0, PAGE, 0, errno.EINVAL),
        (0, 4, PAGE, 0, errno.EINVAL),
        (0, 0, PAGE, uapi.BPF_F_RDONLY, errno.EINVAL),
    ],
)
def test_create(  # noqa: PLR0917
    backend: Backend, key_size: int, value_size: int, max_entries: int, flags: int, expected: int
) -> None:
    assert (
        _errno(lambda: os.close(create(backend, URB, key_size, value_size, max_entries, flags))) == expected
    )


def _map_mmap(backend: Backend) -> Callable[..., mmap.mmap]:
    """mmap(2) of a map fd: the kernel's own, or pybpf's checks (``pybpf.maps.mapping``)."""
    if backend.name == "user":
        return lambda fd, length, prot, offset=0: map_mmap(
            fd, length, offset, prot=prot, flags=mmap.MAP_SHARED
        )
    return lambda fd, length, prot, offset=0: mmap.mmap(fd, length, mmap.MAP_SHARED, prot, offset=offset)


def test_mappings(backend: Backend) -> None:
    """``ringbuf_map_mmap_user``: the consumer page never writable, the producer page and data are,
    nothing past the data area's two copies."""
    fd = create(backend, URB, 0, 0, PAGE)
    mapper = _map_mmap(backend)
    try:
        rw = mmap.PROT_READ | mmap.PROT_WRITE
        assert _errno(lambda: mapper(fd, PAGE, rw)) == errno.EPERM
        assert _errno(lambda: mapper(fd, 2 * PAGE, rw)) == errno.EPERM
        assert _errno(lambda: mapper(fd, 5 * PAGE, mmap.PROT_READ)) == errno.EINVAL
        mapper(fd, PAGE, mmap.PROT_READ).close()
        mapper(fd, 3 * PAGE, rw, PAGE).close()
        with pytest.raises(BPFError) as caught:
            UserRingBuffer(create(backend, uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, PAGE), backend=backend)
        assert caught.value.errno == errno.EINVAL
    finally:
        os.close(fd)


@pytest.fixture
def loaded(backend: Backend) -> Iterator[Object]:
    obj = load_object(OBJECT, backend=backend)
    try:
        yield obj
    finally:
        obj.close()


def _u32(number: int) -> bytes:
    return struct.pack("<I", number)


def test_drain(loaded: Object) -> None:
    drain, totals = loaded.programs["xdp_drain"], loaded.maps["totals"]
    with UserRingBuffer(loaded.maps["samples"]) as ring:
        assert drain.run(PACKET).retval == 0  # empty
        for number in (5, 7, 9):
            ring.write(_u32(number))
        sample = ring.reserve(4)
        sample[:] = _u32(100)
        ring.discard(sample)  # skipped, not counted
        ring.write(b"\x01")  # too short for the callback's 4-byte read: it adds 1000
        assert drain.run(PACKET).retval == 4
        assert (totals[0], totals[1]) == (1021, 4)
        ring.write(_u32(0xFFFFFFFF))  # the callback stops the drain after this one
        ring.write(_u32(1))
        assert [drain.run(PACKET).retval, drain.run(PACKET).retval] == [1, 1]


def test_drain_wraps_and_fills(loaded: Object) -> None:
    """Samples of 104 bytes (112 in the ring) wrap around a 4096-byte ring many times."""
    drain, totals = loaded.programs["xdp_drain"], loaded.maps["totals"]
    with UserRingBuffer(loaded.maps["samples"]) as ring:
        full_at = None
        for index in range(60):
            try:
                ring.write(_u32(2) + bytes(100))
            except BPFError as exc:
                assert exc.errno == errno.ENOSPC
                full_at = index
                break
        assert full_at == 4096 // 112
        assert drain.run(PACKET).retval == full_at
        for _ in range(10):
            for _ in range(20):
                ring.write(_u32(3) + bytes(100))
            assert drain.run(PACKET).retval == 20
        assert totals[0] == 2 * full_at + 3 * 200
        assert _errno(lambda: ring.reserve(PAGE)) == errno.E2BIG  # header included, it cannot fit
        assert _errno(lambda: ring.reserve(1 << 31)) == errno.E2BIG  # the BUSY bit
        assert ring.available() == PAGE


def test_task_storage_counter(loaded: Object) -> None:
    """The calling task's count: PASS, PASS, then DROP with the value deleted, then PASS again."""
    task = loaded.programs["xdp_task_count"]
    assert [task.run(PACKET).retval for _ in range(4)] == [2, 2, 1, 2]
    pidfd = os.pidfd_open(os.getpid())
    try:  # run on the test's thread: the main thread's value is the one user space sees by pidfd
        import threading

        if threading.current_thread() is threading.main_thread():
            assert loaded.maps["runs"][pidfd.to_bytes(4, "little")] == 1
    finally:
        os.close(pidfd)


def test_drain_refuses_malformed_rings(loaded: Object) -> None:
    """What user space may scribble into the producer page and the data: a producer position that is
    not 8-aligned, a sample longer than what was produced, a sample longer than the ring (-EINVAL,
    -EINVAL, -EINVAL, -E2BIG: the program returns 100 - the drain's result), a BUSY sample (nothing
    drained)."""
    drain = loaded.programs["xdp_drain"]
    fd = loaded.maps["samples"].fd
    if loaded.backend.name == "user":
        producer = map_mmap(fd, 3 * PAGE, PAGE, prot=mmap.PROT_READ | mmap.PROT_WRITE, flags=mmap.MAP_SHARED)
    else:
        producer = mmap.mmap(fd, 3 * PAGE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=PAGE)
    try:
        struct.pack_into("<Q", producer, 0, 4)
        assert drain.run(PACKET).retval == 100 + errno.EINVAL
        struct.pack_into("<II", producer, PAGE, 64, 0)  # a 64-byte sample, 16 bytes produced
        struct.pack_into("<Q", producer, 0, 16)
        assert drain.run(PACKET).retval == 100 + errno.EINVAL
        struct.pack_into("<II", producer, PAGE, PAGE, 0)  # longer than what was produced, first
        struct.pack_into("<Q", producer, 0, PAGE)
        assert drain.run(PACKET).retval == 100 + errno.EINVAL
        struct.pack_into("<Q", producer, 0, 2 * PAGE)  # produced, but longer than the ring
        assert drain.run(PACKET).retval == 100 + errno.E2BIG
        struct.pack_into("<II", producer, PAGE, 4 | uapi.BPF_RINGBUF_BUSY_BIT, 0)
        struct.pack_into("<Q", producer, 0, 16)
        assert drain.run(PACKET).retval == 0
        struct.pack_into("<II", producer, PAGE, 4, 0)  # now submitted
        assert drain.run(PACKET).retval == 1
    finally:
        producer.close()
