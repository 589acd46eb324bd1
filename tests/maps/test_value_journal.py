"""The maps' redo journal (``pybpf.maps.journal``; arrays, and hash maps' BPF_F_LOCK updates in
place): a copy left published by a writer that died is
completed by the next reader, a journal garbled by another process is dropped (never followed
outside the values), and a BPF_F_MMAPABLE array's mapping never shows it."""

from __future__ import annotations

import mmap
import os
import signal
import struct

from pybpf import Map, uapi
from pybpf.kernel.backend import UserBackend
from pybpf.maps.array import ArrayMap
from pybpf.maps.hash import HashMap
from pybpf.maps.journal import HEAD_BYTES
from pybpf.maps.object import MapObject
from pybpf.maps.percpu import PercpuArrayMap

Q2 = struct.Struct("<QQ")


def _array(m: Map) -> ArrayMap:
    impl = MapObject.from_fd(m.fd).impl
    inner = impl.inner if isinstance(impl, PercpuArrayMap) else impl
    assert isinstance(inner, ArrayMap)
    return inner


def _find_journal(array: ArrayMap) -> int:
    """The journal's offset in the array's storage (after the values, page-aligned if mmapable)."""
    values = array.max_entries * array.elem_size
    if array.params.flags & uapi.BPF_F_MMAPABLE:
        return (values + mmap.PAGESIZE - 1) // mmap.PAGESIZE * mmap.PAGESIZE
    return values


def test_a_copy_left_by_a_dead_writer_is_completed_by_the_next_reader() -> None:
    """A child publishes the journal for index 2, writes half the value and dies holding the lock."""
    with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 64, 4, backend=UserBackend()) as m:
        m.update(struct.pack("<I", 2), b"\x11" * 64)
        array = _array(m)
        at = _find_journal(array)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            MapObject.from_fd(m.fd).lock.__enter__()
            array.mem[at + HEAD_BYTES : at + HEAD_BYTES + 64] = b"\x22" * 64
            Q2.pack_into(array.mem, at, 2 * 64 + 1, 64)
            array.mem[2 * 64 : 2 * 64 + 32] = b"\x22" * 32  # half of the copy
            os.kill(os.getpid(), signal.SIGKILL)
        os.waitpid(pid, 0)
        assert array.unsettled()
        assert m.lookup(struct.pack("<I", 2)) == b"\x22" * 64
        assert not array.unsettled()


def test_a_garbled_journal_is_dropped() -> None:
    """A published journal naming bytes past the values (or more than it holds) is never replayed;
    the next reader drops it and reads the values as they are."""
    for destination, size in ((4 * 64 + 1, 8), (0, 1 << 20)):
        with Map.create(uapi.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 64, 4, backend=UserBackend()) as m:
            whole = m.user_value_size * b"\x33"
            m.update(struct.pack("<I", 3), whole)
            array = _array(m)
            at = _find_journal(array)
            Q2.pack_into(array.mem, at, destination + 1, size)
            assert m.lookup(struct.pack("<I", 3)) == whole
            assert not array.unsettled()
            m.update(struct.pack("<I", 3), bytes(m.user_value_size))  # and it goes on working
            assert m.lookup(struct.pack("<I", 3)) == bytes(m.user_value_size)


def test_a_mmapable_arrays_mapping_never_shows_the_journal() -> None:
    with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 3, uapi.BPF_F_MMAPABLE, backend=UserBackend()) as m:
        array = _array(m)
        assert _find_journal(array) == mmap.PAGESIZE
        m.update(struct.pack("<I", 1), b"\x44" * 8)
        view = mmap.mmap(m.fd, mmap.PAGESIZE)
        try:
            assert view[8:16] == b"\x44" * 8
            assert view[24:] == bytes(mmap.PAGESIZE - 24)  # past the values: zeros, as the kernel's
        finally:
            view.close()


def test_a_hash_update_in_place_left_by_a_dead_writer_is_completed() -> None:
    """A BPF_F_LOCK update in place (``HashMap.update_in_place``) whose writer died in the copy, its
    sequence count odd: the next reader waits for the lock, whose recovery replays the journal."""
    with Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 64, 4, backend=UserBackend()) as m:
        key = struct.pack("<I", 7)
        m.update(key, b"\x11" * 64)
        impl = MapObject.from_fd(m.fd).impl
        assert isinstance(impl, HashMap)
        start = impl.value_offset(key, 0)
        assert start is not None
        journal_at = impl.slots_at - HEAD_BYTES - 64
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            MapObject.from_fd(m.fd).lock.__enter__()
            impl._begin_write()
            impl.mem[journal_at + HEAD_BYTES : journal_at + HEAD_BYTES + 64] = b"\x22" * 64
            Q2.pack_into(impl.mem, journal_at, start + 1, 64)
            impl.mem[start : start + 32] = b"\x22" * 32
            os.kill(os.getpid(), signal.SIGKILL)
        os.waitpid(pid, 0)
        assert m.lookup(key) == b"\x22" * 64
        assert Q2.unpack_from(impl.mem, journal_at) == (0, 64)
