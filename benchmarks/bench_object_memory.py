"""Memory held by one process that creates and frees many maps: RSS and the object files it keeps.

Creates ``--maps`` array maps of ``--size`` bytes in turn (each written once, then its fd closed) in
one process, in a fresh pybpf root, and prints after every ``--every`` maps: the process's RSS, the
bytes of the object files it still maps (their allocated tmpfs blocks: memory the tmpfs cannot give
back) and how many such files it maps.  A map freed by its last close should not stay behind in the
process that created it (``pybpf.objects.cache``).  The kernel column: the same loop on bpf(2),
where the freed maps' memory goes back at once (its RSS only; the kernel's maps are not files).

    .venv/bin/python benchmarks/bench_object_memory.py [--maps 1000] [--size 1M] [--no-kernel]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile

from pybpf import Map, uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.objects.accounting import parse_size
from pybpf.objects.cache import mapped_files


def rss() -> int:
    """This process's resident set size in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def run(backend: Backend, maps: int, size: int, every: int, root: str) -> list[tuple[int, int, int, int]]:
    """(maps created, RSS, mapped object bytes, mapped object files) after every ``every`` maps."""
    rows = []
    for number in range(1, maps + 1):
        created = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, size, 1, backend=backend)
        created[0] = b"\1" * size
        created.close()
        if number % every == 0:
            held = mapped_files(root)
            rows.append((number, rss(), sum(held.values()), len(held)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maps", type=int, default=1000)
    parser.add_argument("--size", default="1M", help="value size of each map (K/M suffixes)")
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--no-kernel", action="store_true")
    args = parser.parse_args()
    size = parse_size(args.size) or 1 << 20
    root = tempfile.mkdtemp(prefix="pybpffs-bench-", dir="/dev/shm")
    os.environ["PYBPF_BPFFS"] = root
    try:
        user = run(UserBackend(), args.maps, size, args.every, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    kernel = None
    if not args.no_kernel and kernel_bpf_available():
        kernel = run(NativeBackend(), args.maps, size, args.every, "/nonexistent")
    print(f"{args.maps} array maps of {size} bytes created, written and closed in turn (MiB)")
    print(f"{'maps':>6} {'pybpf RSS':>10} {'files held':>11} {'#files':>7} {'kernel RSS':>11}")
    for index, (number, resident, held, files) in enumerate(user):
        kernel_rss = f"{kernel[index][1] / 2**20:11.1f}" if kernel else f"{'-':>11}"
        print(f"{number:6d} {resident / 2**20:10.1f} {held / 2**20:11.1f} {files:7d} {kernel_rss}")


if __name__ == "__main__":
    main()
