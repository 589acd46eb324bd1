"""Benchmark of pybpf's JIT: ns per run against pybpf's interpreter and the kernel's JIT.

Loads a few XDP programs — a pure ALU loop (1,000 iterations), a checksum over a 1,024-byte packet
with a bounds check per 16-bit word, an array-map-heavy loop (64 lookups and updates) and a
packet parser without loops — on pybpf with each engine (``PYBPF_ENGINE``: ``jit``,
``interpreter``) and, where the real bpf(2) is available, on the kernel in the same run.  Each is
run with BPF_PROG_TEST_RUN and ``repeat`` runs per call; the duration the call reports (mean ns per
run, measured the same way by both: around the repeat loop) is taken, the best of ``rounds`` calls,
as the machine may be shared.  It then times the per-call cost of ``Program.run()`` from Python
(one run per call, wall time, best of ``rounds`` batches) on each, and the JIT's compile time of
100 to 4,000-instruction programs, compiled and linked from the object cache.

    .venv/bin/python benchmarks/bench_jit.py [--repeat N] [--rounds N] [--no-kernel]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from pybpf import Map, Program, assemble, uapi
from pybpf.jit import cache, codegen
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.prog_run import native_code
from pybpf.kernel.progobj import ProgObject

ALU_LOOP = """
    r0 = 0
    r1 = 0
loop:
    r0 += r1
    r0 ^= 0x5a5a
    r0 *= 3
    r0 >>= 1
    r1 += 1
    if r1 < 1000 goto loop
    r0 &= 3
    exit
"""

CHECKSUM = """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 0
    r6 = 0
loop:
    r4 = r2
    r4 += r6
    r5 = r4
    r5 += 2
    if r5 > r3 goto done
    r5 = *(u16 *)(r4 + 0)
    r0 += r5
    r6 += 2
    if r6 < 1024 goto loop
done:
    r1 = r0
    r1 >>= 16
    r0 &= 0xffff
    r0 += r1
    r0 &= 3
    exit
"""

MAP_LOOP = """
    r6 = 0
loop:
    *(u32 *)(r10 - 4) = r6
    r1 = map_fd(values) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto next
    r1 = *(u64 *)(r0 + 0)
    r1 += 1
    *(u64 *)(r0 + 0) = r1
next:
    r6 += 1
    if r6 < 64 goto loop
    r0 = 2
    exit
"""

PARSE = """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 42
    if r4 > r3 goto drop
    r5 = *(u16 *)(r2 + 12)
    if r5 != 8 goto pass
    r5 = *(u8 *)(r2 + 23)
    if r5 != 17 goto pass
    r5 = *(u16 *)(r2 + 36)
    if r5 == 0x3500 goto drop
pass:
    r0 = 2
    exit
drop:
    r0 = 1
    exit
"""

CASES = (
    ("ALU loop (1000 iterations)", ALU_LOOP),
    ("checksum over 1024 bytes", CHECKSUM),
    ("array-map loop (64 lookups)", MAP_LOOP),
    ("parse eth/ipv4/udp", PARSE),
)
PACKET = bytes(14) + bytes([0x45]) + bytes(range(256)) * 4


@contextmanager
def engine(name: str | None) -> Iterator[None]:
    """Programs loaded inside run on ``name`` (``PYBPF_ENGINE``; None: leave it)."""
    old = os.environ.get("PYBPF_ENGINE")
    if name is not None:
        os.environ["PYBPF_ENGINE"] = name
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYBPF_ENGINE", None)
        else:
            os.environ["PYBPF_ENGINE"] = old


@contextmanager
def loaded(backend: Backend, text: str) -> Iterator[Program]:
    maps: dict[str, Map] = {}
    if "values" in text:
        maps["values"] = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 64, backend=backend)
    try:
        with Program.load(text, "xdp", maps=maps, backend=backend) as prog:
            prog.run(PACKET)  # warm up
            yield prog
    finally:
        for m in maps.values():
            m.close()


def ns_per_run(backend: Backend, text: str, repeat: int, rounds: int) -> int:
    """The best mean ns per run BPF_PROG_TEST_RUN reports over ``rounds`` calls."""
    with loaded(backend, text) as prog:
        return min(prog.run(PACKET, repeat=repeat).duration for _ in range(rounds))


def per_call_ns(backend: Backend, text: str, calls: int, rounds: int) -> int:
    """Wall ns of one ``Program.run()`` (one run), the best mean of ``rounds`` batches of ``calls``."""
    with loaded(backend, text) as prog:
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter_ns()
            for _ in range(calls):
                prog.run(PACKET)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1000, help="runs per BPF_PROG_TEST_RUN (default 1000)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="calls per program; the best counts (default 3)"
    )
    parser.add_argument(
        "--calls", type=int, default=2000, help="Program.run() calls per batch (default 2000)"
    )
    parser.add_argument("--no-kernel", action="store_true", help="skip the kernel column")
    args = parser.parse_args()
    kernel = None if args.no_kernel or not kernel_bpf_available() else NativeBackend()
    user = UserBackend()

    print(f"ns per run (BPF_PROG_TEST_RUN duration, repeat {args.repeat}, best of {args.rounds})")
    header = (
        f"{'program':<30}{'jit':>10}{'interpreter':>13}{'kernel':>10}{'jit/kernel':>12}{'interp/jit':>12}"
    )
    print(header)
    for name, text in CASES:
        with engine("jit"):
            jit = ns_per_run(user, text, args.repeat, args.rounds)
        with engine("interpreter"):
            interp = ns_per_run(user, text, max(args.repeat // 20, 1), args.rounds)
        theirs = ns_per_run(kernel, text, args.repeat, args.rounds) if kernel else 0
        kernel_ns = f"{theirs:,}" if theirs else "-"
        ratios = f"{ratio(jit, theirs):>12}{ratio(interp, jit):>12}"
        print(f"{name:<30}{jit:>10,}{interp:>13,}{kernel_ns:>10}{ratios}")

    print(f"\nper-call cost of Program.run() from Python (wall ns, one run per call, {args.calls} calls)")
    print(f"{'program':<30}{'jit':>10}{'interpreter':>13}{'kernel':>10}{'jit/kernel':>12}")
    for name, text in CASES[3:]:
        with engine("jit"):
            jit = per_call_ns(user, text, args.calls, args.rounds)
        with engine("interpreter"):
            interp = per_call_ns(user, text, args.calls, args.rounds)
        theirs = per_call_ns(kernel, text, args.calls, args.rounds) if kernel else 0
        kernel_ns = f"{theirs:,}" if theirs else "-"
        print(f"{name:<30}{jit:>10,}{interp:>13,}{kernel_ns:>10}{ratio(jit, theirs):>12}")

    print("\nJIT compile time at load (ms): compiled, and linked from the object cache")
    for n in (100, 1000, 4000):
        cold, cached = compile_ms(n)
        print(f"{n:>6,} instructions{cold:>10.1f}{cached:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
