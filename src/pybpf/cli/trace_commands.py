"""``pybpf trace``: print what programs wrote with bpf_trace_printk, in every process.

Mirrors reading /sys/kernel/tracing/trace (and ``bpftool prog tracelog``): the lines of pybpf's
shared trace pipe (``$PYBPF_BPFFS/.trace_pipe``, see ``pybpf.helpers.trace_shared``) in the
kernel's trace_pipe format, ``--clear`` consuming them as a read of trace_pipe does, ``--follow``
waiting for more until interrupted (or ``--timeout`` seconds), ``--json`` one object per record.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any

from pybpf.cli.commands import command_help
from pybpf.helpers.trace_shared import TraceRecord, read_shared


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    trace = sub.add_parser(
        "trace", help=command_help("trace"),
        description="Print the records programs wrote with bpf_trace_printk, from every process "
        "using the same bpffs root ($PYBPF_BPFFS).",
    )  # fmt: skip
    trace.add_argument("--follow", "-f", action="store_true", help="keep printing new records")
    trace.add_argument("--clear", action="store_true", help="consume the records read (like trace_pipe)")
    trace.add_argument("--timeout", type=float, default=None,
                       help="with --follow: stop after this many seconds")  # fmt: skip
    trace.add_argument("--json", "-j", action="store_true",
                       help="print JSON (an array; with --follow one object per line)")  # fmt: skip
    trace.set_defaults(handler=cmd_trace)


def record_json(record: TraceRecord) -> dict[str, Any]:
    return {
        "timestamp_ns": record.timestamp_ns, "pid": record.pid, "comm": record.comm,
        "cpu": record.cpu, "message": record.message,
    }  # fmt: skip


def cmd_trace(args: argparse.Namespace) -> int:
    if args.timeout is not None and not 0 <= args.timeout < math.inf:  # NaN fails too
        raise ValueError("--timeout must be a non-negative number of seconds")
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    records = read_shared(
        follow=args.follow, clear=args.clear,
        stop=(lambda: time.monotonic() >= deadline) if deadline is not None else None,
        poll_interval=0.05 if deadline is not None else 0.1,
    )  # fmt: skip
    if args.json and not args.follow:
        print(json.dumps([record_json(r) for r in records], indent=2))
        return 0
    try:
        for record in records:
            print(json.dumps(record_json(record)) if args.json else record.format(), flush=args.follow)
    finally:
        records.close()
    sys.stdout.flush()
    return 0
