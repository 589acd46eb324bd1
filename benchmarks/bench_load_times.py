"""Which programs the kernel loads quickly and pybpf slowly: issue 11's "under 10 ms on the kernel,
under 1 s on pybpf" check, as a table.

Every program of the verifier corpus (tests/data/verifier_corpus: the assembly themes and the C
objects' programs, each loaded as tests/verifier/test_corpus.py loads it, at log level 1 with its
maps created afresh) and, where the distribution's packages are installed, every program of the
packaged objects (libbpf-tools' embedded objects, xdp-tools: tests/elf/test_packaged_objects.py's
list, loaded one program at a time through the libbpf-style loader) is loaded on the kernel (the
best of ``--repeat`` loads) and, when the kernel took less than ``--kernel-ms`` (10 ms), once on
pybpf's user backend.  The times are those of the BPF_PROG_LOAD calls alone (maps, BTF and
relocations left out), wall and CPU of this process (the kernel's verifier runs in the bpf() call,
as system time; on a shared machine the CPU time is the figure to judge).  The table lists every
program whose pybpf load took more than ``--pybpf-ms`` (1 000 ms) of CPU, then the slowest ones
whatever their time (``--slowest``), with the processed instructions where the load tells them
(the statistics line of an assembly program's log; ``verified_insns`` of an accepted object
program).

The process's first pybpf load pays for imports and the JIT's set-up (seconds): a warm-up load of
the first program, untimed in the table, comes first and its CPU time is printed on its own.  A
progress bar (tqdm) on stderr tells how far the run is and the program being loaded; a program over
``--pybpf-ms`` is printed above it as soon as it is measured, so an interrupted run still tells them.

    .venv/bin/python benchmarks/bench_load_times.py [--only PREFIX] [--repeat R] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.elf.test_real_world import object_outcome  # noqa: E402
from tests.verifier import verifier_corpus as vc  # noqa: E402

from pybpf import native, uapi  # noqa: E402
from pybpf.elf import read_object  # noqa: E402
from pybpf.kernel.backend import Backend, UserBackend  # noqa: E402
from pybpf.kernel.native import NativeBackend, kernel_bpf_available  # noqa: E402

_PROCESSED = re.compile(r"processed (\d+) insns")


class TimedBackend:
    """A backend that adds up the wall and CPU time of its BPF_PROG_LOAD calls (everything else
    passes through untimed)."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.wall = self.cpu = 0.0

    def bpf(self, cmd: int, attr: Any, size: int | None = None) -> int:
        if cmd != uapi.BPF_PROG_LOAD:
            return self.inner.bpf(cmd, attr, size)
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return self.inner.bpf(cmd, attr, size)
        finally:
            self.wall += time.perf_counter() - wall
            self.cpu += time.process_time() - cpu

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@dataclass(frozen=True)
class Timing:
    """One load: its BPF_PROG_LOAD calls' wall and CPU milliseconds, its verdict and processed insns
    (-1: not told)."""

    wall_ms: float
    cpu_ms: float
    verdict: str
    processed: int


@dataclass(frozen=True)
class Row:
    name: str
    kernel: Timing
    pybpf: Timing | None  # None: not loaded (the kernel took too long for the question)


Loader = Callable[[Backend], tuple[str, int]]  # backend -> (verdict, processed insns or -1)


def _asm_loader(program: vc.Program) -> Loader:
    def load(backend: Backend) -> tuple[str, int]:
        if program.obj:
            return str(vc.load(program, backend)), -1
        err, log = vc.load_with_log(program, backend)
        found = _PROCESSED.search(log)
        return ("accepted" if not err else vc.errno_name(err)), int(found.group(1)) if found else -1

    return load


def _object_loader(path: Path, program: str) -> Loader:
    def load(backend: Backend) -> tuple[str, int]:
        err, _reason, processed = object_outcome(path, program, backend)
        return (err or "accepted"), (processed if not err else -1)

    return load


def programs(only: str, packaged_dir: Path) -> Iterator[tuple[str, Loader]]:
    """(name, loader) of every program to time: the corpus, then the packaged objects."""
    for program in vc.corpus():
        if program.name.startswith(only):
            yield program.name, _asm_loader(program)
    from tests.elf.test_packaged_objects import packaged_objects

    for obj, data in packaged_objects().items():
        path = packaged_dir / obj
        path.write_bytes(data)
        for prog in sorted(read_object(data, obj).programs):
            name = f"pkg/{obj}/{prog}"
            if name.startswith(only):
                yield name, _object_loader(path, prog)


