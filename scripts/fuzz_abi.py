#!/usr/bin/env python3
"""Differential fuzzing of pybpf's bpf(2) ABI against the running kernel, command group by group.

Draws cases of each family of ``tests.kernel.abi_cases`` (seeds ``--start`` to ``--start + --count``),
runs every case on pybpf's user backend and on the kernel (native backend) and prints a table per
family: cases, agreements, disagreements in errno, disagreements in the result fields alone (same
errno), environmental cases (``env``: the kernel's answer is this machine's lockdown, not
Linux's), known gaps (``gap``: a disagreement ``abi_cases.known_gap`` explains, not fixed yet),
tracebacks (any exception but an OSError out of pybpf: a bug) and slow cases (pybpf past
``--timeout`` seconds: a hang).  Up to ``--examples`` seeds per family are listed with both answers;
``--show FAMILY:SEED`` prints one case and both answers.

    nice -n 10 python scripts/fuzz_abi.py --count 2000                 # every family, seeds 0-1999
    nice -n 10 python scripts/fuzz_abi.py --families map_elem btf_load --start 5000 --count 500
    python scripts/fuzz_abi.py --show map_create:17
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from pybpf.kernel.backend import UserBackend  # noqa: E402, I001
from pybpf.kernel.native import NativeBackend, kernel_bpf_available  # noqa: E402
from tests.kernel.abi_cases import FAMILIES, Answer, case_of, environmental, known_gap  # noqa: E402


class _Slow(BaseException):
    """pybpf ran past ``--timeout`` (a BaseException, so no ``except Exception`` turns it into an answer)."""


def _interrupt(_signum: int, _frame: object) -> None:
    raise _Slow


def pybpf_answer(family: str, seed: int, timeout: float) -> Answer | str:
    """pybpf's answer, or "traceback: ..." / "slow"."""
    case = case_of(family, seed)
    previous = signal.signal(signal.SIGALRM, _interrupt)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return FAMILIES[family].run(case, UserBackend())
    except _Slow:
        return "slow"
    except Exception as exc:
        return f"traceback: {type(exc).__name__}: {exc}"[:300] + "\n" + traceback.format_exc()[-1500:]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def show(spec: str, timeout: float) -> None:
    family, _, seed = spec.partition(":")
    print(case_of(family, int(seed)))
    print("pybpf: ", pybpf_answer(family, int(seed), timeout))
    print("kernel:", FAMILIES[family].run(case_of(family, int(seed)), NativeBackend()))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--families", nargs="*", default=sorted(FAMILIES), choices=sorted(FAMILIES))
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--examples", type=int, default=5)
    parser.add_argument("--show", metavar="FAMILY:SEED")
    args = parser.parse_args()
    if not kernel_bpf_available():
        print("the real bpf(2) is not available here", file=sys.stderr)
        return 2
    if args.show:
        show(args.show, args.timeout)
        return 0
    kernel = NativeBackend()
    rows = []
    failed = False
    for family in args.families:
        tally: Counter[str] = Counter()
        examples: list[str] = []
        pairs: Counter[tuple[int, int]] = Counter()
        started = time.monotonic()
        for seed in range(args.start, args.start + args.count):
            mine = pybpf_answer(family, seed, args.timeout)
            theirs = FAMILIES[family].run(case_of(family, seed), kernel)
            if isinstance(mine, str):
                kind = "slow" if mine == "slow" else "traceback"
            elif environmental(family, case_of(family, seed), theirs):
                kind = "env"
            elif mine == theirs:
                kind = "agree"
            elif known_gap(family, case_of(family, seed)):
                kind = "gap"
            elif mine.errno != theirs.errno:
                kind = "errno"
                pairs[mine.errno, theirs.errno] += 1
            else:
                kind = "fields"
            tally[kind] += 1
            if kind not in ("agree", "env", "gap"):
                line = f"  {kind} {family}:{seed}\n    pybpf:  {mine}\n    kernel: {theirs}"
                print(line, file=sys.stderr, flush=True)
                if len(examples) < args.examples:
                    examples.append(line)
        failed |= tally["agree"] + tally["env"] + tally["gap"] != args.count
        summary = ", ".join(f"{a}/{b}: {n}" for (a, b), n in pairs.most_common())
        if summary:
            examples.append(f"  {family} errno pybpf/kernel: {summary}")
        rows.append((family, args.count, tally, time.monotonic() - started, examples))
    kinds = ("agree", "errno", "fields", "traceback", "slow", "env", "gap")
    print(f"{'family':<12} {'cases':>6} " + " ".join(f"{kind:>9}" for kind in kinds) + f" {'s':>6}")
    for family, count, tally, seconds, _ in rows:
        print(
            f"{family:<12} {count:>6} "
            + " ".join(f"{tally[kind]:>9}" for kind in kinds)
            + f" {seconds:>6.1f}"
        )
    for *_, examples in rows:
        for line in examples:
            print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    # pybpf's objects live in a bpffs root of this run's own (as each test's): processes sharing the
    # default root share its locks and memory ledger
    os.environ["PYBPF_BPFFS"] = tempfile.mkdtemp(
        prefix="pybpf-fuzz-abi-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None
    )
    try:
        code = main()
    finally:
        shutil.rmtree(os.environ["PYBPF_BPFFS"], ignore_errors=True)
    sys.exit(code)
