"""Benchmark of ELF objects: opening and loading an object with 10 programs and 20 maps, pybpf and the kernel.

The object is ``tests/data/c/bench_object.o`` (10 XDP programs sharing a subprogram, 20 BTF-defined maps
of five types, ``.bss`` and ``.rodata``).  For each backend it times, best of ``--repeat`` rounds:

* open: ``pybpf.Object.open`` -- reading the ELF file (pyelftools), BTF, .BTF.ext, relocations: the spec;
* load: ``Object.load`` -- BPF_BTF_LOAD, 22 BPF_MAP_CREATEs with global data written and frozen, linking
  and relocating each program and 10 BPF_PROG_LOADs through that backend's bpf();
* close.

The kernel column is the same pybpf loader driving the real bpf(2) (``NativeBackend``): the part of the
time that is the kernel's own (its verifier and JIT) against pybpf's user-space bpf().  A second table
does the same for ``core_access.o``, whose CO-RE relocations need the kernel's BTF: the first load parses
``/sys/kernel/btf/vmlinux`` (once per process), later loads reuse it.

    .venv/bin/python benchmarks/bench_elf.py [--repeat N] [--no-kernel]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from pybpf import Object
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "c"


def measure(path: Path, backend: Backend) -> tuple[float, float, float, int, int]:
    """(open s, load s, close s, programs, maps) of one open/load/close."""
    start = time.perf_counter()
    obj = Object.open(path, backend=backend)
    opened = time.perf_counter()
    obj.load()
    loaded = time.perf_counter()
    programs, maps = len(obj.programs), len(obj.maps)
    obj.close()
    closed = time.perf_counter()
    return opened - start, loaded - opened, closed - loaded, programs, maps


def table(path: Path, backends: list[Backend], repeat: int) -> None:
    best: dict[str, list[float]] = {}
    shape = (0, 0)
    first_load: dict[str, float] = {}
    for round_ in range(repeat):
        for backend in backends:
            open_s, load_s, close_s, programs, maps = measure(path, backend)
            shape = (programs, maps)
            if round_ == 0:
                first_load[backend.name] = open_s + load_s
            old = best.get(backend.name)
            now = [open_s, load_s, close_s, open_s + load_s]
            best[backend.name] = now if old is None else [min(a, b) for a, b in zip(old, now, strict=True)]
    print(f"\n{path.name}: {shape[0]} programs, {shape[1]} maps (best of {repeat}; ms)")
    names = [b.name for b in backends]
    print(f"{'phase':24}" + "".join(f"{'pybpf' if n == 'user' else 'kernel':>12}" for n in names))
    for i, phase in enumerate(("open (read the ELF file)", "load (maps + programs)", "close", "open + load")):
        print(f"{phase:24}" + "".join(f"{best[n][i] * 1000:12.1f}" for n in names))
    print(f"{'first open + load':24}" + "".join(f"{first_load[n] * 1000:12.1f}" for n in names))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-kernel", action="store_true", help="pybpf only")
    args = parser.parse_args()
    os.environ.setdefault("PYBPF_BPFFS", tempfile.mkdtemp(prefix="pybpf-bench-elf-", dir="/dev/shm"))
    backends: list[Backend] = [UserBackend()]
    if not args.no_kernel and kernel_bpf_available():
        backends.append(NativeBackend())
    print(f"pybpf ELF loading, CPython {sys.version.split()[0]}")
    table(DATA / "bench_object.o", backends, args.repeat)
    if os.path.exists("/sys/kernel/btf/vmlinux"):
        table(DATA / "core_access.o", backends, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
