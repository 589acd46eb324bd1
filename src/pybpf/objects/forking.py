"""What ``fork`` must not carry into a child: the locks of the root's shared files this process holds.

The kernel has nothing to mirror here: its locks (``map_idr_lock``, the memcg charge, a bucket's
spinlock) belong to the CPU that takes them, and a ``fork`` copies none of them.  pybpf's locks on
the shared files of a bpffs root (``pybpf.objects.files``: the id counters and the memory ledger,
``F_OFD_SETLKW``; ``pybpf.objects.refs``: the refs root's ``.lock``, ``flock``; the registries'
``.lock`` files; a program's stream files; the shared trace file) are locks of an *open file
description*, and a forked child shares every open file description of its parent: when a thread
forks while another thread of the process holds one of those locks, the child's copy of the fd
keeps the lock held after the parent's thread closes its own, for as long as the child lives.  A
child that then takes the same lock on a new fd (every ``BPF_MAP_CREATE`` takes the ids and the
ledger) waits for itself forever -- and so does every other process of the root.  (Measured: a
thread creating maps while the main thread forks children that create and pin maps hangs about
one child in seven: ``tests/objects/test_lock_order.py``.)

So every fd opened to take one of those locks is opened with ``open_lock_file`` and closed with
``close_lock_file``, which keep it in this process's set of lock fds; a forked child closes its
copies of them at once (``os.register_at_fork``), leaving the locks to the parent's threads that
hold them.  Opening, remembering and closing happen under a guard the fork takes first, so no fork
falls between an fd's ``open`` and its registration (or its removal and its ``close``).

The same goes for a ``threading.Lock`` another thread holds at the fork: in the child nobody is
left to release it.  ``fork_safe(lock)`` registers a *leaf* lock (whose holder takes no other lock
and never blocks while holding it: the object caches', the lock probes'); the fork takes every
registered one before it forks and both sides release them after, so the child gets them free and
the structures they guard whole.

Lock order (what each code path takes, outermost first; a path never takes an earlier one while it
holds a later one):

1. ``Memory.lock`` (per process, ``RLock``): a program run, a timer callback.
2. the refs root's ``.lock`` (``flock``; shared while an fd is opened for an existing object,
   exclusive while collecting): ``refs.opening``, ``refs.collect``.
3. a map's lock (a robust process-shared mutex in the map's file, ``pybpf.objects.locking``):
   updates and deletes; a collection's ``map_release_uref`` takes it under (2).
4. the memory ledger ``<root>/.pybpf-memory`` (OFD lock): ``accounting.charge`` (under (3) when a
   map's storage grows, ``_StorageReserver``), ``accounting.uncharge`` (under (2) when a collection
   releases a map).  Nothing is taken while it is held: a charge that needs to reclaim first
   collects with the ledger unlocked.
5. the id counters ``<root>/.pybpf-ids*`` (OFD lock): leaves.

Locks that are never held together with another: the registries' ``.lock`` files
(``files.locked_directory``), a stream's file, the trace file's locks, and the leaf thread locks.
Every one of them is a lock the kernel drops when its holder dies (``flock`` and OFD locks go with
the last fd of their description; the map mutexes are robust: the next locker repairs the map),
so a process killed while holding one stops nobody; only a live holder -- such as a forked child
that inherited it -- can.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from typing import TypeVar

_GUARD = threading.Lock()
"""Held while a lock fd is opened and remembered, or forgotten and closed, and across a fork."""
_LOCK_FDS: set[int] = set()
"""The fds of this process opened to take a lock of a root's shared file (``open_lock_file``)."""
_LEAVES: weakref.WeakSet[threading.Lock] = weakref.WeakSet()
"""The leaf thread locks a fork takes before it forks (``fork_safe``)."""
_taken: list[threading.Lock] = []
"""The leaf locks the fork in progress took (released after it)."""

L = TypeVar("L", bound=threading.Lock)


def open_lock_file(path: str, flags: int = os.O_RDWR | os.O_CREAT, mode: int = 0o666) -> int:
    """``os.open(path, flags | O_CLOEXEC, mode)`` of a file this process is about to lock: a forked
    child closes its copy at once.  Close it with ``close_lock_file``."""
    with _GUARD:
        fd = os.open(path, flags | os.O_CLOEXEC, mode)
        _LOCK_FDS.add(fd)
    return fd


def close_lock_file(fd: int) -> None:
    """Close an fd of ``open_lock_file`` (releasing the locks it holds)."""
    with _GUARD:
        _LOCK_FDS.discard(fd)
        os.close(fd)


def lock_fds() -> frozenset[int]:
    """The lock fds open in this process right now (for tests and diagnostics)."""
    with _GUARD:
        return frozenset(_LOCK_FDS)


def fork_safe(lock: L) -> L:
    """Have a fork take ``lock`` (a leaf lock: see the module docstring) and release it on both
    sides; returns ``lock``."""
    _LEAVES.add(lock)
    return lock


def _before_fork() -> None:
    _GUARD.acquire()
    for lock in list(_LEAVES):
        lock.acquire()
        _taken.append(lock)


def _release_taken() -> None:
    while _taken:
        _taken.pop().release()


def _after_fork_in_parent() -> None:
    _release_taken()
    _GUARD.release()


def _after_fork_in_child() -> None:
    """The child: its copies of the parent's lock fds closed (the locks stay the parent's)."""
    _release_taken()
    for fd in _LOCK_FDS:
        with contextlib.suppress(OSError):
            os.close(fd)
    _LOCK_FDS.clear()
    _GUARD.release()


os.register_at_fork(
    before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child
)

__all__ = ["close_lock_file", "fork_safe", "lock_fds", "open_lock_file"]
