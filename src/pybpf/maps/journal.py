"""A redo journal that makes an in-place copy of a map value whole even if its writer is killed.

In the kernel, ``bpf(BPF_MAP_UPDATE_ELEM)`` on an array (``array_map_update_elem``,
``bpf_percpu_array_update``: a ``copy_map_value`` into the element) never stops half-way because its
caller died: the copy runs in the kernel to its end.  pybpf's writers are processes sharing the
map's file, and ``kill -9`` can stop one inside the copy, which would leave the value half old, half
new.  So a writer (holding the map's lock, as every user-space update does) first copies the new
bytes into the map's journal, publishes the journal with one aligned 8-byte store of
``destination + 1`` (the length was stored before it), then copies into the value, and clears the
journal with one more store.  The copy being idempotent, the journal is replayed by whoever finds it
published and its writer gone:

* the robust mutex's ``recover`` (the next locker after a writer died holding the lock) replays it;
* a reader that finds a published journal (``pending``) takes and releases the map's lock before
  reading (``MapOps.settle``): it waits for a live writer, or recovers after a dead one, so a reader
  sees the old value or the new one, never the mixture a dead writer left;
* opening a map whose journal is published does the same (``pybpf.maps.object``).

Its users: arrays and per-CPU arrays (every update), hash maps (BPF_F_LOCK updates in place) and the
per-CPU hashes, LRU or not (a program's update of one CPU's value).  The journal's storage is part
of the map's from creation (backed and charged with it), so no update ever fails for want of it.

A replay writes only inside ``[0, limit)`` of the storage and never more than the journal holds: a
journal garbled by another process of the map (shared memory may hold anything, see
``pybpf.maps.base``) is dropped, never followed.  Concurrent writers and readers that do not die
still race as in the kernel (an array lookup copies without the lock there too); programs' own
stores into values are not journaled (the kernel does not lock them either).

Layout (``size(capacity)`` bytes, 8-aligned): u64 destination + 1 (0: nothing published), u64
length, then ``capacity`` bytes rounded up to 8.
"""

from __future__ import annotations

import mmap
import sys

from pybpf.maps.base import round_up

HEAD_BYTES = 16


def journal_bytes(capacity: int) -> int:
    """The storage a journal for copies of up to ``capacity`` bytes takes."""
    return HEAD_BYTES + round_up(capacity, 8)


class ValueJournal:
    """The journal at byte ``at`` (8-aligned) of ``mem``, for copies into ``mem[0:limit]``."""

    __slots__ = ("_capacity", "_data_at", "_limit", "_mem", "_words")

    @property
    def words(self) -> memoryview | None:
        """The head as two u64 items (destination + 1, length) for writers that inline ``write``;
        None on a big-endian host."""
        return self._words

    def __init__(self, mem: memoryview, at: int, capacity: int, limit: int) -> None:
        if at % 8 or at + journal_bytes(capacity) > len(mem):
            raise ValueError(f"a {capacity}-byte journal at {at} does not fit {len(mem)} bytes")
        self._mem = mem
        self._data_at = at + HEAD_BYTES
        self._capacity = capacity
        self._limit = limit
        head = mem[at : at + HEAD_BYTES].cast("B")
        # One aligned 8-byte store publishes or clears the journal (a u64 memoryview item is one
        # store on the hosts pybpf runs on; the storage is little-endian everywhere).
        self._words = head.cast("Q") if sys.byteorder == "little" else None

    def _set(self, index: int, value: int) -> None:
        if self._words is not None:
            self._words[index] = value
        else:  # pragma: no cover - big-endian hosts
            at = self._data_at - HEAD_BYTES + 8 * index
            self._mem[at : at + 8] = value.to_bytes(8, "little")

    def _get(self, index: int) -> int:
        if self._words is not None:
            word: int = self._words[index]
            return word
        at = self._data_at - HEAD_BYTES + 8 * index  # pragma: no cover - big-endian hosts
        return int.from_bytes(self._mem[at : at + 8], "little")  # pragma: no cover

    def pending(self) -> bool:
        """Whether a copy is published and not finished (its writer is at work, or dead)."""
        if self._words is not None:
            return bool(self._words[0])
        return bool(self._get(0))  # pragma: no cover - big-endian hosts

    def write(self, buf: mmap.mmap | memoryview, offset: int, data: bytes) -> None:
        """Copy ``data`` to ``offset`` of the storage through the journal; the caller holds the
        map's lock and has checked that the destination lies inside ``[0, limit)``.  ``buf`` is what
        to slice-assign the value through (the storage's mmap or ``mem``: the same bytes)."""
        size = len(data)
        data_at = self._data_at
        mem = self._mem
        mem[data_at : data_at + size] = data
        words = self._words
        if words is not None:
            words[1] = size
            words[0] = offset + 1  # published: from here on a replay completes the copy
            try:
                buf[offset : offset + size] = data
            finally:
                words[0] = 0
            return
        self._set(1, size)  # pragma: no cover - big-endian hosts
        self._set(0, offset + 1)  # pragma: no cover
        try:  # pragma: no cover
            buf[offset : offset + size] = data
        finally:  # pragma: no cover
            self._set(0, 0)

    def replay(self, start: int = 0, end: int | None = None) -> bool:
        """Complete a published copy whose writer died (``recover``); True if one was replayed.
        A journal that names bytes outside ``[start, end)`` (default ``[0, limit)``) or more than it
        holds is dropped."""
        published = self._get(0)
        if not published:
            return False
        offset, size = published - 1, self._get(1)
        end = self._limit if end is None else min(end, self._limit)
        replayed = size <= self._capacity and start <= offset and offset + size <= end
        if replayed:
            data_at = self._data_at
            self._mem[offset : offset + size] = self._mem[data_at : data_at + size]
        self._set(0, 0)
        return replayed
