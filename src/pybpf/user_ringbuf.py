"""``pybpf.UserRingBuffer``: the user-space producer of BPF_MAP_TYPE_USER_RINGBUF maps, libbpf-shaped.

Mirrors libbpf's ``user_ring_buffer__new`` / ``__reserve`` / ``__submit`` / ``__discard`` /
``__free`` (tools/lib/bpf/ringbuf.c) on either backend; programs consume with
``bpf_user_ringbuf_drain``:

* the ring is mapped as libbpf maps it: the consumer page read-only at offset 0, the producer page
  and the data read-write at offset PAGE (a pybpf user ring buffer's object file has that layout,
  ``pybpf.maps.user_ringbuf``); a map of another type is EINVAL.
* ``reserve(size)`` gives a writable ``memoryview`` of ``size`` bytes: E2BIG when ``size`` has one of
  the header's flag bits or its record (8-byte header, rounded up to 8) exceeds the ring, ENOSPC
  when the consumer has not freed room for it.  The record header is written with BUSY and the
  producer position published at once, as libbpf does, so records are submitted or discarded in
  any order but consumed in reservation order.
* ``submit(sample)`` / ``discard(sample)`` clear BUSY (and set DISCARD): the drain then hands the
  sample to the program, or skips it.  A sample that wraps past the end of the data area is one
  contiguous view (the kernel maps the data twice; pybpf's view runs into the overflow area and
  ``submit`` copies the tail to the start of the data area, a copy onto itself on the kernel's
  double mapping).
* one producer at a time, as libbpf requires; ``close()`` (or the context manager) unmaps the ring.
  Samples not submitted when the ring is closed stay BUSY and stall the consumer, as in libbpf.
"""

from __future__ import annotations

import errno
import mmap
from typing import Any

from pybpf import uapi
from pybpf.buffers import PAGE, MapBuffer, RingMapping, map_fd_and_backend, map_geometry
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend

_BUSY: int = uapi.BPF_RINGBUF_BUSY_BIT
_DISCARD: int = uapi.BPF_RINGBUF_DISCARD_BIT
_HDR: int = uapi.BPF_RINGBUF_HDR_SZ


class UserRingBuffer(MapBuffer):
    """Producer into one user ring buffer (a ``pybpf.Map`` or an fd of either backend)."""

    def __init__(self, map_or_fd: Any, *, backend: Backend | str | None = None) -> None:
        fd, name = map_fd_and_backend(map_or_fd, backend)
        self.backend, self.size = map_geometry(fd, name, uapi.BPF_MAP_TYPE_USER_RINGBUF)
        self.mask = self.size - 1
        self._pending: dict[int, tuple[memoryview, int]] = {}
        self._ring = RingMapping(fd, self.size, mmap.PROT_READ, mmap.PROT_READ | mmap.PROT_WRITE)
        self.fd = self._ring.fd
        """The duplicate of the map's fd this object holds."""

    @property
    def consumer_pos(self) -> int:
        return self._ring.consumer_pos

    @property
    def producer_pos(self) -> int:
        return self._ring.producer_pos

    def available(self) -> int:
        """Bytes free for new records (the ring less what the consumer has not released)."""
        return self.size - (self.producer_pos - self.consumer_pos)

    def reserve(self, size: int) -> memoryview:
        """``user_ring_buffer__reserve``: a writable view of a new sample's ``size`` bytes."""
        self._check_open()
        if size < 0 or size & (_BUSY | _DISCARD) or size > 0xFFFFFFFF:
            raise BPFError(errno.E2BIG, f"a sample of {size} bytes")
        cons_pos, prod_pos = self.consumer_pos, self.producer_pos
        total = (size + _HDR + 7) // 8 * 8
        if total > self.size:
            raise BPFError(errno.E2BIG, f"a sample of {size} bytes does not fit a ring of {self.size}")
        if self.size - (prod_pos - cons_pos) < total:
            raise BPFError(errno.ENOSPC, "no room in the user ring buffer")
        hdr = PAGE + (prod_pos & self.mask)
        self._ring.prod_i[hdr // 4 + 1] = 0
        self._ring.prod_i[hdr // 4] = size | _BUSY
        self._ring.prod_q[0] = prod_pos + total
        start = PAGE + ((prod_pos + _HDR) & self.mask)
        view = self._ring.prod[start : start + size]
        self._pending[id(view)] = (view, hdr)
        return view

    def _commit(self, sample: memoryview, discard: bool) -> None:
        self._check_open()
        found = self._pending.pop(id(sample), None)
        if found is None or found[0] is not sample:
            raise ValueError("not a sample this user ring buffer reserved and still holds")
        view, hdr = found
        start, end = PAGE + self.size, PAGE + ((hdr - PAGE + _HDR) & self.mask) + len(view)
        if not discard and end > start:  # a sample that wraps: its tail to the start of the data
            self._ring.prod[PAGE : PAGE + end - start] = self._ring.prod[start:end]
        view.release()
        length = int(self._ring.prod_i[hdr // 4]) & ~_BUSY
        self._ring.prod_i[hdr // 4] = length | (_DISCARD if discard else 0)

    def submit(self, sample: memoryview) -> None:
        """``user_ring_buffer__submit``: hand the sample to the drain."""
        self._commit(sample, False)

    def discard(self, sample: memoryview) -> None:
        """``user_ring_buffer__discard``: the drain skips the sample."""
        self._commit(sample, True)

    def write(self, data: bytes) -> None:
        """Reserve, fill and submit one sample holding ``data``."""
        sample = self.reserve(len(data))
        sample[:] = data
        self.submit(sample)

    # --- lifetime ---------------------------------------------------------------------------------
    def _release(self) -> None:
        """``user_ring_buffer__free``: unmap the ring and close the fd this object holds."""
        for view, _ in self._pending.values():
            view.release()
        self._pending.clear()
        self._ring.close()

    def __repr__(self) -> str:
        return (
            "UserRingBuffer(closed)" if self._closed else f"UserRingBuffer({self.size} bytes, {self.backend})"
        )
