"""BPF_MAP_TYPE_PERF_EVENT_ARRAY from user space and pybpf's BPF output perf events, on both backends.

Every expectation below is the kernel's answer (Linux 6.18), asserted on pybpf and on the kernel.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.map import Map
from pybpf.objects import refs
from pybpf.objects.files import bpffs_root
from pybpf.objects.perf_abi import (
    DATA_HEAD_AT,
    DATA_OFFSET_AT,
    DATA_TAIL_AT,
    PAGE,
    USERPAGE_SIZE,
    USERPAGE_SIZE_AT,
)
from pybpf.objects.perf_event import PerfEventObject
from pybpf.perf import open_bpf_output
from pybpf.perfbuf import PerfBuffer
from pybpf.uapi import ENOTSUPP

PERF_EVENT_ARRAY = uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY


def _errno(call: object) -> int:
    assert callable(call)
    try:
        call()
    except BPFError as exc:
        return int(exc.errno or 0)
    return 0


@pytest.fixture
def event(backend: Backend) -> object:
    fd = open_bpf_output(0, 1, backend=backend)
    yield fd
    os.close(fd)


@pytest.mark.parametrize(
    ("key_size", "value_size", "max_entries", "flags", "expected"),
    [
        (4, 4, 2, 0, 0),
        (4, 8, 2, 0, errno.EINVAL),
        (8, 4, 2, 0, errno.EINVAL),
        (4, 0, 2, 0, errno.EINVAL),
        (4, 4, 0, 0, errno.EINVAL),
        (4, 4, 2, uapi.BPF_F_PRESERVE_ELEMS, 0),
        (4, 4, 2, uapi.BPF_F_RDONLY, 0),
        (4, 4, 2, uapi.BPF_F_MMAPABLE, errno.EINVAL),
        (4, 4, 2, uapi.BPF_F_INNER_MAP, errno.EINVAL),
        (4, 4, 2, uapi.BPF_F_RDONLY_PROG, errno.EINVAL),
        (4, 4, 2, uapi.BPF_F_WRONLY_PROG, errno.EINVAL),
        (4, 4, 2, uapi.BPF_F_NO_PREALLOC, errno.EINVAL),
    ],
)
def test_create(  # noqa: PLR0917
    backend: Backend, key_size: int, value_size: int, max_entries: int, flags: int, expected: int
) -> None:
    def create() -> None:
        Map.create(PERF_EVENT_ARRAY, key_size, value_size, max_entries, flags, backend=backend).close()

    assert _errno(create) == expected


def test_update_errors(backend: Backend, event: int) -> None:
    with Map.create(PERF_EVENT_ARRAY, 4, 4, 2, backend=backend) as events:
        regular = os.open("/etc/hostname" if os.path.exists("/etc/hostname") else "/", os.O_RDONLY)
        try:
            assert _errno(lambda: events.update(0, regular)) == errno.EBADF  # not a perf event
        finally:
            os.close(regular)
        assert _errno(lambda: events.update(0, events.fd)) == errno.EBADF  # a map is no perf event
        closed = os.dup(event)
        os.close(closed)
        assert _errno(lambda: events.update(0, closed)) == errno.EBADF
        assert _errno(lambda: events.update(2, event)) == errno.E2BIG
        assert _errno(lambda: events.update(2, closed)) == errno.E2BIG  # the index is checked first
        assert _errno(lambda: events.update(0, event, uapi.BPF_NOEXIST)) == errno.EINVAL
        assert _errno(lambda: events.update(0, event, uapi.BPF_EXIST)) == errno.EINVAL
        events.update(0, event)
        events.update(0, event)  # replacing works
        events.update(1, event)  # one event in two slots


def test_lookup_is_enotsupp(backend: Backend, event: int) -> None:
    with Map.create(PERF_EVENT_ARRAY, 4, 4, 2, backend=backend) as events:
        events.update(0, event)
        for key in (0, 1, 7):
            assert _errno(lambda key=key: events.lookup(key)) == ENOTSUPP


def test_delete_and_next_key(backend: Backend, event: int) -> None:
    with Map.create(PERF_EVENT_ARRAY, 4, 4, 3, backend=backend, key_type=int) as events:
        events.update(1, event)
        assert _errno(lambda: events.delete(0)) == errno.ENOENT
        assert _errno(lambda: events.delete(3)) == errno.E2BIG
        events.delete(1)
        assert _errno(lambda: events.delete(1)) == errno.ENOENT
        assert events.get_next_key(None) == 0
        assert events.get_next_key(0) == 1
        assert events.get_next_key(1) == 2
        assert events.get_next_key(7) == 0
        assert _errno(lambda: events.get_next_key(2)) == errno.ENOENT


def test_perf_event_is_not_a_bpf_object(backend: Backend, event: int) -> None:
    info = uapi.bpf_map_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd = event
    attr.info.info_len = ctypes.sizeof(info)
    attr.info.info = ctypes.addressof(info)
    assert _errno(lambda: backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)) == errno.EINVAL


def test_control_page_layout(backend: Backend) -> None:
    """The mmap of 1 + 2^n pages: data_offset is a page, data_size the data pages, size 96."""
    fd = open_bpf_output(0, 2, backend=backend)
    try:
        mm = mmap.mmap(fd, 3 * PAGE)
        try:
            head, tail = struct.unpack_from("<QQ", mm, DATA_HEAD_AT)
            assert (head, tail) == (0, 0)
            assert struct.unpack_from("<QQ", mm, DATA_OFFSET_AT) == (PAGE, 2 * PAGE)
            assert struct.unpack_from("<I", mm, USERPAGE_SIZE_AT)[0] == USERPAGE_SIZE
            assert DATA_TAIL_AT == DATA_HEAD_AT + 8
        finally:
            mm.close()
    finally:
        os.close(fd)


def test_pages_must_be_a_power_of_two() -> None:
    for pages in (0, 3, 6):
        with pytest.raises(BPFError) as info:
            open_bpf_output(0, pages)
        assert info.value.errno == errno.EINVAL


def test_perf_buffer_fills_and_empties_the_array(backend: Backend) -> None:
    with Map.create(PERF_EVENT_ARRAY, 4, 4, 64, backend=backend) as events:
        with PerfBuffer(events, pages=1) as buffers:
            assert buffers.buffer_cnt >= 1
            cpus = [buffers.buffer_cpu(i) for i in range(buffers.buffer_cnt)]
            assert cpus == sorted(cpus)
            for cpu in cpus:  # the slot is filled: deleting it works (and refilling it for close)
                events.delete(cpu)
                events.update(cpu, buffers.buffer_fd(cpus.index(cpu)))
            assert buffers.consume() == 0
            assert buffers.poll(1) == 0
        for cpu in cpus:
            assert _errno(lambda cpu=cpu: events.delete(cpu)) == errno.ENOENT


def test_perf_buffer_caps_at_max_entries(backend: Backend) -> None:
    with (
        Map.create(PERF_EVENT_ARRAY, 4, 4, 1, backend=backend) as events,
        PerfBuffer(events, pages=1) as buffers,
    ):
        assert buffers.buffer_cnt == 1
        assert buffers.buffer_cpu(0) == 0


def test_perf_buffer_needs_a_perf_event_array(backend: Backend) -> None:
    with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 2, backend=backend) as array:
        with pytest.raises(BPFError) as info:
            PerfBuffer(array)
        assert info.value.errno == errno.EINVAL


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.binary(max_size=700), st.none()), max_size=40))
def test_ring_round_trip(steps: list[bytes | None]) -> None:
    """Random samples (None: the reader consumes) through a one-page pybpf ring: every sample written
    is read back in order, padded to the kernel's size; every refused one is counted as lost."""
    from pybpf.objects.perf_event import PerfEventObject

    samples: list[bytes] = []
    lost: list[int] = []
    written: list[bytes] = []
    refused = 0
    with (
        Map.create(PERF_EVENT_ARRAY, 4, 4, 1, backend=UserBackend()) as events,
        PerfBuffer(events, lambda _, d: samples.append(d), lambda _, n: lost.append(n), 1) as buffer,
    ):
        event = PerfEventObject.from_fd(buffer.buffer_fd(0))
        for step in steps:
            if step is None:
                buffer.consume()
            elif event.output([step[:3], step[3:]]) == 0:
                written.append(step + bytes(-(len(step) + 4) % 8))
            else:
                refused += 1
        buffer.consume()
        assert event.output([b"x"]) == 0  # an empty ring: a pending lost count is reported first
        buffer.consume()
        tail, head = buffer.positions(0)
        assert tail == head
    assert samples == [*written, b"x" + bytes(3)]
    assert sum(lost) == refused


