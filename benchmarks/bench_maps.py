"""Benchmark of map operations from Python: pybpf's user-space maps against the real kernel.

The matrix of issue 3: ARRAY maps (4-byte keys) and HASH maps (4- and 64-byte keys), 8- and
256-byte values, ``--entries`` elements (100k).  Each case fills one map per backend, then times
``--ops`` lookups, updates (BPF_ANY of existing keys) and deletes through the Pythonic
``pybpf.Map``, on pybpf's user backend and on the native backend (the real bpf(2) through ctypes:
the cost a Python user of the kernel pays), in the same run.  ARRAY has no delete (EINVAL), so
its third operation is an update of an existing index with BPF_EXIST; HASH adds the re-insert of
the deleted keys (BPF_NOEXIST), which restores the map for the next round.

Every round runs the backends one after the other on the same keys; with ``--repeat`` rounds the
best rate of each backend is kept (the machine may be shared).  Rates are thousands of operations
per second of wall time and of CPU time of this process (``time.process_time``: user + system,
so the kernel's own work in bpf(2) counts).  Finally it creates a 1M-entry ARRAY and HASH map on
each backend and reports the time it takes, this process's resident memory growth and, for pybpf,
the object file's size and allocated bytes (for the kernel, the ``memlock`` it charges).

    .venv/bin/python benchmarks/bench_maps.py [--entries N] [--ops N] [--repeat N] [--no-kernel]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.map import Map

ARRAY, HASH = uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_HASH
CASES = [(ARRAY, 4, 8), (ARRAY, 4, 256), (HASH, 4, 8), (HASH, 4, 256), (HASH, 64, 8), (HASH, 64, 256)]
TYPE_NAMES = {ARRAY: "array", HASH: "hash"}


@dataclass
class Rates:
    """Best rates seen for one operation on one backend, k ops/s."""

    wall: float = 0.0
    cpu: float = 0.0

    def add(self, count: int, wall: float, cpu: float) -> None:
        self.wall = max(self.wall, count / max(wall, 1e-9) / 1000)
        self.cpu = max(self.cpu, count / max(cpu, 1e-9) / 1000)


@dataclass
class Case:
    map_type: int
    key_size: int
    value_size: int
    rates: dict[tuple[str, str], Rates] = field(default_factory=dict)


def keys_for(map_type: int, key_size: int, n: int) -> list[bytes]:
    if map_type == ARRAY:
        return [i.to_bytes(4, "little") for i in range(n)]
    rng = random.Random(key_size)
    chosen = rng.sample(range(1 << 32), n)  # distinct keys
    return [k.to_bytes(4, "little") + bytes(key_size - 4) for k in chosen]


def timed(fn: Callable[[bytes], object], items: list[bytes]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for item in items:
        fn(item)
    return time.perf_counter() - wall, time.process_time() - cpu


def operations(m: Map, case: Case, value: bytes) -> list[tuple[str, Callable[[bytes], object]]]:
    ops: list[tuple[str, Callable[[bytes], object]]] = [
        ("lookup", m.lookup),
        ("update", lambda k: m.update(k, value)),
    ]
    if case.map_type == ARRAY:
        ops.append(("update existing", lambda k: m.update(k, value, uapi.BPF_EXIST)))
    else:
        ops.append(("delete", m.delete))
        ops.append(("insert", lambda k: m.update(k, value, uapi.BPF_NOEXIST)))
    return ops


def run_case(case: Case, backends: list[tuple[str, Backend]], entries: int, ops: int, repeat: int) -> None:
    keys = keys_for(case.map_type, case.key_size, entries)
    value = bytes(range(256))[: case.value_size].ljust(case.value_size, b"\x00")
    maps = [(name, Map.create(case.map_type, case.key_size, case.value_size, entries, backend=backend))
            for name, backend in backends]  # fmt: skip
    try:
        for _, m in maps:
            for key in keys:
                m.update(key, value)
        rng = random.Random(1)
        for _ in range(repeat):
            sample = rng.sample(keys, min(ops, len(keys)))
            for name, m in maps:
                for op, fn in operations(m, case, value):
                    wall, cpu = timed(fn, sample)
                    case.rates.setdefault((name, op), Rates()).add(len(sample), wall, cpu)
    finally:
        for _, m in maps:
            m.close()


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGESIZE")


def memlock(fd: int) -> str:
    try:
        with open(f"/proc/self/fdinfo/{fd}") as f:
            for line in f:
                if line.startswith("memlock:"):
                    return f"memlock {int(line.split()[1]) / 2**20:.1f} MiB"
    except OSError:
        pass
    return "memlock ?"


def create_large(name: str, backend: Backend, map_type: int, entries: int) -> str:
    """Create a map of ``entries`` (8-byte keys and values; arrays 4-byte keys) and describe the cost."""
    key_size = 4 if map_type == ARRAY else 8
    rss = rss_bytes()
    wall, cpu = time.perf_counter(), time.process_time()
    m = Map.create(map_type, key_size, 8, entries, backend=backend)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    grown = (rss_bytes() - rss) / 2**20
    try:
        if isinstance(backend, UserBackend):
            st = os.fstat(m.fd)
            where = f"file {st.st_size / 2**20:.1f} MiB, allocated {st.st_blocks * 512 / 2**20:.1f} MiB"
        else:
            where = memlock(m.fd)
    finally:
        m.close()
    data = entries * (key_size + 8 if map_type == HASH else 8) / 2**20
    return (
        f"{name:6} create {TYPE_NAMES[map_type]:5} of {entries} entries (data {data:.1f} MiB): "
        f"{wall * 1000:7.1f} ms wall, {cpu * 1000:7.1f} ms CPU, RSS +{grown:.1f} MiB, {where}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--ops", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5, help="rounds per case; the best is kept")
    parser.add_argument("--large", type=int, default=1_000_000, help="entries of the creation test")
    parser.add_argument("--no-kernel", action="store_true")
    args = parser.parse_args()
    backends: list[tuple[str, Backend]] = [("pybpf", UserBackend())]
    if not args.no_kernel and kernel_bpf_available():
        backends.append(("kernel", NativeBackend()))
    print(
        f"map operations through pybpf.Map, {args.entries} entries, {args.ops} ops per case, best of "
        f"{args.repeat}, CPython {sys.version.split()[0]}, {os.cpu_count()} CPUs; k ops/s (wall / CPU)"
    )
    header = f"{'map':5} {'key':>3} {'value':>5} {'operation':15}"
    for name, _ in backends:
        header += f" {name + ' wall':>11} {name + ' CPU':>10}"
    if len(backends) == 2:
        header += f" {'pybpf/kernel (CPU)':>19}"
    print(header)
    for map_type, key_size, value_size in CASES:
        case = Case(map_type, key_size, value_size)
        run_case(case, backends, args.entries, args.ops, args.repeat)
        for op in dict.fromkeys(op for _, op in case.rates):
            row = f"{TYPE_NAMES[map_type]:5} {key_size:>3} {value_size:>5} {op:15}"
            for name, _ in backends:
                r = case.rates[(name, op)]
                row += f" {r.wall:11.1f} {r.cpu:10.1f}"
            if len(backends) == 2:
                ratio = case.rates[("pybpf", op)].cpu / case.rates[("kernel", op)].cpu
                row += f" {ratio:18.2f}x"
            print(row, flush=True)
    for map_type in (ARRAY, HASH):
        for name, backend in backends:
            print(create_large(name, backend, map_type, args.large), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
