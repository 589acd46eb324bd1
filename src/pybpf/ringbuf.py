"""``pybpf.RingBuffer``: the user-space consumer of BPF_MAP_TYPE_RINGBUF maps, libbpf-shaped.

Mirrors libbpf's ``ring_buffer__new`` / ``__add`` / ``__poll`` / ``__consume``
(``tools/lib/bpf/ringbuf.c``) on either backend:

* Each ring is mapped as libbpf maps it: the consumer page read-write at offset 0 and the producer
  page plus data read-only at offset PAGE.  A pybpf ringbuf's object file has that same layout
  (``pybpf.maps.ringbuf``), so one code path serves both; the backend is chosen by ``backend=``, by
  the ``Map`` passed in, or by trying ``MapObject.from_fd`` (a pybpf object) before asking the kernel.
* Records are read as libbpf reads them: walk from consumer_pos towards producer_pos, stop at a
  BUSY record, skip DISCARDed ones, and publish the new consumer_pos (one aligned u64 store, a
  release store on x86-64) after each record.  A record that wraps past the end of the data area is
  read in two pieces: pybpf does not map its data twice as the kernel does, and the two-piece read
  is also correct on the kernel's double mapping.
* Waiting: kernel rings are registered with an epoll instance (EPOLLIN, level-triggered, as
  libbpf); a pybpf ring has no wakeup fd, so while one is present ``poll`` sleep-polls, checking the
  rings every 0.5 ms at first and backing off to every 10 ms.
* A pybpf ring is a file other processes may write: positions more than a ring apart, or a record
  running past the producer position, raise EUCLEAN instead of being walked.
* Callbacks take the record as ``bytes``.  Returning None, 0 or False goes on; any other value stops
  consumption after that record (which counts as consumed): ``consume`` / ``poll`` then return that
  value when it is a negative int (libbpf's error return), else the number of records consumed.  An
  exception raised by a callback propagates after the record has been consumed.  Records of a ring
  added without a callback are consumed and dropped by ``consume`` / ``poll``; ``read()`` and
  iteration return records of every ring without calling callbacks.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import mmap
import os
import select
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.kernel.native import native_bpf
from pybpf.maps.object import MapObject

PAGE = mmap.PAGESIZE
_BUSY: int = uapi.BPF_RINGBUF_BUSY_BIT
_DISCARD: int = uapi.BPF_RINGBUF_DISCARD_BIT
_HDR: int = uapi.BPF_RINGBUF_HDR_SZ
_FIRST_SLEEP = 0.0005
_MAX_SLEEP = 0.010

Callback = Callable[[bytes], Any]
"""Called with each record's bytes; a truthy result stops consumption (see the module docstring)."""


def _native_info(fd: int) -> uapi.bpf_map_info:
    info = uapi.bpf_map_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd = fd
    attr.info.info_len = ctypes.sizeof(info)
    attr.info.info = ctypes.addressof(info)
    native_bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return info


def backend_name(backend: Backend | str | None) -> str | None:
    if backend is None or isinstance(backend, str):
        return backend
    return str(backend.name)


def ring_geometry(fd: int, backend: str | None, wanted: int = uapi.BPF_MAP_TYPE_RINGBUF) -> tuple[str, int]:
    """("user" | "native", max_entries) of the ring buffer (of type ``wanted``) behind ``fd``;
    EINVAL for other maps."""
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


