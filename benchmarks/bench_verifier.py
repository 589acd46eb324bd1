"""Benchmark of the verifier: BPF_PROG_LOAD of programs from tiny to heavy, pybpf against the kernel.

Each program (kernel assembly) is loaded through the raw ``union bpf_attr`` with a statistics log on
pybpf's user backend and, where the real bpf(2) is available, on the kernel in the same run.  The
table gives the load time (best of ``--repeat`` loads; the kernel's includes its JIT) as wall time
and as this process's CPU time (user + system: the kernel's verifier runs in the bpf() call, so it
counts as system time; on a shared machine the CPU time is the steadier figure), the processed
instructions both verifiers report in their statistics line, the CPU time of pybpf's verifier alone
(``verify()``: a load also compiles the program for the JIT engine and builds its program file), and
pybpf's processed instructions per CPU second of its verifier (the goal is at least 100 000).
Programs: a two-instruction one, a map lookup with its null check, 4 000 straight-line ALU
instructions, a sum over 1 500 packet bytes with a data_end check per byte, a 100 000-iteration
counting loop, a parser with 10 independent branches on header bytes (pruned with liveness and
precision marks, as the kernel does), and a switch-heavy type-length parser: a loop over 256 packet
bytes whose 16-case switch on each byte advances the offset by 1 to 4 bytes (the kernel processes
about 120 000 instructions), and two loops that never converge, refused with E2BIG after the
1 000 000 processed instructions of the limit (one decides its bound check on every iteration and
marks its counter precise, one pushes the path out of the loop on every iteration).

Then every C object of tests/data/c that loads on both, through ``pybpf.Object`` with a statistics
log: the time of its BPF_PROG_LOAD calls (summed over its programs; map creation, BTF and
relocation are not counted) and the processed instructions summed over its programs.  Then, where
the distribution's xdp-tools are installed (``scripts/setup.sh`` installs them), their objects the
same way (``pkg:``): xdp-filter's programs are real-world heavy loads (``xdpfilt_alw_all``: about
82 000 processed instructions on the kernel).

    .venv/bin/python benchmarks/bench_verifier.py [--repeat R] [--no-kernel] [--only NAME]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pybpf import Object, native, uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel import prog_load
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.verifier import LoadRequest, VerifiedProgram, verify

XDP = uapi.BPF_PROG_TYPE_XDP
_PROCESSED = re.compile(r"processed (\d+) insns")
C_OBJECTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "c"
PACKAGED_OBJECTS = (Path("/usr/lib/x86_64-linux-gnu/bpf"), Path("/usr/libexec/xdp-tools"))
"""Where the xdp-tools and libxdp packages put their BPF objects (Debian's layout)."""


@dataclass(frozen=True)
class Case:
    name: str
    source: Callable[[dict[str, int]], str]  # map fds by name -> program text
    maps: tuple[tuple[str, int, int, int, int], ...] = ()  # name, type, key size, value size, entries


def tiny(_: dict[str, int]) -> str:
    return "r0 = 0\nexit"


def map_lookup(fds: dict[str, int]) -> str:
    return f"""
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd({fds["counts"]}) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 += 1
    *(u64 *)(r0 + 0) = r1
out:
    r0 = 2
    exit
"""


def straight_line(_: dict[str, int]) -> str:
    body = []
    for i in range(1000):
        body += [f"r{1 + i % 5} += {i}", f"w{2 + i % 4} ^= w{1 + i % 5}", f"r{3 + i % 3} <<= 3", "r0 = r4"]
    return "\n".join(["r1 = 0", "r2 = 0", "r3 = 0", "r4 = 0", "r5 = 0", *body, "r0 = 0", "exit"])


def packet_sum(_: dict[str, int]) -> str:
    return """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 0
    r4 = 0
loop:
    r5 = r2
    r5 += r4
    r6 = r5
    r6 += 1
    if r6 > r3 goto out
    r7 = *(u8 *)(r5 + 0)
    r0 += r7
    r4 += 1
    if r4 < 1500 goto loop
out:
    r0 = 2
    exit
"""


def counting_loop(_: dict[str, int]) -> str:
    return "r1 = 0\nl:\nr1 += 1\nif r1 < 100000 goto l\nr0 = 0\nexit"


def parser(_: dict[str, int]) -> str:
    lines = ["r2 = *(u32 *)(r1 + 0)", "r3 = *(u32 *)(r1 + 4)", "r0 = 1", "r4 = r2", "r4 += 64",
             "if r4 > r3 goto out"]  # fmt: skip
    for i in range(10):
        lines += [f"r5 = *(u8 *)(r2 + {i * 4})", f"if r5 == {i + 6} goto +1", f"r6 = {i}"]
    lines += ["r0 = 2", "out:", "exit"]
    return "\n".join(lines)


def switch_parser(_: dict[str, int]) -> str:
    lines = ["r2 = *(u32 *)(r1 + 0)", "r3 = *(u32 *)(r1 + 4)", "r0 = 0", "r4 = 0", "loop:", "r5 = r2",
             "r5 += r4", "r6 = r5", "r6 += 8", "if r6 > r3 goto out", "r7 = *(u8 *)(r5 + 0)"]  # fmt: skip
    cases = 16
    lines += [f"if r7 == {c * 3 + 1} goto case{c}" for c in range(cases)]
    lines += ["r4 += 1", "goto next"]
    for c in range(cases):  # a case reads a field of the record and skips the record (1-4 bytes)
        lines += [f"case{c}:", f"r8 = *(u8 *)(r5 + {c % 8})", f"r4 += {c % 4 + 1}", "goto next"]
    lines += ["next:", "if r4 < 256 goto loop", "out:", "r0 = 2", "exit"]
    return "\n".join(lines)


def e2big_range_loop(_: dict[str, int]) -> str:
    """A loop the verifier unrolls past its limit: each iteration's bound check is decided (the
    counter's range is known, so its precision is marked again), the range moves on every time, and
    nothing prunes: E2BIG after 1 000 000 processed instructions, on the kernel as on pybpf."""
    return (
        "r2 = *(u32 *)(r1 + 16)\nr2 &= 0xfff\nloop:\nr2 += 0x35\nif r2 < 0x7fffffff goto loop\nr0 = 2\nexit"
    )


def e2big_jset_loop(_: dict[str, int]) -> str:
    """A loop whose bit test is never decided: every iteration pushes the exit path and goes on with
    a new range, below a checkpoint still being explored: E2BIG after 1 000 000 instructions."""
    return (
        "r2 = *(u32 *)(r1 + 16)\nr0 = 0\nloop:\nr2 += 0x2f5\nr0 += 1\nif r2 & 0x10000 goto loop\nr0 = 2\nexit"
    )


CASES = (
    Case("tiny", tiny),
    Case("map_lookup", map_lookup, (("counts", uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4),)),
    Case("straight_4k", straight_line),
    Case("packet_sum_1500", packet_sum),
    Case("counting_loop_100k", counting_loop),
    Case("parser_10_branches", parser),
    Case("switch_parser_256", switch_parser),
    Case("e2big_range_loop", e2big_range_loop),
    Case("e2big_jset_loop", e2big_jset_loop),
)


@dataclass(frozen=True)
class Result:
    """The best of some loads: wall and CPU seconds (each the least seen), errno, processed insns,
    and the CPU seconds of pybpf's verifier in the load (the least seen; 0 on the kernel)."""

    wall: float
    cpu: float
    err: int
    processed: int
    verify_cpu: float = 0.0


class VerifierClock:
    """The CPU time BPF_PROG_LOAD spends in pybpf's verifier: the ``verify`` that
    ``pybpf.kernel.prog_load`` calls, timed while the clock is installed (the JIT's compilation and
    the rest of the load left out)."""

    def __init__(self) -> None:
        self.cpu = 0.0

    def _timed(self, request: LoadRequest) -> VerifiedProgram:
        start = time.process_time()
        try:
            return verify(request)
        finally:
            self.cpu += time.process_time() - start

    def __enter__(self) -> VerifierClock:
        vars(prog_load)["verify"] = self._timed
        return self

    def __exit__(self, *_: object) -> None:
        vars(prog_load)["verify"] = verify


def _clock() -> tuple[float, float]:
    """Wall and CPU time of this process (user and system: the kernel's verifier runs in the
    bpf() call, on this process's system time)."""
    return time.perf_counter(), time.process_time()


def load(backend: Backend, code: bytes) -> tuple[float, float, int, str, float]:
    """One BPF_PROG_LOAD: (wall seconds, CPU seconds, errno, log, CPU seconds in pybpf's verifier)."""
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(1 << 16)
    attr = uapi.bpf_attr()
    attr.prog_type = XDP
    attr.insns, attr.insn_cnt = ctypes.addressof(insns), len(code) // 8
    attr.license = ctypes.addressof(lic)
    attr.log_level, attr.log_size, attr.log_buf = uapi.BPF_LOG_STATS, len(log), ctypes.addressof(log)
    with VerifierClock() as clock:
        wall, cpu = _clock()
        err = 0
        try:
            os.close(backend.bpf(uapi.BPF_PROG_LOAD, attr))
        except BPFError as exc:
            err = exc.errno or 0
        wall_end, cpu_end = _clock()
    return wall_end - wall, cpu_end - cpu, err, log.value.decode(errors="replace"), clock.cpu


def measure(case: Case, backend: Backend, repeat: int) -> Result:
    """The best of ``repeat`` loads of ``case`` on ``backend``."""
    fds: dict[str, int] = {}
    for name, map_type, key, value, entries in case.maps:
        attr = uapi.bpf_attr()
        attr.map_type, attr.key_size, attr.value_size, attr.max_entries = map_type, key, value, entries
        fds[name] = backend.bpf(uapi.BPF_MAP_CREATE, attr)
    try:
        code = encode_program(assemble(case.source(fds), "kernel"))
        loads = [load(backend, code) for _ in range(repeat)]
    finally:
        for fd in fds.values():
            os.close(fd)
    found = _PROCESSED.search(loads[-1][3])
    wall, cpu, verify_cpu = min(x[0] for x in loads), min(x[1] for x in loads), min(x[4] for x in loads)
    return Result(wall, cpu, loads[-1][2], int(found.group(1)) if found else 0, verify_cpu)


class TimedBackend:
    """A backend that adds up the wall and CPU time of its BPF_PROG_LOAD calls."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name
        self.wall = self.cpu = 0.0

    def bpf(self, cmd: int, attr: Any, size: int | None = None) -> int:
        if cmd != uapi.BPF_PROG_LOAD:
            return self.inner.bpf(cmd, attr, size)
        wall, cpu = _clock()
        try:
            return self.inner.bpf(cmd, attr, size)
        finally:
            wall_end, cpu_end = _clock()
            self.wall += wall_end - wall
            self.cpu += cpu_end - cpu


def measure_object(path: Path, backend: Backend, repeat: int, pin_root: str | None = None) -> Result:
    """The best of ``repeat`` loads of an object: its BPF_PROG_LOAD calls' summed times and their
    processed instructions summed (errno -1: the object has no program); maps pinned by name go to
    ``pin_root``."""
    wall = cpu = verify_cpu = float("inf")
    processed = 0
    for _ in range(repeat):
        timed = TimedBackend(backend)
        obj = Object.open(path, backend=timed, pin_root=pin_root)
        try:
            with VerifierClock() as clock:
                obj.load(log_level=uapi.BPF_LOG_STATS)
        except BPFError as exc:
            return Result(0.0, 0.0, exc.errno or -1, 0)
        finally:
            logs = obj.logs
            obj.close()
        if not logs:
            return Result(0.0, 0.0, -1, 0)  # no program (a BTF target for CO-RE tests)
        processed = sum(int(m.group(1)) for log in logs.values() if (m := _PROCESSED.search(log)))
        wall, cpu, verify_cpu = min(wall, timed.wall), min(cpu, timed.cpu), min(verify_cpu, clock.cpu)
    return Result(wall, cpu, 0, processed, verify_cpu)


COLUMNS = ("kernel ms", "kernel cpu", "k insns", "pybpf ms", "pybpf cpu", "verify cpu", "p insns", "insns/s")


def row(name: str, kernel: Result | None, user: Result) -> str:
    """One line of the table; pybpf's rate is its processed instructions per CPU second of its
    verifier."""
    k_cells = ("-", "-", "-")
    if kernel is not None:
        k_cells = (f"{kernel.wall * 1e3:.2f}", f"{kernel.cpu * 1e3:.2f}", str(kernel.processed))
    rate = user.processed / user.verify_cpu if user.verify_cpu else 0.0
    verdict = "ok" if user.err == 0 else f"errno {user.err}"
    if kernel is not None and kernel.err != user.err:
        verdict += f" (kernel: errno {kernel.err})"
    user_cells = (f"{user.wall * 1e3:.1f}", f"{user.cpu * 1e3:.1f}", f"{user.verify_cpu * 1e3:.1f}")
    cells = (*k_cells, *user_cells, str(user.processed), f"{rate:.0f}")
    return f"{name:<22} " + " ".join(f"{c:>10}" for c in cells) + f"  {verdict}"


def main() -> int:
    parser_ = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser_.add_argument("--repeat", type=int, default=3)
    parser_.add_argument("--no-kernel", action="store_true")
    parser_.add_argument("--only", default="", help="only the programs whose name contains this")
    args = parser_.parse_args()
    kernel = None if args.no_kernel or not kernel_bpf_available() else NativeBackend()
    user = UserBackend()
    header = f"{'program':<22} " + " ".join(f"{c:>10}" for c in COLUMNS) + "  verdict"
    print(f"pybpf's verifier: {native.status()}")
    print(header)
    print("-" * len(header))
    for case in CASES:
        if args.only and args.only not in case.name:
            continue
        k_result = measure(case, kernel, args.repeat) if kernel is not None else None
        print(row(case.name, k_result, measure(case, user, args.repeat)), flush=True)
    os.environ.setdefault("PYBPF_BPFFS", tempfile.mkdtemp(prefix="pybpf-bench-verifier-", dir="/dev/shm"))
    with kernel_pin_root(kernel is not None) as kernel_pins:
        measure_objects(args, kernel, user, kernel_pins)
    return 0


@contextlib.contextmanager
def kernel_pin_root(wanted: bool) -> Iterator[str | None]:
    """A freshly mounted bpffs for the kernel's pins by name (xdp-filter's statistics map), or None."""
    if not wanted:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="pybpf-bench-bpffs-") as mount:
        mounted = subprocess.run(["mount", "-t", "bpf", "bpf", mount], capture_output=True, check=False)
        try:
            yield mount if mounted.returncode == 0 else None
        finally:
            if mounted.returncode == 0:
                subprocess.run(["umount", mount], check=False)


def measure_objects(
    args: argparse.Namespace, kernel: Backend | None, user: Backend, pins: str | None
) -> None:
    """The object rows of the table."""
    objects = [("c:", path) for path in sorted(C_OBJECTS.glob("*.o"))]
    objects += [("pkg:", path) for directory in PACKAGED_OBJECTS for path in sorted(directory.glob("*.o"))]
    for prefix, path in objects:
        name = prefix + path.stem
        if path.stem.startswith("refused_") or (args.only and args.only not in name):
            continue
        k_result = measure_object(path, kernel, args.repeat, pins) if kernel is not None else None
        if k_result is not None and k_result.err:
            continue  # the kernel refuses it (a test object needing a setup this run does not make)
        u_result = measure_object(path, user, args.repeat)
        if u_result.err == -1:
            continue
        print(row(name, k_result, u_result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
