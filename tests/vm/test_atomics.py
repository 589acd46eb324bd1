"""Atomics are atomic across processes: forked processes hammering one MAP_SHARED page lose nothing.

Like the kernel's ``lock`` instructions on a map value shared with other CPUs, the interpreter's
BPF_ATOMIC operations run as native atomics (libatomic), so concurrent increments from several
processes add up exactly.  The fallback (no libatomic, or a misaligned address) computes the same
values under the address space's lock.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf.errors import MemoryAccessError
from pybpf.vm import Interpreter, Memory, atomics
from tests.vm.builders import EXIT, insn, mov

PROCESSES = 4
ITERATIONS = 10_000

# Each iteration: a 64-bit add, a 32-bit add, a 64-bit fetch-add, a 32-bit fetch-add and a
# compare-and-exchange retry loop incrementing a 64-bit counter, all on one shared page.
HAMMER = [
    mov(2, 1),  # 0
    mov(3, ITERATIONS),  # 1
    insn("lock add", 1, 2, off=0),  # 2: loop
    insn("lock add32", 1, 2, off=8),  # 3
    insn("mov", 4, 2),  # 4
    insn("lock fetch add", 1, 4, off=16),  # 5: r4 = old
    insn("ldxdw", 6, 1, off=24),  # 6: retry
    insn("mov", 5, 6),  # 7
    insn("add", 5, imm=1),  # 8
    insn("mov", 0, 6),  # 9
    insn("lock cmpxchg", 1, 5, off=24),  # 10: r0 = old value
    insn("jne", 0, 6, off=-6),  # 11: lost the race -> retry
    insn("mov", 7, 2),  # 12
    insn("lock fetch add32", 1, 7, off=32),  # 13
    insn("sub", 3, imm=1),  # 14
    insn("jne", 3, off=-14, imm=0),  # 15 -> 2
    mov(0, 0),
    EXIT,
]


def _child(page: mmap.mmap, start: int) -> None:
    """Wait for the start signal, run the program on the shared page, exit without cleanup."""
    status = 1
    try:
        os.read(start, 1)
        memory = Memory()
        region = memory.add_region(page, writable=True, name="shared")
        Interpreter(HAMMER, memory=memory).run(registers={1: region.start}, budget=None)
        status = 0
    finally:
        os._exit(status)


@pytest.mark.skipif(not atomics.native(), reason="libatomic is missing: atomics are only process-local")
def test_atomics_are_atomic_across_processes() -> None:
    page = mmap.mmap(-1, mmap.PAGESIZE, flags=mmap.MAP_SHARED)
    read_end, write_end = os.pipe()
    children = []
    try:
        for _ in range(PROCESSES):
            pid = os.fork()
            if pid == 0:
                os.close(write_end)
                _child(page, read_end)
            children.append(pid)
        os.close(read_end)
        os.write(write_end, b"g" * PROCESSES)  # start them together
        os.close(write_end)
        for pid in children:
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0
        total = PROCESSES * ITERATIONS
        add64, add32, fetch64, cmpxchg64, fetch32 = struct.unpack_from("<QI4xQQI", page, 0)
        assert (add64, add32, fetch64, cmpxchg64, fetch32) == (total,) * 5
    finally:
        page.close()


def _buffer(size: int = 64) -> tuple[Memory, int, ctypes.Array[ctypes.c_char]]:
    memory = Memory()
    buffer = (ctypes.c_char * size)()
    region = memory.add_region(ctypes.addressof(buffer), size, writable=True, name="buf")
    return memory, region.start, buffer


OPS = ["add", "or", "and", "xor", "xchg"]


@settings(max_examples=60, deadline=None)
@given(
    op=st.sampled_from([*OPS, "cmpxchg"]),
    size=st.sampled_from([4, 8]),
    old=st.integers(0, (1 << 64) - 1),
    operand=st.integers(0, (1 << 64) - 1),
    expected_equal=st.booleans(),
    misaligned=st.booleans(),
)
def test_native_and_fallback_atomics_agree(  # noqa: PLR0917 - hypothesis passes them by keyword
    op: str, size: int, old: int, operand: int, expected_equal: bool, misaligned: bool
) -> None:
    mask = (1 << (8 * size)) - 1
    old, operand = old & mask, operand & mask
    outcomes = []
    for native in (True, False):
        memory, base, buffer = _buffer()
        address = base + 8 + (1 if misaligned else 0)
        memory.store(address, size, old)
        functions = atomics.Atomics(memory).functions if native else _fallback(memory)
        if op == "cmpxchg":
            expected = old if expected_equal else (old ^ 1)
            fetched = functions[f"cmpxchg{size}"](address, expected, operand, 0)
        else:
            fetched = functions[f"{op}{size}"](address, operand, 0)
        outcomes.append((fetched, memory.load(address, size), bytes(buffer)))
    assert outcomes[0] == outcomes[1]
    fetched, after, _ = outcomes[0]
    assert fetched == old
    expected_after = {
        "add": (old + operand) & mask,
        "or": old | operand,
        "and": old & operand,
        "xor": old ^ operand,
        "xchg": operand,
        "cmpxchg": operand if expected_equal else old,
    }[op]
    assert after == expected_after


def _fallback(memory: Memory) -> dict[str, object]:
    saved = atomics._LIB
    atomics._LIB = None
    try:
        return dict(atomics.Atomics(memory).functions)
    finally:
        atomics._LIB = saved


@pytest.mark.parametrize("size", [1, 2, 4, 8])
@pytest.mark.parametrize("native", [True, False])
def test_load_acquire_and_store_release(size: int, native: bool) -> None:
    memory, base, _ = _buffer()
    functions = atomics.Atomics(memory).functions if native else _fallback(memory)
    value = 0x8877_6655_4433_2211 & ((1 << (8 * size)) - 1)
    functions[f"store_rel{size}"](base + 16, value, 0)
    assert memory.load(base + 16, size) == value
    assert functions[f"load_acq{size}"](base + 16, 0) == value


def test_atomics_check_the_access_first() -> None:
    memory, base, _ = _buffer(16)
    functions = atomics.Atomics(memory).functions
    with pytest.raises(MemoryAccessError) as info:
        functions["add8"](base + 16, 1, 7)  # just past the region
    assert info.value.pc == 7 and info.value.write
    with pytest.raises(MemoryAccessError):
        functions["cmpxchg4"](base - 8, 0, 1, 7)
    with pytest.raises(MemoryAccessError):
        functions["load_acq8"](base + 12, 0)  # crosses the end
    read_only = memory.add_region(bytes(8), writable=False, name="rodata")
    with pytest.raises(MemoryAccessError) as info:
        functions["xchg8"](read_only.start, 1, 3)
    assert info.value.write and "read-only" in str(info.value)


def test_program_atomics_on_misaligned_addresses() -> None:
    data = bytearray(32)
    program = [
        mov(2, 5),
        mov(3, 5),
        insn("lock fetch add", 1, 2, off=3),
        insn("lock add32", 1, 3, off=13),
        insn("mov", 0, 2),
        EXIT,
    ]
    interpreter = Interpreter(program)
    assert interpreter.run(data) == 0
    assert interpreter.run(data) == 5
    assert int.from_bytes(data[3:11], "little") == 10 and int.from_bytes(data[13:17], "little") == 10
