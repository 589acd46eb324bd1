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

The same goes for a thread lock (``threading.Lock``, ``RLock``) another thread holds at the fork: in
the child nobody is left to release it, and the next user of that lock in the child waits forever
(measured: a fork while the timer thread ran a callback left the child's ``Memory.lock`` held, and
its first ``BPF_PROG_TEST_RUN`` hung).  ``fork_safe(lock)`` registers a lock of pybpf; every lock
pybpf makes is registered (``tests/objects/test_fork_locks.py`` checks the source) but two, which
re-create themselves in a child instead because the layer they live in comes before this one or
their whole state is dropped there (``pybpf.isa.instruction``'s decode cache, the timers' lock).
The fork takes every registered lock -- the address spaces' ``Memory.lock`` (so a fork waits for
the program runs and timer callbacks in progress), the caches', the helpers' and kfuncs' tables,
the guard of the lock fds -- and both sides release them after, so the child gets them free and
the structures they guard whole.  The fork never waits while holding one: it tries them all
without waiting, and when one is busy it releases what it took and waits for that one alone
(then tries the rest again), so no order among them is needed and a holder that takes a second
lock cannot deadlock with the fork.  A lock still busy after ``FORK_WAIT`` seconds (a holder that
waits for something of the forking thread's) is left out: the fork goes on, and the child gets a
new, free lock in its place (``_at_fork_reinit``, as the standard library does for its own).

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
(``files.locked_directory``), a stream's file, the trace file's locks.  (The thread locks need no
order: see above.)
Every one of them is a lock the kernel drops when its holder dies (``flock`` and OFD locks go with
the last fd of their description; the map mutexes are robust: the next locker repairs the map),
so a process killed while holding one stops nobody; only a live holder -- such as a forked child
that inherited it -- can.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import Protocol, TypeVar

FORK_WAIT = 10.0
"""Seconds a fork waits for the registered locks before it goes on without the busy ones."""


class ThreadLock(Protocol):
    """What ``fork_safe`` needs of a lock: ``threading.Lock`` and ``threading.RLock`` both are."""

    def acquire(self, blocking: bool = ..., timeout: float = ...) -> bool: ...

    def release(self) -> None: ...


_GUARD = threading.Lock()
"""Held while a lock fd is opened and remembered, or forgotten and closed, and across a fork."""
_LOCK_FDS: set[int] = set()
"""The fds of this process opened to take a lock of a root's shared file (``open_lock_file``)."""
_REGISTERED: weakref.WeakSet[ThreadLock] = weakref.WeakSet()
"""The thread locks a fork takes before it forks (``fork_safe``)."""
_taken: list[ThreadLock] = []
"""The locks the fork in progress took (released on both sides after it)."""
_missed: list[ThreadLock] = []
"""The locks the fork in progress could not take in time (new ones in the child)."""

L = TypeVar("L", bound=ThreadLock)


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
    """Have a fork take ``lock`` and release it on both sides (see the module docstring); returns
    ``lock``.  The registration lasts as long as the lock."""
    _REGISTERED.add(lock)
    return lock


def registered(lock: ThreadLock) -> bool:
    """Whether a fork takes ``lock`` (for tests and diagnostics)."""
    return lock in _REGISTERED


def _take_all(locks: list[ThreadLock], deadline: float) -> list[ThreadLock]:
    """Take every lock of ``locks`` into ``_taken``, never waiting for one while holding another (a
    busy one is waited for alone, then the rest are tried again); the ones still busy at
    ``deadline`` are returned instead."""
    missed: list[ThreadLock] = []
    pending = list(locks)
    while pending:
        busy = None
        for lock in pending:
            if lock.acquire(False):
                _taken.append(lock)
            else:
                busy = lock
                break
        if busy is None:
            return missed
        while _taken:  # wait for the busy one holding nothing
            _taken.pop().release()
        if busy.acquire(True, max(deadline - time.monotonic(), 0.0)):
            _taken.append(busy)
        else:
            missed.append(busy)
        pending = [lock for lock in locks if lock not in _taken and lock not in missed]
    return missed


def _registered_now() -> list[ThreadLock]:
    """The registered locks (another thread may register one meanwhile: copied again then)."""
    while True:
        try:
            return list(_REGISTERED)
        except RuntimeError:  # (the set changed size during the copy)
            continue


def _before_fork() -> None:
    locks: list[ThreadLock] = [_GUARD, *_registered_now()]
    _missed.extend(_take_all(locks, time.monotonic() + FORK_WAIT))


def _release_taken() -> None:
    while _taken:
        _taken.pop().release()


def _after_fork_in_parent() -> None:
    _release_taken()
    _missed.clear()


def _after_fork_in_child() -> None:
    """The child: every registered lock free, its copies of the parent's lock fds closed (the
    locks stay the parent's)."""
    _release_taken()
    while _missed:  # held by a thread of the parent that the child does not have
        reinit: Callable[[], None] = getattr(_missed.pop(), "_at_fork_reinit")  # noqa: B009
        reinit()  # (CPython's Lock and RLock both have it; typeshed does not say so)
    with _GUARD:
        for fd in _LOCK_FDS:
            with contextlib.suppress(OSError):
                os.close(fd)
        _LOCK_FDS.clear()


os.register_at_fork(
    before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child
)

__all__ = [
    "FORK_WAIT",
    "ThreadLock",
    "close_lock_file",
    "fork_safe",
    "lock_fds",
    "open_lock_file",
    "registered",
]
