"""``pybpf.PerfBuffer``: the user-space reader of BPF_MAP_TYPE_PERF_EVENT_ARRAY output, libbpf-shaped.

Mirrors libbpf's ``perf_buffer__new`` / ``__poll`` / ``__consume`` / ``__free``
(tools/lib/bpf/libbpf.c) on either backend:

* One BPF output perf event per CPU (``pybpf.perf.open_bpf_output``: a pybpf perf event object, or
  the real ``perf_event_open`` for the native backend), for the CPUs below the array's
  max_entries (native: the online ones), each mapped as 1 + ``pages`` pages read-write and stored
  in the array at its CPU's index.  ``close`` deletes those slots, unmaps and closes the events.
* Records are read as ``perf_event_read_simple`` reads them: from ``data_tail`` to ``data_head``,
  a record that wraps the end of the data area is copied in two pieces, and ``data_tail`` is
  advanced past each record once its bytes are copied.
* PERF_RECORD_SAMPLE records go to ``sample_cb(cpu, data)`` with the raw data as libbpf passes it
  (the raw size, padding included: a multiple of 8 minus 4 bytes); PERF_RECORD_LOST to
  ``lost_cb(cpu, count)``.  With ``event_cb(cpu, record)`` every record is handed over whole,
  header included, instead (``perf_buffer__new_raw``).  Callback results are ignored.
* Waiting: kernel events are registered with an epoll instance (EPOLLIN); pybpf events have no
  wakeup, so while one is present ``poll`` sleep-polls (0.5 ms at first, backing off to 10 ms).
  ``consume`` and ``poll`` return the number of records handled (libbpf's ``poll`` returns the
  number of ready buffers; its ``consume`` 0).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import mmap
import os
import struct
from collections.abc import Callable
from typing import Any

from pybpf import uapi
from pybpf.buffers import MapBuffer, Waiter, dup_cloexec, map_fd_and_backend, map_geometry
from pybpf.errors import BPFError
from pybpf.kernel.native import native_bpf
from pybpf.kernel.syscall import bpf
from pybpf.maps.percpu import possible_cpus
from pybpf.objects.perf_abi import (
    DATA_HEAD_AT,
    DATA_TAIL_AT,
    HEADER,
    LOST,
    PAGE,
    PERF_RECORD_LOST,
    PERF_RECORD_SAMPLE,
    check_pages,
)
from pybpf.perf import open_bpf_output

SampleCallback = Callable[[int, bytes], Any]
LostCallback = Callable[[int, int], Any]
_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")


def _cpu_list(path: str) -> list[int]:
    try:
        with open(path, encoding="ascii") as handle:
            text = handle.read().strip()
    except OSError:
        return list(range(os.cpu_count() or 1))
    cpus: list[int] = []
    for part in text.split(","):
        if part:
            first, _, last = part.partition("-")
            cpus += range(int(first), int(last or first) + 1)
    return cpus


def _bpf(backend: str, cmd: int, attr: uapi.bpf_attr) -> int:
    if backend == "native":
        return native_bpf(cmd, attr)
    return bpf(cmd, attr)


class _CpuBuffer:
    """One CPU's event: its fd, its mapping (control page + data) and its position in the array."""

    def __init__(self, cpu: int, pages: int, backend: str) -> None:
        self.cpu = cpu
        self.size = pages * PAGE
        self.fd = open_bpf_output(cpu, pages, backend=backend)
        try:
            self.mm = mmap.mmap(
                self.fd, (1 + pages) * PAGE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE
            )
        except OSError:
            os.close(self.fd)
            raise

    def next_record(self) -> bytes | None:
        """The next whole record (header included), its bytes copied and ``data_tail`` moved past it."""
        tail = int(_U64.unpack_from(self.mm, DATA_TAIL_AT)[0])
        head = int(_U64.unpack_from(self.mm, DATA_HEAD_AT)[0])
        if tail >= head:
            return None
        offset = tail & (self.size - 1)
        size = HEADER.unpack_from(self.mm, PAGE + offset)[2]
        if head - tail > self.size or tail + max(size, HEADER.size) > head:  # a pybpf ring is a file
            raise BPFError(errno.EUCLEAN, "perf ring positions or record sizes are corrupted")
        first = min(size, self.size - offset)
        record = self.mm[PAGE + offset : PAGE + offset + first]
        if first < size:
            record += self.mm[PAGE : PAGE + size - first]
        _U64.pack_into(self.mm, DATA_TAIL_AT, tail + max(size, HEADER.size))
        return record

    def close(self) -> None:
        self.mm.close()
        os.close(self.fd)


