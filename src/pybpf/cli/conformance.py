"""``pybpf-conformance-plugin``: the plugin protocol of BPF ISA conformance suites.

Implements the de-facto protocol of bpf_conformance (and the uBPF/rbpf plugins written for it):
the program arrives on stdin as hex bytes (``b7 00 00 00 ...``, whitespace-separated or not), the
initial memory as a hex string in the first positional argument (absent or empty: no memory).
The program runs in the raw model (r1 = memory address, r2 = memory length); r0 is printed on
stdout as hex without a prefix.  A program that cannot be loaded or run exits with status 1 and
the reason on stderr.  Helper ids follow the Linux kernel's numbering (``call 5`` is
bpf_ktime_get_ns); the helpers available are those that need no map and no program context.

Options (before the memory argument, as a suite's ``--plugin_options`` passes them):
``--budget N`` instruction budget (default: the interpreter's), ``--debug`` prints a trace of the
executed instructions on stderr (on the interpreter), ``--engine interpreter|jit`` the engine that runs
the program (default: ``PYBPF_ENGINE``, else the JIT; ``pybpf.cli.raw_engine``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pybpf.cli.inputs import InputError, count, parse_hex
from pybpf.cli.isa_commands import format_trace_event
from pybpf.cli.raw_engine import RAW_ENGINES, raw_program
from pybpf.errors import BPFError, ExecutionError
from pybpf.isa.instruction import decode_program
from pybpf.vm import DEFAULT_BUDGET, TraceEvent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="pybpf-conformance-plugin",
        description="Run a hex eBPF program from stdin on hex memory; print r0.",
    )
    parser.add_argument("memory", nargs="?", default="", help="initial memory as hex")
    parser.add_argument("--budget", type=count, default=DEFAULT_BUDGET, help="instruction budget (0: none)")
    parser.add_argument("--debug", action="store_true", help="trace executed instructions on stderr")
    parser.add_argument("--engine", choices=RAW_ENGINES, help="the engine (default: $PYBPF_ENGINE, else jit)")
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        print(f"pybpf-conformance-plugin: ignoring unknown options: {' '.join(unknown)}", file=sys.stderr)
    try:
        program = parse_hex(sys.stdin.read(), "program")
        memory = bytearray(parse_hex(args.memory, "memory"))
        if not program:
            raise InputError("empty program")
        vm = raw_program(decode_program(program), args.engine, traced=args.debug)
        trace = _print_event if args.debug else None
        r0 = vm.run(memory if memory else None, budget=args.budget or None, trace=trace)
    except (InputError, BPFError, ExecutionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        print(f"pybpf-conformance-plugin: {reason}", file=sys.stderr)
        return 1
    print(f"{r0:x}")
    return 0


def _print_event(event: TraceEvent) -> None:
    print(format_trace_event(event), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
