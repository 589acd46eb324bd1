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
(one run per call, CPU and wall time, best of ``rounds`` batches) on each, for a map-free XDP parser,
a small map-free program of each type with a kept test run (XDP, SCHED_CLS, SOCKET_FILTER,
RAW_TRACEPOINT, SYSCALL), XDP programs writing a ring buffer record and updating a hash map, and the
suite's firewall (a map lookup), and the JIT's compile time of
straight-line programs of 100 to 4,000 instructions, compiled and linked from the object cache.

    .venv/bin/python benchmarks/bench_jit.py [--repeat N] [--rounds N] [--calls N] [--only a,b]
                                             [--no-kernel] [--per-call-only]
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench_native_helpers import RINGBUF_OUTPUT
from jit_suite import FRAME, SUITE, SuiteProgram, engine, loaded
from pybpf import Map, Program, ProgramLoadError, assemble, uapi
from pybpf.errors import BPFError
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
) -> tuple[int, int]:
    """(wall ns, CPU ns) of one ``Program.run()`` (one run): the best means of ``rounds`` x ``calls``."""
    with loaded(program, backend, engine_name) as obj:
        prog = obj.programs[program.name]
        prog.run(FRAME)
        return per_call(lambda: prog.run(FRAME), calls, rounds)


def per_call(call: Callable[[], object], calls: int, rounds: int) -> tuple[int, int]:
    """(wall ns, CPU ns) of one ``call()``: the best means of ``rounds`` batches of ``calls``."""
    wall = cpu = float("inf")
    for _ in range(rounds):
        started, started_cpu = time.perf_counter_ns(), time.process_time_ns()
        for _ in range(calls):
            call()
        cpu = min(cpu, (time.process_time_ns() - started_cpu) / calls)
        wall = min(wall, (time.perf_counter_ns() - started) / calls)
    return int(wall), int(cpu)


@dataclass(frozen=True)
class PerCallCase:
    """A small program of one type, run by ``Program.run`` with its test-run input."""

    title: str
    prog_type: str
    text: str
    data: bytes = b""
    ctx: bytes | None = None
    prog_flags: int = 0
    maps: tuple[tuple[str, int, int, int, int], ...] = ()
    """The maps it names: (name, map type, key size, value size, max entries), created fresh."""


PARSER = """
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r3 = r1
    r3 += 42
    if r3 > r2 goto drop
    r4 = *(u16 *)(r1 + 12)
    if r4 != 8 goto pass
    r4 = *(u8 *)(r1 + 23)
    if r4 != 17 goto pass
    r4 = *(u16 *)(r1 + 36)
    if r4 == 0xb512 goto pass
drop:
    r0 = 1
    exit
pass:
    r0 = 2
    exit
"""
"""A map-free XDP parser: Ethernet, IPv4, UDP to port 4789 passes (the frame), anything else drops."""

HASH_UPDATE = """
    r1 = 7
    *(u32 *)(r10 - 4) = r1
    r1 = 1
    *(u64 *)(r10 - 16) = r1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    r1 = map_fd(flows) ll
    call bpf_map_update_elem
    r0 = 2
    exit
"""
"""``flows[7] = 1`` in a hash map (native: ``pybpf.jit.native_hash_write``)."""

PER_CALL_CASES = (
    PerCallCase("parser (xdp, map-free)", "xdp", PARSER, data=FRAME),
    PerCallCase("xdp: r0 = XDP_PASS", "xdp", "r0 = 2\nexit", data=FRAME),
    PerCallCase("sched_cls: skb->len", "sched_cls", "r0 = *(u32 *)(r1 + 0)\nexit", data=FRAME),
    PerCallCase("socket_filter: skb->len", "socket_filter", "r0 = *(u32 *)(r1 + 0)\nexit", data=FRAME),
    PerCallCase("raw_tracepoint: args[0]", "raw_tracepoint", "r0 = *(u64 *)(r1 + 0)\nexit", ctx=bytes(16)),
    PerCallCase(
        "syscall: ctx u32", "syscall", "r0 = *(u32 *)(r1 + 0)\nexit", ctx=bytes(16),
        prog_flags=uapi.BPF_F_SLEEPABLE,
    ),
    PerCallCase(
        "xdp: ringbuf_output (map)", "xdp", RINGBUF_OUTPUT, data=FRAME,
        maps=(("ring", uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 1 << 22),),
    ),
    PerCallCase(
        "xdp: hash update (map)", "xdp", HASH_UPDATE, data=FRAME,
        maps=(("flows", uapi.BPF_MAP_TYPE_HASH, 4, 8, 64),),
    ),
)  # fmt: skip


