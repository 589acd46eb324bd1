"""Benchmark of arena programs (BPF_MAP_TYPE_ARENA): pybpf's JIT against pybpf's interpreter, same run.

Two SYSCALL programs that spend their time in arena loads and stores (``BPF_PROBE_MEM32``):

* **arena list walk**: ``tests/data/c/arena_list.o`` (clang's ``address_space(1)``): ``arena_list_add``
  run four times with ``add_count`` = 250 links 1,000 nodes on four arena pages, then
  ``arena_list_sum`` walks them (two arena loads and a cast per node, its bound is 1,000 nodes);
* **arena fill and sum**: an assembly loop over one arena page: 512 times a u64 store, a u64 load
  back and an add through an arena pointer stepped by 8.

Each is loaded on each engine (``PYBPF_ENGINE``: ``interpreter``, ``jit``) and run with
``Program.run()`` (BPF_PROG_TEST_RUN; the kernel refuses ``repeat`` for SYSCALL programs, so one run
per call): the wall time per call, the best of ``rounds`` batches of ``calls``.  The kernel cannot
be compared: it refuses arenas here (BPF_MAP_CREATE: EPERM), as the table says.

    .venv/bin/python benchmarks/bench_arena.py [--calls N] [--rounds N]
"""

from __future__ import annotations

import argparse
import errno
import os
import struct
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pybpf import Map, Program, uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.prog_run import ENGINE_VARIABLE
from pybpf.object import load_object

ROOT = Path(__file__).resolve().parent.parent
ARENA_LIST = ROOT / "tests" / "data" / "c" / "arena_list.o"
PAGE = 4096
ADDRESS = 1 << 33
ENGINES = ("interpreter", "jit")

FILL_SUM = f"""
    r1 = map_value(a, 0)
    .insn 0xbf, 1, 1, 1, 1
    r0 = 0
    r2 = 0
loop:
    *(u64 *)(r1 + 0) = r2
    r3 = *(u64 *)(r1 + 0)
    r0 += r3
    r1 += 8
    r2 += 1
    if r2 < {PAGE // 8} goto loop
    exit
"""
"""One pass over the page at the arena's start: the sum of 0..511 (130,816)."""

ALLOC = """
    r1 = map_fd(a) ll
    r2 = 0
    r3 = 1
    r4 = -1
    r5 = 0
    call kfunc(bpf_arena_alloc_pages)
    r0 = 0
    exit
"""


@contextmanager
def engine(name: str) -> Iterator[None]:
    old = os.environ.get(ENGINE_VARIABLE)
    os.environ[ENGINE_VARIABLE] = name
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(ENGINE_VARIABLE, None)
        else:
            os.environ[ENGINE_VARIABLE] = old


def best_per_call(run: Callable[[], int], calls: int, rounds: int, expected: int) -> float:
    """Microseconds per call of ``run`` (checked to answer ``expected``), the best of ``rounds``."""
    assert run() == expected
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for _ in range(calls):
            run()
        best = min(best, (time.perf_counter_ns() - start) / calls / 1000)
    return best


def list_walk(name: str, calls: int, rounds: int) -> float:
    with engine(name), load_object(ARENA_LIST, backend=UserBackend()) as obj:
        obj.maps[".data"].update(struct.pack("<I", 0), struct.pack("<i", 250))
        add, total = obj.programs["arena_list_add"], obj.programs["arena_list_sum"]
        for _ in range(4):
            assert add.run().retval == 0
        per_call = best_per_call(lambda: total.run().retval, calls, rounds, 0)
        _, summed, count = struct.unpack_from("<QQQ", bytes(obj.maps[".bss"].lookup(struct.pack("<I", 0))))
        assert (summed, count) == (4 * 250 * 251 // 2, 1000)
        return per_call


def resolve_kfuncs(text: str) -> str:
    sys.path.insert(0, str(ROOT))
    from tests.verifier.verifier_corpus import resolve_kfuncs as resolve

    return resolve(text)


def fill_sum(name: str, calls: int, rounds: int) -> float:
    backend = UserBackend()
    arena = Map.create(
        uapi.BPF_MAP_TYPE_ARENA, 0, 0, 1, uapi.BPF_F_MMAPABLE, map_extra=ADDRESS, backend=backend
    )
    flags = uapi.BPF_F_SLEEPABLE
    with engine(name), arena:
        alloc_text = resolve_kfuncs(ALLOC)
        with Program.load(
            alloc_text, "syscall", maps={"a": arena.fd}, prog_flags=flags, backend=backend
        ) as alloc:
            alloc.run()
        with Program.load(
            FILL_SUM, "syscall", maps={"a": arena.fd}, prog_flags=flags, backend=backend
        ) as prog:
            return best_per_call(lambda: prog.run().retval, calls, rounds, sum(range(PAGE // 8)))


def kernel_note() -> str:
    if not kernel_bpf_available():
        return "bpf(2) unavailable"
    try:
        Map.create(uapi.BPF_MAP_TYPE_ARENA, 0, 0, 1, uapi.BPF_F_MMAPABLE, backend=NativeBackend()).close()
    except OSError as exc:
        return f"refuses arenas ({errno.errorcode.get(exc.errno or 0, exc.errno)})"
    return "accepts arenas (not measured: pybpf's engines only)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    batches = f"best of {args.rounds} x {args.calls}"
    print(f"arena programs, µs per Program.run() ({batches}); kernel: {kernel_note()}")
    print(f"{'program':<22}{'interpreter':>14}{'jit':>10}{'speed-up':>10}")
    for label, bench in (("arena list walk", list_walk), ("arena fill and sum", fill_sum)):
        times = {name: bench(name, args.calls, args.rounds) for name in ENGINES}
        ratio = times["interpreter"] / times["jit"]
        print(f"{label:<22}{times['interpreter']:>14.1f}{times['jit']:>10.1f}{ratio:>9.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
