"""The bpf_trace_printk lines that this process's program runs write, collected around the runs.

Mirrors where each backend's ``bpf_trace_printk`` (kernel/trace/bpf_trace.c) puts its output: pybpf's
in-memory trace pipe (``pybpf.helpers.TRACE_PIPE``, whose ``echo`` hook sees each record as it is
written) for the user backend; for the kernel, the lines of ``/sys/kernel/tracing/trace`` that name this
process (``comm-PID``) and were not there before -- nothing when tracefs is not mounted.  Used by
``pybpf prog run`` and ``pybpf xdp replay``::

    with TraceCollector(backend) as trace:
        program.run(frame)
    print(trace.lines)
"""

from __future__ import annotations

import os
from typing import Any

from pybpf.helpers.trace_pipe import TRACE_PIPE
from pybpf.kernel.backend import Backend

__all__ = ["KERNEL_TRACE", "TraceCollector"]

KERNEL_TRACE = "/sys/kernel/tracing/trace"


class TraceCollector:
    """A context manager collecting, in ``lines``, the trace_printk lines written while it is open."""

    def __init__(self, backend: Backend) -> None:
        self.native = backend.name == "native"
        self.lines: list[str] = []
        self._before: list[str] = []
        self._previous: Any = None

    def __enter__(self) -> TraceCollector:
        if self.native:
            self._before = _kernel_lines()
        else:
            previous = self._previous = TRACE_PIPE.echo

            def echo(record: Any) -> None:
                self.lines.append(record.format())
                if previous is not None:
                    previous(record)

            TRACE_PIPE.echo = echo
        return self

    def __exit__(self, *exc: object) -> None:
        if self.native:
            after = _kernel_lines()
            self.lines = after[len(self._before) :] if after[: len(self._before)] == self._before else after
        else:
            TRACE_PIPE.echo = self._previous


def _kernel_lines() -> list[str]:
    marker = f"-{os.getpid()} "
    try:
        with open(KERNEL_TRACE, encoding="utf-8", errors="replace") as handle:
            return [line.rstrip("\n") for line in handle if marker in line and not line.startswith("#")]
    except OSError:
        return []
