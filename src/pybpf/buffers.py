"""What pybpf's user-space buffers over BPF maps share: the map they take, its mapping, waiting, lifetime.

``pybpf.RingBuffer`` (ringbuf.py), ``pybpf.UserRingBuffer`` (user_ringbuf.py) and ``pybpf.PerfBuffer``
(perfbuf.py) mirror libbpf's ``ring_buffer``, ``user_ring_buffer`` and ``perf_buffer``
(tools/lib/bpf/ringbuf.c, libbpf.c) on either backend.  Each takes a map the same way
(``map_fd_and_backend``: a ``pybpf.Map`` or an fd, and a backend named or guessed), checks its type
the same way (``map_geometry``: a pybpf object first, else the kernel's ``bpf_map_info``; EINVAL for
another type), and is a context manager with ``close()`` / ``closed`` (``MapBuffer``).  The two ring
buffers map a ring the same way (``RingMapping``: the consumer page at offset 0, the producer page
and data at offset PAGE, as libbpf maps them), and the two readers wait the same way
(``Waiter``: kernel fds wake an epoll instance; pybpf's rings have no wakeup fd, so while one is
present the wait sleep-polls, every 0.5 ms at first and backing off to every 10 ms).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import mmap
import os
import select
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.kernel.native import native_bpf
from pybpf.maps.object import MapObject

PAGE = mmap.PAGESIZE
FIRST_SLEEP = 0.0005
"""Seconds of the first sleep-poll step (pybpf rings have no wakeup)."""
MAX_SLEEP = 0.010
"""Seconds the sleep-poll steps back off to."""
_T = TypeVar("_T")
_Self = TypeVar("_Self", bound="MapBuffer")


def backend_name(backend: Backend | str | None) -> str | None:
    """The name ("user", "native") of ``backend``, given as a name or a backend; None: not given."""
    if backend is None or isinstance(backend, str):
        return backend
    return str(backend.name)


def map_fd_and_backend(map_or_fd: Any, backend: Backend | str | None) -> tuple[int, str | None]:
    """(fd, backend name or None) of a ``pybpf.Map`` (its own backend unless ``backend`` is given) or
    of an fd; TypeError for anything else."""
    if hasattr(map_or_fd, "fd") and hasattr(map_or_fd, "backend"):
        return int(map_or_fd.fd), backend_name(backend) or backend_name(map_or_fd.backend)
    if isinstance(map_or_fd, int) and not isinstance(map_or_fd, bool):
        return map_or_fd, backend_name(backend)
    raise TypeError(f"expected a pybpf.Map or an fd, not {type(map_or_fd).__name__}")


def _native_info(fd: int) -> uapi.bpf_map_info:
    info = uapi.bpf_map_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd = fd
    attr.info.info_len = ctypes.sizeof(info)
    attr.info.info = ctypes.addressof(info)
    native_bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return info


def map_geometry(fd: int, backend: str | None, wanted: int) -> tuple[str, int]:
    """("user" | "native", max_entries) of the map of type ``wanted`` behind ``fd``; EINVAL for a map
    of another type.  Without a backend, a pybpf object is tried before the kernel."""
    if backend not in (None, "user", "native"):
        raise ValueError(f"unknown pybpf backend {backend!r} (expected 'user' or 'native')")
    map_type, max_entries = -1, 0
    if backend in (None, "user"):
        try:
            obj = MapObject.from_fd(fd)
            backend = "user"
            map_type, max_entries = obj.params.map_type, obj.params.max_entries
        except BPFError as exc:
            if backend == "user" or exc.errno != errno.EINVAL:
                raise
    if backend != "user":
        info = _native_info(fd)
        backend = "native"
        map_type, max_entries = info.type, info.max_entries
    if map_type != wanted:
        name = uapi.bpf_map_type(wanted).name
        raise BPFError(errno.EINVAL, f"fd {fd} is not a {name} map (type {map_type})")
    return backend, max_entries


def dup_cloexec(fd: int) -> int:
    """A close-on-exec duplicate of ``fd`` (a buffer keeps its map alive until closed)."""
    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 0)


class RingMapping:
    """A ring buffer map mapped as libbpf maps it, through a duplicate of its fd (``self.fd``): the
    consumer page at offset 0 (``consumer_prot``) and the producer page plus twice ``size`` bytes of
    data at offset PAGE (``producer_prot``), with u64 / u32 / byte views of them."""

    def __init__(self, fd: int, size: int, consumer_prot: int, producer_prot: int) -> None:
        self.fd = dup_cloexec(fd)
        try:
            self._consumer = mmap.mmap(self.fd, PAGE, mmap.MAP_SHARED, consumer_prot)
            try:
                self._producer = mmap.mmap(
                    self.fd, PAGE + 2 * size, mmap.MAP_SHARED, producer_prot, offset=PAGE
                )
            except OSError:
                self._consumer.close()
                raise
        except OSError:
            os.close(self.fd)
            raise
        self.cons = memoryview(self._consumer).cast("Q")
        """The consumer page as u64s: ``cons[0]`` is consumer_pos."""
        self.prod = memoryview(self._producer)
        """The producer page and the data (at offset PAGE), as bytes."""
        self.prod_q = self.prod.cast("Q")
        """The same as u64s: ``prod_q[0]`` is producer_pos."""
        self.prod_i = self.prod.cast("I")
        """The same as u32s (record headers)."""

    @property
    def consumer_pos(self) -> int:
        return int(self.cons[0])

    @property
    def producer_pos(self) -> int:
        return int(self.prod_q[0])

    def close(self) -> None:
        """Unmap the ring and close the fd (views taken of ``prod`` must be released first)."""
        for view in (self.cons, self.prod_q, self.prod_i, self.prod):
            view.release()
        self._consumer.close()
        self._producer.close()
        os.close(self.fd)


class Waiter:
    """Waiting for records: an epoll instance for the kernel's fds, sleep-polling for pybpf's."""

    def __init__(self, *, busy_records: bool = False) -> None:
        self.epoll = select.epoll()
        self.busy_records = busy_records
        """Whether a wakeup may come while the next record is still being written (ring buffers:
        BUSY), so a woken wait lets the producer finish for a moment first."""

    def register(self, fd: int) -> None:
        """Be woken when kernel fd ``fd`` has data (EPOLLIN, level-triggered, as libbpf)."""
        self.epoll.register(fd, select.EPOLLIN)

    def wait(self, deadline: float | None, sleep: float, *, sleep_polls: bool) -> bool:
        """Wait for a wakeup, or for one sleep-poll step of ``sleep`` seconds while ``sleep_polls``
        (some buffer is pybpf's); False, at once, once ``deadline`` (``time.monotonic``) has passed."""
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return False
        step = sleep if sleep_polls else remaining
        if step is not None and remaining is not None:
            step = min(step, remaining)
        events = self.epoll.poll(-1 if step is None else step)
        if events and not sleep_polls and self.busy_records:
            time.sleep(FIRST_SLEEP)  # level-triggered wakeup while the next record is still BUSY
        return True

    def until(self, take: Callable[[], _T], timeout_ms: int, *, sleep_polls: Callable[[], bool]) -> _T:
        """``take()`` until it gives something true, waiting up to ``timeout_ms`` (-1: forever) in
        between; its last answer (false on timeout)."""
        deadline = None if timeout_ms < 0 else time.monotonic() + timeout_ms / 1000
        sleep = FIRST_SLEEP
        while True:
            found = take()
            if found or not self.wait(deadline, sleep, sleep_polls=sleep_polls()):
                return found
            sleep = min(sleep * 2, MAX_SLEEP)

    def close(self) -> None:
        self.epoll.close()


class MapBuffer:
    """The lifetime of a buffer over a map: ``close()`` once (``_release`` does the work), ``closed``,
    the context manager, and ``_check_open`` (ValueError naming the class once closed)."""

    _closed = False

    def _release(self) -> None:
        """Let go of everything the buffer holds (called once, by ``close``)."""
        raise NotImplementedError

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._release()

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"{type(self).__name__} is closed")

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
