"""Benchmark of the verifier: BPF_PROG_LOAD of programs from tiny to heavy, pybpf against the kernel.

Each program (kernel assembly) is loaded through the raw ``union bpf_attr`` with a statistics log on
pybpf's user backend and, where the real bpf(2) is available, on the kernel in the same run.  The
table gives the load time (best of ``--repeat`` loads; wall time, the kernel's includes its JIT),
the processed instructions both verifiers report in their statistics line, and pybpf's processed
instructions per second (the goal is at least 100 000).  Programs: a two-instruction one, a map
lookup with its null check, 4 000 straight-line ALU instructions, a sum over 1 500 packet bytes
with a data_end check per byte, a 100 000-iteration counting loop, and a parser with 10
independent branches on header bytes (pruned with liveness and precision marks, as the kernel
does).

    .venv/bin/python benchmarks/bench_verifier.py [--repeat R] [--no-kernel]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available

XDP = uapi.BPF_PROG_TYPE_XDP
_PROCESSED = re.compile(r"processed (\d+) insns")


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


CASES = (
    Case("tiny", tiny),
    Case("map_lookup", map_lookup, (("counts", uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4),)),
    Case("straight_4k", straight_line),
    Case("packet_sum_1500", packet_sum),
    Case("counting_loop_100k", counting_loop),
    Case("parser_10_branches", parser),
)


def load(backend: Backend, code: bytes) -> tuple[float, int, str]:
    """One BPF_PROG_LOAD: (seconds, errno, log)."""
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(1 << 16)
    attr = uapi.bpf_attr()
    attr.prog_type = XDP
    attr.insns, attr.insn_cnt = ctypes.addressof(insns), len(code) // 8
    attr.license = ctypes.addressof(lic)
    attr.log_level, attr.log_size, attr.log_buf = uapi.BPF_LOG_STATS, len(log), ctypes.addressof(log)
    started = time.perf_counter()
    err = 0
    try:
        os.close(backend.bpf(uapi.BPF_PROG_LOAD, attr))
    except BPFError as exc:
        err = exc.errno or 0
    return time.perf_counter() - started, err, log.value.decode(errors="replace")


def measure(case: Case, backend: Backend, repeat: int) -> tuple[float, int, int]:
    """Best load time, errno and processed instructions of ``case`` on ``backend``."""
    fds: dict[str, int] = {}
    for name, map_type, key, value, entries in case.maps:
        attr = uapi.bpf_attr()
        attr.map_type, attr.key_size, attr.value_size, attr.max_entries = map_type, key, value, entries
        fds[name] = backend.bpf(uapi.BPF_MAP_CREATE, attr)
    try:
        code = encode_program(assemble(case.source(fds), "kernel"))
        best, err, log = min(load(backend, code) for _ in range(repeat))
    finally:
        for fd in fds.values():
            os.close(fd)
    found = _PROCESSED.search(log)
    return best, err, int(found.group(1)) if found else 0


def main() -> int:
    parser_ = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser_.add_argument("--repeat", type=int, default=3)
    parser_.add_argument("--no-kernel", action="store_true")
    args = parser_.parse_args()
    kernel = None if args.no_kernel or not kernel_bpf_available() else NativeBackend()
    user = UserBackend()
    columns = ("kernel ms", "k insns", "pybpf ms", "p insns", "insns/s")
    header = f"{'program':<20} " + " ".join(f"{c:>10}" for c in columns) + "  verdict"
    print(header)
    print("-" * len(header))
    for case in CASES:
        k_ms, k_insns, k_err = "-", "-", None
        if kernel is not None:
            seconds, k_err, processed = measure(case, kernel, args.repeat)
            k_ms, k_insns = f"{seconds * 1e3:.2f}", str(processed)
        seconds, err, processed = measure(case, user, args.repeat)
        rate = processed / seconds if seconds else 0.0
        verdict = "ok" if err == 0 else f"errno {err}"
        if k_err is not None and k_err != err:
            verdict += f" (kernel: errno {k_err})"
        cells = (k_ms, k_insns, f"{seconds * 1e3:.1f}", str(processed), f"{rate:.0f}")
        print(f"{case.name:<20} " + " ".join(f"{c:>10}" for c in cells) + f"  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
