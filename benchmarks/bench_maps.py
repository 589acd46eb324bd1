"""Benchmark of map operations from Python: pybpf's user-space maps against the real kernel.

The matrix of issue 3: ARRAY maps (4-byte keys) and HASH maps (4- and 64-byte keys), 8- and
256-byte values, ``--entries`` elements (100k).  Each case fills one map per backend, then times
``--ops`` lookups, updates (BPF_ANY of existing keys) and deletes through the Pythonic
``pybpf.Map``, on pybpf's user backend and on the native backend (the real bpf(2) through ctypes:
the cost a Python user of the kernel pays), in the same run.  ARRAY has no delete (EINVAL), so
its third operation is an update of an existing index with BPF_EXIST; HASH adds the re-insert of
the deleted keys (BPF_NOEXIST), which restores the map for the next round.

A third column, ``syscall``, is the cheapest honest way to reach the kernel's map from Python: a
minimal ctypes ``syscall(__NR_bpf, ...)`` with one preallocated attr, preallocated key and value
buffers and fixed argtypes (``MinimalSyscall``), on the kernel map of the native backend.  Keys
are given as bytes; ``--int-keys`` passes the 4-byte keys as Python ints to ``pybpf.Map`` instead
(the minimal syscall still copies the same bytes).

Every round runs the backends one after the other on the same keys; with ``--repeat`` rounds the
best rate of each backend is kept (the machine may be shared).  Rates are thousands of operations
per second of wall time and of CPU time of this process (``time.process_time``: user + system,
so the kernel's own work in bpf(2) counts).  Finally it creates a 1M-entry ARRAY and HASH map on
each backend and reports the time it takes, this process's resident memory growth and, for pybpf,
the object file's size and allocated bytes (for the kernel, the ``memlock`` it charges).

``--programs`` adds XDP programs making four ``bpf_map_update_elem`` per run in an LRU_HASH or
LRU_PERCPU_HASH of 1,024 entries -- of four fixed keys (existing), or of ``bpf_get_prandom_u32() %
2048`` (half of them new: evicting) -- timed with BPF_PROG_TEST_RUN (ns per run, best of
``--repeat`` calls of 2,000 runs) on pybpf's JIT and interpreter and on the kernel.

    .venv/bin/python benchmarks/bench_maps.py [--entries N] [--ops N] [--repeat N] [--no-kernel] [--int-keys]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench_native_helpers import LRU_UPDATES
from pybpf import Program, uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.map import Map

ARRAY, HASH = uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_HASH
LRU, LRU_PERCPU = uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH
LRU_OWN = -LRU
"""LRU_HASH with BPF_F_NO_COMMON_LRU (a list per CPU), as a case's map type."""
CASES = [
    (ARRAY, 4, 8), (ARRAY, 4, 256), (HASH, 4, 8), (HASH, 4, 256), (HASH, 64, 8), (HASH, 64, 256),
    (LRU, 4, 8), (LRU, 64, 256), (LRU_PERCPU, 4, 8), (LRU_OWN, 4, 8),
]  # fmt: skip
TYPE_NAMES = {ARRAY: "array", HASH: "hash", LRU: "lru", LRU_PERCPU: "lrupc", LRU_OWN: "lruown"}
LRU_TYPES = (LRU, LRU_PERCPU, LRU_OWN)


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


_NR_BPF = {"x86_64": 321, "aarch64": 280}.get(platform.machine(), 321)


