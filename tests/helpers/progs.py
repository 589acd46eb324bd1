"""Run one assembled program on the kernel and on pybpf (the test's engine) with the map helpers.

Programs are kernel-syntax text naming their map ``map_fd(m)``.  The kernel runs them as socket
filters through BPF_PROG_TEST_RUN (retval: the low 32 bits of r0); pybpf runs them on the engine
``PYBPF_ENGINE`` names (the ``engine`` fixture's) with ``default_registry()``, each ``lddw map_fd``
slot resolved to the map's ``MapObject.pointer`` and the map given to the run (``MapAccess``), on
the CPU given to ``run_pybpf``.
"""

from __future__ import annotations

import ctypes
import os
import struct
from collections.abc import Callable
from typing import Any

import pybpf
from pybpf.errors import BPFError
from pybpf.helpers import default_registry
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction, slot_starts
from pybpf.kernel.native import native_bpf
from pybpf.kernel.prog_run import ENGINES, selected_engine
from pybpf.maps.object import MapObject
from pybpf.memory.regions import Memory
from tests.differential.kernel_harness import KernelRejected, prog_load, prog_test_run
from tests.helpers.support import map_slots, run_with_maps

BPF_PROG_LOAD, BPF_BTF_LOAD = 5, 18

PACKET = bytes(range(64))


def assemble(text: str, fd: int) -> list[Instruction]:
    return pybpf.assemble(text, "kernel", maps={"m": fd})


def _btf_two_funcs() -> bytes:
    """Raw BTF: int, ``int (void)`` and two static functions of that type (type ids 3 and 4).

    The kernel wants a ``func_info`` (hence BTF) for every program with a callback subprogram.
    """
    strings = b"\0int\0main\0callback\0"
    types = b"".join((
        struct.pack("<IIII", 1, 1 << 24, 4, 0x01000020),  # [1] INT "int" size 4, signed, 32 bits
        struct.pack("<III", 0, 13 << 24, 1),  # [2] FUNC_PROTO returning [1], no parameters
        struct.pack("<III", 5, 12 << 24, 2),  # [3] FUNC "main" (static)
        struct.pack("<III", 10, 12 << 24, 2),  # [4] FUNC "callback" (static)
    ))  # fmt: skip
    header = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), len(strings))
    return header + types + strings


def _subprogram_starts(insns: list[Instruction]) -> list[int]:
    starts = slot_starts(insns)
    targets = {
        slot + insn.imm + 1
        for insn, slot in zip(insns, starts, strict=True)
        if insn.opcode == op.BPF_LD | op.BPF_DW | op.BPF_IMM and insn.src == op.BPF_PSEUDO_FUNC
    }
    return sorted(targets)


def load_with_callbacks(
    insns: list[Instruction], prog_type: int = 1, bpf: Callable[[int, Any], int] = native_bpf
) -> int:
    """BPF_PROG_LOAD a GPL program (a socket filter unless told) whose callbacks get BTF func_info
    (one callback at most), through ``bpf`` (the kernel's unless told: a program without callbacks
    then goes through the differential harness's loader)."""
    callbacks = _subprogram_starts(insns)
    if not callbacks and bpf is native_bpf and prog_type == 1:
        return prog_load(insns)
    raw = _btf_two_funcs()
    blob = ctypes.create_string_buffer(raw, len(raw))
    btf_fd = bpf(BPF_BTF_LOAD, struct.pack("<QQIII", ctypes.addressof(blob), 0, len(blob.raw), 0, 0))
    try:
        code = ctypes.create_string_buffer(pybpf.encode_program(insns))
        licence = ctypes.create_string_buffer(b"GPL")
        records = [(0, 3)] + [(start, 4) for start in callbacks[:1]]
        func_info = ctypes.create_string_buffer(b"".join(struct.pack("<II", *r) for r in records))
        log = ctypes.create_string_buffer(1 << 16)
        attr = bytearray(144)
        struct.pack_into("<IIQQIIQ", attr, 0, prog_type, len(code.raw) // 8, ctypes.addressof(code),
                         ctypes.addressof(licence), 1, len(log), ctypes.addressof(log))  # fmt: skip
        struct.pack_into("<IIQI", attr, 72, btf_fd, 8, ctypes.addressof(func_info), len(records))
        try:
            return bpf(BPF_PROG_LOAD, attr)
        except BPFError as err:
            raise KernelRejected(err, log.value.decode(errors="replace"), insns) from None
    finally:
        os.close(btf_fd)


def run_kernel(text: str, fd: int) -> int:
    """The program's 32-bit return value on the kernel (``fd``: a kernel map)."""
    prog = load_with_callbacks(assemble(text, fd))
    try:
        return prog_test_run(prog, PACKET)
    finally:
        os.close(prog)


def run_pybpf(text: str, fd: int, obj: MapObject, cpu: int = 0) -> int:
    """The program's r0 (low 32 bits) on pybpf's engine of the test (``fd``/``obj``: a pybpf map)."""
    insns = assemble(text, fd)
    engine = ENGINES[selected_engine()]
    vm = engine(insns, helpers=default_registry(), memory=Memory(), resolved=map_slots(insns, obj))
    return run_with_maps(vm, [obj], cpu=cpu, memory=bytearray(PACKET)) & 0xFFFFFFFF
