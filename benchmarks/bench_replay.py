"""Benchmark of capture replay: frames per second of ``pybpf xdp replay`` beside the kernel's rate.

The program is examples/c/xdp_guard.o (parses Ethernet/IPv4, counts per protocol in an array map, drops
telnet with a hash-map counter and a bpf_printk, answers pings with XDP_TX); the capture is
examples/captures/guard.pcap repeated to ``--frames`` frames (written once as a pcap in a temporary
directory).  Each backend replays it with :func:`pybpf.replay.replay` -- one BPF_PROG_TEST_RUN per
frame, maps kept, the capture read through dpkt -- so the kernel column is the kernel's rate for the
same program driven the same way, one frame per call, from Python.  Reported: frames per second over
the whole replay (reading the capture included; best of ``--repeat``) and the mean run time
BPF_PROG_TEST_RUN itself measured per frame.  The first pybpf replay in a process also translates the
program (its first frames); ``--repeat`` rounds share one load, so later rounds show the steady rate.

    .venv/bin/python benchmarks/bench_replay.py [--frames N] [--repeat N] [--no-kernel]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from pybpf import Object
from pybpf.capture import open_capture
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.replay import replay

ROOT = Path(__file__).resolve().parent.parent
GUARD = ROOT / "examples" / "c" / "xdp_guard.o"
CAPTURE = ROOT / "examples" / "captures" / "guard.pcap"


def long_capture(path: Path, frames: int) -> Path:
    """guard.pcap's records repeated to ``frames`` frames (same header)."""
    data = CAPTURE.read_bytes()
    header, records, offset = data[:24], [], 24
    while offset < len(data):
        caplen = int.from_bytes(data[offset + 8 : offset + 12], "little")
        records.append(data[offset : offset + 16 + caplen])
        offset += 16 + caplen
    path.write_bytes(header + b"".join(records[i % len(records)] for i in range(frames)))
    return path


def measure(backend: Backend, capture: Path, repeat: int) -> tuple[float, float, int]:
    """(best frames/s, mean test-run ns per frame, frames) of ``repeat`` replays on one loaded object."""
    with Object.open(GUARD, backend=backend) as obj:
        obj.load()
        program = obj.programs["xdp_guard"]
        best, run_ns, frames = 0.0, 0.0, 0
        for _ in range(repeat):
            start = time.perf_counter()
            report = replay(program, open_capture(capture))
            rate = report.packets / (time.perf_counter() - start)
            if rate > best:
                best, frames = rate, report.packets
                ran = report.packets - sum(report.refused.values())
                run_ns = report.run_ns / max(1, ran)
    return best, run_ns, frames


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-kernel", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("PYBPF_BPFFS", tempfile.mkdtemp(prefix="pybpf-bench-", dir="/dev/shm"))
    with tempfile.TemporaryDirectory() as tmp:
        capture = long_capture(Path(tmp) / "long.pcap", args.frames)
        rows = [("pybpf (user backend)", *measure(UserBackend(), capture, args.repeat))]
        if not args.no_kernel and kernel_bpf_available():
            rows.append(("kernel (BPF_PROG_TEST_RUN)", *measure(NativeBackend(), capture, args.repeat)))
    print(f"xdp replay of examples/c/xdp_guard.o over {args.frames} frames (best of {args.repeat})")
    print(f"| {'backend':<28} | {'frames/s':>10} | {'test-run ns/frame':>17} |")
    print(f"|{'-' * 30}|{'-' * 11}:|{'-' * 18}:|")
    for name, rate, run_ns, _frames in rows:
        print(f"| {name:<28} | {rate:>10,.0f} | {run_ns:>17,.0f} |")
    if len(rows) == 2:
        print(f"kernel / pybpf: {rows[1][1] / rows[0][1]:.1f}x frames/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
