"""Benchmark of the reference interpreter: preparation of large programs, and run speed on loops.

Preparation: builds ``pybpf.vm.Interpreter`` for programs of mixed instructions (ALU, stack loads
and stores, branches, helper and bpf-to-bpf calls) of ``--prepare-sizes`` instructions, from
instruction lists and from raw bytes, then times the first full run (which translates and
compiles every chunk it reaches) and a second interpreter of the same bytes (shared translation).
Where the real bpf(2) is available the same program is loaded into the kernel (BPF_PROG_LOAD: its
verifier and JIT) for comparison.  Run speed: runs each loop program (best of ``--repeat`` runs)
and, where bpf(2) is available, the same program shape in the kernel as a socket filter timed
with BPF_PROG_TEST_RUN (the kernel runs it JIT-compiled, or with its own interpreter).  pybpf is
timed in process CPU time (``time.process_time``), so other jobs on the machine distort it less.

    .venv/bin/python benchmarks/bench_interpreter.py [--iterations N] [--repeat R] [--no-kernel]
        [--prepare-sizes 4000,100000]
"""

from __future__ import annotations

import argparse
import ctypes
import resource
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from pybpf.isa.instruction import Instruction, encode_program
from pybpf.isa.opcodes import BY_MNEMONIC
from pybpf.vm import Interpreter


def insn(mnemonic: str, dst: int = 0, src: int | None = None, off: int = 0, imm: int = 0) -> Instruction:
    spec = BY_MNEMONIC.get((mnemonic, src is not None)) or BY_MNEMONIC[(mnemonic, src is None)]
    fields = {"dst": dst, "src": src or 0, "off": off, "imm": imm}
    if spec.discriminator is not None:
        fields[spec.discriminator[0]] = spec.discriminator[1]
    return Instruction(spec.opcode, **fields)


EXIT = insn("exit")


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[int], list[Instruction]]
    per_iteration: int  # instructions executed per loop iteration
    fixed: int  # instructions executed outside the loop


def alu_loop(n: int) -> list[Instruction]:
    """r0 += r1; r1 -= 1; if r1 != 0 goto -3."""
    return [
        insn("mov", 0, imm=0),
        Instruction.lddw(1, n),
        insn("add", 0, 1),
        insn("sub", 1, imm=1),
        insn("jne", 1, off=-3, imm=0),
        EXIT,
    ]


def stack_loop(n: int) -> list[Instruction]:
    """*(u64 *)(r10 - 8) = r1; r2 = *(u64 *)(r10 - 8); r0 += r2; r1 -= 1; loop."""
    return [
        insn("mov", 0, imm=0),
        Instruction.lddw(1, n),
        insn("stxdw", 10, 1, off=-8),
        insn("ldxdw", 2, 10, off=-8),
        insn("add", 0, 2),
        insn("sub", 1, imm=1),
        insn("jne", 1, off=-5, imm=0),
        EXIT,
    ]


def helper_loop(n: int) -> list[Instruction]:
    """call bpf_ktime_get_ns; r6 -= 1; loop."""
    return [
        Instruction.lddw(6, n),
        insn("call", imm=5),
        insn("sub", 6, imm=1),
        insn("jne", 6, off=-3, imm=0),
        insn("mov", 0, imm=0),
        EXIT,
    ]


def call_loop(n: int) -> list[Instruction]:
    """r1 = r6; call f; r7 += r0; r6 -= 1; loop — f: r0 = r1; r0 &= 1; exit."""
    return [
        Instruction.lddw(6, n),
        insn("mov", 7, imm=0),
        insn("mov", 1, 6),
        insn("call local", imm=5),
        insn("add", 7, 0),
        insn("sub", 6, imm=1),
        insn("jne", 6, off=-5, imm=0),
        insn("mov", 0, 7),
        EXIT,
        insn("mov", 0, 1),
        insn("and", 0, imm=1),
        EXIT,
    ]