def case_per_call(
    case: PerCallCase, backend: Backend, engine_name: str | None, calls: int, rounds: int
) -> tuple[int, int]:
    """(wall ns, CPU ns) of one ``Program.run()`` of ``case`` (loaded and run on engine ``engine_name``)."""
    with engine(engine_name), contextlib.ExitStack() as stack:
        maps = {
            name: stack.enter_context(Map.create(kind, key, value, entries, name=name, backend=backend))
            for name, kind, key, value, entries in case.maps
        }
        prog = Program.load(case.text, case.prog_type, backend=backend, prog_flags=case.prog_flags, maps=maps)
        with prog:
            prog.run(case.data, ctx=case.ctx)
            return per_call(lambda: prog.run(case.data, ctx=case.ctx), calls, rounds)


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
    print(f"\nper-call cost of Program.run() from Python (ns per call, one run, best of {rounds} x {calls}"
          " calls; CPU: process time, wall: elapsed)")  # fmt: skip
    print(f"{'program':<30}{'jit cpu':>9}{'interp cpu':>11}{'kernel cpu':>11}{'jit/kernel':>11}"
          f"{'jit wall':>10}{'interp wall':>12}{'kernel wall':>12}")  # fmt: skip
    rows: list[tuple[str, Callable[[Backend, str | None], tuple[int, int]]]] = [
        (case.title, lambda b, e, case=case: case_per_call(case, b, e, calls, rounds))
        for case in PER_CALL_CASES
    ]
    rows.append((program.title + " (map)", lambda b, e: per_call_ns(program, b, e, calls, rounds)))
    for title, measure in rows:
        try:
            jit = measure(user, "jit")
            interp = measure(user, "interpreter")
        except (ProgramLoadError, BPFError) as error:
            print(f"{title:<30}refused: {error}")
            continue
        theirs = measure(kernel, None) if kernel else (0, 0)
        cpu = "".join(f"{n:>11,}" if n else f"{'-':>11}" for n in (interp[1], theirs[1]))
        wall = "".join(f"{n:>12,}" for n in (interp[0], theirs[0]))
        jit_cpu = f"{jit[1]:>9,}" if jit[1] else f"{'-':>9}"
        print(f"{title:<30}{jit_cpu}{cpu}{ratio(jit[1], theirs[1]):>11}{jit[0]:>10,}{wall}")
    print("goal: jit/kernel at most 0.50x (CPU)")


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
    parser.add_argument(
        "--per-call-only", action="store_true", help="only the per-call table (no suite, no compile times)"
    )
    args = parser.parse_args()
    kernel = None if args.no_kernel or not kernel_bpf_available() else NativeBackend()
    wanted = set(filter(None, args.only.split(",")))
    unknown = wanted - {p.name for p in SUITE}
    if unknown:
        parser.error(
            f"no suite program {', '.join(sorted(unknown))} (programs: {', '.join(p.name for p in SUITE)})"
        )
    programs = [p for p in SUITE if not wanted or p.name in wanted]

    if not args.per_call_only:
        suite_table(programs, kernel, args.repeat, args.rounds)
    per_call_table(next(p for p in SUITE if p.name == PER_CALL), kernel, args.calls, args.rounds)
    if args.per_call_only:
        return 0

    print("\nJIT compile time at load (ms): compiled, and linked from the object cache")
    for n in (100, 1000, 4000):
        cold, cached = compile_ms(n)
        print(f"{n:>6,} instructions{cold:>10.1f}{cached:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
