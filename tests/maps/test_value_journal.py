"""The maps' redo journal (``pybpf.maps.journal``; arrays, hash maps' BPF_F_LOCK updates in place,
per-CPU hashes' one-CPU updates): a copy left published by a writer that died is completed by the
next reader -- or by a process that opens the map afresh --, a journal garbled by another process is
dropped (never followed outside the values), a BPF_F_MMAPABLE array's mapping never shows it, and
its memory is the map's from creation (an update never fails for want of it)."""

from __future__ import annotations

import json
import mmap
import os
import signal
import struct
import subprocess
import sys
from collections.abc import Callable

from pybpf import Map, uapi
from pybpf.kernel.backend import UserBackend
from pybpf.maps.array import ArrayMap
from pybpf.maps.hash import HashMap
from pybpf.maps.journal import HEAD_BYTES, journal_bytes
from pybpf.maps.object import MapObject
from pybpf.maps.percpu import PercpuArrayMap, PercpuHashMap
from pybpf.objects import accounting
from pybpf.objects.files import bpffs_root

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


_OPEN_PIN = """
import json, sys
sys.path[:0] = {paths!r}
from pybpf import Map
from pybpf.maps.object import MapObject
m = Map.from_pinned({pin!r})
settled = not MapObject.from_fd(m.fd).impl.unsettled()
print(json.dumps({{"settled": settled, "value": bytes(m.lookup({key!r})).hex()}}))
"""
"""A fresh interpreter opening the pin: whether the map was settled at open, before any read, and
the value it then reads."""


def _torn_in_a_child(  # noqa: PLR0917
    m: Map, mem: memoryview, journal_at: int, start: int, new: bytes, begin: Callable[[], object]
) -> None:
    """A child takes the map's lock, ``begin``s, publishes the journal at ``journal_at`` of ``mem``
    (the storage the journal belongs to) for ``new`` at ``start`` of ``mem``, copies half of it and
    dies (SIGKILL) holding the lock."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        MapObject.from_fd(m.fd).lock.__enter__()
        begin()
        data_at = journal_at + HEAD_BYTES
        mem[data_at : data_at + len(new)] = new
        Q2.pack_into(mem, journal_at, start + 1, len(new))
        mem[start : start + len(new) // 2] = new[: len(new) // 2]
        os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(pid, 0)


def _open_in_a_fresh_process(pin: str, key: bytes) -> tuple[bool, bytes]:
    script = _OPEN_PIN.format(paths=sys.path, pin=pin, key=key)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    answer = json.loads(done.stdout)
    return answer["settled"], bytes.fromhex(answer["value"])


def test_a_pinned_array_with_a_dead_writers_journal_opens_whole_in_a_fresh_process() -> None:
    """Pin an array, kill a writer inside its copy, close every fd, open the pin in a new process:
    the open completes the copy before anything is read, and the value is the new one, whole."""
    pin = os.path.join(bpffs_root(), f"journal-array-{os.getpid()}")
    key = struct.pack("<I", 1)
    with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4096, 2, backend=UserBackend()) as m:
        m.update(key, b"\x11" * 4096)
        m.pin(pin)
        array = _array(m)
        _torn_in_a_child(m, array.mem, _find_journal(array), 4096, b"\x22" * 4096, lambda: None)
        assert array.unsettled()
    try:
        assert _open_in_a_fresh_process(pin, key) == (True, b"\x22" * 4096)
    finally:
        os.unlink(pin)


def test_a_pinned_percpu_hash_with_a_dead_one_cpu_writer_opens_whole_in_a_fresh_process() -> None:
    """The same for a per-CPU hash whose program update of one CPU's value died in the copy
    (``HashMap.write_value``: journaled, in an odd sequence count)."""
    pin = os.path.join(bpffs_root(), f"journal-percpu-hash-{os.getpid()}")
    key = struct.pack("<I", 9)
    with Map.create(uapi.BPF_MAP_TYPE_PERCPU_HASH, 4, 256, 4, backend=UserBackend()) as m:
        m.update(key, b"\x11" * m.user_value_size)
        m.pin(pin)
        impl = MapObject.from_fd(m.fd).impl
        assert isinstance(impl, PercpuHashMap)
        offset = impl.value_offset(key, 1)
        assert offset is not None
        inner = impl.inner
        journal_at = inner.slots_at - journal_bytes(inner.value_size)
        start = offset - (len(impl.mem) - len(inner.mem))  # in the inner table's storage
        _torn_in_a_child(m, inner.mem, journal_at, start, b"\x22" * 256, inner._begin_write)
        assert impl.unsettled()
    try:
        settled, value = _open_in_a_fresh_process(pin, key)
    finally:
        os.unlink(pin)
    assert settled
    assert value == b"\x11" * 256 + b"\x22" * 256 + b"\x11" * (len(value) - 512)


def test_an_arrays_updates_need_no_memory_beyond_its_creation() -> None:
    """The journal's memory is reserved (and charged) with the array's: with no memory left under
    the limit after creation, the first update in place still succeeds (the kernel's
    ``array_map_update_elem`` allocates nothing)."""
    root = bpffs_root()
    with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 1 << 16, 4, backend=UserBackend()) as m:
        accounting.set_memory_limit(accounting.charged(root))
        try:
            m.update(struct.pack("<I", 3), b"\x55" * (1 << 16))
            assert not _array(m).unsettled()
        finally:
            accounting.set_memory_limit(None, reset=True)
        assert m.lookup(struct.pack("<I", 3)) == b"\x55" * (1 << 16)
