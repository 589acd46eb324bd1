"""Benchmark of pybpf's JIT: ns per run against pybpf's interpreter and the kernel's JIT.

Runs the suite of ``benchmarks/jit_suite.py`` — ten XDP programs compiled from C (``benchmarks/c``):
pure ALU, a prime count with 64-bit modulo, a checksum over the packet, byte copies with a bounds check
per byte, a switch-heavy dispatcher, bpf-to-bpf calls in a loop, array-map and hash-map heavy loops, a
sort on the stack and a parser/firewall — loaded by pybpf's ELF loader on pybpf with each engine
(``PYBPF_ENGINE``: ``jit``, ``interpreter``) and, where the real bpf(2) is available, on the kernel
(the same loader through the native backend), in the same run.  Each is run with BPF_PROG_TEST_RUN and
``repeat`` runs per call on a 1,024-byte UDP frame; the duration the call reports (mean ns per run,
measured the same way by both: around the repeat loop) is taken, the best of ``rounds`` calls, as the
machine may be shared.  A program pybpf's verifier refuses is reported as such in its row.  The table
ends with the geometric means of the ratios.  Then the per-call cost of ``Program.run()`` from Python
(one run per call, wall time, best of ``rounds`` batches) on each, and the JIT's compile time of
straight-line programs of 100 to 4,000 instructions, compiled and linked from the object cache.

    .venv/bin/python benchmarks/bench_jit.py [--repeat N] [--rounds N] [--calls N] [--only a,b] [--no-kernel]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time

from jit_suite import FRAME, SUITE, SuiteProgram, engine, loaded
from pybpf import Program, ProgramLoadError, assemble
from pybpf.jit import cache, codegen
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.prog_run import native_code
from pybpf.kernel.progobj import ProgObject

PER_CALL = "firewall"
"""The program whose per-call cost from Python is timed (loop-free, a few dozen instructions)."""


class Refused(Exception):
    """pybpf's verifier refused a suite program: the reason is the last line of its log."""


def refusal(error: ProgramLoadError) -> str:
    """Why the verifier refused: the last line of its log before the statistics."""
    statistics = ("verification time", "stack depth", "processed ")
    lines = [line for line in error.raw_log.splitlines() if line.strip() and not line.startswith(statistics)]
    return lines[-1] if lines else str(error).splitlines()[0]


def ns_per_run(
    program: SuiteProgram, backend: Backend, engine_name: str | None, repeat: int, rounds: int
) -> int:
    """The best mean ns per run BPF_PROG_TEST_RUN reports over ``rounds`` calls of ``repeat`` runs."""
    try:
        with loaded(program, backend, engine_name) as obj:
            prog = obj.programs[program.name]
            prog.run(FRAME)  # warm up
            return min(prog.run(FRAME, repeat=repeat).duration for _ in range(rounds))
    except ProgramLoadError as error:
        raise Refused(refusal(error)) from None


def per_call_ns(
    program: SuiteProgram, backend: Backend, engine_name: str | None, calls: int, rounds: int
) -> int:
    """Wall ns of one ``Program.run()`` (one run), the best mean of ``rounds`` batches of ``calls``."""
    with loaded(program, backend, engine_name) as obj:
        prog = obj.programs[program.name]
        prog.run(FRAME)
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter_ns()
            for _ in range(calls):
                prog.run(FRAME)
            best = min(best, (time.perf_counter_ns() - start) / calls)
    return int(best)


def compile_ms(n: int) -> tuple[float, float]:
    """Milliseconds the JIT takes to have an ``n``-instruction straight-line program at load: compiled
    (a fresh object cache) and then, as another process would, linked from the object cache."""
    lines = ["r0 = 1"] + [f"r0 += {i % 7}" if i % 3 else "r1 = r0" for i in range(n - 2)] + ["exit"]
    insns = assemble("\n".join(lines))
    times = []
    with tempfile.TemporaryDirectory() as directory, engine("jit"):
        os.environ[cache.DIRECTORY_VARIABLE] = directory
        try:
            for _ in range(2):
                codegen.clear_cache()
                cache._current = None  # nothing in memory: only what is on disk
                with Program.load(insns, "xdp", backend=UserBackend()) as prog:
                    compiled = native_code(ProgObject.from_fd(prog.fd))
                    times.append(compiled.compile_ns / 1e6 if compiled is not None else float("nan"))
        finally:
            del os.environ[cache.DIRECTORY_VARIABLE]
    return times[0], times[1]


def ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def geomean(ratios: list[float]) -> str:
    return f"{math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}x" if ratios else "-"


def suite_table(programs: list[SuiteProgram], kernel: Backend | None, repeat: int, rounds: int) -> None:
    user = UserBackend()
    print(f"ns per run (BPF_PROG_TEST_RUN duration, repeat {repeat}, interpreter {max(repeat // 20, 1)}, "
          f"best of {rounds})")  # fmt: skip
    print(f"{'program':<30}{'jit':>10}{'interpreter':>13}{'kernel':>10}{'jit/kernel':>12}{'interp/jit':>12}")
    jit_kernel: list[float] = []
    interp_jit: list[float] = []
    for program in programs:
        theirs = ns_per_run(program, kernel, None, repeat, rounds) if kernel else 0
        kernel_ns = f"{theirs:,}" if theirs else "-"
        try:
            jit = ns_per_run(program, user, "jit", repeat, rounds)
            interp = ns_per_run(program, user, "interpreter", max(repeat // 20, 1), rounds)
        except Refused as refused:
            print(f"{program.title:<30}{'refused: ' + str(refused):>35}  kernel {kernel_ns}")
            continue
        if theirs:
            jit_kernel.append(jit / theirs)
        interp_jit.append(interp / jit)
        ratios = f"{ratio(jit, theirs):>12}{ratio(interp, jit):>12}"
        print(f"{program.title:<30}{jit:>10,}{interp:>13,}{kernel_ns:>10}{ratios}")
    means = f"{geomean(jit_kernel):>12}{geomean(interp_jit):>12}"
    print(f"{'geometric mean':<63}{means}")
    worst = f"{max(jit_kernel):.2f}x" if jit_kernel else "-"
    print(f"goals: jit/kernel at most 0.80x on the geometric mean, no program above 1.50x (worst: {worst})")


def per_call_table(program: SuiteProgram, kernel: Backend | None, calls: int, rounds: int) -> None:
    user = UserBackend()
    print(f"\nper-call cost of Program.run() from Python (wall ns, one run per call, {calls} calls)")
    print(f"{'program':<30}{'jit':>10}{'interpreter':>13}{'kernel':>10}{'jit/kernel':>12}")
    try:
        jit = per_call_ns(program, user, "jit", calls, rounds)
        interp = per_call_ns(program, user, "interpreter", calls, rounds)
    except ProgramLoadError as error:
        print(f"{program.title:<30}refused: {refusal(error)}")
        return
    theirs = per_call_ns(program, kernel, None, calls, rounds) if kernel else 0
    kernel_ns = f"{theirs:,}" if theirs else "-"
    print(f"{program.title:<30}{jit:>10,}{interp:>13,}{kernel_ns:>10}{ratio(jit, theirs):>12}")
    print("goal: jit/kernel at most 0.50x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1000, help="runs per BPF_PROG_TEST_RUN (default 1000)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="calls per program; the best counts (default 3)"
    )
    parser.add_argument(
        "--calls", type=int, default=2000, help="Program.run() calls per batch (default 2000)"
    )
    parser.add_argument("--only", default="", help="comma-separated suite programs (default: all)")
    parser.add_argument("--no-kernel", action="store_true", help="skip the kernel column")
    args = parser.parse_args()
    kernel = None if args.no_kernel or not kernel_bpf_available() else NativeBackend()
    wanted = set(filter(None, args.only.split(",")))
    unknown = wanted - {p.name for p in SUITE}
    if unknown:
        parser.error(
            f"no suite program {', '.join(sorted(unknown))} (programs: {', '.join(p.name for p in SUITE)})"
        )
    programs = [p for p in SUITE if not wanted or p.name in wanted]

    suite_table(programs, kernel, args.repeat, args.rounds)
    per_call_table(next(p for p in SUITE if p.name == PER_CALL), kernel, args.calls, args.rounds)

    print("\nJIT compile time at load (ms): compiled, and linked from the object cache")
    for n in (100, 1000, 4000):
        cold, cached = compile_ms(n)
        print(f"{n:>6,} instructions{cold:>10.1f}{cached:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
