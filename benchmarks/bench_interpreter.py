"""Benchmark of the reference interpreter: instructions per second on a few loop programs.

Runs each program with ``pybpf.vm.Interpreter`` (best of ``--repeat`` runs) and, where the real
bpf(2) is available, loads the same program shape into the kernel as a socket filter and times it
with BPF_PROG_TEST_RUN (the kernel runs it JIT-compiled, or with its own interpreter).  Prints a
table of million instructions per second.

    .venv/bin/python benchmarks/bench_interpreter.py [--iterations N] [--repeat R] [--no-kernel]
"""

from __future__ import annotations

import argparse
import ctypes
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
        insn("mov", 0, imm=0), Instruction.lddw(1, n),
        insn("add", 0, 1), insn("sub", 1, imm=1), insn("jne", 1, off=-3, imm=0),
        EXIT,
    ]


def stack_loop(n: int) -> list[Instruction]:
    """*(u64 *)(r10 - 8) = r1; r2 = *(u64 *)(r10 - 8); r0 += r2; r1 -= 1; loop."""
    return [
        insn("mov", 0, imm=0), Instruction.lddw(1, n),
        insn("stxdw", 10, 1, off=-8), insn("ldxdw", 2, 10, off=-8), insn("add", 0, 2),
        insn("sub", 1, imm=1), insn("jne", 1, off=-5, imm=0),
        EXIT,
    ]


def helper_loop(n: int) -> list[Instruction]:
    """call bpf_ktime_get_ns; r6 -= 1; loop."""
    return [
        Instruction.lddw(6, n),
        insn("call", imm=5), insn("sub", 6, imm=1), insn("jne", 6, off=-3, imm=0),
        insn("mov", 0, imm=0), EXIT,
    ]


def call_loop(n: int) -> list[Instruction]:
    """r1 = r6; call f; r7 += r0; r6 -= 1; loop — f: r0 = r1; r0 &= 1; exit."""
    return [
        Instruction.lddw(6, n), insn("mov", 7, imm=0),
        insn("mov", 1, 6), insn("call local", imm=5), insn("add", 7, 0),
        insn("sub", 6, imm=1), insn("jne", 6, off=-5, imm=0),
        insn("mov", 0, 7), EXIT,
        insn("mov", 0, 1), insn("and", 0, imm=1), EXIT,
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
        start = time.perf_counter()
        executed = interpreter.execute(bytes(64), budget=None).instructions
        best = min(best, time.perf_counter() - start)
    assert executed == case.fixed + case.per_iteration * iterations, executed
    return executed / best, executed


# -- the kernel, through BPF_PROG_LOAD / BPF_PROG_TEST_RUN ----------------------------------------------
BPF_PROG_LOAD, BPF_PROG_TEST_RUN, BPF_PROG_TYPE_SOCKET_FILTER = 5, 10, 1


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
    struct.pack_into("<IIQQ", attr, 0, BPF_PROG_TYPE_SOCKET_FILTER, len(program) // 8,
                     ctypes.addressof(code), ctypes.addressof(license_))
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
        "--kernel-iterations", type=int, default=50_000,
        help="loop iterations for the kernel (its verifier walks every one, within 1M instructions)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the best is reported")
    parser.add_argument("--no-kernel", action="store_true", help="skip the kernel comparison")
    args = parser.parse_args(argv)

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
