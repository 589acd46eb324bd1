"""A process-shared, robust pthread mutex living inside an object's shared mapping.

Mirrors the kernel's per-map spinlocks/bucket locks, which serialise writers of a map across every
CPU: here the writers are threads and processes that share the map's file, so the lock is a
``pthread_mutex_t`` placed in the file itself (``PTHREAD_PROCESS_SHARED``).  It is robust
(``PTHREAD_MUTEX_ROBUST``): if a holder dies (SIGKILL mid-update) the next locker gets
``EOWNERDEAD``, runs the map's ``recover()`` to repair half-done work, then marks the mutex
consistent with ``pthread_mutex_consistent``.

The lock word is shared memory like the rest of the file, so a process may have written anything
there.  Waiting is therefore never unbounded on a lock nobody can release: the wait is
``pthread_mutex_timedlock`` in one-second steps, and a lock still held, after two steps, by a
thread that does not exist (a forged or stale owner: a holder that really died is reported as
EOWNERDEAD by the kernel's robust futex list) gives up with EUCLEAN.  A lock word the C library
refuses (EINVAL, ENOTRECOVERABLE ...) gives EUCLEAN too.  A live holder is waited for, as the kernel
waits for a spinlock's holder; a thread waiting for a lock it holds itself gets EDEADLK.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from pybpf.errors import BPFError

MUTEX_BYTES = 64
"""Bytes reserved for a ``pthread_mutex_t`` (40 on x86_64/glibc; room for other ABIs)."""

_PTHREAD_PROCESS_SHARED = 1
_PTHREAD_MUTEX_ROBUST = 1
_MUTEXATTR_BYTES = 16


@functools.cache
def _libc() -> Any:
    libc = ctypes.CDLL(None, use_errno=True)
    for name in (
        "pthread_mutex_init",
        "pthread_mutex_lock",
        "pthread_mutex_unlock",
        "pthread_mutex_consistent",
        "pthread_mutexattr_init",
        "pthread_mutexattr_setpshared",
        "pthread_mutexattr_setrobust",
        "pthread_mutexattr_destroy",
    ):
        getattr(libc, name).restype = ctypes.c_int
    return libc


def init_mutex(address: int) -> None:
    """Initialise a shared robust mutex at ``address`` (inside a MAP_SHARED mapping)."""
    libc = _libc()
    attr = ctypes.create_string_buffer(_MUTEXATTR_BYTES)
    checks = (
        libc.pthread_mutexattr_init(attr),
        libc.pthread_mutexattr_setpshared(attr, _PTHREAD_PROCESS_SHARED),
        libc.pthread_mutexattr_setrobust(attr, _PTHREAD_MUTEX_ROBUST),
        libc.pthread_mutex_init(ctypes.c_void_p(address), attr),
    )
    libc.pthread_mutexattr_destroy(attr)
    for rc in checks:
        if rc:
            raise BPFError(rc, "cannot initialise the map lock")


_RELEASING = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
"""A foreign function that releases the GIL while it runs: for calls that may block."""
_TIMED = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
"""``pthread_mutex_timedlock`` (releases the GIL)."""
_WAIT_STEP = 1.0
"""Seconds between two looks at who holds a lock we wait for."""
_TID_MASK = 0x3FFFFFFF
"""The owner's thread id in a robust mutex's futex word (``FUTEX_TID_MASK``)."""


class _Timespec(ctypes.Structure):
    _fields_ = (("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long))


def process_exists(tid: int) -> bool:
    """Whether a thread (or process) ``tid`` exists (``kill(tid, 0)`` answers for thread ids too)."""
    try:
        os.kill(tid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


_HOLDING = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
"""One that keeps the GIL: cheaper, for calls that never block."""


@functools.cache
def _raw_calls() -> tuple[Callable[[int], int], Callable[[int], int], Callable[[int, Any], int]]:
    """``pthread_mutex_trylock`` and ``pthread_mutex_unlock`` keeping the GIL (neither blocks), and
    ``pthread_mutex_timedlock`` releasing it, each taking the mutex address as a plain int.

    Prototype-typed function pointers convert an int argument themselves, cheaper than ctypes'
    generic conversion of a ``c_void_p`` object; not dropping and retaking the GIL around the calls
    that cannot block saves more on the maps' hot paths.  A lock that may wait always releases the
    GIL, or a thread of this process holding the mutex could never run to release it.
    """
    libc = _libc()

    def typed(name: str, prototype: Any) -> Any:
        pointer = ctypes.cast(getattr(libc, name), ctypes.c_void_p).value
        assert pointer is not None
        return prototype(pointer)

    return (
        typed("pthread_mutex_trylock", _HOLDING),
        typed("pthread_mutex_unlock", _HOLDING),
        typed("pthread_mutex_timedlock", _TIMED),
    )


class SharedMutex:
    """Context manager over the mutex at ``address``; ``recover`` repairs state after a dead owner.

    Hot paths may call ``raw_lock(address)`` / ``raw_unlock(address)`` directly (saving the Python
    frames of ``with``) and must then pass a non-zero result of ``raw_lock`` to ``locked_with``.
    ``raw_lock`` only tries (EBUSY when another thread or process holds the mutex); ``locked_with``
    then waits for it.
    """

    def __init__(self, address: int, recover: Callable[[], None]) -> None:
        self.address = address
        self._recover = recover
        self.raw_lock, self.raw_unlock, self._wait = _raw_calls()
        self._consistent = _libc().pthread_mutex_consistent

    def locked_with(self, rc: int) -> None:
        """Finish taking the lock after ``raw_lock`` returned ``rc`` (non-zero).

        ``EBUSY``: wait for it.  ``EOWNERDEAD``: the previous owner died holding it; repair and mark
        consistent (the lock is held on return).  Anything else: the lock is not held, raise.
        """
        if rc == errno.EBUSY:
            rc = self._wait_for()
            if not rc:
                return
        if rc == errno.EOWNERDEAD:
            try:
                self._recover()
            except BaseException:
                self._consistent(ctypes.c_void_p(self.address))
                self.raw_unlock(self.address)  # never leave the lock held by a failed repair
                raise
            self._consistent(ctypes.c_void_p(self.address))
        elif rc:
            raise BPFError(errno.EUCLEAN, f"the map's lock word is corrupted ({os.strerror(rc)})")

    def _wait_for(self) -> int:
        """Wait for the lock (see the module docstring); the result of the last timed lock."""
        stale = 0
        deadline = _Timespec()
        while True:
            now = time.time() + _WAIT_STEP
            deadline.tv_sec, deadline.tv_nsec = int(now), int(now % 1 * 1e9)
            rc: int = self._wait(self.address, ctypes.byref(deadline))
            if rc != errno.ETIMEDOUT:
                return rc
            owner = ctypes.c_int.from_address(self.address).value & _TID_MASK
            if owner == threading.get_native_id():
                raise BPFError(errno.EDEADLK, "this thread already holds the map's lock")
            if owner and not process_exists(owner):
                if owner == stale:
                    raise BPFError(
                        errno.EUCLEAN, f"the map's lock is held by thread {owner}, which does not exist"
                    )
                stale = owner
            else:
                stale = 0

    def __enter__(self) -> None:
        rc = self.raw_lock(self.address)
        if rc:
            self.locked_with(rc)

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.raw_unlock(self.address)