CASES = [
    Case("tight ALU loop", alu_loop, 3, 3),
    Case("stack load/store loop", stack_loop, 5, 3),
    Case("helper call loop", helper_loop, 3, 3),
    Case("bpf-to-bpf call loop", call_loop, 8, 4),
]


def pybpf_rate(case: Case, iterations: int, repeat: int) -> tuple[float, int]:
    interpreter = Interpreter(case.build(iterations))
    best = float("inf")
    executed = 0
    for _ in range(repeat):
        start = time.process_time()
        executed = interpreter.execute(bytes(64), budget=None).instructions
        best = min(best, time.process_time() - start)
    assert executed == case.fixed + case.per_iteration * iterations, executed
    return executed / best, executed


def mixed_program(count: int) -> list[Instruction]:
    """``count`` instructions: ALU, stack store/load, a branch, a helper and a bpf-to-bpf call per 12."""
    body = [
        lambda slot: insn("add", 0, 6),
        lambda slot: insn("stxdw", 10, 0, off=-8),
        lambda slot: insn("ldxdw", 1, 10, off=-8),
        lambda slot: insn("jgt", 1, off=1, imm=5),
        lambda slot: insn("xor", 0, imm=3),
        lambda slot: insn("call", imm=7),  # bpf_get_prandom_u32
        lambda slot: insn("lsh", 6, imm=1),
        lambda slot: insn("mov", 0, 6),
        lambda slot: insn("mov", 1, 6),
        lambda slot: insn("call local", imm=count - 3 - slot - 1),  # -> f
        lambda slot: insn("and32", 0, imm=0xFFFF),
        lambda slot: insn("mov", 6, imm=3),
    ]
    program = [insn("mov", 0, imm=0), insn("mov", 6, imm=1)]
    while len(program) < count - 5:
        slot = len(program)
        program.append(body[slot % len(body)](slot))
    program += [insn("mov", 0, imm=0)] * (count - 4 - len(program))
    return [*program, EXIT, insn("mov", 0, 1), insn("and", 0, imm=1), EXIT]  # f: r0 = r1 & 1


RUN_LIMIT = 100_000
"""Above this size only construction is timed (a first full run compiles every chunk: minutes at 1M)."""
KERNEL_LOAD_LIMIT = 10_000
"""Above this size the kernel is not asked (its verifier needs about a minute for 100,000 insns)."""


def prepare_figures(size: int, kernel: bool) -> None:
    """Construction, first run and shared-translation times for a mixed program of ``size`` insns."""
    program = mixed_program(size)
    raw = encode_program(program)
    start = time.process_time()
    Interpreter(program)
    from_list = time.process_time() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.process_time()
    interpreter = Interpreter(raw)
    from_bytes = time.process_time() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss
    first_run = again = None
    executed = 0
    if size <= RUN_LIMIT:
        start = time.process_time()
        executed = interpreter.execute(bytes(64), budget=None).instructions
        first_run = time.process_time() - start
        start = time.process_time()
        Interpreter(raw).execute(bytes(64), budget=None)
        again = time.process_time() - start
    load = kernel_load_time(raw) if kernel and size <= KERNEL_LOAD_LIMIT else None

    def ms(value: float | None) -> str:
        return f"{value * 1e3:10.1f}" if value is not None else f"{'-':>10}"

    print(
        f"{size:>9} {ms(from_list)} {size / from_list / 1e3:9.0f} {ms(from_bytes)}"
        f" {size / from_bytes / 1e3:9.0f} {rss / 1024:7.0f} {ms(first_run)} {executed or '-':>9} {ms(again)}"
        f" {ms(load)}"
    )


# -- the kernel, through BPF_PROG_LOAD / BPF_PROG_TEST_RUN ----------------------------------------------
BPF_PROG_LOAD, BPF_PROG_TEST_RUN, BPF_PROG_TYPE_SOCKET_FILTER = 5, 10, 1