def timed(loader: Loader, backend: Backend) -> Timing:
    clock = TimedBackend(backend)
    verdict, processed = loader(clock)  # type: ignore[arg-type]  # (a Backend by duck typing)
    return Timing(clock.wall * 1e3, clock.cpu * 1e3, verdict, processed)


def best(loader: Loader, backend: Backend, repeat: int) -> Timing:
    loads = [timed(loader, backend) for _ in range(repeat)]
    return min(loads, key=lambda t: t.wall_ms)


def _cells(t: Timing | None) -> str:
    if t is None:
        return f"{'-':>10} {'-':>10} {'-':>9}"
    processed = str(t.processed) if t.processed >= 0 else "-"
    return f"{t.wall_ms:10.1f} {t.cpu_ms:10.1f} {processed:>9}"


def table(rows: list[Row]) -> str:
    columns = ("kernel ms", "kernel cpu", "k insns", "pybpf ms", "pybpf cpu", "p insns")
    widths = (10, 10, 9, 10, 10, 9)
    cells = " ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True))
    head = f"{'program':<60} {cells}  verdict"
    lines = [head, "-" * len(head)]
    for r in rows:
        verdict = r.pybpf.verdict if r.pybpf is not None else r.kernel.verdict
        if r.pybpf is not None and r.pybpf.verdict != r.kernel.verdict:
            verdict += f" (kernel: {r.kernel.verdict})"
        lines.append(f"{r.name[:60]:<60} {_cells(r.kernel)} {_cells(r.pybpf)}  {verdict}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", default="", help="only the programs whose name starts with this")
    parser.add_argument("--repeat", type=int, default=2, help="kernel loads per program (the best counts)")
    parser.add_argument("--kernel-ms", type=float, default=10.0)
    parser.add_argument("--pybpf-ms", type=float, default=1000.0)
    parser.add_argument("--slowest", type=int, default=15)
    parser.add_argument("--json", type=Path, help="write every row here")
    args = parser.parse_args()
    if not kernel_bpf_available():
        print("the real bpf(2) is not available here: nothing to compare with", file=sys.stderr)
        return 2
    from tqdm import tqdm

    kernel, user = NativeBackend(), UserBackend()
    rows: list[Row] = []
    print(f"pybpf's verifier: {native.status()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="pybpf-bench-load-times-") as tmp:
        todo = list(programs(args.only, Path(tmp)))
        if todo:
            warm = timed(todo[0][1], user)
            print(f"warm-up: the process's first pybpf load ({todo[0][0]}) took {warm.cpu_ms:.0f} ms of CPU")
        interactive = sys.stderr.isatty()
        bar = tqdm(todo, unit="prog", file=sys.stderr, mininterval=0.5 if interactive else 30.0)
        for name, loader in bar:
            bar.set_postfix_str(name[-50:], refresh=False)
            k = best(loader, kernel, args.repeat)
            u = timed(loader, user) if k.wall_ms < args.kernel_ms else None
            rows.append(Row(name, k, u))
            if u is not None and u.cpu_ms > args.pybpf_ms:
                slow = f"{u.cpu_ms:.0f} ms of CPU (kernel {k.wall_ms:.2f} ms)"
                bar.write(f"over {args.pybpf_ms:g} ms: {name}: {slow}")
        bar.close()
    asked = [r for r in rows if r.pybpf is not None]
    slow = [r for r in asked if r.pybpf is not None and r.pybpf.cpu_ms > args.pybpf_ms]
    print(
        f"{len(rows)} programs; {len(asked)} loaded by the kernel in under {args.kernel_ms:g} ms; "
        f"{len(slow)} of them took pybpf over {args.pybpf_ms:g} ms of CPU"
    )
    if slow:
        print(table(slow))
    print(f"\nthe {args.slowest} slowest pybpf loads of those ({len(asked)}):")
    print(table(sorted(asked, key=lambda r: -(r.pybpf.cpu_ms if r.pybpf else 0))[: args.slowest]))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
