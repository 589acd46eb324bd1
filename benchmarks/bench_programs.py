"""Benchmark of XDP programs through BPF_PROG_TEST_RUN: pybpf's interpreter against the kernel.

Loads a few XDP programs — Ethernet/IPv4/UDP parsing with bounds checks, a per-protocol hash-map
counter, and a bounded loop over the packet — on pybpf and, where the real bpf(2) is available, on
the kernel in the same run, runs each with BPF_PROG_TEST_RUN (``repeat`` runs per call, the
duration the bpf() call reports, which both measure the same way: mean ns per run; the best of
``rounds`` calls, as the machine may be shared) and prints the ns per run of each and the ratio.
It also times BPF_PROG_LOAD of a 4,000-instruction program (assembled beforehand; the assembler's
time is printed apart).

    .venv/bin/python benchmarks/bench_programs.py [--repeat N] [--rounds N] [--no-kernel]
"""

from __future__ import annotations

import argparse
import struct
import sys
import time

from pybpf import Map, Program, assemble, uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available

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

COUNTER = """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 34
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 23)
    *(u32 *)(r10 - 4) = r5
    r1 = map_fd(counts) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto new
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
    goto out
new:
    r1 = 1
    *(u64 *)(r10 - 16) = r1
    r1 = map_fd(counts) ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
out:
    r0 = 2
    exit
"""

LOOP = """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 0
    r6 = 0
loop:
    r4 = r2
    r4 += r6
    r5 = r4
    r5 += 1
    if r5 > r3 goto done
    r5 = *(u8 *)(r4 + 0)
    r0 += r5
    r6 += 1
    if r6 < 64 goto loop
done:
    r0 &= 3
    exit
"""


def udp_packet() -> bytes:
    eth = b"\xff" * 6 + b"\x02" * 6 + b"\x08\x00"
    ip = bytes([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2])
    udp = struct.pack("!HHHH", 1234, 53, 8, 0)
    return (eth + ip + udp).ljust(64, b"\0")


def big_program(n: int, first: int = 0) -> str:
    lines = [f"r0 = {first}"]
    for i in range(n - 2):
        lines.append(f"r0 += {i % 7}" if i % 3 else "r1 = r0")
    lines.append("exit")
    return "\n".join(lines)


def measure(backend: Backend, text: str, repeat: int, rounds: int = 1) -> int:
    """The best mean ns per run that BPF_PROG_TEST_RUN reports over ``rounds`` calls."""
    maps: dict[str, Map] = {}
    if "counts" in text:
        maps["counts"] = Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 256, backend=backend)
    with Program.load(text, "xdp", maps=maps, backend=backend) as prog:
        prog.run(udp_packet())  # warm up: builds pybpf's interpreter
        best = min(prog.run(udp_packet(), repeat=repeat).duration for _ in range(max(rounds, 1)))
    for m in maps.values():
        m.close()
    return best


def load_time(backend: Backend, n: int, rounds: int = 1) -> float:
    """Seconds BPF_PROG_LOAD takes for an ``n``-instruction program (best of ``rounds``, each a
    different program, so that nothing remembered from an earlier load helps)."""
    best = float("inf")
    for round_ in range(max(rounds, 1)):
        insns = assemble(big_program(n, first=round_ + 1))
        start = time.perf_counter()
        with Program.load(insns, "xdp", backend=backend) as prog:
            best = min(best, time.perf_counter() - start)
            prog.run(udp_packet())
    return best


def assemble_time(n: int) -> float:
    text = big_program(n)
    start = time.perf_counter()
    assemble(text)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000, help="runs per BPF_PROG_TEST_RUN (default 2000)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="calls per program; the best counts (default 3)"
    )
    parser.add_argument("--no-kernel", action="store_true", help="skip the kernel column")
    args = parser.parse_args()
    kernel = None if args.no_kernel or not kernel_bpf_available() else NativeBackend()
    user = UserBackend()
    print(f"{'program':<22}{'pybpf ns/run':>14}{'kernel ns/run':>15}{'ratio':>10}")
    cases = (("parse eth/ipv4/udp", PARSE), ("hash-map counter", COUNTER), ("loop over 64 bytes", LOOP))
    for name, text in cases:
        ours = measure(user, text, args.repeat, args.rounds)
        theirs = measure(kernel, text, args.repeat, args.rounds) if kernel else 0
        ratio = f"{ours / theirs:,.0f}x" if theirs else "-"
        print(f"{name:<22}{ours:>14,}{(theirs or '-'):>15}{ratio:>10}")
    ours_load = load_time(user, 4000, args.rounds)
    theirs_load = load_time(kernel, 4000, args.rounds) if kernel else 0.0
    print(f"\nBPF_PROG_LOAD of 4,000 instructions: pybpf {ours_load * 1000:.0f} ms", end="")
    print(f", kernel {theirs_load * 1000:.1f} ms" if kernel else "", end="")
    print(f" (assembling the text first: {assemble_time(4000) * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
