"""BPF_MAP_TYPE_USER_RINGBUF: the ring buffer user space produces into and programs drain.

Mirrors the user ring buffer of kernel/bpf/ringbuf.c (``user_ringbuf_map_ops``,
``__bpf_user_ringbuf_peek``, ``__bpf_user_ringbuf_sample_release``, ``bpf_user_ringbuf_drain``),
on the layout and creation rules of ``pybpf.maps.ringbuf`` (the kernel allocates both types with
``ringbuf_map_alloc``): consumer page, producer page, data area, overflow area.  The roles swap:

* user space is the producer (``pybpf.user_ringbuf.UserRingBuffer``, libbpf's ``user_ring_buffer``):
  it writes records (8-byte header with BUSY while reserved, DISCARD when dropped) and publishes
  ``producer_pos``; the program consumes with ``bpf_user_ringbuf_drain`` and advances
  ``consumer_pos``.
* mapping (``ringbuf_map_mmap_user``): the consumer page may not be mapped writable (EPERM); the
  producer page and the data may; nothing past the data area's two copies (EINVAL).
* a sample that wraps past the end of the data area: the kernel's double mapping makes it
  contiguous; pybpf's producer writes it contiguously into the overflow area and copies the
  overflowing tail to the start of the data area at submit (as ``RingBufMap.commit``), and the drain
  refreshes the overflow area from the start of the data area before handing the sample out, so the
  start of the data area is the authoritative copy on both sides.

``peek_sample`` answers as ``__bpf_user_ringbuf_peek``: -EINVAL for a producer position not 8-aligned or a
sample running past it, -ENODATA when empty or the next sample is BUSY, -E2BIG for a sample longer
than the ring or than a dynptr can be, -EAGAIN for a discarded sample (consumed).  ``release_sample``
advances the consumer position past a sample.  Only one drain runs at a time: the kernel's
``rb->busy`` is a robust process-shared mutex in a page after the overflow area that no mapping
reaches (a second drain, even a nested one, gets -EBUSY).
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.maps.base import MapParams
from pybpf.maps.registry import register
from pybpf.maps.ringbuf import (
    BUSY_BIT,
    CONSUMER_POS_AT,
    DATA_AT,
    DISCARD_BIT,
    HDR_SZ,
    PAGE,
    PRODUCER_POS_AT,
    U64_MASK,
    RingBufMap,
    record_length,
)
from pybpf.objects.locking import SharedMutex, init_mutex


@register(uapi.BPF_MAP_TYPE_USER_RINGBUF)
class UserRingBufMap(RingBufMap):
    """The ring with user space producing: the drain side for programs."""

    ring_buffer = False  # the bpf_ringbuf_* helpers refuse it; bpf_user_ringbuf_drain takes it

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.busy_at = DATA_AT + 2 * params.max_entries
        self._busy: SharedMutex | None = None

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return DATA_AT + 2 * params.max_entries + PAGE

    def initialize(self) -> None:
        init_mutex(self._address() + self.busy_at)

    def mmap_check(self, offset: int, length: int, writable: bool) -> None:
        """``ringbuf_map_mmap_user``: the consumer page read-only (EPERM), nothing past the data."""
        if writable and offset == 0:
            raise BPFError(errno.EPERM, "the consumer page of a user ring buffer cannot be mapped writable")
        if offset + length > DATA_AT + 2 * self.max_entries:
            raise BPFError(errno.EINVAL, "mapping past the end of the ring buffer")

    # --- the drain ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def draining(self) -> Iterator[bool]:
        """Hold ``rb->busy`` while the body runs; yields False (and holds nothing) when another
        drain holds it."""
        if self._busy is None:
            self._busy = SharedMutex(self._address() + self.busy_at, lambda: None)
        busy = self._busy
        rc = busy.raw_lock(busy.address)
        if rc == errno.EBUSY:
            yield False
            return
        if rc:
            busy.locked_with(rc)  # a drainer that died: take over; anything else is EUCLEAN
        try:
            yield True
        finally:
            busy.raw_unlock(busy.address)

    def peek_sample(self, max_size: int) -> tuple[int, int] | int:
        """``__bpf_user_ringbuf_peek``: (storage offset, size) of the next sample, or -errno;
        ``max_size`` is the largest sample a dynptr can hold (``bpf_dynptr_check_size``)."""
        q = self._u64
        prod_pos = int(q[PRODUCER_POS_AT // 8])
        if prod_pos % 8:
            return -errno.EINVAL
        cons_pos = int(q[CONSUMER_POS_AT // 8])
        if cons_pos >= prod_pos:
            return -errno.ENODATA
        hdr_len = self.header(cons_pos)[0]
        flags = hdr_len & (BUSY_BIT | DISCARD_BIT)
        size = hdr_len & ~flags
        total = record_length(size)
        if total > prod_pos - cons_pos:
            return -errno.EINVAL
        if total > self.max_entries or size > max_size:
            return -errno.E2BIG
        if flags & DISCARD_BIT:
            q[CONSUMER_POS_AT // 8] = (cons_pos + total) & U64_MASK
            return -errno.EAGAIN
        if flags & BUSY_BIT:
            return -errno.ENODATA
        offset = DATA_AT + ((cons_pos + HDR_SZ) & self.mask)
        overflow = offset + size - self.data_end
        if overflow > 0:  # the tail lives at the start of the data area: make the sample contiguous
            self.mem[self.data_end : self.data_end + overflow] = self.mem[DATA_AT : DATA_AT + overflow]
        return offset, size

    def release_sample(self, size: int) -> None:
        """``__bpf_user_ringbuf_sample_release``: the consumer position past a sample of ``size``."""
        q = self._u64
        q[CONSUMER_POS_AT // 8] = (int(q[CONSUMER_POS_AT // 8]) + record_length(size)) & U64_MASK