def kernel_load_time(program: bytes) -> float | None:
    """Seconds the kernel takes to load (verify and JIT) ``program`` as a socket filter, or None."""
    try:
        import os

        from pybpf.kernel.native import native_bpf
    except ImportError:
        return None
    code = ctypes.create_string_buffer(program, len(program))
    license_ = ctypes.create_string_buffer(b"GPL")
    attr = bytearray(128)
    struct.pack_into(
        "<IIQQ",
        attr,
        0,
        BPF_PROG_TYPE_SOCKET_FILTER,
        len(program) // 8,
        ctypes.addressof(code),
        ctypes.addressof(license_),
    )
    start = time.perf_counter()
    try:
        fd = native_bpf(BPF_PROG_LOAD, attr)
    except OSError:
        return None
    elapsed = time.perf_counter() - start
    os.close(fd)
    return elapsed


def kernel_rate(case: Case, iterations: int, repeat: int) -> float | None:
    """Instructions per second of the same program run by the kernel, or None if bpf(2) is unavailable."""
    try:
        import os

        from pybpf.kernel.native import native_bpf
    except ImportError:
        return None
    program = encode_program(case.build(iterations))
    code = ctypes.create_string_buffer(program, len(program))
    license_ = ctypes.create_string_buffer(b"GPL")
    attr = bytearray(128)
    struct.pack_into(
        "<IIQQ",
        attr,
        0,
        BPF_PROG_TYPE_SOCKET_FILTER,
        len(program) // 8,
        ctypes.addressof(code),
        ctypes.addressof(license_),
    )
    try:
        fd = native_bpf(BPF_PROG_LOAD, attr)
    except OSError:
        return None
    try:
        data = ctypes.create_string_buffer(64)
        run = bytearray(80)
        struct.pack_into("<IIIIQQII", run, 0, fd, 0, 64, 0, ctypes.addressof(data), 0, repeat, 0)
        native_bpf(BPF_PROG_TEST_RUN, run)
        duration_ns = struct.unpack_from("<I", run, 36)[0]  # mean per run
    except OSError:
        return None
    finally:
        os.close(fd)
    if not duration_ns:
        return None
    return (case.fixed + case.per_iteration * iterations) / (duration_ns * 1e-9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iterations", type=int, default=1_000_000, help="loop iterations for pybpf")
    parser.add_argument(
        "--kernel-iterations",
        type=int,
        default=50_000,
        help="loop iterations for the kernel (its verifier walks every one, within 1M instructions)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the best is reported")
    parser.add_argument("--no-kernel", action="store_true", help="skip the kernel comparison")
    parser.add_argument(
        "--prepare-sizes", default="4000,100000", help="comma-separated program sizes for preparation figures"
    )
    args = parser.parse_args(argv)

    sizes = [int(size) for size in args.prepare_sizes.split(",") if size]
    if sizes:
        print(f"pybpf interpreter preparation, CPython {sys.version.split()[0]} (CPU ms; k insn/s)")
        print(
            f"{'insns':>9} {'list ms':>10} {'k insn/s':>9} {'bytes ms':>10} {'k insn/s':>9} {'+RSS MB':>7}"
            f" {'1st run ms':>10} {'executed':>9} {'again ms':>10} {'kernel ms':>10}"
        )
        for size in sizes:
            prepare_figures(size, kernel=not args.no_kernel)
        print()

    print(f"pybpf interpreter, CPython {sys.version.split()[0]}, {args.iterations} iterations per case")
    print(f"{'program':<24} {'instructions':>12} {'pybpf M insn/s':>15} {'kernel M insn/s':>16}")
    for case in CASES:
        rate, executed = pybpf_rate(case, args.iterations, args.repeat)
        kernel = None if args.no_kernel else kernel_rate(case, args.kernel_iterations, 20)
        kernel_text = f"{kernel / 1e6:16.1f}" if kernel else f"{'n/a':>16}"
        print(f"{case.name:<24} {executed:>12} {rate / 1e6:15.2f} {kernel_text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