class MinimalSyscall:
    """The kernel's element commands through the cheapest ctypes call: everything preallocated."""

    def __init__(self, fd: int, key_size: int, value_size: int) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        self._syscall = libc.syscall
        self._syscall.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_uint]
        self._syscall.restype = ctypes.c_long
        self._key = ctypes.create_string_buffer(key_size)
        self._value = ctypes.create_string_buffer(value_size)
        self._attr = uapi.bpf_attr_map_elem()
        self._attr.map_fd = fd
        self._attr.key = ctypes.addressof(self._key)
        self._attr._anon_value.value = ctypes.addressof(self._value)
        self._delete_attr = uapi.bpf_attr_map_elem()  # BPF_MAP_DELETE_ELEM: fields after key are 0
        self._delete_attr.map_fd = fd
        self._delete_attr.key = ctypes.addressof(self._key)
        self._attr_address = ctypes.addressof(self._attr)
        self._delete_address = ctypes.addressof(self._delete_attr)
        self._size = ctypes.sizeof(self._attr)
        self._key_size = key_size

    def _call(self, cmd: int, address: int | None = None) -> None:
        if self._syscall(_NR_BPF, cmd, address or self._attr_address, self._size) < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))

    def lookup(self, key: bytes) -> bytes:
        ctypes.memmove(self._key, key, self._key_size)
        self._attr.flags = 0
        self._call(uapi.BPF_MAP_LOOKUP_ELEM)
        return self._value.raw

    def update(self, key: bytes, value: bytes, flags: int = 0) -> None:
        ctypes.memmove(self._key, key, self._key_size)
        ctypes.memmove(self._value, value, len(value))
        self._attr.flags = flags
        self._call(uapi.BPF_MAP_UPDATE_ELEM)

    def delete(self, key: bytes) -> None:
        ctypes.memmove(self._key, key, self._key_size)
        self._call(uapi.BPF_MAP_DELETE_ELEM, self._delete_address)


def keys_for(map_type: int, key_size: int, n: int, seed: int = 0) -> list[bytes]:
    if map_type == ARRAY:
        return [i.to_bytes(4, "little") for i in range(n)]
    rng = random.Random(key_size + 1000 * seed)
    chosen = rng.sample(range(1 << 32), n)  # distinct keys
    return [k.to_bytes(4, "little") + bytes(key_size - 4) for k in chosen]