class PerfBuffer(MapBuffer):
    """Reader of a PERF_EVENT_ARRAY (``pybpf.Map`` or an fd of either backend), one ring per CPU."""

    def __init__(
        self,
        map_or_fd: Any,
        sample_cb: SampleCallback | None = None,
        lost_cb: LostCallback | None = None,
        pages: int = 8,
        *,
        event_cb: Callable[[int, bytes], Any] | None = None,
        backend: Any = None,
    ) -> None:
        check_pages(pages)
        fd, name = map_fd_and_backend(map_or_fd, backend)
        self.backend, max_entries = map_geometry(fd, name, uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY)
        self.sample_cb, self.lost_cb, self.event_cb = sample_cb, lost_cb, event_cb
        self.pages = pages
        self._buffers: list[_CpuBuffer] = []
        self._waiter = Waiter()
        self.map_fd = dup_cloexec(fd)
        try:
            for cpu in self._cpus(max_entries):
                self._open(cpu)
        except BaseException:
            self.close()
            raise

    def _cpus(self, max_entries: int) -> list[int]:
        if self.backend == "user":
            cpus = list(range(possible_cpus()))
        else:
            online = set(_cpu_list("/sys/devices/system/cpu/online"))
            cpus = [cpu for cpu in _cpu_list("/sys/devices/system/cpu/possible") if cpu in online]
        return [cpu for cpu in cpus if cpu < max_entries]

    def _open(self, cpu: int) -> None:
        buffer = _CpuBuffer(cpu, self.pages, self.backend)
        self._buffers.append(buffer)
        key, value = ctypes.c_uint32(cpu), ctypes.c_uint32(buffer.fd)
        attr = uapi.bpf_attr()
        attr.map_fd = self.map_fd
        attr.key = ctypes.addressof(key)
        attr.value = ctypes.addressof(value)
        _bpf(self.backend, uapi.BPF_MAP_UPDATE_ELEM, attr)
        if self.backend == "native":
            self._waiter.register(buffer.fd)

    # --- what libbpf's accessors give -----------------------------------------------------------
    @property
    def buffer_cnt(self) -> int:
        """Number of per-CPU buffers (``perf_buffer__buffer_cnt``)."""
        return len(self._buffers)

    def buffer_fd(self, index: int) -> int:
        """The perf event fd of buffer ``index`` (``perf_buffer__buffer_fd``)."""
        return self._buffers[index].fd

    def buffer_cpu(self, index: int) -> int:
        return self._buffers[index].cpu

    @property
    def epoll_fd(self) -> int:
        """The epoll fd kernel events are registered with (``perf_buffer__epoll_fd``)."""
        return self._waiter.epoll.fileno()

    def positions(self, index: int = 0) -> tuple[int, int]:
        """(data_tail, data_head) of buffer ``index``."""
        mm = self._buffers[index].mm
        return int(_U64.unpack_from(mm, DATA_TAIL_AT)[0]), int(_U64.unpack_from(mm, DATA_HEAD_AT)[0])

    # --- consuming --------------------------------------------------------------------------------
    def _handle(self, cpu: int, record: bytes) -> None:
        if self.event_cb is not None:
            self.event_cb(cpu, record)
            return
        kind = HEADER.unpack_from(record)[0]
        if kind == PERF_RECORD_SAMPLE and len(record) >= HEADER.size + 4:
            raw_size = _U32.unpack_from(record, HEADER.size)[0]
            if self.sample_cb is not None:
                start = HEADER.size + 4
                self.sample_cb(cpu, record[start : start + raw_size])
        elif kind == PERF_RECORD_LOST and len(record) >= LOST.size and self.lost_cb is not None:
            self.lost_cb(cpu, LOST.unpack_from(record)[4])

    def consume_buffer(self, index: int) -> int:
        """Handle every ready record of buffer ``index`` (``perf_buffer__consume_buffer``)."""
        self._check_open()
        buffer = self._buffers[index]
        count = 0
        while (record := buffer.next_record()) is not None:
            count += 1
            self._handle(buffer.cpu, record)
        return count

    def consume(self) -> int:
        """Handle every ready record of every buffer without waiting (``perf_buffer__consume``)."""
        return sum(self.consume_buffer(index) for index in range(len(self._buffers)))

    def poll(self, timeout_ms: int = -1) -> int:
        """Wait up to ``timeout_ms`` (-1: forever) for records and handle them (``perf_buffer__poll``).

        Returns the number of records handled (0 on timeout).
        """
        self._check_open()
        return self._waiter.until(self.consume, timeout_ms, sleep_polls=lambda: self.backend == "user")

    # --- lifetime ---------------------------------------------------------------------------------
    def _release(self) -> None:
        """Empty the array slots this buffer filled, unmap and close the events (``perf_buffer__free``)."""
        for buffer in self._buffers:
            key = ctypes.c_uint32(buffer.cpu)
            attr = uapi.bpf_attr()
            attr.map_fd = self.map_fd
            attr.key = ctypes.addressof(key)
            with contextlib.suppress(BPFError):
                _bpf(self.backend, uapi.BPF_MAP_DELETE_ELEM, attr)
            buffer.close()
        self._buffers.clear()
        self._waiter.close()
        os.close(self.map_fd)

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._buffers)} buffer(s), {self.backend}"
        return f"PerfBuffer({state})"


__all__ = ["LostCallback", "PerfBuffer", "SampleCallback"]
