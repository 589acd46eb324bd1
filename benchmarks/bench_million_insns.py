"""Benchmark of the million-instruction loads of the kernel's own test harnesses, as they load them.

The kernel's selftests that make pybpf process about a million instructions, each loaded once on
pybpf's user backend the way its harness loads it (``scripts/test_verifier_conformance.py``'s and
``scripts/selftests_conformance.py``'s ``load_one()``: the fixup maps, BPF_PROG_LOAD with a
statistics log, the test runs), and the two E2BIG loops of ``bench_verifier.py``:

- test_verifier's ``scale: scale test 1`` and ``2`` (8192 helper calls each followed by a decided
  jump and a spill, then 934 000 moves; the second in the innermost of 8 nested functions), ``ld_dw:
  xor semi-random 64 bit imms, test 5`` (333 000 lddw) and ``ld_abs: jump around ld_abs`` (4 680
  LD_ABS, small: in a fresh process its time is the JIT's compilation);
- ``verifier_search_pruning/short_loop1`` (refused: E2BIG at 1 000 001 processed instructions);
- ``e2big_range_loop`` and ``e2big_jset_loop`` of ``bench_verifier.py``.

For each it prints the CPU seconds of the whole load as the harness runs it (``load``: the deadline
of the harnesses' 120 s per load is wall time, so this is what a loaded machine stretches), of
pybpf's ``verify()`` alone, and the verifier's statistics line.  Compare trees in one run of the
machine (ABAB), CPU time only.  Inputs: ``scripts/build_selftests.sh -t`` (the test_verifier JSON)
and ``scripts/build_selftests.sh ... 'verifier_search_pruning*'`` (the object directory)::

    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/bench_million_insns.py --suite ST/test_verifier.json \\
        --objects ST/obj [--only NAME]
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "scripts"), str(ROOT / "benchmarks"), str(ROOT)]

from pybpf import native, uapi  # noqa: E402
from pybpf.kernel import prog_load  # noqa: E402
from pybpf.kernel.backend import UserBackend  # noqa: E402
from pybpf.verifier.pipeline import verify  # noqa: E402
from pybpf.verifier.request import LoadRequest, VerifiedProgram  # noqa: E402

_STATS = re.compile(r"processed \d+ insns.*")
_VERIFY_CPU = [0.0]


def _timed_verify(request: LoadRequest) -> VerifiedProgram:
    start = time.process_time()
    try:
        return verify(request)
    finally:
        _VERIFY_CPU[0] += time.process_time() - start


def _test_verifier(suite: Path, descr: str) -> Callable[[], tuple[int, str]]:
    def load() -> tuple[int, str]:
        import test_verifier_conformance as tv

        data = tv.read_suite(suite)
        test = dict(next(t for t in data["tests"] if t["descr"] == descr))
        test["result"] = 0  # (not VERBOSE_ACCEPT: the statistics log level)
        result = tv.load_one(test, data, UserBackend(), 100_000)
        return result.errno, result.crash or result.log

    return load


def _selftest(path: Path, program: str) -> Callable[[], tuple[int, str]]:
    def load() -> tuple[int, str]:
        import selftests_conformance as st

        spec = st.read_object(str(path))
        specs = st.test_specs(spec)
        test = copy.copy(specs[program])
        test.log_level |= uapi.BPF_LOG_STATS
        aux = [name for name, s in specs.items() if s.auxiliary and s.priv and name != program]
        result = st.load_one(spec, test, aux, UserBackend(), 100_000)
        return result.errno, result.crash or result.log

    return load


def _bench_case(name: str) -> Callable[[], tuple[int, str]]:
    def load() -> tuple[int, str]:
        import bench_verifier as bench

        case = next(c for c in bench.CASES if c.name == name)
        result = bench.measure(case, UserBackend(), 1)
        _VERIFY_CPU[0] += result.verify_cpu  # (its own clock replaces this one meanwhile)
        return result.err, f"processed {result.processed} insns"

    return load


def programs(suite: Path, objects: Path) -> dict[str, Callable[[], tuple[int, str]]]:
    pruning = objects / "verifier_search_pruning.bpf.o"
    return {
        "scale test 1": _test_verifier(suite, "scale: scale test 1"),
        "scale test 2": _test_verifier(suite, "scale: scale test 2"),
        "ld_dw test 5": _test_verifier(suite, "ld_dw: xor semi-random 64 bit imms, test 5"),
        "jump around ld_abs": _test_verifier(suite, "ld_abs: jump around ld_abs"),
        "short_loop1": _selftest(pruning, "short_loop1"),
        "e2big_range_loop": _bench_case("e2big_range_loop"),
        "e2big_jset_loop": _bench_case("e2big_jset_loop"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--suite", type=Path, required=True, help="test_verifier.json (build_selftests.sh -t)"
    )
    parser.add_argument(
        "--objects", type=Path, required=True, help="the directory of verifier_search_pruning.bpf.o"
    )
    parser.add_argument("--only", default="", help="only the programs whose name contains this")
    args = parser.parse_args()
    vars(prog_load)["verify"] = _timed_verify
    print(f"pybpf's verifier: {native.status()}")
    print(f"{'program':<20} {'load cpu':>9} {'verify cpu':>10}  errno  statistics")
    for name, load in programs(args.suite, args.objects).items():
        if args.only and args.only not in name:
            continue
        _VERIFY_CPU[0] = 0.0
        start = time.process_time()
        err, log = load()
        spent = time.process_time() - start
        found: Any = _STATS.search(log)
        stats = found.group(0) if found else log.strip().splitlines()[-1:]
        print(f"{name:<20} {spent:9.2f} {_VERIFY_CPU[0]:10.2f}  {err:5}  {stats}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