def test_unused_events_are_collected() -> None:
    """An event nobody has an fd for and no array holds is released at the next collection."""
    root = bpffs_root()
    kept, dropped = open_bpf_output(0, 1), open_bpf_output(0, 1)
    kept_id, dropped_id = PerfEventObject.from_fd(kept).id, PerfEventObject.from_fd(dropped).id
    with Map.create(PERF_EVENT_ARRAY, 4, 4, 1, backend=UserBackend()) as events:
        events.update(0, kept)
        os.close(kept)
        os.close(dropped)
        refs.collect(root)
        assert refs.holder_ids(root, "perf") == [kept_id]
        events.delete(0)
        refs.collect(root)
        assert refs.holder_ids(root, "perf") == []
    assert dropped_id != kept_id


def _fd_by_id(backend: Backend, map_id: int) -> int:
    attr = uapi.bpf_attr()
    attr.map_id = map_id
    return backend.bpf(uapi.BPF_MAP_GET_FD_BY_ID, attr)


@pytest.mark.parametrize("flags", [0, uapi.BPF_F_PRESERVE_ELEMS])
def test_slots_go_with_the_open_file_that_filled_them(backend: Backend, event: int, flags: int) -> None:
    """``perf_event_fd_array_release``: when an open file of the array is released (its last fd:
    dup'ed fds share it), the slots filled through it are emptied, unless BPF_F_PRESERVE_ELEMS;
    the slots other files of the array filled stay."""
    first = Map.create(PERF_EVENT_ARRAY, 4, 4, 4, flags, backend=backend)
    second = Map.from_fd(fd := _fd_by_id(backend, first.info().id), backend=backend)  # another file
    os.close(fd)
    first.update(0, event)
    first.update(1, event)
    first.update(2, event)
    second.update(3, event)
    duplicate = os.dup(first.fd)
    first.close()
    assert _errno(lambda: second.delete(2)) == 0  # the dup keeps the file, and its slots
    os.close(duplicate)
    released = 0 if flags else errno.ENOENT
    assert [_errno(lambda k=k: second.delete(k)) for k in (0, 1, 3)] == [released, released, 0]
    second.close()


def test_released_slots_let_their_events_go() -> None:
    """At the next collection the array empties the slots of released files and lets their events go
    (the event's file is freed once nothing holds it)."""
    backend = UserBackend()
    array = Map.create(PERF_EVENT_ARRAY, 4, 4, 2, backend=backend)
    other = Map.from_fd(fd := _fd_by_id(backend, array.info().id), backend=backend)
    os.close(fd)
    event = open_bpf_output(0, 1, backend=backend)
    event_id = PerfEventObject.from_fd(event).id
    other.update(0, event)
    os.close(event)
    holder = os.path.join(bpffs_root(), ".refs", f"map-{array.info().id}")
    assert f"perf-{event_id}" in os.listdir(holder)
    other.close()
    refs.collect(bpffs_root())
    assert f"perf-{event_id}" not in os.listdir(holder)
    assert not os.path.exists(os.path.join(bpffs_root(), ".refs", f"perf-{event_id}"))
    array.close()
