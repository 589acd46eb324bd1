#!/usr/bin/env python3
"""Differential fuzzing of pybpf's verifier against the running kernel's, shape by shape.

Builds random XDP programs of each shape of ``tests.verifier.shape_generator`` (seeds ``--start``
to ``--start + --count``), loads every one through BPF_PROG_LOAD on pybpf's user backend and on the
kernel (native backend, maps created for each load, log level 2) and prints a table per shape:

* ``unsound``: pybpf accepts a program the kernel refuses (a safety bug, fixed first);
* ``strict``: pybpf refuses a program the kernel accepts;
* ``errno``: both refuse, with different errnos;
* ``message``: same errno, another final message (the log's last reason line);
* ``processed``: same verdict, another processed-instruction count;
* ``path``: same verdict, another register state on the first path explored (the level-2 lines up
  to the first ``from A to B``: a difference in the value tracking that did not change the verdict);
* ``heavy``: the kernel processed more than ``--max-insns`` instructions: not loaded into pybpf
  (a million processed instructions take pybpf minutes, and gigabytes at log level 2);
* ``slow``: pybpf took longer than ``--timeout`` seconds (its load is abandoned);
* ``kbug``: the kernel refused with a "verifier bug:" message, a failure of its own after
  verification (a rewrite stage pybpf does not model: known_disagreements.txt's "After do_check").

``--run`` compares what the programs do instead: every program both verifiers accept (its calls of
bpf_get_prandom_u32 and bpf_ktime_get_ns made loads from the packet) is run by BPF_PROG_TEST_RUN on
the kernel and on pybpf's interpreter and JIT with ``--inputs`` generated packets and map contents
(tests/verifier/run_fuzz.py); the table counts per shape the programs run, those whose every run
agrees, and the first difference of each other: ``load`` (one side refused the program), ``err``
(the run's errno), ``retval``, ``data_out`` (the packet out), ``maps`` (a map's contents after the
run), ``nondet`` (not run: it calls a helper no two runs answer alike), ``heavy`` and ``slow``.

``--caps NAMES`` loads every program as a caller with those capabilities alone on both sides (the
corpus's ``caps`` header: ``bpf,net_admin`` is the least privilege that loads XDP, with Spectre v1/v4
sanitation since it lacks CAP_PERFMON; ``none`` loads socket filters, the shapes' XDP programs
emitted as that type): the kernel's side from a forked child with those effective capabilities
(tests/caps.py), ``kernel.unprivileged_bpf_disabled`` opened to 0 for the run and restored.

Up to ``--examples`` seeds per kind are listed under the table (and on stderr as found);
``--show SHAPE:SEED`` prints that program and both logs.

    python scripts/fuzz_verifier.py --count 2000                 # every shape, seeds 0-1999
    python scripts/fuzz_verifier.py --shapes alu32 sdiv --start 5000 --count 500
    python scripts/fuzz_verifier.py --show alu32:17
    python scripts/fuzz_verifier.py --caps bpf,net_admin --shapes spec_paths --count 500
    python scripts/fuzz_verifier.py --run --caps bpf,net_admin --count 100
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from pybpf.kernel.backend import UserBackend  # noqa: E402, I001
from pybpf.kernel.native import NativeBackend, kernel_bpf_available  # noqa: E402
from pybpf.objects.credentials import parse_caps  # noqa: E402
from tests.caps import unprivileged_bpf_enabled  # noqa: E402
from tests.verifier.run_fuzz import RUN_KINDS, RunVerdict, run_program  # noqa: E402
from tests.verifier.shape_fuzz import KINDS, answer, compare, heavy, program_of  # noqa: E402
from tests.verifier.shape_generator import SHAPES  # noqa: E402


class _Slow(BaseException):
    """pybpf's load ran past ``--timeout`` (a BaseException: code under the load that catches
    Exception, the JIT's fallback for one, must not turn the interruption into an answer)."""


def _interrupt(_signum: int, _frame: object) -> None:
    raise _Slow


