"""BPF output perf events on either backend: ``open_bpf_output``, and the perf ABI it uses.

Mirrors what user space does to receive ``bpf_perf_event_output`` records (libbpf's
``perf_buffer__new``): one ``PERF_COUNT_SW_BPF_OUTPUT`` event per CPU with RAW samples and an mmapped
ring.  On the user backend the event is a pybpf perf event object (``pybpf.objects.perf_event``)
laid out exactly as the kernel's mmap; on the native backend it is the real ``perf_event_open(2)``.
Both fds go into a BPF_MAP_TYPE_PERF_EVENT_ARRAY of the same backend, and
``pybpf.perfbuf.PerfBuffer`` reads both.  The ABI constants live in ``pybpf.objects.perf_abi``.
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

from pybpf.objects.perf_abi import PERF_EVENT_IOC_ENABLE, check_pages, native_perf_event_open
from pybpf.objects.perf_event import PerfEventObject


def open_bpf_output(cpu: int, pages: int = 8, *, backend: Any = None) -> int:
    """A new close-on-exec fd of a BPF output perf event for ``cpu`` with ``pages`` data pages.

    ``backend``: None or "user" (a pybpf perf event object), "native" (the real perf_event_open,
    enabled; its ring exists once mmapped, as in the kernel), or a ``Backend`` (by its name).
    """
    name = backend if backend is None or isinstance(backend, str) else str(backend.name)
    check_pages(pages)
    if name in (None, "user"):
        return PerfEventObject.create(cpu, pages)
    if name != "native":
        raise ValueError(f"unknown pybpf backend {name!r} (expected 'user' or 'native')")
    fd = native_perf_event_open(cpu)
    try:
        fcntl.ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)
    except OSError:
        os.close(fd)
        raise
    return fd


__all__ = ["open_bpf_output"]
