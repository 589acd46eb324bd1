"""The per-process caches of objects read or mapped from their files, which let go of released ones.

A process reads or maps each object's file once (maps and perf events are mappings, programs and
BTF objects parsed payloads) and keeps what it built, keyed by the file's identity.  A mapping keeps
its file -- and the memory and tmpfs space behind it -- alive, so an object the kernel would have
freed (its last fd closed, no pin, no holder) must not stay cached: ``ObjectCache`` is bounded
(oldest out first), and it drops every entry whose object was released as soon as this process
remembers a new object after a collection released something (``pybpf.objects.refs.collect`` bumps
the root's generation, ``refs.generation``).  An entry is alive while its reference directory's
anchor (``<root>/.refs/<kind>-<id>/self``) is still its own file; a released object's anchor is gone
(or, ids being per root, belongs to another root's file).  Dropping an entry drops only the cache's
reference: an object still used in this process (a program's runner holding its maps) lives on.
Mirrors nothing in the kernel, which frees an object on its last ``fput``; this is how pybpf gets
close to that without a hook on ``close``.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Generic, TypeVar

from pybpf.objects import refs
from pybpf.objects.forking import fork_safe

K = TypeVar("K", bound=tuple[object, ...])
V = TypeVar("V")


class ObjectCache(Generic[K, V]):
    """A bounded cache of ``kind`` objects of this process, keyed by ``(st_dev, st_ino, ...)``."""

    def __init__(self, kind: str, limit: int) -> None:
        self.kind = kind
        self.limit = limit
        """The most objects kept (the oldest used goes first)."""
        self._entries: OrderedDict[K, tuple[V, str, int]] = OrderedDict()
        self._lock = fork_safe(threading.Lock())
        self._seen: dict[str, int] = {}
        """The generation of each root at this cache's last sweep of its entries."""

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def peek(self, key: K) -> V | None:
        """The object cached under ``key``, or None, without making it the most recently used (the
        cheapest look, for hot paths)."""
        entry = self._entries.get(key)
        return None if entry is None else entry[0]

    def get(self, key: K) -> V | None:
        """The object cached under ``key`` (now the most recently used), or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def remember(self, key: K, obj: V, root: str, object_id: int, *, limit: int | None = None) -> V:
        """Cache ``obj``, object ``object_id`` of ``root``, under ``key`` unless an object is cached
        there already; returns the cached one.  Releases what collections released meanwhile, and
        the oldest entries past ``limit`` (default: ``self.limit``)."""
        generation = refs.generation(root)
        with self._lock:
            if self._seen.get(root) != generation:
                self._drop_released(root)
                self._seen[root] = generation
                while len(self._seen) > self.limit:  # roots gone long ago (tests make one each)
                    del self._seen[next(iter(self._seen))]
            entry = self._entries.setdefault(key, (obj, root, object_id))
            self._entries.move_to_end(key)
            while len(self._entries) > (self.limit if limit is None else limit):
                self._entries.popitem(last=False)
            return entry[0]

    def __setitem__(self, key: K, obj: V) -> None:
        """Cache ``obj`` under ``key`` in place of what was there (kept in its root and id)."""
        with self._lock:
            _, root, object_id = self._entries.get(key, (obj, "", 0))
            self._entries[key] = (obj, root, object_id)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _drop_released(self, root: str) -> None:
        """Drop the entries of ``root`` whose object was released (lock held)."""
        for key, (_, entry_root, object_id) in list(self._entries.items()):
            if entry_root == root and not self._alive(key, root, object_id):
                del self._entries[key]

    def _alive(self, key: K, root: str, object_id: int) -> bool:
        anchor = os.path.join(refs.holder_dir(root, self.kind, object_id), "self")
        try:
            st = os.stat(anchor)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == key[:2]


def mapped_files(root: str) -> dict[tuple[int, int], int]:
    """The files of ``root`` this process maps, by (st_dev, st_ino): the bytes of tmpfs memory each
    holds (allocated blocks).  What the caches keep alive, for measurements and tests."""
    found: dict[tuple[int, int], int] = {}
    prefix = os.path.join(root, "")
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            if len(fields) < 6 or not fields[5].startswith(prefix):
                continue
            try:
                st = os.stat(f"/proc/self/map_files/{fields[0]}")
            except OSError:
                continue
            found[(st.st_dev, st.st_ino)] = st.st_blocks * 512
    return found
