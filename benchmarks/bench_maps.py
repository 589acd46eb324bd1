"""Benchmark of map operations from Python: pybpf's user-space maps against the real kernel.

For ARRAY and HASH maps with 4- and 64-byte keys and 8- and 256-byte values, fills a map of
``--entries`` elements, then times ``--ops`` lookups, updates and deletes through the Pythonic
``pybpf.Map`` on pybpf's user backend and on the native backend (the real bpf(2) through ctypes:
the cost a Python user of the kernel pays).  Also times creating a 1M-entry map and reports the
memory it takes.  Prints a table of thousands of operations per second.

    .venv/bin/python benchmarks/bench_maps.py [--entries N] [--ops N] [--no-kernel]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from collections.abc import Callable

from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.map import Map

ARRAY, HASH = uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_HASH


def keys_for(map_type: int, key_size: int, n: int) -> list[bytes]:
    if map_type == ARRAY:
        return [i.to_bytes(4, "little") for i in range(n)]
    rng = random.Random(key_size)
    return [rng.getrandbits(32).to_bytes(4, "little") + bytes(key_size - 4) for _ in range(n)]


def rate(fn: Callable[[bytes], object], items: list[bytes]) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return len(items) / (time.perf_counter() - start) / 1000


def bench_case(backend: Backend, map_type: int, key_size: int, value_size: int, *, entries: int,
               ops: int) -> tuple[float, float, float]:
    m = Map.create(map_type, key_size, value_size, entries, backend=backend)
    try:
        keys = keys_for(map_type, key_size, entries)
        value = bytes(range(256))[:value_size].ljust(value_size, b"\x00")
        for key in keys:
            m.update(key, value)
        sample = random.Random(1).sample(keys, min(ops, len(keys)))
        lookup = rate(m.lookup, sample)
        update = rate(lambda k: m.update(k, value), sample)
        if map_type == ARRAY:
            delete = float("nan")  # arrays have no delete (EINVAL)
        else:
            delete = rate(m.delete, sample)
        return lookup, update, delete
    finally:
        m.close()


def create_large(backend: Backend, entries: int) -> tuple[float, float]:
    """Seconds to create a HASH map of ``entries`` (8-byte keys, 8-byte values) and the RSS growth in MiB."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    m = Map.create(HASH, 8, 8, entries, backend=backend)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    m.close()
    return seconds, (after - before) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--ops", type=int, default=20_000)
    parser.add_argument("--no-kernel", action="store_true")
    args = parser.parse_args()
    backends: list[tuple[str, Backend]] = [("pybpf", UserBackend())]
    if not args.no_kernel and kernel_bpf_available():
        backends.append(("kernel", NativeBackend()))
    print(f"map operations from Python, {args.entries} entries, {args.ops} ops per case, "
          f"CPython {sys.version.split()[0]}, {os.cpu_count()} CPUs; k ops/s")
    header = f"{'map':6} {'key':>4} {'value':>5}"
    for name, _ in backends:
        header += f" {name + ' lookup':>14} {name + ' update':>14} {name + ' delete':>14}"
    print(header)
    for map_type, type_name in ((ARRAY, "array"), (HASH, "hash")):
        for key_size in (4, 64):
            if map_type == ARRAY and key_size != 4:
                continue  # array keys are u32 indexes
            for value_size in (8, 256):
                row = f"{type_name:6} {key_size:>4} {value_size:>5}"
                for _, backend in backends:
                    lookup, update, delete = bench_case(backend, map_type, key_size, value_size,
                                                        entries=args.entries, ops=args.ops)
                    row += f" {lookup:14.1f} {update:14.1f} {delete:14.1f}"
                print(row, flush=True)
    for name, backend in backends:
        seconds, mib = create_large(backend, 1_000_000)
        print(f"{name}: create a 1M-entry hash map (8-byte keys and values): {seconds * 1000:.1f} ms, "
              f"peak RSS growth {mib:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
