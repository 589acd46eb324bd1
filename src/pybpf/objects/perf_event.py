"""BPF output perf events as files: the ring ``bpf_perf_event_output`` writes into, shared by mmap.

Mirrors a ``perf_event_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_BPF_OUTPUT)`` event of one CPU with
``sample_type = PERF_SAMPLE_RAW`` and its ring buffer (kernel/events/ring_buffer.c, core.c):

* The object is an ``O_TMPFILE`` file in the bpffs-like root (like maps and programs, see
  ``pybpf.maps.object``) laid out exactly as the kernel's mmap of the event: the
  ``struct perf_event_mmap_page`` control page at offset 0 (``data_head``, ``data_tail``,
  ``data_offset`` = PAGE, ``data_size`` = pages * PAGE, ``size`` = 96, ``cap_bit0_is_deprecated``, as
  ``perf_event_init_userpage`` leaves them), then 2^n data pages, so ``mmap(fd, (1 + n) * PAGE)``
  is what a perf reader maps.  One trailer page follows: the common object header (magic, version,
  kind), the CPU, the number of data pages, the object id, the pending lost count and the producer
  lock (a robust process-shared mutex, the kernel's per-CPU exclusion).
* ``output`` is ``perf_output_begin`` + ``perf_output_sample`` + ``perf_output_end`` for one
  PERF_RECORD_SAMPLE (misc PERF_RECORD_MISC_KERNEL, as for every BPF output): room is
  ``CIRC_SPACE(head, tail, size)`` (one byte always free); a record that does not fit is counted
  as lost and the helper gets -ENOSPC; the next record that fits is preceded by one PERF_RECORD_LOST
  (misc 0, the event's id, the count), as ``perf_output_begin`` does when ``rb->lost`` is non-zero.
  Records wrap around the end of the data area byte by byte; ``data_head`` is published with one
  aligned u64 store after the record's bytes (a release on x86-64), and ``data_tail`` is whatever
  the reader last stored.
* Every fd handed out is marked as a user (``refs.hold``); a PERF_EVENT_ARRAY holds its events by
  hard links in its reference directory (kind "perf"), so an event lives while a slot holds it.
  Like a map, each event has its own reference directory ``perf-<id>`` with a ``self`` link, which
  ``refs.collect`` removes once no fd uses the event and no array holds it.

The whole file is backed with memory at creation (``pybpf.objects.backing``: ENOMEM there, never
SIGBUS later).  The positions are shared memory any holder may overwrite: ``data_head`` and the lost
count are stored modulo 2^64 and the record's place is always taken modulo the data size, so garbage
there can lose or garble records but never fault or stall the producer.

Deliberate difference: the kernel skips the padding after raw data (stale ring bytes remain there);
pybpf writes zeros.  There is no wakeup: readers poll ``data_head``.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
import stat
import struct
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import ClassVar

from pybpf.errors import BPFError
from pybpf.objects import refs
from pybpf.objects.backing import reserve_file
from pybpf.objects.cache import ObjectCache
from pybpf.objects.files import MAGIC, PAGE, VERSION, allocation_failure, bpffs_root, map_file, next_object_id
from pybpf.objects.forking import fork_safe
from pybpf.objects.locking import MUTEX_BYTES, SharedMutex, init_mutex
from pybpf.objects.perf_abi import (
    CAP_BIT0_IS_DEPRECATED,
    CAPABILITIES_AT,
    DATA_HEAD_AT,
    DATA_OFFSET_AT,
    DATA_SIZE_AT,
    DATA_TAIL_AT,
    HEADER,
    LOST,
    PERF_RECORD_LOST,
    PERF_RECORD_MISC_KERNEL,
    PERF_RECORD_SAMPLE,
    USERPAGE_SIZE,
    USERPAGE_SIZE_AT,
    check_pages,
)

KIND_PERF = 16
"""Object kind of a perf event file (maps 1, programs 2, BTF 3)."""
_TRAILER = struct.Struct("<8sIIIIIxxxxQ")  # magic, version, kind, cpu, pages, id, lost
_LOST_AT = _TRAILER.size - 8
_LOCK_AT = 128
_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")
_U64_MASK = (1 << 64) - 1
MAX_RECORD = 0xFFFF
"""``perf_event_header.size`` is a u16: pybpf refuses larger samples with -E2BIG."""


class PerfEventObject:
    """One BPF output perf event as this process sees it: its shared mapping and trailer."""

    _cache: ClassVar[ObjectCache[tuple[int, int], PerfEventObject]] = ObjectCache("perf", 256)
    """Mappings kept per process (``pybpf.objects.cache``)."""

    def __init__(self, mm: mmap.mmap) -> None:
        self.mm = mm
        size = len(mm)
        self.trailer_at = size - PAGE
        _, _, _, cpu, pages, obj_id, _ = _TRAILER.unpack_from(mm, self.trailer_at)
        if pages <= 0 or pages & (pages - 1) or (pages + 2) * PAGE != size:
            raise BPFError(errno.EUCLEAN, f"perf event file of {size} bytes claims {pages} data pages")
        self.cpu: int = cpu
        self.pages: int = pages
        self.id: int = obj_id
        self.data_size = pages * PAGE
        self._view = memoryview(mm)
        base = ctypes.addressof(ctypes.c_char.from_buffer(mm))
        self.lock = SharedMutex(base + self.trailer_at + _LOCK_AT, lambda: None)

    # --- creation and lookup ----------------------------------------------------------------
    @classmethod
    def create(cls, cpu: int, pages: int) -> int:
        """A new event for ``cpu`` with ``pages`` (a power of 2) data pages: a new O_RDWR fd."""
        check_pages(pages)
        if cpu < 0:
            raise BPFError(errno.EINVAL, f"cpu {cpu}")
        root = bpffs_root()
        size = (1 + pages + 1) * PAGE
        fd = refs.new_object_file(root, 0o600)
        try:
            os.ftruncate(fd, size)
            reserve_file(fd, 0, size)  # backed now: no later write may fault (pybpf.objects.backing)
            mm = map_file(fd, size)
        except OSError as exc:
            os.close(fd)
            raise allocation_failure(exc, "cannot allocate the perf buffer") from exc
        _U64.pack_into(mm, CAPABILITIES_AT, CAP_BIT0_IS_DEPRECATED)
        _U32.pack_into(mm, USERPAGE_SIZE_AT, USERPAGE_SIZE)
        _U64.pack_into(mm, DATA_OFFSET_AT, PAGE)
        _U64.pack_into(mm, DATA_SIZE_AT, pages * PAGE)
        trailer_at = size - PAGE
        obj_id = next_object_id("perf", root)
        _TRAILER.pack_into(mm, trailer_at, MAGIC, VERSION, KIND_PERF, cpu, pages, obj_id, 0)
        init_mutex(ctypes.addressof(ctypes.c_char.from_buffer(mm)) + trailer_at + _LOCK_AT)
        # The anchor link: an O_TMPFILE file whose last link went away can never be linked again,
        # so an event put into an array, deleted and put back needs a name of its own meanwhile.
        refs.register_holder(root, "perf", obj_id, fd)
        st = os.fstat(fd)
        cls._remember((st.st_dev, st.st_ino), cls(mm))
        return fd  # marked as a user since its creation

    @classmethod
    def _remember(cls, key: tuple[int, int], obj: PerfEventObject) -> PerfEventObject:
        return cls._cache.remember(key, obj, bpffs_root(), obj.id)

    @classmethod
    def from_fd(cls, fd: int) -> PerfEventObject:
        """The event ``fd`` refers to; EBADF for a closed fd and for any other file (``perf_event_get``)."""
        try:
            st = os.fstat(fd)
        except (OSError, OverflowError) as exc:
            raise BPFError(errno.EBADF, f"fd {fd} is not open") from exc
        key = (st.st_dev, st.st_ino)
        found = cls._cache.peek(key)
        if found is not None:
            return found
        invalid = BPFError(errno.EBADF, f"fd {fd} is not a perf event")
        if not stat.S_ISREG(st.st_mode) or st.st_size < 3 * PAGE or st.st_size % PAGE:
            raise invalid
        try:
            raw = os.pread(fd, _TRAILER.size, st.st_size - PAGE)
        except OSError:
            raise invalid from None
        if len(raw) != _TRAILER.size or raw[:8] != MAGIC or _TRAILER.unpack(raw)[2] != KIND_PERF:
            raise invalid
        return cls._remember(key, cls(map_file(fd, st.st_size)))

    # --- the control page -------------------------------------------------------------------
    @property
    def data_head(self) -> int:
        return int(_U64.unpack_from(self.mm, DATA_HEAD_AT)[0])

    @property
    def data_tail(self) -> int:
        return int(_U64.unpack_from(self.mm, DATA_TAIL_AT)[0])

    @property
    def lost(self) -> int:
        """Records lost since the last PERF_RECORD_LOST was written (the kernel's ``rb->lost``)."""
        return int(_U64.unpack_from(self.mm, self.trailer_at + _LOST_AT)[0])

    def _put(self, pos: int, data: bytes) -> int:
        """Write ``data`` at ring position ``pos`` (wrapping); returns the position after it."""
        offset = pos & (self.data_size - 1)
        first = min(len(data), self.data_size - offset)
        self._view[PAGE + offset : PAGE + offset + first] = data[:first]
        if first < len(data):
            self._view[PAGE : PAGE + len(data) - first] = data[first:]
        return pos + len(data)

    # --- the producer -------------------------------------------------------------------------
    def output(self, parts: Sequence[bytes]) -> int:
        """Write one PERF_SAMPLE_RAW sample whose raw data is ``parts`` joined; 0 or -errno.

        -ENOSPC (one more lost record) when the ring has no room for it (and a pending
        PERF_RECORD_LOST), as ``perf_output_begin`` fails.
        """
        data = b"".join(parts)
        raw_size = (len(data) + 4 + 7) // 8 * 8 - 4
        size = HEADER.size + 4 + raw_size
        if size > MAX_RECORD:
            return -errno.E2BIG
        with self.lock:
            head, tail = self.data_head, self.data_tail
            lost = self.lost
            need = size + (LOST.size if lost else 0)
            space = (tail - (head + 1)) & (self.data_size - 1)  # CIRC_SPACE
            if space < need:
                _U64.pack_into(self.mm, self.trailer_at + _LOST_AT, (lost + 1) & _U64_MASK)
                return -errno.ENOSPC
            if lost:
                head = self._put(head, LOST.pack(PERF_RECORD_LOST, 0, LOST.size, self.id, lost))
                _U64.pack_into(self.mm, self.trailer_at + _LOST_AT, 0)
            record = HEADER.pack(PERF_RECORD_SAMPLE, PERF_RECORD_MISC_KERNEL, size) + _U32.pack(raw_size)
            head = self._put(head, record + data + bytes(raw_size - len(data)))
            _U64.pack_into(self.mm, DATA_HEAD_AT, head & _U64_MASK)
        return 0


def is_perf_fd(fd: int) -> bool:
    """Whether ``fd`` refers to a pybpf perf event file."""
    try:
        PerfEventObject.from_fd(fd)
    except BPFError:
        return False
    return True


_in_arrays: OrderedDict[tuple[str, int], PerfEventObject] = OrderedDict()
_in_arrays_lock = fork_safe(threading.Lock())


def event_in_array(array_id: int, event_id: int) -> PerfEventObject | None:
    """The event ``event_id`` a PERF_EVENT_ARRAY (map ``array_id``) holds, or None when it holds none."""
    root = bpffs_root()
    key = (root, event_id)
    with _in_arrays_lock:
        found = _in_arrays.get(key)
    if found is not None:
        return found
    try:
        fd = refs.open_ref(root, ("map", array_id), ("perf", event_id))
    except BPFError:
        return None
    try:
        event = PerfEventObject.from_fd(fd)
    finally:
        os.close(fd)
    with _in_arrays_lock:
        _in_arrays[key] = event
        while len(_in_arrays) > PerfEventObject._cache.limit:
            _in_arrays.popitem(last=False)
    return event


assert _TRAILER.size <= _LOCK_AT and _LOCK_AT + MUTEX_BYTES <= PAGE
