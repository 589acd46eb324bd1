"""The trace pipe ``bpf_trace_printk`` writes to: ``TracePipe`` and the process-wide ``TRACE_PIPE``.

Mirrors /sys/kernel/tracing/trace_pipe: records are appended by the printk helpers
(``pybpf.helpers.printk``) and drained by readers (the API, ``pybpf trace``).  ``TRACE_PIPE`` is,
like the kernel's single trace buffer, shared between processes through the bpffs root
(``pybpf.helpers.trace_shared``).
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

from pybpf.helpers.trace_shared import TraceRecord, append_shared, read_shared
from pybpf.maps.base import running_cpu
from pybpf.objects.forking import fork_safe


class TracePipe:
    """An in-memory trace pipe.  ``read()`` drains it like reading trace_pipe; ``records`` peeks.

    ``maxlen`` bounds the number of kept records (oldest dropped, like the kernel's ring buffer);
    ``echo`` is called with every new record (e.g. to print it live).  With ``shared`` every record
    is also appended to the cross-process trace file of the current bpffs root (``TRACE_PIPE`` is
    shared; a pipe made for one test or one run is not, unless asked).
    """

    def __init__(
        self,
        maxlen: int | None = 65536,
        echo: Callable[[TraceRecord], None] | None = None,
        *,
        shared: bool = False,
    ) -> None:
        self._records: deque[TraceRecord] = deque(maxlen=maxlen)
        self._lock = fork_safe(threading.Lock())
        self.echo = echo
        self.shared = shared

    def write(self, data: bytes) -> TraceRecord:
        record = TraceRecord(data, time.monotonic_ns(), os.getpid(), _comm(), running_cpu())
        with self._lock:
            self._records.append(record)
        if self.shared:
            append_shared(record)
        if self.echo is not None:
            self.echo(record)
        return record

    @staticmethod
    def read_shared(follow: bool = False, clear: bool = False) -> Iterator[TraceRecord]:
        """The records of the shared trace file (every process); see ``trace_shared.read_shared``."""
        return read_shared(follow=follow, clear=clear)

    def read(self) -> list[TraceRecord]:
        """Remove and return every record."""
        with self._lock:
            records = list(self._records)
            self._records.clear()
        return records

    @property
    def records(self) -> tuple[TraceRecord, ...]:
        with self._lock:
            return tuple(self._records)

    def messages(self) -> list[str]:
        """The messages of the kept records, oldest first (without draining)."""
        return [record.message for record in self.records]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        return len(self._records)


TRACE_PIPE = TracePipe(shared=True)
"""The process-wide trace pipe, like the kernel's single trace_pipe (also written to the shared file)."""


def _comm() -> str:
    try:
        with open("/proc/self/comm", encoding="utf-8", errors="replace") as handle:
            return handle.read().strip()
    except OSError:  # pragma: no cover - not Linux
        return "python"