def timed(fn: Callable[[bytes], object], items: list[bytes]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for item in items:
        fn(item)
    return time.perf_counter() - wall, time.process_time() - cpu


Operation = tuple[str, Callable[[bytes], object]]


def _present(fn: Callable[[bytes], object]) -> Callable[[bytes], object]:
    """``fn`` of a key an LRU map may have evicted meanwhile (ENOENT counts as done)."""

    def call(key: bytes) -> object:
        try:
            return fn(key)
        except (KeyError, OSError):
            return None

    return call


def operations(m: Map | MinimalSyscall, case: Case, value: bytes) -> list[Operation]:
    lru = case.map_type in LRU_TYPES
    ops: list[Operation] = [
        ("lookup", _present(m.lookup) if lru else m.lookup),
        ("update", lambda k: m.update(k, value)),
    ]
    if case.map_type == ARRAY:
        ops.append(("update existing", lambda k: m.update(k, value, uapi.BPF_EXIST)))
    else:
        ops.append(("delete", _present(m.delete) if lru else m.delete))
        ops.append(("insert", _present(lambda k: m.update(k, value, uapi.BPF_NOEXIST))))
    return ops


def create(case: Case, entries: int, backend: Backend) -> Map:
    """The case's map: an LRU map twice the size of what it holds (so that its other operations do
    not evict), BPF_F_NO_COMMON_LRU for ``LRU_OWN``."""
    if case.map_type not in LRU_TYPES:
        return Map.create(case.map_type, case.key_size, case.value_size, entries, backend=backend)
    flags = uapi.BPF_F_NO_COMMON_LRU if case.map_type == LRU_OWN else 0
    kind = LRU if case.map_type == LRU_OWN else case.map_type
    return Map.create(kind, case.key_size, case.value_size, 2 * entries, flags, backend=backend)


def evicting(case: Case, backend: Backend, entries: int, rounds: list[list[bytes]]) -> list[Rates]:
    """Updates of new keys in a full LRU map (each evicts, in the kernel's batches): a map of
    ``entries`` filled with keys of its own, then each round's keys (never used before) updated."""
    flags = uapi.BPF_F_NO_COMMON_LRU if case.map_type == LRU_OWN else 0
    kind = LRU if case.map_type == LRU_OWN else case.map_type
    with Map.create(kind, case.key_size, case.value_size, entries, flags, backend=backend) as m:
        value = bytes(range(256))[: case.value_size].ljust(m.user_value_size, b"\x00")
        for key in keys_for(HASH, case.key_size, entries, seed=-1):
            m.update(key, value)
        rates = []
        for keys in rounds:
            rate = Rates()
            rate.add(len(keys), *timed(lambda k: m.update(k, value), keys))
            rates.append(rate)
        return rates


def run_case(  # noqa: PLR0917
    case: Case, backends: list[tuple[str, Backend]], entries: int, ops: int, repeat: int, int_keys: bool
) -> None:
    keys = keys_for(case.map_type, case.key_size, entries)
    maps = [(name, create(case, entries, backend)) for name, backend in backends]
    value = bytes(range(256))[: case.value_size].ljust(maps[0][1].user_value_size, b"\x00")
    handles: list[tuple[str, Map | MinimalSyscall]] = list(maps)
    handles += [("syscall", MinimalSyscall(m.fd, case.key_size, m.user_value_size))
                for name, m in maps if name == "kernel"]  # fmt: skip
    as_int = int_keys and case.key_size == 4
    try:
        for _, m in maps:
            for key in keys:
                m.update(key, value)
        rng = random.Random(1)
        for _ in range(repeat):
            sample = rng.sample(keys, min(ops, len(keys)))
            ints = [int.from_bytes(k, "little") for k in sample]
            for name, handle in handles:
                typed = as_int and isinstance(handle, Map)
                for op, fn in operations(handle, case, value):
                    wall, cpu = timed(fn, ints if typed else sample)  # type: ignore[arg-type]
                    case.rates.setdefault((name, op), Rates()).add(len(sample), wall, cpu)
    finally:
        for _, m in maps:
            m.close()
    if case.map_type in LRU_TYPES:
        fresh = keys_for(HASH, case.key_size, repeat * ops, seed=1)
        rounds = [fresh[i * ops : (i + 1) * ops] for i in range(repeat)]
        for name, backend in backends:
            for rate in evicting(case, backend, entries, rounds):
                best = case.rates.setdefault((name, "update evicting"), Rates())
                best.wall, best.cpu = max(best.wall, rate.wall), max(best.cpu, rate.cpu)


PROGRAM_ENTRIES = 1024
FRAME = bytes(64)
FIXED_KEYS = LRU_UPDATES  # the four updates of existing keys bench_native_helpers.py times
RANDOM_KEYS = f"""
    r6 = 4
again:
    call bpf_get_prandom_u32
    r0 %= {2 * PROGRAM_ENTRIES}
    *(u32 *)(r10 - 4) = r0
    *(u64 *)(r10 - 16) = r0
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    r1 = map_fd(lru) ll
    call bpf_map_update_elem
    r6 -= 1
    if r6 != 0 goto again
"""
PROGRAMS = {"4 updates, existing keys": FIXED_KEYS, "4 updates, 1/2 new (evicting)": RANDOM_KEYS}


def program_ns(backend: Backend, engine: str | None, map_type: int, text: str, repeat: int) -> int:
    """ns per run of ``text`` (best of ``repeat`` test runs of 2,000) on a full map of ``map_type``."""
    saved = os.environ.get("PYBPF_ENGINE")
    if engine is not None:
        os.environ["PYBPF_ENGINE"] = engine
    try:
        with (
            Map.create(map_type, 4, 8, PROGRAM_ENTRIES, backend=backend) as lru,
            Program.load(
                text + "\n    r0 = 2\n    exit\n", "xdp", maps={"lru": lru}, backend=backend
            ) as prog,
        ):
            value = bytes(lru.user_value_size)
            for key in range(PROGRAM_ENTRIES):
                lru.update(key.to_bytes(4, "little"), value)
            prog.run(FRAME)
            runs = 2000 if engine != "interpreter" else 200
            return min(prog.run(FRAME, repeat=runs).duration for _ in range(repeat))
    finally:
        if saved is None:
            os.environ.pop("PYBPF_ENGINE", None)
        else:
            os.environ["PYBPF_ENGINE"] = saved


def print_programs(backends: list[tuple[str, Backend]], repeat: int) -> None:
    kernel = next((backend for name, backend in backends if name == "kernel"), None)
    user = backends[0][1]
    print(f"\nprograms (XDP, BPF_PROG_TEST_RUN), ns per run, best of {repeat}")
    print(f"{'map':6} {'program':30} {'jit':>9} {'interpreter':>12} {'kernel':>9} {'jit/kernel':>11}")
    for map_type in (LRU, LRU_PERCPU):
        for title, text in PROGRAMS.items():
            jit = program_ns(user, "jit", map_type, text, repeat)
            interp = program_ns(user, "interpreter", map_type, text, repeat)
            theirs = program_ns(kernel, None, map_type, text, repeat) if kernel is not None else 0
            ratio = f"{jit / theirs:.2f}x" if theirs else "-"
            print(
                f"{TYPE_NAMES[map_type]:6} {title:30} {jit:9,} {interp:12,} {theirs:9,} {ratio:>11}",
                flush=True,
            )


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
    parser.add_argument("--int-keys", action="store_true", help="4-byte keys as ints to pybpf.Map")
    parser.add_argument("--only", default="", help="comma-separated map kinds (array,hash,lru,lrupc,lruown)")
    parser.add_argument("--no-large", action="store_true", help="skip the creation test")
    parser.add_argument("--programs", action="store_true", help="time programs making LRU updates too")
    args = parser.parse_args()
    backends: list[tuple[str, Backend]] = [("pybpf", UserBackend())]
    if not args.no_kernel and kernel_bpf_available():
        backends.append(("kernel", NativeBackend()))
    print(
        f"map operations through pybpf.Map, {args.entries} entries, {args.ops} ops per case, best of "
        f"{args.repeat}, CPython {sys.version.split()[0]}, {os.cpu_count()} CPUs; k ops/s (wall / CPU)"
    )
    columns = [name for name, _ in backends] + (["syscall"] if len(backends) == 2 else [])
    header = f"{'map':6} {'key':>3} {'value':>5} {'operation':15}"
    for name in columns:
        header += f" {name + ' wall':>12} {name + ' CPU':>11}"
    if len(backends) == 2:
        header += f" {'pybpf/kernel':>13} {'pybpf/syscall':>14}"
    print(header)
    cases = [c for c in CASES if not args.only or TYPE_NAMES[c[0]] in args.only.split(",")]
    for map_type, key_size, value_size in cases:
        case = Case(map_type, key_size, value_size)
        run_case(case, backends, args.entries, args.ops, args.repeat, args.int_keys)
        for op in dict.fromkeys(op for _, op in case.rates):
            row = f"{TYPE_NAMES[map_type]:6} {key_size:>3} {value_size:>5} {op:15}"
            for name in columns:
                r = case.rates.get((name, op))
                row += f" {r.wall:12.1f} {r.cpu:11.1f}" if r else f" {'-':>12} {'-':>11}"
            if len(backends) == 2:
                pybpf = case.rates[("pybpf", op)].cpu
                for name, width in (("kernel", 12), ("syscall", 13)):
                    theirs = case.rates.get((name, op))
                    row += f" {pybpf / theirs.cpu:{width}.2f}x" if theirs else f" {'-':>{width + 1}}"
            print(row, flush=True)
    if args.programs:
        print_programs(backends, args.repeat)
    for map_type in () if args.no_large else (ARRAY, HASH):
        for name, backend in backends:
            print(create_large(name, backend, map_type, args.large), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