def show(spec: str, caps: str) -> None:
    shape, _, seed = spec.partition(":")
    program = program_of(shape, int(seed), caps)
    print(program.text)
    for name, backend in (("pybpf", UserBackend()), ("kernel", NativeBackend())):
        result, log = answer(program, backend)
        print(f"---- {name}: {result}\n{log}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shapes", nargs="*", default=list(SHAPES), choices=SHAPES)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument(
        "--max-insns",
        type=int,
        default=20_000,
        help="programs the kernel processes more instructions of are counted as heavy, not loaded into pybpf",
    )
    parser.add_argument("--timeout", type=int, default=60, help="seconds pybpf may take on one program")
    parser.add_argument("--examples", type=int, default=5, help="seeds listed per shape and kind")
    parser.add_argument("--reasons", action="store_true", help="count the kernel's refusals per shape")
    parser.add_argument("--show", metavar="SHAPE:SEED", help="print one program and both logs")
    parser.add_argument(
        "--run", action="store_true", help="run what both accept (BPF_PROG_TEST_RUN) and compare the results"
    )
    parser.add_argument("--inputs", type=int, default=3, help="inputs (packet, map contents) per program run")
    parser.add_argument(
        "--caps", default="", help="the loader's capabilities: a comma list (bpf,net_admin) or none"
    )
    args = parser.parse_args()
    if not kernel_bpf_available():
        print("the real bpf(2) is not available here", file=sys.stderr)
        return 2
    if args.caps:
        parse_caps(args.caps)  # a wrong name: ValueError before anything runs
        with unprivileged_bpf_enabled():
            return fuzz(args)
    return fuzz(args)


def fuzz(args: argparse.Namespace) -> int:
    """The table of ``args``'s shapes and seeds (or the one program ``--show`` names)."""
    if args.show:
        show(args.show, args.caps)
        return 0
    if args.run:
        return fuzz_runs(args)
    user, native = UserBackend(), NativeBackend()
    signal.signal(signal.SIGALRM, _interrupt)
    header = f"{'shape':<16}{'programs':>9}{'accepted':>9}{'agree':>7}" + "".join(f"{k:>10}" for k in KINDS)
    rows = [header]
    examples: list[str] = []
    slowest = (0.0, "")
    for shape in args.shapes:
        counts: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        accepted = 0
        for seed in range(args.start, args.start + args.count):
            program = program_of(shape, seed, args.caps)
            if heavy(program, native, args.max_insns):
                counts["heavy"] += 1
                continue
            theirs, _ = answer(program, native)
            began = time.perf_counter()
            signal.alarm(args.timeout)
            try:
                mine, _ = answer(program, user)
            except _Slow:
                counts["slow"] += 1
                examples.append(f"slow      {program.name:<20} kernel {theirs} | pybpf > {args.timeout} s")
                print(examples[-1], file=sys.stderr, flush=True)
                continue
            finally:
                signal.alarm(0)
            slowest = max(slowest, (time.perf_counter() - began, program.name))
            accepted += not theirs.err
            reasons[re.sub(r"\d+", "N", theirs.line)] += bool(theirs.err)
            kind = compare(mine, theirs)
            counts[kind] += 1
            if kind and counts[kind] <= args.examples:
                examples.append(f"{kind:<9} {program.name:<20} kernel {theirs} | pybpf {mine}")
                print(examples[-1], file=sys.stderr, flush=True)
        total = sum(counts.values())
        rows.append(
            f"{shape:<16}{total:>9}{accepted:>9}{counts['']:>7}" + "".join(f"{counts[k]:>10}" for k in KINDS)
        )
        print(rows[-1], flush=True)
        if args.reasons:
            print("".join(f"    {n:>5}  {line}\n" for line, n in reasons.most_common(8) if n), end="")
    print("\n".join(["", *rows, "", *examples, f"slowest pybpf load: {slowest[0]:.2f} s ({slowest[1]})"]))
    return 0


def fuzz_runs(args: argparse.Namespace) -> int:
    """``--run``: the table of runs compared, per shape (run_fuzz.RUN_KINDS)."""
    user, native = UserBackend(), NativeBackend()
    signal.signal(signal.SIGALRM, _interrupt)
    header = f"{'shape':<16}{'programs':>9}{'ran':>7}{'agree':>7}" + "".join(f"{k:>10}" for k in RUN_KINDS)
    rows, examples = [header], []
    for shape in args.shapes:
        counts: Counter[str] = Counter()
        ran = 0
        for seed in range(args.start, args.start + args.count):
            program = program_of(shape, seed, args.caps)
            if heavy(program, native, args.max_insns):
                counts["heavy"] += 1
                continue
            signal.alarm(args.timeout)
            try:
                verdict = run_program(program, seed, native, user, args.inputs)
            except _Slow:
                verdict = RunVerdict("slow", f"> {args.timeout} s")
            finally:
                signal.alarm(0)
            ran += verdict.ran
            counts[verdict.kind] += 1
            if verdict.kind and verdict.kind != "nondet" and counts[verdict.kind] <= args.examples:
                examples.append(f"{verdict.kind:<9} {program.name:<20} {verdict.detail}")
                print(examples[-1], file=sys.stderr, flush=True)
        differ = sum(counts[k] for k in ("err", "retval", "data_out", "maps"))
        rows.append(
            f"{shape:<16}{sum(counts.values()):>9}{ran:>7}{ran - differ:>7}"
            + "".join(f"{counts[k]:>10}" for k in RUN_KINDS)
        )
        print(rows[-1], flush=True)
    print("\n".join(["", *rows, "", *examples]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