class _Ring:
    """One mapped ring: its consumer page, producer page and data, and its callback."""

    def __init__(self, fd: int, backend: str | None, callback: Callback | None) -> None:
        self.backend, self.size = ring_geometry(fd, backend)
        self.mask = self.size - 1
        self.callback = callback
        self.fd = dup_cloexec(fd)
        try:
            self._consumer = mmap.mmap(self.fd, PAGE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
            self._producer = mmap.mmap(
                self.fd, PAGE + 2 * self.size, mmap.MAP_SHARED, mmap.PROT_READ, offset=PAGE
            )
        except OSError:
            if hasattr(self, "_consumer"):
                self._consumer.close()
            os.close(self.fd)
            raise
        self._cons = memoryview(self._consumer).cast("Q")
        self._prod = memoryview(self._producer)
        self._prod_q = self._prod.cast("Q")
        self._prod_i = self._prod.cast("I")

    @property
    def consumer_pos(self) -> int:
        return int(self._cons[0])

    @property
    def producer_pos(self) -> int:
        return int(self._prod_q[0])

    def available(self) -> int:
        """Bytes between consumer_pos and producer_pos (BPF_RB_AVAIL_DATA)."""
        return self.producer_pos - self.consumer_pos

    def take(self) -> bytes | None:
        """The next submitted record (discarded ones skipped and consumed), or None if none is ready."""
        cons_pos = int(self._cons[0])
        prod_pos = int(self._prod_q[0])
        if prod_pos - cons_pos > self.size:  # positions a producer cannot leave: someone wrote them
            raise BPFError(errno.EUCLEAN, "ring buffer positions are corrupted")
        while cons_pos < prod_pos:
            offset = cons_pos & self.mask
            length = int(self._prod_i[(PAGE + offset) // 4])
            if length & _BUSY:
                return None
            size = length & ~_DISCARD
            next_pos = cons_pos + (size + _HDR + 7) // 8 * 8
            if next_pos > prod_pos:
                raise BPFError(errno.EUCLEAN, "a ring buffer record runs past the producer position")
            record = None if length & _DISCARD else self._read((offset + _HDR) & self.mask, size)
            self._cons[0] = next_pos
            if record is not None:
                return record
            cons_pos = next_pos
        return None

    def _read(self, offset: int, size: int) -> bytes:
        start = PAGE + offset
        first = min(size, self.size - offset)
        data = bytes(self._prod[start : start + first])
        if first < size:
            data += bytes(self._prod[PAGE : PAGE + size - first])
        return data

    def close(self) -> None:
        for view in (self._cons, self._prod_q, self._prod_i, self._prod):
            view.release()
        self._consumer.close()
        self._producer.close()
        os.close(self.fd)


def dup_cloexec(fd: int) -> int:
    """A close-on-exec duplicate of ``fd`` (the ring keeps the map alive until closed)."""
    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 0)


class RingBuffer:
    """Consumer of one or more ringbuf maps (``pybpf.Map``, or fds of either backend).

    ``RingBuffer(map_or_fd, callback=None, backend=None)`` then ``add`` more rings; ``poll`` waits
    for records and hands them to the callbacks, ``consume`` does so without waiting, ``read`` and
    iteration return the records themselves.  Use it as a context manager or ``close()`` it.
    """

    def __init__(
        self, map_or_fd: Any, callback: Callback | None = None, *, backend: Backend | str | None = None
    ) -> None:
        self._rings: list[_Ring] = []
        self._epoll = select.epoll()
        self._closed = False
        try:
            self.add(map_or_fd, callback, backend=backend)
        except BaseException:
            self.close()
            raise

    def add(
        self, map_or_fd: Any, callback: Callback | None = None, *, backend: Backend | str | None = None
    ) -> None:
        """Add a ringbuf (``ring_buffer__add``): EINVAL when it is not a BPF_MAP_TYPE_RINGBUF map."""
        self._check_open()
        if hasattr(map_or_fd, "fd") and hasattr(map_or_fd, "backend"):
            fd = int(map_or_fd.fd)
            name = backend_name(backend) or backend_name(map_or_fd.backend)
        elif isinstance(map_or_fd, int) and not isinstance(map_or_fd, bool):
            fd, name = map_or_fd, backend_name(backend)
        else:
            raise TypeError(f"expected a pybpf.Map or an fd, not {type(map_or_fd).__name__}")
        ring = _Ring(fd, name, callback)
        if ring.backend == "native":
            try:
                self._epoll.register(ring.fd, select.EPOLLIN)
            except OSError:
                ring.close()
                raise
        self._rings.append(ring)

    @property
    def epoll_fd(self) -> int:
        """The epoll fd kernel rings are registered with (``ring_buffer__epoll_fd``)."""
        return self._epoll.fileno()

    @property
    def rings(self) -> int:
        return len(self._rings)

    def available(self, index: int = 0) -> int:
        """Unconsumed bytes of ring ``index`` (``ring__avail_data_size``)."""
        return self._rings[index].available()

    def ring_size(self, index: int = 0) -> int:
        """Data area size of ring ``index`` (``ring__size``)."""
        return self._rings[index].size

    def positions(self, index: int = 0) -> tuple[int, int]:
        """(consumer_pos, producer_pos) of ring ``index``."""
        ring = self._rings[index]
        return ring.consumer_pos, ring.producer_pos

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("RingBuffer is closed")

    # --- consuming --------------------------------------------------------------------------------
    def consume(self) -> int:
        """Consume every ready record of every ring without waiting (``ring_buffer__consume``)."""
        self._check_open()
        count = 0
        for ring in self._rings:
            while (record := ring.take()) is not None:
                count += 1
                if ring.callback is None:
                    continue
                result = ring.callback(record)
                if result:
                    if isinstance(result, int) and result < 0:
                        return result
                    return count
        return count

    def _wait(self, deadline: float | None, sleep: float) -> bool:
        """Wait for a wakeup or a sleep-poll step; False once ``deadline`` has passed."""
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return False
        user = any(ring.backend == "user" for ring in self._rings)
        step = sleep if user else remaining
        if step is not None and remaining is not None:
            step = min(step, remaining)
        events = self._epoll.poll(-1 if step is None else step)
        if events and not user:
            time.sleep(_FIRST_SLEEP)  # level-triggered wakeup while the next record is still BUSY
        return True

    def poll(self, timeout_ms: int = -1) -> int:
        """Wait up to ``timeout_ms`` (-1: forever) for records and consume them (``ring_buffer__poll``).

        Returns the number of records consumed (0 on timeout) or a callback's negative result.
        """
        self._check_open()
        deadline = None if timeout_ms < 0 else time.monotonic() + timeout_ms / 1000
        sleep = _FIRST_SLEEP
        while True:
            count = self.consume()
            if count:
                return count
            if not self._wait(deadline, sleep):
                return 0
            sleep = min(sleep * 2, _MAX_SLEEP)

    def records(self) -> Iterator[bytes]:
        """Yield the records ready now, consuming each as it is yielded; callbacks are not called."""
        self._check_open()
        for ring in self._rings:
            while (record := ring.take()) is not None:
                yield record

    def __iter__(self) -> Iterator[bytes]:
        return self.records()

    def read(self, timeout_ms: int = 0) -> list[bytes]:
        """Every ready record, waiting up to ``timeout_ms`` (-1: forever) for the first one."""
        self._check_open()
        deadline = None if timeout_ms < 0 else time.monotonic() + timeout_ms / 1000
        sleep = _FIRST_SLEEP
        while True:
            found = list(self.records())
            if found or not self._wait(deadline, sleep):
                return found
            sleep = min(sleep * 2, _MAX_SLEEP)

    # --- lifetime ---------------------------------------------------------------------------------
    def close(self) -> None:
        """Unmap every ring and close the fds this object holds (``ring_buffer__free``)."""
        if self._closed:
            return
        self._closed = True
        for ring in self._rings:
            ring.close()
        self._rings.clear()
        self._epoll.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> RingBuffer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._rings)} ring(s)"
        return f"RingBuffer({state})"
