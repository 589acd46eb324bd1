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
  running past the producer position, raise EUCLEAN instead of being walked.  A BUSY record whose
  producer process has died (killed between reserve and commit) is discarded there and then
  (``RingBufMap.reclaim``) rather than waited for.
* Callbacks take the record as ``bytes``.  Returning None, 0 or False goes on; any other value stops
  consumption after that record (which counts as consumed): ``consume`` / ``poll`` then return that
  value when it is a negative int (libbpf's error return), else the number of records consumed.  An
  exception raised by a callback propagates after the record has been consumed.  Records of a ring
  added without a callback are consumed and dropped by ``consume`` / ``poll``; ``read()`` and
  iteration return records of every ring without calling callbacks.
"""

from __future__ import annotations

import errno
import mmap
from collections.abc import Callable, Iterator
from typing import Any

from pybpf import uapi
from pybpf.buffers import (
    PAGE,
    MapBuffer,
    RingMapping,
    Waiter,
    map_fd_and_backend,
    map_geometry,
)
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.maps.object import MapObject
from pybpf.maps.ringbuf import RingBufMap

_BUSY: int = uapi.BPF_RINGBUF_BUSY_BIT
_DISCARD: int = uapi.BPF_RINGBUF_DISCARD_BIT
_HDR: int = uapi.BPF_RINGBUF_HDR_SZ

Callback = Callable[[bytes], Any]
"""Called with each record's bytes; a truthy result stops consumption (see the module docstring)."""


class _Ring(RingMapping):
    """One mapped ring: its consumer page, producer page and data, and its callback."""

    def __init__(self, fd: int, backend: str | None, callback: Callback | None) -> None:
        self.backend, self.size = map_geometry(fd, backend, uapi.BPF_MAP_TYPE_RINGBUF)
        self.mask = self.size - 1
        self.callback = callback
        super().__init__(fd, self.size, mmap.PROT_READ | mmap.PROT_WRITE, mmap.PROT_READ)

    def available(self) -> int:
        """Bytes between consumer_pos and producer_pos (BPF_RB_AVAIL_DATA)."""
        return self.producer_pos - self.consumer_pos

    def take(self) -> bytes | None:
        """The next submitted record (discarded ones skipped and consumed), or None if none is ready."""
        cons_pos = int(self.cons[0])
        prod_pos = int(self.prod_q[0])
        if prod_pos - cons_pos > self.size:  # positions a producer cannot leave: someone wrote them
            raise BPFError(errno.EUCLEAN, "ring buffer positions are corrupted")
        while cons_pos < prod_pos:
            offset = cons_pos & self.mask
            length = int(self.prod_i[(PAGE + offset) // 4])
            if length & _BUSY:
                if not self._reclaimed(cons_pos):
                    return None
                length = int(self.prod_i[(PAGE + offset) // 4])
            size = length & ~_DISCARD
            next_pos = cons_pos + (size + _HDR + 7) // 8 * 8
            if next_pos > prod_pos:
                raise BPFError(errno.EUCLEAN, "a ring buffer record runs past the producer position")
            record = None if length & _DISCARD else self._read((offset + _HDR) & self.mask, size)
            self.cons[0] = next_pos
            if record is not None:
                return record
            cons_pos = next_pos
        return None

    def _reclaimed(self, position: int) -> bool:
        """Whether the BUSY record at ``position`` of a pybpf ring was reserved by a process that has
        died since, and is now discarded (``RingBufMap.reclaim``)."""
        if self.backend != "user":
            return False
        impl = MapObject.from_fd(self.fd).impl
        return isinstance(impl, RingBufMap) and impl.reclaim(position)

    def _read(self, offset: int, size: int) -> bytes:
        start = PAGE + offset
        first = min(size, self.size - offset)
        data = bytes(self.prod[start : start + first])
        if first < size:
            data += bytes(self.prod[PAGE : PAGE + size - first])
        return data


class RingBuffer(MapBuffer):
    """Consumer of one or more ringbuf maps (``pybpf.Map``, or fds of either backend).

    ``RingBuffer(map_or_fd, callback=None, backend=None)`` then ``add`` more rings; ``poll`` waits
    for records and hands them to the callbacks, ``consume`` does so without waiting, ``read`` and
    iteration return the records themselves.  Use it as a context manager or ``close()`` it.
    """

    def __init__(
        self, map_or_fd: Any, callback: Callback | None = None, *, backend: Backend | str | None = None
    ) -> None:
        self._rings: list[_Ring] = []
        self._waiter = Waiter(busy_records=True)
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
        fd, name = map_fd_and_backend(map_or_fd, backend)
        ring = _Ring(fd, name, callback)
        if ring.backend == "native":
            try:
                self._waiter.register(ring.fd)
            except OSError:
                ring.close()
                raise
        self._rings.append(ring)

    @property
    def epoll_fd(self) -> int:
        """The epoll fd kernel rings are registered with (``ring_buffer__epoll_fd``)."""
        return self._waiter.epoll.fileno()

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

    def _sleep_polls(self) -> bool:
        return any(ring.backend == "user" for ring in self._rings)

    def poll(self, timeout_ms: int = -1) -> int:
        """Wait up to ``timeout_ms`` (-1: forever) for records and consume them (``ring_buffer__poll``).

        Returns the number of records consumed (0 on timeout) or a callback's negative result.
        """
        self._check_open()
        return self._waiter.until(self.consume, timeout_ms, sleep_polls=self._sleep_polls)

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
        return self._waiter.until(lambda: list(self.records()), timeout_ms, sleep_polls=self._sleep_polls)

    # --- lifetime ---------------------------------------------------------------------------------
    def _release(self) -> None:
        """Unmap every ring and close the fds this object holds (``ring_buffer__free``)."""
        for ring in self._rings:
            ring.close()
        self._rings.clear()
        self._waiter.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._rings)} ring(s)"
        return f"RingBuffer({state})"


__all__ = ["Callback", "RingBuffer"]
