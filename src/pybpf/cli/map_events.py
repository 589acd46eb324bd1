"""``pybpf map event-pipe MAP``: print what programs write into a ring buffer or a perf event array.

Mirrors ``bpftool map event_pipe`` (tools/bpf/bpftool/map_perf_ring.c) for BPF_MAP_TYPE_PERF_EVENT_ARRAY
-- one BPF output perf event per CPU stored in the array (:class:`pybpf.PerfBuffer`), each sample printed
as ``== @TIME CPU: N index: N =====`` and its bytes, lost records as ``== @TIME CPU: N index: N =====``
with ``lost N events`` -- and extends it to BPF_MAP_TYPE_RINGBUF (:class:`pybpf.RingBuffer`), which
bpftool does not read.  It runs until interrupted, ``--count`` records or ``--timeout`` seconds; with
``-j`` each record is one JSON object per line (``{"type": 9, "cpu": 0, "index": 0, "data": [...]}``,
``{"type": "ringbuf", "data": [...]}``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any

from pybpf import uapi
from pybpf.cli.inputs import InputError, count
from pybpf.cli.map_targets import MAP_SPEC, common_options, open_map
from pybpf.cli.output import hex_array, hex_bytes, wants_json
from pybpf.kernel.backend import get_backend
from pybpf.perfbuf import PerfBuffer
from pybpf.ringbuf import RingBuffer

__all__ = ["add_parser"]

PERF_RECORD_SAMPLE, PERF_RECORD_LOST = 9, 2
POLL_MS = 100


def add_parser(cmds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pipe = cmds.add_parser(
        "event-pipe",
        aliases=["event_pipe"],
        help="print records of a ring buffer or perf event array as programs write them",
        description="Read a BPF_MAP_TYPE_RINGBUF or BPF_MAP_TYPE_PERF_EVENT_ARRAY map.",
    )
    pipe.add_argument("words", nargs="*", metavar=MAP_SPEC, help="the map")
    pipe.add_argument("--count", type=count, default=0, help="stop after N records (0: never)")
    pipe.add_argument("--timeout", type=float, default=None, help="stop after this many seconds")
    pipe.add_argument("--pages", type=count, default=8, help="perf event arrays: data pages per CPU")
    common_options(pipe)
    pipe.set_defaults(handler=cmd_event_pipe)


class _Printer:
    def __init__(self, args: argparse.Namespace) -> None:
        self.json = wants_json(args)
        self.limit = args.count
        self.seen = 0

    @property
    def done(self) -> bool:
        return bool(self.limit) and self.seen >= self.limit

    def emit(self, record: dict[str, Any], head: str, data: bytes) -> None:
        if self.done:
            return
        self.seen += 1
        if self.json:
            print(json.dumps(record, separators=(",", ":")), flush=True)
        else:
            print(head)
            for i in range(0, len(data), 16):
                print(hex_bytes(data[i : i + 16]))
            sys.stdout.flush()


def cmd_event_pipe(args: argparse.Namespace) -> int:
    if args.timeout is not None and not 0 <= args.timeout < math.inf:
        raise InputError("--timeout must be a non-negative number of seconds")
    backend = get_backend(args.backend)
    m, rest = open_map(args.words, backend)
    if rest:
        m.close()
        raise InputError(f"unexpected {' '.join(rest)!r}")
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    printer = _Printer(args)
    with m:
        if m.map_type == uapi.BPF_MAP_TYPE_RINGBUF:
            _ring(m, printer, deadline)
        elif m.map_type == uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY:
            _perf(m, printer, deadline, args.pages)
        else:
            raise InputError(f"map {m.id} is not a ring buffer or a perf event array: use 'map dump'")
    return 0


def _expired(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def _wait_ms(deadline: float | None) -> int:
    if deadline is None:
        return POLL_MS
    return max(0, min(POLL_MS, int((deadline - time.monotonic()) * 1000)))


def _ring(m: Any, printer: _Printer, deadline: float | None) -> None:
    with RingBuffer(m) as ring:
        while not printer.done:
            for data in ring.read(_wait_ms(deadline)):
                printer.emit(
                    {"type": "ringbuf", "size": len(data), "data": hex_array(data)},
                    f"== @{time.time():.6f} ringbuf record: {len(data)} bytes =====",
                    data,
                )
            if _expired(deadline):
                return


def _perf(m: Any, printer: _Printer, deadline: float | None, pages: int) -> None:
    def sample(cpu: int, data: bytes) -> None:
        printer.emit(
            {"type": PERF_RECORD_SAMPLE, "cpu": cpu, "index": cpu, "data": hex_array(data)},
            f"== @{time.time():.6f} CPU: {cpu} index: {cpu} =====",
            data,
        )

    def lost(cpu: int, lost_count: int) -> None:
        printer.emit(
            {"type": PERF_RECORD_LOST, "cpu": cpu, "index": cpu, "lost": {"count": lost_count}},
            f"== @{time.time():.6f} CPU: {cpu} index: {cpu} =====\nlost {lost_count} events",
            b"",
        )

    with PerfBuffer(m, sample, lost, pages=pages) as buffer:
        while not printer.done:
            buffer.poll(_wait_ms(deadline))
            if _expired(deadline):
                return
